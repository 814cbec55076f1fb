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
	if !sce && n.NumOutputs() > 1 {
		return nil, fmt.Errorf("NegativeLogLikelihoodLoss has one output, node declares %d", n.NumOutputs())
	}
	wantLogProb := sce && n.HasOutput(1)
	// check validates the inputs and returns the sizes [N, C, D] of x
	// viewed as batch, classes and the rest.
	check := func(in []*tensor.Tensor) (N, C, D int, err error) {
		if err := needInputs(in, 2); err != nil {
			return 0, 0, 0, err
		}
		x, target, weight := in[0], in[1], ops.Input(in, 2)
		xs := x.Shape()
		if len(xs) < 2 {
			return 0, 0, 0, fmt.Errorf("input must have rank ≥ 2, got %v", xs)
		}
		N, C, D = xs[0], xs[1], 1
		for _, d := range xs[2:] {
			D *= d
		}
		ts := target.Shape()
		if len(ts) != len(xs)-1 || ts[0] != N || !ts[1:].Equal(xs[2:]) {
			return 0, 0, 0, fmt.Errorf("target shape %v does not match input shape %v", ts, xs)
		}
		if dt := target.DType(); dt != tensor.Int64 && dt != tensor.Int32 {
			return 0, 0, 0, fmt.Errorf("target: expected an int32 or int64 tensor, got %v", dt)
		}
		if weight != nil {
			if weight.DType() != x.DType() {
				return 0, 0, 0, fmt.Errorf("weight is %v, input is %v", weight.DType(), x.DType())
			}
			if weight.Rank() != 1 || weight.Shape()[0] != C {
				return 0, 0, 0, fmt.Errorf("weight shape %v, want [%d]", weight.Shape(), C)
			}
		}
		if !x.DType().IsFloat() {
			return 0, 0, 0, fmt.Errorf("unsupported input type %v", x.DType())
		}
		return N, C, D, nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if _, _, _, err := check(in); err != nil {
				return err
			}
			x, target := in[0], in[1]
			out[0].DType = x.DType()
			out[0].Shape = out[0].Shape[:0]
			if s.reduction == "none" {
				out[0].Shape = append(out[0].Shape, target.Shape()...)
			}
			if wantLogProb {
				out[1].DType = x.DType()
				out[1].Shape = append(out[1].Shape[:0], x.Shape()...)
			}
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			N, C, D, err := check(in)
			if err != nil {
				return err
			}
			x, weight := in[0], ops.Input(in, 2)
			labels, err := ops.Int64s(in[1])
			if err != nil {
				return fmt.Errorf("target: %w", err)
			}
			var logp *tensor.Tensor
			if wantLogProb {
				logp = out[1]
			}
			switch dt := x.DType(); dt {
			case tensor.Float32:
				var w []float32
				if weight != nil {
					w = weight.Float32s()
				}
				l, lp, err := lossCompute(s, sce, x.Float32s(), labels, w, N, C, D)
				if err != nil {
					return err
				}
				copy(out[0].Float32s(), l)
				if logp != nil {
					copy(logp.Float32s(), lp)
				}
			case tensor.Float64:
				var w []float64
				if weight != nil {
					w = weight.Float64s()
				}
				l, lp, err := lossCompute(s, sce, x.Float64s(), labels, w, N, C, D)
				if err != nil {
					return err
				}
				copy(out[0].Float64s(), l)
				if logp != nil {
					copy(logp.Float64s(), lp)
				}
			default: // float16, bfloat16
				var w []float32
				if weight != nil {
					w = widen(weight)
				}
				l, lp, err := lossCompute(s, sce, widen(x), labels, w, N, C, D)
				if err != nil {
					return err
				}
				tensor.StoreHalf(out[0], l)
				if logp != nil {
					tensor.StoreHalf(logp, lp)
				}
			}
			return nil
		},
	})
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
