// Package conv lowers 2-D convolutions (NCHW, float32) to kernels/gemm:
// 1×1 unit-stride convolutions are a plain GEMM on the input, k×k ones fold
// im2col into the packing of B (no full im2col buffer), depthwise ones run a
// direct loop, grouped ones one GEMM per group, and ConvTranspose is a GEMM
// followed by col2im.
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

// Conv2D computes y = act(conv(x, w) + bias + residual). x is N×C×H×W, w is
// OC×(C/Group)×KH×KW, bias is OC floats or nil, y is N×OC×OH×OW.
func Conv2D(o Options, p Params, x, w, bias, y []float32) error {
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
	if p.Group == p.C && cg == 1 && ocg == 1 {
		depthwise(o, &p, x, w, bias, y)
		return nil
	}
	hw, ohw := p.H*p.W, oh*ow
	pointwise := p.KH == 1 && p.KW == 1 && p.StrideH == 1 && p.StrideW == 1 &&
		p.PadT == 0 && p.PadL == 0 && p.PadB == 0 && p.PadR == 0
	for n := range p.N {
		for g := range p.Group {
			xg := x[(n*p.C+g*cg)*hw : (n*p.C+(g+1)*cg)*hw]
			yoff := (n*p.OC + g*ocg) * ohw
			yg := y[yoff : yoff+ocg*ohw]
			ep := &gemm.Epilogue{BiasPerRow: true, Act: o.Act, Alpha: o.Alpha, Beta: o.Beta}
			if bias != nil {
				ep.Bias = bias[g*ocg : (g+1)*ocg]
			}
			if o.Residual != nil {
				ep.Residual, ep.LDR = o.Residual[yoff:yoff+ocg*ohw], ohw
			}
			go_ := gemm.Options{Pool: o.Pool, Epilogue: ep}
			wg := w[g*ocg*k : (g+1)*ocg*k]
			if pointwise {
				gemm.SgemmWith(go_, false, false, ocg, ohw, k, 1, wg, k, xg, hw, 0, yg, ohw)
				continue
			}
			src := &im2col{p: &p, x: xg, oh: oh, ow: ow}
			gemm.SgemmSource(go_, false, ocg, ohw, k, 1, wg, k, src, 0, yg, ohw)
		}
	}
	return nil
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
	for jr := 0; jr < n; jr += nr {
		w := min(nr, n-jr)
		d := dst[jr*kc : jr*kc+kc*nr]
		oh0, ow0 := (j0+jr)/m.ow, (j0+jr)%m.ow
		for pp := range kc {
			r := p0 + pp
			c, kk := r/khw, r%khw
			kh, kw := kk/p.KW, kk%p.KW
			row := d[pp*nr : pp*nr+nr]
			xc := m.x[c*p.H*p.W : (c+1)*p.H*p.W]
			oh, ow := oh0, ow0
			for j := 0; j < w; {
				// One run along an output row.
				run := min(w-j, m.ow-ow)
				ih := oh*p.StrideH - p.PadT + kh*p.DilationH
				out := row[j : j+run]
				if ih < 0 || ih >= p.H {
					clear(out)
				} else {
					xr := xc[ih*p.W : ih*p.W+p.W]
					iw := ow*p.StrideW - p.PadL + kw*p.DilationW
					if p.StrideW == 1 {
						// Contiguous: zeros, a copy, zeros.
						lo := min(max(0, -iw), run)
						hi := max(lo, min(run, p.W-iw))
						clear(out[:lo])
						if hi > lo {
							copy(out[lo:hi], xr[iw+lo:iw+hi])
						}
						clear(out[hi:])
					} else {
						for t := range out {
							if v := iw + t*p.StrideW; uint(v) < uint(p.W) {
								out[t] = xr[v]
							} else {
								out[t] = 0
							}
						}
					}
				}
				j += run
				ow += run
				if ow == m.ow {
					ow = 0
					oh++
				}
			}
			clear(row[w:])
		}
	}
}

// depthwise handles Group == C == OC: one KH×KW filter per channel, computed
// directly (a GEMM with one row would waste the micro-kernel). Channels are
// split over the pool.
func depthwise(o Options, p *Params, x, w, bias, y []float32) {
	oh, ow := p.OutH(), p.OutW()
	hw, ohw := p.H*p.W, oh*ow
	pool := o.Pool
	if pool == nil {
		pool = parallel.Default()
	}
	pool.Run(p.N*p.C, func(_, t int) {
		n, c := t/p.C, t%p.C
		xc := x[(n*p.C+c)*hw : (n*p.C+c+1)*hw]
		yc := y[(n*p.C+c)*ohw : (n*p.C+c+1)*ohw]
		wc := w[c*p.KH*p.KW : (c+1)*p.KH*p.KW]
		var b float32
		if bias != nil {
			b = bias[c]
		}
		clear(yc)
		for kh := range p.KH {
			for kw := range p.KW {
				wv := wc[kh*p.KW+kw]
				for i := range oh {
					ih := i*p.StrideH - p.PadT + kh*p.DilationH
					if ih < 0 || ih >= p.H {
						continue
					}
					xr := xc[ih*p.W : (ih+1)*p.W]
					yr := yc[i*ow : (i+1)*ow]
					iw0 := -p.PadL + kw*p.DilationW
					// Columns whose input lies inside the row.
					lo := max(0, ceilDiv(-iw0, p.StrideW))
					hi := min(ow, ceilDiv(p.W-iw0, p.StrideW))
					if hi <= lo {
						continue
					}
					if p.StrideW == 1 {
						xs := xr[iw0+lo : iw0+hi]
						ys := yr[lo:hi]
						for t, v := range xs {
							ys[t] += wv * v
						}
						continue
					}
					for j := lo; j < hi; j++ {
						yr[j] += wv * xr[iw0+j*p.StrideW]
					}
				}
			}
		}
		for i := range yc {
			yc[i] += b
		}
		if o.Residual != nil {
			res := o.Residual[(n*p.C+c)*ohw : (n*p.C+c+1)*ohw]
			for i := range yc {
				yc[i] += res[i]
			}
		}
		gemm.Activate(o.Act, o.Alpha, o.Beta, yc)
	})
}

func ceilDiv(a, b int) int {
	if a <= 0 {
		return -((-a) / b)
	}
	return (a + b - 1) / b
}
