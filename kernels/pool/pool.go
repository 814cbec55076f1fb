// Package pool computes float32 2-D max and average pooling over NCHW
// planes, and global max and average over whole planes.
//
// A caller resolves the geometry (output extent, pads, ceil_mode) and hands
// it over as a [Geom]; the kernels do no shape inference. Each output row is
// split into a horizontal interior, where every window lies inside the input
// columns and a row kernel runs without bounds tests (vectorised on amd64,
// unrolled in Go for 2×2 and 3×3 windows), and the border columns on either
// side, which a general loop clamps tap by tap. Windows cut by the top or
// bottom edge still use the row kernel, over the rows they keep.
//
// Max, Average and GlobalMax compute every output by the same float32
// operations whatever the tier (vector kernel or Go twin), and no result
// depends on how many planes a call covers, so callers may split planes
// over threads freely. GlobalAverage sums in the lanes of
// [elementwise.Sum], whose count depends on the tier.
package pool

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/sinter-ml/sinter/internal/cpu"
	"github.com/sinter-ml/sinter/kernels/elementwise"
)

// Geom is the geometry of a 2-D pooling of H×W input planes into OH×OW
// output planes: output (oh, ow) reads the KH×KW window whose top-left tap
// is input (oh·SH − PadT, ow·SW − PadL). Taps outside the input are
// skipped; PadB and PadR only matter for Average with includePad, which
// counts the taps inside the padded extent H+PadT+PadB by W+PadL+PadR.
// Dilation is always 1. Windows may reach past the padded extent (as
// ceil_mode makes them) or lie entirely in padding.
type Geom struct {
	H, W                   int // input plane
	OH, OW                 int // output plane
	KH, KW                 int // window
	SH, SW                 int // strides
	PadT, PadL, PadB, PadR int // pads: top, left, bottom, right
}

// maxDim bounds every field, so that the products the kernels form (such as
// OH·SH or H·W) cannot overflow an int: 2³¹ where int has 64 bits, 2¹⁵
// where it has 32.
const maxDim = 1 << (bits.UintSize/2 - 1)

// Validate reports whether g is a geometry the kernels accept: extents and
// pads in [0, maxDim), windows and strides in [1, maxDim), maxDim being 2³¹
// on 64-bit platforms.
func (g Geom) Validate() error {
	for _, v := range []int{g.H, g.W, g.OH, g.OW, g.PadT, g.PadL, g.PadB, g.PadR} {
		if v < 0 || v >= maxDim {
			return fmt.Errorf("pool: geometry %+v has an extent or pad out of range", g)
		}
	}
	for _, v := range []int{g.KH, g.KW, g.SH, g.SW} {
		if v < 1 || v >= maxDim {
			return fmt.Errorf("pool: geometry %+v has a window or stride out of range", g)
		}
	}
	return nil
}

// planes checks g and the buffers and returns the number of planes, which
// dst's length sets. It panics on misuse: an invalid g, a dst that is not a
// whole number of output planes, or a src shorter than that many input
// planes.
func (g Geom) planes(dst, src []float32) int {
	if err := g.Validate(); err != nil {
		panic(err)
	}
	o := g.OH * g.OW
	if o == 0 {
		if len(dst) != 0 {
			panic("pool: dst is not empty but the output plane is")
		}
		return 0
	}
	if len(dst)%o != 0 {
		panic(fmt.Sprintf("pool: len(dst) %d is not a multiple of the output plane %d×%d", len(dst), g.OH, g.OW))
	}
	p := len(dst) / o
	if i := g.H * g.W; i > 0 && len(src)/i < p {
		panic(fmt.Sprintf("pool: len(src) %d holds fewer than %d planes of %d×%d", len(src), p, g.H, g.W))
	}
	return p
}

// interior returns the output positions [lo, hi) along one axis whose
// window [o·s − pad, o·s − pad + k) lies inside [0, in); lo ≤ hi ≤ out.
func interior(in, out, k, s, pad int) (lo, hi int) {
	lo = min((pad+s-1)/s, out)
	if in+pad < k {
		return lo, lo
	}
	hi = min((in+pad-k)/s+1, out)
	return lo, max(lo, hi)
}

