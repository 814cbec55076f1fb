package reduce

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func registerLpNorm(r *ops.Registry) {
	r.Register("", "LpNormalization", 1, ops.WithArity(1, 1, 1, bindLpNorm))
}

// bindLpNorm binds LpNormalization: y = x / ‖x‖_p along axis (p is 1 or
// 2). A zero vector stays zero, as in ONNX Runtime.
func bindLpNorm(n *ops.Node) (ops.Kernel, error) {
	axis, err := n.Int("axis", -1)
	if err != nil {
		return nil, err
	}
	p, err := n.Int("p", 2)
	if err != nil {
		return nil, err
	}
	if p != 1 && p != 2 {
		return nil, fmt.Errorf("LpNormalization: p must be 1 or 2, got %d", p)
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		ax, err := ops.NormAxis(axis, x.Rank())
		if err != nil {
			return nil, fmt.Errorf("LpNormalization: %w", err)
		}
		outer, mid, inner := extents(x.Shape(), ax)
		switch x.DType() {
		case tensor.Float32:
			y := tensor.New(tensor.Float32, x.Shape()...)
			lpNorm(x.Float32s(), y.Float32s(), outer, mid, inner, p)
			return []*tensor.Tensor{y}, nil
		case tensor.Float64:
			y := tensor.New(tensor.Float64, x.Shape()...)
			lpNorm(x.Float64s(), y.Float64s(), outer, mid, inner, p)
			return []*tensor.Tensor{y}, nil
		case tensor.Float16, tensor.BFloat16:
			src := widen(x)
			dst := make([]float32, len(src))
			lpNorm(src, dst, outer, mid, inner, p)
			return []*tensor.Tensor{narrow(x.DType(), dst, x.Shape())}, nil
		}
		return nil, fmt.Errorf("LpNormalization: unsupported dtype %v", x.DType())
	}, nil
}

// lpNorm normalises each of the outer×inner vectors of length mid (stride
// inner) in x into y (zero-filled on entry), accumulating the norm in
// float64.
func lpNorm[T ops.Float](x, y []T, outer, mid, inner int, p int64) {
	for o := 0; o < outer; o++ {
		base := o * mid * inner
		for i := 0; i < inner; i++ {
			var s float64
			for k := 0; k < mid; k++ {
				v := float64(x[base+k*inner+i])
				if p == 1 {
					s += math.Abs(v)
				} else {
					s += v * v
				}
			}
			if p == 2 {
				s = math.Sqrt(s)
			}
			if s == 0 {
				continue // y is zeroed already
			}
			for k := 0; k < mid; k++ {
				j := base + k*inner + i
				y[j] = T(float64(x[j]) / s)
			}
		}
	}
}
