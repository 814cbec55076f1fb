//go:build amd64 && !purego

package gemm

import "github.com/sinter-ml/sinter/internal/cpu"

// epiAVX2 finishes rows×n of c (n a positive multiple of 8) with a bias
// (mode 0: none, 1: bias[j], 2: bias[i]) and, if relu, max(x, 0): each
// element exactly as epiGo computes it.
//
//go:noescape
func epiAVX2(c *float32, ldc, rows, n int, bias *float32, mode int, relu bool)

// epiVector runs the vector part of epiGo's loop, returning how many leading
// columns of each row it did.
func epiVector(c []float32, ldc, rows, n int, bias []float32, mode int, relu bool) int {
	if t := cpu.Current(); (t != cpu.AVX2 && t != cpu.AVX512) || n < 8 {
		return 0
	}
	nv := n &^ 7
	var bp *float32
	if mode != 0 {
		bp = &bias[0]
	}
	epiAVX2(&c[0], ldc, rows, nv, bp, mode, relu)
	return nv
}
