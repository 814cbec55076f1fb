//go:build amd64 && !purego

package elementwise

import "github.com/sinter-ml/sinter/internal/cpu"

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

func init() {
	expKernels[cpu.AVX512] = expKernel{16, expShiftSumAVX512}
	expKernels[cpu.AVX2] = expKernel{8, expShiftSumAVX2}
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

func init() {
	actKernels[cpu.AVX512] = actKernel{16, sigmoidAVX512, geluAVX512, tanhAVX512, erfAVX512}
	actKernels[cpu.AVX2] = actKernel{8, sigmoidAVX2, geluAVX2, tanhAVX2, erfAVX2}
}
