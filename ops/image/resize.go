package image

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// Interpolation modes.
const (
	modeNearest = iota
	modeLinear
	modeCubic
)

// resizeConfig is the bound, attribute-derived state of a Resize or Upsample node.
type resizeConfig struct {
	mode           int
	ctm            string // coordinate_transformation_mode
	nearest        string // nearest_mode, or "simple" for the pre-11 rule
	cubicA         float64
	excludeOutside bool
	extrapolation  float64
	pool           *parallel.Pool // may be nil: run on the calling goroutine
}

func parseMode(s string, allowCubic bool) (int, error) {
	switch s {
	case "nearest":
		return modeNearest, nil
	case "linear", "bilinear", "trilinear":
		// Upsample-7 documents "bilinear"; accept it as linear.
		return modeLinear, nil
	case "cubic", "bicubic":
		if allowCubic {
			return modeCubic, nil
		}
	}
	return 0, fmt.Errorf("unsupported mode %q", s)
}

// bindResize10 binds Resize-10: inputs X, scales; Upsample-style coordinates.
func bindResize10(n *ops.Node) (ops.Kernel, error) {
	m, err := n.String("mode", "nearest")
	if err != nil {
		return nil, err
	}
	mode, err := parseMode(m, false)
	if err != nil {
		return nil, err
	}
	r := &resizeOp{
		cfg:    resizeConfig{mode: mode, ctm: "asymmetric", nearest: "simple", pool: n.Pool},
		name:   "Resize",
		layout: layoutScalesInput,
		policy: "stretch",
	}
	return n.Plan(r.planned())
}

// bindResize11 binds Resize-11 and Resize-13: inputs X, roi, scales, sizes.
func bindResize11(n *ops.Node) (ops.Kernel, error) {
	m, err := n.String("mode", "nearest")
	if err != nil {
		return nil, err
	}
	mode, err := parseMode(m, true)
	if err != nil {
		return nil, err
	}
	r := &resizeOp{cfg: resizeConfig{mode: mode, pool: n.Pool}, name: "Resize", layout: layoutFull, policy: "stretch"}
	cfg := &r.cfg
	if cfg.ctm, err = n.String("coordinate_transformation_mode", "half_pixel"); err != nil {
		return nil, err
	}
	switch cfg.ctm {
	case "half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize", "tf_half_pixel_for_nn":
	default:
		return nil, fmt.Errorf("unsupported coordinate_transformation_mode %q", cfg.ctm)
	}
	if err := cfg.readSampling(n); err != nil {
		return nil, err
	}
	return n.Plan(r.planned())
}

// bindUpsample7 binds Upsample-7 (scales attribute).
func bindUpsample7(n *ops.Node) (ops.Kernel, error) {
	m, err := n.String("mode", "nearest")
	if err != nil {
		return nil, err
	}
	mode, err := parseMode(m, false)
	if err != nil {
		return nil, err
	}
	fs, err := n.Floats("scales")
	if err != nil {
		return nil, err
	}
	if fs == nil {
		return nil, fmt.Errorf("Upsample: attribute scales is required")
	}
	r := &resizeOp{
		cfg:        resizeConfig{mode: mode, ctm: "asymmetric", nearest: "simple", pool: n.Pool},
		name:       "Upsample",
		layout:     layoutScalesAttr,
		attrScales: tensor.From(append([]float32(nil), fs...), len(fs)),
		policy:     "stretch",
	}
	return n.Plan(r.planned())
}

// bindUpsample9 binds Upsample-9 (scales input).
func bindUpsample9(n *ops.Node) (ops.Kernel, error) {
	m, err := n.String("mode", "nearest")
	if err != nil {
		return nil, err
	}
	mode, err := parseMode(m, false)
	if err != nil {
		return nil, err
	}
	r := &resizeOp{
		cfg:    resizeConfig{mode: mode, ctm: "asymmetric", nearest: "simple", pool: n.Pool},
		name:   "Upsample",
		layout: layoutScalesInput,
		policy: "stretch",
	}
	return n.Plan(r.planned())
}

