package tensor

import (
	"math"

	"github.com/x448/float16"
)

// Float32 decodes the half-precision value (round trip is exact).
func (h Float16Bits) Float32() float32 { return float16.Frombits(uint16(h)).Float32() }

// ToFloat16 rounds f to the nearest half-precision value (ties to even), as
// F16C's VCVTPS2PH does.
func ToFloat16(f float32) Float16Bits { return Float16Bits(float16.Fromfloat32(f).Bits()) }

// Float32 decodes the bfloat16 value.
func (b BFloat16Bits) Float32() float32 { return math.Float32frombits(uint32(b) << 16) }

// ToBFloat16 rounds f to the nearest bfloat16 (ties to even; NaN stays NaN).
func ToBFloat16(f float32) BFloat16Bits {
	u := math.Float32bits(f)
	if f != f {
		return BFloat16Bits(u>>16 | 0x40)
	}
	u += 0x7fff + (u>>16)&1
	return BFloat16Bits(u >> 16)
}

// StoreHalf rounds src (to nearest, ties to even) into dst, a Float16 or
// BFloat16 tensor of len(src) elements: the final step of a kernel that
// computes half-precision tensors in float32. Other dtypes are left alone.
func StoreHalf(dst *Tensor, src []float32) {
	switch dst.DType() {
	case Float16:
		d := Data[Float16Bits](dst)
		for i, v := range src {
			d[i] = ToFloat16(v)
		}
	case BFloat16:
		d := Data[BFloat16Bits](dst)
		for i, v := range src {
			d[i] = ToBFloat16(v)
		}
	}
}

// LoadHalf decodes src, a Float16 or BFloat16 tensor, into dst[:src.Len()]
// (exactly): the first step of a kernel that computes half-precision
// tensors in float32, inverse of StoreHalf. Other dtypes leave dst alone.
func LoadHalf(dst []float32, src *Tensor) {
	switch src.DType() {
	case Float16:
		s := Data[Float16Bits](src)
		dst = dst[:len(s)]
		for i, v := range s {
			dst[i] = v.Float32()
		}
	case BFloat16:
		s := Data[BFloat16Bits](src)
		dst = dst[:len(s)]
		for i, v := range s {
			dst[i] = v.Float32()
		}
	}
}
