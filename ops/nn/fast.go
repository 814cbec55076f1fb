package nn

import (
	"fmt"
	"math"
	"sync/atomic"

	"github.com/sinter-ml/sinter/kernels/conv"
	"github.com/sinter-ml/sinter/kernels/elementwise"
	kgemm "github.com/sinter-ml/sinter/kernels/gemm"
	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// Float32 fast paths: MatMul, Gemm, Conv and ConvTranspose on kernels/gemm
// and kernels/conv, with constant weights packed once at bind time, work
// split over the session's pool, and an epilogue (bias, residual,
// activation) fused into the kernels' final store. The generic paths in
// matmul.go and conv.go stay for other dtypes and ranks.

// serial is the pool kernels use when bound without one, and inside tasks
// that are already spread over the session's pool.
var serial = parallel.New(parallel.Options{Threads: 1})

func poolOf(n *ops.Node) *parallel.Pool {
	if n.Pool != nil {
		return n.Pool
	}
	return serial
}

// actSpec is a fused activation: kernel id and parameters (kgemm.Epilogue's
// Alpha and Beta).
type actSpec struct {
	act         kgemm.Activation
	alpha, beta float32
}

// activations maps the "activation" attribute of the sinter fused ops to
// the kernels' activation.
var activations = map[string]kgemm.Activation{
	"": kgemm.ActNone, "Relu": kgemm.ActRelu, "Clip": kgemm.ActClip, "LeakyRelu": kgemm.ActLeakyRelu,
	"Sigmoid": kgemm.ActSigmoid, "Tanh": kgemm.ActTanh, "Gelu": kgemm.ActGelu, "GeluTanh": kgemm.ActGeluTanh,
}

// parseAct reads the activation attributes of a sinter fused op.
func parseAct(n *ops.Node) (actSpec, error) {
	name, err := n.String("activation", "")
	if err != nil {
		return actSpec{}, err
	}
	act, ok := activations[name]
	if !ok {
		return actSpec{}, fmt.Errorf("%s: unknown activation %q", n.OpType, name)
	}
	s := actSpec{act: act}
	if s.alpha, err = n.Float("activation_alpha", 0); err != nil {
		return s, err
	}
	if s.beta, err = n.Float("activation_beta", 0); err != nil {
		return s, err
	}
	return s, nil
}

func (s actSpec) epilogue() *kgemm.Epilogue {
	return &kgemm.Epilogue{Act: s.act, Alpha: s.alpha, Beta: s.beta}
}

// allF32 reports whether every present tensor is float32.
func allF32(ts ...*tensor.Tensor) bool {
	for _, t := range ts {
		if t != nil && t.DType() != tensor.Float32 {
			return false
		}
	}
	return true
}

// postOps finishes y = act(y + bias + res) with numpy broadcasting, for the
// shapes the fused epilogues do not take (nil operands are skipped).
func postOps(y *tensor.Tensor, act actSpec, adds ...*tensor.Tensor) (*tensor.Tensor, error) {
	for _, t := range adds {
		if t == nil {
			continue
		}
		if t.DType() != tensor.Float32 {
			return nil, fmt.Errorf("fused Add operand has dtype %v, want float32", t.DType())
		}
		os, err := ops.BroadcastShape(y.Shape(), t.Shape())
		if err != nil {
			return nil, err
		}
		if err := os.Check(); err != nil {
			return nil, err
		}
		out := tensor.New(tensor.Float32, os...)
		ops.Binary(y.Float32s(), y.Shape(), t.Float32s(), t.Shape(), out.Float32s(), os, func(a, b float32) float32 { return a + b })
		y = out
	}
	kgemm.Activate(act.act, act.alpha, act.beta, y.Float32s())
	return y, nil
}

// ---- MatMul ----

// mmFast computes Y = act(A·op(B) + bias + R) in float32, numpy-batched.
// op(B) is B, or B with its last two axes swapped when transB.
type mmFast struct {
	pool   *parallel.Pool
	transB bool
	act    actSpec
	// constB is the constant B packed as packed (2-D B only); a run that
	// is handed another tensor multiplies it unpacked.
	constB *tensor.Tensor
	packed *kgemm.PackedB
}

func newMMFast(n *ops.Node, transB bool, act actSpec) *mmFast {
	f := &mmFast{pool: poolOf(n), transB: transB, act: act}
	if b := n.Const(1); b != nil && b.DType() == tensor.Float32 && b.Rank() == 2 && b.Len() > 0 {
		k, nn := b.Shape()[0], b.Shape()[1]
		if transB {
			k, nn = nn, k
		}
		f.constB, f.packed = b, kgemm.PackB(transB, k, nn, b.Float32s(), b.Shape()[1])
	}
	return f
}

func (f *mmFast) run(a, b, bias, res *tensor.Tensor) (*tensor.Tensor, error) {
	bs := b.Shape()
	if f.transB {
		if len(bs) < 2 {
			return nil, fmt.Errorf("MatMul with transposed B needs B of rank ≥ 2, got %v", bs)
		}
		bs = bs.Clone()
		bs[len(bs)-1], bs[len(bs)-2] = bs[len(bs)-2], bs[len(bs)-1]
	}
	p, err := planMatMul(a.Shape(), bs)
	if err != nil {
		return nil, err
	}
	k, n := p.k, p.n
	yt := tensor.New(tensor.Float32, p.out...)
	y := yt.Float32s()
	ep := f.act.epilogue()
	post := k == 0 || len(y) == 0
	if bias != nil {
		if bias.Rank() == 1 && bias.Len() == n {
			ep.Bias = bias.Float32s()
		} else {
			post = true
		}
	}
	if res != nil {
		if res.Shape().Equal(p.out) {
			ep.Residual, ep.LDR = res.Float32s(), n
		} else {
			post = true
		}
	}
	if post {
		if len(y) > 0 && k > 0 {
			f.mul(p, a.Float32s(), b, y, nil)
		}
		return postOps(yt, f.act, bias, res)
	}
	f.mul(p, a.Float32s(), b, y, ep)
	return yt, nil
}

// mul computes y = A·op(B) over p's batches with epilogue ep (may be nil).
func (f *mmFast) mul(p *mmPlan, a []float32, bt *tensor.Tensor, y []float32, ep *kgemm.Epilogue) {
	m, k, n := p.m, p.k, p.n
	ldb := n
	if f.transB {
		ldb = k
	}
	b := bt.Float32s()
	nb := p.batch.NumElements()
	if p.batchB.NumElements() == 1 && p.batchA.NumElements() == nb {
		// B is shared: fold A's batch into its rows.
		o := kgemm.Options{Pool: f.pool, Epilogue: ep}
		if f.packed != nil && bt == f.constB {
			kgemm.SgemmPacked(o, false, nb*m, 1, a, k, f.packed, 0, y, n)
			return
		}
		kgemm.SgemmWith(o, false, f.transB, nb*m, n, k, 1, a, k, b, ldb, 0, y, n)
		return
	}
	type job struct{ o, ia, ib int }
	jobs := make([]job, 0, nb)
	ops.BroadcastIndex(p.batch, []tensor.Shape{p.batchA, p.batchB}, func(o int, offs []int) {
		jobs = append(jobs, job{o, offs[0], offs[1]})
	})
	one := func(pool *parallel.Pool, j job) {
		e := ep
		if ep != nil && ep.Residual != nil {
			c := *ep
			c.Residual = ep.Residual[j.o*m*n : (j.o+1)*m*n]
			e = &c
		}
		kgemm.SgemmWith(kgemm.Options{Pool: pool, Epilogue: e}, false, f.transB, m, n, k, 1,
			a[j.ia*m*k:], k, b[j.ib*k*n:], ldb, 0, y[j.o*m*n:(j.o+1)*m*n], n)
	}
	if len(jobs) >= f.pool.Threads() {
		// Many small products (attention heads): one per task.
		f.pool.Run(len(jobs), func(_, t int) { one(serial, jobs[t]) })
		return
	}
	for _, j := range jobs {
		one(f.pool, j)
	}
}

// bindFusedMatMul binds sinter FusedMatMul(A, B, bias?, R?): Y = act(A·op(B)
// + bias + R), with attributes transB, activation, activation_alpha,
// activation_beta.
func bindFusedMatMul(n *ops.Node) (ops.Kernel, error) {
	act, err := parseAct(n)
	if err != nil {
		return nil, err
	}
	tb, err := n.Int("transB", 0)
	if err != nil {
		return nil, err
	}
	f := newMMFast(n, tb != 0, act)
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 2 || in[0] == nil || in[1] == nil {
			return nil, fmt.Errorf("FusedMatMul needs inputs A and B")
		}
		bias, res := optIn(in, 2), optIn(in, 3)
		if !allF32(in[0], in[1], bias, res) {
			return nil, fmt.Errorf("FusedMatMul computes float32 only")
		}
		y, err := f.run(in[0], in[1], bias, res)
		if err != nil {
			return nil, err
		}
		return []*tensor.Tensor{y}, nil
	}, nil
}

