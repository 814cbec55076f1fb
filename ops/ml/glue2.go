package ml

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ir/ensemble"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func registerGlue2(r *ops.Registry) {
	r.RegisterVersions(ir.MLDomain, "LabelEncoder", []int64{1, 2, 4}, bindLabelEncoder)
	r.Register(ir.MLDomain, "OneHotEncoder", 1, bindOneHotEncoder)
	r.Register(ir.MLDomain, "LinearClassifier", 1, bindLinearClassifier)
	r.Register(ir.MLDomain, "FeatureVectorizer", 1, bindFeatureVectorizer)
}

// labelKey is a LabelEncoder key: strings as themselves, integers as
// int64, floating-point values as float64 bits (NaN keys match NaN inputs).
type labelKey struct {
	s string
	i int64
}

// keyOf returns element j of t as a key.
func keyOf(t *tensor.Tensor, j int) labelKey {
	switch t.DType() {
	case tensor.String:
		return labelKey{s: t.Strings()[j]}
	case tensor.Int64:
		return labelKey{i: t.Int64s()[j]}
	case tensor.Int32:
		return labelKey{i: int64(t.Int32s()[j])}
	case tensor.Int16:
		return labelKey{i: int64(tensor.Data[int16](t)[j])}
	case tensor.Float32:
		return floatKey(float64(t.Float32s()[j]))
	case tensor.Float64:
		return floatKey(t.Float64s()[j])
	}
	return labelKey{}
}

func floatKey(v float64) labelKey {
	switch {
	case math.IsNaN(v):
		return labelKey{i: 1, s: "NaN"}
	case v == 0:
		v = 0 // −0 matches 0
	}
	return labelKey{i: int64(math.Float64bits(v)), s: "f"}
}

// setFrom sets out[j] = src[k] (same element type).
func setFrom(out *tensor.Tensor, j int, src *tensor.Tensor, k int) {
	switch out.DType() {
	case tensor.String:
		out.Strings()[j] = src.Strings()[k]
	case tensor.Int64:
		out.Int64s()[j] = src.Int64s()[k]
	case tensor.Int32:
		out.Int32s()[j] = src.Int32s()[k]
	case tensor.Int16:
		tensor.Data[int16](out)[j] = tensor.Data[int16](src)[k]
	case tensor.Float32:
		out.Float32s()[j] = src.Float32s()[k]
	case tensor.Float64:
		out.Float64s()[j] = src.Float64s()[k]
	}
}

var labelTypes = map[tensor.DType]bool{tensor.String: true, tensor.Int64: true, tensor.Int32: true,
	tensor.Int16: true, tensor.Float32: true, tensor.Float64: true}

