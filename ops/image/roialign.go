package image

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/internal/freelist"
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
		return n.Plan(&ops.Planned{
			Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
				if _, err := r.args(in); err != nil {
					return fmt.Errorf("RoiAlign: %w", err)
				}
				if len(out) > 0 {
					x, rois := in[0], in[1]
					out[0].DType = x.DType()
					out[0].Shape = append(out[0].Shape[:0], rois.Shape()[0], x.Shape()[1], r.outH, r.outW)
				}
				return nil
			},
			Run: func(in, out []*tensor.Tensor) error {
				y := ops.Input(out, 0)
				if y == nil {
					return nil
				}
				if err := r.run(in, y); err != nil {
					return fmt.Errorf("RoiAlign: %w", err)
				}
				return nil
			},
		})
	}
}

// args checks a call's inputs; empty reports an output of zeros (no
// elements, or an empty feature map).
func (r *roiAlign) args(in []*tensor.Tensor) (empty bool, err error) {
	x, rois, bi := ops.Input(in, 0), ops.Input(in, 1), ops.Input(in, 2)
	if x == nil || rois == nil || bi == nil {
		return false, fmt.Errorf("X, rois and batch_indices are required")
	}
	if x.Rank() != 4 {
		return false, fmt.Errorf("X must be 4-D, got %v", x.Shape())
	}
	if !x.DType().IsFloat() || !rois.DType().IsFloat() {
		return false, fmt.Errorf("X and rois must be float, got %v and %v", x.DType(), rois.DType())
	}
	if rois.Rank() != 2 || rois.Shape()[1] != 4 {
		return false, fmt.Errorf("rois must have shape [num_rois, 4], got %v", rois.Shape())
	}
	numRois := rois.Shape()[0]
	if bi.Rank() != 1 || bi.Shape()[0] != numRois {
		return false, fmt.Errorf("batch_indices must have shape [%d], got %v", numRois, bi.Shape())
	}
	if bi.DType() != tensor.Int64 && bi.DType() != tensor.Int32 {
		return false, fmt.Errorf("batch_indices: expected an int32 or int64 tensor, got %v", bi.DType())
	}
	xs := x.Shape()
	N, C, H, W := xs[0], xs[1], xs[2], xs[3]
	var buf [4]int
	outShape := append(tensor.Shape(buf[:0]), numRois, C, r.outH, r.outW)
	if err := outShape.Check(); err != nil {
		return false, err
	}
	for i := 0; i < numRois; i++ {
		if b := batchIndex(bi, i); b < 0 || b >= int64(N) {
			return false, fmt.Errorf("batch index %d out of range [0, %d)", b, N)
		}
	}
	return outShape.NumElements() == 0 || H == 0 || W == 0, nil
}

// batchIndex reads element i of an int32 or int64 batch_indices.
func batchIndex(bi *tensor.Tensor, i int) int64 {
	if bi.DType() == tensor.Int32 {
		return int64(bi.Int32s()[i])
	}
	return bi.Int64s()[i]
}

// roiSample is one bilinear sample: four taps of a feature map and their
// weights.
type roiSample struct {
	pos [4]int
	w   [4]float64
}

// roiScratch holds one run's samples of one roi.
type roiScratch struct{ samples []roiSample }

var roiScratches freelist.List[roiScratch]

