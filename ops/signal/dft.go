package signal

import (
	"fmt"
	"math"
	"math/bits"
	"sync/atomic"

	"github.com/sinter-ml/sinter/internal/freelist"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// fftPlan computes length-n complex DFTs: radix-2 for powers of two, a
// direct sum over an exact twiddle table otherwise. A plan is immutable
// once made, so concurrent transforms share it; each brings its own
// fftScratch.
type fftPlan struct {
	n        int
	cos, sin []float64 // cos, sin of 2πk/n
	rev      []int     // bit reversal permutation (powers of two only)
	blue     *bluestein
}

// bluestein evaluates a length-n DFT as a convolution of length m (a power
// of two ≥ 2n-1) with the chirp exp(iπk²/n), in O(m log m).
type bluestein struct {
	m      *fftPlan
	wr, wi []float64 // chirp exp(-iπk²/n), k < n
	br, bi []float64 // FFT of the conjugate chirp, zero-padded and wrapped
}

// fftScratch is the working memory of one transform at a time: tr, ti of
// the plan's length n, and ar…ci of the Bluestein length m.
type fftScratch struct {
	tr, ti, ar, ai, cr, ci []float64
}

// fit grows s for transforms by p.
func (s *fftScratch) fit(p *fftPlan) {
	floats(&s.tr, p.n)
	floats(&s.ti, p.n)
	if p.blue != nil {
		m := p.blue.m.n
		floats(&s.ar, m)
		floats(&s.ai, m)
		floats(&s.cr, m)
		floats(&s.ci, m)
	}
}

// floats returns (*buf)[:n], growing it when it is too short.
func floats(buf *[]float64, n int) []float64 {
	if cap(*buf) < n {
		*buf = make([]float64, n)
	}
	*buf = (*buf)[:n]
	return *buf
}

// directMax is the largest non-power-of-two length summed directly.
const directMax = 64

func newBluestein(n int) *bluestein {
	m := 1
	for m < 2*n-1 {
		m <<= 1
	}
	b := &bluestein{m: newPlan(m), wr: make([]float64, n), wi: make([]float64, n)}
	b.br, b.bi = make([]float64, m), make([]float64, m)
	tr, ti := make([]float64, m), make([]float64, m)
	for k := 0; k < n; k++ {
		// k² mod 2n keeps the angle exact for large k.
		q := (uint64(k) * uint64(k)) % uint64(2*n)
		a := math.Pi * float64(q) / float64(n)
		b.wr[k], b.wi[k] = math.Cos(a), -math.Sin(a)
		tr[k], ti[k] = b.wr[k], -b.wi[k]
		if k > 0 {
			tr[m-k], ti[m-k] = b.wr[k], -b.wi[k]
		}
	}
	b.m.transform(tr, ti, b.br, b.bi, false, nil)
	return b
}

// forward writes the forward DFT of (re, im) into (or, oi), working in s's
// Bluestein buffers.
func (b *bluestein) forward(re, im, or, oi []float64, s *fftScratch) {
	n, m := len(b.wr), b.m.n
	ar, ai, cr, ci := s.ar[:m], s.ai[:m], s.cr[:m], s.ci[:m]
	for k := range ar {
		ar[k], ai[k] = 0, 0
	}
	for k := 0; k < n; k++ {
		ar[k] = re[k]*b.wr[k] - im[k]*b.wi[k]
		ai[k] = re[k]*b.wi[k] + im[k]*b.wr[k]
	}
	// m is a power of two: its transforms need no scratch.
	b.m.transform(ar, ai, cr, ci, false, nil)
	for k := range cr {
		r := cr[k]*b.br[k] - ci[k]*b.bi[k]
		i := cr[k]*b.bi[k] + ci[k]*b.br[k]
		cr[k], ci[k] = r, i
	}
	b.m.transform(cr, ci, ar, ai, true, nil)
	for k := 0; k < n; k++ {
		or[k] = ar[k]*b.wr[k] - ai[k]*b.wi[k]
		oi[k] = ar[k]*b.wi[k] + ai[k]*b.wr[k]
	}
}

func newPlan(n int) *fftPlan {
	p := &fftPlan{n: n}
	if n > directMax && n&(n-1) != 0 {
		p.blue = newBluestein(n)
		return p
	}
	p.cos, p.sin = make([]float64, n), make([]float64, n)
	for k := 0; k < n; k++ {
		a := 2 * math.Pi * float64(k) / float64(n)
		p.cos[k], p.sin[k] = math.Cos(a), math.Sin(a)
	}
	if n > 1 && n&(n-1) == 0 {
		lg := bits.TrailingZeros(uint(n))
		p.rev = make([]int, n)
		for i := range p.rev {
			p.rev[i] = int(bits.Reverse(uint(i)) >> (bits.UintSize - lg))
		}
	}
	return p
}

// transform writes the DFT of (re, im) into (or, oi); all have length n.
// The forward transform uses exp(-2πi jk/n); the inverse uses exp(+2πi jk/n)
// and divides by n. s is working memory fitted to p (fftScratch.fit); a
// power-of-two plan needs none and takes nil.
func (p *fftPlan) transform(re, im, or, oi []float64, inverse bool, s *fftScratch) {
	n := p.n
	if n == 0 {
		return
	}
	sign := -1.0
	if inverse {
		sign = 1
	}
	if p.blue != nil {
		if inverse {
			// DFT⁻¹(x) = conj(DFT(conj(x))) / n
			tr := s.tr[:n]
			for k := 0; k < n; k++ {
				tr[k] = -im[k]
			}
			p.blue.forward(re, tr, or, oi, s)
			for k := 0; k < n; k++ {
				oi[k] = -oi[k]
			}
		} else {
			p.blue.forward(re, im, or, oi, s)
		}
	} else if p.rev != nil {
		for i, r := range p.rev {
			or[r], oi[r] = re[i], im[i]
		}
		for size := 2; size <= n; size <<= 1 {
			half, step := size/2, n/size
			for start := 0; start < n; start += size {
				for k := 0; k < half; k++ {
					wr, wi := p.cos[k*step], sign*p.sin[k*step]
					a, b := start+k, start+k+half
					xr := or[b]*wr - oi[b]*wi
					xi := or[b]*wi + oi[b]*wr
					or[b], oi[b] = or[a]-xr, oi[a]-xi
					or[a], oi[a] = or[a]+xr, oi[a]+xi
				}
			}
		}
	} else {
		tr, ti := s.tr[:n], s.ti[:n]
		for k := 0; k < n; k++ {
			var sr, si float64
			idx := 0
			for j := 0; j < n; j++ {
				wr, wi := p.cos[idx], sign*p.sin[idx]
				sr += re[j]*wr - im[j]*wi
				si += re[j]*wi + im[j]*wr
				idx += k
				if idx >= n {
					idx -= n
				}
			}
			tr[k], ti[k] = sr, si
		}
		copy(or, tr)
		copy(oi, ti)
	}
	if inverse {
		inv := 1 / float64(n)
		for k := 0; k < n; k++ {
			or[k] *= inv
			oi[k] *= inv
		}
	}
}

// planCache keeps the FFT plan of the last length a node transformed:
// plans are immutable, so concurrent runs share them, and a run of the
// same length makes none.
type planCache struct{ last atomic.Pointer[fftPlan] }

func (c *planCache) plan(n int) *fftPlan {
	if p := c.last.Load(); p != nil && p.n == n {
		return p
	}
	p := newPlan(n)
	c.last.Store(p)
	return p
}

// scratch is one DFT or STFT run's working memory: a signal slice (br, bi)
// and its transform (cr, ci), the STFT window, and the FFT's own buffers.
type scratch struct {
	br, bi, cr, ci, win []float64
	fft                 fftScratch
}

var scratches freelist.List[scratch]

// getScratch returns scratch for transforms by p, with br…ci of length p.n.
// Return it with scratches.Put.
func getScratch(p *fftPlan) *scratch {
	s := scratches.Get()
	floats(&s.br, p.n)
	floats(&s.bi, p.n)
	floats(&s.cr, p.n)
	floats(&s.ci, p.n)
	s.fft.fit(p)
	return s
}

// complexInput checks that x is a float tensor whose last dim is 1 (real)
// or 2 (complex), as the transforms read it, and reports which.
func complexInput(x *tensor.Tensor) (isComplex bool, err error) {
	if !x.DType().IsFloat() {
		return false, fmt.Errorf("input must be float, got %v", x.DType())
	}
	s := x.Shape()
	if len(s) < 2 || (s[len(s)-1] != 1 && s[len(s)-1] != 2) {
		return false, fmt.Errorf("input shape %v must end in 1 (real) or 2 (complex)", s)
	}
	return s[len(s)-1] == 2, nil
}

// scalarInt reads a one-element int32 or int64 input, as ops.ScalarInt
// does, without copying it.
func scalarInt(t *tensor.Tensor, name string) (int64, error) {
	if t == nil {
		return 0, fmt.Errorf("input %s is missing", name)
	}
	var v int64
	switch t.DType() {
	case tensor.Int64:
		if t.Len() == 1 {
			v = t.Int64s()[0]
		}
	case tensor.Int32:
		if t.Len() == 1 {
			v = int64(t.Int32s()[0])
		}
	default:
		return 0, fmt.Errorf("input %s: expected an int32 or int64 tensor, got %v", name, t.DType())
	}
	if t.Len() != 1 {
		return 0, fmt.Errorf("input %s must hold one value, has shape %v", name, t.Shape())
	}
	return v, nil
}

// float32Copy returns a float16 or bfloat16 tensor's values as a new
// float32 tensor: the transforms compute those types through float32,
// which holds their values exactly.
func float32Copy(t *tensor.Tensor) *tensor.Tensor {
	y := tensor.New(tensor.Float32, t.Shape()...)
	d := y.Float32s()
	switch t.DType() {
	case tensor.Float16:
		for i, v := range tensor.Data[tensor.Float16Bits](t) {
			d[i] = v.Float32()
		}
	case tensor.BFloat16:
		for i, v := range tensor.Data[tensor.BFloat16Bits](t) {
			d[i] = v.Float32()
		}
	}
	return y
}

// storeHalf narrows float32 values into a float16 or bfloat16 tensor.
func storeHalf(t *tensor.Tensor, v []float32) {
	switch t.DType() {
	case tensor.Float16:
		d := tensor.Data[tensor.Float16Bits](t)
		for i, x := range v {
			d[i] = tensor.ToFloat16(x)
		}
	case tensor.BFloat16:
		d := tensor.Data[tensor.BFloat16Bits](t)
		for i, x := range v {
			d[i] = tensor.ToBFloat16(x)
		}
	}
}

// ---- DFT ----

// dftOp is the bound state of a DFT node (opset 17 or 20) and its planned
// kernel.
type dftOp struct {
	inverse, onesided bool
	axis              int64 // DFT-17's attribute
	axisInput         bool  // DFT-20: the axis is input 2 (default -2)
	plans             planCache
}

// dftGeom is one call's resolved transform: x's elements as outer × inLen
// × inner (× 1 or 2), each of the outer·inner signals padded or cut to
// length, transformed and outLen bins kept.
type dftGeom struct {
	x                     *tensor.Tensor
	isComplex             bool
	axis                  int
	outer, inner          int
	inLen, length, outLen int
}

func bindDFT(n *ops.Node) (ops.Kernel, error) {
	axis, err := n.Int("axis", 1)
	if err != nil {
		return nil, err
	}
	inv, err := n.Int("inverse", 0)
	if err != nil {
		return nil, err
	}
	one, err := n.Int("onesided", 0)
	if err != nil {
		return nil, err
	}
	if (inv != 0 && inv != 1) || (one != 0 && one != 1) {
		return nil, fmt.Errorf("DFT: inverse and onesided must be 0 or 1")
	}
	d := &dftOp{inverse: inv == 1, onesided: one == 1, axis: axis}
	return n.Plan(d.planned())
}

func (d *dftOp) planned() *ops.Planned {
	return &ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			g, err := d.args(in)
			if err != nil {
				return fmt.Errorf("DFT: %w", err)
			}
			if len(out) > 0 {
				g.outShape(&out[0])
			}
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			g, err := d.args(in)
			if err != nil {
				return fmt.Errorf("DFT: %w", err)
			}
			if y := ops.Input(out, 0); y != nil {
				d.run(&g, y)
			}
			return nil
		},
	}
}

