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
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			x := in[0]
			if _, err := ops.NormAxis(axis, x.Rank()); err != nil {
				return fmt.Errorf("LpNormalization: %w", err)
			}
			if !x.DType().IsFloat() {
				return fmt.Errorf("LpNormalization: unsupported dtype %v", x.DType())
			}
			out[0].DType = x.DType()
			out[0].Shape = append(out[0].Shape[:0], x.Shape()...)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			x, y := in[0], out[0]
			ax, err := ops.NormAxis(axis, x.Rank())
			if err != nil {
				return fmt.Errorf("LpNormalization: %w", err)
			}
			outer, mid, inner := extents(x.Shape(), ax)
			switch x.DType() {
			case tensor.Float32:
				lpNorm(x.Float32s(), y.Float32s(), outer, mid, inner, p)
			case tensor.Float64:
				lpNorm(x.Float64s(), y.Float64s(), outer, mid, inner, p)
			case tensor.Float16, tensor.BFloat16:
				s := scratches.Get()
				src := s.widen(0, x)
				dst := s.half(1, len(src))
				lpNorm(src, dst, outer, mid, inner, p)
				tensor.StoreHalf(y, dst)
				scratches.Put(s)
			default:
				return fmt.Errorf("LpNormalization: unsupported dtype %v", x.DType())
			}
			return nil
		},
	})
}

// lpNorm normalises each of the outer×inner vectors of length mid (stride
// inner) in x into y, accumulating the norm in float64.
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
				for k := 0; k < mid; k++ {
					y[base+k*inner+i] = 0
				}
				continue
			}
			for k := 0; k < mid; k++ {
				j := base + k*inner + i
				y[j] = T(float64(x[j]) / s)
			}
		}
	}
}
