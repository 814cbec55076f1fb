package reduce

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// TrainingDomain is the domain of the training-preview operators.
const TrainingDomain = "ai.onnx.preview.training"

func registerTraining(r *ops.Registry) {
	r.Register(TrainingDomain, "Adagrad", 1, bindAdagrad)
	r.Register(TrainingDomain, "Momentum", 1, bindMomentum)
	r.Register(TrainingDomain, "Adam", 1, bindAdam)
}

// floatAttrs reads float attributes in order; required ones (no default)
// must be present.
func floatAttr(n *ops.Node, name string, def float64, required bool) (float64, error) {
	if required && !n.Has(name) {
		return 0, fmt.Errorf("attribute %q is required", name)
	}
	v, err := n.Float(name, float32(def))
	if !n.Has(name) {
		return def, err
	}
	return float64(v), err
}

// optimizerArgs validates the inputs of an optimizer with groups state
// tensors per optimized tensor (X, G, and the rest) and returns the scalar
// learning rate, the update count and the number of optimized tensors.
func optimizerArgs(in []*tensor.Tensor, groups int) (r float64, t int64, k int, err error) {
	if len(in) < 2+groups || (len(in)-2)%groups != 0 {
		return 0, 0, 0, fmt.Errorf("expected 2 + %d×k inputs, got %d", groups, len(in))
	}
	for i, x := range in {
		if x == nil {
			return 0, 0, 0, fmt.Errorf("input %d is missing", i)
		}
	}
	if in[0].Len() != 1 {
		return 0, 0, 0, fmt.Errorf("learning rate R must be a scalar, has shape %v", in[0].Shape())
	}
	switch in[0].DType() {
	case tensor.Float32:
		r = float64(in[0].Float32s()[0])
	case tensor.Float64:
		r = in[0].Float64s()[0]
	default:
		return 0, 0, 0, fmt.Errorf("learning rate R is %v, want float or double", in[0].DType())
	}
	if in[1].Len() != 1 || in[1].DType() != tensor.Int64 {
		return 0, 0, 0, fmt.Errorf("update count T must be an int64 scalar, is %v%v", in[1].DType(), in[1].Shape())
	}
	t = in[1].Int64s()[0]
	k = (len(in) - 2) / groups
	for i := 0; i < k; i++ {
		x := in[2+i]
		if x.DType() != tensor.Float32 && x.DType() != tensor.Float64 {
			return 0, 0, 0, fmt.Errorf("optimized tensor %d is %v, want float or double", i, x.DType())
		}
		for g := 1; g < groups; g++ {
			o := in[2+g*k+i]
			if o.DType() != x.DType() || !o.Shape().Equal(x.Shape()) {
				return 0, 0, 0, fmt.Errorf("input %d is %v%v, want %v%v like optimized tensor %d",
					2+g*k+i, o.DType(), o.Shape(), x.DType(), x.Shape(), i)
			}
		}
	}
	return r, t, k, nil
}

// apply runs step over every element of the k optimized tensors. step maps
// the input state values (X, G, …) to the output values (X_new, …), both in
// float64; outs groups of outputs are produced per tensor.
func apply(in []*tensor.Tensor, k, groups, outs int, step func(src, dst []float64)) []*tensor.Tensor {
	res := make([]*tensor.Tensor, outs*k)
	src := make([]float64, groups)
	dst := make([]float64, outs)
	for i := 0; i < k; i++ {
		x := in[2+i]
		ins := make([][]float64, groups)
		for g := range ins {
			ins[g], _ = tensor.ToFloat64(in[2+g*k+i])
		}
		vals := make([][]float64, outs)
		for o := range vals {
			vals[o] = make([]float64, x.Len())
		}
		for e := 0; e < x.Len(); e++ {
			for g := range src {
				src[g] = ins[g][e]
			}
			step(src, dst)
			for o := range dst {
				vals[o][e] = dst[o]
			}
		}
		for o := range vals {
			t := tensor.New(x.DType(), x.Shape()...)
			if x.DType() == tensor.Float32 {
				d := t.Float32s()
				for e, v := range vals[o] {
					d[e] = float32(v)
				}
			} else {
				copy(t.Float64s(), vals[o])
			}
			res[o*k+i] = t
		}
	}
	return res
}