func bindUpsample10(n *ops.Node) (ops.Kernel, error) {
	return nil, fmt.Errorf("Upsample is deprecated since opset 10; use Resize")
}

// axisPlan says how one output axis samples its input axis: output index j
// reads input indices idx[j*taps+k] with weights w[j*taps+k]; oob[j] marks
// tf_crop_and_resize positions that take the extrapolation value.
//
// A plan is immutable once finish has run: cached plans are shared by
// every concurrent run of a kernel, so nothing may write to one after.
type axisPlan struct {
	taps     int
	idx      []int
	w        []float64
	oob      []bool
	identity bool // output j is input j for every j (nothing to compute)
	anyOOB   bool // some oob[j] is set
	// rep > 0 (nearest only): output j reads input j/rep for every j, that
	// is, each input element repeated rep times in order.
	rep int
}

// finish derives the summary fields (anyOOB, rep) from a built plan of
// an axis of inLen input elements.
func (p *axisPlan) finish(inLen int) {
	for _, o := range p.oob {
		p.anyOOB = p.anyOOB || o
	}
	outLen := len(p.oob)
	if p.taps != 1 || p.anyOOB || inLen == 0 || outLen%inLen != 0 {
		return
	}
	r := outLen / inLen
	for j, k := range p.idx {
		if k != j/r {
			return
		}
	}
	p.rep = r
}

// origin maps output coordinate j of an axis to an input coordinate.
func (c *resizeConfig) origin(j int, inLen, outLen int, scale, resized, r0, r1 float64) (float64, bool) {
	xr := float64(j)
	in := float64(inLen)
	switch c.ctm {
	case "half_pixel":
		return (xr+0.5)/scale - 0.5, false
	case "pytorch_half_pixel":
		if outLen > 1 {
			return (xr+0.5)/scale - 0.5, false
		}
		return 0, false
	case "align_corners":
		if resized == 1 {
			return 0, false
		}
		return xr * (in - 1) / (resized - 1), false
	case "asymmetric":
		return xr / scale, false
	case "tf_half_pixel_for_nn":
		return (xr + 0.5) / scale, false
	case "tf_crop_and_resize":
		// Evaluated in float32 in the spec's order, as ONNX Runtime does, so
		// that a position landing on the border up to rounding (roi ends such
		// as -0.1 and 0.7 over 7 pixels) agrees on whether it extrapolates.
		// The conversions round every step and keep the compiler from
		// fusing multiply-adds.
		s, e, l := float32(r0), float32(r1), float32(in-1)
		var x float32
		if resized == 1 {
			x = float32(0.5 * float64(s+e) * float64(l))
		} else {
			step := float32(float32(float32(xr)*float32(e-s))*l) / float32(resized-1)
			x = float32(s*l) + step
		}
		return float64(x), x < 0 || x > l
	}
	return xr / scale, false
}

func clampIdx(i, n int) int {
	if i < 0 {
		return 0
	}
	if i >= n {
		return n - 1
	}
	return i
}

