package tensor

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unsafe"
)

// Shape lists the extent of each axis, outermost first. A rank-0 Shape (nil
// or empty) is a scalar with one element.
type Shape []int

// MaxElements bounds the element count of any tensor Sinter will create from
// external input, so a hostile shape cannot request an absurd allocation.
const MaxElements = 1 << 40

// ErrShape reports an invalid shape.
var ErrShape = errors.New("tensor: invalid shape")

// NumElements is the product of the dims; 1 for a scalar.
func (s Shape) NumElements() int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// Check reports an error unless every dim is ≥ 0 and the element count is at
// most MaxElements (computed without overflow).
func (s Shape) Check() error {
	n := 1
	for _, d := range s {
		// Errors format a copy, so that s never escapes: checking a
		// shape built on the stack must not move it to the heap.
		if d < 0 {
			return fmt.Errorf("%w: negative dim in %v", ErrShape, slices.Clone([]int(s)))
		}
		if d != 0 && n > MaxElements/d {
			return fmt.Errorf("%w: %v has more than %d elements", ErrShape, slices.Clone([]int(s)), MaxElements)
		}
		n *= d
	}
	return nil
}

// Equal reports whether s and o have the same rank and dims.
func (s Shape) Equal(o Shape) bool {
	if len(s) != len(o) {
		return false
	}
	for i := range s {
		if s[i] != o[i] {
			return false
		}
	}
	return true
}

// Clone returns a copy of s that shares nothing with it.
func (s Shape) Clone() Shape {
	if s == nil {
		return nil
	}
	return append(Shape{}, s...)
}

func (s Shape) String() string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// Tensor is a typed, contiguous, row-major n-dimensional array.
//
// Invariants: for a numeric or bool dtype, len(data) == NumElements*Size and
// strs is nil; for String, strs has NumElements entries and data is nil.
// Views (Reshape, Rows) share storage with their source: writes through one
// are seen by the other.
type Tensor struct {
	dtype DType
	shape Shape
	data  []byte
	strs  []string
	// mapped: data aliases a file mapping (see MarkMapped and Evict).
	mapped bool
}

// New returns a zero-filled tensor. It panics if shape fails Shape.Check or
// dt is not Valid: callers building shapes from external input check first.
func New(dt DType, shape ...int) *Tensor {
	s := Shape(shape)
	if err := s.Check(); err != nil {
		panic(err)
	}
	if !dt.Valid() {
		panic(fmt.Sprintf("tensor: cannot store dtype %v", dt))
	}
	t := &Tensor{dtype: dt, shape: s.Clone()}
	n := s.NumElements()
	if dt == String {
		t.strs = make([]string, n)
	} else {
		t.data = alignedBytes(n * dt.Size())
	}
	return t
}

// alignedBytes allocates n zero bytes on an 8-byte boundary, so every typed
// view of them is naturally aligned.
func alignedBytes(n int) []byte {
	if n == 0 {
		return []byte{}
	}
	words := make([]uint64, (n+7)/8)
	return unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), n)
}

// FromBytes returns a tensor that aliases b as little-endian elements of dt.
// len(b) must equal the shape's element count times dt.Size().
func FromBytes(dt DType, shape Shape, b []byte) (*Tensor, error) {
	if err := shape.Check(); err != nil {
		return nil, err
	}
	if !dt.Valid() || dt == String {
		return nil, fmt.Errorf("tensor: FromBytes cannot hold dtype %v", dt)
	}
	if want := shape.NumElements() * dt.Size(); len(b) != want {
		return nil, fmt.Errorf("tensor: %v %v needs %d bytes, have %d", dt, shape, want, len(b))
	}
	if b == nil {
		b = []byte{}
	}
	return &Tensor{dtype: dt, shape: shape.Clone(), data: b}, nil
}

// From returns a tensor that aliases data. With no shape, it is 1-D. It
// panics if the shape's element count differs from len(data).
func From[T Elem](data []T, shape ...int) *Tensor {
	if len(shape) == 0 && len(data) != 1 {
		shape = []int{len(data)}
	}
	s := Shape(shape)
	if err := s.Check(); err != nil {
		panic(err)
	}
	if s.NumElements() != len(data) {
		panic(fmt.Sprintf("tensor: %d elements do not fill shape %v", len(data), s))
	}
	var z T
	size := int(unsafe.Sizeof(z))
	var b []byte
	if len(data) == 0 {
		b = []byte{}
	} else {
		b = unsafe.Slice((*byte)(unsafe.Pointer(&data[0])), len(data)*size)
	}
	return &Tensor{dtype: DTypeOf[T](), shape: s.Clone(), data: b}
}

