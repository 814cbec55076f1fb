package shape

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func reductionAttr(op string, n *ops.Node) (string, error) {
	red, err := n.String("reduction", "none")
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	switch red {
	case "none", "add", "mul", "max", "min":
		return red, nil
	}
	return "", fmt.Errorf("%s: unknown reduction %q", op, red)
}

// checkScatter validates the reduction and the updates' element type for
// data x.
func checkScatter(op string, x, upd *tensor.Tensor, red string) error {
	if upd.DType() != x.DType() {
		return fmt.Errorf("%s: updates dtype %v differs from data dtype %v", op, upd.DType(), x.DType())
	}
	if red == "none" {
		return nil
	}
	switch x.DType() {
	case tensor.String, tensor.Undefined:
		return fmt.Errorf("%s: reduction %q is not defined for %v", op, red, x.DType())
	}
	return nil
}

func bindScatterElements(op string) ops.BindFunc {
	return func(n *ops.Node) (ops.Kernel, error) {
		axis, err := n.Int("axis", 0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		red, err := reductionAttr(op, n)
		if err != nil {
			return nil, err
		}
		read := func(in []*tensor.Tensor) (x, it, ut *tensor.Tensor, ax int, idx ints, err error) {
			if x, err = need(op, in, 0); err != nil {
				return
			}
			if it, err = need(op, in, 1); err != nil {
				return
			}
			if ut, err = need(op, in, 2); err != nil {
				return
			}
			if !ut.Shape().Equal(it.Shape()) {
				err = fmt.Errorf("%s: updates shape %v differs from indices shape %v", op, ut.Shape(), it.Shape())
				return
			}
			if ax, err = ops.NormAxis(axis, x.Rank()); err != nil {
				err = fmt.Errorf("%s: %w", op, err)
				return
			}
			idx, err = indexValues(op, it)
			return
		}
		return n.Plan(&ops.Planned{
			Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
				x, it, ut, ax, idx, err := read(in)
				if err != nil {
					return err
				}
				if err := checkElements(op, x.Shape(), it.Shape(), idx, ax); err != nil {
					return err
				}
				if err := checkScatter(op, x, ut, red); err != nil {
					return err
				}
				setOut(&out[0], x.DType(), x.Shape())
				return nil
			},
			Run: func(in, out []*tensor.Tensor) error {
				x, it, ut, ax, idx, err := read(in)
				if err != nil {
					return err
				}
				y := out[0]
				k, err := moveKind(op, y, ut)
				if err != nil {
					return err
				}
				copyElems(y, 0, x, 0, x.Len())
				r := x.Rank()
				var stBuf, coordBuf [stackRank]int
				w := elemOffsets{
					is: it.Shape(), st: stridesInto(scratch(stBuf[:], r), x.Shape()),
					ax: ax, dim: x.Shape()[ax], idx: idx, coord: scratch(coordBuf[:], r),
				}
				clear(w.coord)
				var buf [chunk]int
				for u := 0; ; {
					offs := w.next(buf[:])
					if len(offs) == 0 {
						return nil
					}
					scatterChunk(k, y, offs, ut, u, red)
					u += len(offs)
				}
			},
		})
	}
}

