package nn

import (
	"fmt"
	"math"
	"sync/atomic"
	"unsafe"

	"github.com/sinter-ml/sinter/internal/freelist"
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
	"HardSigmoid": kgemm.ActHardSigmoid, "HardSwish": kgemm.ActHardSwish,
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

// packWeight packs the constant B of a product for the GEMM kernels,
// handing each finished band of a mapped original back to the operating
// system as it goes (tensor.EvictPart), so that loading a large model
// never holds a whole weight matrix in both layouts.
func packWeight(transB bool, k, n int, b *tensor.Tensor) *kgemm.PackedB {
	return kgemm.PackBReleasing(transB, k, n, b.Float32s(), b.Shape()[1], func(done []float32) {
		tensor.EvictPart(b, unsafe.Slice((*byte)(unsafe.Pointer(&done[0])), 4*len(done)))
	})
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
	// last caches the plan for the most recent operand shapes: plans are
	// immutable, so concurrent runs share them and steady-state runs with
	// unchanging shapes resolve nothing.
	last atomic.Pointer[mmCached]
}

// mmCached is a resolved MatMul for one pair of operand shapes.
type mmCached struct {
	as, bs tensor.Shape // A's and B's shapes as given (B before transB)
	p      *mmPlan
	// jobs lists the (output, A, B) batch offsets when B's batch is not
	// shared by all of A's.
	jobs []mmJob
}

type mmJob struct{ o, ia, ib int }

// plan resolves the product of operands shaped as and bs.
func (f *mmFast) plan(as, bs tensor.Shape) (*mmCached, error) {
	if c := f.last.Load(); c != nil && c.as.Equal(as) && c.bs.Equal(bs) {
		return c, nil
	}
	ts := bs
	if f.transB {
		if len(bs) < 2 {
			return nil, fmt.Errorf("MatMul with transposed B needs B of rank ≥ 2, got %v", bs)
		}
		ts = bs.Clone()
		ts[len(ts)-1], ts[len(ts)-2] = ts[len(ts)-2], ts[len(ts)-1]
	}
	p, err := planMatMul(as, ts)
	if err != nil {
		return nil, err
	}
	c := &mmCached{as: as.Clone(), bs: bs.Clone(), p: p}
	if nb := p.batch.NumElements(); !(p.batchB.NumElements() == 1 && p.batchA.NumElements() == nb) {
		c.jobs = make([]mmJob, 0, nb)
		ops.BroadcastIndex(p.batch, []tensor.Shape{p.batchA, p.batchB}, func(o int, offs []int) {
			c.jobs = append(c.jobs, mmJob{o, offs[0], offs[1]})
		})
	}
	f.last.Store(c)
	return c, nil
}

// epilogueFits reports whether bias and res go into the kernel's epilogue for
// output shape out with n columns; else they are applied after, with
// broadcasting (which may widen the output).
func epilogueFits(out tensor.Shape, n int, bias, res *tensor.Tensor) bool {
	return (bias == nil || rowBias(bias.Shape(), out, n)) && (res == nil || res.Shape().Equal(out))
}

// rowResidualAsBias moves a residual that is really a row vector ([n] or
// [1, …, n], as when the compiler fused a bias Add into the residual
// slot) into the empty bias slot: the epilogue then adds it per column in
// the same single addition, instead of a broadcasting pass afterwards.
func rowResidualAsBias(out tensor.Shape, n int, bias, res *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	if bias == nil && res != nil && !res.Shape().Equal(out) && rowBias(res.Shape(), out, n) {
		return res, nil
	}
	return bias, res
}

// rowBias reports whether a bias shaped s adds one value per column to an
// output shaped out with n columns without widening it: [n], or [1, …, n]
// of rank at most out's.
func rowBias(s, out tensor.Shape, n int) bool {
	if len(s) == 0 || len(s) > len(out) || s[len(s)-1] != n {
		return false
	}
	for _, d := range s[:len(s)-1] {
		if d != 1 {
			return false
		}
	}
	return true
}

// infer writes the output shape of act(A·op(B) + bias + R) into dst.
func (f *mmFast) infer(a, b, bias, res *tensor.Tensor, dst *ops.OutSpec) error {
	c, err := f.plan(a.Shape(), b.Shape())
	if err != nil {
		return err
	}
	dst.DType = tensor.Float32
	bias, res = rowResidualAsBias(c.p.out, c.p.n, bias, res)
	if epilogueFits(c.p.out, c.p.n, bias, res) {
		dst.Shape = append(dst.Shape[:0], c.p.out...)
		return nil
	}
	return broadcastInto(dst, c.p.out, bias, res)
}

// broadcastInto sets dst's shape to the broadcast of out with the present
// operands' shapes (allocating: the rare unfused case).
func broadcastInto(dst *ops.OutSpec, out tensor.Shape, adds ...*tensor.Tensor) error {
	shapes := []tensor.Shape{out}
	for _, t := range adds {
		if t != nil {
			shapes = append(shapes, t.Shape())
		}
	}
	bs, err := ops.BroadcastShape(shapes...)
	if err != nil {
		return err
	}
	if err := bs.Check(); err != nil {
		return err
	}
	dst.Shape = append(dst.Shape[:0], bs...)
	return nil
}

// copyResult copies a result computed on an allocating path into the
// planned output, which Infer sized for it.
func copyResult(dst, y *tensor.Tensor) error {
	if dst.DType() != y.DType() || !dst.Shape().Equal(y.Shape()) {
		return fmt.Errorf("computed %v%v, planned %v%v", y.DType(), y.Shape(), dst.DType(), dst.Shape())
	}
	if y.DType() == tensor.String {
		copy(dst.Strings(), y.Strings())
		return nil
	}
	copy(dst.Bytes(), y.Bytes())
	return nil
}

func newMMFast(n *ops.Node, transB bool, act actSpec) *mmFast {
	f := &mmFast{pool: poolOf(n), transB: transB, act: act}
	if b := n.Const(1); b != nil && b.DType() == tensor.Float32 && b.Rank() == 2 && b.Len() > 0 {
		k, nn := b.Shape()[0], b.Shape()[1]
		if transB {
			k, nn = nn, k
		}
		f.constB, f.packed = b, packWeight(transB, k, nn, b)
	}
	return f
}

// run computes act(A·op(B) + bias + R) into yt, which has the shape infer
// reported (nil: allocate it).
func (f *mmFast) run(a, b, bias, res, yt *tensor.Tensor) (*tensor.Tensor, error) {
	c, err := f.plan(a.Shape(), b.Shape())
	if err != nil {
		return nil, err
	}
	p := c.p
	k, n := p.k, p.n
	bias, res = rowResidualAsBias(p.out, n, bias, res)
	if !epilogueFits(p.out, n, bias, res) {
		// Broadcasting operands: multiply, then add and activate after.
		t := tensor.New(tensor.Float32, p.out...)
		if t.Len() > 0 && k > 0 {
			f.mul(c, a.Float32s(), b, t.Float32s(), nil)
		}
		y, err := postOps(t, f.act, bias, res)
		if err != nil || yt == nil {
			return y, err
		}
		return yt, copyResult(yt, y)
	}
	if yt == nil {
		yt = tensor.New(tensor.Float32, p.out...)
	}
	y := yt.Float32s()
	if len(y) == 0 {
		return yt, nil
	}
	if k == 0 {
		// An empty sum: act(0 + bias + R).
		clear(y)
		addBiasRes(y, n, f32sOrNil(bias), f32sOrNil(res))
		kgemm.Activate(f.act.act, f.act.alpha, f.act.beta, y)
		return yt, nil
	}
	ep := kgemm.Epilogue{Act: f.act.act, Alpha: f.act.alpha, Beta: f.act.beta}
	if bias != nil {
		ep.Bias = bias.Float32s()
	}
	if res != nil {
		ep.Residual, ep.LDR = res.Float32s(), n
	}
	f.mul(c, a.Float32s(), b, y, &ep)
	return yt, nil
}

// addBiasRes adds a row bias (n values, may be nil) and a same-shape
// residual (may be nil) to y, whose rows have n columns: the epilogue's
// additions, in its order, for products with nothing to sum (K = 0).
func addBiasRes(y []float32, n int, bias, res []float32) {
	for i := 0; i+n <= len(y); i += n {
		row := y[i : i+n]
		for j := range row {
			if bias != nil {
				row[j] += bias[j]
			}
			if res != nil {
				row[j] += res[i+j]
			}
		}
	}
}

// f32sOrNil is t's float32 storage, or nil for a missing tensor.
func f32sOrNil(t *tensor.Tensor) []float32 {
	if t == nil {
		return nil
	}
	return t.Float32s()
}

// mul computes y = A·op(B) over c's batches with epilogue ep (may be nil).
func (f *mmFast) mul(c *mmCached, a []float32, bt *tensor.Tensor, y []float32, ep *kgemm.Epilogue) {
	p := c.p
	m, k, n := p.m, p.k, p.n
	ldb := n
	if f.transB {
		ldb = k
	}
	b := bt.Float32s()
	if c.jobs == nil {
		// B is shared: fold A's batch into its rows.
		nb := p.batch.NumElements()
		o := kgemm.Options{Pool: f.pool, Epilogue: ep}
		if f.packed != nil && bt == f.constB {
			kgemm.SgemmPacked(o, false, nb*m, 1, a, k, f.packed, 0, y, n)
			return
		}
		kgemm.SgemmWith(o, false, f.transB, nb*m, n, k, 1, a, k, b, ldb, 0, y, n)
		return
	}
	t := mmTasks.Get()
	*t = mmTask{f: f, c: c, a: a, b: b, y: y, ldb: ldb}
	if ep != nil {
		t.ep, t.hasEp = *ep, true
	}
	if len(c.jobs) >= f.pool.Threads() {
		// Many small products (attention heads): one per task.
		t.pool = serial
		f.pool.RunTask(len(c.jobs), t)
	} else {
		t.pool = f.pool
		for i := range c.jobs {
			t.Run(0, i)
		}
	}
	*t = mmTask{}
	mmTasks.Put(t)
}

// mmTask computes batch product number task of a batched MatMul whose B
// is not shared; pooled so that a run allocates nothing.
type mmTask struct {
	f       *mmFast
	c       *mmCached
	pool    *parallel.Pool // what each product splits over
	a, b, y []float32
	ldb     int
	ep      kgemm.Epilogue
	hasEp   bool
}

var mmTasks freelist.List[mmTask]

func (t *mmTask) Run(_, task int) {
	p, j := t.c.p, t.c.jobs[task]
	m, k, n := p.m, p.k, p.n
	o := kgemm.Options{Pool: t.pool}
	var ep kgemm.Epilogue
	if t.hasEp {
		ep = t.ep
		if ep.Residual != nil {
			ep.Residual = ep.Residual[j.o*m*n : (j.o+1)*m*n]
		}
		o.Epilogue = &ep
	}
	kgemm.SgemmWith(o, false, t.f.transB, m, n, k, 1,
		t.a[j.ia*m*k:], k, t.b[j.ib*k*n:], t.ldb, 0, t.y[j.o*m*n:(j.o+1)*m*n], n)
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
	check := func(in []*tensor.Tensor) error {
		if len(in) < 2 || in[0] == nil || in[1] == nil {
			return fmt.Errorf("FusedMatMul needs inputs A and B")
		}
		if !allF32(in[0], in[1], optIn(in, 2), optIn(in, 3)) {
			return fmt.Errorf("FusedMatMul computes float32 only")
		}
		return nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if err := check(in); err != nil {
				return err
			}
			return f.infer(in[0], in[1], optIn(in, 2), optIn(in, 3), &out[0])
		},
		Run: func(in, out []*tensor.Tensor) error {
			_, err := f.run(in[0], in[1], optIn(in, 2), optIn(in, 3), out[0])
			return err
		},
	})
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
		f.constB, f.packed = b, packWeight(transB, k, nn, b)
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

