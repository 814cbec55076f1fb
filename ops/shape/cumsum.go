package shape

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func bindCumSum(n *ops.Node) (ops.Kernel, error) {
	exclusive, err := n.Int("exclusive", 0)
	if err != nil {
		return nil, fmt.Errorf("CumSum: %w", err)
	}
	reverse, err := n.Int("reverse", 0)
	if err != nil {
		return nil, fmt.Errorf("CumSum: %w", err)
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("CumSum", in, 0)
		if err != nil {
			return nil, err
		}
		at, err := need("CumSum", in, 1)
		if err != nil {
			return nil, err
		}
		a, err := intScalar("CumSum", "axis", at)
		if err != nil {
			return nil, err
		}
		ax, err := ops.NormAxis(a, x.Rank())
		if err != nil {
			return nil, fmt.Errorf("CumSum: %w", err)
		}
		outer, D, inner := split3(x.Shape(), ax)
		out := tensor.New(x.DType(), x.Shape()...)
		p := scanPlan{outer, D, inner, exclusive != 0, reverse != 0}
		switch x.DType() {
		case tensor.Float32:
			cumsum(p, tensor.Data[float32](out), tensor.Data[float32](x))
		case tensor.Float64:
			cumsum(p, tensor.Data[float64](out), tensor.Data[float64](x))
		case tensor.Int8:
			cumsum(p, tensor.Data[int8](out), tensor.Data[int8](x))
		case tensor.Int16:
			cumsum(p, tensor.Data[int16](out), tensor.Data[int16](x))
		case tensor.Int32:
			cumsum(p, tensor.Data[int32](out), tensor.Data[int32](x))
		case tensor.Int64:
			cumsum(p, tensor.Data[int64](out), tensor.Data[int64](x))
		case tensor.Uint8:
			cumsum(p, tensor.Data[uint8](out), tensor.Data[uint8](x))
		case tensor.Uint16:
			cumsum(p, tensor.Data[uint16](out), tensor.Data[uint16](x))
		case tensor.Uint32:
			cumsum(p, tensor.Data[uint32](out), tensor.Data[uint32](x))
		case tensor.Uint64:
			cumsum(p, tensor.Data[uint64](out), tensor.Data[uint64](x))
		case tensor.Float16:
			src := tensor.Data[tensor.Float16Bits](x)
			f := make([]float32, len(src))
			for i, v := range src {
				f[i] = v.Float32()
			}
			g := make([]float32, len(src))
			cumsum(p, g, f)
			d := tensor.Data[tensor.Float16Bits](out)
			for i, v := range g {
				d[i] = tensor.ToFloat16(v)
			}
		case tensor.BFloat16:
			src := tensor.Data[tensor.BFloat16Bits](x)
			f := make([]float32, len(src))
			for i, v := range src {
				f[i] = v.Float32()
			}
			g := make([]float32, len(src))
			cumsum(p, g, f)
			d := tensor.Data[tensor.BFloat16Bits](out)
			for i, v := range g {
				d[i] = tensor.ToBFloat16(v)
			}
		default:
			return nil, fmt.Errorf("CumSum: unsupported dtype %v", x.DType())
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

type scanPlan struct {
	outer, dim, inner  int
	exclusive, reverse bool
}

func cumsum[T ops.Numeric](p scanPlan, dst, src []T) {
	acc := make([]T, p.inner)
	for o := 0; o < p.outer; o++ {
		clear(acc)
		for j := 0; j < p.dim; j++ {
			k := j
			if p.reverse {
				k = p.dim - 1 - j
			}
			row := (o*p.dim + k) * p.inner
			s, d := src[row:row+p.inner], dst[row:row+p.inner]
			if p.exclusive {
				copy(d, acc)
				for i, v := range s {
					acc[i] += v
				}
			} else {
				for i, v := range s {
					acc[i] += v
				}
				copy(d, acc)
			}
		}
	}
}