// LabelEncoder (v1, v2, v4): maps each input element through keys → values,
// with a default for missing keys. v1: classes_strings, string ↔ index;
// v2: keys_*/values_* (strings, int64s, floats); v4 also keys_tensor,
// values_tensor and default_tensor of any of string, int64, int32, int16,
// float, double. Output shape = input shape.
func bindLabelEncoder(n *ops.Node) (ops.Kernel, error) {
	strs := func(name string) (*tensor.Tensor, error) {
		v, err := n.Strings(name)
		if v == nil || err != nil {
			return nil, err
		}
		return tensor.FromStrings(v, len(v)), nil
	}
	ints := func(name string) (*tensor.Tensor, error) {
		v, err := n.Ints(name)
		if v == nil || err != nil {
			return nil, err
		}
		return tensor.From(v, len(v)), nil
	}
	floats := func(name string) (*tensor.Tensor, error) {
		v, err := n.Floats(name)
		if v == nil || err != nil {
			return nil, err
		}
		return tensor.From(v, len(v)), nil
	}
	first := func(getters ...func() (*tensor.Tensor, error)) (*tensor.Tensor, error) {
		var found *tensor.Tensor
		for _, g := range getters {
			t, err := g()
			if err != nil {
				return nil, err
			}
			if t != nil {
				if found != nil {
					return nil, fmt.Errorf("LabelEncoder: more than one keys_* or values_* attribute")
				}
				found = t
			}
		}
		return found, nil
	}
	defString, err := n.String("default_string", "_Unused")
	if err != nil {
		return nil, err
	}
	defInt, err := n.Int("default_int64", -1)
	if err != nil {
		return nil, err
	}
	defFloat, err := n.Float("default_float", float32(math.Copysign(0, -1)))
	if err != nil {
		return nil, err
	}
	classes, err := n.Strings("classes_strings")
	if err != nil {
		return nil, err
	}
	var keys, values *tensor.Tensor
	v1 := classes != nil
	if !v1 {
		if keys, err = first(func() (*tensor.Tensor, error) { return strs("keys_strings") },
			func() (*tensor.Tensor, error) { return ints("keys_int64s") },
			func() (*tensor.Tensor, error) { return floats("keys_floats") },
			func() (*tensor.Tensor, error) { return n.TensorAttr("keys_tensor") }); err != nil {
			return nil, err
		}
		if values, err = first(func() (*tensor.Tensor, error) { return strs("values_strings") },
			func() (*tensor.Tensor, error) { return ints("values_int64s") },
			func() (*tensor.Tensor, error) { return floats("values_floats") },
			func() (*tensor.Tensor, error) { return n.TensorAttr("values_tensor") }); err != nil {
			return nil, err
		}
		if keys == nil || values == nil {
			return nil, fmt.Errorf("LabelEncoder: needs classes_strings, or one keys_* and one values_* attribute")
		}
		if keys.Len() != values.Len() {
			return nil, fmt.Errorf("LabelEncoder: %d keys for %d values", keys.Len(), values.Len())
		}
		if !labelTypes[keys.DType()] || !labelTypes[values.DType()] {
			return nil, fmt.Errorf("LabelEncoder: key type %v or value type %v not supported", keys.DType(), values.DType())
		}
	}
	defTensor, err := n.TensorAttr("default_tensor")
	if err != nil {
		return nil, err
	}
	// defaultFor returns the one-element default of value type dt.
	defaultFor := func(dt tensor.DType) (*tensor.Tensor, error) {
		if defTensor != nil {
			if defTensor.DType() != dt || defTensor.Len() != 1 {
				return nil, fmt.Errorf("LabelEncoder: default_tensor is %v %v, want one %v", defTensor.DType(), defTensor.Shape(), dt)
			}
			return defTensor, nil
		}
		switch dt {
		case tensor.String:
			return tensor.FromStrings([]string{defString}, 1), nil
		case tensor.Int64:
			return tensor.From([]int64{defInt}, 1), nil
		case tensor.Float32:
			return tensor.From([]float32{defFloat}, 1), nil
		}
		return nil, fmt.Errorf("LabelEncoder: values of type %v need default_tensor", dt)
	}
	// v1 builds both directions; the input type picks one.
	type table struct {
		keys, values, def *tensor.Tensor
		index             map[labelKey]int
	}
	build := func(keys, values *tensor.Tensor) (*table, error) {
		def, err := defaultFor(values.DType())
		if err != nil {
			return nil, err
		}
		t := &table{keys: keys, values: values, def: def, index: make(map[labelKey]int, keys.Len())}
		for j := 0; j < keys.Len(); j++ {
			k := keyOf(keys, j)
			if _, dup := t.index[k]; !dup { // the first of duplicate keys wins
				t.index[k] = j
			}
		}
		return t, nil
	}
	var byType = map[tensor.DType]*table{}
	if v1 {
		idx := make([]int64, len(classes))
		for i := range idx {
			idx[i] = int64(i)
		}
		names := tensor.FromStrings(classes, len(classes))
		a, err := build(names, tensor.From(idx, len(idx)))
		if err != nil {
			return nil, err
		}
		b, err := build(tensor.From(append([]int64(nil), idx...), len(idx)), names)
		if err != nil {
			return nil, err
		}
		byType[tensor.String], byType[tensor.Int64] = a, b
	} else {
		t, err := build(keys, values)
		if err != nil {
			return nil, err
		}
		byType[keys.DType()] = t
	}
	// tableFor returns the table for input x.
	tableFor := func(x *tensor.Tensor) (*table, error) {
		if x == nil {
			return nil, fmt.Errorf("LabelEncoder: input is missing")
		}
		t := byType[x.DType()]
		if t == nil {
			return nil, fmt.Errorf("LabelEncoder: input type %v does not match the keys", x.DType())
		}
		return t, nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			t, err := tableFor(in[0])
			if err != nil {
				return err
			}
			sameShape(in[0], t.values.DType(), out)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			x := in[0]
			t, err := tableFor(x)
			if err != nil {
				return err
			}
			for j := 0; j < x.Len(); j++ {
				if k, ok := t.index[keyOf(x, j)]; ok {
					setFrom(out[0], j, t.values, k)
				} else {
					setFrom(out[0], j, t.def, 0)
				}
			}
			return nil
		},
	})
}

