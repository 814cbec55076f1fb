package shape

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// stackRank is the rank up to which kernels keep their per-call index
// scratch (shapes, strides, coordinates) in arrays on the stack; higher
// ranks take it from the heap.
const stackRank = 8

// input returns in[i], or nil when the input is omitted or not declared.
func input(in []*tensor.Tensor, i int) *tensor.Tensor {
	if i < len(in) {
		return in[i]
	}
	return nil
}

// need returns in[i] or an error when it is missing.
func need(op string, in []*tensor.Tensor, i int) (*tensor.Tensor, error) {
	if t := input(in, i); t != nil {
		return t, nil
	}
	return nil, fmt.Errorf("%s: input %d is missing", op, i)
}

// ints reads the values of an int32 or int64 tensor (or an ints
// attribute) in place, without copying them.
type ints struct {
	i64  []int64
	i32  []int32
	is32 bool
}

// intsOf returns the view of an attribute's values.
func intsOf(v []int64) ints { return ints{i64: v} }

// Len is the number of values.
func (v ints) Len() int {
	if v.is32 {
		return len(v.i32)
	}
	return len(v.i64)
}

// At returns value i.
func (v ints) At(i int) int64 {
	if v.is32 {
		return int64(v.i32[i])
	}
	return v.i64[i]
}

// String formats the values as a list, for error messages.
func (v ints) String() string {
	if v.is32 {
		return fmt.Sprint(v.i32)
	}
	return fmt.Sprint(v.i64)
}

// intValues views the values of an int32 or int64 tensor of any shape.
func intValues(op, what string, t *tensor.Tensor) (ints, error) {
	switch t.DType() {
	case tensor.Int64:
		return ints{i64: t.Int64s()}, nil
	case tensor.Int32:
		return ints{i32: t.Int32s(), is32: true}, nil
	}
	return ints{}, fmt.Errorf("%s: %s: expected an int32 or int64 tensor, got %v", op, what, t.DType())
}

// intList views a 1-D (or scalar) int32/int64 tensor.
func intList(op, what string, t *tensor.Tensor) (ints, error) {
	if t.Rank() > 1 {
		return ints{}, fmt.Errorf("%s: %s must be 1-D, got shape %v", op, what, t.Shape())
	}
	return intValues(op, what, t)
}

// intScalar reads a single int32/int64 value from a scalar or 1-element tensor.
func intScalar(op, what string, t *tensor.Tensor) (int64, error) {
	if t.Len() != 1 || t.Rank() > 1 {
		return 0, fmt.Errorf("%s: %s must hold one value, got shape %v", op, what, t.Shape())
	}
	v, err := intValues(op, what, t)
	if err != nil {
		return 0, err
	}
	return v.At(0), nil
}

// indexValues views an index tensor (int32 or int64).
func indexValues(op string, t *tensor.Tensor) (ints, error) {
	switch t.DType() {
	case tensor.Int64, tensor.Int32:
		return intValues(op, "indices", t)
	}
	return ints{}, fmt.Errorf("%s: indices must be int32 or int64, got %v", op, t.DType())
}

// normIndex maps a possibly negative index into [0, dim).
func normIndex(op string, i int64, dim int) (int, error) {
	if i < 0 {
		i += int64(dim)
	}
	if i < 0 || i >= int64(dim) {
		return 0, fmt.Errorf("%s: index %d out of range for axis of size %d", op, i, dim)
	}
	return int(i), nil
}

// checkIndices reports an error unless every index is in [-dim, dim).
func checkIndices(op string, idx ints, dim int) error {
	for i := range idx.Len() {
		if _, err := normIndex(op, idx.At(i), dim); err != nil {
			return err
		}
	}
	return nil
}

// normAxes appends the axes, normalised against rank, to dst, rejecting
// out-of-range and repeated axes.
func normAxes(op string, axes ints, rank int, dst []int) ([]int, error) {
	for i := range axes.Len() {
		a := axes.At(i)
		ax, err := ops.NormAxis(a, rank)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		for _, b := range dst {
			if b == ax {
				return nil, fmt.Errorf("%s: axis %d repeated", op, a)
			}
		}
		dst = append(dst, ax)
	}
	return dst, nil
}

