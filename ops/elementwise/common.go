package elementwise

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// Signed is the set of signed integer element types.
type Signed interface {
	~int8 | ~int16 | ~int32 | ~int64
}

// Unsigned is the set of unsigned integer element types (uint16 here is the
// plain integer type, never half-precision bits).
type Unsigned interface {
	~uint8 | ~uint16 | ~uint32 | ~uint64
}

// Integer is every integer element type.
type Integer interface{ Signed | Unsigned }

// isHalf reports whether dt is computed by widening to float32.
func isHalf(dt tensor.DType) bool { return dt == tensor.Float16 || dt == tensor.BFloat16 }

// widen returns a float32 copy of a float16/bfloat16 tensor; other tensors
// are returned unchanged.
func widen(t *tensor.Tensor) *tensor.Tensor {
	switch t.DType() {
	case tensor.Float16:
		out := tensor.New(tensor.Float32, t.Shape()...)
		o := out.Float32s()
		for i, v := range tensor.Data[tensor.Float16Bits](t) {
			o[i] = v.Float32()
		}
		return out
	case tensor.BFloat16:
		out := tensor.New(tensor.Float32, t.Shape()...)
		o := out.Float32s()
		for i, v := range tensor.Data[tensor.BFloat16Bits](t) {
			o[i] = v.Float32()
		}
		return out
	}
	return t
}

// narrow rounds a float32 tensor to dt (float16 or bfloat16; ties to even).
// For any other dt, t is returned unchanged.
func narrow(t *tensor.Tensor, dt tensor.DType) *tensor.Tensor {
	switch dt {
	case tensor.Float16:
		out := tensor.New(tensor.Float16, t.Shape()...)
		o := tensor.Data[tensor.Float16Bits](out)
		for i, v := range t.Float32s() {
			o[i] = tensor.ToFloat16(v)
		}
		return out
	case tensor.BFloat16:
		out := tensor.New(tensor.BFloat16, t.Shape()...)
		o := tensor.Data[tensor.BFloat16Bits](out)
		for i, v := range t.Float32s() {
			o[i] = tensor.ToBFloat16(v)
		}
		return out
	}
	return t
}

// need checks that in holds at least k entries and that the first k are
// present.
func need(in []*tensor.Tensor, k int) error {
	if len(in) < k {
		return fmt.Errorf("expected at least %d inputs, got %d", k, len(in))
	}
	for i := 0; i < k; i++ {
		if in[i] == nil {
			return fmt.Errorf("input %d is missing", i)
		}
	}
	return nil
}

// opt returns input i, or nil when it is absent.
func opt(in []*tensor.Tensor, i int) *tensor.Tensor {
	if i < len(in) {
		return in[i]
	}
	return nil
}

// one wraps a single output.
func one(t *tensor.Tensor, err error) ([]*tensor.Tensor, error) {
	if err != nil {
		return nil, err
	}
	return []*tensor.Tensor{t}, nil
}

// broadcastOut computes the broadcast shape of a and b.
func broadcastOut(a, b *tensor.Tensor) (tensor.Shape, error) {
	return broadcastShape(a.Shape(), b.Shape())
}

// broadcastShape is ops.BroadcastShape, also checking that the result is
// small enough to allocate.
func broadcastShape(shapes ...tensor.Shape) (tensor.Shape, error) {
	os, err := ops.BroadcastShape(shapes...)
	if err != nil {
		return nil, err
	}
	if err := os.Check(); err != nil {
		return nil, err
	}
	return os, nil
}

// sameType checks that a and b share a dtype.
func sameType(a, b *tensor.Tensor) error {
	if a.DType() != b.DType() {
		return fmt.Errorf("input types differ: %v and %v", a.DType(), b.DType())
	}
	return nil
}

// mapSlice sets dst[i] = f(src[i]).
func mapSlice[T, U any](dst []U, src []T, f func(T) U) {
	for i, v := range src {
		dst[i] = f(v)
	}
}

// binTyped computes f over the broadcast of a and b into a new tensor of
// dtype dt and shape os.
func binTyped[A, B, C tensor.Elem](a, b *tensor.Tensor, dt tensor.DType, os tensor.Shape, f func(A, B) C) *tensor.Tensor {
	out := tensor.New(dt, os...)
	ops.Binary(tensor.Data[A](a), a.Shape(), tensor.Data[B](b), b.Shape(), tensor.Data[C](out), os, f)
	return out
}

// scalarFloat reads a one-element numeric tensor as float64.
func scalarFloat(t *tensor.Tensor) (float64, error) {
	if t.Len() != 1 {
		return 0, fmt.Errorf("expected a scalar, got shape %v", t.Shape())
	}
	v, err := tensor.ToFloat64(t)
	if err != nil {
		return 0, err
	}
	return v[0], nil
}