// Scalar returns a rank-0 tensor holding v.
func Scalar[T Elem](v T) *Tensor {
	t := From([]T{v})
	t.shape = Shape{}
	return t
}

// FromFloat32 returns a float32 tensor aliasing data (1-D when shape is empty).
func FromFloat32(data []float32, shape ...int) *Tensor { return From(data, shape...) }

// FromStrings returns a string tensor aliasing data (1-D when shape is empty).
func FromStrings(data []string, shape ...int) *Tensor {
	if len(shape) == 0 && len(data) != 1 {
		shape = []int{len(data)}
	}
	s := Shape(shape)
	if err := s.Check(); err != nil {
		panic(err)
	}
	if s.NumElements() != len(data) {
		panic(fmt.Sprintf("tensor: %d strings do not fill shape %v", len(data), s))
	}
	if data == nil {
		data = []string{}
	}
	return &Tensor{dtype: String, shape: s.Clone(), strs: data}
}

// DType is the element type.
func (t *Tensor) DType() DType { return t.dtype }

// Shape is the tensor's shape. The caller must not modify it.
func (t *Tensor) Shape() Shape { return t.shape }

// Rank is the number of axes.
func (t *Tensor) Rank() int { return len(t.shape) }

// Len is the number of elements.
func (t *Tensor) Len() int { return t.shape.NumElements() }

// Bytes is the raw little-endian storage of a non-string tensor (nil for
// String). It aliases the tensor.
func (t *Tensor) Bytes() []byte { return t.data }

// Strings is the storage of a String tensor. It aliases the tensor.
func (t *Tensor) Strings() []string { return t.strs }

func (t *Tensor) String() string {
	return fmt.Sprintf("tensor(%v%v)", t.dtype, t.shape)
}

// Data returns the storage of t as a []T aliasing it. It panics if T does not
// match t's dtype (uint16 also reads Float16 and BFloat16 bits).
func Data[T Elem](t *Tensor) []T {
	want := DTypeOf[T]()
	if want != t.dtype && !(want == Uint16 && (t.dtype == Float16 || t.dtype == BFloat16)) {
		panic(fmt.Sprintf("tensor: %v tensor read as %v", t.dtype, want))
	}
	var z T
	n := len(t.data) / int(unsafe.Sizeof(z))
	if n == 0 {
		return []T{}
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&t.data[0])), n)
}

// Float32s returns the storage of a Float32 tensor; it panics on other dtypes.
func (t *Tensor) Float32s() []float32 { return Data[float32](t) }

// Float64s returns the storage of a Float64 tensor.
func (t *Tensor) Float64s() []float64 { return Data[float64](t) }

// Int64s returns the storage of an Int64 tensor.
func (t *Tensor) Int64s() []int64 { return Data[int64](t) }

// Int32s returns the storage of an Int32 tensor.
func (t *Tensor) Int32s() []int32 { return Data[int32](t) }

// Bools returns the storage of a Bool tensor.
func (t *Tensor) Bools() []bool { return Data[bool](t) }

// Uint8s returns the storage of a Uint8 tensor.
func (t *Tensor) Uint8s() []uint8 { return Data[uint8](t) }

// Int8s returns the storage of an Int8 tensor.
func (t *Tensor) Int8s() []int8 { return Data[int8](t) }

// Reset makes t a dt tensor of the given shape over b, reusing t's header
// and shape storage: for executors that recycle tensors between runs
// without allocating. t must not be in use elsewhere; shape may alias
// nothing of t's. It panics if len(b) does not match shape and dt (a
// programming error in the executor) or dt is String.
func (t *Tensor) Reset(dt DType, shape Shape, b []byte) {
	if dt == String || len(b) != shape.NumElements()*dt.Size() {
		panic(fmt.Sprintf("tensor: Reset %v%v over %d bytes", dt, shape, len(b)))
	}
	t.dtype = dt
	t.shape = append(t.shape[:0], shape...)
	t.data = b
	t.strs = nil
	t.mapped = false
}

// Reshape returns a view of t with a new shape of the same element count.
func (t *Tensor) Reshape(shape ...int) (*Tensor, error) {
	s := Shape(shape)
	if err := s.Check(); err != nil {
		return nil, err
	}
	if s.NumElements() != t.Len() {
		return nil, fmt.Errorf("%w: cannot reshape %v to %v", ErrShape, t.shape, s)
	}
	v := *t
	v.shape = s.Clone()
	return &v, nil
}

