//go:build arm64 && !purego

package elementwise

import (
	"unsafe"

	"github.com/sinter-ml/sinter/internal/cpu"
)

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
	axpyKernels[cpu.NEON] = axpyKernel{4, axpyNEON}
}

// expVector runs the vector part of expShiftSum on the tier in force: the
// leading len(dst) − len(dst)%4 elements. It returns how many it did and
// their sum. The kernel is called directly, not through a function value,
// so that the slices do not escape (the activations pass stack scratch).
func expVector(dst, src []float32, shift float32) (done int, sum float32) {
	if n := len(dst); cpu.Current() == cpu.NEON && n >= 4 {
		done = n &^ 3
		sum = expShiftSumNEON(unsafe.SliceData(dst), unsafe.SliceData(src), done, shift)
	}
	return done, sum
}

// actVector does none of an activation: NEON has only the exp kernel.
func actVector(f actFunc, dst, x []float32) int { return 0 }
