package sklearn

import (
	"fmt"
	"math"
	"strconv"

	"github.com/sinter-ml/sinter/formats/sklearn/pickle"
	"github.com/sinter-ml/sinter/ir/ensemble"
)

// est is an estimator object read from a pickle.
type est struct {
	o    *pickle.Object
	name string  // class name ("RandomForestClassifier")
	b    *budget // shared by every estimator of one conversion
}

// charge counts cells against the conversion's budget.
func (e est) charge(cells int) error {
	if e.b == nil {
		return nil
	}
	return e.b.charge(cells)
}

func asEst(v pickle.Value) (est, bool) {
	o, ok := v.(*pickle.Object)
	if !ok || o.Class == nil {
		return est{}, false
	}
	return est{o: o, name: o.Class.Name}, true
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnsupported, fmt.Sprintf(format, args...))
}

func (e est) has(name string) bool {
	v, ok := pickle.Attr(e.o, name)
	return ok && v != nil
}

func (e est) get(name string) (pickle.Value, error) {
	v, ok := pickle.Attr(e.o, name)
	if !ok {
		return nil, invalid("%s has no attribute %s (is it fitted?)", e.name, name)
	}
	return v, nil
}

func (e est) int(name string) (int64, error) {
	v, err := e.get(name)
	if err != nil {
		return 0, err
	}
	k, ok := pickle.ToInt(v)
	if !ok {
		return 0, invalid("%s.%s is %s, want an integer", e.name, name, pickle.TypeName(v))
	}
	return k, nil
}

func (e est) float(name string) (float64, error) {
	v, err := e.get(name)
	if err != nil {
		return 0, err
	}
	if a, ok := v.(*pickle.Array); ok && a.Len() == 1 {
		f, err := a.Float64s()
		if err != nil {
			return 0, err
		}
		return f[0], nil
	}
	f, ok := pickle.ToFloat(v)
	if !ok {
		return 0, invalid("%s.%s is %s, want a number", e.name, name, pickle.TypeName(v))
	}
	return f, nil
}

func (e est) str(name string) (string, error) {
	v, err := e.get(name)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", invalid("%s.%s is %s, want a string", e.name, name, pickle.TypeName(v))
	}
	return s, nil
}

func (e est) strOr(name, def string) string {
	v, ok := pickle.Attr(e.o, name)
	if s, isStr := v.(string); ok && isStr {
		return s
	}
	return def
}

func (e est) boolOr(name string, def bool) bool {
	v, ok := pickle.Attr(e.o, name)
	if !ok || v == nil {
		return def
	}
	k, ok := pickle.ToInt(v)
	if !ok {
		return def
	}
	return k != 0
}

func (e est) array(name string) (*pickle.Array, error) {
	v, err := e.get(name)
	if err != nil {
		return nil, err
	}
	a, ok := v.(*pickle.Array)
	if !ok {
		return nil, invalid("%s.%s is %s, want an array", e.name, name, pickle.TypeName(v))
	}
	return a, nil
}

func (e est) floats(name string) ([]float64, *pickle.Array, error) {
	a, err := e.array(name)
	if err != nil {
		return nil, nil, err
	}
	if err := e.charge(a.Len()); err != nil {
		return nil, nil, err
	}
	f, err := a.Float64s()
	if err != nil {
		return nil, nil, fmt.Errorf("%s.%s: %w", e.name, name, err)
	}
	return f, a, nil
}

func (e est) sub(name string) (est, error) {
	v, err := e.get(name)
	if err != nil {
		return est{}, err
	}
	s, ok := asEst(v)
	if !ok {
		return est{}, invalid("%s.%s is %s, want an estimator", e.name, name, pickle.TypeName(v))
	}
	s.b = e.b
	return s, nil
}

// child wraps an estimator found inside e, sharing e's budget.
func (e est) child(v pickle.Value) (est, bool) {
	s, ok := asEst(v)
	s.b = e.b
	return s, ok
}

// items returns the elements of a list, tuple or object array.
func items(v pickle.Value) ([]pickle.Value, bool) {
	switch x := v.(type) {
	case *pickle.List:
		return x.Items, true
	case pickle.Tuple:
		return x, true
	case *pickle.Array:
		if x.DType != nil && x.DType.Kind == 'O' && len(x.Objects) == x.Len() {
			return x.Objects, true
		}
	}
	return nil, false
}

// classesOf reads classes_ as ensemble labels: int64 for integer (and
// integral float or bool) labels, strings for str labels.
func classesOf(e est) (*ensemble.Classes, error) {
	a, err := e.array("classes_")
	if err != nil {
		return nil, err
	}
	if a.Len() < 1 || a.Len() > ensemble.MaxTargets {
		return nil, invalid("%s has %d classes", e.name, a.Len())
	}
	var ints []int64
	var strs []string
	for i := range a.Len() {
		v, err := a.At(i)
		if err != nil {
			return nil, err
		}
		switch x := v.(type) {
		case string:
			strs = append(strs, x)
		case pickle.Bytes:
			strs = append(strs, string(x))
		default:
			if k, ok := pickle.ToInt(v); ok {
				ints = append(ints, k)
				continue
			}
			if f, ok := pickle.ToFloat(v); ok && !math.IsNaN(f) {
				strs = append(strs, strconv.FormatFloat(f, 'g', -1, 64))
				continue
			}
			return nil, unsupported("%s class label of type %s", e.name, pickle.TypeName(v))
		}
	}
	if len(ints) > 0 && len(strs) > 0 {
		return nil, unsupported("%s mixes numeric and string class labels", e.name)
	}
	if strs != nil {
		return &ensemble.Classes{Strings: strs}, nil
	}
	return &ensemble.Classes{Int64: ints}, nil
}

// nFeatures reads n_features_in_ (or the older n_features_).
func nFeatures(e est) (int, error) {
	for _, name := range []string{"n_features_in_", "n_features_", "_n_features"} {
		if e.has(name) {
			n, err := e.int(name)
			if err != nil {
				return 0, err
			}
			if n < 1 || n > ensemble.MaxFeatures {
				return 0, invalid("%s has %d features", e.name, n)
			}
			return int(n), nil
		}
	}
	return 0, invalid("%s has no n_features_in_ (is it fitted?)", e.name)
}