// rows returns the input rows [y0, y1) that the windows of output row oh
// keep, and the window's first row h0 (negative in top padding). y0 ≥ y1
// when the window holds no input row.
func (g *Geom) rows(oh int) (h0, y0, y1 int) {
	h0 = oh*g.SH - g.PadT
	return h0, max(h0, 0), min(h0+g.KH, g.H)
}

// Max sets each output to the maximum of its window's input taps, for as
// many planes as dst holds (src holds the same number of H×W planes, dst
// does not overlap src).
//
// The maximum follows ONNX MaxPool as ops/nn has always computed it: the
// window's first valid tap in row-major order, replaced by each later tap
// that compares greater. So an output is NaN exactly when that first tap is
// NaN (a later NaN never wins a comparison), of two equal zeros the earlier
// one is kept with its sign, and a window holding no input tap gives −Inf.
//
// It panics if g is invalid or the buffers do not fit it (see [Geom]).
func Max(g Geom, dst, src []float32) {
	n := g.planes(dst, src)
	if n == 0 {
		return
	}
	k := rowKernelsFor(cpu.Current(), g.SW)
	x0, x1 := interior(g.W, g.OW, g.KW, g.SW, g.PadL)
	I, O := g.H*g.W, g.OH*g.OW
	for p := range n {
		s, d := src[p*I:(p+1)*I], dst[p*O:(p+1)*O]
		g.eachRun(x0, x1, func(_, at, from int, r rect) { k.max(d[at:], s[from:], r) })
		for oh := range g.OH {
			out := d[oh*g.OW : (oh+1)*g.OW]
			h0, y0, y1 := g.rows(oh)
			if y0 >= y1 {
				fill(out, float32(math.Inf(-1)))
				continue
			}
			for ow := range x0 {
				out[ow] = g.maxAt(s, h0, ow)
			}
			for ow := x1; ow < g.OW; ow++ {
				out[ow] = g.maxAt(s, h0, ow)
			}
		}
	}
}

// eachRun calls f with the row-kernel rectangles covering the horizontal
// interior columns [x0, x1) of every output row whose window keeps an
// input row: the output rows whose windows lie inside the input in one
// rectangle, and each row cut by the top or bottom edge alone, keeping its
// rows. oh is the rectangle's first output row; at and from are the offsets
// in the output and input planes of its first output and first tap.
func (g *Geom) eachRun(x0, x1 int, f func(oh, at, from int, r rect)) {
	if x1 <= x0 {
		return
	}
	r := rect{n: x1 - x0, rows: 1, dstep: g.OW, sstep: g.SH * g.W, rs: g.W, kh: g.KH, kw: g.KW, sw: g.SW}
	col := x0*g.SW - g.PadL
	i0, i1 := interior(g.H, g.OH, g.KH, g.SH, g.PadT)
	for oh := 0; oh < g.OH; oh++ {
		if oh == i0 && i1 > i0 {
			inner := r
			inner.rows = i1 - i0
			f(i0, i0*g.OW+x0, (i0*g.SH-g.PadT)*g.W+col, inner)
			oh = i1 - 1
			continue
		}
		if _, y0, y1 := g.rows(oh); y0 < y1 {
			cut := r
			cut.kh = y1 - y0
			f(oh, oh*g.OW+x0, y0*g.W+col, cut)
		}
	}
}

// maxAt is Max's rule for the one window of output (row with first input
// row h0, column ow) over plane s, clamping each tap to the input.
func (g *Geom) maxAt(s []float32, h0, ow int) float32 {
	w0 := ow*g.SW - g.PadL
	y0, y1 := max(h0, 0), min(h0+g.KH, g.H)
	x0, x1 := max(w0, 0), min(w0+g.KW, g.W)
	if y0 >= y1 || x0 >= x1 {
		return float32(math.Inf(-1))
	}
	m := s[y0*g.W+x0]
	for y := y0; y < y1; y++ {
		for _, v := range s[y*g.W+x0 : y*g.W+x1] {
			if v > m {
				m = v
			}
		}
	}
	return m
}