func (c *resizeConfig) plan(inLen, outLen int, scale, resized, r0, r1 float64) *axisPlan {
	p := &axisPlan{}
	switch c.mode {
	case modeNearest:
		p.taps = 1
	case modeLinear:
		p.taps = 2
	default:
		p.taps = 4
	}
	p.idx = make([]int, outLen*p.taps)
	p.w = make([]float64, outLen*p.taps)
	p.oob = make([]bool, outLen)
	identity := inLen == outLen
	for j := 0; j < outLen; j++ {
		x, oob := c.origin(j, inLen, outLen, scale, resized, r0, r1)
		p.oob[j] = oob
		if oob {
			identity = false
		}
		fl := math.Floor(x)
		r := x - fl
		base := int(fl)
		if math.IsNaN(x) || math.IsInf(x, 0) {
			base, r = 0, 0
		}
		t := p.idx[j*p.taps : (j+1)*p.taps]
		w := p.w[j*p.taps : (j+1)*p.taps]
		switch c.mode {
		case modeNearest:
			k := base
			if r != 0 {
				switch c.nearest {
				case "round_prefer_floor":
					if r > 0.5 {
						k++
					}
				case "round_prefer_ceil":
					if r >= 0.5 {
						k++
					}
				case "ceil":
					k++
				case "simple":
					if scale < 1 {
						k++
					}
				}
			}
			t[0] = clampIdx(k, inLen)
			w[0] = 1
			if t[0] != j {
				identity = false
			}
		case modeLinear:
			t[0], t[1] = clampIdx(base, inLen), clampIdx(base+1, inLen)
			w[0], w[1] = 1-r, r
			if r != 0 || t[0] != j {
				identity = false
			}
		case modeCubic:
			a := c.cubicA
			w[0] = ((a*(r+1)-5*a)*(r+1)+8*a)*(r+1) - 4*a
			w[1] = ((a+2)*r-(a+3))*r*r + 1
			w[2] = ((a+2)*(1-r)-(a+3))*(1-r)*(1-r) + 1
			w[3] = ((a*(2-r)-5*a)*(2-r)+8*a)*(2-r) - 4*a
			if c.excludeOutside {
				sum := 0.0
				for k := 0; k < 4; k++ {
					if i := base - 1 + k; i < 0 || i >= inLen {
						w[k] = 0
					}
					sum += w[k]
				}
				if sum != 0 {
					for k := range w {
						w[k] /= sum
					}
				}
			}
			for k := 0; k < 4; k++ {
				t[k] = clampIdx(base-1+k, inLen)
			}
			if r != 0 || base != j {
				identity = false
			}
		}
	}
	p.identity = identity
	return p
}

// gather implements nearest-neighbour resizing for any dtype by copying
// elements into out, every one of which it writes.
func (c *resizeConfig) gather(x, out *tensor.Tensor, e *resizeEntry) error {
	if c.gatherFloat32NCHW(x, out, e.plans) {
		return nil
	}
	plans, outShape := e.plans, e.out
	rank := len(outShape)
	dt := x.DType()
	var stBuf, idxBuf [stackRank]int
	inStrides := stridesInto(intsOf(stBuf[:], rank), x.Shape())
	idx := intsOf(idxBuf[:], rank)
	clear(idx)
	size := dt.Size()
	var fillBuf [8]byte
	fill := fillBuf[:size]
	if e.anyOOB && dt != tensor.String {
		if err := tensor.PutFloat64(fill, dt, c.extrapolation); err != nil {
			return err
		}
	}
	n := outShape.NumElements()
	var src, dst []byte
	var ssrc, sdst []string
	if dt == tensor.String {
		ssrc, sdst = x.Strings(), out.Strings()
	} else {
		src, dst = x.Bytes(), out.Bytes()
	}
	for o := 0; o < n; o++ {
		off := 0
		oob := false
		for a := 0; a < rank; a++ {
			p := plans[a]
			off += p.idx[idx[a]] * inStrides[a]
			oob = oob || p.oob[idx[a]]
		}
		switch {
		case dt == tensor.String && oob:
			sdst[o] = ""
		case dt == tensor.String:
			sdst[o] = ssrc[off]
		case oob:
			copy(dst[o*size:(o+1)*size], fill)
		default:
			copy(dst[o*size:(o+1)*size], src[off*size:(off+1)*size])
		}
		for a := rank - 1; a >= 0; a-- {
			idx[a]++
			if idx[a] < outShape[a] {
				break
			}
			idx[a] = 0
		}
	}
	return nil
}

