//go:build amd64 && !purego

package elementwise

import "github.com/sinter-ml/sinter/internal/cpu"

// addAVX512 sets dst[i] = a[i] + b[i] for i < n, n a positive multiple of
// 16 (see binaryGo); dst may equal a or b. The sub, mul and div kernels
// below are the same loop with their operation; the AVX2 ones use 8 lanes.
//
//go:noescape
func addAVX512(dst, a, b *float32, n int)

//go:noescape
func subAVX512(dst, a, b *float32, n int)

//go:noescape
func mulAVX512(dst, a, b *float32, n int)

//go:noescape
func divAVX512(dst, a, b *float32, n int)

//go:noescape
func addAVX2(dst, a, b *float32, n int)

//go:noescape
func subAVX2(dst, a, b *float32, n int)

//go:noescape
func mulAVX2(dst, a, b *float32, n int)

//go:noescape
func divAVX2(dst, a, b *float32, n int)

func init() {
	binaryKernels[cpu.AVX512] = binaryKernel{16, [numOps]func(dst, a, b *float32, n int){addAVX512, subAVX512, mulAVX512, divAVX512}}
	binaryKernels[cpu.AVX2] = binaryKernel{8, [numOps]func(dst, a, b *float32, n int){addAVX2, subAVX2, mulAVX2, divAVX2}}
}
