package nn

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// num is the set of element types the GEMM core computes natively.
type num interface {
	~float32 | ~float64 | ~int32 | ~int64 | ~uint32 | ~uint64
}

// isFloat reports whether dt is one of the four floating-point dtypes.
func isFloat(dt tensor.DType) bool { return dt.IsFloat() }

// needFloat returns an error unless t is a floating-point tensor.
func needFloat(name string, t *tensor.Tensor) error {
	if t == nil {
		return fmt.Errorf("input %s is missing", name)
	}
	if !isFloat(t.DType()) {
		return fmt.Errorf("input %s has dtype %v, want a floating-point type", name, t.DType())
	}
	return nil
}

// asF32 returns t's elements as float32: the storage itself for a Float32
// tensor (read-only!), a converted copy otherwise.
func asF32(t *tensor.Tensor) []float32 {
	switch t.DType() {
	case tensor.Float32:
		return t.Float32s()
	case tensor.Float16:
		src := tensor.Data[tensor.Float16Bits](t)
		out := make([]float32, len(src))
		for i, v := range src {
			out[i] = v.Float32()
		}
		return out
	case tensor.BFloat16:
		src := tensor.Data[tensor.BFloat16Bits](t)
		out := make([]float32, len(src))
		for i, v := range src {
			out[i] = v.Float32()
		}
		return out
	}
	f, err := tensor.ToFloat64(t)
	if err != nil {
		return make([]float32, t.Len())
	}
	out := make([]float32, len(f))
	for i, v := range f {
		out[i] = float32(v)
	}
	return out
}

// asF64 returns t's elements as float64 (the storage itself for Float64).
func asF64(t *tensor.Tensor) []float64 {
	if t.DType() == tensor.Float64 {
		return t.Float64s()
	}
	f, err := tensor.ToFloat64(t)
	if err != nil {
		return make([]float64, t.Len())
	}
	return f
}

// asFloat returns t's elements as []T (see asF32 and asF64).
func asFloat[T ops.Float](t *tensor.Tensor) []T {
	var z T
	if _, ok := any(z).(float32); ok {
		return any(asF32(t)).([]T)
	}
	return any(asF64(t)).([]T)
}

// newFloat returns a tensor of dtype dt holding data, which the caller
// allocated: aliased when dt stores T, narrowed into new storage otherwise.
func newFloat[T ops.Float](dt tensor.DType, shape tensor.Shape, data []T) *tensor.Tensor {
	switch dt {
	case tensor.Float16:
		t := tensor.New(dt, shape...)
		d := tensor.Data[tensor.Float16Bits](t)
		for i, v := range data {
			d[i] = tensor.ToFloat16(float32(v))
		}
		return t
	case tensor.BFloat16:
		t := tensor.New(dt, shape...)
		d := tensor.Data[tensor.BFloat16Bits](t)
		for i, v := range data {
			d[i] = tensor.ToBFloat16(float32(v))
		}
		return t
	case tensor.Float32:
		if d, ok := any(data).([]float32); ok {
			return fromSlice(d, shape)
		}
		t := tensor.New(dt, shape...)
		d := t.Float32s()
		for i, v := range data {
			d[i] = float32(v)
		}
		return t
	case tensor.Float64:
		if d, ok := any(data).([]float64); ok {
			return fromSlice(d, shape)
		}
		t := tensor.New(dt, shape...)
		d := t.Float64s()
		for i, v := range data {
			d[i] = float64(v)
		}
		return t
	}
	panic(fmt.Sprintf("nn: newFloat with dtype %v", dt))
}

// fromSlice wraps data (allocated by us) as a tensor of the given shape.
func fromSlice[T tensor.Elem](data []T, shape tensor.Shape) *tensor.Tensor {
	if len(shape) == 0 {
		return tensor.Scalar(data[0])
	}
	return tensor.From(data, shape...)
}

// prod multiplies dims.
func prod(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// intsAttr reads an ints attribute as []int, checking each value with ok.
func intsAttr(n *ops.Node, name string) ([]int, error) {
	v, err := n.Ints(name)
	if err != nil || v == nil {
		return nil, err
	}
	out := make([]int, len(v))
	for i, x := range v {
		if x < math.MinInt32 || x > math.MaxInt32 {
			return nil, fmt.Errorf("attribute %s: value %d out of range", name, x)
		}
		out[i] = int(x)
	}
	return out, nil
}

// scalarF32 reads element 0 of a float tensor that must hold exactly one value.
func scalarF32(name string, t *tensor.Tensor) (float32, error) {
	if t == nil {
		return 0, fmt.Errorf("input %s is missing", name)
	}
	if t.Len() != 1 {
		return 0, fmt.Errorf("input %s must be a scalar, has shape %v", name, t.Shape())
	}
	if !isFloat(t.DType()) {
		return 0, fmt.Errorf("input %s has dtype %v, want float", name, t.DType())
	}
	return asF32(t)[0], nil
}

// intVals reads an integer tensor (int8/uint8/int32/…) as []int32.
func intVals(t *tensor.Tensor) ([]int32, error) {
	out := make([]int32, t.Len())
	switch t.DType() {
	case tensor.Uint8:
		for i, v := range t.Uint8s() {
			out[i] = int32(v)
		}
	case tensor.Int8:
		for i, v := range t.Int8s() {
			out[i] = int32(v)
		}
	case tensor.Int32:
		copy(out, t.Int32s())
	case tensor.Int16:
		for i, v := range tensor.Data[int16](t) {
			out[i] = int32(v)
		}
	case tensor.Uint16:
		for i, v := range tensor.Data[uint16](t) {
			out[i] = int32(v)
		}
	default:
		return nil, fmt.Errorf("dtype %v is not a supported integer type", t.DType())
	}
	return out, nil
}

// quantRange is the saturation range of an 8-bit quantized dtype.
func quantRange(dt tensor.DType) (lo, hi float64, err error) {
	switch dt {
	case tensor.Uint8:
		return 0, 255, nil
	case tensor.Int8:
		return -128, 127, nil
	}
	return 0, 0, fmt.Errorf("quantized type must be int8 or uint8, got %v", dt)
}

// storeQuant writes v (already rounded) saturated into element i of a
// uint8/int8 tensor's storage.
func storeQuant(t *tensor.Tensor, i int, v float64) {
	if v != v {
		v = 0
	}
	if t.DType() == tensor.Uint8 {
		t.Uint8s()[i] = uint8(max(0, min(255, v)))
	} else {
		t.Int8s()[i] = int8(max(-128, min(127, v)))
	}
}
