package xgboost

import (
	"fmt"
	"math"
)

// link maps base_score from response space to margin space (XGBoost's
// ObjFunction::ProbToMargin).
type link uint8

const (
	linkIdentity link = iota
	linkLogit         // -log(1/p - 1), needs 0 < p < 1
	linkLog           // log(p), needs p > 0
)

// transform is the objective's prediction transform (PredTransform).
type transform uint8

const (
	transformIdentity transform = iota
	transformSigmoid            // 1/(1+exp(-x))
	transformExp                // exp(x)
	transformSoftmax            // per row over the groups (multi:softprob)
	transformArgmax             // index of the largest margin (multi:softmax)
	transformHinge              // 1 if x > 0 else 0 (binary:hinge)
)

func (t transform) String() string {
	return [...]string{"identity", "sigmoid", "exp", "softmax", "argmax", "hinge"}[t]
}

type objective struct {
	link      link
	transform transform
}

// objectives lists every objective XGBoost can save, with its base-score
// link and prediction transform.
var objectives = map[string]objective{
	"reg:squarederror":     {linkIdentity, transformIdentity},
	"reg:linear":           {linkIdentity, transformIdentity}, // pre-1.0 name
	"reg:squaredlogerror":  {linkIdentity, transformIdentity},
	"reg:pseudohubererror": {linkIdentity, transformIdentity},
	"reg:absoluteerror":    {linkIdentity, transformIdentity},
	"reg:quantileerror":    {linkIdentity, transformIdentity},
	"reg:logistic":         {linkLogit, transformSigmoid},
	"binary:logistic":      {linkLogit, transformSigmoid},
	// Identity link since XGBoost 1.7 (older releases inherited logit from
	// binary:logistic); current XGBoost reads every model this way.
	"binary:logitraw": {linkIdentity, transformIdentity},
	"binary:hinge":    {linkIdentity, transformHinge},
	"reg:gamma":       {linkLog, transformExp},
	"reg:tweedie":     {linkLog, transformExp},
	"count:poisson":   {linkLog, transformExp},
	"survival:cox":    {linkLog, transformExp},
	"survival:aft":    {linkLog, transformExp},
	"multi:softmax":   {linkIdentity, transformArgmax},
	"multi:softprob":  {linkIdentity, transformSoftmax},
	"rank:pairwise":   {linkIdentity, transformIdentity},
	"rank:ndcg":       {linkIdentity, transformIdentity},
	"rank:map":        {linkIdentity, transformIdentity},
}

func lookupObjective(name string) (objective, error) {
	o, ok := objectives[name]
	if !ok {
		return objective{}, fmt.Errorf("%w: objective %q", ErrUnsupported, name)
	}
	return o, nil
}

// marginOfBase applies the link in float32 as XGBoost does.
func (o objective) marginOfBase(p float32) (float32, error) {
	switch o.link {
	case linkLogit:
		if !(p > 0 && p < 1) {
			return 0, fmt.Errorf("%w: base_score %v must be in (0, 1) for a logistic objective", ErrInvalid, p)
		}
		return -float32(math.Log(float64(1/p - 1))), nil
	case linkLog:
		if !(p > 0) || math.IsInf(float64(p), 1) {
			return 0, fmt.Errorf("%w: base_score %v must be positive and finite for a log-link objective", ErrInvalid, p)
		}
		return float32(math.Log(float64(p))), nil
	}
	if !isFinite32(p) {
		return 0, fmt.Errorf("%w: base_score %v is not finite", ErrInvalid, p)
	}
	return p, nil
}

// responseOfMargin applies the prediction transform to one scalar margin
// (used only for pre-1.0 binary models, whose stored bias was a margin).
func (o objective) responseOfMargin(x float32) float32 {
	switch o.transform {
	case transformSigmoid:
		return float32(1 / (1 + math.Exp(-float64(x))))
	case transformExp:
		return float32(math.Exp(float64(x)))
	case transformHinge:
		if x > 0 {
			return 1
		}
		return 0
	}
	return x
}
