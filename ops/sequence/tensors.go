package sequence

import (
	"fmt"

	"github.com/sinter-ml/sinter/tensor"
)

// This file holds the axis-wise tensor plumbing shared by the sequence and
// control-flow operators: joining tensors along an axis and cutting them
// apart again. Everything works on raw storage (bytes, or strings for String
// tensors), so it serves every element type.

// prod is the product of dims (1 for none).
func prod(dims []int) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}

// Concat joins ts along an existing axis. All tensors must have the same
// dtype and rank and agree on every dim except axis. axis must already be
// normalised into [0, rank). The result is a new tensor (or ts[0] itself
// when there is just one).
func Concat(ts []*tensor.Tensor, axis int) (*tensor.Tensor, error) {
	if len(ts) == 0 {
		return nil, fmt.Errorf("cannot concatenate zero tensors")
	}
	first := ts[0]
	dt, rank := first.DType(), first.Rank()
	if axis < 0 || axis >= rank {
		return nil, fmt.Errorf("concat axis %d out of range for rank %d", axis, rank)
	}
	outShape := first.Shape().Clone()
	total := 0
	for i, t := range ts {
		if t.DType() != dt {
			return nil, fmt.Errorf("tensor %d has dtype %v, want %v", i, t.DType(), dt)
		}
		s := t.Shape()
		if len(s) != rank {
			return nil, fmt.Errorf("tensor %d has shape %v, rank differs from %v", i, s, first.Shape())
		}
		for d := range s {
			if d != axis && s[d] != outShape[d] {
				return nil, fmt.Errorf("tensor %d has shape %v, incompatible with %v along axis %d", i, s, first.Shape(), d)
			}
		}
		total += s[axis]
		if total > tensor.MaxElements {
			return nil, fmt.Errorf("%w: concatenation is too large", tensor.ErrShape)
		}
	}
	if len(ts) == 1 {
		return first, nil
	}
	outShape[axis] = total
	if err := outShape.Check(); err != nil {
		return nil, err
	}
	out := tensor.New(dt, outShape...)
	outer := prod(outShape[:axis])
	inner := prod(outShape[axis+1:])
	if dt == tensor.String {
		srcs := make([][]string, len(ts))
		for i, t := range ts {
			srcs[i] = t.Strings()
		}
		interleave(out.Strings(), srcs, ts, axis, outer, inner)
	} else {
		srcs := make([][]byte, len(ts))
		for i, t := range ts {
			srcs[i] = t.Bytes()
		}
		interleave(out.Bytes(), srcs, ts, axis, outer, inner*dt.Size())
	}
	return out, nil
}

// interleave copies, for each outer index, each source's block (its extent
// along the axis times unit storage elements) into dst in turn.
func interleave[E any](dst []E, srcs [][]E, ts []*tensor.Tensor, axis, outer, unit int) {
	off := 0
	for o := 0; o < outer; o++ {
		for i, src := range srcs {
			n := ts[i].Shape()[axis] * unit
			copy(dst[off:off+n], src[o*n:(o+1)*n])
			off += n
		}
	}
}

// Stack joins ts along a new axis inserted at position axis, which must be
// normalised into [0, rank]. All tensors must have the same dtype and shape.
func Stack(ts []*tensor.Tensor, axis int) (*tensor.Tensor, error) {
	if len(ts) == 0 {
		return nil, fmt.Errorf("cannot stack zero tensors")
	}
	first := ts[0].Shape()
	if axis < 0 || axis > len(first) {
		return nil, fmt.Errorf("stack axis %d out of range for rank %d", axis, len(first))
	}
	dt := ts[0].DType()
	for i, t := range ts {
		if !t.Shape().Equal(first) {
			return nil, fmt.Errorf("tensor %d has shape %v, want %v (all stacked tensors must have the same shape)", i, t.Shape(), first)
		}
		if t.DType() != dt {
			return nil, fmt.Errorf("tensor %d has dtype %v, want %v", i, t.DType(), dt)
		}
	}
	outShape := InsertDim(first, axis, len(ts))
	if len(ts) == 1 {
		// A view of the one tensor (read-only), as Concat would give.
		return ts[0].Reshape(outShape...)
	}
	if len(ts) > tensor.MaxElements {
		return nil, fmt.Errorf("%w: concatenation is too large", tensor.ErrShape)
	}
	if err := outShape.Check(); err != nil {
		return nil, err
	}
	out := tensor.New(dt, outShape...)
	outer, unit := prod(first[:axis]), prod(first[axis:])
	if dt == tensor.String {
		stack(out.Strings(), ts, outer, unit, (*tensor.Tensor).Strings)
	} else {
		stack(out.Bytes(), ts, outer, unit*dt.Size(), (*tensor.Tensor).Bytes)
	}
	return out, nil
}