func optIn(in []*tensor.Tensor, i int) *tensor.Tensor {
	if i < len(in) {
		return in[i]
	}
	return nil
}

// ---- Gemm ----

// gemmFast computes Y = act(alpha·op(A)·op(B) + beta·C + R) in float32.
type gemmFast struct {
	pool           *parallel.Pool
	transA, transB bool
	alpha, beta    float32
	act            actSpec
	constB         *tensor.Tensor
	packed         *kgemm.PackedB
	// constC and biasC: beta·C, when C is a constant row vector.
	constC *tensor.Tensor
	biasC  []float32
}

func newGemmFast(n *ops.Node, transA, transB bool, alpha, beta float32, act actSpec) *gemmFast {
	f := &gemmFast{pool: poolOf(n), transA: transA, transB: transB, alpha: alpha, beta: beta, act: act}
	if b := n.Const(1); b != nil && b.DType() == tensor.Float32 && b.Rank() == 2 && b.Len() > 0 {
		k, nn := b.Shape()[0], b.Shape()[1]
		if transB {
			k, nn = nn, k
		}
		f.constB, f.packed = b, kgemm.PackB(transB, k, nn, b.Float32s(), b.Shape()[1])
	}
	if c := n.Const(2); c != nil && c.DType() == tensor.Float32 && rowVector(c.Shape()) {
		f.constC, f.biasC = c, scaled(c.Float32s(), beta)
	}
	return f
}

