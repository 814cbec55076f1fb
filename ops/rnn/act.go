package rnn

import (
	"fmt"
	"math"
	"strings"
)

// act is one of the activation functions the recurrent operators accept.
type act struct {
	kind        string // lower-case name
	alpha, beta float64
}

// actDefaults lists, per activation, whether it takes alpha and beta and
// their default values (those of the matching ONNX operators).
var actDefaults = map[string]struct {
	usesAlpha, usesBeta bool
	alpha, beta         float64
}{
	"relu":            {},
	"tanh":            {},
	"sigmoid":         {},
	"affine":          {true, true, 1, 0},
	"leakyrelu":       {true, false, 0.01, 0},
	"thresholdedrelu": {true, false, 1, 0},
	"scaledtanh":      {true, true, 1, 1},
	"hardsigmoid":     {true, true, 0.2, 0.5},
	"elu":             {true, false, 1, 0},
	"softsign":        {},
	"softplus":        {},
}

// parseActs builds the activation list from names, consuming activation_alpha
// and activation_beta values in order by the functions that take them.
func parseActs(names []string, alphas, betas []float32) ([]act, error) {
	out := make([]act, len(names))
	ai, bi := 0, 0
	for i, name := range names {
		k := strings.ToLower(name)
		d, ok := actDefaults[k]
		if !ok {
			return nil, fmt.Errorf("unknown activation %q", name)
		}
		a := act{kind: k, alpha: d.alpha, beta: d.beta}
		if d.usesAlpha && ai < len(alphas) {
			a.alpha = float64(alphas[ai])
			ai++
		}
		if d.usesBeta && bi < len(betas) {
			a.beta = float64(betas[bi])
			bi++
		}
		out[i] = a
	}
	return out, nil
}

func (a act) apply(x float64) float64 {
	switch a.kind {
	case "relu":
		return max(x, 0)
	case "tanh":
		return math.Tanh(x)
	case "sigmoid":
		if x >= 0 {
			return 1 / (1 + math.Exp(-x))
		}
		e := math.Exp(x)
		return e / (1 + e)
	case "affine":
		return a.alpha*x + a.beta
	case "leakyrelu":
		if x >= 0 {
			return x
		}
		return a.alpha * x
	case "thresholdedrelu":
		if x >= a.alpha {
			return x
		}
		return 0
	case "scaledtanh":
		return a.alpha * math.Tanh(a.beta*x)
	case "hardsigmoid":
		return min(max(a.alpha*x+a.beta, 0), 1)
	case "elu":
		if x >= 0 {
			return x
		}
		return a.alpha * (math.Exp(x) - 1)
	case "softsign":
		return x / (1 + math.Abs(x))
	case "softplus":
		if x > 30 {
			return x + math.Log1p(math.Exp(-x))
		}
		return math.Log1p(math.Exp(x))
	}
	return x
}
