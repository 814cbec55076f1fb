//go:build amd64 && !purego

package elementwise

import (
	"unsafe"

	"github.com/sinter-ml/sinter/internal/cpu"
)

// expShiftSumAVX512 computes, for n a multiple of 16 (see expShiftSumGo):
//
//	for i := range n { dst[i] = exp32(src[i] - shift); sum += dst[i] }
//
// summing in 16 lanes, then across them. dst and src may be equal.
//
//go:noescape
func expShiftSumAVX512(dst, src *float32, n int, shift float32) float32

// expShiftSumAVX2 is expShiftSumAVX512 on 8 lanes; n is a multiple of 8.
//
//go:noescape
func expShiftSumAVX2(dst, src *float32, n int, shift float32) float32

// expVector runs the vector part of expShiftSum on the tier in force: the
// leading len(dst) − len(dst)%lanes elements (none below one vector). It
// returns how many it did and their sum. The exp and activation kernels are
// called directly, not through a table of function values, so that their
// slices do not escape: the activations pass stack scratch through them.
func expVector(dst, src []float32, shift float32) (done int, sum float32) {
	n := len(dst)
	switch cpu.Current() {
	case cpu.AVX512:
		if n >= 16 {
			done = n &^ 15
			sum = expShiftSumAVX512(unsafe.SliceData(dst), unsafe.SliceData(src), done, shift)
		}
	case cpu.AVX2:
		if n >= 8 {
			done = n &^ 7
			sum = expShiftSumAVX2(unsafe.SliceData(dst), unsafe.SliceData(src), done, shift)
		}
	}
	return done, sum
}

// axpyAVX512 computes, for n a multiple of 16 (see axpyGo):
//
//	for i := range n { y[i] = fma(a, x[i], y[i]) }
//
//go:noescape
func axpyAVX512(a float32, x, y *float32, n int)

// axpyAVX2 is axpyAVX512 on 8 lanes; n is a multiple of 8.
//
//go:noescape
func axpyAVX2(a float32, x, y *float32, n int)

func init() {
	axpyKernels[cpu.AVX512] = axpyKernel{16, axpyAVX512}
	axpyKernels[cpu.AVX2] = axpyKernel{8, axpyAVX2}
}

// maxAVX512 returns the largest of x[0:n] (n a positive multiple of 16), or
// NaN if any is NaN: the vector form of Max.
//
//go:noescape
func maxAVX512(x *float32, n int) float32

// maxAVX2 is maxAVX512 on 8 lanes (n a positive multiple of 8).
//
//go:noescape
func maxAVX2(x *float32, n int) float32

// sumAVX512 returns Σx[0:n] (n a positive multiple of 16) summed in 16
// lanes, then across them.
//
//go:noescape
func sumAVX512(x *float32, n int) float32

// sumAVX2 is sumAVX512 on 8 lanes (n a positive multiple of 8).
//
//go:noescape
func sumAVX2(x *float32, n int) float32

// scaleAVX512 sets x[i] *= a for i < n (n a positive multiple of 16).
//
//go:noescape
func scaleAVX512(x *float32, n int, a float32)

// scaleAVX2 is scaleAVX512 on 8 lanes (n a positive multiple of 8).
//
//go:noescape
func scaleAVX2(x *float32, n int, a float32)

func init() {
	reduceKernels[cpu.AVX512] = reduceKernel{16, maxAVX512, sumAVX512, scaleAVX512}
	reduceKernels[cpu.AVX2] = reduceKernel{8, maxAVX2, sumAVX2, scaleAVX2}
}

// sigmoidAVX512 sets dst[i] = 1/(1+exp32(−src[i])) for i < n (n a positive
// multiple of 16): Sigmoid's loop on 16 lanes. dst may equal src.
//
//go:noescape
func sigmoidAVX512(dst, src *float32, n int)

// geluAVX512 sets dst[i] = src[i]/2·(1+erf(src[i]/√2)) for i < n (n a
// positive multiple of 16), erf as in erfChunk: Gelu's loop on 16 lanes.
//
//go:noescape
func geluAVX512(dst, src *float32, n int)

// tanhAVX512 sets dst[i] = tanh(src[i]) for i < n (n a positive multiple of
// 16), by the same two branches as tanhGo. dst may equal src.
//
//go:noescape
func tanhAVX512(dst, src *float32, n int)

// sigmoidAVX2, geluAVX2 and tanhAVX2 are the AVX-512 kernels on 8 lanes
// (n a positive multiple of 8), constants read from memory.
//
//go:noescape
func sigmoidAVX2(dst, src *float32, n int)

//go:noescape
func geluAVX2(dst, src *float32, n int)

//go:noescape
func tanhAVX2(dst, src *float32, n int)

// erfAVX512 and erfAVX2 set dst[i] = erf(src[i]) for i < n (n a positive
// multiple of 16 or 8): the erf part of the GELU kernels (see erfChunk).
//
//go:noescape
func erfAVX512(dst, src *float32, n int)

//go:noescape
func erfAVX2(dst, src *float32, n int)

// actVector runs the vector part of f on the tier in force: it sets dst[i]
// for the leading len(x) − len(x)%lanes elements (none below one vector)
// and returns how many it did. Called directly, like expVector.
func actVector(f actFunc, dst, x []float32) int {
	n := len(x)
	switch t := cpu.Current(); {
	case t == cpu.AVX512 && n >= 16:
		n &^= 15
		d, s := unsafe.SliceData(dst), unsafe.SliceData(x)
		switch f {
		case actSigmoid:
			sigmoidAVX512(d, s, n)
		case actTanh:
			tanhAVX512(d, s, n)
		case actErf:
			erfAVX512(d, s, n)
		case actGelu:
			geluAVX512(d, s, n)
		}
		return n
	case t == cpu.AVX2 && n >= 8:
		n &^= 7
		d, s := unsafe.SliceData(dst), unsafe.SliceData(x)
		switch f {
		case actSigmoid:
			sigmoidAVX2(d, s, n)
		case actTanh:
			tanhAVX2(d, s, n)
		case actErf:
			erfAVX2(d, s, n)
		case actGelu:
			geluAVX2(d, s, n)
		}
		return n
	}
	return 0
}