// rowVector reports whether C of shape s broadcasts to [M, N] by rows only:
// [N] or [1, N] (N > 1; a single value is a scalar).
func rowVector(s tensor.Shape) bool {
	switch len(s) {
	case 1:
		return s[0] > 1
	case 2:
		return s[0] == 1 && s[1] > 1
	}
	return false
}

func scaled(x []float32, s float32) []float32 {
	if s == 1 {
		return x
	}
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = s * v
	}
	return out
}

func (f *gemmFast) run(a, b, c, res *tensor.Tensor) (*tensor.Tensor, error) {
	if a.Rank() != 2 || b.Rank() != 2 {
		return nil, fmt.Errorf("Gemm needs 2-D A and B, got %v and %v", a.Shape(), b.Shape())
	}
	m, k := a.Shape()[0], a.Shape()[1]
	if f.transA {
		m, k = k, m
	}
	k2, n := b.Shape()[0], b.Shape()[1]
	if f.transB {
		k2, n = n, k2
	}
	if k != k2 {
		return nil, fmt.Errorf("Gemm inner dims differ: A %v (transA=%v), B %v (transB=%v)", a.Shape(), f.transA, b.Shape(), f.transB)
	}
	os := tensor.Shape{m, n}
	if err := os.Check(); err != nil {
		return nil, err
	}
	if c != nil {
		if c.Rank() > 2 {
			return nil, fmt.Errorf("Gemm C has rank %d > 2", c.Rank())
		}
		cs := c.Shape()
		for i, d := range cs {
			if od := os[len(os)-len(cs)+i]; d != 1 && d != od {
				return nil, fmt.Errorf("Gemm C shape %v does not broadcast to %v", cs, os)
			}
		}
	}
	yt := tensor.New(tensor.Float32, m, n)
	y := yt.Float32s()
	if len(y) == 0 {
		return yt, nil
	}
	ep := f.act.epilogue()
	var cbeta float32 // beta passed to the kernel: 1 when y was prefilled with beta·C
	if c != nil && f.beta != 0 {
		switch {
		case c == f.constC:
			ep.Bias = f.biasC
		case rowVector(c.Shape()) && c.Len() == n:
			ep.Bias = scaled(c.Float32s(), f.beta)
		default:
			cd, cs := c.Float32s(), c.Shape()
			rs, cst := 0, 0
			switch len(cs) {
			case 1:
				if cs[0] != 1 {
					cst = 1
				}
			case 2:
				if cs[0] != 1 {
					rs = cs[1]
				}
				if cs[1] != 1 {
					cst = 1
				}
			}
			for i := range m {
				row := y[i*n : (i+1)*n]
				for j := range row {
					row[j] = f.beta * cd[i*rs+j*cst]
				}
			}
			cbeta = 1
		}
	}
	post := k == 0
	if res != nil {
		if res.Shape().Equal(os) {
			ep.Residual, ep.LDR = res.Float32s(), n
		} else {
			post = true
		}
	}
	if post {
		// The epilogue cannot take R: add the bias here, R and act after.
		bias := ep.Bias
		ep = nil
		if k > 0 {
			f.mul(a, b, m, n, k, y, cbeta, nil)
		}
		if bias != nil {
			for i := range m {
				row := y[i*n : (i+1)*n]
				for j := range row {
					row[j] += bias[j]
				}
			}
		}
		return postOps(yt, f.act, res)
	}
	f.mul(a, b, m, n, k, y, cbeta, ep)
	return yt, nil
}