// args checks a call's inputs and resolves its geometry.
func (d *dftOp) args(in []*tensor.Tensor) (g dftGeom, err error) {
	x := ops.Input(in, 0)
	if x == nil {
		return g, fmt.Errorf("input is missing")
	}
	length := int64(-1)
	if t := ops.Input(in, 1); t != nil && t.Len() > 0 {
		v, err := scalarInt(t, "dft_length")
		if err != nil {
			return g, err
		}
		if v < 1 || v > tensor.MaxElements {
			return g, fmt.Errorf("dft_length %d must be positive", v)
		}
		length = v
	}
	axis := d.axis
	if d.axisInput {
		axis = -2
		if t := ops.Input(in, 2); t != nil {
			if axis, err = scalarInt(t, "axis"); err != nil {
				return g, err
			}
		}
		if r := int64(x.Rank()); axis < -r || axis >= r-1 {
			return g, fmt.Errorf("axis %d out of range for input shape %v", axis, x.Shape())
		}
	}
	if g.isComplex, err = complexInput(x); err != nil {
		return g, err
	}
	r := x.Rank()
	if axis < 0 {
		axis += int64(r)
	}
	if axis < 0 || axis > int64(r-2) {
		return g, fmt.Errorf("axis out of range for input shape %v", x.Shape())
	}
	g.x, g.axis = x, int(axis)
	lead := x.Shape()[:r-1]
	g.inLen = lead[g.axis]
	g.length = int(length)
	if length < 0 {
		g.length = g.inLen
	}
	g.outLen = g.length
	if d.onesided {
		g.outLen = g.length/2 + 1
	}
	g.outer, g.inner = 1, 1
	for i := 0; i < g.axis; i++ {
		g.outer *= lead[i]
	}
	for i := g.axis + 1; i < len(lead); i++ {
		g.inner *= lead[i]
	}
	var buf [8]int
	out := append(tensor.Shape(buf[:0]), lead...)
	out[g.axis] = g.outLen
	if err := append(out, 2).Check(); err != nil {
		return g, err
	}
	return g, nil
}

