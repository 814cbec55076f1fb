package signal

// DFT and STFT as they were before they got planned forms, kept as the
// reference the planned kernels must reproduce bit for bit
// (dft_planned_test.go).

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// legacyFFTPlan computes length-n complex DFTs: radix-2 for powers of two, a
// direct sum over an exact twiddle table otherwise.
type legacyFFTPlan struct {
	n        int
	cos, sin []float64 // cos, sin of 2πk/n
	rev      []int     // bit reversal permutation (powers of two only)
	tr, ti   []float64 // scratch
	blue     *legacyBluestein
}

// legacyBluestein evaluates a length-n DFT as a convolution of length m (a power
// of two ≥ 2n-1) with the chirp exp(iπk²/n), in O(m log m).
type legacyBluestein struct {
	m              *legacyFFTPlan
	wr, wi         []float64 // chirp exp(-iπk²/n), k < n
	br, bi         []float64 // FFT of the conjugate chirp, zero-padded and wrapped
	ar, ai, cr, ci []float64 // scratch of length m
}

// legacyDirectMax is the largest non-power-of-two length summed directly.
const legacyDirectMax = 64

func legacyNewBluestein(n int) *legacyBluestein {
	m := 1
	for m < 2*n-1 {
		m <<= 1
	}
	b := &legacyBluestein{m: legacyNewPlan(m), wr: make([]float64, n), wi: make([]float64, n)}
	for _, s := range []*[]float64{&b.br, &b.bi, &b.ar, &b.ai, &b.cr, &b.ci} {
		*s = make([]float64, m)
	}
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
	b.m.transform(tr, ti, b.br, b.bi, false)
	return b
}

// forward writes the forward DFT of (re, im) into (or, oi).
func (b *legacyBluestein) forward(re, im, or, oi []float64) {
	n := len(b.wr)
	for k := range b.ar {
		b.ar[k], b.ai[k] = 0, 0
	}
	for k := 0; k < n; k++ {
		b.ar[k] = re[k]*b.wr[k] - im[k]*b.wi[k]
		b.ai[k] = re[k]*b.wi[k] + im[k]*b.wr[k]
	}
	b.m.transform(b.ar, b.ai, b.cr, b.ci, false)
	for k := range b.cr {
		r := b.cr[k]*b.br[k] - b.ci[k]*b.bi[k]
		i := b.cr[k]*b.bi[k] + b.ci[k]*b.br[k]
		b.cr[k], b.ci[k] = r, i
	}
	b.m.transform(b.cr, b.ci, b.ar, b.ai, true)
	for k := 0; k < n; k++ {
		or[k] = b.ar[k]*b.wr[k] - b.ai[k]*b.wi[k]
		oi[k] = b.ar[k]*b.wi[k] + b.ai[k]*b.wr[k]
	}
}

func legacyNewPlan(n int) *legacyFFTPlan {
	p := &legacyFFTPlan{n: n, tr: make([]float64, n), ti: make([]float64, n)}
	if n > legacyDirectMax && n&(n-1) != 0 {
		p.blue = legacyNewBluestein(n)
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
// and divides by n.
func (p *legacyFFTPlan) transform(re, im, or, oi []float64, inverse bool) {
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
			for k := 0; k < n; k++ {
				p.tr[k] = -im[k]
			}
			p.blue.forward(re, p.tr, or, oi)
			for k := 0; k < n; k++ {
				oi[k] = -oi[k]
			}
		} else {
			p.blue.forward(re, im, or, oi)
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
			p.tr[k], p.ti[k] = sr, si
		}
		copy(or, p.tr)
		copy(oi, p.ti)
	}
	if inverse {
		inv := 1 / float64(n)
		for k := 0; k < n; k++ {
			or[k] *= inv
			oi[k] *= inv
		}
	}
}

// legacyReadComplex reads a float tensor whose last dim is 1 (real) or 2 (complex)
// into separate real and imaginary arrays of its leading shape.
func legacyReadComplex(x *tensor.Tensor) (re, im []float64, lead tensor.Shape, err error) {
	if !x.DType().IsFloat() {
		return nil, nil, nil, fmt.Errorf("input must be float, got %v", x.DType())
	}
	s := x.Shape()
	if len(s) < 2 || (s[len(s)-1] != 1 && s[len(s)-1] != 2) {
		return nil, nil, nil, fmt.Errorf("input shape %v must end in 1 (real) or 2 (complex)", s)
	}
	d, err := tensor.ToFloat64(x)
	if err != nil {
		return nil, nil, nil, err
	}
	lead = s[:len(s)-1]
	n := lead.NumElements()
	re, im = make([]float64, n), make([]float64, n)
	if s[len(s)-1] == 1 {
		copy(re, d)
	} else {
		for i := 0; i < n; i++ {
			re[i], im[i] = d[2*i], d[2*i+1]
		}
	}
	return re, im, lead, nil
}

