// Package conv lowers 2-D convolutions (NCHW, float32) to kernels/gemm:
// 1×1 unit-stride convolutions are a plain GEMM on the input, k×k ones fold
// im2col into the packing of B (no full im2col buffer), depthwise ones (and
// those with a small channel multiplier) run a direct loop (depthwise.go),
// grouped ones one GEMM per group, and ConvTranspose is a GEMM followed by
// col2im.
//
// For image n and group g, the output block Y[n, g·OCg:(g+1)·OCg] (OCg × OH·OW)
// is W_g (OCg × Cg·KH·KW, the weights as stored) times the virtual im2col
// matrix of X[n, g·Cg:(g+1)·Cg] (Cg·KH·KW × OH·OW), plus bias per output
// channel, then the activation. Every output element is one GEMM element, so
// results do not depend on the thread count.
package conv

import (
	"errors"
	"fmt"
	"sync"

	"github.com/sinter-ml/sinter/kernels/elementwise"
	"github.com/sinter-ml/sinter/kernels/gemm"
	"github.com/sinter-ml/sinter/kernels/parallel"
)

// Params describe a 2-D convolution over NCHW tensors.
type Params struct {
	N, C, H, W             int // input
	OC, KH, KW             int // output channels, kernel size
	StrideH, StrideW       int // 0 means 1
	DilationH, DilationW   int // 0 means 1
	PadT, PadL, PadB, PadR int
	Group                  int // 0 means 1
}

// ErrParams reports an impossible convolution.
var ErrParams = errors.New("conv: invalid parameters")

func (p *Params) norm() {
	for _, v := range []*int{&p.StrideH, &p.StrideW, &p.DilationH, &p.DilationW, &p.Group} {
		if *v == 0 {
			*v = 1
		}
	}
}

// Validate checks the parameters (after defaulting zeros).
func (p *Params) Validate() error {
	p.norm()
	switch {
	case p.N < 0 || p.C <= 0 || p.H <= 0 || p.W <= 0 || p.OC <= 0 || p.KH <= 0 || p.KW <= 0:
		return fmt.Errorf("%w: non-positive size in %+v", ErrParams, *p)
	case p.StrideH < 0 || p.StrideW < 0 || p.DilationH < 0 || p.DilationW < 0:
		return fmt.Errorf("%w: negative stride or dilation", ErrParams)
	case p.PadT < 0 || p.PadL < 0 || p.PadB < 0 || p.PadR < 0:
		return fmt.Errorf("%w: negative padding", ErrParams)
	case p.Group < 1 || p.C%p.Group != 0 || p.OC%p.Group != 0:
		return fmt.Errorf("%w: group %d does not divide C=%d and OC=%d", ErrParams, p.Group, p.C, p.OC)
	case p.OutH() <= 0 || p.OutW() <= 0:
		return fmt.Errorf("%w: empty output", ErrParams)
	}
	return nil
}

// OutH is the output height.
func (p *Params) OutH() int {
	return (p.H+p.PadT+p.PadB-p.DilationH*(p.KH-1)-1)/p.StrideH + 1
}

// OutW is the output width.
func (p *Params) OutW() int {
	return (p.W+p.PadL+p.PadR-p.DilationW*(p.KW-1)-1)/p.StrideW + 1
}

// Options are the optional parts of a convolution.
type Options struct {
	Pool  *parallel.Pool // nil: parallel.Default()
	Act   gemm.Activation
	Alpha float32 // activation parameters, as gemm.Epilogue
	Beta  float32
	// Residual, if not nil, is added (before the activation): an N×OC×OH×OW tensor.
	Residual []float32
}

// Weights are a convolution's filters packed once for the GEMM kernel in
// force (one packed matrix per group), for reuse on every call.
type Weights struct {
	p      Params
	w      []float32 // as given (depthwise uses them directly)
	groups []*gemm.PackedA
}

// PackWeights packs w (OC×(C/Group)×KH×KW) for convolutions with shape p
// (only the channel, kernel and group fields matter).
func PackWeights(p Params, w []float32) (*Weights, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	cg, ocg := p.C/p.Group, p.OC/p.Group
	k := cg * p.KH * p.KW
	if len(w) < p.OC*k {
		return nil, fmt.Errorf("%w: w has %d elements, want %d", ErrParams, len(w), p.OC*k)
	}
	pw := &Weights{p: p, w: w}
	if !p.isDepthwise() {
		for g := range p.Group {
			pw.groups = append(pw.groups, gemm.PackA(false, ocg, k, 1, w[g*ocg*k:(g+1)*ocg*k], k))
		}
	}
	return pw, nil
}

