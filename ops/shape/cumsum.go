package shape

import (
	"fmt"

	"github.com/sinter-ml/sinter/internal/freelist"
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
	read := func(in []*tensor.Tensor) (*tensor.Tensor, int, error) {
		x, err := need("CumSum", in, 0)
		if err != nil {
			return nil, 0, err
		}
		at, err := need("CumSum", in, 1)
		if err != nil {
			return nil, 0, err
		}
		a, err := intScalar("CumSum", "axis", at)
		if err != nil {
			return nil, 0, err
		}
		ax, err := ops.NormAxis(a, x.Rank())
		if err != nil {
			return nil, 0, fmt.Errorf("CumSum: %w", err)
		}
		switch x.DType() {
		case tensor.String, tensor.Bool:
			return nil, 0, fmt.Errorf("CumSum: unsupported dtype %v", x.DType())
		}
		return x, ax, nil
	}
	return n.Plan(&ops.Planned{
		Infer: inferLikeInput(read),
		Run: func(in, out []*tensor.Tensor) error {
			x, ax, err := read(in)
			if err != nil {
				return err
			}
			y := out[0]
			outer, D, inner := split3(x.Shape(), ax)
			p := scanPlan{outer, D, inner, exclusive != 0, reverse != 0}
			switch x.DType() {
			case tensor.Float32:
				cumsum(p, tensor.Data[float32](y), tensor.Data[float32](x))
			case tensor.Float64:
				cumsum(p, tensor.Data[float64](y), tensor.Data[float64](x))
			case tensor.Int8:
				cumsum(p, tensor.Data[int8](y), tensor.Data[int8](x))
			case tensor.Int16:
				cumsum(p, tensor.Data[int16](y), tensor.Data[int16](x))
			case tensor.Int32:
				cumsum(p, tensor.Data[int32](y), tensor.Data[int32](x))
			case tensor.Int64:
				cumsum(p, tensor.Data[int64](y), tensor.Data[int64](x))
			case tensor.Uint8:
				cumsum(p, tensor.Data[uint8](y), tensor.Data[uint8](x))
			case tensor.Uint16:
				cumsum(p, tensor.Data[uint16](y), tensor.Data[uint16](x))
			case tensor.Uint32:
				cumsum(p, tensor.Data[uint32](y), tensor.Data[uint32](x))
			case tensor.Uint64:
				cumsum(p, tensor.Data[uint64](y), tensor.Data[uint64](x))
			case tensor.Float16:
				cumsumHalf(p, tensor.Data[tensor.Float16Bits](y), tensor.Data[tensor.Float16Bits](x), tensor.ToFloat16)
			case tensor.BFloat16:
				cumsumHalf(p, tensor.Data[tensor.BFloat16Bits](y), tensor.Data[tensor.BFloat16Bits](x), tensor.ToBFloat16)
			default:
				return fmt.Errorf("CumSum: unsupported dtype %v", x.DType())
			}
			return nil
		},
	})
}

type scanPlan struct {
	outer, dim, inner  int
	exclusive, reverse bool
}

// row returns the element offset of the j-th row scanned in outer block o.
func (p scanPlan) row(o, j int) int {
	if p.reverse {
		j = p.dim - 1 - j
	}
	return (o*p.dim + j) * p.inner
}

// cumsum scans src into dst, each row of dst built from the previous one
// so that no accumulator is needed.
func cumsum[T ops.Numeric](p scanPlan, dst, src []T) {
	n := p.inner
	for o := range p.outer {
		for j := range p.dim {
			r := p.row(o, j)
			d := dst[r : r+n]
			if j == 0 {
				if p.exclusive {
					clear(d)
				} else {
					copy(d, src[r:r+n])
				}
				continue
			}
			q := p.row(o, j-1)
			prev := dst[q : q+n]
			s := src[r : r+n]
			if p.exclusive {
				s = src[q : q+n]
			}
			for i := range d {
				d[i] = prev[i] + s[i]
			}
		}
	}
}

// accScratch holds cumsumHalf's accumulators between runs.
var accScratch freelist.List[[]float32]

// cumsumHalf is cumsum for half-precision elements, accumulated in
// float32 and rounded once per output.
func cumsumHalf[H interface {
	~uint16
	Float32() float32
}](p scanPlan, dst, src []H, round func(float32) H) {
	sc := accScratch.Get()
	defer accScratch.Put(sc)
	if cap(*sc) < p.inner {
		*sc = make([]float32, p.inner)
	}
	acc := (*sc)[:p.inner]
	for o := range p.outer {
		clear(acc)
		for j := range p.dim {
			r := p.row(o, j)
			s, d := src[r:r+p.inner], dst[r:r+p.inner]
			for i, v := range s {
				if p.exclusive {
					d[i] = round(acc[i])
				}
				acc[i] += v.Float32()
				if !p.exclusive {
					d[i] = round(acc[i])
				}
			}
		}
	}
}
