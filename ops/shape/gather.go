package shape

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// chunk is how many element offsets the index-driven kernels compute at a
// time, into a buffer on the stack, before moving those elements.
const chunk = 256

func bindGather(n *ops.Node) (ops.Kernel, error) {
	axis, err := n.Int("axis", 0)
	if err != nil {
		return nil, fmt.Errorf("Gather: %w", err)
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			x, err := need("Gather", in, 0)
			if err != nil {
				return err
			}
			it, err := need("Gather", in, 1)
			if err != nil {
				return err
			}
			ax, err := ops.NormAxis(axis, x.Rank())
			if err != nil {
				return fmt.Errorf("Gather: %w", err)
			}
			idx, err := indexValues("Gather", it)
			if err != nil {
				return err
			}
			xs := x.Shape()
			if err := checkIndices("Gather", idx, xs[ax]); err != nil {
				return err
			}
			setOut(&out[0], x.DType(), xs[:ax], it.Shape(), xs[ax+1:])
			return checkShape("Gather", out[0].Shape)
		},
		Run: func(in, out []*tensor.Tensor) error {
			x, it, y := in[0], in[1], out[0]
			ax, err := ops.NormAxis(axis, x.Rank())
			if err != nil {
				return fmt.Errorf("Gather: %w", err)
			}
			idx, err := indexValues("Gather", it)
			if err != nil {
				return err
			}
			outer, D, inner := split3(x.Shape(), ax)
			J := idx.Len()
			if y.Len() == 0 {
				return nil
			}
			if inner > 1 {
				// Rows of inner elements: an embedding lookup on axis 0.
				for o := range outer {
					for j := range J {
						s := int(idx.At(j))
						if s < 0 {
							s += D
						}
						copyElems(y, (o*J+j)*inner, x, (o*D+s)*inner, inner)
					}
				}
				return nil
			}
			k, err := moveKind("Gather", y, x)
			if err != nil {
				return err
			}
			var buf [chunk]int
			for o := range outer {
				for j0 := 0; j0 < J; j0 += chunk {
					offs := buf[:min(chunk, J-j0)]
					for j := range offs {
						s := int(idx.At(j0 + j))
						if s < 0 {
							s += D
						}
						offs[j] = o*D + s
					}
					k.take(y, o*J+j0, x, offs)
				}
			}
			return nil
		},
	})
}

// checkElements validates GatherElements and ScatterElements indices
// (shape is, values idx) against data of shape ds along axis ax.
func checkElements(op string, ds, is tensor.Shape, idx ints, ax int) error {
	if len(ds) != len(is) {
		return fmt.Errorf("%s: indices rank %d differs from data rank %d", op, len(is), len(ds))
	}
	for i := range ds {
		if i != ax && is[i] > ds[i] {
			return fmt.Errorf("%s: indices shape %v exceeds data shape %v", op, is, ds)
		}
	}
	return checkIndices(op, idx, ds[ax])
}

// elemOffsets walks the positions of an indices tensor in row-major order
// and yields, for each, the flat offset into the data tensor of the
// element whose coordinates are the position's, except along the axis,
// where the coordinate is the index stored there.
type elemOffsets struct {
	is    tensor.Shape // indices shape
	st    []int        // data strides
	ax    int
	dim   int // data's length along ax
	idx   ints
	coord []int // coordinates of position pos
	base  int   // data offset of coord without the axis term
	pos   int
}

// next fills buf with the next offsets and returns the filled part, empty
// at the end.
func (w *elemOffsets) next(buf []int) []int {
	n := min(len(buf), w.idx.Len()-w.pos)
	sa := w.st[w.ax]
	for i := range n {
		v := int(w.idx.At(w.pos))
		if v < 0 {
			v += w.dim
		}
		buf[i] = w.base + v*sa
		w.pos++
		for a := len(w.is) - 1; a >= 0; a-- {
			w.coord[a]++
			if a != w.ax {
				w.base += w.st[a]
			}
			if w.coord[a] < w.is[a] {
				break
			}
			if a != w.ax {
				w.base -= w.st[a] * w.is[a]
			}
			w.coord[a] = 0
		}
	}
	return buf[:n]
}

func bindGatherElements(n *ops.Node) (ops.Kernel, error) {
	axis, err := n.Int("axis", 0)
	if err != nil {
		return nil, fmt.Errorf("GatherElements: %w", err)
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			x, err := need("GatherElements", in, 0)
			if err != nil {
				return err
			}
			it, err := need("GatherElements", in, 1)
			if err != nil {
				return err
			}
			ax, err := ops.NormAxis(axis, x.Rank())
			if err != nil {
				return fmt.Errorf("GatherElements: %w", err)
			}
			idx, err := indexValues("GatherElements", it)
			if err != nil {
				return err
			}
			if err := checkElements("GatherElements", x.Shape(), it.Shape(), idx, ax); err != nil {
				return err
			}
			setOut(&out[0], x.DType(), it.Shape())
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			x, it, y := in[0], in[1], out[0]
			ax, err := ops.NormAxis(axis, x.Rank())
			if err != nil {
				return fmt.Errorf("GatherElements: %w", err)
			}
			idx, err := indexValues("GatherElements", it)
			if err != nil {
				return err
			}
			k, err := moveKind("GatherElements", y, x)
			if err != nil {
				return err
			}
			r := x.Rank()
			var stBuf, coordBuf [stackRank]int
			w := elemOffsets{
				is: it.Shape(), st: stridesInto(scratch(stBuf[:], r), x.Shape()),
				ax: ax, dim: x.Shape()[ax], idx: idx, coord: scratch(coordBuf[:], r),
			}
			clear(w.coord)
			var buf [chunk]int
			for d := 0; ; {
				offs := w.next(buf[:])
				if len(offs) == 0 {
					return nil
				}
				k.take(y, d, x, offs)
				d += len(offs)
			}
		},
	})
}

