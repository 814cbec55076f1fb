package conv

import (
	"sync/atomic"

	"github.com/sinter-ml/sinter/internal/freelist"
	"github.com/sinter-ml/sinter/kernels/elementwise"
	"github.com/sinter-ml/sinter/kernels/gemm"
	"github.com/sinter-ml/sinter/kernels/parallel"
)

// form is a lowering of a (non-depthwise) convolution to kernels/gemm.
//
// In every form each output element is one GEMM element whose sum runs over
// the im2col rows (c, kh, kw) in the same order, and gemm computes an element
// by the same chain of fused multiply-adds whichever operand it sits in, so
// all forms give the same bits (for the same GEMM kernel).
type form uint8

const (
	formAuto form = iota // chosen by lower
	// formDirect is a 1×1 unit-stride unpadded convolution: per image
	// group, Y = W·X with X read as B.
	formDirect
	// formIm2col is Y = W·col per image group, col packed on demand from X
	// (im2col.PackB).
	formIm2col
	// formGrid is Y' = W·col' per image group, col' the im2col matrix over
	// the grid columns, read from the phase planes (grid, gridRows); the
	// unused columns of Y' are dropped when it is copied to Y.
	formGrid
	// formPlanes is Y = W·col per image group, col packed from the phase
	// planes in runs of OW (planeRows): the grid's cheap packing without
	// its unused columns.
	formPlanes
	// formSwapped is, per group, Yᵀ = colᵀ·Wᵀ over all images at once (col
	// built from the phase planes, the weights as the packed B operand),
	// then transposed into Y. For small output planes: the GEMM's N is then
	// the number of output channels rather than OH·OW.
	formSwapped
)

// testForm, when not formAuto, is the form lower picks wherever it is
// possible (tests run every case in every form).
var testForm form

// pointwise reports whether p is a 1×1 unit-stride unpadded convolution.
func (p *Params) pointwise() bool {
	return p.KH == 1 && p.KW == 1 && p.StrideH == 1 && p.StrideW == 1 &&
		p.PadT == 0 && p.PadL == 0 && p.PadB == 0 && p.PadR == 0
}

// lowering is a form with the grid whose planes it reads (formGrid,
// formPlanes, formSwapped).
type lowering struct {
	form form
	g    grid
}

// Costs of the forms' data movement per step of K, in units of the
// micro-kernel's work for one tile lane over one step of K (one fused
// multiply-add lane); fitted to the ResNet layers of the benchmarks with
// the AVX-512 12×32 kernel on a Zen 4 core.
const (
	// costGridElem is gridRows' packing per grid column: whole strips
	// copied.
	costGridElem = 4
	// costPlanesElem is planeRows' packing per column, plus costPlanesRun
	// per run of OW floats when runs fill strips exactly (OW divides the
	// tile width or is a multiple of it), else costPlanesSplitRun.
	costPlanesElem     = 4
	costPlanesRun      = 150
	costPlanesSplitRun = 450
	// costSwappedElem is the swapped form's per row of its GEMM: building
	// col, gemm packing it as A, and the transposition of the result.
	costSwappedElem = 45
)