func (f *gemmFast) mul(a, b *tensor.Tensor, m, n, k int, y []float32, beta float32, ep *kgemm.Epilogue) {
	o := kgemm.Options{Pool: f.pool, Epilogue: ep}
	lda := a.Shape()[1]
	if f.packed != nil && b == f.constB {
		kgemm.SgemmPacked(o, f.transA, m, f.alpha, a.Float32s(), lda, f.packed, beta, y, n)
		return
	}
	kgemm.SgemmWith(o, f.transA, f.transB, m, n, k, f.alpha, a.Float32s(), lda, b.Float32s(), b.Shape()[1], beta, y, n)
}

// gemmAttrs reads Gemm's attributes.
func gemmAttrs(n *ops.Node) (transA, transB bool, alpha, beta float32, err error) {
	ta, err := n.Int("transA", 0)
	if err != nil {
		return
	}
	tb, err := n.Int("transB", 0)
	if err != nil {
		return
	}
	if alpha, err = n.Float("alpha", 1); err != nil {
		return
	}
	beta, err = n.Float("beta", 1)
	return ta != 0, tb != 0, alpha, beta, err
}

// bindFusedGemm binds sinter FusedGemm(A, B, C?, R?): Gemm's attributes and
// semantics plus a residual R and the activation attributes.
func bindFusedGemm(n *ops.Node) (ops.Kernel, error) {
	act, err := parseAct(n)
	if err != nil {
		return nil, err
	}
	transA, transB, alpha, beta, err := gemmAttrs(n)
	if err != nil {
		return nil, err
	}
	f := newGemmFast(n, transA, transB, alpha, beta, act)
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 2 || in[0] == nil || in[1] == nil {
			return nil, fmt.Errorf("FusedGemm needs inputs A and B")
		}
		c, res := optIn(in, 2), optIn(in, 3)
		if !allF32(in[0], in[1], c, res) {
			return nil, fmt.Errorf("FusedGemm computes float32 only")
		}
		y, err := f.run(in[0], in[1], c, res)
		if err != nil {
			return nil, err
		}
		return []*tensor.Tensor{y}, nil
	}, nil
}

// ---- Conv ----

// convFast computes Y = act(conv(X, W) + B + R) in float32: 1-D and 2-D
// convolutions on kernels/conv, others on the generic path.
type convFast struct {
	pool *parallel.Pool
	a    *windowAttrs
	act  actSpec
	// constW is the weight when it is a constant of the graph; its packed
	// form is made on the first run (packing needs the geometry) and then
	// shared by every run.
	constW *tensor.Tensor
	packed atomic.Pointer[conv.Weights]
}

// weights returns W packed for cp when W is the graph's constant weight,
// else nil (the kernel then packs per call).
func (f *convFast) weights(cp conv.Params, w *tensor.Tensor) *conv.Weights {
	if w != f.constW || f.constW == nil {
		return nil
	}
	if pw := f.packed.Load(); pw != nil {
		return pw
	}
	pw, err := conv.PackWeights(cp, w.Float32s())
	if err != nil {
		return nil
	}
	f.packed.CompareAndSwap(nil, pw)
	return f.packed.Load()
}