// outShape writes the output's type and shape into o.
func (g *dftGeom) outShape(o *ops.OutSpec) {
	s := g.x.Shape()
	o.DType = g.x.DType()
	o.Shape = append(o.Shape[:0], s[:len(s)-1]...)
	o.Shape[g.axis] = g.outLen
	o.Shape = append(o.Shape, 2)
}

// run transforms g's input into y.
func (d *dftOp) run(g *dftGeom, y *tensor.Tensor) {
	if y.Len() == 0 {
		return
	}
	if g.length == 0 {
		// Nothing to transform: every bin is 0.
		clear(y.Bytes())
		return
	}
	p := d.plans.plan(g.length)
	s := getScratch(p)
	switch g.x.DType() {
	case tensor.Float32:
		dftInto(g, p, s, d.inverse, g.x.Float32s(), y.Float32s())
	case tensor.Float64:
		dftInto(g, p, s, d.inverse, g.x.Float64s(), y.Float64s())
	default:
		yf := make([]float32, y.Len())
		dftInto(g, p, s, d.inverse, float32Copy(g.x).Float32s(), yf)
		storeHalf(y, yf)
	}
	scratches.Put(s)
}

// dftInto transforms each signal of x along g's axis into y, in float64.
func dftInto[T float32 | float64](g *dftGeom, p *fftPlan, s *scratch, inverse bool, x, y []T) {
	br, bi, cr, ci := s.br, s.bi, s.cr, s.ci
	inLen, outLen, inner := g.inLen, g.outLen, g.inner
	for o := 0; o < g.outer; o++ {
		for i := 0; i < inner; i++ {
			for k := 0; k < g.length; k++ {
				if k < inLen {
					src := (o*inLen+k)*inner + i
					if g.isComplex {
						br[k], bi[k] = float64(x[2*src]), float64(x[2*src+1])
					} else {
						br[k], bi[k] = float64(x[src]), 0
					}
				} else {
					br[k], bi[k] = 0, 0
				}
			}
			p.transform(br, bi, cr, ci, inverse, &s.fft)
			for k := 0; k < outLen; k++ {
				dst := (o*outLen+k)*inner + i
				y[2*dst], y[2*dst+1] = T(cr[k]), T(ci[k])
			}
		}
	}
}