// OneHotEncoder: each element becomes a row of len(cats) float32 values,
// 1 at its category (numbers are truncated to int64 and matched against
// cats_int64s, strings against cats_strings); an unknown category gives
// zeros, or an error when zeros = 0. Output shape: input shape + [cats].
func bindOneHotEncoder(n *ops.Node) (ops.Kernel, error) {
	catInts, err := n.Ints("cats_int64s")
	if err != nil {
		return nil, err
	}
	catStrs, err := n.Strings("cats_strings")
	if err != nil {
		return nil, err
	}
	if (catInts == nil) == (catStrs == nil) {
		return nil, fmt.Errorf("OneHotEncoder: exactly one of cats_int64s and cats_strings must be set")
	}
	zeros, err := n.Int("zeros", 1)
	if err != nil {
		return nil, err
	}
	intIdx, strIdx := map[int64]int{}, map[string]int{}
	for i, c := range catInts {
		if _, dup := intIdx[c]; !dup {
			intIdx[c] = i
		}
	}
	for i, c := range catStrs {
		if _, dup := strIdx[c]; !dup {
			strIdx[c] = i
		}
	}
	nc := len(catInts) + len(catStrs)
	check := func(x *tensor.Tensor) error {
		if x == nil {
			return fmt.Errorf("OneHotEncoder: input is missing")
		}
		if isStr := x.DType() == tensor.String; isStr != (catStrs != nil) {
			return fmt.Errorf("OneHotEncoder: input type %v does not match the categories", x.DType())
		}
		switch x.DType() {
		case tensor.String, tensor.Int64, tensor.Int32, tensor.Float32, tensor.Float64:
			return nil
		}
		return fmt.Errorf("OneHotEncoder: input type %v not supported", x.DType())
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			x := in[0]
			if err := check(x); err != nil {
				return err
			}
			out[0].DType = tensor.Float32
			out[0].Shape = append(append(out[0].Shape[:0], x.Shape()...), nc)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			x := in[0]
			if err := check(x); err != nil {
				return err
			}
			y := out[0].Float32s()
			clear(y)
			var nums []float64
			if dt := x.DType(); dt != tensor.String && dt != tensor.Int64 {
				w := getWork()
				defer putWork(w)
				v, err := w.floats(x)
				if err != nil {
					return err
				}
				nums = v
			}
			for j := 0; j < x.Len(); j++ {
				var c int
				var ok bool
				switch {
				case x.DType() == tensor.String:
					c, ok = strIdx[x.Strings()[j]]
				case nums == nil:
					c, ok = intIdx[x.Int64s()[j]]
				default:
					v := nums[j]
					if !math.IsNaN(v) && v > -(1<<63) && v < 1<<63 {
						c, ok = intIdx[int64(v)]
					}
				}
				if ok {
					y[j*nc+c] = 1
				} else if zeros == 0 {
					return fmt.Errorf("OneHotEncoder: unknown category and zeros = 0")
				}
			}
			return nil
		},
	})
}