// Rows returns a view of the sub-tensor t[i:j] along axis 0.
func (t *Tensor) Rows(i, j int) (*Tensor, error) {
	if len(t.shape) == 0 || i < 0 || j < i || j > t.shape[0] {
		return nil, fmt.Errorf("%w: rows [%d:%d] of %v", ErrShape, i, j, t.shape)
	}
	inner := 1
	for _, d := range t.shape[1:] {
		inner *= d
	}
	v := *t
	v.shape = append(Shape{j - i}, t.shape[1:]...)
	if t.dtype == String {
		v.strs = t.strs[i*inner : j*inner]
	} else {
		sz := inner * t.dtype.Size()
		v.data = t.data[i*sz : j*sz]
	}
	return &v, nil
}

// SplitRows returns views of consecutive row ranges of t along axis 0,
// counts[k] rows for the k-th, which must add up to t's first dimension.
// It allocates once for all the views and once for all their shapes, not
// per view, so splitting a batch's output among its requests costs two
// allocations. Each view's data and shape are capped at its own range: a
// view never reaches into its neighbour's.
func (t *Tensor) SplitRows(counts []int) ([]Tensor, error) {
	if len(t.shape) == 0 {
		return nil, fmt.Errorf("%w: cannot split a scalar into rows", ErrShape)
	}
	total := 0
	for _, c := range counts {
		if c < 0 {
			return nil, fmt.Errorf("%w: negative row count %d", ErrShape, c)
		}
		total += c
	}
	if total != t.shape[0] {
		return nil, fmt.Errorf("%w: row counts add to %d, tensor has %d rows", ErrShape, total, t.shape[0])
	}
	rank := len(t.shape)
	inner := 1
	for _, d := range t.shape[1:] {
		inner *= d
	}
	views := make([]Tensor, len(counts))
	shapes := make([]int, len(counts)*rank)
	off := 0
	for k, c := range counts {
		v := &views[k]
		*v = *t
		sh := shapes[k*rank : (k+1)*rank : (k+1)*rank]
		sh[0] = c
		copy(sh[1:], t.shape[1:])
		v.shape = sh
		lo, hi := off*inner, (off+c)*inner
		if t.dtype == String {
			v.strs = t.strs[lo:hi:hi]
		} else {
			sz := t.dtype.Size()
			v.data = t.data[lo*sz : hi*sz : hi*sz]
		}
		off += c
	}
	return views, nil
}

// Clone returns a deep copy of t.
func (t *Tensor) Clone() *Tensor {
	c := New(t.dtype, t.shape...)
	if t.dtype == String {
		copy(c.strs, t.strs)
	} else {
		copy(c.data, t.data)
	}
	return c
}

// ToFloat64 converts every element of a numeric or bool tensor to float64
// (bool → 0/1; float16/bfloat16 decoded). It allocates; LoadFloat64 does
// the same into a caller's slice.
func ToFloat64(t *Tensor) ([]float64, error) {
	out := make([]float64, t.Len())
	if err := LoadFloat64(out, t); err != nil {
		return nil, err
	}
	return out, nil
}

// LoadFloat64 sets dst[:t.Len()] to t's elements converted as ToFloat64
// does, without allocating. dst must hold at least t.Len() entries.
func LoadFloat64(dst []float64, t *Tensor) error {
	out := dst[:t.Len()]
	switch t.dtype {
	case Float32:
		for i, v := range t.Float32s() {
			out[i] = float64(v)
		}
	case Float64:
		copy(out, t.Float64s())
	case Int8:
		convert(out, Data[int8](t))
	case Int16:
		convert(out, Data[int16](t))
	case Int32:
		convert(out, Data[int32](t))
	case Int64:
		convert(out, Data[int64](t))
	case Uint8:
		convert(out, Data[uint8](t))
	case Uint16:
		convert(out, Data[uint16](t))
	case Uint32:
		convert(out, Data[uint32](t))
	case Uint64:
		convert(out, Data[uint64](t))
	case Bool:
		for i, v := range t.Bools() {
			out[i] = 0
			if v {
				out[i] = 1
			}
		}
	case Float16:
		for i, v := range Data[Float16Bits](t) {
			out[i] = float64(v.Float32())
		}
	case BFloat16:
		for i, v := range Data[BFloat16Bits](t) {
			out[i] = float64(v.Float32())
		}
	default:
		return fmt.Errorf("tensor: cannot convert %v to float64", t.dtype)
	}
	return nil
}

func convert[T ~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64](dst []float64, src []T) {
	for i, v := range src {
		dst[i] = float64(v)
	}
}
