package shape

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func bindGather(n *ops.Node) (ops.Kernel, error) {
	axis, err := n.Int("axis", 0)
	if err != nil {
		return nil, fmt.Errorf("Gather: %w", err)
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("Gather", in, 0)
		if err != nil {
			return nil, err
		}
		it, err := need("Gather", in, 1)
		if err != nil {
			return nil, err
		}
		ax, err := ops.NormAxis(axis, x.Rank())
		if err != nil {
			return nil, fmt.Errorf("Gather: %w", err)
		}
		idx, err := indexValues("Gather", it)
		if err != nil {
			return nil, err
		}
		outer, D, inner := split3(x.Shape(), ax)
		src := make([]int, len(idx))
		for j, v := range idx {
			if src[j], err = normIndex("Gather", v, D); err != nil {
				return nil, err
			}
		}
		os := append(append(x.Shape()[:ax:ax], it.Shape()...), x.Shape()[ax+1:]...)
		out, err := alloc("Gather", x.DType(), os)
		if err != nil {
			return nil, err
		}
		m, err := moverOf("Gather", out, x)
		if err != nil {
			return nil, err
		}
		J := len(idx)
		if inner == 1 {
			buf := make([]int, J)
			for o := 0; o < outer; o++ {
				for j, s := range src {
					buf[j] = o*D + s
				}
				m.take(out, o*J, x, buf, nil)
			}
		} else {
			for o := 0; o < outer; o++ {
				for j, s := range src {
					m.copy(out, (o*J+j)*inner, x, (o*D+s)*inner, inner)
				}
			}
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// elementsIndex computes, for each position of the indices tensor (shape is),
// the flat offset into data (shape ds) with the axis coordinate replaced by
// the index value there.
func elementsIndex(op string, ds, is tensor.Shape, idx []int64, ax int) ([]int, error) {
	if len(ds) != len(is) {
		return nil, fmt.Errorf("%s: indices rank %d differs from data rank %d", op, len(is), len(ds))
	}
	for i := range ds {
		if i != ax && is[i] > ds[i] {
			return nil, fmt.Errorf("%s: indices shape %v exceeds data shape %v", op, is, ds)
		}
	}
	st := ops.Strides(ds)
	src := make([]int, len(idx))
	coord := make([]int, len(is))
	base := 0 // offset of coord without the axis term
	D := ds[ax]
	for i, v := range idx {
		k, err := normIndex(op, v, D)
		if err != nil {
			return nil, err
		}
		src[i] = base + k*st[ax]
		for a := len(is) - 1; a >= 0; a-- {
			coord[a]++
			if a != ax {
				base += st[a]
			}
			if coord[a] < is[a] {
				break
			}
			if a != ax {
				base -= st[a] * is[a]
			}
			coord[a] = 0
		}
	}
	return src, nil
}

func bindGatherElements(n *ops.Node) (ops.Kernel, error) {
	axis, err := n.Int("axis", 0)
	if err != nil {
		return nil, fmt.Errorf("GatherElements: %w", err)
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("GatherElements", in, 0)
		if err != nil {
			return nil, err
		}
		it, err := need("GatherElements", in, 1)
		if err != nil {
			return nil, err
		}
		ax, err := ops.NormAxis(axis, x.Rank())
		if err != nil {
			return nil, fmt.Errorf("GatherElements: %w", err)
		}
		idx, err := indexValues("GatherElements", it)
		if err != nil {
			return nil, err
		}
		src, err := elementsIndex("GatherElements", x.Shape(), it.Shape(), idx, ax)
		if err != nil {
			return nil, err
		}
		out, err := alloc("GatherElements", x.DType(), it.Shape())
		if err != nil {
			return nil, err
		}
		m, err := moverOf("GatherElements", out, x)
		if err != nil {
			return nil, err
		}
		m.take(out, 0, x, src, nil)
		return []*tensor.Tensor{out}, nil
	}, nil
}

// ndIndex resolves GatherND/ScatterND index tuples: for data shape ds,
// indices shape is (last dim k) and b batch dims, it returns the flat
// element offset into data of each tuple's slice, the slice length, and the
// shape of the tuple grid (is[:-1]).
func ndIndex(op string, ds, is tensor.Shape, idx []int64, b int) (offs []int, slice int, err error) {
	q, r := len(is), len(ds)
	if q < 1 {
		return nil, 0, fmt.Errorf("%s: indices must have rank ≥ 1", op)
	}
	if b < 0 || b >= q || b > r {
		return nil, 0, fmt.Errorf("%s: batch_dims %d invalid for ranks %d and %d", op, b, r, q)
	}
	for i := 0; i < b; i++ {
		if ds[i] != is[i] {
			return nil, 0, fmt.Errorf("%s: batch dims of data %v and indices %v differ", op, ds, is)
		}
	}
	k := is[q-1]
	if k < 0 || k > r-b {
		return nil, 0, fmt.Errorf("%s: index tuples of length %d exceed data rank %d", op, k, r)
	}
	st := ops.Strides(ds)
	slice = prod(ds[b+k:])
	batches := prod(ds[:b])
	batchStride := prod(ds[b:])
	tuples := prod(is[b : q-1])
	offs = make([]int, batches*tuples)
	for bi := 0; bi < batches; bi++ {
		for t := 0; t < tuples; t++ {
			p := bi*tuples + t
			off := bi * batchStride
			for j := 0; j < k; j++ {
				v, err := normIndex(op, idx[p*k+j], ds[b+j])
				if err != nil {
					return nil, 0, err
				}
				off += v * st[b+j]
			}
			offs[p] = off
		}
	}
	return offs, slice, nil
}

func bindGatherND(n *ops.Node) (ops.Kernel, error) {
	bd, err := n.Int("batch_dims", 0)
	if err != nil {
		return nil, fmt.Errorf("GatherND: %w", err)
	}
	if bd < 0 || bd > math.MaxInt32 {
		return nil, fmt.Errorf("GatherND: invalid batch_dims %d", bd)
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("GatherND", in, 0)
		if err != nil {
			return nil, err
		}
		it, err := need("GatherND", in, 1)
		if err != nil {
			return nil, err
		}
		if it.DType() != tensor.Int64 && it.DType() != tensor.Int32 {
			return nil, fmt.Errorf("GatherND: indices must be int64, got %v", it.DType())
		}
		idx, err := indexValues("GatherND", it)
		if err != nil {
			return nil, err
		}
		offs, sl, err := ndIndex("GatherND", x.Shape(), it.Shape(), idx, int(bd))
		if err != nil {
			return nil, err
		}
		is := it.Shape()
		k := is[len(is)-1]
		os := append(is[:len(is)-1:len(is)-1], x.Shape()[int(bd)+k:]...)
		out, err := alloc("GatherND", x.DType(), os)
		if err != nil {
			return nil, err
		}
		m, err := moverOf("GatherND", out, x)
		if err != nil {
			return nil, err
		}
		if sl == 1 {
			m.take(out, 0, x, offs, nil)
		} else {
			for p, off := range offs {
				m.copy(out, p*sl, x, off, sl)
			}
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func bindCompress(n *ops.Node) (ops.Kernel, error) {
	hasAxis := n.Has("axis")
	axis, err := n.Int("axis", 0)
	if err != nil {
		return nil, fmt.Errorf("Compress: %w", err)
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("Compress", in, 0)
		if err != nil {
			return nil, err
		}
		ct, err := need("Compress", in, 1)
		if err != nil {
			return nil, err
		}
		if ct.DType() != tensor.Bool || ct.Rank() != 1 {
			return nil, fmt.Errorf("Compress: condition must be a 1-D bool tensor, got %v", ct)
		}
		cond := ct.Bools()
		src := x
		ax := 0
		if hasAxis {
			if ax, err = ops.NormAxis(axis, x.Rank()); err != nil {
				return nil, fmt.Errorf("Compress: %w", err)
			}
		} else if src, err = x.Reshape(x.Len()); err != nil {
			return nil, fmt.Errorf("Compress: %w", err)
		}
		outer, D, inner := split3(src.Shape(), ax)
		var sel []int
		for i, c := range cond {
			if !c {
				continue
			}
			if i >= D {
				return nil, fmt.Errorf("Compress: condition selects index %d of an axis of size %d", i, D)
			}
			sel = append(sel, i)
		}
		os := src.Shape().Clone()
		os[ax] = len(sel)
		out, err := alloc("Compress", x.DType(), os)
		if err != nil {
			return nil, err
		}
		m, err := moverOf("Compress", out, x)
		if err != nil {
			return nil, err
		}
		J := len(sel)
		for o := 0; o < outer; o++ {
			for j, s := range sel {
				m.copy(out, (o*J+j)*inner, src, (o*D+s)*inner, inner)
			}
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func bindNonZero(n *ops.Node) (ops.Kernel, error) {
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("NonZero", in, 0)
		if err != nil {
			return nil, err
		}
		nz, err := nonZeroMask(x)
		if err != nil {
			return nil, fmt.Errorf("NonZero: %w", err)
		}
		shape := x.Shape()
		if len(shape) == 0 {
			shape = tensor.Shape{1}
		}
		var pos []int
		for i, b := range nz {
			if b {
				pos = append(pos, i)
			}
		}
		r, cnt := len(shape), len(pos)
		out := tensor.New(tensor.Int64, r, cnt)
		o := out.Int64s()
		st := ops.Strides(shape)
		for j, p := range pos {
			for a := 0; a < r; a++ {
				o[a*cnt+j] = int64(p / st[a])
				p %= st[a]
			}
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// nonZeroMask reports, per element, whether it is non-zero (a non-empty
// string; for floats, anything but ±0).
func nonZeroMask(x *tensor.Tensor) ([]bool, error) {
	out := make([]bool, x.Len())
	switch x.DType() {
	case tensor.String:
		for i, s := range x.Strings() {
			out[i] = s != ""
		}
	case tensor.Float32:
		for i, v := range x.Float32s() {
			out[i] = v != 0
		}
	case tensor.Float64:
		for i, v := range x.Float64s() {
			out[i] = v != 0
		}
	case tensor.Float16, tensor.BFloat16:
		b := x.Bytes()
		for i := range out {
			out[i] = b[2*i]|b[2*i+1]&0x7f != 0
		}
	default:
		sz := x.DType().Size()
		if sz == 0 {
			return nil, fmt.Errorf("unsupported dtype %v", x.DType())
		}
		b := x.Bytes()
		for i := range out {
			for _, c := range b[i*sz : (i+1)*sz] {
				if c != 0 {
					out[i] = true
					break
				}
			}
		}
	}
	return out, nil
}
