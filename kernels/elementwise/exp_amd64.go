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