// conv2DParams maps a resolved 1-D or 2-D convolution onto kernels/conv
// (a 1-D one as an image of height 1); ok is false for other ranks or
// geometries the kernel does not reproduce exactly.
func conv2DParams(p *convPlan) (conv.Params, bool) {
	g := p.g
	cp := conv.Params{N: p.n, C: p.c, OC: p.m, Group: p.group}
	switch len(g.k) {
	case 1:
		cp.H, cp.KH, cp.StrideH, cp.DilationH = 1, 1, 1, 1
		cp.W, cp.KW, cp.StrideW, cp.DilationW = g.in[0], g.k[0], g.stride[0], g.dil[0]
		cp.PadL, cp.PadR = g.padB[0], g.padE[0]
	case 2:
		cp.H, cp.KH, cp.StrideH, cp.DilationH = g.in[0], g.k[0], g.stride[0], g.dil[0]
		cp.W, cp.KW, cp.StrideW, cp.DilationW = g.in[1], g.k[1], g.stride[1], g.dil[1]
		cp.PadT, cp.PadB, cp.PadL, cp.PadR = g.padB[0], g.padE[0], g.padB[1], g.padE[1]
	default:
		return cp, false
	}
	if cp.Validate() != nil {
		return cp, false
	}
	oh, ow := 1, g.out[0]
	if len(g.k) == 2 {
		oh, ow = g.out[0], g.out[1]
	}
	return cp, cp.OutH() == oh && cp.OutW() == ow
}

func (f *convFast) run(x, w, b, res *tensor.Tensor) (*tensor.Tensor, error) {
	p, err := planConv(f.a, x.Shape(), w.Shape())
	if err != nil {
		return nil, err
	}
	if b != nil && (b.Len() != p.m || b.Rank() != 1) {
		return nil, fmt.Errorf("%s bias shape %v, want [%d]", f.a.op, b.Shape(), p.m)
	}
	cp, ok := conv2DParams(p)
	if !ok || p.out.NumElements() == 0 {
		y, err := convFloat[float32](p, x, w, b)
		if err != nil {
			return nil, err
		}
		return postOps(y, f.act, res)
	}
	yt := tensor.New(tensor.Float32, p.out...)
	o := conv.Options{Pool: f.pool, Act: f.act.act, Alpha: f.act.alpha, Beta: f.act.beta}
	post := res != nil && !res.Shape().Equal(p.out)
	if post {
		o.Act = kgemm.ActNone
	} else if res != nil {
		o.Residual = res.Float32s()
	}
	var bias []float32
	if b != nil {
		bias = b.Float32s()
	}
	if pw := f.weights(cp, w); pw != nil {
		err = conv.Conv2DPacked(o, cp, x.Float32s(), pw, bias, yt.Float32s())
	} else {
		err = conv.Conv2D(o, cp, x.Float32s(), w.Float32s(), bias, yt.Float32s())
	}
	if err != nil {
		return nil, err
	}
	if post {
		return postOps(yt, f.act, res)
	}
	return yt, nil
}

// bindFusedConv binds sinter FusedConv(X, W, B?, R?): Conv's attributes and
// semantics plus a residual R (added before the activation) and the
// activation attributes.
func bindFusedConv(n *ops.Node) (ops.Kernel, error) {
	act, err := parseAct(n)
	if err != nil {
		return nil, err
	}
	a, err := parseWindowAttrs(n, "FusedConv", true)
	if err != nil {
		return nil, err
	}
	f := &convFast{pool: poolOf(n), a: a, act: act, constW: f32Const(n, 1)}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 2 || in[0] == nil || in[1] == nil {
			return nil, fmt.Errorf("FusedConv needs inputs X and W")
		}
		b, res := optIn(in, 2), optIn(in, 3)
		if !allF32(in[0], in[1], b, res) {
			return nil, fmt.Errorf("FusedConv computes float32 only")
		}
		y, err := f.run(in[0], in[1], b, res)
		if err != nil {
			return nil, err
		}
		return []*tensor.Tensor{y}, nil
	}, nil
}

// ---- ConvTranspose ----

