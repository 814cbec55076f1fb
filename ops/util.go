package ops

import (
	"fmt"

	"github.com/sinter-ml/sinter/tensor"
)

// Numeric is the set of Go element types of numeric tensors (float16 and
// bfloat16 are computed by widening to float32).
type Numeric interface {
	~float32 | ~float64 | ~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// Float is the set of natively computed floating-point element types.
type Float interface{ ~float32 | ~float64 }

// NormAxis maps a possibly negative axis into [0, rank).
func NormAxis(axis int64, rank int) (int, error) {
	if axis < -int64(rank) || axis >= int64(rank) {
		return 0, fmt.Errorf("axis %d out of range for rank %d", axis, rank)
	}
	if axis < 0 {
		axis += int64(rank)
	}
	return int(axis), nil
}

// Strides returns the row-major element strides of shape.
func Strides(shape tensor.Shape) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

// BroadcastShape returns the multidirectional (numpy-style) broadcast of shapes.
func BroadcastShape(shapes ...tensor.Shape) (tensor.Shape, error) {
	rank := 0
	for _, s := range shapes {
		rank = max(rank, len(s))
	}
	out := make(tensor.Shape, rank)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		off := rank - len(s)
		for i, d := range s {
			o := &out[off+i]
			switch {
			case d == *o || d == 1:
			case *o == 1:
				*o = d
			default:
				return nil, fmt.Errorf("shapes %v are not broadcastable", shapes)
			}
		}
	}
	return out, nil
}

// BroadcastStrides returns, for a tensor of shape in broadcast to out, the
// stride in in's storage for each axis of out: 0 along broadcast axes.
func BroadcastStrides(in, out tensor.Shape) []int {
	st := make([]int, len(out))
	s := 1
	for i := len(in) - 1; i >= 0; i-- {
		j := len(out) - len(in) + i
		if in[i] != 1 {
			st[j] = s
		}
		s *= in[i]
	}
	return st
}

// Binary computes out[i] = f(a[·], b[·]) over the broadcast of shapes as and
// bs, which must be os (see BroadcastShape).
func Binary[A, B, C any](a []A, as tensor.Shape, b []B, bs tensor.Shape, out []C, os tensor.Shape, f func(A, B) C) {
	n := len(out)
	if n == 0 {
		return
	}
	switch {
	case len(a) == n && len(b) == n:
		for i := range out {
			out[i] = f(a[i], b[i])
		}
		return
	case len(a) == n && len(b) == 1:
		y := b[0]
		for i := range out {
			out[i] = f(a[i], y)
		}
		return
	case len(a) == 1 && len(b) == n:
		x := a[0]
		for i := range out {
			out[i] = f(x, b[i])
		}
		return
	}
	sa, sb := BroadcastStrides(as, os), BroadcastStrides(bs, os)
	rank := len(os)
	inner := os[rank-1]
	ia, ib := sa[rank-1], sb[rank-1]
	idx := make([]int, rank)
	offA, offB := 0, 0
	for o := 0; o < n; o += inner {
		pa, pb := offA, offB
		for k := 0; k < inner; k++ {
			out[o+k] = f(a[pa], b[pb])
			pa += ia
			pb += ib
		}
		// advance the odometer over the outer axes
		for ax := rank - 2; ax >= 0; ax-- {
			idx[ax]++
			offA += sa[ax]
			offB += sb[ax]
			if idx[ax] < os[ax] {
				break
			}
			offA -= sa[ax] * os[ax]
			offB -= sb[ax] * os[ax]
			idx[ax] = 0
		}
	}
}

// BroadcastIndex calls visit(o, offs) for every element o of the broadcast
// shape os, with offs[k] the matching element offset in input k (of shape
// shapes[k]). offs is reused between calls.
func BroadcastIndex(os tensor.Shape, shapes []tensor.Shape, visit func(o int, offs []int)) {
	n := os.NumElements()
	if n == 0 {
		return
	}
	st := make([][]int, len(shapes))
	for k, s := range shapes {
		st[k] = BroadcastStrides(s, os)
	}
	offs := make([]int, len(shapes))
	idx := make([]int, len(os))
	for o := 0; o < n; o++ {
		visit(o, offs)
		for ax := len(os) - 1; ax >= 0; ax-- {
			idx[ax]++
			for k := range offs {
				offs[k] += st[k][ax]
			}
			if idx[ax] < os[ax] {
				break
			}
			for k := range offs {
				offs[k] -= st[k][ax] * os[ax]
			}
			idx[ax] = 0
		}
	}
}

// Int64s reads an integer tensor (int32 or int64, as shape-like inputs are)
// into a fresh []int64.
func Int64s(t *tensor.Tensor) ([]int64, error) {
	switch t.DType() {
	case tensor.Int64:
		return append([]int64(nil), t.Int64s()...), nil
	case tensor.Int32:
		out := make([]int64, t.Len())
		for i, v := range t.Int32s() {
			out[i] = int64(v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("expected an int32 or int64 tensor, got %v", t.DType())
}

// ShapeFrom converts int64 dims to a tensor.Shape, checking each is ≥ 0 and
// the total is within tensor.MaxElements.
func ShapeFrom(dims []int64) (tensor.Shape, error) {
	s := make(tensor.Shape, len(dims))
	for i, d := range dims {
		if d < 0 || d > tensor.MaxElements {
			return nil, fmt.Errorf("%w: dim %d", tensor.ErrShape, d)
		}
		s[i] = int(d)
	}
	return s, s.Check()
}

// ScalarInt reads a single-element int32/int64 tensor.
func ScalarInt(t *tensor.Tensor, name string) (int64, error) {
	if t == nil {
		return 0, fmt.Errorf("input %s is missing", name)
	}
	if dt := t.DType(); dt != tensor.Int64 && dt != tensor.Int32 {
		return 0, fmt.Errorf("input %s: expected an int32 or int64 tensor, got %v", name, dt)
	}
	if t.Len() != 1 {
		return 0, fmt.Errorf("input %s must hold one value, has shape %v", name, t.Shape())
	}
	if t.DType() == tensor.Int32 {
		return int64(t.Int32s()[0]), nil
	}
	return t.Int64s()[0], nil
}

// ScalarFloat reads a single-element numeric tensor as float64.
func ScalarFloat(t *tensor.Tensor, name string) (float64, error) {
	if !t.DType().IsNumeric() {
		return 0, fmt.Errorf("input %s: %v is not numeric", name, t.DType())
	}
	if t.Len() != 1 {
		return 0, fmt.Errorf("input %s must hold one value, has shape %v", name, t.Shape())
	}
	var v [1]float64
	if err := tensor.LoadFloat64(v[:], t); err != nil {
		return 0, err
	}
	return v[0], nil
}

// Input returns in[i], or nil when the node declared fewer inputs.
func Input(in []*tensor.Tensor, i int) *tensor.Tensor {
	if i < len(in) {
		return in[i]
	}
	return nil
}