// run computes Gemm into yt, shaped [M, N] (or wider when a residual
// broadcasts; see infer).
func (f *gemmFast) run(a, b, c, res, yt *tensor.Tensor) error {
	m, n, k, err := gemmDims(a, b, c, f.transA, f.transB)
	if err != nil {
		return err
	}
	if res != nil && !(res.Rank() == 2 && res.Shape()[0] == m && res.Shape()[1] == n) {
		// A residual that broadcasts: compute [M, N] aside, then add.
		t := tensor.New(tensor.Float32, m, n)
		if err := f.run(a, b, c, nil, t); err != nil {
			return err
		}
		y, err := postOps(t, actSpec{}, res)
		if err != nil {
			return err
		}
		kgemm.Activate(f.act.act, f.act.alpha, f.act.beta, y.Float32s())
		return copyResult(yt, y)
	}
	y := yt.Float32s()
	if len(y) == 0 {
		return nil
	}
	ep := &kgemm.Epilogue{Act: f.act.act, Alpha: f.act.alpha, Beta: f.act.beta}
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
	if res != nil {
		ep.Residual, ep.LDR = res.Float32s(), n
	}
	if k == 0 {
		// An empty product: act(beta·C + bias + R) from what was prefilled.
		if cbeta == 0 {
			clear(y)
		}
		addBiasRes(y, n, ep.Bias, ep.Residual)
		kgemm.Activate(f.act.act, f.act.alpha, f.act.beta, y)
		return nil
	}
	f.mul(a, b, m, n, k, y, cbeta, ep)
	return nil
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
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if len(in) < 2 || in[0] == nil || in[1] == nil {
				return fmt.Errorf("FusedGemm needs inputs A and B")
			}
			c, res := optIn(in, 2), optIn(in, 3)
			if !allF32(in[0], in[1], c, res) {
				return fmt.Errorf("FusedGemm computes float32 only")
			}
			m, nn, _, err := gemmDims(in[0], in[1], c, transA, transB)
			if err != nil {
				return err
			}
			out[0].DType = tensor.Float32
			if res == nil || res.Rank() == 2 && res.Shape()[0] == m && res.Shape()[1] == nn {
				out[0].Shape = append(out[0].Shape[:0], m, nn)
				return nil
			}
			return broadcastInto(&out[0], tensor.Shape{m, nn}, res)
		},
		Run: func(in, out []*tensor.Tensor) error {
			return f.run(in[0], in[1], optIn(in, 2), optIn(in, 3), out[0])
		},
	})
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
	last   atomic.Pointer[convCached]
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