// ---- STFT ----

// stftOp is the bound state of an STFT node and its planned kernel.
type stftOp struct {
	onesided bool
	plans    planCache
}

// stftGeom is one call's resolved STFT: frames frames of frameLen samples,
// step apart, in each of batch signals of sigLen samples; bins kept.
type stftGeom struct {
	sig, window                  *tensor.Tensor
	isComplex                    bool
	batch, sigLen                int
	step, frameLen, frames, bins int
}

func bindSTFT(n *ops.Node) (ops.Kernel, error) {
	one, err := n.Int("onesided", 1)
	if err != nil {
		return nil, err
	}
	if one != 0 && one != 1 {
		return nil, fmt.Errorf("STFT: onesided must be 0 or 1")
	}
	st := &stftOp{onesided: one == 1}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			g, err := st.args(in)
			if err != nil {
				return fmt.Errorf("STFT: %w", err)
			}
			if len(out) > 0 {
				out[0].DType = g.sig.DType()
				out[0].Shape = append(out[0].Shape[:0], g.batch, g.frames, g.bins, 2)
			}
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			g, err := st.args(in)
			if err != nil {
				return fmt.Errorf("STFT: %w", err)
			}
			if y := ops.Input(out, 0); y != nil {
				st.run(&g, y)
			}
			return nil
		},
	})
}