// Conv2DPacked is Conv2D with weights from PackWeights; p must have the
// same channels, kernel size and groups as the packed weights.
func Conv2DPacked(o Options, p Params, x []float32, pw *Weights, bias, y []float32) error {
	if err := p.Validate(); err != nil {
		return err
	}
	q := pw.p
	if q.C != p.C || q.OC != p.OC || q.KH != p.KH || q.KW != p.KW || q.Group != p.Group {
		return fmt.Errorf("%w: weights packed for %+v, used with %+v", ErrParams, q, p)
	}
	return conv2D(o, p, x, pw.w, pw, bias, y)
}

// Conv2D computes y = act(conv(x, w) + bias + residual). x is N×C×H×W, w is
// OC×(C/Group)×KH×KW, bias is OC floats or nil, y is N×OC×OH×OW.
func Conv2D(o Options, p Params, x, w, bias, y []float32) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return conv2D(o, p, x, w, nil, bias, y)
}

func conv2D(o Options, p Params, x, w []float32, pw *Weights, bias, y []float32) error {
	if err := p.Validate(); err != nil {
		return err
	}
	oh, ow := p.OutH(), p.OutW()
	cg, ocg := p.C/p.Group, p.OC/p.Group
	k := cg * p.KH * p.KW
	switch {
	case len(x) < p.N*p.C*p.H*p.W:
		return fmt.Errorf("%w: x has %d elements, want %d", ErrParams, len(x), p.N*p.C*p.H*p.W)
	case len(w) < p.OC*k:
		return fmt.Errorf("%w: w has %d elements, want %d", ErrParams, len(w), p.OC*k)
	case bias != nil && len(bias) < p.OC:
		return fmt.Errorf("%w: bias has %d elements, want %d", ErrParams, len(bias), p.OC)
	case len(y) < p.N*p.OC*oh*ow:
		return fmt.Errorf("%w: y has %d elements, want %d", ErrParams, len(y), p.N*p.OC*oh*ow)
	case o.Residual != nil && len(o.Residual) < p.N*p.OC*oh*ow:
		return fmt.Errorf("%w: residual too short", ErrParams)
	}
	if p.isDepthwise() {
		depthwise(o, &p, x, w, bias, y)
		return nil
	}
	hw, ohw := p.H*p.W, oh*ow
	pointwise := p.KH == 1 && p.KW == 1 && p.StrideH == 1 && p.StrideW == 1 &&
		p.PadT == 0 && p.PadL == 0 && p.PadB == 0 && p.PadR == 0
	// Unit-stride k×k convolutions run on the padded grid (see padded).
	onGrid := !pointwise && p.StrideH == 1 && p.StrideW == 1
	for n := range p.N {
		for g := range p.Group {
			xg := x[(n*p.C+g*cg)*hw : (n*p.C+(g+1)*cg)*hw]
			yoff := (n*p.OC + g*ocg) * ohw
			yg := y[yoff : yoff+ocg*ohw]
			var res []float32
			if o.Residual != nil {
				res = o.Residual[yoff : yoff+ocg*ohw]
			}
			var biasg []float32
			if bias != nil {
				biasg = bias[g*ocg : (g+1)*ocg]
			}
			// mul computes c (ocg × n, row stride n) = W_g · B, B from src or,
			// when src is nil, xg itself (pointwise).
			wg := w[g*ocg*k : (g+1)*ocg*k]
			mul := func(ep *gemm.Epilogue, src gemm.BPacker, n int, c []float32) {
				go_ := gemm.Options{Pool: o.Pool, Epilogue: ep}
				switch {
				case pw != nil:
					gemm.SgemmPackedA(go_, pw.groups[g], false, n, xg, hw, src, 0, c, n)
				case src == nil:
					gemm.SgemmWith(go_, false, false, ocg, n, k, 1, wg, k, xg, hw, 0, c, n)
				default:
					gemm.SgemmSource(go_, false, ocg, n, k, 1, wg, k, src, 0, c, n)
				}
			}
			if onGrid {
				convOnGrid(o, &p, mul, xg, biasg, res, yg)
				continue
			}
			ep := &gemm.Epilogue{Bias: biasg, BiasPerRow: true, Act: o.Act, Alpha: o.Alpha, Beta: o.Beta}
			if res != nil {
				ep.Residual, ep.LDR = res, ohw
			}
			var src gemm.BPacker
			if !pointwise {
				src = &im2col{p: &p, x: xg, oh: oh, ow: ow}
			}
			mul(ep, src, ohw, yg)
		}
	}
	return nil
}

