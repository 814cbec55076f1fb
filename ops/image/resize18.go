package image

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// resize18 is the bound state of a Resize-18 or Resize-19 node: Resize-13's
// attributes plus antialias, axes and keep_aspect_ratio_policy (18) and
// the half_pixel_symmetric coordinate transformation (19).
type resize18 struct {
	cfg       resizeConfig
	antialias bool
	axes      []int64 // nil: every axis
	policy    string  // keep_aspect_ratio_policy
}

// bindResize18 binds Resize-18 and Resize-19.
func bindResize18(n *ops.Node) (ops.Kernel, error) {
	m, err := n.String("mode", "nearest")
	if err != nil {
		return nil, err
	}
	mode, err := parseMode(m, true)
	if err != nil {
		return nil, err
	}
	r := &resize18{cfg: resizeConfig{mode: mode, pool: n.Pool}}
	c := &r.cfg
	if c.ctm, err = n.String("coordinate_transformation_mode", "half_pixel"); err != nil {
		return nil, err
	}
	switch c.ctm {
	case "half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize", "tf_half_pixel_for_nn":
	case "half_pixel_symmetric":
		if n.Opset < 19 {
			return nil, fmt.Errorf("coordinate_transformation_mode half_pixel_symmetric needs opset 19")
		}
	default:
		return nil, fmt.Errorf("unsupported coordinate_transformation_mode %q", c.ctm)
	}
	if err := c.readSampling(n); err != nil {
		return nil, err
	}
	aa, err := n.Int("antialias", 0)
	if err != nil {
		return nil, err
	}
	r.antialias = aa != 0
	if r.axes, err = n.Ints("axes"); err != nil {
		return nil, err
	}
	if r.policy, err = n.String("keep_aspect_ratio_policy", "stretch"); err != nil {
		return nil, err
	}
	switch r.policy {
	case "stretch", "not_larger", "not_smaller":
	default:
		return nil, fmt.Errorf("unsupported keep_aspect_ratio_policy %q", r.policy)
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := ops.Input(in, 0)
		if x == nil {
			return nil, fmt.Errorf("Resize: input X is missing")
		}
		out, err := r.run(x, ops.Input(in, 1), ops.Input(in, 2), ops.Input(in, 3))
		if err != nil {
			return nil, fmt.Errorf("Resize: %w", err)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func (r *resize18) run(x, roiT, scalesT, sizesT *tensor.Tensor) (*tensor.Tensor, error) {
	c := &r.cfg
	rank := x.Rank()
	inShape := x.Shape()
	axes := make([]int, 0, rank)
	if r.axes == nil {
		for a := 0; a < rank; a++ {
			axes = append(axes, a)
		}
	} else {
		seen := make([]bool, rank)
		for _, a := range r.axes {
			ax, err := ops.NormAxis(a, rank)
			if err != nil {
				return nil, fmt.Errorf("axes: %w", err)
			}
			if seen[ax] {
				return nil, fmt.Errorf("axis %d repeated in axes", a)
			}
			seen[ax] = true
			axes = append(axes, ax)
		}
	}
	outShape := inShape.Clone()
	scales := make([]float64, rank)
	resized := make([]float64, rank)
	for i := range scales {
		scales[i] = 1
		resized[i] = float64(inShape[i])
	}
	hasSizes := sizesT != nil && sizesT.Len() > 0
	hasScales := scalesT != nil && scalesT.Len() > 0
	switch {
	case hasSizes && hasScales:
		return nil, fmt.Errorf("only one of scales and sizes may be given")
	case hasSizes:
		sz, err := ops.Int64s(sizesT)
		if err != nil {
			return nil, fmt.Errorf("sizes: %w", err)
		}
		if len(sz) != len(axes) {
			return nil, fmt.Errorf("sizes has %d entries for %d axes", len(sz), len(axes))
		}
		for i, a := range axes {
			if sz[i] < 0 || sz[i] > tensor.MaxElements {
				return nil, fmt.Errorf("sizes: invalid size %d", sz[i])
			}
			outShape[a] = int(sz[i])
		}
		if r.policy == "stretch" {
			for _, a := range axes {
				if inShape[a] != 0 {
					scales[a] = float64(outShape[a]) / float64(inShape[a])
				}
			}
		} else {
			// One scale for every listed axis, the largest that fits inside
			// sizes (not_larger) or the smallest that covers it
			// (not_smaller), computed in float32 as ONNX Runtime does.
			var s float32
			for i, a := range axes {
				if inShape[a] == 0 {
					continue
				}
				v := float32(outShape[a]) / float32(inShape[a])
				if i == 0 || (r.policy == "not_larger" && v < s) || (r.policy == "not_smaller" && v > s) {
					s = v
				}
			}
			for _, a := range axes {
				f := math.Round(float64(s * float32(inShape[a])))
				if f > tensor.MaxElements {
					return nil, fmt.Errorf("%w: scaled dim %v too large", tensor.ErrShape, f)
				}
				outShape[a] = int(f)
				scales[a] = float64(s)
			}
		}
		for _, a := range axes {
			resized[a] = float64(outShape[a])
		}
	case hasScales:
		if !scalesT.DType().IsNumeric() {
			return nil, fmt.Errorf("scales must be float, got %v", scalesT.DType())
		}
		sc, err := tensor.ToFloat64(scalesT)
		if err != nil {
			return nil, err
		}
		if len(sc) != len(axes) {
			return nil, fmt.Errorf("scales has %d entries for %d axes", len(sc), len(axes))
		}
		for i, a := range axes {
			s := sc[i]
			if !(s > 0) || math.IsInf(s, 0) {
				return nil, fmt.Errorf("scale %v must be positive and finite", s)
			}
			f := math.Floor(float64(inShape[a]) * s)
			if f > tensor.MaxElements {
				return nil, fmt.Errorf("%w: scaled dim %v too large", tensor.ErrShape, f)
			}
			outShape[a] = int(f)
			scales[a] = s
			resized[a] = float64(inShape[a]) * s
		}
	default:
		return nil, fmt.Errorf("one of scales and sizes is required")
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
		v, err := tensor.ToFloat64(roiT)
		if err != nil {
			return nil, err
		}
		if len(v) != 2*len(axes) {
			return nil, fmt.Errorf("roi has %d entries, want %d", len(v), 2*len(axes))
		}
		for i, a := range axes {
			roi[a], roi[rank+a] = v[i], v[len(axes)+i]
		}
	}

	if outShape.NumElements() == 0 {
		return tensor.New(x.DType(), outShape...), nil
	}
	plans := make([]*axisPlan, rank)
	for a := 0; a < rank; a++ {
		aa := r.antialias && c.mode != modeNearest && scales[a] < 1
		if !aa && c.ctm != "half_pixel_symmetric" {
			plans[a] = c.plan(inShape[a], outShape[a], scales[a], resized[a], roi[a], roi[rank+a])
		} else {
			plans[a] = r.plan(inShape[a], outShape[a], scales[a], resized[a], roi[a], roi[rank+a], aa)
		}
	}
	if c.mode == modeNearest {
		return c.gather(x, outShape, plans)
	}
	if !x.DType().IsNumeric() || x.DType() == tensor.Bool {
		return nil, fmt.Errorf("%v input cannot be interpolated", x.DType())
	}
	return c.interpolate(x, outShape, plans)
}

// origin maps output index j to an input coordinate, adding
// half_pixel_symmetric to resizeConfig.origin's transformations.
func (r *resize18) origin(j, inLen, outLen int, scale, resized, r0, r1 float64) (float64, bool) {
	if r.cfg.ctm == "half_pixel_symmetric" {
		// Centre the scaled input on the output canvas: differs from
		// half_pixel only when outLen is not exactly inLen·scale. The
		// offset is computed in float32 and the rest in float64, rounded to
		// float32 at the end, as ONNX Runtime does, so that nearest-mode
		// ties (0.5 up to rounding) break the same way; the conversions
		// round every step and prevent fused multiply-adds.
		s, l := float32(scale), float32(inLen)
		width := float32(s * l)
		adj := float32(outLen) / width
		offset := float32(float32(l/2) * float32(1-adj))
		x := float64(offset) + (float64(j)+0.5)/float64(s)
		return float64(float32(x - 0.5)), false
	}
	return r.cfg.origin(j, inLen, outLen, scale, resized, r0, r1)
}

// plan builds an axis plan for half_pixel_symmetric and for antialiased
// downscaling (aa), where the linear or cubic filter is stretched by
// 1/scale so that every input element under it contributes. Taps outside
// the input repeat the edge element, or are dropped with exclude_outside;
// the weights are normalised to sum to one.
func (r *resize18) plan(inLen, outLen int, scale, resized, r0, r1 float64, aa bool) *axisPlan {
	c := &r.cfg
	p := &axisPlan{}
	support := 1.0 // half-width of the filter in input elements
	switch c.mode {
	case modeNearest:
		p.taps = 1
	case modeLinear:
		p.taps = 2
	default:
		p.taps = 4
		support = 2
	}
	fs := 1.0 // filter scale: arguments are (tap − x)·fs
	if aa {
		fs = scale
		p.taps = int(math.Ceil(2*support/scale)) + 1
	}
	p.idx = make([]int, outLen*p.taps)
	p.w = make([]float64, outLen*p.taps)
	p.oob = make([]bool, outLen)
	filter := func(d float64) float64 {
		d = math.Abs(d)
		if c.mode == modeLinear {
			return max(0, 1-d)
		}
		a := c.cubicA
		switch {
		case d <= 1:
			return ((a+2)*d-(a+3))*d*d + 1
		case d < 2:
			return ((a*d-5*a)*d+8*a)*d - 4*a
		}
		return 0
	}
	for j := 0; j < outLen; j++ {
		x, oob := r.origin(j, inLen, outLen, scale, resized, r0, r1)
		p.oob[j] = oob
		t := p.idx[j*p.taps : (j+1)*p.taps]
		w := p.w[j*p.taps : (j+1)*p.taps]
		if math.IsNaN(x) || math.IsInf(x, 0) {
			x = 0
		}
		if c.mode == modeNearest {
			fl := math.Floor(x)
			k, rem := int(fl), x-fl
			if rem != 0 {
				switch c.nearest {
				case "round_prefer_floor":
					if rem > 0.5 {
						k++
					}
				case "round_prefer_ceil":
					if rem >= 0.5 {
						k++
					}
				case "ceil":
					k++
				}
			}
			t[0], w[0] = clampIdx(k, inLen), 1
			continue
		}
		// Taps are the integers within support/fs of x.
		lo := int(math.Floor(x-support/fs)) + 1
		if !aa {
			lo = int(math.Floor(x)) - int(support) + 1
		}
		sum := 0.0
		for k := range t {
			i := lo + k
			wk := filter((float64(i) - x) * fs)
			if c.excludeOutside && (i < 0 || i >= inLen) {
				wk = 0
			}
			t[k], w[k] = clampIdx(i, inLen), wk
			sum += wk
		}
		if (aa || c.excludeOutside) && sum != 0 {
			for k := range w {
				w[k] /= sum
			}
		}
	}
	return p
}
