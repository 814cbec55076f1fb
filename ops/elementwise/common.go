package elementwise

import (
	"fmt"

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
