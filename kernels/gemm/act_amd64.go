//go:build amd64 && !purego

package gemm

import "github.com/sinter-ml/sinter/internal/cpu"

// actAVX512 applies kind to x[0:n] in place, n a positive multiple of 16,
// each element exactly as activateGo computes the activation the kind
// stands for (see actVector):
//
//	kindClip:        x = min(max(x, alpha), beta)     (x on a NaN or a tie of zeros)
//	kindClipZero:    kindClip, with +0 added after the max
//	kindLeaky:       if x < 0 { x = alpha * x }
//	kindHardSigmoid: x = max(0, min(1, alpha*x + beta)) + 0
//	kindHardSwish:   x = x * max(0, min(1, alpha*x + beta))
//
// where max(a, b) and min(a, b) return b when either is NaN or a == b, and
// every product is rounded before it is added.
//
//go:noescape
func actAVX512(x *float32, n, kind int, alpha, beta float32)

// actAVX2 is actAVX512 on 8 lanes; n is a positive multiple of 8.
//
//go:noescape
func actAVX2(x *float32, n, kind int, alpha, beta float32)

// epiActAVX512 finishes rows×n of c (row stride ldc, n a positive multiple
// of 16): for each element x = c[i*ldc+j], mode 1: x += bias[j]; mode 2:
// x += bias[i]; then kind as actAVX512 computes it:
//
//	epiGo(c, ldc, rows, 0, n, bias, mode, false)
//	for i := range rows { actAVX512(&c[i*ldc], n, kind, alpha, beta) }
//
//go:noescape
func epiActAVX512(c *float32, ldc, rows, n int, bias *float32, mode, kind int, alpha, beta float32)

// epiActAVX2 is epiActAVX512 on 8 lanes; n is a positive multiple of 8.
//
//go:noescape
func epiActAVX2(c *float32, ldc, rows, n int, bias *float32, mode, kind int, alpha, beta float32)

func init() {
	actKernels[cpu.AVX512] = actKernel{16, actAVX512}
	actKernels[cpu.AVX2] = actKernel{8, actAVX2}
	epiActKernels[cpu.AVX512] = epiActKernel{16, epiActAVX512}
	epiActKernels[cpu.AVX2] = epiActKernel{8, epiActAVX2}
}