// interpolate implements linear and cubic resizing as separable passes in
// float64 into out, every element of which it writes. The working buffers
// come from a pool, so a steady stream of calls allocates nothing.
func (c *resizeConfig) interpolate(x, out *tensor.Tensor, e *resizeEntry) error {
	if c.interpolateFloat32NCHW(x, out, e.plans) {
		return nil
	}
	plans, outShape := e.plans, e.out
	rank := len(outShape)
	var curBuf, orderBuf [stackRank]int
	cur := intsOf(curBuf[:], rank)
	copy(cur, x.Shape())
	// Shrinking axes first keeps intermediate buffers small.
	order := intsOf(orderBuf[:], rank)[:0]
	for a := 0; a < rank; a++ {
		if outShape[a] <= cur[a] && !plans[a].identity {
			order = append(order, a)
		}
	}
	for a := 0; a < rank; a++ {
		if outShape[a] > cur[a] && !plans[a].identity {
			order = append(order, a)
		}
	}
	// The largest value the passes hold: the input or one pass's result.
	// (A non-empty output has no empty axis, so the divisions are exact.)
	n, most := x.Len(), x.Len()
	for _, a := range order {
		n = n / cur[a] * outShape[a]
		most = max(most, n)
	}
	sc := getFloat64s(2 * most)
	defer putFloat64s(sc)
	// data is the current values, in one half of the scratch; each pass
	// writes the other half and the halves swap.
	data, other := sc.buf[:x.Len():most], sc.buf[most:2*most:2*most]
	if err := tensor.LoadFloat64(data, x); err != nil {
		return err
	}
	for _, a := range order {
		p := plans[a]
		outer, inner := 1, 1
		for i := 0; i < a; i++ {
			outer *= cur[i]
		}
		for i := a + 1; i < rank; i++ {
			inner *= cur[i]
		}
		inLen, outLen := cur[a], outShape[a]
		next := other[:outer*outLen*inner]
		clear(next)
		for o := 0; o < outer; o++ {
			srcBase := o * inLen * inner
			dstBase := o * outLen * inner
			for j := 0; j < outLen; j++ {
				d := next[dstBase+j*inner : dstBase+(j+1)*inner]
				for k := 0; k < p.taps; k++ {
					w := p.w[j*p.taps+k]
					if w == 0 {
						continue
					}
					s := data[srcBase+p.idx[j*p.taps+k]*inner:]
					for i := range d {
						d[i] += w * s[i]
					}
				}
			}
		}
		data, other = next, data[:cap(data)]
		cur[a] = outLen
	}
	// tf_crop_and_resize: positions outside the input take the extrapolation value.
	if e.anyOOB {
		var idxBuf [stackRank]int
		idx := intsOf(idxBuf[:], rank)
		clear(idx)
		for o := range data {
			for a := 0; a < rank; a++ {
				if plans[a].oob[idx[a]] {
					data[o] = c.extrapolation
					break
				}
			}
			for a := rank - 1; a >= 0; a-- {
				idx[a]++
				if idx[a] < outShape[a] {
					break
				}
				idx[a] = 0
			}
		}
	}
	return tensor.StoreFloat64(out, data)
}

// readSampling reads the attributes Resize-11 and later share: nearest_mode,
// cubic_coeff_a, exclude_outside and extrapolation_value.
func (c *resizeConfig) readSampling(n *ops.Node) error {
	var err error
	if c.nearest, err = n.String("nearest_mode", "round_prefer_floor"); err != nil {
		return err
	}
	switch c.nearest {
	case "round_prefer_floor", "round_prefer_ceil", "floor", "ceil":
	default:
		return fmt.Errorf("unsupported nearest_mode %q", c.nearest)
	}
	a, err := n.Float("cubic_coeff_a", -0.75)
	if err != nil {
		return err
	}
	c.cubicA = float64(a)
	ex, err := n.Int("exclude_outside", 0)
	if err != nil {
		return err
	}
	c.excludeOutside = ex != 0
	ev, err := n.Float("extrapolation_value", 0)
	if err != nil {
		return err
	}
	c.extrapolation = float64(ev)
	return nil
}