// args checks a call's inputs and resolves its geometry.
func (st *stftOp) args(in []*tensor.Tensor) (g stftGeom, err error) {
	sig := ops.Input(in, 0)
	if sig == nil {
		return g, fmt.Errorf("signal is missing")
	}
	if sig.Rank() != 3 {
		return g, fmt.Errorf("signal must be [batch, length, 1|2], got %v", sig.Shape())
	}
	step, err := scalarInt(ops.Input(in, 1), "frame_step")
	if err != nil {
		return g, err
	}
	if step < 1 {
		return g, fmt.Errorf("frame_step %d must be positive", step)
	}
	if g.isComplex, err = complexInput(sig); err != nil {
		return g, err
	}
	g.sig = sig
	g.batch, g.sigLen = sig.Shape()[0], sig.Shape()[1]
	if w := ops.Input(in, 2); w != nil {
		if w.Rank() != 1 || !w.DType().IsFloat() {
			return g, fmt.Errorf("window must be a 1-D float tensor, got %v %v", w.DType(), w.Shape())
		}
		g.window = w
	}
	frameLen := int64(-1)
	if t := ops.Input(in, 3); t != nil {
		if frameLen, err = scalarInt(t, "frame_length"); err != nil {
			return g, err
		}
		if frameLen < 1 {
			return g, fmt.Errorf("frame_length %d must be positive", frameLen)
		}
		if g.window != nil && int64(g.window.Len()) != frameLen {
			return g, fmt.Errorf("window length %d differs from frame_length %d", g.window.Len(), frameLen)
		}
	} else if g.window != nil {
		frameLen = int64(g.window.Len())
	} else {
		frameLen = int64(g.sigLen)
	}
	if frameLen < 1 || frameLen > int64(g.sigLen) {
		return g, fmt.Errorf("frame length %d does not fit signal length %d", frameLen, g.sigLen)
	}
	g.frameLen = int(frameLen)
	g.step = int(step)
	g.frames = int(1 + (int64(g.sigLen)-frameLen)/step)
	g.bins = g.frameLen
	if st.onesided {
		g.bins = g.frameLen/2 + 1
	}
	var s [4]int
	if err := append(tensor.Shape(s[:0]), g.batch, g.frames, g.bins, 2).Check(); err != nil {
		return g, err
	}
	return g, nil
}

// run computes g's STFT into y.
func (st *stftOp) run(g *stftGeom, y *tensor.Tensor) {
	if y.Len() == 0 {
		return
	}
	p := st.plans.plan(g.frameLen)
	s := getScratch(p)
	win := floats(&s.win, g.frameLen)
	if w := g.window; w == nil {
		for i := range win {
			win[i] = 1
		}
	} else {
		switch w.DType() {
		case tensor.Float32:
			for i, v := range w.Float32s() {
				win[i] = float64(v)
			}
		case tensor.Float64:
			copy(win, w.Float64s())
		default:
			for i, v := range float32Copy(w).Float32s() {
				win[i] = float64(v)
			}
		}
	}
	switch g.sig.DType() {
	case tensor.Float32:
		stftInto(g, p, s, g.sig.Float32s(), y.Float32s())
	case tensor.Float64:
		stftInto(g, p, s, g.sig.Float64s(), y.Float64s())
	default:
		yf := make([]float32, y.Len())
		stftInto(g, p, s, float32Copy(g.sig).Float32s(), yf)
		storeHalf(y, yf)
	}
	scratches.Put(s)
}

// stftInto transforms each windowed frame of x into y, in float64.
func stftInto[T float32 | float64](g *stftGeom, p *fftPlan, s *scratch, x, y []T) {
	br, bi, cr, ci, win := s.br, s.bi, s.cr, s.ci, s.win
	fl, bins := g.frameLen, g.bins
	for b := 0; b < g.batch; b++ {
		for f := 0; f < g.frames; f++ {
			start := b*g.sigLen + f*g.step
			for k := 0; k < fl; k++ {
				var re, im float64
				if g.isComplex {
					re, im = float64(x[2*(start+k)]), float64(x[2*(start+k)+1])
				} else {
					re = float64(x[start+k])
				}
				br[k], bi[k] = re*win[k], im*win[k]
			}
			p.transform(br, bi, cr, ci, false, &s.fft)
			dst := (b*g.frames + f) * bins
			for k := 0; k < bins; k++ {
				y[2*(dst+k)], y[2*(dst+k)+1] = T(cr[k]), T(ci[k])
			}
		}
	}
}
