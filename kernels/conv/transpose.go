package conv

import (
	"fmt"

	"github.com/sinter-ml/sinter/internal/freelist"
	"github.com/sinter-ml/sinter/kernels/gemm"
	"github.com/sinter-ml/sinter/kernels/parallel"
)

// TransposeParams describe a 2-D transposed convolution (ONNX ConvTranspose)
// over NCHW tensors: x is N×C×H×W, w is C×(OC/Group)×KH×KW, y is N×OC×OH×OW
// with OH = (H−1)·StrideH − PadT − PadB + DilationH·(KH−1) + 1 + OutPadH.
type TransposeParams struct {
	Params
	OutPadH, OutPadW int
}

// OutH is the output height.
func (p *TransposeParams) OutH() int {
	return (p.H-1)*p.StrideH - p.PadT - p.PadB + p.DilationH*(p.KH-1) + 1 + p.OutPadH
}

// OutW is the output width.
func (p *TransposeParams) OutW() int {
	return (p.W-1)*p.StrideW - p.PadL - p.PadR + p.DilationW*(p.KW-1) + 1 + p.OutPadW
}

// validate checks p (normalised) and the lengths of the buffers of a call
// (w's unless it is packed, tw).
func (p *TransposeParams) validate(o *Options, x, w []float32, tw *TransposeWeights, bias, y []float32) error {
	if p.N < 0 || p.C <= 0 || p.H <= 0 || p.W <= 0 || p.OC <= 0 || p.KH <= 0 || p.KW <= 0 ||
		p.Group < 1 || p.C%p.Group != 0 || p.OC%p.Group != 0 || p.OutPadH < 0 || p.OutPadW < 0 ||
		p.PadT < 0 || p.PadL < 0 || p.PadB < 0 || p.PadR < 0 || p.StrideH < 1 || p.StrideW < 1 ||
		p.DilationH < 1 || p.DilationW < 1 {
		return fmt.Errorf("%w: %+v", ErrParams, *p)
	}
	oh, ow := p.OutH(), p.OutW()
	if oh <= 0 || ow <= 0 {
		return fmt.Errorf("%w: empty output", ErrParams)
	}
	ohw := oh * ow
	switch {
	case len(x) < p.N*p.C*p.H*p.W, tw == nil && len(w) < p.C*p.OC/p.Group*p.KH*p.KW, bias != nil && len(bias) < p.OC,
		len(y) < p.N*p.OC*ohw, o.Residual != nil && len(o.Residual) < p.N*p.OC*ohw:
		return fmt.Errorf("%w: a buffer is too short", ErrParams)
	}
	return nil
}

// TransposeWeights are a ConvTranspose's filters packed once as gemm's A
// operand for the kernel in force: per group g, W_gᵀ (OCg·KH·KW × Cg),
// the left factor of the column GEMM. A call with them repacks nothing.
// Immutable and safe to share; they fix C, OC, KH, KW and Group, and any
// spatial geometry may use them.
type TransposeWeights struct {
	c, oc, kh, kw, group int
	packs                []*gemm.PackedA
}

// PackTransposeWeights packs w (C×(OC/Group)×KH×KW) for transposed
// convolutions with p's channels, kernel size and groups (the rest of p is
// not read).
func PackTransposeWeights(p TransposeParams, w []float32) (*TransposeWeights, error) {
	p.norm()
	if p.C <= 0 || p.OC <= 0 || p.KH <= 0 || p.KW <= 0 || p.Group < 1 || p.C%p.Group != 0 || p.OC%p.Group != 0 {
		return nil, fmt.Errorf("%w: %+v", ErrParams, p)
	}
	cg, rows := p.C/p.Group, p.OC/p.Group*p.KH*p.KW
	if len(w) < p.C*rows {
		return nil, fmt.Errorf("%w: w has %d elements, want %d", ErrParams, len(w), p.C*rows)
	}
	tw := &TransposeWeights{c: p.C, oc: p.OC, kh: p.KH, kw: p.KW, group: p.Group, packs: make([]*gemm.PackedA, p.Group)}
	for g := range tw.packs {
		// W_g is Cg×rows as stored; its transpose is the A operand.
		tw.packs[g] = gemm.PackA(true, rows, cg, 1, w[g*cg*rows:(g+1)*cg*rows], rows)
	}
	return tw, nil
}

// colsPool holds the column buffers of calls: one group's GEMM result,
// OCg·KH·KW rows of H·W. A buffer too small for a call is replaced by one
// of the call's size, so with the geometries of a model repeating, the
// buffers in the pool end up large enough for all of them and steady-state
// calls allocate nothing.
var colsPool freelist.List[[]float32]

