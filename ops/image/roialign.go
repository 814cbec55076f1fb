package image

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// maxRoiSamples bounds the bilinear samples one roi may take.
const maxRoiSamples = 1 << 28

type roiAlign struct {
	max           bool
	outH, outW    int
	samplingRatio int
	spatialScale  float64
	halfPixel     bool
}

// bindRoiAlign returns the binder for RoiAlign at opset since (10 or 16).
func bindRoiAlign(since int64) ops.BindFunc {
	return func(n *ops.Node) (ops.Kernel, error) {
		r := &roiAlign{}
		m, err := n.String("mode", "avg")
		if err != nil {
			return nil, err
		}
		switch m {
		case "avg":
		case "max":
			r.max = true
		default:
			return nil, fmt.Errorf("RoiAlign: unsupported mode %q", m)
		}
		oh, err := n.Int("output_height", 1)
		if err != nil {
			return nil, err
		}
		ow, err := n.Int("output_width", 1)
		if err != nil {
			return nil, err
		}
		sr, err := n.Int("sampling_ratio", 0)
		if err != nil {
			return nil, err
		}
		if oh < 1 || ow < 1 || oh > 1<<20 || ow > 1<<20 || sr < 0 || sr > 1<<20 {
			return nil, fmt.Errorf("RoiAlign: invalid output_height %d, output_width %d or sampling_ratio %d", oh, ow, sr)
		}
		r.outH, r.outW, r.samplingRatio = int(oh), int(ow), int(sr)
		ss, err := n.Float("spatial_scale", 1)
		if err != nil {
			return nil, err
		}
		r.spatialScale = float64(ss)
		if since >= 16 {
			ctm, err := n.String("coordinate_transformation_mode", "half_pixel")
			if err != nil {
				return nil, err
			}
			switch ctm {
			case "half_pixel":
				r.halfPixel = true
			case "output_half_pixel":
			default:
				return nil, fmt.Errorf("RoiAlign: unsupported coordinate_transformation_mode %q", ctm)
			}
		}
		return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			out, err := r.run(ops.Input(in, 0), ops.Input(in, 1), ops.Input(in, 2))
			if err != nil {
				return nil, fmt.Errorf("RoiAlign: %w", err)
			}
			return []*tensor.Tensor{out}, nil
		}, nil
	}
}

