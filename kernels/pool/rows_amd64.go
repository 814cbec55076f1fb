//go:build amd64 && !purego

package pool

import "github.com/sinter-ml/sinter/internal/cpu"

// maxS1AVX2 is the stride-1 max row kernel (see rowKernel) on 8 lanes, for
// n ≥ 8, rows ≥ 1, kh ≥ 1, kw ≥ 1; its reference loop is maxRowGo with
// sw = 1, row by row:
//
//	for r := range rows {
//		d, s := dst[r*dstep:], src[r*sstep:]
//		for i := range n {
//			m := s[i]
//			for ky := range kh {
//				for kx := range kw {
//					if v := s[ky*rs+i+kx]; v > m {
//						m = v
//					}
//				}
//			}
//			d[i] = m
//		}
//	}
//
// It reads only the taps and writes only the outputs, the last block of 8
// of a row overlapping the one before when n is not a multiple of 8.
//
//go:noescape
func maxS1AVX2(dst, src *float32, rs, n, kh, kw, rows, dstep, sstep int)

// maxS2AVX2 is maxS1AVX2 with windows 2 apart (tap s[ky*rs+2*i+kx]). Each
// tap's 8 lanes come from two overlapping loads ending at the last tap, so
// it reads nothing past it.
//
//go:noescape
func maxS2AVX2(dst, src *float32, rs, n, kh, kw, rows, dstep, sstep int)

// avgS1AVX2 is the stride-1 average row kernel on 8 lanes, under the
// preconditions of maxS1AVX2; its reference loop is avgRowGo with sw = 1,
// row by row:
//
//	for r := range rows {
//		d, s := dst[r*dstep:], src[r*sstep:]
//		for i := range n {
//			var t float32
//			for ky := range kh {
//				for kx := range kw {
//					t += s[ky*rs+i+kx]
//				}
//			}
//			d[i] = t / div
//		}
//	}
//
//go:noescape
func avgS1AVX2(dst, src *float32, rs, n, kh, kw, rows, dstep, sstep int, div float32)

// avgS2AVX2 is avgS1AVX2 with windows 2 apart (tap s[ky*rs+2*i+kx]).
//
//go:noescape
func avgS2AVX2(dst, src *float32, rs, n, kh, kw, rows, dstep, sstep int, div float32)

// maxNoNaNAVX2 is maxNoNaNGo on 8 lanes for n a positive multiple of 8:
// each lane keeps m = v > m ? v : m from −Inf, then the lanes are combined.
//
//go:noescape
func maxNoNaNAVX2(x *float32, n int) float32

func init() {
	// AVX-512 machines run the AVX2 kernels: no 16-lane forms yet.
	for _, t := range []cpu.Tier{cpu.AVX2, cpu.AVX512} {
		vecRows[t] = [2]rowKernel{
			{lanes: 8, vmax: maxS1AVX2, vavg: avgS1AVX2},
			{lanes: 8, vmax: maxS2AVX2, vavg: avgS2AVX2},
		}
		maxNoNaNKernels[t].lanes = 8
		maxNoNaNKernels[t].f = maxNoNaNAVX2
	}
}