// FeatureVectorizer concatenates its inputs' columns into one float32
// [N, Σ inputdimensions] matrix: input i ([N, C] or [N]) contributes
// inputdimensions[i] columns, truncated or padded with zeros.
func bindFeatureVectorizer(n *ops.Node) (ops.Kernel, error) {
	dims, err := n.Ints("inputdimensions")
	if err != nil {
		return nil, err
	}
	total := 0
	for _, d := range dims {
		if d < 0 || d > 1<<30 {
			return nil, fmt.Errorf("FeatureVectorizer: input dimension %d out of range", d)
		}
		total += int(d)
	}
	// shape checks the inputs and returns their common row count and each
	// one's columns (in cols).
	shape := func(in []*tensor.Tensor, cols []int) (int, error) {
		if len(in) != len(dims) {
			return 0, fmt.Errorf("FeatureVectorizer: %d inputs for %d input dimensions", len(in), len(dims))
		}
		rows := -1
		for i, x := range in {
			if x == nil {
				return 0, fmt.Errorf("FeatureVectorizer: input %d is missing", i)
			}
			if !numeric(x.DType()) {
				return 0, fmt.Errorf("tensor: cannot convert %v to float64", x.DType())
			}
			r, c := 1, x.Len()
			if x.Rank() >= 2 {
				r = x.Shape()[0]
				c = 0
				if r > 0 {
					c = x.Len() / r
				}
			}
			if rows >= 0 && r != rows {
				return 0, fmt.Errorf("FeatureVectorizer: input %d has %d rows, input 0 has %d", i, r, rows)
			}
			rows = r
			if cols != nil {
				cols[i] = c
			}
		}
		return rows, nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			rows, err := shape(in, nil)
			if err != nil {
				return err
			}
			out[0].DType = tensor.Float32
			out[0].Shape = append(out[0].Shape[:0], max(rows, 0), total)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			w := getWork()
			defer putWork(w)
			cols := grow(&w.cols, len(in))
			rows, err := shape(in, cols)
			if err != nil {
				return err
			}
			y := out[0].Float32s()
			clear(y)
			o := 0 // first column of input i
			for i, x := range in {
				v, err := w.floats(x)
				if err != nil {
					return err
				}
				d, c := int(dims[i]), cols[i]
				for r := 0; r < rows; r++ {
					for j := 0; j < min(d, c); j++ {
						y[r*total+o+j] = float32(v[r*c+j])
					}
				}
				o += d
			}
			return nil
		},
	})
}

