package conv

import (
	"github.com/sinter-ml/sinter/internal/cpu"
	"github.com/sinter-ml/sinter/kernels/elementwise"
	"github.com/sinter-ml/sinter/kernels/gemm"
)

// dwMaxMultiplier is the largest channel multiplier (OC/C with Group == C)
// the direct depthwise loop takes; larger ones run as one GEMM per group.
const dwMaxMultiplier = 8

// dwBand is the number of output floats a depthwise task computes and then
// finishes (residual, activation) while they are in L1.
const dwBand = 4096

// isDepthwise reports whether p runs on the direct depthwise loop: one
// input channel per group and at most dwMaxMultiplier filters on each.
func (p *Params) isDepthwise() bool {
	return p.Group == p.C && p.OC/p.Group <= dwMaxMultiplier
}

// dwMaxMaskedKW bounds the filter width of the kernels in dwKernels (their
// per-tap lane masks live on their stack).
const dwMaxMaskedKW = 32

// dwKernel computes dwGo exactly, for horizontal strides 1 and 2 and kw ≤
// dwMaxMaskedKW.
type dwKernel func(y *float32, ldy int, x *float32, ldx, rows, n int, w *float32, ldw, kh, kw, ldt, sw, dw, c0, width int, bias float32)

// dwKernels holds each tier's kernel (nil: dwGo).
var dwKernels [cpu.NumTiers]dwKernel

// dwGo is the generic twin of the depthwise kernels: for r < rows and
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
// Taps outside the row are skipped, and each product is rounded before it
// is added (no fused multiply-add), so all tiers compute the same bits.
func dwGo(y []float32, ldy int, x []float32, ldx, rows, n int, w []float32, ldw, kh, kw, ldt, sw, dw, c0, width int, bias float32) {
	// The interior columns [i0, i1) have every tap inside the row.
	i0 := min(max(0, ceilDiv(-c0, sw)), n)
	i1 := max(min(n, floorDiv(width-1-c0-(kw-1)*dw, sw)+1), i0)
	for r := range rows {
		yr := y[r*ldy : r*ldy+n]
		xr := x[r*ldx:]
		for j := range i0 {
			yr[j] = dwBorder(bias, xr, w, ldw, kh, kw, ldt, c0+j*sw, dw, width)
		}
		for j := i1; j < n; j++ {
			yr[j] = dwBorder(bias, xr, w, ldw, kh, kw, ldt, c0+j*sw, dw, width)
		}
		if i1 == i0 {
			continue
		}
		yi := yr[i0:i1]
		for j := range yi {
			yi[j] = bias
		}
		for a := range kh {
			dwInterior(yi, xr[a*ldt+c0+i0*sw:], w[a*ldw:a*ldw+kw], sw, dw)
		}
	}
}

// dwBorder is one output of dwGo, its first tap at column c of the rows
// of xr (stride ldt), taps outside [0, width) skipped.
func dwBorder(acc float32, xr, w []float32, ldw, kh, kw, ldt, c, dw, width int) float32 {
	// Taps [b0, b1) are inside the row.
	b0 := min(max(0, ceilDiv(-c, dw)), kw)
	b1 := max(min(kw, floorDiv(width-1-c, dw)+1), b0)
	if b0 == b1 {
		return acc
	}
	for a := range kh {
		xa := xr[a*ldt+c+b0*dw : a*ldt+c+(b1-1)*dw+1]
		wa := w[a*ldw+b0 : a*ldw+b1]
		if dw == 1 {
			xa = xa[:len(wa)]
			for b, wv := range wa {
				acc += float32(wv * xa[b])
			}
			continue
		}
		for b, wv := range wa {
			acc += float32(wv * xa[b*dw])
		}
	}
	return acc
}