// ConvTranspose computes y = act(convT(x, w) + bias + residual): per image
// and group, cols = W_gᵀ·X_g (a GEMM), then col2im adds each column into the
// output window it came from.
//
// y need not be zeroed: every element of it is written, starting from its
// channel's bias (or zero). Each output element is its bias, plus the
// column elements that land on it in (kh, kw) order, plus the residual,
// then activated: the same operations whatever the pool, so results do
// not depend on the thread count. With a warm pool a call allocates
// nothing.
func ConvTranspose(o Options, p TransposeParams, x, w, bias, y []float32) error {
	return convTranspose(o, p, x, w, nil, bias, y)
}

// ConvTransposePacked is ConvTranspose with weights from
// PackTransposeWeights, for the same channels, kernel size and groups as
// p; its results are bit for bit ConvTranspose's with the weights
// unpacked.
func ConvTransposePacked(o Options, p TransposeParams, x []float32, tw *TransposeWeights, bias, y []float32) error {
	if tw == nil {
		return fmt.Errorf("%w: no weights", ErrParams)
	}
	return convTranspose(o, p, x, nil, tw, bias, y)
}

// convTranspose runs ConvTranspose with the weights as given (w) or
// packed (tw, not nil).
func convTranspose(o Options, p TransposeParams, x, w []float32, tw *TransposeWeights, bias, y []float32) error {
	p.norm()
	if tw != nil {
		if tw.c != p.C || tw.oc != p.OC || tw.kh != p.KH || tw.kw != p.KW || tw.group != p.Group {
			return fmt.Errorf("%w: weights packed for C=%d OC=%d %d×%d group %d, used with %+v",
				ErrParams, tw.c, tw.oc, tw.kh, tw.kw, tw.group, p)
		}
	}
	if err := p.validate(&o, x, w, tw, bias, y); err != nil {
		return err
	}
	t := transposeCalls.Get()
	defer t.release()
	t.p, t.oh, t.ow = p, p.OutH(), p.OutW()
	t.setSpans()
	t.act, t.alpha, t.beta = o.Act, o.Alpha, o.Beta
	pool := o.Pool
	if pool == nil {
		pool = parallel.Default()
	}
	cg, ocg := p.C/p.Group, p.OC/p.Group
	hw, ohw := p.H*p.W, t.oh*t.ow
	rows := ocg * p.KH * p.KW
	bufp := colsPool.Get()
	defer colsPool.Put(bufp)
	if cap(*bufp) < rows*hw {
		*bufp = make([]float32, rows*hw)
	}
	t.cols = (*bufp)[:rows*hw]
	gopt := gemm.Options{Pool: pool}
	for n := range p.N {
		for g := range p.Group {
			xg := x[(n*p.C+g*cg)*hw : (n*p.C+(g+1)*cg)*hw]
			if tw != nil {
				gemm.SgemmPackedA(gopt, tw.packs[g], false, hw, xg, hw, nil, 0, t.cols, hw)
			} else {
				wg := w[g*cg*rows : (g+1)*cg*rows]
				gemm.SgemmWith(gopt, true, false, rows, hw, cg, 1, wg, rows, xg, hw, 0, t.cols, hw)
			}
			yoff := (n*p.OC + g*ocg) * ohw
			t.y = y[yoff : yoff+ocg*ohw]
			t.bias, t.res = nil, nil
			if bias != nil {
				t.bias = bias[g*ocg : (g+1)*ocg]
			}
			if o.Residual != nil {
				t.res = o.Residual[yoff : yoff+ocg*ohw]
			}
			pool.RunTask(ocg, t)
		}
	}
	return nil
}

// transposeCall is one ConvTranspose call's col2im for an image and
// group, as a parallel.Task: task oc is output channel oc of the group.
// (Splitting a channel's rows over threads as well was measured to lose
// on the one-channel head of a detector, 320×320: the hand-off costs more
// than the 0.1 ms of adds.) Pooled so that a call allocates nothing (a
// closure handed to the pool would be allocated per call).
type transposeCall struct {
	p            TransposeParams // normalised
	oh, ow       int
	act          gemm.Activation
	alpha, beta  float32
	cols         []float32 // the group's GEMM result: OCg·KH·KW rows of H·W
	y, res, bias []float32 // the group's output channels, their residual (or nil), bias (or nil)
	// spans[kw] are the input columns [iw0, iw1) whose tap kw lands inside
	// an output row, the first at output column ox (the rest sw apart).
	spans []colSpan
	// store: on every output row that some tap lands on, exactly one
	// (kh, ih) lands, and its taps kw cover the row's columns once each,
	// so the row is bias + that one column element everywhere and is
	// stored in one pass.
	store bool
}

// colSpan is where one tap column kw of an input row lands in an output
// row: input columns [iw0, iw1), the first at output column ox.
type colSpan struct{ iw0, iw1, ox int }

var transposeCalls freelist.List[transposeCall]