// lower chooses the form of p (normalised, not depthwise) for the GEMM
// kernel in force. The choice depends on the shape and the kernel's tile
// only, never on the thread count.
//
// Each form's cost per step of K is its tile lanes plus its data movement
// (the cost constants). Lanes are rows times columns rounded up to the tile
// width nr, with rows rounded up to half the tile height mr, as a partial
// row panel runs a narrower micro-kernel at a lower rate: OCg rows and, per
// image, OH·OW columns (OH·wq on the grid) in the output-channel-major
// forms; N·OH·OW rows and OCg columns in the swapped form. The cheapest form
// wins; on a tie the output-channel-major forms, then planes over grid. A
// strided or padded 1×1 convolution takes im2col rather than the planes
// (costed as the planes), and a stride above maxGridStride im2col always.
func lower(p *Params) lowering {
	var l lowering
	g, gridOK := newGrid(p)
	l.g = g
	if testForm != formAuto {
		l.form = testForm
		switch {
		case testForm == formDirect && !p.pointwise(), testForm >= formGrid && !gridOK:
			l.form = formIm2col
		}
		return l
	}
	mr, nr := tileShape()
	rows := func(m int) int { return roundUp(m, max(1, mr/2)) }
	oh, ow, ocg := p.OutH(), p.OutW(), p.OC/p.Group
	ohw := oh * ow
	cost := rows(ocg) * roundUp(ohw, nr)
	planes := costPlanesElem*ohw + costPlanesSplitRun*oh
	if nr%ow == 0 || ow%nr == 0 {
		planes = costPlanesElem*ohw + costPlanesRun*oh
	}
	switch {
	case p.pointwise():
		l.form = formDirect
	case !gridOK:
		l.form = formIm2col
		return l
	case p.KH == 1 && p.KW == 1:
		// im2col reads each input element once; the planes would copy
		// them all before packing.
		l.form = formIm2col
		cost += planes
	default:
		l.form = formPlanes
		cost += planes
		if gc := rows(ocg)*roundUp(g.cols(), nr) + costGridElem*g.cols(); gc < cost {
			l.form, cost = formGrid, gc
		}
	}
	m := p.N * ohw
	if rows(m)*roundUp(ocg, nr)+costSwappedElem*m < p.N*cost {
		l.form = formSwapped
	}
	return l
}

func roundUp(a, b int) int { return ceilDiv(a, b) * b }

// tileInfo is a GEMM kernel's tile shape, keyed by the kernel's name.
type tileInfo struct {
	name   string
	mr, nr int
}

var lastTile atomic.Pointer[tileInfo]

// tileShape returns the micro-tile (mr×nr) of the GEMM kernel in force, read
// from the "MRxNR" at the end of gemm.KernelName ("avx512-12x32",
// "go4x8"); 8×8 if the name does not end so.
func tileShape() (mr, nr int) {
	name := gemm.KernelName()
	if t := lastTile.Load(); t != nil && t.name == name {
		return t.mr, t.nr
	}
	t := &tileInfo{name: name, mr: 8, nr: 8}
	if m, n, ok := parseTile(name); ok {
		t.mr, t.nr = m, n
	}
	lastTile.Store(t)
	return t.mr, t.nr
}

// parseTile reads the "MRxNR" that ends a kernel name.
func parseTile(name string) (mr, nr int, ok bool) {
	i := len(name)
	num := func() (int, bool) {
		v, scale, j := 0, 1, i
		for ; j > 0 && name[j-1] >= '0' && name[j-1] <= '9' && scale <= 1e6; j-- {
			v += int(name[j-1]-'0') * scale
			scale *= 10
		}
		ok := j < i
		i = j
		return v, ok && v > 0
	}
	nr, okN := num()
	if !okN || i == 0 || name[i-1] != 'x' {
		return 0, 0, false
	}
	i--
	mr, okM := num()
	return mr, nr, okM
}

// Chunks of the copying stages (channels, or im2col rows for stageCols).
const (
	chunkCh   = 8
	chunkRows = 32
)

// stage is a copying step of a call, run over the pool (call.Run).
type stage uint8

const (
	// stagePlanes builds channel t's grid planes from src (channel t at
	// src[t·H·W:]) at dst[t·cstride:].
	stagePlanes stage = iota
	// stageCols copies im2col rows for image n of the swapped form from
	// the planes src into col = dst (row r at dst[r·lda+n·OH·OW:]).
	stageCols
	// stageCrop copies the output channels of the grid form from src (row
	// oh of channel c at src[(c·OH+oh)·wq:]) to dst.
	stageCrop
	// stageFinish adds the residual res to the output channels dst of the
	// output-channel-major forms and applies the activation.
	stageFinish
	// stageScatter transposes the swapped form's Yᵀ (src, N·OH·OW × OC)
	// into y, then adds the residual and applies the activation when there
	// is one.
	stageScatter
	// stageDepthwise computes band t of a depthwise convolution (dwTask).
	stageDepthwise
)

