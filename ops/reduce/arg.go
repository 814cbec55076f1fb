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
	// spec resolves x's shape into the selection and checks it.
	spec := func(shape tensor.Shape) (argSpec, int, error) {
		ax, err := ops.NormAxis(axis, len(shape))
		if err != nil {
			return argSpec{}, 0, err
		}
		outer, mid, inner := extents(shape, ax)
		if mid == 0 && outer*inner > 0 {
			return argSpec{}, 0, fmt.Errorf("cannot take the arg of an empty axis %d of %v", ax, shape)
		}
		return argSpec{max: isMax, last: last != 0, outer: outer, mid: mid, inner: inner}, ax, nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if err := needInputs(in, 1); err != nil {
				return err
			}
			x := in[0]
			shape := x.Shape()
			_, ax, err := spec(shape)
			if err != nil {
				return err
			}
			if dt := x.DType(); !dt.IsFloat() && !dt.IsInt() {
				return fmt.Errorf("unsupported input type %v", dt)
			}
			out[0].DType = tensor.Int64
			out[0].Shape = out[0].Shape[:0]
			for i, d := range shape {
				if i != ax {
					out[0].Shape = append(out[0].Shape, d)
				} else if keep {
					out[0].Shape = append(out[0].Shape, 1)
				}
			}
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			x := in[0]
			sel, _, err := spec(x.Shape())
			if err != nil {
				return err
			}
			res := out[0].Int64s()
			switch x.DType() {
			case tensor.Float32:
				argFind(sel, x.Float32s(), res)
			case tensor.Float64:
				argFind(sel, x.Float64s(), res)
			case tensor.Float16, tensor.BFloat16:
				s := scratches.Get()
				argFind(sel, s.widen(0, x), res)
				scratches.Put(s)
			case tensor.Int8:
				argFind(sel, tensor.Data[int8](x), res)
			case tensor.Int16:
				argFind(sel, tensor.Data[int16](x), res)
			case tensor.Int32:
				argFind(sel, tensor.Data[int32](x), res)
			case tensor.Int64:
				argFind(sel, tensor.Data[int64](x), res)
			case tensor.Uint8:
				argFind(sel, tensor.Data[uint8](x), res)
			case tensor.Uint16:
				argFind(sel, tensor.Data[uint16](x), res)
			case tensor.Uint32:
				argFind(sel, tensor.Data[uint32](x), res)
			case tensor.Uint64:
				argFind(sel, tensor.Data[uint64](x), res)
			default:
				return fmt.Errorf("unsupported input type %v", x.DType())
			}
			return nil
		},
	})
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
// the best element. The mid rows are walked in storage order, each element
// compared with the running best it would replace (read back from in at
// the index found so far), so the input is read sequentially and no
// scratch is needed.
func argFind[T ops.Numeric](s argSpec, in []T, out []int64) {
	if len(out) == 0 || s.mid == 0 {
		return
	}
	for o := 0; o < s.outer; o++ {
		base := o * s.mid * s.inner
		res := out[o*s.inner : (o+1)*s.inner]
		clear(res)
		if s.inner == 1 {
			best, bi := in[base], 0
			for m, v := range in[base+1 : base+s.mid] {
				if better(v, best, s.max, s.last) {
					best, bi = v, m+1
				}
			}
			res[0] = int64(bi)
			continue
		}
		for m := 1; m < s.mid; m++ {
			row := in[base+m*s.inner : base+(m+1)*s.inner]
			for i, v := range row {
				if better(v, in[base+int(res[i])*s.inner+i], s.max, s.last) {
					res[i] = int64(m)
				}
			}
		}
	}
}
