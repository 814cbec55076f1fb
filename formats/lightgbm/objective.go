package lightgbm

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Transform is the function LightGBM's objective applies to raw scores to
// make predictions (ObjectiveFunction::ConvertOutput).
type Transform uint8

// Output transforms.
const (
	// TransformIdentity: regression, regression_l1, huber, fair, quantile,
	// mape, lambdarank, rank_xendcg, and models without an objective.
	TransformIdentity Transform = iota
	// TransformSigmoid: 1/(1+exp(-Sigmoid·x)), binary, cross_entropy
	// (Sigmoid 1) and per class for multiclassova.
	TransformSigmoid
	// TransformSoftmax: multiclass.
	TransformSoftmax
	// TransformExp: poisson, gamma, tweedie.
	TransformExp
	// TransformLog1pExp: log(1+exp(x)), cross_entropy_lambda.
	TransformLog1pExp
	// TransformSquare: sign(x)·x², regression-family objectives trained
	// with reg_sqrt (written "regression sqrt").
	TransformSquare
)

func (t Transform) String() string {
	switch t {
	case TransformIdentity:
		return "identity"
	case TransformSigmoid:
		return "sigmoid"
	case TransformSoftmax:
		return "softmax"
	case TransformExp:
		return "exp"
	case TransformLog1pExp:
		return "log1p_exp"
	case TransformSquare:
		return "signed_square"
	}
	return "transform(?)"
}

// Objective is the objective= header line.
type Objective struct {
	// Name is the objective's name as written (LightGBM writes canonical
	// names: "binary", "multiclass", "regression", …); "" when absent.
	Name string
	// Params are the tokens after the name ("sigmoid:1", "num_class:5",
	// "sqrt"), in file order.
	Params []string
	// Transform is the output transform Name and Params select.
	Transform Transform
	// Sigmoid is the sigmoid parameter for TransformSigmoid (1 unless the
	// file says otherwise).
	Sigmoid float64
	// NumClass is the num_class parameter of multiclass objectives, 0 when
	// absent.
	NumClass int
}

// String gives the objective line as LightGBM writes it.
func (o Objective) String() string {
	if len(o.Params) == 0 {
		return o.Name
	}
	return o.Name + " " + strings.Join(o.Params, " ")
}

// objective families by name, LightGBM's canonical names and aliases.
var objectiveFamilies = map[string]string{
	"regression": "l2", "regression_l2": "l2", "l2": "l2", "mean_squared_error": "l2", "mse": "l2",
	"l2_root": "l2", "root_mean_squared_error": "l2", "rmse": "l2",
	"regression_l1": "l2", "l1": "l2", "mean_absolute_error": "l2", "mae": "l2",
	"huber": "l2", "fair": "l2", "quantile": "l2",
	"mape": "l2", "mean_absolute_percentage_error": "l2",
	"poisson": "exp", "gamma": "exp", "tweedie": "exp",
	"binary":     "binary",
	"multiclass": "softmax", "softmax": "softmax",
	"multiclassova": "ova", "multiclass_ova": "ova", "ova": "ova", "ovr": "ova",
	"cross_entropy": "xent", "xentropy": "xent",
	"cross_entropy_lambda": "xentlambda", "xentlambda": "xentlambda",
	"lambdarank": "rank", "rank_xendcg": "rank", "xendcg": "rank", "xe_ndcg": "rank",
	"xe_ndcg_mart": "rank", "xendcg_mart": "rank",
	"custom": "none", "none": "none", "null": "none", "na": "none",
}

// parseObjective parses the value of an objective= line.
func parseObjective(s string) (Objective, error) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return Objective{}, fmt.Errorf("%w: empty objective", ErrInvalid)
	}
	o := Objective{Name: f[0], Params: f[1:], Sigmoid: 1}
	fam, ok := objectiveFamilies[o.Name]
	if !ok {
		return Objective{}, fmt.Errorf("%w: objective %q", ErrUnsupported, o.Name)
	}
	sqrt := false
	for _, p := range o.Params {
		k, v, hasVal := strings.Cut(p, ":")
		switch {
		case !hasVal && k == "sqrt":
			sqrt = true
		case hasVal && k == "sigmoid":
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x <= 0 {
				return Objective{}, fmt.Errorf("%w: objective %q: bad sigmoid %q", ErrInvalid, s, v)
			}
			o.Sigmoid = x
		case hasVal && k == "num_class":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxClasses {
				return Objective{}, fmt.Errorf("%w: objective %q: bad num_class %q", ErrInvalid, s, v)
			}
			o.NumClass = n
		default:
			// LightGBM's objectives write no other parameters; one we do
			// not know may change the transform.
			return Objective{}, fmt.Errorf("%w: objective %q: parameter %q", ErrUnsupported, s, p)
		}
	}
	if sqrt && fam != "l2" {
		return Objective{}, fmt.Errorf("%w: objective %q: sqrt on a non-regression objective", ErrUnsupported, s)
	}
	switch fam {
	case "l2":
		o.Transform = TransformIdentity
		if sqrt {
			o.Transform = TransformSquare
		}
	case "exp":
		o.Transform = TransformExp
	case "binary", "ova":
		o.Transform = TransformSigmoid
	case "xent":
		o.Transform = TransformSigmoid
		o.Sigmoid = 1
	case "softmax":
		o.Transform = TransformSoftmax
	case "xentlambda":
		o.Transform = TransformLog1pExp
	case "rank", "none":
		o.Transform = TransformIdentity
	}
	if (fam == "softmax" || fam == "ova") && o.NumClass == 0 {
		return Objective{}, fmt.Errorf("%w: objective %q without num_class", ErrInvalid, s)
	}
	if fam != "softmax" && fam != "ova" && o.NumClass != 0 {
		return Objective{}, fmt.Errorf("%w: objective %q: num_class on a single-output objective", ErrInvalid, s)
	}
	if fam != "binary" && fam != "ova" && o.Sigmoid != 1 {
		return Objective{}, fmt.Errorf("%w: objective %q: sigmoid on an objective without one", ErrInvalid, s)
	}
	return o, nil
}

// Classifier reports whether the objective is a classifier's (binary,
// multiclass, multiclassova): the ones that have Label and Probabilities
// outputs.
func (o Objective) Classifier() bool { return o.Name == "binary" || o.multiOutput() }

// multiOutput reports whether the objective scores several classes.
func (o Objective) multiOutput() bool {
	return o.Transform == TransformSoftmax || (o.Transform == TransformSigmoid && o.NumClass > 0)
}