// ndLayout describes the index tuples of GatherND and ScatterND: data of
// shape ds, indices of shape is whose last dim k is the tuple length, and
// b leading batch dims shared by both.
type ndLayout struct {
	b, k        int
	slice       int // elements each tuple addresses
	batches     int
	tuples      int // tuples per batch
	batchStride int // data elements per batch
}

// ndCheck validates the indices (shape is, values idx) of GatherND and
// ScatterND against data of shape ds with b batch dims.
func ndCheck(op string, ds, is tensor.Shape, idx ints, b int) (ndLayout, error) {
	q, r := len(is), len(ds)
	if q < 1 {
		return ndLayout{}, fmt.Errorf("%s: indices must have rank ≥ 1", op)
	}
	if b < 0 || b >= q || b > r {
		return ndLayout{}, fmt.Errorf("%s: batch_dims %d invalid for ranks %d and %d", op, b, r, q)
	}
	for i := 0; i < b; i++ {
		if ds[i] != is[i] {
			return ndLayout{}, fmt.Errorf("%s: batch dims of data %v and indices %v differ", op, ds, is)
		}
	}
	k := is[q-1]
	if k < 0 || k > r-b {
		return ndLayout{}, fmt.Errorf("%s: index tuples of length %d exceed data rank %d", op, k, r)
	}
	for i := range idx.Len() {
		if _, err := normIndex(op, idx.At(i), ds[b+i%k]); err != nil {
			return ndLayout{}, err
		}
	}
	return newNDLayout(ds, is, b), nil
}

// newNDLayout returns the layout of checked shapes.
func newNDLayout(ds, is tensor.Shape, b int) ndLayout {
	q := len(is)
	k := is[q-1]
	return ndLayout{
		b: b, k: k,
		slice: prod(ds[b+k:]), batches: prod(ds[:b]), tuples: prod(is[b : q-1]), batchStride: prod(ds[b:]),
	}
}

// offset returns the data element offset of tuple p's slice, for data
// strides st.
func (l ndLayout) offset(ds tensor.Shape, st []int, idx ints, p int) int {
	off := (p / l.tuples) * l.batchStride
	for j := range l.k {
		v := int(idx.At(p*l.k + j))
		if v < 0 {
			v += ds[l.b+j]
		}
		off += v * st[l.b+j]
	}
	return off
}

func bindGatherND(n *ops.Node) (ops.Kernel, error) {
	bd, err := n.Int("batch_dims", 0)
	if err != nil {
		return nil, fmt.Errorf("GatherND: %w", err)
	}
	if bd < 0 || bd > math.MaxInt32 {
		return nil, fmt.Errorf("GatherND: invalid batch_dims %d", bd)
	}
	b := int(bd)
	read := func(in []*tensor.Tensor) (x, it *tensor.Tensor, idx ints, l ndLayout, err error) {
		if x, err = need("GatherND", in, 0); err != nil {
			return
		}
		if it, err = need("GatherND", in, 1); err != nil {
			return
		}
		if it.DType() != tensor.Int64 && it.DType() != tensor.Int32 {
			err = fmt.Errorf("GatherND: indices must be int64, got %v", it.DType())
			return
		}
		if idx, err = indexValues("GatherND", it); err != nil {
			return
		}
		l, err = ndCheck("GatherND", x.Shape(), it.Shape(), idx, b)
		return
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			x, it, _, l, err := read(in)
			if err != nil {
				return err
			}
			is := it.Shape()
			setOut(&out[0], x.DType(), is[:len(is)-1], x.Shape()[b+l.k:])
			return checkShape("GatherND", out[0].Shape)
		},
		Run: func(in, out []*tensor.Tensor) error {
			x, it, y := in[0], in[1], out[0]
			idx, err := indexValues("GatherND", it)
			if err != nil {
				return err
			}
			xs := x.Shape()
			l := newNDLayout(xs, it.Shape(), b)
			var stBuf [stackRank]int
			st := stridesInto(scratch(stBuf[:], len(xs)), xs)
			np := l.batches * l.tuples
			if l.slice != 1 {
				for p := range np {
					copyElems(y, p*l.slice, x, l.offset(xs, st, idx, p), l.slice)
				}
				return nil
			}
			k, err := moveKind("GatherND", y, x)
			if err != nil {
				return err
			}
			var buf [chunk]int
			for p0 := 0; p0 < np; p0 += chunk {
				offs := buf[:min(chunk, np-p0)]
				for i := range offs {
					offs[i] = l.offset(xs, st, idx, p0+i)
				}
				k.take(y, p0, x, offs)
			}
			return nil
		},
	})
}