// setSpans fills t.spans and t.store for t.p (normalised), t.ow.
func (t *transposeCall) setSpans() {
	p := &t.p
	t.spans = t.spans[:0]
	n := 0
	for kw := range p.KW {
		// Input column iw lands on output column iw·sw + kw·dw − padL.
		off := kw*p.DilationW - p.PadL
		s := colSpan{iw0: max(0, ceilDiv(-off, p.StrideW)), iw1: min(p.W, ceilDiv(t.ow-off, p.StrideW))}
		s.iw1 = max(s.iw0, s.iw1)
		s.ox = s.iw0*p.StrideW + off
		t.spans = append(t.spans, s)
		n += s.iw1 - s.iw0
	}
	// The taps of one axis land on distinct outputs when their offsets
	// t·d (t < K) are all below the stride; then a row (column) gets at
	// most one, and n positions landed on means n distinct columns.
	disjointH := (p.KH-1)*p.DilationH < p.StrideH
	disjointW := (p.KW-1)*p.DilationW < p.StrideW
	t.store = disjointH && disjointW && n == t.ow
}

// release drops the call's references to the caller's data and returns it
// to transposeCalls (keeping the spans' storage).
func (t *transposeCall) release() {
	*t = transposeCall{spans: t.spans[:0]}
	transposeCalls.Put(t)
}

// Run computes the group's output channel oc.
func (t *transposeCall) Run(_, oc int) {
	t.col2im(oc)
}

// col2im writes the group's output channel oc a row at a time, so that
// the row stays in L1 while its taps land: each element is the bias, plus
// every column element whose tap lands on it in (kh, kw) order (a tap
// lands at most once on an element), plus the residual, activated. Where
// the geometry gives each element at most one tap (t.store), bias +
// element is stored directly: the same single addition, in one pass
// instead of a fill and a read-modify-write.
func (t *transposeCall) col2im(oc int) {
	p := &t.p
	ow, W, hw, kk := t.ow, p.W, p.H*p.W, p.KH*p.KW
	sh, sw, dh := p.StrideH, p.StrideW, p.DilationH
	yc := t.y[oc*t.oh*ow : (oc+1)*t.oh*ow]
	cols := t.cols[oc*kk*hw : (oc+1)*kk*hw]
	var b float32
	if t.bias != nil {
		b = t.bias[oc]
	}
	for oy := range t.oh {
		yr := yc[oy*ow : (oy+1)*ow]
		filled := false // yr holds the bias
		for kh := range p.KH {
			// Input row ih lands here through tap kh when
			// ih·sh + kh·dh − padT = oy.
			r := oy + p.PadT - kh*dh
			if r < 0 {
				break
			}
			ih := r / sh
			if r%sh != 0 || ih >= p.H {
				continue
			}
			src := cols[kh*p.KW*hw+ih*W:]
			if t.store {
				for kw, s := range t.spans {
					storeStrided(yr, s.ox, sw, src[kw*hw+s.iw0:kw*hw+s.iw1], b)
				}
				filled = true
				break
			}
			if !filled {
				fillRun(yr, b)
				filled = true
			}
			for kw, s := range t.spans {
				addStrided(yr, s.ox, sw, src[kw*hw+s.iw0:kw*hw+s.iw1])
			}
		}
		if !filled {
			fillRun(yr, b)
		}
	}
	if t.res != nil {
		res := t.res[oc*t.oh*ow : (oc+1)*t.oh*ow]
		for i := range yc {
			yc[i] += res[i]
		}
	}
	gemm.Activate(t.act, t.alpha, t.beta, yc)
}

// fillRun sets every element of y to v.
func fillRun(y []float32, v float32) {
	for i := range y {
		y[i] = v
	}
}

// addStrided adds src[i] to y[ox + i·sw].
func addStrided(y []float32, ox, sw int, src []float32) {
	if len(src) == 0 {
		return
	}
	switch sw {
	case 1:
		y = y[ox : ox+len(src)]
		for i, v := range src {
			y[i] += v
		}
	case 2:
		y = y[ox : ox+2*len(src)-1]
		for i, v := range src {
			y[2*i] += v
		}
	default:
		y = y[ox : ox+(len(src)-1)*sw+1]
		for i, v := range src {
			y[i*sw] += v
		}
	}
}

// storeStrided sets y[ox + i·sw] to b + src[i].
func storeStrided(y []float32, ox, sw int, src []float32, b float32) {
	if len(src) == 0 {
		return
	}
	switch sw {
	case 1:
		y = y[ox : ox+len(src)]
		for i, v := range src {
			y[i] = b + v
		}
	case 2:
		y = y[ox : ox+2*len(src)-1]
		for i, v := range src {
			y[2*i] = b + v
		}
	default:
		y = y[ox : ox+(len(src)-1)*sw+1]
		for i, v := range src {
			y[i*sw] = b + v
		}
	}
}