// Average sets each output to the mean of its window, for as many planes as
// dst holds (src holds the same number of H×W planes, dst does not overlap
// src). The divisor is the number of taps inside the input, or with
// includePad (ONNX count_include_pad) the number inside the padded extent;
// taps past the padded extent, which ceil_mode can add, never count.
//
// The sum runs in float32 from +0 over the window's valid taps in row-major
// order and is then divided by the divisor, as ops/nn has always done: so a
// window with no input tap gives 0/0 = NaN, or 0 with includePad when it
// reaches into the padding.
//
// It panics if g is invalid or the buffers do not fit it (see [Geom]).
func Average(g Geom, dst, src []float32, includePad bool) {
	n := g.planes(dst, src)
	if n == 0 {
		return
	}
	k := rowKernelsFor(cpu.Current(), g.SW)
	x0, x1 := interior(g.W, g.OW, g.KW, g.SW, g.PadL)
	I, O := g.H*g.W, g.OH*g.OW
	for p := range n {
		s, d := src[p*I:(p+1)*I], dst[p*O:(p+1)*O]
		g.eachRun(x0, x1, func(oh, at, from int, r rect) {
			// Interior columns keep all KW taps and none past the padded
			// extent; the rows of one rectangle share their vertical cut.
			div := r.kh * g.KW
			if includePad {
				h0, _, _ := g.rows(oh)
				div = inPadded(h0, g.KH, g.H+g.PadB) * g.KW
			}
			k.avg(d[at:], s[from:], r, float32(div))
		})
		for oh := range g.OH {
			out := d[oh*g.OW : (oh+1)*g.OW]
			h0, y0, y1 := g.rows(oh)
			if y0 >= y1 {
				// No input row: every output is a border one.
				for ow := range out {
					out[ow] = g.avgAt(s, h0, ow, includePad)
				}
				continue
			}
			for ow := range x0 {
				out[ow] = g.avgAt(s, h0, ow, includePad)
			}
			for ow := x1; ow < g.OW; ow++ {
				out[ow] = g.avgAt(s, h0, ow, includePad)
			}
		}
	}
}

// inPadded counts the taps of a k-tap window starting at p0 that lie before
// end, the padded extent's end. Windows never start before the padded
// extent, so no tap is lost at that side.
func inPadded(p0, k, end int) int {
	return min(max(end-p0, 0), k)
}

// avgAt is Average's rule for the one window of output (row with first
// input row h0, column ow) over plane s.
func (g *Geom) avgAt(s []float32, h0, ow int, includePad bool) float32 {
	w0 := ow*g.SW - g.PadL
	y0, y1 := max(h0, 0), min(h0+g.KH, g.H)
	x0, x1 := max(w0, 0), min(w0+g.KW, g.W)
	var sum float32
	div := 0
	if y0 < y1 && x0 < x1 {
		for y := y0; y < y1; y++ {
			for _, v := range s[y*g.W+x0 : y*g.W+x1] {
				sum += v
			}
		}
		div = (y1 - y0) * (x1 - x0)
	}
	if includePad {
		div = inPadded(h0, g.KH, g.H+g.PadB) * inPadded(w0, g.KW, g.W+g.PadR)
	}
	return sum / float32(div)
}

func fill(x []float32, v float32) {
	for i := range x {
		x[i] = v
	}
}

// GlobalAverage returns the mean of the plane x (NaN when x is empty),
// summed in the lanes of [elementwise.Sum].
func GlobalAverage(x []float32) float32 {
	return elementwise.Mean(x)
}

// GlobalMax returns the maximum of the plane x by Max's rule with x as the
// window: x[0] replaced by each later element that compares greater. So the
// result is NaN exactly when x[0] is, of equal zeros the first is kept with
// its sign, and an empty x gives −Inf.
//
// The scan itself ignores NaNs and runs in independent lanes; the rule is
// restored afterwards from x[0] and, when the maximum is zero, from the
// first zero.
func GlobalMax(x []float32) float32 {
	if len(x) == 0 {
		return float32(math.Inf(-1))
	}
	if v := x[0]; v != v {
		return v
	}
	m := maxNoNaN(cpu.Current(), x)
	if m == 0 {
		for _, v := range x {
			if v == 0 {
				return v
			}
		}
	}
	return m
}