// convCached is a resolved convolution for one pair of X and W shapes.
type convCached struct {
	xs, ws tensor.Shape
	p      *convPlan
	cp     conv.Params
	fast   bool // kernels/conv reproduces p exactly
}

// plan resolves the convolution of X shaped xs by W shaped ws, reusing
// the last resolution when the shapes repeat.
func (f *convFast) plan(xs, ws tensor.Shape) (*convCached, error) {
	if c := f.last.Load(); c != nil && c.xs.Equal(xs) && c.ws.Equal(ws) {
		return c, nil
	}
	p, err := planConv(f.a, xs, ws)
	if err != nil {
		return nil, err
	}
	c := &convCached{xs: xs.Clone(), ws: ws.Clone(), p: p}
	c.cp, c.fast = conv2DParams(p)
	c.fast = c.fast && p.out.NumElements() > 0
	f.last.Store(c)
	return c, nil
}

// infer reports the output shape of act(conv(X, W) + B + R).
func (f *convFast) infer(x, w, b, res *tensor.Tensor, dst *ops.OutSpec) error {
	c, err := f.plan(x.Shape(), w.Shape())
	if err != nil {
		return err
	}
	if b != nil && (b.Len() != c.p.m || b.Rank() != 1) {
		return fmt.Errorf("%s bias shape %v, want [%d]", f.a.op, b.Shape(), c.p.m)
	}
	dst.DType = x.DType()
	if res == nil || res.Shape().Equal(c.p.out) {
		dst.Shape = append(dst.Shape[:0], c.p.out...)
		return nil
	}
	return broadcastInto(dst, c.p.out, res)
}

