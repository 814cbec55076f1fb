package elementwise

import (
	"fmt"
	"unsafe"

	"github.com/sinter-ml/sinter/internal/freelist"
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

// halves is float32 working memory for the float16 and bfloat16 paths,
// which decode their operands, compute in float32 and round once. Kernels
// take one from halfScratch and put it back, so that steady-state runs
// allocate nothing.
type halves struct {
	bufs [4][]float32
	hdr  tensor.Tensor // see widenTensor
}

var halfScratch freelist.List[halves]

// buf returns slot i's buffer with n elements (contents arbitrary).
func (h *halves) buf(i, n int) []float32 {
	if cap(h.bufs[i]) < n {
		h.bufs[i] = make([]float32, n)
	}
	return h.bufs[i][:n]
}

// widen returns t's elements as float32: decoded into slot i's buffer for
// a float16 or bfloat16 t, t's own storage for a float32 one.
func (h *halves) widen(i int, t *tensor.Tensor) []float32 {
	if t.DType() == tensor.Float32 {
		return t.Float32s()
	}
	b := h.buf(i, t.Len())
	tensor.LoadHalf(b, t)
	return b
}

// widenTensor is widen returning a Float32 tensor of t's shape (the
// halves' one reusable header), or t itself when it is not half-precision.
func (h *halves) widenTensor(i int, t *tensor.Tensor) *tensor.Tensor {
	if !isHalf(t.DType()) {
		return t
	}
	b := h.widen(i, t)
	h.hdr.Reset(tensor.Float32, t.Shape(), unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(b))), 4*len(b)))
	return &h.hdr
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
	var v [1]float64
	if err := tensor.LoadFloat64(v[:], t); err != nil {
		return 0, err
	}
	return v[0], nil
}
