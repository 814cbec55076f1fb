package shape

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

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

// intList reads a 1-D (or scalar) int32/int64 tensor.
func intList(op, what string, t *tensor.Tensor) ([]int64, error) {
	if t.Rank() > 1 {
		return nil, fmt.Errorf("%s: %s must be 1-D, got shape %v", op, what, t.Shape())
	}
	v, err := ops.Int64s(t)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", op, what, err)
	}
	return v, nil
}

// intScalar reads a single int32/int64 value from a scalar or 1-element tensor.
func intScalar(op, what string, t *tensor.Tensor) (int64, error) {
	if t.Len() != 1 || t.Rank() > 1 {
		return 0, fmt.Errorf("%s: %s must hold one value, got shape %v", op, what, t.Shape())
	}
	v, err := ops.Int64s(t)
	if err != nil {
		return 0, fmt.Errorf("%s: %s: %w", op, what, err)
	}
	return v[0], nil
}

// indexValues reads an index tensor (int32 or int64) as ints.
func indexValues(op string, t *tensor.Tensor) ([]int64, error) {
	switch t.DType() {
	case tensor.Int64:
		return t.Int64s(), nil
	case tensor.Int32:
		out := make([]int64, t.Len())
		for i, v := range t.Int32s() {
			out[i] = int64(v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: indices must be int32 or int64, got %v", op, t.DType())
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

// normAxes normalises axes against rank, rejecting duplicates.
func normAxes(op string, axes []int64, rank int) ([]int, error) {
	out := make([]int, len(axes))
	seen := make([]bool, rank)
	for i, a := range axes {
		ax, err := ops.NormAxis(a, rank)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if seen[ax] {
			return nil, fmt.Errorf("%s: axis %d repeated", op, a)
		}
		seen[ax] = true
		out[i] = ax
	}
	return out, nil
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

// scalarOf returns a one-element tensor of dt holding v (converted as a
// C cast would, saturating nothing; bool is v != 0).
func scalarOf(dt tensor.DType, v float64) (*tensor.Tensor, error) {
	switch dt {
	case tensor.Float32:
		return tensor.From([]float32{float32(v)}), nil
	case tensor.Float64:
		return tensor.From([]float64{v}), nil
	case tensor.Float16:
		return tensor.From([]tensor.Float16Bits{tensor.ToFloat16(float32(v))}), nil
	case tensor.BFloat16:
		return tensor.From([]tensor.BFloat16Bits{tensor.ToBFloat16(float32(v))}), nil
	case tensor.Int8:
		return tensor.From([]int8{int8(toInt(v))}), nil
	case tensor.Int16:
		return tensor.From([]int16{int16(toInt(v))}), nil
	case tensor.Int32:
		return tensor.From([]int32{int32(toInt(v))}), nil
	case tensor.Int64:
		return tensor.From([]int64{toInt(v)}), nil
	case tensor.Uint8:
		return tensor.From([]uint8{uint8(toInt(v))}), nil
	case tensor.Uint16:
		return tensor.From([]uint16{uint16(toInt(v))}), nil
	case tensor.Uint32:
		return tensor.From([]uint32{uint32(toInt(v))}), nil
	case tensor.Uint64:
		if v >= math.MaxInt64 {
			return tensor.From([]uint64{uint64(v)}), nil
		}
		return tensor.From([]uint64{uint64(toInt(v))}), nil
	case tensor.Bool:
		return tensor.From([]bool{v != 0}), nil
	case tensor.String:
		return tensor.FromStrings([]string{""}), nil
	}
	return nil, fmt.Errorf("unsupported dtype %v", dt)
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

// checked reports an error unless s is a valid shape.
func checked(op string, s tensor.Shape) (tensor.Shape, error) {
	if err := s.Check(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return s, nil
}

// alloc allocates an output after checking its shape.
func alloc(op string, dt tensor.DType, s tensor.Shape) (*tensor.Tensor, error) {
	t, err := newTensor(dt, s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return t, nil
}

// moverOf returns the mover for out's dtype, checking the sources share it.
func moverOf(op string, out *tensor.Tensor, srcs ...*tensor.Tensor) (mover, error) {
	for _, s := range srcs {
		if s != nil && s.DType() != out.DType() {
			return nil, fmt.Errorf("%s: dtype mismatch: %v vs %v", op, s.DType(), out.DType())
		}
	}
	m, err := moverFor(out.DType(), append(srcs, out)...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return m, nil
}

// stridedCopy allocates a tensor of shape and fills it from src through the
// given strides and offset.
func stridedCopy(op string, src *tensor.Tensor, shape tensor.Shape, strides []int, off int) (*tensor.Tensor, error) {
	out, err := alloc(op, src.DType(), shape)
	if err != nil {
		return nil, err
	}
	m, err := moverOf(op, out, src)
	if err != nil {
		return nil, err
	}
	m.strided(out, src, shape, strides, off)
	return out, nil
}