// stack copies, for each outer index, each tensor's block of unit storage
// elements into dst in turn.
func stack[E any](dst []E, ts []*tensor.Tensor, outer, unit int, data func(*tensor.Tensor) []E) {
	off := 0
	for o := 0; o < outer; o++ {
		for _, t := range ts {
			copy(dst[off:off+unit], data(t)[o*unit:(o+1)*unit])
			off += unit
		}
	}
}

// InsertDim returns a copy of s with d inserted at position axis (0 ≤ axis ≤ len(s)).
func InsertDim(s tensor.Shape, axis, d int) tensor.Shape {
	out := make(tensor.Shape, 0, len(s)+1)
	out = append(out, s[:axis]...)
	out = append(out, d)
	return append(out, s[axis:]...)
}

// RemoveDim returns a copy of s without the dim at axis.
func RemoveDim(s tensor.Shape, axis int) tensor.Shape {
	out := make(tensor.Shape, 0, len(s))
	out = append(out, s[:axis]...)
	return append(out, s[axis+1:]...)
}

// SliceAxis returns t[…, start:start+n, …] along axis (normalised, in
// [0, rank)). Along axis 0 the result is a view sharing t's storage;
// otherwise it is a copy.
func SliceAxis(t *tensor.Tensor, axis, start, n int) (*tensor.Tensor, error) {
	s := t.Shape()
	if axis < 0 || axis >= len(s) {
		return nil, fmt.Errorf("slice axis %d out of range for rank %d", axis, len(s))
	}
	if start < 0 || n < 0 || start > s[axis] || n > s[axis]-start {
		return nil, fmt.Errorf("slice [%d:%d] out of range for dim %d of shape %v", start, start+n, axis, s)
	}
	if axis == 0 {
		return t.Rows(start, start+n)
	}
	outShape := s.Clone()
	outShape[axis] = n
	out := tensor.New(t.DType(), outShape...)
	outer := prod(s[:axis])
	inner := prod(s[axis+1:])
	if t.DType() == tensor.String {
		cutAxis(out.Strings(), t.Strings(), outer, s[axis], start, n, inner)
	} else {
		cutAxis(out.Bytes(), t.Bytes(), outer, s[axis], start, n, inner*t.DType().Size())
	}
	return out, nil
}

func cutAxis[E any](dst, src []E, outer, dim, start, n, unit int) {
	block := n * unit
	for o := 0; o < outer; o++ {
		from := (o*dim + start) * unit
		copy(dst[o*block:(o+1)*block], src[from:from+block])
	}
}

// IndexAxis returns t[…, i, …] along axis: the sub-tensor of rank one
// less. Along axis 0 (for a numeric tensor) the result is a view sharing
// t's storage; otherwise it is a copy.
func IndexAxis(t *tensor.Tensor, axis, i int) (*tensor.Tensor, error) {
	s := t.Shape()
	if axis < 0 || axis >= len(s) {
		return nil, fmt.Errorf("slice axis %d out of range for rank %d", axis, len(s))
	}
	if i < 0 || i >= s[axis] {
		return nil, fmt.Errorf("slice [%d:%d] out of range for dim %d of shape %v", i, i+1, axis, s)
	}
	outer, inner := prod(s[:axis]), prod(s[axis+1:])
	dt := t.DType()
	if axis == 0 && dt != tensor.String {
		sz := inner * dt.Size()
		return tensor.FromBytes(dt, s[1:], t.Bytes()[i*sz:(i+1)*sz:(i+1)*sz])
	}
	os := make(tensor.Shape, 0, len(s)-1)
	os = append(append(os, s[:axis]...), s[axis+1:]...)
	out := tensor.New(dt, os...)
	if dt == tensor.String {
		cutAxis(out.Strings(), t.Strings(), outer, s[axis], i, 1, inner)
	} else {
		cutAxis(out.Bytes(), t.Bytes(), outer, s[axis], i, 1, inner*dt.Size())
	}
	return out, nil
}