// convTFast runs a 1-D or 2-D float32 ConvTranspose resolved as p on
// kernels/conv; ok is false when the kernel cannot reproduce p exactly.
func convTFast(pool *parallel.Pool, p *convPlan, x, w, b *tensor.Tensor) (*tensor.Tensor, bool, error) {
	g := p.g // g.in is the output image, g.out the input positions
	tp := conv.TransposeParams{Params: conv.Params{N: p.n, C: p.c, OC: p.m, Group: p.group}}
	var outH, outW int
	switch len(g.k) {
	case 1:
		tp.H, tp.KH, tp.StrideH, tp.DilationH = 1, 1, 1, 1
		tp.W, tp.KW, tp.StrideW, tp.DilationW = g.out[0], g.k[0], g.stride[0], g.dil[0]
		tp.PadL, tp.PadR = g.padB[0], g.padE[0]
		outH, outW = 1, g.in[0]
	case 2:
		tp.H, tp.KH, tp.StrideH, tp.DilationH = g.out[0], g.k[0], g.stride[0], g.dil[0]
		tp.W, tp.KW, tp.StrideW, tp.DilationW = g.out[1], g.k[1], g.stride[1], g.dil[1]
		tp.PadT, tp.PadB, tp.PadL, tp.PadR = g.padB[0], g.padE[0], g.padB[1], g.padE[1]
		outH, outW = g.in[0], g.in[1]
	default:
		return nil, false, nil
	}
	if p.out.NumElements() == 0 || tp.N == 0 || tp.H <= 0 || tp.W <= 0 {
		return nil, false, nil
	}
	tp.OutPadH = outH - tp.OutH()
	tp.OutPadW = outW - tp.OutW()
	if tp.OutPadH < 0 || tp.OutPadW < 0 {
		return nil, false, nil
	}
	var bias []float32
	if b != nil {
		bias = b.Float32s()
	}
	yt := tensor.New(tensor.Float32, p.out...)
	if err := conv.ConvTranspose(conv.Options{Pool: pool}, tp, x.Float32s(), w.Float32s(), bias, yt.Float32s()); err != nil {
		return nil, false, err
	}
	return yt, true, nil
}

// ---- Gelu ----

// bindSinterGelu binds sinter Gelu(X) = X·Φ(X) = X/2·(1 + erf(X/√2)), the
// node the compiler puts in place of GELU written out with Erf.
func bindSinterGelu(n *ops.Node) (ops.Kernel, error) {
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 1 || in[0] == nil {
			return nil, fmt.Errorf("Gelu needs an input")
		}
		x := in[0]
		switch x.DType() {
		case tensor.Float32:
			y := tensor.New(tensor.Float32, x.Shape()...)
			elementwise.Gelu(y.Float32s(), x.Float32s())
			return []*tensor.Tensor{y}, nil
		case tensor.Float64, tensor.Float16, tensor.BFloat16:
			xs := asF64(x)
			y := make([]float64, len(xs))
			for i, v := range xs {
				y[i] = 0.5 * v * (1 + math.Erf(v/math.Sqrt2))
			}
			return []*tensor.Tensor{newFloat(x.DType(), x.Shape(), y)}, nil
		}
		return nil, fmt.Errorf("Gelu: input type %v is not a float type", x.DType())
	}, nil
}

// ---- LayerNormalization ----

// layerNorm32 is the float32 fast path of LayerNormalization over the last
// axis with a float32 stash and 1-D scale and bias, rows split over pool;
// nil when the case is not that one.
func layerNorm32(pool *parallel.Pool, x, scale, bias *tensor.Tensor, axis int, eps float32, stash tensor.DType, wantStats bool) *tensor.Tensor {
	if wantStats || stash != tensor.Float32 || !allF32(x, scale, bias) || axis != x.Rank()-1 {
		return nil
	}
	w := x.Shape()[axis]
	if scale.Rank() != 1 || scale.Len() != w || bias != nil && (bias.Rank() != 1 || bias.Len() != w) {
		return nil
	}
	y := tensor.New(tensor.Float32, x.Shape()...)
	xs, ys := x.Float32s(), y.Float32s()
	if w == 0 || len(xs) == 0 {
		return y
	}
	g := scale.Float32s()
	var b []float32
	if bias != nil {
		b = bias.Float32s()
	}
	rows := len(xs) / w
	run := func(lo, hi int) {
		for r := lo; r < hi; r++ {
			elementwise.LayerNorm(ys[r*w:(r+1)*w], xs[r*w:(r+1)*w], g, b, eps)
		}
	}
	per := max(1, (1<<14)/w)
	if pool.Threads() == 1 || rows <= per {
		run(0, rows)
		return y
	}
	pool.Run((rows+per-1)/per, func(_, t int) { run(t*per, min((t+1)*per, rows)) })
	return y
}

// f32Const returns input i when it is a float32 constant of the graph.
func f32Const(n *ops.Node, i int) *tensor.Tensor {
	if c := n.Const(i); c != nil && c.DType() == tensor.Float32 {
		return c
	}
	return nil
}
