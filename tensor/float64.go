package tensor

import (
	"fmt"
	"math"
)

// FromFloat64 builds a tensor of dtype dt and the given shape from vals,
// the inverse of ToFloat64.
// Integer results are rounded to nearest (ties to even) and saturated to the
// type's range; NaN becomes 0. Bool is v != 0.
func FromFloat64(dt DType, shape Shape, vals []float64) (*Tensor, error) {
	if err := shape.Check(); err != nil {
		return nil, err
	}
	if !dt.Valid() || dt == String {
		return nil, fmt.Errorf("cannot produce %v values", dt)
	}
	out := New(dt, shape...)
	switch dt {
	case Float32:
		d := out.Float32s()
		for i, v := range vals {
			d[i] = float32(v)
		}
	case Float64:
		copy(out.Float64s(), vals)
	case Float16:
		d := Data[Float16Bits](out)
		for i, v := range vals {
			d[i] = ToFloat16(float32(v))
		}
	case BFloat16:
		d := Data[BFloat16Bits](out)
		for i, v := range vals {
			d[i] = ToBFloat16(float32(v))
		}
	case Bool:
		d := out.Bools()
		for i, v := range vals {
			d[i] = v != 0
		}
	case Int8:
		storeInt(Data[int8](out), vals, math.MinInt8, math.MaxInt8)
	case Int16:
		storeInt(Data[int16](out), vals, math.MinInt16, math.MaxInt16)
	case Int32:
		storeInt(Data[int32](out), vals, math.MinInt32, math.MaxInt32)
	case Int64:
		storeInt(Data[int64](out), vals, math.MinInt64, math.MaxInt64)
	case Uint8:
		storeInt(Data[uint8](out), vals, 0, math.MaxUint8)
	case Uint16:
		storeInt(Data[uint16](out), vals, 0, math.MaxUint16)
	case Uint32:
		storeInt(Data[uint32](out), vals, 0, math.MaxUint32)
	case Uint64:
		storeInt(Data[uint64](out), vals, 0, math.MaxUint64)
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
