//go:build arm64 && !purego

package elementwise

import "github.com/sinter-ml/sinter/internal/cpu"

// expShiftSumNEON computes, for n a multiple of 4 (see expShiftSumGo):
//
//	for i := range n { dst[i] = exp32(src[i] - shift); sum += dst[i] }
//
// summing in 4 lanes, then pairwise. dst and src may be equal.
//
//go:noescape
func expShiftSumNEON(dst, src *float32, n int, shift float32) float32

// axpyNEON computes, for n a multiple of 4 (see axpyGo):
//
//	for i := range n { y[i] = fma(a, x[i], y[i]) }
//
//go:noescape
func axpyNEON(a float32, x, y *float32, n int)

func init() {
	expKernels[cpu.NEON] = expKernel{4, expShiftSumNEON}
	axpyKernels[cpu.NEON] = axpyKernel{4, axpyNEON}
}