// hasAxis reports whether axes holds a.
func hasAxis(axes []int, a int) bool {
	for _, b := range axes {
		if b == a {
			return true
		}
	}
	return false
}

func prod(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// split3 returns the element counts before, at and after axis.
func split3(s tensor.Shape, axis int) (outer, dim, inner int) {
	return prod(s[:axis]), s[axis], prod(s[axis+1:])
}

// stridesInto writes the row-major element strides of shape into dst,
// which must have len(shape) entries.
func stridesInto(dst []int, shape tensor.Shape) []int {
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		dst[i] = s
		s *= shape[i]
	}
	return dst
}

// scratch returns buf[:n], or a fresh slice when n exceeds buf.
func scratch(buf []int, n int) []int {
	if n <= len(buf) {
		return buf[:n]
	}
	return make([]int, n)
}

// encodeScalar writes v, converted to dt as a C cast would (saturating
// nothing; bool is v != 0), into buf and returns the element's bytes.
// String elements are not encoded: it returns an empty slice for them.
func encodeScalar(dt tensor.DType, v float64, buf *[8]byte) ([]byte, error) {
	b := buf[:dt.Size()]
	put := func(u uint64) {
		for i := range b {
			b[i] = byte(u >> (8 * i))
		}
	}
	switch dt {
	case tensor.Float32:
		put(uint64(math.Float32bits(float32(v))))
	case tensor.Float64:
		put(math.Float64bits(v))
	case tensor.Float16:
		put(uint64(tensor.ToFloat16(float32(v))))
	case tensor.BFloat16:
		put(uint64(tensor.ToBFloat16(float32(v))))
	case tensor.Int8, tensor.Int16, tensor.Int32, tensor.Int64,
		tensor.Uint8, tensor.Uint16, tensor.Uint32:
		put(uint64(toInt(v)))
	case tensor.Uint64:
		if v >= math.MaxInt64 {
			put(uint64(v))
		} else {
			put(uint64(toInt(v)))
		}
	case tensor.Bool:
		if v != 0 {
			put(1)
		} else {
			put(0)
		}
	case tensor.String:
		return buf[:0], nil
	default:
		return nil, fmt.Errorf("unsupported dtype %v", dt)
	}
	return b, nil
}

func toInt(v float64) int64 {
	switch {
	case v != v:
		return 0
	case v >= math.MaxInt64:
		return math.MaxInt64
	case v <= math.MinInt64:
		return math.MinInt64
	}
	return int64(v)
}

// checkShape reports an error unless s is a valid shape.
func checkShape(op string, s tensor.Shape) error {
	if err := s.Check(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// setOut records an output's element type and the shape made of the
// concatenated parts, reusing the spec's storage.
func setOut(o *ops.OutSpec, dt tensor.DType, parts ...[]int) {
	o.DType = dt
	o.Shape = o.Shape[:0]
	for _, p := range parts {
		o.Shape = append(o.Shape, p...)
	}
}

// alloc allocates a zeroed output after checking its shape, for the
// kernels without a planned form.
func alloc(op string, dt tensor.DType, s tensor.Shape) (*tensor.Tensor, error) {
	if err := s.Check(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if !dt.Valid() {
		return nil, fmt.Errorf("%s: unsupported dtype %v", op, dt)
	}
	return tensor.New(dt, s...), nil
}

// inferLikeInput is the Infer of ops whose single output has their input's
// type and shape once read (which validates the inputs) accepts them.
func inferLikeInput[A any](read func(in []*tensor.Tensor) (*tensor.Tensor, A, error)) func(in []*tensor.Tensor, out []ops.OutSpec) error {
	return func(in []*tensor.Tensor, out []ops.OutSpec) error {
		x, _, err := read(in)
		if err != nil {
			return err
		}
		setOut(&out[0], x.DType(), x.Shape())
		return nil
	}
}
