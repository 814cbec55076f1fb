package rnn

import (
	"math"

	"github.com/sinter-ml/sinter/internal/freelist"
	kew "github.com/sinter-ml/sinter/kernels/elementwise"
	kgemm "github.com/sinter-ml/sinter/kernels/gemm"
	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// The float32 recurrence.
//
// The input projection of every time step and direction, X·Wᵀ plus the
// biases, is one matrix product before the loop, with W packed at bind time
// when it is a constant. Each step then adds the recurrent product h·Rᵀ
// into that step's rows of the projection, reading Rᵀ (transposed once, at
// bind time for a constant R) unpacked: for the few rows of a step,
// kernels/gemm then reads B in place, which measured faster than a packed
// operand and packs nothing per step. The gate activations are applied a
// gate block at a time with the vectorised kernels of kernels/elementwise.
// Batch entries of equal sequence length step together (one product over
// their rows per step); the two directions of a bidirectional node run
// concurrently on the node's pool when there is enough work. Per-run memory
// comes from a pool of run states, so that a steady-state run allocates
// nothing itself (the kernels it calls may; see TestLSTMAllocs).

// serial runs the products of a direction that is itself one task of the
// node's pool, and the kernels of nodes bound without a pool.
var serial = parallel.New(parallel.Options{Threads: 1})

// parallelWork is the recurrent work (multiply-adds per direction) above
// which the two directions of a bidirectional node run concurrently.
const parallelWork = 1 << 16

// kernel is a bound RNN, GRU or LSTM node.
type kernel struct {
	s    *spec
	pool *parallel.Pool
	// The constant float32 inputs and what is derived from them at bind
	// time: W of every direction as one packed op(B) = Wᵀ (I × D·G·H);
	// Rᵀ, per direction an H × G·H matrix (rt); the bias the input
	// projection adds to each of its D·G·H columns; and for GRU with
	// linear_before_reset the recurrent bias of the h gate (D·H), which is
	// added inside the reset product instead.
	constW, constR, constB *tensor.Tensor
	packW                  *kgemm.PackedB
	rt                     []float32
	bias, rbh              []float32
	runs                   freelist.List[runState]
}

func newKernel(n *ops.Node, s *spec) *kernel {
	k := &kernel{s: s, pool: n.Pool}
	if k.pool == nil {
		k.pool = serial
	}
	k.runs.New = func() *runState { return &runState{k: k} }
	w, r, b := f32Const(n, inW), f32Const(n, inR), f32Const(n, inB)
	H := s.hidden
	if H == 0 && r != nil && r.Rank() == 3 {
		H = r.Shape()[2]
	}
	if H == 0 {
		return k
	}
	G, D := s.cell.gates(), s.dirs
	GH := G * H
	if r != nil && r.Shape().Equal(tensor.Shape{D, GH, H}) {
		k.constR, k.rt = r, make([]float32, D*GH*H)
		transposeR(k.rt, r.Float32s(), D, GH, H)
	}
	if w != nil && w.Rank() == 3 && w.Shape()[0] == D && w.Shape()[1] == GH && w.Shape()[2] > 0 {
		I := w.Shape()[2]
		k.constW, k.packW = w, kgemm.PackB(true, I, D*GH, w.Float32s(), I)
	}
	if b != nil && b.Shape().Equal(tensor.Shape{D, 2 * GH}) {
		k.constB = b
		k.bias = make([]float32, D*GH)
		if s.cell == cellGRU && s.lbr {
			k.rbh = make([]float32, D*H)
		}
		s.splitBias(b.Float32s(), H, k.bias, k.rbh)
	}
	return k
}

// f32Const returns input i when it is a float32 constant of the graph.
func f32Const(n *ops.Node, i int) *tensor.Tensor {
	if c := n.Const(i); c != nil && c.DType() == tensor.Float32 {
		return c
	}
	return nil
}

// transposeR writes each direction's R (rows × cols) transposed into dst.
func transposeR(dst, r []float32, dirs, rows, cols int) {
	for d := range dirs {
		src, t := r[d*rows*cols:(d+1)*rows*cols], dst[d*rows*cols:(d+1)*rows*cols]
		for i := range rows {
			for j, v := range src[i*cols : (i+1)*cols] {
				t[j*rows+i] = v
			}
		}
	}
}

// splitBias turns B ([D, 2·G·H]: Wb then Rb per direction) into the
// projection's column bias (D·G·H: Wb + Rb) and, when rbh is not nil (GRU
// with linear_before_reset), the h gate's recurrent bias (D·H), which then
// stays out of the column bias.
func (s *spec) splitBias(b []float32, H int, bias, rbh []float32) {
	GH := s.cell.gates() * H
	for d := range s.dirs {
		wb, rb := b[d*2*GH:d*2*GH+GH], b[d*2*GH+GH:(d+1)*2*GH]
		col := bias[d*GH : (d+1)*GH]
		for j := range col {
			col[j] = wb[j] + rb[j]
		}
		if rbh != nil {
			copy(col[2*H:], wb[2*H:])
			copy(rbh[d*H:(d+1)*H], rb[2*H:])
		}
	}
}

// runState is one float32 run's inputs, outputs and working memory. It is
// handed to the pool as a parallel.Task (one task per direction).
type runState struct {
	k *kernel
	d dims
	// inputs (nil when omitted) and outputs (nil when not wanted)
	x, w, h0, c0, p []float32
	y, yh, yc       []float32
	rt              []float32 // Rᵀ in force: the kernel's or rtBuf
	rtBuf           []float32
	gemmPool        *parallel.Pool
	// xw is the input projection, one row of D·G·H per (step, batch)
	// pair in X's row order; the recurrence adds into it in place.
	xw        []float32
	bias, rbh []float32 // in force: the kernel's, the scratch's below, or nil
	biasBuf   []float32
	rbhBuf    []float32
	ep        kgemm.Epilogue
	lens      []int
	dir       [2]dirState
}

// release drops rs's references to the run's tensors (the free list keeps
// rs, and must not keep them alive) and frees it.
func (k *kernel) release(rs *runState) {
	rs.x, rs.w, rs.h0, rs.c0, rs.p = nil, nil, nil, nil, nil
	rs.y, rs.yh, rs.yc, rs.rt, rs.bias, rs.rbh = nil, nil, nil, nil, nil, nil
	rs.ep = kgemm.Epilogue{}
	k.runs.Put(rs)
}

// dirState is one direction's state: h and c for every batch entry
// (batch × H) and a scratch of the same size.
type dirState struct {
	h, c, tmp []float32
}

// grow returns s resized to n elements, reallocated only when too small.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// data32 returns t's float32 storage, or nil for a nil t.
func data32(t *tensor.Tensor) []float32 {
	if t == nil {
		return nil
	}
	return t.Float32s()
}

// run32 runs the float32 recurrence of a validated run into out.
func (k *kernel) run32(in, out []*tensor.Tensor, d dims) {
	s := k.s
	G, H, D := s.cell.gates(), d.hidden, s.dirs
	GH := G * H
	rs := k.runs.Get()
	defer k.release(rs)
	rs.d = d
	rs.x, rs.w = data32(in[inX]), data32(in[inW])
	rs.h0 = data32(s.input(in, inH))
	rs.c0, rs.p = nil, nil
	if s.cell == cellLSTM {
		rs.c0, rs.p = data32(s.input(in, inC)), data32(s.input(in, inP))
	}
	rs.y, rs.yh, rs.yc = data32(ops.Input(out, 0)), data32(ops.Input(out, 1)), data32(ops.Input(out, 2))
	defer rs.release()
	if H == 0 || d.batch == 0 {
		return // every output is empty
	}
	rs.lens = grow(rs.lens, d.batch)
	s.lengths(in, d, rs.lens)

	// Biases.
	rs.bias, rs.rbh = nil, nil
	if b := s.input(in, inB); b == k.constB && b != nil {
		rs.bias, rs.rbh = k.bias, k.rbh
	} else if b != nil {
		rs.biasBuf = grow(rs.biasBuf, D*GH)
		rs.bias = rs.biasBuf
		if s.cell == cellGRU && s.lbr {
			rs.rbhBuf = grow(rs.rbhBuf, D*H)
			rs.rbh = rs.rbhBuf
		}
		s.splitBias(b.Float32s(), H, rs.bias, rs.rbh)
	}

	// The input projection of every step and direction.
	rows, ldx := d.seq*d.batch, D*GH
	rs.xw = grow(rs.xw, rows*ldx)
	o := kgemm.Options{Pool: k.pool}
	if rs.bias != nil {
		rs.ep = kgemm.Epilogue{Bias: rs.bias}
		o.Epilogue = &rs.ep
	}
	if k.packW != nil && in[inW] == k.constW {
		kgemm.SgemmPacked(o, false, rows, 1, rs.x, d.input, k.packW, 0, rs.xw, ldx)
	} else {
		kgemm.SgemmWith(o, false, true, rows, ldx, d.input, 1, rs.x, d.input, rs.w, d.input, 0, rs.xw, ldx)
	}

	if k.rt != nil && in[inR] == k.constR {
		rs.rt = k.rt
	} else {
		rs.rtBuf = grow(rs.rtBuf, D*GH*H)
		rs.rt = rs.rtBuf
		transposeR(rs.rt, in[inR].Float32s(), D, GH, H)
	}
	for dir := range D {
		ds := &rs.dir[dir]
		ds.h = grow(ds.h, d.batch*H)
		ds.tmp = grow(ds.tmp, d.batch*H)
		if s.cell == cellLSTM {
			ds.c = grow(ds.c, d.batch*H)
		}
	}
	if D == 2 && k.pool.Threads() > 1 && d.seq*d.batch*GH*H >= parallelWork {
		rs.gemmPool = serial
		k.pool.RunTask(2, rs)
		return
	}
	rs.gemmPool = k.pool
	for dir := range D {
		rs.direction(dir)
	}
}

// release drops the run's references to inputs and outputs.
func (rs *runState) release() {
	rs.x, rs.w, rs.rt, rs.h0, rs.c0, rs.p = nil, nil, nil, nil, nil, nil
	rs.y, rs.yh, rs.yc = nil, nil, nil
	rs.bias, rs.rbh = nil, nil
	rs.ep = kgemm.Epilogue{}
}

// Run runs direction task (one parallel.Task per direction).
func (rs *runState) Run(_, task int) { rs.direction(task) }

// direction runs the recurrence of one direction over every batch entry:
// all together when their sequences have the same length, else one by one.
func (rs *runState) direction(dir int) {
	lens := rs.lens
	same := true
	for _, l := range lens {
		same = same && l == lens[0]
	}
	if same {
		rs.group(dir, 0, len(lens), lens[0])
		return
	}
	for b, l := range lens {
		rs.group(dir, b, 1, l)
	}
}

// xRow is the row of X (and of the projection) of step t, batch entry b.
func (rs *runState) xRow(t, b int) int {
	if rs.k.s.layout == 0 {
		return t*rs.d.batch + b
	}
	return b*rs.d.seq + t
}

// stOff is the offset of direction dir, batch entry b in the state
// tensors (initial_h, initial_c, Y_h, Y_c).
func (rs *runState) stOff(dir, b int) int {
	s, H := rs.k.s, rs.d.hidden
	if s.layout == 0 {
		return (dir*rs.d.batch + b) * H
	}
	return (b*s.dirs + dir) * H
}

// yOff is the offset of step t, direction dir, batch entry b in Y.
func (rs *runState) yOff(t, dir, b int) int {
	s, H := rs.k.s, rs.d.hidden
	if s.layout == 0 {
		return ((t*s.dirs+dir)*rs.d.batch + b) * H
	}
	return ((b*rs.d.seq+t)*s.dirs + dir) * H
}

// group runs direction dir for the nb batch entries from b0, whose
// sequences all have n steps.
func (rs *runState) group(dir, b0, nb, n int) {
	s, d := rs.k.s, rs.d
	H := d.hidden
	GH := s.cell.gates() * H
	ds := &rs.dir[dir]
	h, tmp := ds.h[b0*H:(b0+nb)*H], ds.tmp[b0*H:(b0+nb)*H]
	var c []float32
	if s.cell == cellLSTM {
		c = ds.c[b0*H : (b0+nb)*H]
	}
	for i := range nb {
		so := rs.stOff(dir, b0+i)
		hi := h[i*H : (i+1)*H]
		if rs.h0 != nil {
			copy(hi, rs.h0[so:so+H])
		} else {
			clear(hi)
		}
		if c != nil {
			ci := c[i*H : (i+1)*H]
			if rs.c0 != nil {
				copy(ci, rs.c0[so:so+H])
			} else {
				clear(ci)
			}
		}
	}
	ldx := s.dirs * GH
	// Row stride of the batch entries' gates within one step.
	gs := ldx
	if s.layout == 1 {
		gs = d.seq * ldx
	}
	reverse := s.reverse || dir == 1
	for step := range n {
		t := step
		if reverse {
			t = n - 1 - step
		}
		g := rs.xw[rs.xRow(t, b0)*ldx+dir*GH:]
		switch s.cell {
		case cellRNN:
			rs.stepRNN(dir, g, gs, h, nb)
		case cellGRU:
			rs.stepGRU(dir, g, gs, h, tmp, nb)
		case cellLSTM:
			rs.stepLSTM(dir, g, gs, h, c, tmp, nb)
		}
		if rs.y != nil {
			for i := range nb {
				copy(rs.y[rs.yOff(t, dir, b0+i):][:H], h[i*H:(i+1)*H])
			}
		}
	}
	for i := range nb {
		so := rs.stOff(dir, b0+i)
		if rs.yh != nil {
			copy(rs.yh[so:so+H], h[i*H:(i+1)*H])
		}
		if rs.yc != nil {
			copy(rs.yc[so:so+H], c[i*H:(i+1)*H])
		}
	}
	// Steps past the end of the sequences are zero in Y.
	if rs.y != nil {
		for t := n; t < d.seq; t++ {
			for i := range nb {
				clear(rs.y[rs.yOff(t, dir, b0+i):][:H])
			}
		}
	}
}

// recur computes c = a·R[gates]ᵀ + beta·c for m rows, where R[gates] is
// the n rows of direction dir's R from gate block first on, a has row
// stride H and c row stride ldc.
func (rs *runState) recur(dir, first, m int, a, c []float32, ldc, n int, beta float32) {
	H := rs.d.hidden
	GH := rs.k.s.cell.gates() * H
	rt := rs.rt[dir*H*GH+first*H : (dir+1)*H*GH]
	kgemm.SgemmWith(kgemm.Options{Pool: rs.gemmPool}, false, false, m, n, H, 1, a, H, rt, GH, beta, c, ldc)
}

// clip bounds every element of x to [−clip, clip] when the node clips.
func (rs *runState) clip(x []float32) {
	if math.IsInf(rs.k.s.clip, 1) {
		return
	}
	c := float32(rs.k.s.clip)
	for i, v := range x {
		if v > c {
			x[i] = c
		} else if v < -c {
			x[i] = -c
		}
	}
}

// stepRNN advances nb batch rows one step: h = f(x·Wᵀ + h·Rᵀ + Wb + Rb),
// with g (row stride gs) holding the projection.
func (rs *runState) stepRNN(dir int, g []float32, gs int, h []float32, nb int) {
	H := rs.d.hidden
	f := rs.k.s.acts[dir]
	rs.recur(dir, 0, nb, h, g, gs, H, 1)
	for i := range nb {
		a := g[i*gs : i*gs+H]
		rs.clip(a)
		f[0].apply32(a)
		copy(h[i*H:(i+1)*H], a)
	}
}

// stepGRU advances nb batch rows one step of a GRU (gates z, r, h).
func (rs *runState) stepGRU(dir int, g []float32, gs int, h, tmp []float32, nb int) {
	s, H := rs.k.s, rs.d.hidden
	f := s.acts[dir]
	rs.recur(dir, 0, nb, h, g, gs, 2*H, 1)
	for i := range nb {
		zr := g[i*gs : i*gs+2*H]
		rs.clip(zr)
		f[0].apply32(zr)
	}
	if s.lbr {
		// h gate: x·Whᵀ + Wbh + r ⊙ (h·Rhᵀ + Rbh)
		rs.recur(dir, 2, nb, h, tmp, H, H, 0)
		var rbh []float32
		if rs.rbh != nil {
			rbh = rs.rbh[dir*H : (dir+1)*H]
		}
		for i := range nb {
			r, gh, hr := g[i*gs+H:i*gs+2*H], g[i*gs+2*H:i*gs+3*H], tmp[i*H:(i+1)*H]
			if rbh != nil {
				for j := range gh {
					gh[j] += r[j] * (hr[j] + rbh[j])
				}
			} else {
				for j := range gh {
					gh[j] += r[j] * hr[j]
				}
			}
		}
	} else {
		// h gate: x·Whᵀ + Wbh + Rbh + (r ⊙ h)·Rhᵀ
		for i := range nb {
			r, hi, rh := g[i*gs+H:i*gs+2*H], h[i*H:(i+1)*H], tmp[i*H:(i+1)*H]
			for j := range rh {
				rh[j] = r[j] * hi[j]
			}
		}
		rs.recur(dir, 2, nb, tmp, g[2*H:], gs, H, 1)
	}
	for i := range nb {
		z, gh, hi := g[i*gs:i*gs+H], g[i*gs+2*H:i*gs+3*H], h[i*H:(i+1)*H]
		rs.clip(gh)
		f[1].apply32(gh)
		for j := range hi {
			hi[j] = (1-z[j])*gh[j] + z[j]*hi[j]
		}
	}
}

// stepLSTM advances nb batch rows one step of an LSTM (gates i, o, f, c,
// with peepholes P = [Pi, Po, Pf] when given).
func (rs *runState) stepLSTM(dir int, g []float32, gs int, h, c, tmp []float32, nb int) {
	s, H := rs.k.s, rs.d.hidden
	f := s.acts[dir]
	rs.recur(dir, 0, nb, h, g, gs, 4*H, 1)
	var pi, po, pf []float32
	if rs.p != nil {
		p := rs.p[dir*3*H : (dir+1)*3*H]
		pi, po, pf = p[:H], p[H:2*H], p[2*H:]
	}
	for b := range nb {
		a := g[b*gs : b*gs+4*H]
		ig, og, fg, cg := a[:H], a[H:2*H], a[2*H:3*H], a[3*H:]
		hb, cb, tb := h[b*H:(b+1)*H], c[b*H:(b+1)*H], tmp[b*H:(b+1)*H]
		if pi == nil {
			rs.clip(a)
			f[0].apply32(a[:3*H]) // i, o, f
		} else {
			for j := range ig {
				ig[j] += pi[j] * cb[j]
				fg[j] += pf[j] * cb[j]
			}
			rs.clip(ig)
			rs.clip(fg)
			rs.clip(cg)
			f[0].apply32(ig)
			f[0].apply32(fg)
		}
		if s.inputForget {
			for j, v := range ig {
				fg[j] = 1 - v
			}
		}
		f[1].apply32(cg)
		// c = f ⊙ c + i ⊙ g
		kew.Binary(kew.OpMul, cb, fg, cb)
		kew.Binary(kew.OpMul, cg, ig, cg)
		kew.Binary(kew.OpAdd, cb, cb, cg)
		if pi != nil {
			for j := range og {
				og[j] += po[j] * cb[j]
			}
			rs.clip(og)
			f[0].apply32(og)
		}
		// h = o ⊙ f₂(c)
		copy(tb, cb)
		f[2].apply32(tb)
		kew.Binary(kew.OpMul, hb, og, tb)
	}
}

// apply32 applies the activation to x in place: Sigmoid and Tanh with the
// vectorised kernels, the others element by element.
func (a act) apply32(x []float32) {
	switch a.kind {
	case "sigmoid":
		kew.Sigmoid(x, x)
	case "tanh":
		kew.Tanh(x, x)
	case "relu":
		for i, v := range x {
			x[i] = max(v, 0)
		}
	default:
		for i, v := range x {
			x[i] = float32(a.apply(float64(v)))
		}
	}
}