// run computes act(conv(X, W) + B + R) in float32 into yt, which has the
// shape infer reported.
func (f *convFast) run(x, w, b, res, yt *tensor.Tensor) error {
	c, err := f.plan(x.Shape(), w.Shape())
	if err != nil {
		return err
	}
	p, cp := c.p, c.cp
	post := res != nil && !res.Shape().Equal(p.out)
	if !c.fast {
		y, err := convFloat[float32](p, x, w, b)
		if err != nil {
			return err
		}
		if y, err = postOps(y, f.act, res); err != nil {
			return err
		}
		return copyResult(yt, y)
	}
	dst := yt
	if post {
		dst = tensor.New(tensor.Float32, p.out...)
	}
	o := conv.Options{Pool: f.pool, Act: f.act.act, Alpha: f.act.alpha, Beta: f.act.beta}
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
		err = conv.Conv2DPacked(o, cp, x.Float32s(), pw, bias, dst.Float32s())
	} else {
		err = conv.Conv2D(o, cp, x.Float32s(), w.Float32s(), bias, dst.Float32s())
	}
	if err != nil {
		return err
	}
	if post {
		y, err := postOps(dst, f.act, res)
		if err != nil {
			return err
		}
		return copyResult(yt, y)
	}
	return nil
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
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if len(in) < 2 || in[0] == nil || in[1] == nil {
				return fmt.Errorf("FusedConv needs inputs X and W")
			}
			b, res := optIn(in, 2), optIn(in, 3)
			if !allF32(in[0], in[1], b, res) {
				return fmt.Errorf("FusedConv computes float32 only")
			}
			return f.infer(in[0], in[1], b, res, &out[0])
		},
		Run: func(in, out []*tensor.Tensor) error {
			return f.run(in[0], in[1], optIn(in, 2), optIn(in, 3), out[0])
		},
	})
}

