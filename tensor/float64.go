package tensor

import (
	"encoding/binary"
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
	if err := StoreFloat64(out, vals); err != nil {
		return nil, err
	}
	return out, nil
}

// StoreFloat64 writes vals into t's first len(vals) elements (at most
// t.Len()), converting as FromFloat64 does, without allocating: the
// in-place inverse of LoadFloat64.
func StoreFloat64(out *Tensor, vals []float64) error {
	if len(vals) > out.Len() {
		return fmt.Errorf("tensor: %d values for %v elements", len(vals), out.shape)
	}
	switch out.dtype {
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
		return fmt.Errorf("cannot produce %v values", out.dtype)
	}
	return nil
}

// PutFloat64 stores v as one little-endian element of dt in b (len(b) ==
// dt.Size()), converting as StoreFloat64 does. It allocates nothing, so b
// may be a caller's stack buffer.
func PutFloat64(b []byte, dt DType, v float64) error {
	if !dt.Valid() || dt == String || len(b) != dt.Size() {
		return fmt.Errorf("tensor: cannot store a %v element in %d bytes", dt, len(b))
	}
	le := binary.LittleEndian
	one := [1]float64{v}
	switch dt {
	case Float32:
		le.PutUint32(b, math.Float32bits(float32(v)))
	case Float64:
		le.PutUint64(b, math.Float64bits(v))
	case Float16:
		le.PutUint16(b, uint16(ToFloat16(float32(v))))
	case BFloat16:
		le.PutUint16(b, uint16(ToBFloat16(float32(v))))
	case Bool:
		b[0] = 0
		if v != 0 {
			b[0] = 1
		}
	case Int8:
		var d [1]int8
		storeInt(d[:], one[:], math.MinInt8, math.MaxInt8)
		b[0] = byte(d[0])
	case Uint8:
		storeInt(b[:1], one[:], 0, math.MaxUint8)
	case Int16:
		var d [1]int16
		storeInt(d[:], one[:], math.MinInt16, math.MaxInt16)
		le.PutUint16(b, uint16(d[0]))
	case Uint16:
		var d [1]uint16
		storeInt(d[:], one[:], 0, math.MaxUint16)
		le.PutUint16(b, d[0])
	case Int32:
		var d [1]int32
		storeInt(d[:], one[:], math.MinInt32, math.MaxInt32)
		le.PutUint32(b, uint32(d[0]))
	case Uint32:
		var d [1]uint32
		storeInt(d[:], one[:], 0, math.MaxUint32)
		le.PutUint32(b, d[0])
	case Int64:
		var d [1]int64
		storeInt(d[:], one[:], math.MinInt64, math.MaxInt64)
		le.PutUint64(b, uint64(d[0]))
	case Uint64:
		var d [1]uint64
		storeInt(d[:], one[:], 0, math.MaxUint64)
		le.PutUint64(b, d[0])
	}
	return nil
}

// Float64At returns element i of a numeric or bool tensor converted as
// LoadFloat64 does, without copying the tensor. It panics on other types.
func Float64At(t *Tensor, i int) float64 {
	switch t.dtype {
	case Float32:
		return float64(t.Float32s()[i])
	case Float64:
		return t.Float64s()[i]
	case Float16:
		return float64(Data[Float16Bits](t)[i].Float32())
	case BFloat16:
		return float64(Data[BFloat16Bits](t)[i].Float32())
	case Int8:
		return float64(Data[int8](t)[i])
	case Int16:
		return float64(Data[int16](t)[i])
	case Int32:
		return float64(Data[int32](t)[i])
	case Int64:
		return float64(Data[int64](t)[i])
	case Uint8:
		return float64(Data[uint8](t)[i])
	case Uint16:
		return float64(Data[uint16](t)[i])
	case Uint32:
		return float64(Data[uint32](t)[i])
	case Uint64:
		return float64(Data[uint64](t)[i])
	case Bool:
		if t.Bools()[i] {
			return 1
		}
		return 0
	}
	panic(fmt.Sprintf("tensor: Float64At of a %v tensor", t.dtype))
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