// LinearClassifier: scores = x·Wᵀ + b (float32, one row of W per class, or
// one row for a binary classifier), then post_transform. Outputs the label
// [N] (int64 or string) and the scores [N, C] float32. With one row of
// coefficients (binary), the label is the second class when the score is
// > 0 and the scores are [1−s, s] (LOGISTIC: [σ(−s), σ(s)]; with other
// transforms [s]), as ONNX Runtime 1.30 does. ONNX Runtime requires the
// intercepts (their count is the number of weight rows); Sinter takes one
// row per class when they are absent.
func bindLinearClassifier(n *ops.Node) (ops.Kernel, error) {
	coef, err := n.Floats("coefficients")
	if err != nil {
		return nil, err
	}
	icpt, err := n.Floats("intercepts")
	if err != nil {
		return nil, err
	}
	post, err := n.String("post_transform", "NONE")
	if err != nil {
		return nil, err
	}
	p, ok := onnxPosts[post]
	if !ok {
		return nil, fmt.Errorf("post_transform %q unknown", post)
	}
	ints, err := n.Ints("classlabels_ints")
	if err != nil {
		return nil, err
	}
	strs, err := n.Strings("classlabels_strings")
	if err != nil {
		return nil, err
	}
	if (ints == nil) == (strs == nil) {
		return nil, fmt.Errorf("LinearClassifier: exactly one of classlabels_ints and classlabels_strings must be set")
	}
	nc := len(ints) + len(strs)
	if nc == 0 || len(coef) == 0 {
		return nil, fmt.Errorf("LinearClassifier: no classes or coefficients")
	}
	rowsW := nc
	if len(icpt) > 0 {
		rowsW = len(icpt)
	}
	if len(coef)%rowsW != 0 {
		return nil, fmt.Errorf("LinearClassifier: %d coefficients for %d classes", len(coef), rowsW)
	}
	binary := rowsW == 1
	if !binary && rowsW != nc {
		return nil, fmt.Errorf("LinearClassifier: %d rows of weights for %d classes", rowsW, nc)
	}
	// shape checks x and returns its rows and columns and the width of
	// the scores.
	shape := func(x *tensor.Tensor) (rows, cols, width int, err error) {
		if rows, cols, err = rowsCols(x); err != nil {
			return 0, 0, 0, err
		}
		if cols*rowsW != len(coef) {
			return 0, 0, 0, fmt.Errorf("LinearClassifier: %d features, %d coefficients for %d rows of weights", cols, len(coef), rowsW)
		}
		width = rowsW
		if binary && nc == 2 && (p == ensemble.None || p == ensemble.Logistic) {
			width = 2
		}
		return rows, cols, width, nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			rows, _, width, err := shape(in[0])
			if err != nil {
				return err
			}
			out[0].DType = tensor.Int64
			if strs != nil {
				out[0].DType = tensor.String
			}
			out[0].Shape = append(out[0].Shape[:0], rows)
			if len(out) > 1 {
				out[1].DType = tensor.Float32
				out[1].Shape = append(out[1].Shape[:0], rows, width)
			}
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			rows, cols, width, err := shape(in[0])
			if err != nil {
				return err
			}
			w := getWork()
			defer putWork(w)
			x, err := w.floats(in[0])
			if err != nil {
				return err
			}
			var z []float32
			if len(out) > 1 && out[1] != nil {
				z = out[1].Float32s()
			} else {
				z = grow(&w.proba, rows*width)
			}
			cls := grow(&w.cls, rows)
			s := grow(&w.s, rowsW)
			tmp := grow(&w.tmp, rowsW)
			for r := 0; r < rows; r++ {
				for t := 0; t < rowsW; t++ {
					var acc float32
					if len(icpt) > 0 {
						acc = icpt[t]
					}
					for j := 0; j < cols; j++ {
						acc += float32(float32(x[r*cols+j]) * coef[t*cols+j])
					}
					s[t] = float64(acc)
				}
				zr := z[r*width : (r+1)*width]
				if binary {
					cls[r] = 0
					if s[0] > 0 {
						cls[r] = 1
					}
					switch {
					case width == 2 && p == ensemble.Logistic:
						zr[0], zr[1] = float32(ortLogistic(-s[0])), float32(ortLogistic(s[0]))
					case width == 2:
						zr[0], zr[1] = float32(1-s[0]), float32(s[0])
					case p == ensemble.None:
						zr[0] = float32(s[0])
					default:
						ensemble.ApplyPost(p, 1, s, tmp[:1])
						zr[0] = float32(tmp[0])
					}
					continue
				}
				best := 0
				for t := range s {
					if s[t] > s[best] {
						best = t
					}
				}
				cls[r] = int32(best)
				if p == ensemble.None {
					for t := range s {
						zr[t] = float32(s[t])
					}
				} else {
					writeScores(p, s, zr, tmp)
				}
			}
			if binary && nc < 2 {
				// One label: every row gets it.
				clear(cls)
			}
			if out[0] != nil {
				labelsInto(out[0], ints, strs, cls)
			}
			return nil
		},
	})
}