// call is the state of one convolution call, pooled so that calls allocate
// nothing once warm. It is the parallel.Task of its copying stages.
type call struct {
	p                           Params
	o                           Options
	pool                        *parallel.Pool
	x, w, bias, y               []float32
	pw                          *Weights
	l                           lowering
	oh, ow, hw, ohw, cg, ocg, k int

	ep   gemm.Epilogue
	rows gridRows
	pr   planeRows
	i2c  im2col
	buf  []float32
	taps []int
	dw   dwPlan

	// The stage Run runs, and its operands.
	stage         stage
	src, dst, res []float32
	cstride, lda  int
	n             int
}

var callPool freelist.List[call]

// release drops the call's references to the caller's data and returns
// it to the pool.
func (c *call) release() {
	buf, taps, spans := c.buf, c.taps, c.dw.rows
	*c = call{buf: buf, taps: taps}
	c.dw.rows = spans
	callPool.Put(c)
}

// scratch returns n floats of the call's buffer.
func (c *call) scratch(n int) []float32 {
	if cap(c.buf) < n {
		c.buf = make([]float32, n)
	}
	return c.buf[:n]
}

// minParallelCopy is the number of floats below which a copying stage runs
// on the caller: a hand-off costs more than the copy saves, and much more
// when a helper has to be woken or its core is busy.
const minParallelCopy = 64 << 10

// runStage runs stage s, which writes about n floats, as ntasks tasks:
// over the pool, or on the caller when n is below minParallelCopy.
func (c *call) runStage(s stage, ntasks, n int) {
	c.stage = s
	if n < minParallelCopy {
		for t := range ntasks {
			c.Run(0, t)
		}
		return
	}
	c.pool.RunTask(ntasks, c)
}

// run computes the convolution of conv2D (p validated, the buffers checked)
// into y.
func (c *call) run(o Options, p *Params, x, w []float32, pw *Weights, bias, y []float32) {
	c.p, c.o, c.x, c.w, c.pw, c.bias, c.y = *p, o, x, w, pw, bias, y
	c.pool = o.Pool
	if c.pool == nil {
		c.pool = parallel.Default()
	}
	c.oh, c.ow = p.OutH(), p.OutW()
	c.hw, c.ohw = p.H*p.W, c.oh*c.ow
	c.cg, c.ocg = p.C/p.Group, p.OC/p.Group
	c.k = c.cg * p.KH * p.KW
	if p.isDepthwise() {
		c.depthwise()
		return
	}
	c.l = lower(&c.p)
	if c.l.form >= formGrid {
		c.taps = c.l.g.setTaps(c.taps)
	}
	if c.l.form == formSwapped {
		c.swapped()
		return
	}
	for n := range p.N {
		for g := range p.Group {
			xg := x[(n*p.C+g*c.cg)*c.hw : (n*p.C+(g+1)*c.cg)*c.hw]
			yoff := (n*p.OC + g*c.ocg) * c.ohw
			yg := y[yoff : yoff+c.ocg*c.ohw]
			var res []float32
			if o.Residual != nil {
				res = o.Residual[yoff : yoff+c.ocg*c.ohw]
			}
			c.ep = gemm.Epilogue{BiasPerRow: true, Act: o.Act, Alpha: o.Alpha, Beta: o.Beta}
			if bias != nil {
				c.ep.Bias = bias[g*c.ocg : (g+1)*c.ocg]
			}
			if res != nil {
				// gemm's epilogue adds a residual a row of a tile at a
				// time; one pass over the output is faster.
				c.ep.Act = gemm.ActNone
			}
			switch c.l.form {
			case formGrid:
				c.onGrid(g, xg, yg)
			case formDirect:
				c.mul(g, xg, nil, c.ohw, yg)
			case formIm2col:
				c.i2c = im2col{p: &c.p, x: xg, oh: c.oh, ow: c.ow}
				c.mul(g, xg, &c.i2c, c.ohw, yg)
			case formPlanes:
				c.pr = planeRows{g: &c.l.g, xp: c.planes(xg)}
				c.mul(g, xg, &c.pr, c.ohw, yg)
			}
			if res != nil {
				c.dst, c.res = yg, res
				c.runStage(stageFinish, ceilDiv(c.ocg, chunkCh), c.ocg*c.ohw)
			}
		}
	}
}