var gridPool = sync.Pool{New: func() any { return new([]float32) }}

// convOnGrid computes one image group of a unit-stride convolution on the
// padded grid: the input is copied once into zero-padded planes of width
// Wp = W+PadL+PadR, and the GEMM computes OH×Wp outputs per channel, so that
// im2col row (c, kh, kw) is the contiguous slice of the planes starting at
// c·Hp·Wp + kh·dh·Wp + kw·dw, and packing is plain copies. Columns OW..Wp−1 of
// each output row are discarded when the result is copied to y.
func convOnGrid(o Options, p *Params, mul func(*gemm.Epilogue, gemm.BPacker, int, []float32), xg, bias, res, yg []float32) {
	oh, ow := p.OutH(), p.OutW()
	hp, wp := p.H+p.PadT+p.PadB, p.W+p.PadL+p.PadR
	cg, ocg := p.C/p.Group, p.OC/p.Group
	plane := hp * wp
	tail := (p.KW - 1) * p.DilationW
	bufp := gridPool.Get().(*[]float32)
	defer gridPool.Put(bufp)
	need := cg*plane + tail + ocg*oh*wp
	if cap(*bufp) < need {
		*bufp = make([]float32, need)
	}
	buf := (*bufp)[:need]
	xp, yp := buf[:cg*plane+tail], buf[cg*plane+tail:]
	pool := o.Pool
	if pool == nil {
		pool = parallel.Default()
	}
	// Build the padded planes (and below, copy the result out) over the
	// pool in channel chunks: plain copies, so any split gives the same bytes.
	const chunkCh = 8
	clear(xp[cg*plane:])
	pool.Run(ceilDiv(cg, chunkCh), func(_, t int) {
		for c := t * chunkCh; c < min(cg, (t+1)*chunkCh); c++ {
			pl := xp[c*plane : (c+1)*plane]
			clear(pl[:p.PadT*wp])
			for i := range p.H {
				row := pl[(i+p.PadT)*wp : (i+p.PadT+1)*wp]
				clear(row[:p.PadL])
				copy(row[p.PadL:], xg[(c*p.H+i)*p.W:(c*p.H+i+1)*p.W])
				clear(row[p.PadL+p.W:])
			}
			clear(pl[(p.PadT+p.H)*wp:])
		}
	})
	ep := &gemm.Epilogue{Bias: bias, BiasPerRow: true}
	if res == nil {
		ep.Act, ep.Alpha, ep.Beta = o.Act, o.Alpha, o.Beta
	}
	src := &gridRows{p: p, xp: xp, plane: plane, wp: wp}
	mul(ep, src, oh*wp, yp)
	pool.Run(ceilDiv(ocg, chunkCh), func(_, t int) {
		for c := t * chunkCh; c < min(ocg, (t+1)*chunkCh); c++ {
			for i := range oh {
				copy(yg[(c*oh+i)*ow:(c*oh+i+1)*ow], yp[(c*oh+i)*wp:])
			}
		}
	})
	if res != nil {
		elementwise.Binary(elementwise.OpAdd, yg, yg, res)
		gemm.Activate(o.Act, o.Alpha, o.Beta, yg)
	}
}

// gridRows is the im2col matrix on the padded grid (see convOnGrid).
type gridRows struct {
	p         *Params
	xp        []float32
	plane, wp int
}

func (m *gridRows) PackB(dst []float32, p0, kc, j0, n, nr int) {
	p := m.p
	khw := p.KH * p.KW
	c, kk := p0/khw, p0%khw
	kh, kw := kk/p.KW, kk%p.KW
	for pp := range kc {
		src := m.xp[c*m.plane+kh*p.DilationH*m.wp+kw*p.DilationW+j0:]
		jr := 0
		if nr == 32 {
			for ; jr+32 <= n; jr += 32 {
				*(*[32]float32)(dst[jr*kc+pp*32:]) = *(*[32]float32)(src[jr:])
			}
		}
		for ; jr < n; jr += nr {
			w := min(nr, n-jr)
			row := dst[jr*kc+pp*nr : jr*kc+pp*nr+nr]
			copy(row, src[jr:jr+w])
			clear(row[w:])
		}
		if kw++; kw == p.KW {
			kw = 0
			if kh++; kh == p.KH {
				kh = 0
				c++
			}
		}
	}
}

