package reduce

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func registerLoss(r *ops.Registry) {
	r.RegisterVersions("", "NegativeLogLikelihoodLoss", []int64{12, 13}, func(n *ops.Node) (ops.Kernel, error) {
		return bindLoss(n, false)
	})
	r.RegisterVersions("", "SoftmaxCrossEntropyLoss", []int64{12, 13}, func(n *ops.Node) (ops.Kernel, error) {
		return bindLoss(n, true)
	})
}

type lossSpec struct {
	reduction string
	hasIgnore bool
	ignore    int64
}

func bindLoss(n *ops.Node, sce bool) (ops.Kernel, error) {
	var s lossSpec
	var err error
	if s.reduction, err = n.String("reduction", "mean"); err != nil {
		return nil, err
	}
	switch s.reduction {
	case "none", "sum", "mean":
	default:
		return nil, fmt.Errorf("unknown reduction %q", s.reduction)
	}
	if s.hasIgnore = n.Has("ignore_index"); s.hasIgnore {
		if s.ignore, err = n.Int("ignore_index", 0); err != nil {
			return nil, err
		}
	}
	nout := max(n.NumOutputs(), 1)
	wantLogProb := sce && n.HasOutput(1)
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := needInputs(in, 2); err != nil {
			return nil, err
		}
		x, target := in[0], in[1]
		var weight *tensor.Tensor
		if len(in) > 2 {
			weight = in[2]
		}
		xs := x.Shape()
		if len(xs) < 2 {
			return nil, fmt.Errorf("input must have rank ≥ 2, got %v", xs)
		}
		N, C := xs[0], xs[1]
		D := 1
		for _, d := range xs[2:] {
			D *= d
		}
		ts := target.Shape()
		if len(ts) != len(xs)-1 || ts[0] != N || !ts[1:].Equal(xs[2:]) {
			return nil, fmt.Errorf("target shape %v does not match input shape %v", ts, xs)
		}
		labels, err := ops.Int64s(target)
		if err != nil {
			return nil, fmt.Errorf("target: %w", err)
		}
		if weight != nil {
			if weight.DType() != x.DType() {
				return nil, fmt.Errorf("weight is %v, input is %v", weight.DType(), x.DType())
			}
			if weight.Rank() != 1 || weight.Shape()[0] != C {
				return nil, fmt.Errorf("weight shape %v, want [%d]", weight.Shape(), C)
			}
		}
		lossShape := ts
		if s.reduction != "none" {
			lossShape = tensor.Shape{}
		}
		dt := x.DType()
		var loss, logp *tensor.Tensor
		switch dt {
		case tensor.Float32:
			var w []float32
			if weight != nil {
				w = weight.Float32s()
			}
			l, lp, err := lossCompute(s, sce, x.Float32s(), labels, w, N, C, D)
			if err != nil {
				return nil, err
			}
			loss = tensor.From(l, lossShape...)
			if lp != nil {
				logp = tensor.From(lp, xs...)
			}
		case tensor.Float64:
			var w []float64
			if weight != nil {
				w = weight.Float64s()
			}
			l, lp, err := lossCompute(s, sce, x.Float64s(), labels, w, N, C, D)
			if err != nil {
				return nil, err
			}
			loss = tensor.From(l, lossShape...)
			if lp != nil {
				logp = tensor.From(lp, xs...)
			}
		case tensor.Float16, tensor.BFloat16:
			var w []float32
			if weight != nil {
				w = widen(weight)
			}
			l, lp, err := lossCompute(s, sce, widen(x), labels, w, N, C, D)
			if err != nil {
				return nil, err
			}
			loss = narrow(dt, l, lossShape)
			if lp != nil {
				logp = narrow(dt, lp, xs)
			}
		default:
			return nil, fmt.Errorf("unsupported input type %v", dt)
		}
		outs := make([]*tensor.Tensor, nout)
		outs[0] = loss
		if wantLogProb {
			outs[1] = logp
		}
		return outs, nil
	}, nil
}

// lossCompute returns the (possibly reduced) loss and, for softmax cross
// entropy, the log-probabilities. x is [N, C, D] in storage order.
func lossCompute[T ops.Float](s lossSpec, sce bool, x []T, labels []int64, w []T, N, C, D int) ([]T, []T, error) {
	var logp []T
	if sce {
		logp = make([]T, len(x))
		softmax(smLog, x, logp, N, C, D)
		x = logp
	}
	per := make([]T, N*D)
	var sum, wsum float64
	for n := 0; n < N; n++ {
		for d := 0; d < D; d++ {
			c := labels[n*D+d]
			if s.hasIgnore && c == s.ignore {
				continue
			}
			if c < 0 || c >= int64(C) {
				return nil, nil, fmt.Errorf("target %d out of range [0, %d)", c, C)
			}
			wt := 1.0
			if w != nil {
				wt = float64(w[c])
			}
			l := -float64(x[(n*C+int(c))*D+d]) * wt
			per[n*D+d] = T(l)
			sum += l
			wsum += wt
		}
	}
	switch s.reduction {
	case "sum":
		return []T{T(sum)}, logp, nil
	case "mean":
		return []T{T(sum / wsum)}, logp, nil
	}
	return per, logp, nil
}