// ---- Gelu ----

// bindSinterGelu binds sinter Gelu(X) = X·Φ(X) = X/2·(1 + erf(X/√2)), or
// with approximate = "tanh" X/2·(1 + tanh(√(2/π)·(X + 0.044715·X³))): the
// node the compiler puts in place of GELU written out.
func bindSinterGelu(n *ops.Node) (ops.Kernel, error) {
	approx, err := n.String("approximate", "none")
	if err != nil {
		return nil, err
	}
	if approx != "none" && approx != "tanh" {
		return nil, fmt.Errorf("Gelu: approximate %q is neither \"none\" nor \"tanh\"", approx)
	}
	tanh := approx == "tanh"
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if len(in) < 1 || in[0] == nil {
				return fmt.Errorf("Gelu needs an input")
			}
			switch x := in[0]; x.DType() {
			case tensor.Float32, tensor.Float64, tensor.Float16, tensor.BFloat16:
				out[0].DType, out[0].Shape = x.DType(), append(out[0].Shape[:0], x.Shape()...)
				return nil
			}
			return fmt.Errorf("Gelu: input type %v is not a float type", in[0].DType())
		},
		Run: func(in, out []*tensor.Tensor) error {
			x := in[0]
			if x.DType() == tensor.Float32 {
				if tanh {
					y := out[0].Float32s()
					copy(y, x.Float32s())
					kgemm.Activate(kgemm.ActGeluTanh, 0, 0, y)
					return nil
				}
				elementwise.Gelu(out[0].Float32s(), x.Float32s())
				return nil
			}
			xs := asF64(x)
			y := make([]float64, len(xs))
			for i, v := range xs {
				if tanh {
					y[i] = 0.5 * v * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(v+0.044715*v*v*v)))
				} else {
					y[i] = 0.5 * v * (1 + math.Erf(v/math.Sqrt2))
				}
			}
			return copyResult(out[0], newFloat(x.DType(), x.Shape(), y))
		},
	})
}

// ---- LayerNormalization ----

// layerNorm32 is the float32 fast path of LayerNormalization over the last
// axis with a float32 stash and 1-D scale and bias, rows split over pool,
// into y (shaped as x); false when the case is not that one.
func layerNorm32(pool *parallel.Pool, x, scale, bias *tensor.Tensor, axis int, eps float32, stash tensor.DType, wantStats bool, y *tensor.Tensor) bool {
	if wantStats || stash != tensor.Float32 || !allF32(x, scale, bias) || axis != x.Rank()-1 {
		return false
	}
	w := x.Shape()[axis]
	if scale.Rank() != 1 || scale.Len() != w || bias != nil && (bias.Rank() != 1 || bias.Len() != w) {
		return false
	}
	xs, ys := x.Float32s(), y.Float32s()
	if w == 0 || len(xs) == 0 {
		return true
	}
	t := lnTasks.Get()
	*t = lnTask{ys: ys, xs: xs, g: scale.Float32s(), w: w, eps: eps, rows: len(xs) / w}
	if bias != nil {
		t.b = bias.Float32s()
	}
	pool.RunRanges(t.rows, max(1, (1<<14)/w), t)
	*t = lnTask{}
	lnTasks.Put(t)
	return true
}

// lnTask normalises ranges of rows of a LayerNormalization; pooled so
// that a run allocates nothing.
type lnTask struct {
	ys, xs, g, b []float32
	w, rows      int
	eps          float32
}

var lnTasks freelist.List[lnTask]

func (t *lnTask) Range(lo, hi int) {
	for r := lo; r < hi; r++ {
		elementwise.LayerNorm(t.ys[r*t.w:(r+1)*t.w], t.xs[r*t.w:(r+1)*t.w], t.g, t.b, t.eps)
	}
}

// f32Const returns input i when it is a float32 constant of the graph.
func f32Const(n *ops.Node, i int) *tensor.Tensor {
	if c := n.Const(i); c != nil && c.DType() == tensor.Float32 {
		return c
	}
	return nil
}