// mul computes out (OCg × n, row stride n) = W_g·B with the epilogue c.ep,
// B from src or, when src is nil, xg itself (formDirect).
func (c *call) mul(g int, xg []float32, src gemm.BPacker, n int, out []float32) {
	o := gemm.Options{Pool: c.pool, Epilogue: &c.ep}
	switch {
	case c.pw != nil:
		gemm.SgemmPackedA(o, c.pw.normalPacks()[g], false, n, xg, c.hw, src, 0, out, n)
	case src == nil:
		gemm.SgemmWith(o, false, false, c.ocg, n, c.k, 1, c.w[g*c.ocg*c.k:], c.k, xg, c.hw, 0, out, n)
	default:
		gemm.SgemmSource(o, false, c.ocg, n, c.k, 1, c.w[g*c.ocg*c.k:], c.k, src, 0, out, n)
	}
}

// planes builds the grid planes of xg in the call's scratch.
func (c *call) planes(xg []float32) []float32 {
	return c.planesInto(c.scratch(c.l.g.size(c.cg)), xg)
}

// planesInto builds the grid planes of xg (one image group) in xp.
func (c *call) planesInto(xp, xg []float32) []float32 {
	gr := &c.l.g
	clear(xp[c.cg*gr.channel():])
	c.src, c.dst, c.cstride = xg, xp, gr.channel()
	c.runStage(stagePlanes, ceilDiv(c.cg, chunkCh), c.cg*gr.channel())
	return xp
}

// onGrid computes one image group in formGrid: the planes of xg are built
// once, the GEMM computes OH×wq columns per output channel, and columns
// OW..wq−1 of each output row are dropped when the result is copied to yg.
func (c *call) onGrid(g int, xg, yg []float32) {
	gr := &c.l.g
	nx := gr.size(c.cg)
	buf := c.scratch(nx + c.ocg*gr.cols())
	xp, yp := c.planesInto(buf[:nx], xg), buf[nx:]
	c.rows = gridRows{g: gr, xp: xp}
	c.mul(g, xg, &c.rows, gr.cols(), yp)
	c.src, c.dst = yp, yg
	c.runStage(stageCrop, ceilDiv(c.ocg, chunkCh), c.ocg*c.ohw)
}

// swapped computes the whole convolution in formSwapped: per group, col_g
// (Cg·KH·KW × N·OH·OW, image n in columns [n·OH·OW, (n+1)·OH·OW)) is
// built, then Yᵀ[:, group g] = col_gᵀ·W_gᵀ with the bias per column (and
// the activation when there is no residual) fused, and finally Yᵀ is
// transposed into y. A 1×1 kernel's col is its planes, built in place;
// a pointwise convolution of one image reads col from x itself.
func (c *call) swapped() {
	p, gr := &c.p, &c.l.g
	m := p.N * c.ohw
	direct := p.pointwise() && p.N == 1
	one := p.KH == 1 && p.KW == 1
	nx, ncol := 0, 0
	if !direct {
		ncol = c.k * m
		if !one {
			nx = gr.size(c.cg)
		}
	}
	buf := c.scratch(nx + ncol + m*p.OC)
	xp, col, yt := buf[:nx], buf[nx:nx+ncol], buf[nx+ncol:]
	if nx > 0 {
		clear(xp[c.cg*gr.channel():])
	}
	for g := range p.Group {
		a, lda := col, m
		switch {
		case direct:
			a, lda = c.x[g*c.cg*c.hw:(g+1)*c.cg*c.hw], c.hw
		case one:
			for n := range p.N {
				c.src = c.x[(n*p.C+g*c.cg)*c.hw : (n*p.C+(g+1)*c.cg)*c.hw]
				c.dst, c.cstride = col[n*c.ohw:], m
				c.runStage(stagePlanes, ceilDiv(c.cg, chunkCh), c.cg*c.ohw)
			}
		default:
			for n := range p.N {
				c.src = c.x[(n*p.C+g*c.cg)*c.hw : (n*p.C+(g+1)*c.cg)*c.hw]
				c.dst, c.cstride = xp, gr.channel()
				c.runStage(stagePlanes, ceilDiv(c.cg, chunkCh), c.cg*gr.channel())
				c.src, c.dst, c.lda, c.n = xp, col, m, n
				c.runStage(stageCols, ceilDiv(c.k, chunkRows), c.k*c.ohw)
			}
		}
		c.ep = gemm.Epilogue{}
		if c.bias != nil {
			c.ep.Bias = c.bias[g*c.ocg : (g+1)*c.ocg]
		}
		if c.o.Residual == nil {
			c.ep.Act, c.ep.Alpha, c.ep.Beta = c.o.Act, c.o.Alpha, c.o.Beta
		}
		o := gemm.Options{Pool: c.pool, Epilogue: &c.ep}
		out := yt[g*c.ocg:]
		if c.pw != nil {
			gemm.SgemmPacked(o, true, m, 1, a, lda, c.pw.swappedPacks()[g], 0, out, p.OC)
		} else {
			wg := c.w[g*c.ocg*c.k : (g+1)*c.ocg*c.k]
			gemm.SgemmWith(o, true, true, m, c.ocg, c.k, 1, a, lda, wg, c.k, 0, out, p.OC)
		}
	}
	c.src, c.res = yt, c.o.Residual
	c.runStage(stageScatter, p.N*ceilDiv(p.OC, chunkCh), m*p.OC)
}

