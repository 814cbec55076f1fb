package sklearn

import (
	"github.com/sinter-ml/sinter/formats/sklearn/pickle"
	"github.com/sinter-ml/sinter/ir/ensemble"
)

// Logistic-regression probability rules.
const (
	logitOVRBinary   = iota // expit(d) → [1−p, p]
	logitMultiBinary        // softmax([−d, d])
	logitMultinomial        // softmax(D)
	logitOVR                // expit(D) normalised per row
)

// linear is a linear model's parameters: D = X·Coefᵀ + Intercept.
type linear struct {
	coef      []float64 // [outs, feat]
	intercept []float64 // [outs] (zeros when absent)
	outs      int
	vector    bool // coef_ is 1-D or the model is binary: D is [N]
	logistic  bool
	rule      int
	classes   *ensemble.Classes
}

func linearModel(e est) (*model, error) {
	nFeat, err := nFeatures(e)
	if err != nil {
		return nil, err
	}
	coef, ca, err := e.floats("coef_")
	if err != nil {
		return nil, err
	}
	lin := &linear{coef: coef}
	switch len(ca.Shape) {
	case 1:
		lin.outs, lin.vector = 1, true
	case 2:
		lin.outs = ca.Shape[0]
	default:
		return nil, invalid("%s.coef_ has shape %v", e.name, ca.Shape)
	}
	if lin.outs < 1 || len(coef) != lin.outs*nFeat {
		return nil, invalid("%s.coef_ has shape %v for %d features", e.name, ca.Shape, nFeat)
	}
	lin.intercept = make([]float64, lin.outs)
	if iv, ok := pickle.Attr(e.o, "intercept_"); ok {
		switch x := iv.(type) {
		case *pickle.Array:
			f, err := x.Float64s()
			if err != nil {
				return nil, err
			}
			if len(f) == 1 && lin.outs == 1 {
				lin.intercept[0] = f[0]
			} else if len(f) == lin.outs {
				copy(lin.intercept, f)
			} else {
				return nil, invalid("%s.intercept_ has %d values for %d outputs", e.name, len(f), lin.outs)
			}
		default:
			f, ok := pickle.ToFloat(iv)
			if !ok || lin.outs != 1 {
				return nil, invalid("%s.intercept_ is %s", e.name, pickle.TypeName(iv))
			}
			lin.intercept[0] = f
		}
	}
	m := &model{nFeat: nFeat, lin: lin}
	if e.name != "LogisticRegression" {
		m.kind = regressor
		m.vectorY = lin.vector
		return m, nil
	}
	m.kind, m.hasDecision, lin.logistic = classifier, true, true
	if lin.classes, err = classesOf(e); err != nil {
		return nil, err
	}
	nc := lin.classes.Len()
	mc := e.strOr("multi_class", "auto")
	solver := e.strOr("solver", "lbfgs")
	ovr := mc == "ovr" || mc == "warn" || (mc == "auto" && (nc <= 2 || solver == "liblinear"))
	switch {
	case nc == 2 && lin.outs == 1:
		lin.vector = true
		lin.rule = logitOVRBinary
		if !ovr {
			lin.rule = logitMultiBinary
		}
		m.vectorDecision = true
	case nc > 2 && lin.outs == nc && !lin.vector:
		lin.rule = logitMultinomial
		if ovr {
			lin.rule = logitOVR
		}
	default:
		return nil, invalid("%s has %d classes and coef_ of shape %v", e.name, nc, ca.Shape)
	}
	return m, nil
}

// scaler is a per-feature affine step: StandardScaler ((x − mean) / scale)
// or MinMaxScaler (x · scale + min, then clipped to the feature range).
type scaler struct {
	standard    bool
	mean, scale []float64 // nil when not applied
	min         []float64
	clip        bool
	lo, hi      float64
}

func readScaler(e est, nFeat int) (*scaler, int, error) {
	n, err := nFeatures(e)
	if err != nil {
		return nil, 0, err
	}
	if nFeat != 0 && n != nFeat {
		return nil, 0, invalid("%s expects %d features, the previous step gives %d", e.name, n, nFeat)
	}
	vec := func(name string) ([]float64, error) {
		if !e.has(name) {
			return nil, nil
		}
		f, _, err := e.floats(name)
		if err != nil {
			return nil, err
		}
		if len(f) != n {
			return nil, invalid("%s.%s has %d values for %d features", e.name, name, len(f), n)
		}
		return f, nil
	}
	s := &scaler{}
	switch e.name {
	case "StandardScaler":
		s.standard = true
		if e.boolOr("with_mean", true) {
			if s.mean, err = vec("mean_"); err != nil {
				return nil, 0, err
			}
		}
		if e.boolOr("with_std", true) {
			if s.scale, err = vec("scale_"); err != nil {
				return nil, 0, err
			}
		}
	case "MinMaxScaler":
		if s.scale, err = vec("scale_"); err != nil {
			return nil, 0, err
		}
		if s.min, err = vec("min_"); err != nil {
			return nil, 0, err
		}
		if s.scale == nil || s.min == nil {
			return nil, 0, invalid("MinMaxScaler is not fitted")
		}
		if e.boolOr("clip", false) {
			fr, err := e.get("feature_range")
			if err != nil {
				return nil, 0, err
			}
			t, ok := items(fr)
			if !ok || len(t) != 2 {
				return nil, 0, invalid("MinMaxScaler.feature_range is %s", pickle.TypeName(fr))
			}
			lo, ok1 := pickle.ToFloat(t[0])
			hi, ok2 := pickle.ToFloat(t[1])
			if !ok1 || !ok2 {
				return nil, 0, invalid("MinMaxScaler.feature_range is not numeric")
			}
			s.clip, s.lo, s.hi = true, lo, hi
		}
	}
	return s, n, nil
}
