package pool

import (
	"math"
	"unsafe"

	"github.com/sinter-ml/sinter/internal/cpu"
)

// A row kernel computes a rectangle of outputs whose windows lie inside the
// input columns: rows output rows of n outputs, row r at dst[r·dstep:], its
// first window's top-left tap at src[r·sstep]. Within a row, windows are sw
// apart and keep kh input rows (rs apart) of kw taps:
//
//	tap(r, i, ky, kx) = src[r*sstep + ky*rs + i*sw + kx]
//
// max gives Max's rule over each window's taps in row-major order (the
// first tap, replaced by each later one that compares greater); avg sums
// them in float32 from +0 in row-major order and divides by div. dst must
// not overlap src.
type rowKernel struct {
	// lanes is the least n the vector kernels take; they handle any n ≥ lanes
	// (a row's last block of lanes outputs may overlap the one before it).
	lanes int
	vmax  func(dst, src *float32, rs, n, kh, kw, rows, dstep, sstep int)
	vavg  func(dst, src *float32, rs, n, kh, kw, rows, dstep, sstep int, div float32)
}

// rect is the shape of one row-kernel call (see rowKernel).
type rect struct {
	n, rows, dstep, sstep, rs, kh, kw, sw int
}

// vecRows holds each tier's vector row kernels for strides 1 and 2 (index
// stride−1); zero entries, and every other stride, run the Go twins.
var vecRows [cpu.NumTiers][2]rowKernel

func rowKernelsFor(t cpu.Tier, sw int) rowKernel {
	if sw == 1 || sw == 2 {
		return vecRows[t][sw-1]
	}
	return rowKernel{}
}

// check panics unless dst and src hold every output and tap of r (n ≥ 1,
// rows ≥ 1): the vector kernels access them without bounds checks.
func (r *rect) check(dst, src []float32) {
	_ = dst[(r.rows-1)*r.dstep+r.n-1]
	_ = src[(r.rows-1)*r.sstep+(r.kh-1)*r.rs+(r.n-1)*r.sw+r.kw-1]
}

func (k rowKernel) max(dst, src []float32, r rect) {
	r.check(dst, src)
	if k.vmax != nil && r.n >= k.lanes {
		k.vmax(unsafe.SliceData(dst), unsafe.SliceData(src), r.rs, r.n, r.kh, r.kw, r.rows, r.dstep, r.sstep)
		return
	}
	for i := range r.rows {
		maxRowGo(dst[i*r.dstep:i*r.dstep+r.n], src[i*r.sstep:], r.rs, r.kh, r.kw, r.sw)
	}
}

func (k rowKernel) avg(dst, src []float32, r rect, div float32) {
	r.check(dst, src)
	if k.vavg != nil && r.n >= k.lanes {
		k.vavg(unsafe.SliceData(dst), unsafe.SliceData(src), r.rs, r.n, r.kh, r.kw, r.rows, r.dstep, r.sstep, div)
		return
	}
	for i := range r.rows {
		avgRowGo(dst[i*r.dstep:i*r.dstep+r.n], src[i*r.sstep:], r.rs, r.kh, r.kw, r.sw, div)
	}
}

// maxRowGo is the generic twin of the vector max row kernels for one row
// (see rowKernel), unrolled for full 3×3 and 2×2 windows.
func maxRowGo(dst, src []float32, rs, kh, kw, sw int) {
	switch {
	case kh == 3 && kw == 3:
		max3x3(dst, src, src[rs:], src[2*rs:], sw)
	case kh == 2 && kw == 2:
		max2x2(dst, src, src[rs:], sw)
	default:
		// Row by row: dst carries each window's running maximum from one
		// row to the next, so the taps are still met in row-major order.
		for ky := range kh {
			r := src[ky*rs:]
			for i, j := 0, 0; i < len(dst); i, j = i+1, j+sw {
				w := r[j : j+kw : j+kw]
				m := dst[i]
				if ky == 0 {
					m = w[0]
				}
				for _, v := range w {
					if v > m {
						m = v
					}
				}
				dst[i] = m
			}
		}
	}
}

