package reduce

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func registerArg(r *ops.Registry) {
	for _, op := range []struct {
		name string
		max  bool
	}{{"ArgMax", true}, {"ArgMin", false}} {
		isMax := op.max
		r.RegisterVersions("", op.name, []int64{1, 11, 12, 13}, func(n *ops.Node) (ops.Kernel, error) {
			return bindArg(n, isMax)
		})
	}
}

func bindArg(n *ops.Node, isMax bool) (ops.Kernel, error) {
	axis, err := n.Int("axis", 0)
	if err != nil {
		return nil, err
	}
	keep, err := keepdimsFlag(n)
	if err != nil {
		return nil, err
	}
	last := int64(0)
	if n.Opset >= 12 {
		if last, err = n.Int("select_last_index", 0); err != nil {
			return nil, err
		}
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := needInputs(in, 1); err != nil {
			return nil, err
		}
		x := in[0]
		shape := x.Shape()
		ax, err := ops.NormAxis(axis, len(shape))
		if err != nil {
			return nil, err
		}
		outer, mid, inner := extents(shape, ax)
		if mid == 0 && outer*inner > 0 {
			return nil, fmt.Errorf("cannot take the arg of an empty axis %d of %v", ax, shape)
		}
		var oshape tensor.Shape
		for i, d := range shape {
			if i != ax {
				oshape = append(oshape, d)
			} else if keep {
				oshape = append(oshape, 1)
			}
		}
		y := tensor.New(tensor.Int64, oshape...)
		out := y.Int64s()
		sel := argSpec{max: isMax, last: last != 0, outer: outer, mid: mid, inner: inner}
		switch x.DType() {
		case tensor.Float32:
			argFind(sel, x.Float32s(), out)
		case tensor.Float64:
			argFind(sel, x.Float64s(), out)
		case tensor.Float16, tensor.BFloat16:
			argFind(sel, widen(x), out)
		case tensor.Int8:
			argFind(sel, tensor.Data[int8](x), out)
		case tensor.Int16:
			argFind(sel, tensor.Data[int16](x), out)
		case tensor.Int32:
			argFind(sel, tensor.Data[int32](x), out)
		case tensor.Int64:
			argFind(sel, tensor.Data[int64](x), out)
		case tensor.Uint8:
			argFind(sel, tensor.Data[uint8](x), out)
		case tensor.Uint16:
			argFind(sel, tensor.Data[uint16](x), out)
		case tensor.Uint32:
			argFind(sel, tensor.Data[uint32](x), out)
		case tensor.Uint64:
			argFind(sel, tensor.Data[uint64](x), out)
		default:
			return nil, fmt.Errorf("unsupported input type %v", x.DType())
		}
		return []*tensor.Tensor{y}, nil
	}, nil
}

type argSpec struct {
	max, last         bool
	outer, mid, inner int
}

// better reports whether v should replace the current best b. NaN ranks
// above every number for ArgMax and below every number for ArgMin (as numpy
// returns the first NaN for both, NaN always wins); ties replace only when
// the last index is wanted.
func better[T ops.Numeric](v, b T, isMax, last bool) bool {
	if v != v || b != b {
		return v != v && (b == b || last)
	}
	if v == b {
		return last
	}
	if isMax {
		return v > b
	}
	return v < b
}

// argFind writes, for each (outer, inner) position, the index along mid of
// the best element. The mid rows are walked in storage order with a row of
// running bests, so the input is read sequentially.
func argFind[T ops.Numeric](s argSpec, in []T, out []int64) {
	if len(out) == 0 || s.mid == 0 {
		return
	}
	best := make([]T, s.inner)
	for o := 0; o < s.outer; o++ {
		base := o * s.mid * s.inner
		res := out[o*s.inner : (o+1)*s.inner]
		copy(best, in[base:base+s.inner])
		for i := range res {
			res[i] = 0
		}
		for m := 1; m < s.mid; m++ {
			row := in[base+m*s.inner : base+(m+1)*s.inner]
			for i, v := range row {
				if better(v, best[i], s.max, s.last) {
					best[i] = v
					res[i] = int64(m)
				}
			}
		}
	}
}
