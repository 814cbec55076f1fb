package image

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// fromFloat64 builds a tensor of dtype dt and the given shape from vals.
// Integer results are rounded to nearest (ties to even) and saturated to the
// type's range; NaN becomes 0. Bool is v != 0.
func fromFloat64(dt tensor.DType, shape tensor.Shape, vals []float64) (*tensor.Tensor, error) {
	if err := shape.Check(); err != nil {
		return nil, err
	}
	if !dt.Valid() || dt == tensor.String {
		return nil, fmt.Errorf("cannot produce %v values", dt)
	}
	out := tensor.New(dt, shape...)
	switch dt {
	case tensor.Float32:
		d := out.Float32s()
		for i, v := range vals {
			d[i] = float32(v)
		}
	case tensor.Float64:
		copy(out.Float64s(), vals)
	case tensor.Float16:
		d := tensor.Data[tensor.Float16Bits](out)
		for i, v := range vals {
			d[i] = tensor.ToFloat16(float32(v))
		}
	case tensor.BFloat16:
		d := tensor.Data[tensor.BFloat16Bits](out)
		for i, v := range vals {
			d[i] = tensor.ToBFloat16(float32(v))
		}
	case tensor.Bool:
		d := out.Bools()
		for i, v := range vals {
			d[i] = v != 0
		}
	case tensor.Int8:
		storeInt(tensor.Data[int8](out), vals, math.MinInt8, math.MaxInt8)
	case tensor.Int16:
		storeInt(tensor.Data[int16](out), vals, math.MinInt16, math.MaxInt16)
	case tensor.Int32:
		storeInt(tensor.Data[int32](out), vals, math.MinInt32, math.MaxInt32)
	case tensor.Int64:
		storeInt(tensor.Data[int64](out), vals, math.MinInt64, math.MaxInt64)
	case tensor.Uint8:
		storeInt(tensor.Data[uint8](out), vals, 0, math.MaxUint8)
	case tensor.Uint16:
		storeInt(tensor.Data[uint16](out), vals, 0, math.MaxUint16)
	case tensor.Uint32:
		storeInt(tensor.Data[uint32](out), vals, 0, math.MaxUint32)
	case tensor.Uint64:
		storeInt(tensor.Data[uint64](out), vals, 0, math.MaxUint64)
	default:
		return nil, fmt.Errorf("cannot produce %v values", dt)
	}
	return out, nil
}

func storeInt[T ~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64](dst []T, vals []float64, lo, hi T) {
	flo, fhi := float64(lo), float64(hi)
	for i, v := range vals {
		v = math.RoundToEven(v)
		switch {
		case v != v:
			dst[i] = 0
		case v <= flo:
			dst[i] = lo
		case v >= fhi:
			dst[i] = hi
		default:
			dst[i] = T(v)
		}
	}
}

// isNumeric reports whether dt can be read through tensor.ToFloat64.
func isNumeric(dt tensor.DType) bool {
	return dt.IsFloat() || dt.IsInt() || dt == tensor.Bool
}

// scalarInt reads a single-element int32/int64 tensor.
func scalarInt(t *tensor.Tensor, name string) (int64, error) {
	if t == nil {
		return 0, fmt.Errorf("input %s is missing", name)
	}
	v, err := ops.Int64s(t)
	if err != nil {
		return 0, fmt.Errorf("input %s: %w", name, err)
	}
	if len(v) != 1 {
		return 0, fmt.Errorf("input %s must hold one value, has shape %v", name, t.Shape())
	}
	return v[0], nil
}

// scalarFloat reads a single-element numeric tensor as float64.
func scalarFloat(t *tensor.Tensor, name string) (float64, error) {
	if !isNumeric(t.DType()) {
		return 0, fmt.Errorf("input %s: %v is not numeric", name, t.DType())
	}
	if t.Len() != 1 {
		return 0, fmt.Errorf("input %s must hold one value, has shape %v", name, t.Shape())
	}
	v, err := tensor.ToFloat64(t)
	if err != nil {
		return 0, err
	}
	return v[0], nil
}

func input(in []*tensor.Tensor, i int) *tensor.Tensor {
	if i < len(in) {
		return in[i]
	}
	return nil
}