// im2col is the virtual (Cg·KH·KW)×(OH·OW) matrix of one image group; row
// (c, kh, kw), column (oh, ow) holds x[c, oh·sh−padT+kh·dh, ow·sw−padL+kw·dw]
// or 0 outside the image.
type im2col struct {
	p      *Params
	x      []float32
	oh, ow int
}

func (m *im2col) PackB(dst []float32, p0, kc, j0, n, nr int) {
	p := m.p
	khw := p.KH * p.KW
	c, kk := p0/khw, p0%khw
	kh, kw := kk/p.KW, kk%p.KW
	oh0, ow0 := j0/m.ow, j0%m.ow
	// Row-major over the im2col rows: each row reads one input plane
	// sequentially and writes nr floats into every strip.
	for pp := range kc {
		oh, ow := oh0, ow0
		for jr := 0; jr < n; jr += nr {
			w := min(nr, n-jr)
			row := dst[jr*kc+pp*nr : jr*kc+pp*nr+nr]
			m.fill(row[:w], c, kh, kw, oh, ow)
			if w < nr {
				clear(row[w:])
			}
			for ow += nr; ow >= m.ow; ow -= m.ow {
				oh++
			}
		}
		if kw++; kw == p.KW {
			kw = 0
			if kh++; kh == p.KH {
				kh = 0
				c++
			}
		}
	}
}

// fill writes im2col row (c, kh, kw) at columns starting at output (oh, ow).
func (m *im2col) fill(out []float32, c, kh, kw, oh, ow int) {
	p := m.p
	xc := m.x[c*p.H*p.W : (c+1)*p.H*p.W]
	ih := oh*p.StrideH - p.PadT + kh*p.DilationH
	iw := ow*p.StrideW - p.PadL + kw*p.DilationW
	w := len(out)
	// Fast path: one output row, inside the image.
	if sw := p.StrideW; ow+w <= m.ow && uint(ih) < uint(p.H) && iw >= 0 && iw+(w-1)*sw < p.W {
		src := xc[ih*p.W+iw:]
		switch {
		case sw == 1 && w == 32:
			*(*[32]float32)(out) = *(*[32]float32)(src)
		case sw == 1:
			copyShort(out, src[:w])
		case sw == 2:
			src = src[:2*w-1]
			for t := range out {
				out[t] = src[2*t]
			}
		default:
			src = src[:(w-1)*sw+1]
			for t := range out {
				out[t] = src[t*sw]
			}
		}
		return
	}
	for j := 0; j < w; {
		// One run along an output row.
		run := min(w-j, m.ow-ow)
		ih := oh*p.StrideH - p.PadT + kh*p.DilationH
		seg := out[j : j+run]
		if ih < 0 || ih >= p.H {
			zeroShort(seg)
		} else {
			xr := xc[ih*p.W : ih*p.W+p.W]
			iw := ow*p.StrideW - p.PadL + kw*p.DilationW
			if p.StrideW == 1 {
				// Contiguous: zeros, a copy, zeros.
				lo := min(max(0, -iw), run)
				hi := max(lo, min(run, p.W-iw))
				zeroShort(seg[:lo])
				if hi > lo {
					copy(seg[lo:hi], xr[iw+lo:iw+hi])
				}
				zeroShort(seg[hi:])
			} else {
				// Strided: zeros, a gather of the columns inside, zeros.
				sw := p.StrideW
				lo := min(max(0, ceilDiv(-iw, sw)), run)
				hi := max(lo, min(run, ceilDiv(p.W-iw, sw)))
				zeroShort(seg[:lo])
				if hi > lo {
					src := xr[iw+lo*sw : iw+(hi-1)*sw+1]
					dst := seg[lo:hi]
					for t := range dst {
						dst[t] = src[t*sw]
					}
				}
				zeroShort(seg[hi:])
			}
		}
		j += run
		ow += run
		if ow == m.ow {
			ow = 0
			oh++
		}
	}
}

// copyShort and zeroShort are copy and clear for the short runs of im2col
// packing, where a call to memmove costs more than the loop.
func copyShort(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = v
	}
}

func zeroShort(dst []float32) {
	for i := range dst {
		dst[i] = 0
	}
}

func ceilDiv(a, b int) int {
	if a <= 0 {
		return -((-a) / b)
	}
	return (a + b - 1) / b
}