// legacyWriteComplex packs (re, im) of shape lead into a tensor of shape lead+[2].
func legacyWriteComplex(dt tensor.DType, lead tensor.Shape, re, im []float64) (*tensor.Tensor, error) {
	vals := make([]float64, 2*len(re))
	for i := range re {
		vals[2*i], vals[2*i+1] = re[i], im[i]
	}
	shape := append(lead.Clone(), 2)
	return tensor.FromFloat64(dt, shape, vals)
}

func legacyBindDFT(n *ops.Node) (ops.Kernel, error) {
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
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := ops.Input(in, 0)
		if x == nil {
			return nil, fmt.Errorf("DFT: input is missing")
		}
		length := int64(-1)
		if t := ops.Input(in, 1); t != nil && t.Len() > 0 {
			v, err := ops.ScalarInt(t, "dft_length")
			if err != nil {
				return nil, fmt.Errorf("DFT: %w", err)
			}
			if v < 1 || v > tensor.MaxElements {
				return nil, fmt.Errorf("DFT: dft_length %d must be positive", v)
			}
			length = v
		}
		out, err := legacyDFT(x, axis, int(length), inv == 1, one == 1)
		if err != nil {
			return nil, fmt.Errorf("DFT: %w", err)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// legacyDFT transforms x along axis. length < 0 means the axis' own length.
func legacyDFT(x *tensor.Tensor, axis64 int64, length int, inverse, onesided bool) (*tensor.Tensor, error) {
	re, im, lead, err := legacyReadComplex(x)
	if err != nil {
		return nil, err
	}
	r := x.Rank()
	if axis64 < 0 {
		axis64 += int64(r)
	}
	if axis64 < 0 || axis64 > int64(r-2) {
		return nil, fmt.Errorf("axis out of range for input shape %v", x.Shape())
	}
	axis := int(axis64)
	inLen := lead[axis]
	if length < 0 {
		length = inLen
	}
	outLen := length
	if onesided {
		outLen = length/2 + 1
	}
	outLead := lead.Clone()
	outLead[axis] = outLen
	if err := append(outLead.Clone(), 2).Check(); err != nil {
		return nil, err
	}
	outer, inner := 1, 1
	for i := 0; i < axis; i++ {
		outer *= lead[i]
	}
	for i := axis + 1; i < len(lead); i++ {
		inner *= lead[i]
	}
	n := outLead.NumElements()
	ore, oim := make([]float64, n), make([]float64, n)
	if n > 0 && length > 0 {
		p := legacyNewPlan(length)
		br, bi := make([]float64, length), make([]float64, length)
		cr, ci := make([]float64, length), make([]float64, length)
		for o := 0; o < outer; o++ {
			for i := 0; i < inner; i++ {
				for k := 0; k < length; k++ {
					if k < inLen {
						src := (o*inLen+k)*inner + i
						br[k], bi[k] = re[src], im[src]
					} else {
						br[k], bi[k] = 0, 0
					}
				}
				p.transform(br, bi, cr, ci, inverse)
				for k := 0; k < outLen; k++ {
					dst := (o*outLen+k)*inner + i
					ore[dst], oim[dst] = cr[k], ci[k]
				}
			}
		}
	}
	return legacyWriteComplex(x.DType(), outLead, ore, oim)
}

func legacyBindSTFT(n *ops.Node) (ops.Kernel, error) {
	one, err := n.Int("onesided", 1)
	if err != nil {
		return nil, err
	}
	if one != 0 && one != 1 {
		return nil, fmt.Errorf("STFT: onesided must be 0 or 1")
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		out, err := legacySTFT(in, one == 1)
		if err != nil {
			return nil, fmt.Errorf("STFT: %w", err)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func legacySTFT(in []*tensor.Tensor, onesided bool) (*tensor.Tensor, error) {
	sig := ops.Input(in, 0)
	if sig == nil {
		return nil, fmt.Errorf("signal is missing")
	}
	if sig.Rank() != 3 {
		return nil, fmt.Errorf("signal must be [batch, length, 1|2], got %v", sig.Shape())
	}
	step, err := ops.ScalarInt(ops.Input(in, 1), "frame_step")
	if err != nil {
		return nil, err
	}
	if step < 1 {
		return nil, fmt.Errorf("frame_step %d must be positive", step)
	}
	re, im, lead, err := legacyReadComplex(sig)
	if err != nil {
		return nil, err
	}
	batch, sigLen := lead[0], lead[1]
	var window []float64
	if w := ops.Input(in, 2); w != nil {
		if w.Rank() != 1 || !w.DType().IsFloat() {
			return nil, fmt.Errorf("window must be a 1-D float tensor, got %v %v", w.DType(), w.Shape())
		}
		if window, err = tensor.ToFloat64(w); err != nil {
			return nil, err
		}
	}
	frameLen := int64(-1)
	if t := ops.Input(in, 3); t != nil {
		if frameLen, err = ops.ScalarInt(t, "frame_length"); err != nil {
			return nil, err
		}
		if frameLen < 1 {
			return nil, fmt.Errorf("frame_length %d must be positive", frameLen)
		}
		if window != nil && int64(len(window)) != frameLen {
			return nil, fmt.Errorf("window length %d differs from frame_length %d", len(window), frameLen)
		}
	} else if window != nil {
		frameLen = int64(len(window))
	} else {
		frameLen = int64(sigLen)
	}
	if frameLen < 1 || frameLen > int64(sigLen) {
		return nil, fmt.Errorf("frame length %d does not fit signal length %d", frameLen, sigLen)
	}
	fl := int(frameLen)
	if window == nil {
		window = make([]float64, fl)
		for i := range window {
			window[i] = 1
		}
	}
	frames := 1 + (int64(sigLen)-frameLen)/step
	bins := fl
	if onesided {
		bins = fl/2 + 1
	}
	outLead := tensor.Shape{batch, int(frames), bins}
	if err := append(outLead.Clone(), 2).Check(); err != nil {
		return nil, err
	}
	n := outLead.NumElements()
	ore, oim := make([]float64, n), make([]float64, n)
	p := legacyNewPlan(fl)
	br, bi := make([]float64, fl), make([]float64, fl)
	cr, ci := make([]float64, fl), make([]float64, fl)
	for b := 0; b < batch; b++ {
		for f := 0; f < int(frames); f++ {
			start := b*sigLen + f*int(step)
			for k := 0; k < fl; k++ {
				br[k], bi[k] = re[start+k]*window[k], im[start+k]*window[k]
			}
			p.transform(br, bi, cr, ci, false)
			dst := (b*int(frames) + f) * bins
			copy(ore[dst:dst+bins], cr[:bins])
			copy(oim[dst:dst+bins], ci[:bins])
		}
	}
	return legacyWriteComplex(sig.DType(), outLead, ore, oim)
}

// legacyBindDFT20 binds DFT-20, where the axis moved from an attribute to the
// optional third input (default −2, the last axis before the real/imaginary
// one); dft_length stays the optional second input.
func legacyBindDFT20(n *ops.Node) (ops.Kernel, error) {
	if n.Has("axis") {
		return nil, fmt.Errorf("DFT: from opset 20 the axis is an input, not an attribute")
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
	if inv == 1 && one == 1 {
		return nil, fmt.Errorf("DFT: onesided inverse transforms are not defined")
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := ops.Input(in, 0)
		if x == nil {
			return nil, fmt.Errorf("DFT: input is missing")
		}
		length := int64(-1)
		if t := ops.Input(in, 1); t != nil && t.Len() > 0 {
			v, err := ops.ScalarInt(t, "dft_length")
			if err != nil {
				return nil, fmt.Errorf("DFT: %w", err)
			}
			if v < 1 || v > tensor.MaxElements {
				return nil, fmt.Errorf("DFT: dft_length %d must be positive", v)
			}
			length = v
		}
		axis := int64(-2)
		if t := ops.Input(in, 2); t != nil {
			v, err := ops.ScalarInt(t, "axis")
			if err != nil {
				return nil, fmt.Errorf("DFT: %w", err)
			}
			axis = v
		}
		if r := int64(x.Rank()); axis < -r || axis >= r-1 {
			return nil, fmt.Errorf("DFT: axis %d out of range for input shape %v", axis, x.Shape())
		}
		out, err := legacyDFT(x, axis, int(length), inv == 1, one == 1)
		if err != nil {
			return nil, fmt.Errorf("DFT: %w", err)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}