func (r *roiAlign) run(x, rois, bi *tensor.Tensor) (*tensor.Tensor, error) {
	if x == nil || rois == nil || bi == nil {
		return nil, fmt.Errorf("X, rois and batch_indices are required")
	}
	if x.Rank() != 4 {
		return nil, fmt.Errorf("X must be 4-D, got %v", x.Shape())
	}
	if !x.DType().IsFloat() || !rois.DType().IsFloat() {
		return nil, fmt.Errorf("X and rois must be float, got %v and %v", x.DType(), rois.DType())
	}
	if rois.Rank() != 2 || rois.Shape()[1] != 4 {
		return nil, fmt.Errorf("rois must have shape [num_rois, 4], got %v", rois.Shape())
	}
	numRois := rois.Shape()[0]
	if bi.Rank() != 1 || bi.Shape()[0] != numRois {
		return nil, fmt.Errorf("batch_indices must have shape [%d], got %v", numRois, bi.Shape())
	}
	batch, err := ops.Int64s(bi)
	if err != nil {
		return nil, fmt.Errorf("batch_indices: %w", err)
	}
	xs := x.Shape()
	N, C, H, W := xs[0], xs[1], xs[2], xs[3]
	outShape := tensor.Shape{numRois, C, r.outH, r.outW}
	if err := outShape.Check(); err != nil {
		return nil, err
	}
	for _, b := range batch {
		if b < 0 || b >= int64(N) {
			return nil, fmt.Errorf("batch index %d out of range [0, %d)", b, N)
		}
	}
	if outShape.NumElements() == 0 || H == 0 || W == 0 {
		// An empty feature map has nothing to sample: every bin is 0.
		return tensor.New(x.DType(), outShape...), nil
	}
	data, err := tensor.ToFloat64(x)
	if err != nil {
		return nil, err
	}
	rd, err := tensor.ToFloat64(rois)
	if err != nil {
		return nil, err
	}
	out := make([]float64, outShape.NumElements())
	offset := 0.0
	if r.halfPixel {
		offset = 0.5
	}
	type sample struct {
		pos [4]int
		w   [4]float64
	}
	var samples []sample
	for n := 0; n < numRois; n++ {
		startW := rd[n*4]*r.spatialScale - offset
		startH := rd[n*4+1]*r.spatialScale - offset
		endW := rd[n*4+2]*r.spatialScale - offset
		endH := rd[n*4+3]*r.spatialScale - offset
		roiW, roiH := endW-startW, endH-startH
		if !r.halfPixel {
			roiW, roiH = math.Max(roiW, 1), math.Max(roiH, 1)
		}
		binH, binW := roiH/float64(r.outH), roiW/float64(r.outW)
		gridH, gridW := r.samplingRatio, r.samplingRatio
		if r.samplingRatio == 0 {
			gh, gw := math.Ceil(roiH/float64(r.outH)), math.Ceil(roiW/float64(r.outW))
			if !(gh >= 0 && gh < 1<<16 && gw >= 0 && gw < 1<<16) {
				return nil, fmt.Errorf("roi %d is too large or not finite", n)
			}
			gridH, gridW = int(gh), int(gw)
		}
		if per := gridH * gridW; per > 0 && r.outH*r.outW > maxRoiSamples/per {
			return nil, fmt.Errorf("roi %d needs more than %d samples", n, maxRoiSamples)
		}
		count := max(gridH*gridW, 1)
		samples = samples[:0]
		for ph := 0; ph < r.outH; ph++ {
			for pw := 0; pw < r.outW; pw++ {
				for iy := 0; iy < gridH; iy++ {
					y := startH + float64(ph)*binH + (float64(iy)+0.5)*binH/float64(gridH)
					for ix := 0; ix < gridW; ix++ {
						xx := startW + float64(pw)*binW + (float64(ix)+0.5)*binW/float64(gridW)
						samples = append(samples, bilinearSample(y, xx, H, W))
					}
				}
			}
		}
		for c := 0; c < C; c++ {
			img := data[(int(batch[n])*C+c)*H*W : (int(batch[n])*C+c+1)*H*W]
			si := 0
			for ph := 0; ph < r.outH; ph++ {
				for pw := 0; pw < r.outW; pw++ {
					v := 0.0
					first := true
					for k := 0; k < gridH*gridW; k++ {
						s := samples[si]
						si++
						if r.max {
							m := math.Max(math.Max(math.Max(s.w[0]*img[s.pos[0]], s.w[1]*img[s.pos[1]]), s.w[2]*img[s.pos[2]]), s.w[3]*img[s.pos[3]])
							if first || m > v {
								v = m
							}
							first = false
						} else {
							v += s.w[0]*img[s.pos[0]] + s.w[1]*img[s.pos[1]] + s.w[2]*img[s.pos[2]] + s.w[3]*img[s.pos[3]]
						}
					}
					if !r.max {
						v /= float64(count)
					}
					out[((n*C+c)*r.outH+ph)*r.outW+pw] = v
				}
			}
		}
	}
	return tensor.FromFloat64(x.DType(), outShape, out)
}

// bilinearSample returns the four taps and weights of point (y, x), with the
// RoiAlign border rules: points beyond one pixel outside weigh nothing.
func bilinearSample(y, x float64, H, W int) (s struct {
	pos [4]int
	w   [4]float64
}) {
	if y < -1 || y > float64(H) || x < -1 || x > float64(W) || H == 0 || W == 0 || math.IsNaN(x) || math.IsNaN(y) {
		return
	}
	y, x = math.Max(y, 0), math.Max(x, 0)
	yl, xl := int(y), int(x)
	var yh, xh int
	if yl >= H-1 {
		yl, yh = H-1, H-1
		y = float64(yl)
	} else {
		yh = yl + 1
	}
	if xl >= W-1 {
		xl, xh = W-1, W-1
		x = float64(xl)
	} else {
		xh = xl + 1
	}
	ly, lx := y-float64(yl), x-float64(xl)
	hy, hx := 1-ly, 1-lx
	s.pos = [4]int{yl*W + xl, yl*W + xh, yh*W + xl, yh*W + xh}
	s.w = [4]float64{hy * hx, hy * lx, ly * hx, ly * lx}
	return
}
