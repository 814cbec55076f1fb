//go:build amd64 && !purego

package conv

import "github.com/sinter-ml/sinter/internal/cpu"

// dwMaskedAVX512 computes exactly what dwGo computes: for r < rows and
// j < n,
//
//	acc := bias
//	for a := range kh {
//		for b := range kw {
//			if c := c0 + j*sw + b*dw; 0 <= c && c < width {
//				acc += float32(w[a*ldw+b] * x[r*ldx+a*ldt+c])
//			}
//		}
//	}
//	y[r*ldy+j] = acc
//
// with a multiply and a separate add per tap, 16 columns per vector and up
// to four rows at a time. Loads and stores are masked to the elements named
// above (columns outside [0, width) are neither read nor added), so it
// touches nothing else, though c0 may be negative. sw is 1 or 2; rows, n,
// kh and kw are positive, kw ≤ min(ldw, dwMaxMaskedKW).
//
//go:noescape
func dwMaskedAVX512(y *float32, ldy int, x *float32, ldx, rows, n int, w *float32, ldw, kh, kw, ldt, sw, dw, c0, width int, bias float32)

// dwMaskedAVX2 is dwMaskedAVX512 on 8 columns per vector, with the masks
// as vectors (VMASKMOVPS).
//
//go:noescape
func dwMaskedAVX2(y *float32, ldy int, x *float32, ldx, rows, n int, w *float32, ldw, kh, kw, ldt, sw, dw, c0, width int, bias float32)

func init() {
	dwKernels[cpu.AVX512] = dwMaskedAVX512
	dwKernels[cpu.AVX2] = dwMaskedAVX2
}