// dwInterior adds one filter row wr to ys: ys[j] += Σ_b wr[b]·xs[j·sw+b·dw]
// in order of b, every tap inside xs.
func dwInterior(ys, xs, wr []float32, sw, dw int) {
	n := len(ys)
	switch {
	case len(wr) == 3 && dw == 1 && sw == 1:
		w0, w1, w2 := wr[0], wr[1], wr[2]
		x0, x1 := xs[0], xs[1]
		xs = xs[2 : n+2]
		ys = ys[:len(xs)]
		for j, x2 := range xs {
			acc := ys[j]
			acc += float32(w0 * x0)
			acc += float32(w1 * x1)
			acc += float32(w2 * x2)
			ys[j] = acc
			x0, x1 = x1, x2
		}
	case len(wr) == 5 && dw == 1 && sw == 1:
		w0, w1, w2, w3, w4 := wr[0], wr[1], wr[2], wr[3], wr[4]
		x0, x1, x2, x3 := xs[0], xs[1], xs[2], xs[3]
		xs = xs[4 : n+4]
		ys = ys[:len(xs)]
		for j, x4 := range xs {
			acc := ys[j]
			acc += float32(w0 * x0)
			acc += float32(w1 * x1)
			acc += float32(w2 * x2)
			acc += float32(w3 * x3)
			acc += float32(w4 * x4)
			ys[j] = acc
			x0, x1, x2, x3 = x1, x2, x3, x4
		}
	case len(wr) == 3 && dw == 1 && sw == 2:
		w0, w1, w2 := wr[0], wr[1], wr[2]
		x0 := xs[0]
		xs = xs[1 : 2*n+1]
		for j := range ys {
			x1, x2 := xs[2*j], xs[2*j+1]
			acc := ys[j]
			acc += float32(w0 * x0)
			acc += float32(w1 * x1)
			acc += float32(w2 * x2)
			ys[j] = acc
			x0 = x2
		}
	case len(wr) == 5 && dw == 1 && sw == 2:
		w0, w1, w2, w3, w4 := wr[0], wr[1], wr[2], wr[3], wr[4]
		x0, x1, x2 := xs[0], xs[1], xs[2]
		xs = xs[3 : 2*n+3]
		for j := range ys {
			x3, x4 := xs[2*j], xs[2*j+1]
			acc := ys[j]
			acc += float32(w0 * x0)
			acc += float32(w1 * x1)
			acc += float32(w2 * x2)
			acc += float32(w3 * x3)
			acc += float32(w4 * x4)
			ys[j] = acc
			x0, x1, x2 = x2, x3, x4
		}
	default:
		// One pass over the row per tap.
		for b, wv := range wr {
			xb := xs[b*dw : b*dw+(n-1)*sw+1]
			if sw == 1 {
				ys := ys[:len(xb)]
				for j, v := range xb {
					ys[j] += float32(wv * v)
				}
				continue
			}
			for j := range ys {
				ys[j] += float32(wv * xb[j*sw])
			}
		}
	}
}

// dwRows is dwGo with the tier's kernel where it applies.
func dwRows(y []float32, ldy int, x []float32, ldx, rows, n int, w []float32, ldw, kh, kw, ldt, sw, dw, c0, width int, bias float32) {
	// What a kernel may read and write, checked once.
	_ = y[(rows-1)*ldy+n-1]
	_ = x[(rows-1)*ldx+(kh-1)*ldt+width-1]
	_ = w[(kh-1)*ldw+kw-1]
	if k := dwKernels[cpu.Current()]; k != nil && (sw == 1 || sw == 2) && kw <= dwMaxMaskedKW {
		k(&y[0], ldy, &x[0], ldx, rows, n, &w[0], ldw, kh, kw, ldt, sw, dw, c0, width, bias)
		return
	}
	dwGo(y, ldy, x, ldx, rows, n, w, ldw, kh, kw, ldt, sw, dw, c0, width, bias)
}

// dwSpan is a run of outputs [lo, hi) along one axis whose taps inside the
// image are the filter indices [t0, t1) along it.
type dwSpan struct{ lo, hi, t0, t1 int }

// dwSpans splits the n outputs of one axis (input size size, padding pad
// before, k taps at dilation d, stride s) into runs of equal tap ranges,
// appended to spans.
func dwSpans(spans []dwSpan, n, size, pad, k, d, s int) []dwSpan {
	for j := range n {
		i0 := j*s - pad
		t0 := min(max(0, ceilDiv(-i0, d)), k)
		t1 := max(min(k, floorDiv(size-1-i0, d)+1), t0)
		if m := len(spans); m > 0 && spans[m-1].t0 == t0 && spans[m-1].t1 == t1 {
			spans[m-1].hi = j + 1
			continue
		}
		spans = append(spans, dwSpan{j, j + 1, t0, t1})
	}
	return spans
}

