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
	cfg := &resizeConfig{mode: mode, ctm: "asymmetric", nearest: "simple", pool: n.Pool}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, scales := ops.Input(in, 0), ops.Input(in, 1)
		if x == nil || scales == nil {
			return nil, fmt.Errorf("Resize: X and scales are required")
		}
		out, err := cfg.run(x, nil, scales, nil)
		if err != nil {
			return nil, fmt.Errorf("Resize: %w", err)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
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
	cfg := &resizeConfig{mode: mode, pool: n.Pool}
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
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := ops.Input(in, 0)
		if x == nil {
			return nil, fmt.Errorf("Resize: input X is missing")
		}
		out, err := cfg.run(x, ops.Input(in, 1), ops.Input(in, 2), ops.Input(in, 3))
		if err != nil {
			return nil, fmt.Errorf("Resize: %w", err)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
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
	scales := tensor.From(append([]float32(nil), fs...), len(fs))
	cfg := &resizeConfig{mode: mode, ctm: "asymmetric", nearest: "simple", pool: n.Pool}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := ops.Input(in, 0)
		if x == nil {
			return nil, fmt.Errorf("Upsample: input X is missing")
		}
		out, err := cfg.run(x, nil, scales, nil)
		if err != nil {
			return nil, fmt.Errorf("Upsample: %w", err)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
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
	cfg := &resizeConfig{mode: mode, ctm: "asymmetric", nearest: "simple", pool: n.Pool}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, scales := ops.Input(in, 0), ops.Input(in, 1)
		if x == nil || scales == nil {
			return nil, fmt.Errorf("Upsample: X and scales are required")
		}
		out, err := cfg.run(x, nil, scales, nil)
		if err != nil {
			return nil, fmt.Errorf("Upsample: %w", err)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func bindUpsample10(n *ops.Node) (ops.Kernel, error) {
	return nil, fmt.Errorf("Upsample is deprecated since opset 10; use Resize")
}

// axisPlan says how one output axis samples its input axis: output index j
// reads input indices idx[j*taps+k] with weights w[j*taps+k]; oob[j] marks
// tf_crop_and_resize positions that take the extrapolation value.
type axisPlan struct {
	taps     int
	idx      []int
	w        []float64
	oob      []bool
	identity bool
}

// run resizes x. roi, scales and sizes may be nil or empty.
func (c *resizeConfig) run(x, roiT, scalesT, sizesT *tensor.Tensor) (*tensor.Tensor, error) {
	rank := x.Rank()
	inShape := x.Shape()
	outShape := make(tensor.Shape, rank)
	scales := make([]float64, rank)
	// lengthResized is the "output length" used by align_corners and
	// tf_crop_and_resize: the exact size when sizes is given, else in*scale.
	resized := make([]float64, rank)

	if sizesT != nil && sizesT.Len() > 0 {
		if scalesT != nil && scalesT.Len() > 0 {
			return nil, fmt.Errorf("only one of scales and sizes may be given")
		}
		sz, err := ops.Int64s(sizesT)
		if err != nil {
			return nil, fmt.Errorf("sizes: %w", err)
		}
		if len(sz) != rank {
			return nil, fmt.Errorf("sizes has %d entries for rank %d input", len(sz), rank)
		}
		s, err := ops.ShapeFrom(sz)
		if err != nil {
			return nil, fmt.Errorf("sizes: %w", err)
		}
		copy(outShape, s)
		for i := range scales {
			if inShape[i] == 0 {
				scales[i] = 1
			} else {
				scales[i] = float64(outShape[i]) / float64(inShape[i])
			}
			resized[i] = float64(outShape[i])
		}
	} else {
		if scalesT == nil || scalesT.Len() == 0 {
			return nil, fmt.Errorf("one of scales and sizes is required")
		}
		if !scalesT.DType().IsNumeric() {
			return nil, fmt.Errorf("scales must be float, got %v", scalesT.DType())
		}
		sc, err := tensor.ToFloat64(scalesT)
		if err != nil {
			return nil, err
		}
		if len(sc) != rank {
			return nil, fmt.Errorf("scales has %d entries for rank %d input", len(sc), rank)
		}
		for i, s := range sc {
			if !(s > 0) || math.IsInf(s, 0) {
				return nil, fmt.Errorf("scale %v must be positive and finite", s)
			}
			f := math.Floor(float64(inShape[i]) * s)
			if f > tensor.MaxElements {
				return nil, fmt.Errorf("%w: scaled dim %v too large", tensor.ErrShape, f)
			}
			outShape[i] = int(f)
			scales[i] = s
			resized[i] = float64(inShape[i]) * s
		}
	}
	if err := outShape.Check(); err != nil {
		return nil, err
	}
	for i := range outShape {
		if inShape[i] == 0 && outShape[i] != 0 {
			return nil, fmt.Errorf("cannot resize an empty axis %d to %d", i, outShape[i])
		}
	}

	roi := make([]float64, 2*rank)
	for i := 0; i < rank; i++ {
		roi[rank+i] = 1
	}
	if c.ctm == "tf_crop_and_resize" && roiT != nil && roiT.Len() > 0 {
		if !roiT.DType().IsFloat() {
			return nil, fmt.Errorf("roi must be float, got %v", roiT.DType())
		}
		r, err := tensor.ToFloat64(roiT)
		if err != nil {
			return nil, err
		}
		if len(r) != 2*rank {
			return nil, fmt.Errorf("roi has %d entries, want %d", len(r), 2*rank)
		}
		roi = r
	}

	if outShape.NumElements() == 0 {
		return tensor.New(x.DType(), outShape...), nil
	}

	plans := make([]*axisPlan, rank)
	for a := 0; a < rank; a++ {
		plans[a] = c.plan(inShape[a], outShape[a], scales[a], resized[a], roi[a], roi[rank+a])
	}

	if c.mode == modeNearest {
		return c.gather(x, outShape, plans)
	}
	if !x.DType().IsNumeric() || x.DType() == tensor.Bool {
		return nil, fmt.Errorf("%v input cannot be interpolated", x.DType())
	}
	return c.interpolate(x, outShape, plans)
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

// gather implements nearest-neighbour resizing for any dtype by copying elements.
func (c *resizeConfig) gather(x *tensor.Tensor, outShape tensor.Shape, plans []*axisPlan) (*tensor.Tensor, error) {
	rank := len(outShape)
	dt := x.DType()
	out := tensor.New(dt, outShape...)
	if c.gatherFloat32NCHW(x, out, plans) {
		return out, nil
	}
	inStrides := ops.Strides(x.Shape())
	var fill []byte
	anyOOB := false
	for _, p := range plans {
		for _, o := range p.oob {
			anyOOB = anyOOB || o
		}
	}
	if anyOOB && dt != tensor.String {
		f, err := tensor.FromFloat64(dt, tensor.Shape{}, []float64{c.extrapolation})
		if err != nil {
			return nil, err
		}
		fill = f.Bytes()
	}
	n := outShape.NumElements()
	idx := make([]int, rank)
	var src, dst []byte
	var ssrc, sdst []string
	size := dt.Size()
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
		if dt == tensor.String {
			if !oob {
				sdst[o] = ssrc[off]
			}
		} else if oob {
			copy(dst[o*size:(o+1)*size], fill)
		} else {
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
	return out, nil
}

// interpolate implements linear and cubic resizing as separable passes in float64.
func (c *resizeConfig) interpolate(x *tensor.Tensor, outShape tensor.Shape, plans []*axisPlan) (*tensor.Tensor, error) {
	if out := c.interpolateFloat32NCHW(x, outShape, plans); out != nil {
		return out, nil
	}
	rank := len(outShape)
	data, err := tensor.ToFloat64(x)
	if err != nil {
		return nil, err
	}
	cur := x.Shape().Clone()
	// Shrinking axes first keeps intermediate buffers small.
	order := make([]int, 0, rank)
	for a := 0; a < rank; a++ {
		if outShape[a] <= cur[a] {
			order = append(order, a)
		}
	}
	for a := 0; a < rank; a++ {
		if outShape[a] > cur[a] {
			order = append(order, a)
		}
	}
	for _, a := range order {
		p := plans[a]
		if p.identity {
			continue
		}
		outer, inner := 1, 1
		for i := 0; i < a; i++ {
			outer *= cur[i]
		}
		for i := a + 1; i < rank; i++ {
			inner *= cur[i]
		}
		inLen, outLen := cur[a], outShape[a]
		next := make([]float64, outer*outLen*inner)
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
		data = next
		cur[a] = outLen
	}
	// tf_crop_and_resize: positions outside the input take the extrapolation value.
	anyOOB := false
	for _, p := range plans {
		for _, o := range p.oob {
			anyOOB = anyOOB || o
		}
	}
	if anyOOB {
		idx := make([]int, rank)
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
	return tensor.FromFloat64(x.DType(), outShape, data)
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
