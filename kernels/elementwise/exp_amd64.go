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