func max3x3(dst, r0, r1, r2 []float32, sw int) {
	for i, j := 0, 0; i < len(dst); i, j = i+1, j+sw {
		a, b, c := r0[j:j+3:j+3], r1[j:j+3:j+3], r2[j:j+3:j+3]
		m := a[0]
		if a[1] > m {
			m = a[1]
		}
		if a[2] > m {
			m = a[2]
		}
		if b[0] > m {
			m = b[0]
		}
		if b[1] > m {
			m = b[1]
		}
		if b[2] > m {
			m = b[2]
		}
		if c[0] > m {
			m = c[0]
		}
		if c[1] > m {
			m = c[1]
		}
		if c[2] > m {
			m = c[2]
		}
		dst[i] = m
	}
}

func max2x2(dst, r0, r1 []float32, sw int) {
	for i, j := 0, 0; i < len(dst); i, j = i+1, j+sw {
		a, b := r0[j:j+2:j+2], r1[j:j+2:j+2]
		m := a[0]
		if a[1] > m {
			m = a[1]
		}
		if b[0] > m {
			m = b[0]
		}
		if b[1] > m {
			m = b[1]
		}
		dst[i] = m
	}
}

// avgRowGo is the generic twin of the vector average row kernels for one
// row (see rowKernel), unrolled for full 3×3 and 2×2 windows.
func avgRowGo(dst, src []float32, rs, kh, kw, sw int, div float32) {
	switch {
	case kh == 3 && kw == 3:
		avg3x3(dst, src, src[rs:], src[2*rs:], sw, div)
	case kh == 2 && kw == 2:
		avg2x2(dst, src, src[rs:], sw, div)
	default:
		// Row by row: dst carries each window's float32 partial sum from
		// one row to the next, which is exact, so the additions are those
		// of one row-major pass.
		for ky := range kh {
			r := src[ky*rs:]
			for i, j := 0, 0; i < len(dst); i, j = i+1, j+sw {
				var s float32
				if ky > 0 {
					s = dst[i]
				}
				for _, v := range r[j : j+kw : j+kw] {
					s += v
				}
				dst[i] = s
			}
		}
		for i := range dst {
			dst[i] /= div
		}
	}
}

func avg3x3(dst, r0, r1, r2 []float32, sw int, div float32) {
	for i, j := 0, 0; i < len(dst); i, j = i+1, j+sw {
		a, b, c := r0[j:j+3:j+3], r1[j:j+3:j+3], r2[j:j+3:j+3]
		var s float32
		s += a[0]
		s += a[1]
		s += a[2]
		s += b[0]
		s += b[1]
		s += b[2]
		s += c[0]
		s += c[1]
		s += c[2]
		dst[i] = s / div
	}
}

func avg2x2(dst, r0, r1 []float32, sw int, div float32) {
	for i, j := 0, 0; i < len(dst); i, j = i+1, j+sw {
		a, b := r0[j:j+2:j+2], r1[j:j+2:j+2]
		var s float32
		s += a[0]
		s += a[1]
		s += b[0]
		s += b[1]
		dst[i] = s / div
	}
}

// maxNoNaNKernels holds each tier's vector form of maxNoNaNGo, for n a
// positive multiple of the lanes (the rest runs in Go).
var maxNoNaNKernels [cpu.NumTiers]struct {
	lanes int
	f     func(x *float32, n int) float32
}

// maxNoNaN returns the largest non-NaN element of x, −Inf if there is none.
// Of equal zeros it may return either sign.
func maxNoNaN(t cpu.Tier, x []float32) float32 {
	k := maxNoNaNKernels[t]
	if k.f == nil || len(x) < k.lanes {
		return maxNoNaNGo(x)
	}
	n := len(x) - len(x)%k.lanes
	m := k.f(unsafe.SliceData(x), n)
	if r := maxNoNaNGo(x[n:]); r > m {
		m = r
	}
	return m
}

// maxNoNaNGo is the generic twin of the vector maxNoNaN kernels: eight
// lanes (lane j sees x[i] with i%8 == j), each keeping its running maximum
// m against which a NaN never compares greater, then combined.
func maxNoNaNGo(x []float32) float32 {
	inf := float32(math.Inf(-1))
	m := [8]float32{inf, inf, inf, inf, inf, inf, inf, inf}
	i := 0
	for ; i+8 <= len(x); i += 8 {
		v := x[i : i+8 : i+8]
		for j := range m {
			if v[j] > m[j] {
				m[j] = v[j]
			}
		}
	}
	for ; i < len(x); i++ {
		if x[i] > m[0] {
			m[0] = x[i]
		}
	}
	r := m[0]
	for _, v := range m[1:] {
		if v > r {
			r = v
		}
	}
	return r
}