// dwPlan is the geometry of a depthwise convolution: the output rows are
// cut into spans whose taps inside the image are the same filter rows (the
// top and bottom borders, and the interior with the whole filter), and each
// span of a band is one dwRows call over whole output rows, which reads
// the image in place (columns outside it are skipped).
type dwPlan struct {
	p                   *Params
	oh, ow              int
	rows                []dwSpan
	mult, khw, hw, ohw  int
	rowsPerBand, nbands int
}

// init sets d up for p, reusing d's span slice.
func (d *dwPlan) init(p *Params) {
	oh, ow := p.OutH(), p.OutW()
	*d = dwPlan{p: p, oh: oh, ow: ow, mult: p.OC / p.C, khw: p.KH * p.KW, hw: p.H * p.W, ohw: oh * ow,
		rows: dwSpans(d.rows[:0], oh, p.H, p.PadT, p.KH, p.DilationH, p.StrideH)}
	d.rowsPerBand = max(1, min(oh, dwBand/ow))
	d.nbands = ceilDiv(oh, d.rowsPerBand)
}

// band computes output rows [r0, r1) of one plane: yc from input plane xc,
// filter wc and bias.
func (d *dwPlan) band(xc, wc []float32, bias float32, yc []float32, r0, r1 int) {
	p, ow := d.p, d.ow
	for _, rs := range d.rows {
		i0, i1 := max(rs.lo, r0), min(rs.hi, r1)
		if i0 >= i1 {
			continue
		}
		if rs.t0 == rs.t1 {
			// Every tap is in the padding.
			for j := range yc[i0*ow : i1*ow] {
				yc[i0*ow+j] = bias
			}
			continue
		}
		xo := (i0*p.StrideH - p.PadT + rs.t0*p.DilationH) * p.W
		dwRows(yc[i0*ow:], ow, xc[xo:], p.StrideH*p.W, i1-i0, ow, wc[rs.t0*p.KW:], p.KW, rs.t1-rs.t0, p.KW,
			p.DilationH*p.W, p.StrideW, p.DilationW, -p.PadL, p.W, bias)
	}
}

// depthwise handles Params.isDepthwise for call c: output channel oc is
// input channel oc/mult convolved with filter oc. Work is split over the
// pool in bands of output rows of one plane (dwTask). Each sum starts from
// the bias (dwGo); each band then gets the residual added and the
// activation applied right after it is computed, while it is in L1. Every
// element is computed the same way whatever the split, so results do not
// depend on the thread count; nor on the tier, except for the activations
// built on exp (Sigmoid, Tanh, Gelu).
func (c *call) depthwise() {
	c.dw.init(&c.p)
	c.stage = stageDepthwise
	c.pool.RunTask(c.p.N*c.p.OC*c.dw.nbands, c)
}

// dwTask computes band t of the depthwise convolution of c.
func (c *call) dwTask(t int) {
	p, d := &c.p, &c.dw
	plane, band := t/d.nbands, t%d.nbands
	n, oc := plane/p.OC, plane%p.OC
	xc := c.x[(n*p.C+oc/d.mult)*d.hw : (n*p.C+oc/d.mult+1)*d.hw]
	yc := c.y[plane*d.ohw : (plane+1)*d.ohw]
	wc := c.w[oc*d.khw : (oc+1)*d.khw]
	var b float32
	if c.bias != nil {
		b = c.bias[oc]
	}
	r0, r1 := band*d.rowsPerBand, min(d.oh, (band+1)*d.rowsPerBand)
	d.band(xc, wc, b, yc, r0, r1)
	yb := yc[r0*d.ow : r1*d.ow]
	if c.o.Residual != nil {
		res := c.o.Residual[plane*d.ohw+r0*d.ow : plane*d.ohw+r1*d.ow]
		elementwise.Binary(elementwise.OpAdd, yb, yb, res)
	}
	gemm.Activate(c.o.Act, c.o.Alpha, c.o.Beta, yb)
}

// floorDiv is ⌊a/b⌋ for b > 0.
func floorDiv(a, b int) int { return -ceilDiv(-a, b) }