// Run runs task t of the current stage (parallel.Task).
func (c *call) Run(_, t int) {
	p, gr := &c.p, &c.l.g
	switch c.stage {
	case stagePlanes:
		for ch := t * chunkCh; ch < min(c.cg, (t+1)*chunkCh); ch++ {
			gr.build(c.dst[ch*c.cstride:ch*c.cstride+gr.channel()], p, c.src[ch*c.hw:(ch+1)*c.hw])
		}
	case stageCols:
		c.copyCols(t*chunkRows, min(c.k, (t+1)*chunkRows))
	case stageCrop:
		for ch := t * chunkCh; ch < min(c.ocg, (t+1)*chunkCh); ch++ {
			for i := range c.oh {
				copy(c.dst[(ch*c.oh+i)*c.ow:(ch*c.oh+i+1)*c.ow], c.src[(ch*c.oh+i)*gr.wq:])
			}
		}
	case stageFinish:
		c0, c1 := t*chunkCh, min(c.ocg, (t+1)*chunkCh)
		c.finish(c.dst[c0*c.ohw:c1*c.ohw], c.res[c0*c.ohw:c1*c.ohw])
	case stageDepthwise:
		c.dwTask(t)
	case stageScatter:
		chunks := ceilDiv(p.OC, chunkCh)
		n, oc0 := t/chunks, t%chunks*chunkCh
		oc1 := min(p.OC, oc0+chunkCh)
		yt := c.src[n*c.ohw*p.OC:]
		for oc := oc0; oc < oc1; oc++ {
			dst := c.y[(n*p.OC+oc)*c.ohw : (n*p.OC+oc+1)*c.ohw]
			src := yt[oc:]
			for i := range dst {
				dst[i] = src[i*p.OC]
			}
		}
		if c.res != nil {
			lo, hi := (n*p.OC+oc0)*c.ohw, (n*p.OC+oc1)*c.ohw
			c.finish(c.y[lo:hi], c.res[lo:hi])
		}
	}
}

// finish adds the residual res to y and applies the activation, as the
// GEMM epilogue would after the bias.
func (c *call) finish(y, res []float32) {
	elementwise.Binary(elementwise.OpAdd, y, y, res)
	gemm.Activate(c.o.Act, c.o.Alpha, c.o.Beta, y)
}

// copyCols writes im2col rows [r0, r1) of image c.n into the swapped
// form's col (c.dst, row stride c.lda) from the planes c.src: each output
// row is a run of OW floats of a plane.
func (c *call) copyCols(r0, r1 int) {
	gr := &c.l.g
	ow, wq := c.ow, gr.wq
	it := gr.rows(r0)
	for r := r0; r < r1; r++ {
		src := c.src[it.next():]
		dst := c.dst[r*c.lda+c.n*c.ohw : r*c.lda+(c.n+1)*c.ohw]
		if wq == ow {
			copy(dst, src)
			continue
		}
		copyRuns(dst, src, c.oh, ow, wq)
	}
}