// run pools every roi of in into y, which has the shape Infer reported:
// float32 and float64 features and rois in place, other float types
// through float64 copies; every value is computed in float64.
func (r *roiAlign) run(in []*tensor.Tensor, y *tensor.Tensor) error {
	empty, err := r.args(in)
	if err != nil {
		return err
	}
	if empty {
		// An empty feature map has nothing to sample: every bin is 0.
		clear(y.Bytes())
		return nil
	}
	x, rois, bi := in[0], in[1], in[2]
	s := roiScratches.Get()
	defer roiScratches.Put(s)
	switch {
	case x.DType() == tensor.Float32 && rois.DType() == tensor.Float32:
		return roiAlignInto(r, s, x.Float32s(), x.Shape(), rois.Float32s(), bi, y.Float32s())
	case x.DType() == tensor.Float32 && rois.DType() == tensor.Float64:
		return roiAlignInto(r, s, x.Float32s(), x.Shape(), rois.Float64s(), bi, y.Float32s())
	case x.DType() == tensor.Float64 && rois.DType() == tensor.Float32:
		return roiAlignInto(r, s, x.Float64s(), x.Shape(), rois.Float32s(), bi, y.Float64s())
	case x.DType() == tensor.Float64 && rois.DType() == tensor.Float64:
		return roiAlignInto(r, s, x.Float64s(), x.Shape(), rois.Float64s(), bi, y.Float64s())
	}
	data, err := tensor.ToFloat64(x)
	if err != nil {
		return err
	}
	rd, err := tensor.ToFloat64(rois)
	if err != nil {
		return err
	}
	out := make([]float64, y.Len())
	if err := roiAlignInto(r, s, data, x.Shape(), rd, bi, out); err != nil {
		return err
	}
	t, err := tensor.FromFloat64(y.DType(), y.Shape(), out)
	if err != nil {
		return err
	}
	copy(y.Bytes(), t.Bytes())
	return nil
}

// roiAlignInto writes every bin of every roi into out.
func roiAlignInto[T, R float32 | float64](r *roiAlign, sc *roiScratch, data []T, xs tensor.Shape, rd []R, bi *tensor.Tensor, out []T) error {
	C, H, W := xs[1], xs[2], xs[3]
	numRois := len(rd) / 4
	offset := 0.0
	if r.halfPixel {
		offset = 0.5
	}
	for n := 0; n < numRois; n++ {
		startW := float64(rd[n*4])*r.spatialScale - offset
		startH := float64(rd[n*4+1])*r.spatialScale - offset
		endW := float64(rd[n*4+2])*r.spatialScale - offset
		endH := float64(rd[n*4+3])*r.spatialScale - offset
		roiW, roiH := endW-startW, endH-startH
		if !r.halfPixel {
			roiW, roiH = math.Max(roiW, 1), math.Max(roiH, 1)
		}
		binH, binW := roiH/float64(r.outH), roiW/float64(r.outW)
		gridH, gridW := r.samplingRatio, r.samplingRatio
		if r.samplingRatio == 0 {
			gh, gw := math.Ceil(roiH/float64(r.outH)), math.Ceil(roiW/float64(r.outW))
			if !(gh >= 0 && gh < 1<<16 && gw >= 0 && gw < 1<<16) {
				return fmt.Errorf("roi %d is too large or not finite", n)
			}
			gridH, gridW = int(gh), int(gw)
		}
		if per := gridH * gridW; per > 0 && r.outH*r.outW > maxRoiSamples/per {
			return fmt.Errorf("roi %d needs more than %d samples", n, maxRoiSamples)
		}
		count := max(gridH*gridW, 1)
		samples := sc.samples[:0]
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
		sc.samples = samples
		b := int(batchIndex(bi, n))
		for c := 0; c < C; c++ {
			img := data[(b*C+c)*H*W : (b*C+c+1)*H*W]
			si := 0
			for ph := 0; ph < r.outH; ph++ {
				for pw := 0; pw < r.outW; pw++ {
					v := 0.0
					first := true
					for k := 0; k < gridH*gridW; k++ {
						s := samples[si]
						si++
						if r.max {
							m := math.Max(math.Max(math.Max(s.w[0]*float64(img[s.pos[0]]), s.w[1]*float64(img[s.pos[1]])), s.w[2]*float64(img[s.pos[2]])), s.w[3]*float64(img[s.pos[3]]))
							if first || m > v {
								v = m
							}
							first = false
						} else {
							v += s.w[0]*float64(img[s.pos[0]]) + s.w[1]*float64(img[s.pos[1]]) + s.w[2]*float64(img[s.pos[2]]) + s.w[3]*float64(img[s.pos[3]])
						}
					}
					if !r.max {
						v /= float64(count)
					}
					out[((n*C+c)*r.outH+ph)*r.outW+pw] = T(v)
				}
			}
		}
	}
	return nil
}

// bilinearSample returns the four taps and weights of point (y, x), with the
// RoiAlign border rules: points beyond one pixel outside weigh nothing.
func bilinearSample(y, x float64, H, W int) (s roiSample) {
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