func bindScatterND(n *ops.Node) (ops.Kernel, error) {
	red, err := reductionAttr("ScatterND", n)
	if err != nil {
		return nil, err
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			x, err := need("ScatterND", in, 0)
			if err != nil {
				return err
			}
			it, err := need("ScatterND", in, 1)
			if err != nil {
				return err
			}
			ut, err := need("ScatterND", in, 2)
			if err != nil {
				return err
			}
			if it.DType() != tensor.Int64 && it.DType() != tensor.Int32 {
				return fmt.Errorf("ScatterND: indices must be int64, got %v", it.DType())
			}
			idx, err := indexValues("ScatterND", it)
			if err != nil {
				return err
			}
			l, err := ndCheck("ScatterND", x.Shape(), it.Shape(), idx, 0)
			if err != nil {
				return err
			}
			// updates must have shape indices.shape[:-1] + data.shape[k:].
			is, xs, us := it.Shape(), x.Shape(), ut.Shape()
			lead := is[:len(is)-1]
			if len(us) != len(lead)+len(xs)-l.k || !us[:len(lead)].Equal(lead) || !us[len(lead):].Equal(xs[l.k:]) {
				return fmt.Errorf("ScatterND: updates shape %v, want %v + %v", us, lead, xs[l.k:])
			}
			if err := checkScatter("ScatterND", x, ut, red); err != nil {
				return err
			}
			setOut(&out[0], x.DType(), xs)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			x, it, ut, y := in[0], in[1], in[2], out[0]
			idx, err := indexValues("ScatterND", it)
			if err != nil {
				return err
			}
			k, err := moveKind("ScatterND", y, ut)
			if err != nil {
				return err
			}
			copyElems(y, 0, x, 0, x.Len())
			xs := x.Shape()
			l := newNDLayout(xs, it.Shape(), 0)
			var stBuf [stackRank]int
			st := stridesInto(scratch(stBuf[:], len(xs)), xs)
			var buf [chunk]int
			for p := range l.batches * l.tuples {
				off := l.offset(xs, st, idx, p)
				if red == "none" {
					copyElems(y, off, ut, p*l.slice, l.slice)
					continue
				}
				for j0 := 0; j0 < l.slice; j0 += chunk {
					offs := buf[:min(chunk, l.slice-j0)]
					for i := range offs {
						offs[i] = off + j0 + i
					}
					scatterChunk(k, y, offs, ut, p*l.slice+j0, red)
				}
			}
			return nil
		},
	})
}

// scatterChunk combines upd[u+i] into out[offs[i]] for each i, in order.
func scatterChunk(k kind, out *tensor.Tensor, offs []int, upd *tensor.Tensor, u int, red string) {
	if red == "none" {
		k.put(out, offs, upd, u)
		return
	}
	switch out.DType() {
	case tensor.Float32:
		reduceInto(tensor.Data[float32](out), offs, tensor.Data[float32](upd)[u:], red)
	case tensor.Float64:
		reduceInto(tensor.Data[float64](out), offs, tensor.Data[float64](upd)[u:], red)
	case tensor.Int8:
		reduceInto(tensor.Data[int8](out), offs, tensor.Data[int8](upd)[u:], red)
	case tensor.Int16:
		reduceInto(tensor.Data[int16](out), offs, tensor.Data[int16](upd)[u:], red)
	case tensor.Int32:
		reduceInto(tensor.Data[int32](out), offs, tensor.Data[int32](upd)[u:], red)
	case tensor.Int64:
		reduceInto(tensor.Data[int64](out), offs, tensor.Data[int64](upd)[u:], red)
	case tensor.Uint8:
		reduceInto(tensor.Data[uint8](out), offs, tensor.Data[uint8](upd)[u:], red)
	case tensor.Uint16:
		reduceInto(tensor.Data[uint16](out), offs, tensor.Data[uint16](upd)[u:], red)
	case tensor.Uint32:
		reduceInto(tensor.Data[uint32](out), offs, tensor.Data[uint32](upd)[u:], red)
	case tensor.Uint64:
		reduceInto(tensor.Data[uint64](out), offs, tensor.Data[uint64](upd)[u:], red)
	case tensor.Float16:
		d, v := tensor.Data[tensor.Float16Bits](out), tensor.Data[tensor.Float16Bits](upd)[u:]
		for i, j := range offs {
			d[j] = tensor.ToFloat16(combine(d[j].Float32(), v[i].Float32(), red))
		}
	case tensor.BFloat16:
		d, v := tensor.Data[tensor.BFloat16Bits](out), tensor.Data[tensor.BFloat16Bits](upd)[u:]
		for i, j := range offs {
			d[j] = tensor.ToBFloat16(combine(d[j].Float32(), v[i].Float32(), red))
		}
	case tensor.Bool:
		d, v := out.Bools(), upd.Bools()[u:]
		for i, j := range offs {
			if red == "add" || red == "max" {
				d[j] = d[j] || v[i]
			} else {
				d[j] = d[j] && v[i]
			}
		}
	}
}

func reduceInto[T ops.Numeric](d []T, dst []int, u []T, red string) {
	for i, j := range dst {
		d[j] = combine(d[j], u[i], red)
	}
}

func combine[T ops.Numeric](a, b T, red string) T {
	switch red {
	case "add":
		return a + b
	case "mul":
		return a * b
	case "max":
		return max(a, b)
	case "min":
		return min(a, b)
	}
	return b
}