func bindAdagrad(n *ops.Node) (ops.Kernel, error) {
	decay, err := floatAttr(n, "decay_factor", 0, false)
	if err != nil {
		return nil, err
	}
	eps, err := floatAttr(n, "epsilon", float64(float32(1e-6)), false)
	if err != nil {
		return nil, err
	}
	norm, err := floatAttr(n, "norm_coefficient", 0, false)
	if err != nil {
		return nil, err
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		r, t, k, err := optimizerArgs(in, 3)
		if err != nil {
			return nil, err
		}
		rate := r / (1 + float64(t)*decay)
		return apply(in, k, 3, 2, func(s, d []float64) {
			x, g, h := s[0], s[1], s[2]
			gr := norm*x + g
			hn := h + gr*gr
			d[0] = x - rate*gr/(math.Sqrt(hn)+eps)
			d[1] = hn
		}), nil
	}, nil
}

func bindMomentum(n *ops.Node) (ops.Kernel, error) {
	alpha, err := floatAttr(n, "alpha", 0, true)
	if err != nil {
		return nil, err
	}
	beta, err := floatAttr(n, "beta", 0, true)
	if err != nil {
		return nil, err
	}
	norm, err := floatAttr(n, "norm_coefficient", 0, true)
	if err != nil {
		return nil, err
	}
	if !n.Has("mode") {
		return nil, fmt.Errorf("attribute \"mode\" is required")
	}
	mode, err := n.String("mode", "")
	if err != nil {
		return nil, err
	}
	if mode != "standard" && mode != "nesterov" {
		return nil, fmt.Errorf("mode %q, want \"standard\" or \"nesterov\"", mode)
	}
	nesterov := mode == "nesterov"
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		r, t, k, err := optimizerArgs(in, 3)
		if err != nil {
			return nil, err
		}
		b := beta
		if t <= 0 {
			b = 1
		}
		return apply(in, k, 3, 2, func(s, d []float64) {
			x, g, v := s[0], s[1], s[2]
			gr := norm*x + g
			vn := alpha*v + b*gr
			if nesterov {
				d[0] = x - r*(gr+alpha*vn)
			} else {
				d[0] = x - r*vn
			}
			d[1] = vn
		}), nil
	}, nil
}

func bindAdam(n *ops.Node) (ops.Kernel, error) {
	alpha, err := floatAttr(n, "alpha", float64(float32(0.9)), false)
	if err != nil {
		return nil, err
	}
	beta, err := floatAttr(n, "beta", float64(float32(0.999)), false)
	if err != nil {
		return nil, err
	}
	eps, err := floatAttr(n, "epsilon", float64(float32(1e-6)), false)
	if err != nil {
		return nil, err
	}
	norm, err := floatAttr(n, "norm_coefficient", 0, false)
	if err != nil {
		return nil, err
	}
	post, err := floatAttr(n, "norm_coefficient_post", 0, false)
	if err != nil {
		return nil, err
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		r, t, k, err := optimizerArgs(in, 4)
		if err != nil {
			return nil, err
		}
		rate := r
		if t > 0 {
			ft := float64(t)
			rate = r * math.Sqrt(1-math.Pow(beta, ft)) / (1 - math.Pow(alpha, ft))
		}
		return apply(in, k, 4, 3, func(s, d []float64) {
			x, g, v, h := s[0], s[1], s[2], s[3]
			gr := norm*x + g
			vn := alpha*v + (1-alpha)*gr
			hn := beta*h + (1-beta)*gr*gr
			xn := x - rate*vn/(math.Sqrt(hn)+eps)
			d[0] = (1 - post) * xn
			d[1] = vn
			d[2] = hn
		}), nil
	}, nil
}
