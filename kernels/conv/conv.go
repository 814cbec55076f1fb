// Package conv lowers 2-D convolutions (NCHW, float32) to kernels/gemm:
// depthwise ones (and those with a small channel multiplier) run a direct
// loop (depthwise.go), grouped ones one GEMM per group, ConvTranspose is a
// GEMM followed by col2im, and the rest take one of the forms of lower.go,
// chosen by shape so that the GEMM's tiles are mostly filled:
//
//   - output-channel-major, per image and group: the output block
//     Y[n, g·OCg:(g+1)·OCg] (OCg × OH·OW) is W_g (OCg × Cg·KH·KW, the weights
//     as stored) times the im2col matrix of X[n, g·Cg:(g+1)·Cg]
//     (Cg·KH·KW × OH·OW), which is X itself for a 1×1 unit-stride
//     convolution and is otherwise packed on demand (never stored whole):
//     from X directly (im2col.go), or from the zero-padded input split by
//     stride phase (grid.go), where every im2col row is a run of one plane;
//   - swapped, for small output planes: per group, the columns of Yᵀ
//     (N·OH·OW × OC) for the group's channels are col_gᵀ·W_gᵀ over all
//     images, with the weights as the packed B operand; then Yᵀ is
//     transposed into Y.
//
// The bias per output channel, residual and activation follow the sum. In
// every form each output element is one GEMM element summed over the im2col
// rows in the same order, so with the same GEMM kernel the forms agree bit
// for bit, and results do not depend on the thread count.
package conv

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

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
// force, for reuse on every call: per group, W_g as the A operand (the
// output-channel-major forms) and W_gᵀ as the B operand (the swapped form,
// see lower.go), each packed when a call first needs it.
type Weights struct {
	p       Params
	w       []float32 // as given (depthwise uses them directly)
	mu      sync.Mutex
	normal  atomic.Pointer[[]*gemm.PackedA]
	swapped atomic.Pointer[[]*gemm.PackedB]
}

// PackWeights packs w (OC×(C/Group)×KH×KW) for convolutions with shape p:
// the channel, kernel and group fields fix the weights, and the rest of the
// geometry picks the operand layout packed now (a call with a geometry
// that needs the other layout packs it then, once).
func PackWeights(p Params, w []float32) (*Weights, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	k := p.C / p.Group * p.KH * p.KW
	if len(w) < p.OC*k {
		return nil, fmt.Errorf("%w: w has %d elements, want %d", ErrParams, len(w), p.OC*k)
	}
	pw := &Weights{p: p, w: w}
	if !p.isDepthwise() {
		if lower(&p).form == formSwapped {
			pw.swappedPacks()
		} else {
			pw.normalPacks()
		}
	}
	return pw, nil
}

// normalPacks returns W_g packed as gemm's A operand, one per group.
func (pw *Weights) normalPacks() []*gemm.PackedA {
	if v := pw.normal.Load(); v != nil {
		return *v
	}
	pw.mu.Lock()
	defer pw.mu.Unlock()
	if v := pw.normal.Load(); v != nil {
		return *v
	}
	p := &pw.p
	ocg, k := p.OC/p.Group, p.C/p.Group*p.KH*p.KW
	packs := make([]*gemm.PackedA, p.Group)
	for g := range packs {
		packs[g] = gemm.PackA(false, ocg, k, 1, pw.w[g*ocg*k:(g+1)*ocg*k], k)
	}
	pw.normal.Store(&packs)
	return packs
}

// swappedPacks returns W_gᵀ packed as gemm's B operand, one per group.
func (pw *Weights) swappedPacks() []*gemm.PackedB {
	if v := pw.swapped.Load(); v != nil {
		return *v
	}
	pw.mu.Lock()
	defer pw.mu.Unlock()
	if v := pw.swapped.Load(); v != nil {
		return *v
	}
	p := &pw.p
	ocg, k := p.OC/p.Group, p.C/p.Group*p.KH*p.KW
	packs := make([]*gemm.PackedB, p.Group)
	for g := range packs {
		packs[g] = gemm.PackB(true, k, ocg, pw.w[g*ocg*k:(g+1)*ocg*k], k)
	}
	pw.swapped.Store(&packs)
	return packs
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
	k := p.C / p.Group * p.KH * p.KW
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
	c := callPool.Get()
	defer c.release()
	c.run(o, &p, x, w, pw, bias, y)
	return nil
}

func ceilDiv(a, b int) int {
	if a <= 0 {
		return -((-a) / b)
	}
	return (a + b - 1) / b
}
