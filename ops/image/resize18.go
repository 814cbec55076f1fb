package image

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
)

// bindResize18 binds Resize-18 and Resize-19: Resize-13's attributes plus
// antialias, axes and keep_aspect_ratio_policy (18) and the
// half_pixel_symmetric coordinate transformation (19).
func bindResize18(n *ops.Node) (ops.Kernel, error) {
	m, err := n.String("mode", "nearest")
	if err != nil {
		return nil, err
	}
	mode, err := parseMode(m, true)
	if err != nil {
		return nil, err
	}
	r := &resizeOp{cfg: resizeConfig{mode: mode, pool: n.Pool}, name: "Resize", layout: layoutFull}
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
	return n.Plan(r.planned())
}

// origin maps output index j to an input coordinate, adding
// half_pixel_symmetric to resizeConfig.origin's transformations.
func (r *resizeOp) origin(j, inLen, outLen int, scale, resized, r0, r1 float64) (float64, bool) {
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
func (r *resizeOp) plan(inLen, outLen int, scale, resized, r0, r1 float64, aa bool) *axisPlan {
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
