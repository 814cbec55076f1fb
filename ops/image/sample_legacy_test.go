package image

// GridSample and RoiAlign as they were before they got planned forms,
// kept as the reference the planned kernels must reproduce bit for bit
// (sample_planned_test.go).

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// legacyGridSample is GridSample-16: 4-D input (N, C, H, W), grid (N, Ho, Wo, 2).
type legacyGridSample struct {
	mode         int
	padding      string
	alignCorners bool
}

func legacyBindGridSample(n *ops.Node) (ops.Kernel, error) {
	g := &legacyGridSample{}
	m, err := n.String("mode", "bilinear")
	if err != nil {
		return nil, err
	}
	switch m {
	case "bilinear":
		g.mode = modeLinear
	case "nearest":
		g.mode = modeNearest
	case "bicubic":
		g.mode = modeCubic
	default:
		return nil, fmt.Errorf("GridSample: unsupported mode %q", m)
	}
	if g.padding, err = n.String("padding_mode", "zeros"); err != nil {
		return nil, err
	}
	switch g.padding {
	case "zeros", "border", "reflection":
	default:
		return nil, fmt.Errorf("GridSample: unsupported padding_mode %q", g.padding)
	}
	ac, err := n.Int("align_corners", 0)
	if err != nil {
		return nil, err
	}
	g.alignCorners = ac != 0
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		out, err := g.run(ops.Input(in, 0), ops.Input(in, 1))
		if err != nil {
			return nil, fmt.Errorf("GridSample: %w", err)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func (g *legacyGridSample) denormalize(v float64, length int) float64 {
	if g.alignCorners {
		return (v + 1) / 2 * float64(length-1)
	}
	return ((v+1)*float64(length) - 1) / 2
}

// legacyReflect folds x into [lo, hi] by repeated reflection at the borders.
func legacyReflect(x, lo, hi float64) float64 {
	rng := hi - lo
	if rng <= 0 {
		return lo
	}
	if x < lo {
		dx := lo - x
		n := math.Floor(dx / rng)
		r := dx - n*rng
		if math.Mod(n, 2) == 0 {
			return lo + r
		}
		return hi - r
	}
	if x > hi {
		dx := x - hi
		n := math.Floor(dx / rng)
		r := dx - n*rng
		if math.Mod(n, 2) == 0 {
			return hi - r
		}
		return lo + r
	}
	return x
}

func legacyClampF(v, lo, hi float64) float64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

func (g *legacyGridSample) run(x, grid *tensor.Tensor) (*tensor.Tensor, error) {
	if x == nil || grid == nil {
		return nil, fmt.Errorf("X and grid are required")
	}
	if x.Rank() != 4 || grid.Rank() != 4 {
		return nil, fmt.Errorf("X and grid must be 4-D, got %v and %v", x.Shape(), grid.Shape())
	}
	if !x.DType().IsNumeric() || !grid.DType().IsFloat() {
		return nil, fmt.Errorf("unsupported types %v, %v", x.DType(), grid.DType())
	}
	xs, gs := x.Shape(), grid.Shape()
	N, C, H, W := xs[0], xs[1], xs[2], xs[3]
	if gs[0] != N || gs[3] != 2 {
		return nil, fmt.Errorf("grid shape %v does not match X %v", gs, xs)
	}
	Ho, Wo := gs[1], gs[2]
	outShape := tensor.Shape{N, C, Ho, Wo}
	if err := outShape.Check(); err != nil {
		return nil, err
	}
	if outShape.NumElements() == 0 {
		return tensor.New(x.DType(), outShape...), nil
	}
	if H == 0 || W == 0 {
		return nil, fmt.Errorf("cannot sample an empty image %v", xs)
	}
	data, err := tensor.ToFloat64(x)
	if err != nil {
		return nil, err
	}
	gd, err := tensor.ToFloat64(grid)
	if err != nil {
		return nil, err
	}
	out := make([]float64, outShape.NumElements())

	xMin, xMax, yMin, yMax := -0.5, float64(W)-0.5, -0.5, float64(H)-0.5
	if g.alignCorners {
		xMin, xMax, yMin, yMax = 0, float64(W-1), 0, float64(H-1)
	}
	pixel := func(img []float64, r, c int) float64 {
		switch g.padding {
		case "zeros":
			if r < 0 || r >= H || c < 0 || c >= W {
				return 0
			}
		case "border":
			r, c = clampIdx(r, H), clampIdx(c, W)
		default:
			c = int(legacyReflect(float64(c), xMin, xMax))
			r = int(legacyReflect(float64(r), yMin, yMax))
			r, c = clampIdx(r, H), clampIdx(c, W)
		}
		return img[r*W+c]
	}
	var cx, cy [4]float64
	for n := 0; n < N; n++ {
		for oy := 0; oy < Ho; oy++ {
			for ox := 0; ox < Wo; ox++ {
				gp := gd[((n*Ho+oy)*Wo+ox)*2:]
				px := g.denormalize(gp[0], W)
				py := g.denormalize(gp[1], H)
				if g.mode == modeNearest {
					px, py = math.RoundToEven(px), math.RoundToEven(py)
				}
				// Bicubic pads each of its 16 taps (in pixel) and never moves the
				// point itself, as PyTorch and ONNX Runtime do: clamping the point
				// first would make a border-padded sample just outside the image
				// the edge pixel instead of a cubic blend of the edge pixels.
				// (Points so far out that every tap pads alike still move, which
				// gives the same value and keeps tap indices in range.)
				far := math.Abs(px) > 1<<40 || math.Abs(py) > 1<<40
				if (g.mode != modeCubic || far) && (px < xMin || px > xMax || py < yMin || py > yMax) {
					switch g.padding {
					case "border":
						px = legacyClampF(px, 0, float64(W-1))
						py = legacyClampF(py, 0, float64(H-1))
					case "reflection":
						px = legacyReflect(px, xMin, xMax)
						py = legacyReflect(py, yMin, yMax)
					}
				}
				if math.IsNaN(px) || math.IsNaN(py) || math.Abs(px) > 1<<40 || math.Abs(py) > 1<<40 {
					// NaN is no location; a point this far out (only possible
					// with zero padding) touches no pixel.
					v := 0.0
					if math.IsNaN(px) || math.IsNaN(py) {
						v = math.NaN()
					}
					for c := 0; c < C; c++ {
						out[((n*C+c)*Ho+oy)*Wo+ox] = v
					}
					continue
				}
				switch g.mode {
				case modeNearest:
					ix, iy := int(px), int(py)
					for c := 0; c < C; c++ {
						img := data[(n*C+c)*H*W : (n*C+c+1)*H*W]
						out[((n*C+c)*Ho+oy)*Wo+ox] = pixel(img, iy, ix)
					}
				case modeLinear:
					x1, y1 := math.Floor(px), math.Floor(py)
					dx1, dy1 := px-x1, py-y1
					dx2, dy2 := 1-dx1, 1-dy1
					ix, iy := int(x1), int(y1)
					for c := 0; c < C; c++ {
						img := data[(n*C+c)*H*W : (n*C+c+1)*H*W]
						p11 := pixel(img, iy, ix)
						p12 := pixel(img, iy, ix+1)
						p21 := pixel(img, iy+1, ix)
						p22 := pixel(img, iy+1, ix+1)
						out[((n*C+c)*Ho+oy)*Wo+ox] = dy2*(dx2*p11+dx1*p12) + dy1*(dx2*p21+dx1*p22)
					}
				case modeCubic:
					x0, y0 := math.Floor(px)-1, math.Floor(py)-1
					legacyCubicCoeffs(px-x0-1, &cx)
					legacyCubicCoeffs(py-y0-1, &cy)
					ix, iy := int(x0), int(y0)
					for c := 0; c < C; c++ {
						img := data[(n*C+c)*H*W : (n*C+c+1)*H*W]
						s := 0.0
						for h := 0; h < 4; h++ {
							row := 0.0
							for w := 0; w < 4; w++ {
								row += cx[w] * pixel(img, iy+h, ix+w)
							}
							s += cy[h] * row
						}
						out[((n*C+c)*Ho+oy)*Wo+ox] = s
					}
				}
			}
		}
	}
	return tensor.FromFloat64(x.DType(), outShape, out)
}

// legacyCubicCoeffs are Keys' cubic convolution weights (A = -0.75) for taps at
// offsets -1, 0, 1, 2 from floor(x), given t = x - floor(x).
func legacyCubicCoeffs(t float64, c *[4]float64) {
	const a = -0.75
	t = math.Abs(t)
	c[0] = ((a*(t+1)-5*a)*(t+1)+8*a)*(t+1) - 4*a
	c[1] = ((a+2)*t-(a+3))*t*t + 1
	c[2] = ((a+2)*(1-t)-(a+3))*(1-t)*(1-t) + 1
	c[3] = ((a*(2-t)-5*a)*(2-t)+8*a)*(2-t) - 4*a
}

// legacyBindGridSample20 binds GridSample-20, which renamed the modes (linear,
// nearest, cubic; linear by default) and allows N spatial axes: X is
// (N, C, D1…Dr), grid (N, D1'…Dr', r) with grid[…, 0] indexing the last
// axis. Four-dimensional inputs use GridSample-16's sampler; other ranks
// support linear and nearest.
func legacyBindGridSample20(n *ops.Node) (ops.Kernel, error) {
	g := &legacyGridSample{}
	m, err := n.String("mode", "linear")
	if err != nil {
		return nil, err
	}
	switch m {
	case "linear":
		g.mode = modeLinear
	case "nearest":
		g.mode = modeNearest
	case "cubic":
		g.mode = modeCubic
	default:
		return nil, fmt.Errorf("GridSample: unsupported mode %q", m)
	}
	if g.padding, err = n.String("padding_mode", "zeros"); err != nil {
		return nil, err
	}
	switch g.padding {
	case "zeros", "border", "reflection":
	default:
		return nil, fmt.Errorf("GridSample: unsupported padding_mode %q", g.padding)
	}
	ac, err := n.Int("align_corners", 0)
	if err != nil {
		return nil, err
	}
	g.alignCorners = ac != 0
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, grid := ops.Input(in, 0), ops.Input(in, 1)
		var out *tensor.Tensor
		var err error
		if x != nil && x.Rank() == 4 {
			out, err = g.run(x, grid)
		} else {
			out, err = g.runND(x, grid)
		}
		if err != nil {
			return nil, fmt.Errorf("GridSample: %w", err)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// runND samples over any number of spatial axes (linear or nearest).
func (g *legacyGridSample) runND(x, grid *tensor.Tensor) (*tensor.Tensor, error) {
	if x == nil || grid == nil {
		return nil, fmt.Errorf("X and grid are required")
	}
	r := x.Rank() - 2
	if r < 1 || grid.Rank() != r+2 {
		return nil, fmt.Errorf("X %v and grid %v do not have matching ranks", x.Shape(), grid.Shape())
	}
	if g.mode == modeCubic {
		return nil, fmt.Errorf("cubic mode needs 2 spatial axes, X has %d", r)
	}
	if !x.DType().IsNumeric() || !grid.DType().IsFloat() {
		return nil, fmt.Errorf("unsupported types %v, %v", x.DType(), grid.DType())
	}
	xs, gs := x.Shape(), grid.Shape()
	N, C := xs[0], xs[1]
	in := xs[2:]
	if gs[0] != N || gs[r+1] != r {
		return nil, fmt.Errorf("grid shape %v does not match X %v", gs, xs)
	}
	outSp := gs[1 : r+1]
	outShape := append(tensor.Shape{N, C}, outSp...)
	if err := outShape.Check(); err != nil {
		return nil, err
	}
	if outShape.NumElements() == 0 {
		return tensor.New(x.DType(), outShape...), nil
	}
	for _, d := range in {
		if d == 0 {
			return nil, fmt.Errorf("cannot sample an empty image %v", xs)
		}
	}
	data, err := tensor.ToFloat64(x)
	if err != nil {
		return nil, err
	}
	gd, err := tensor.ToFloat64(grid)
	if err != nil {
		return nil, err
	}
	I, O := in.NumElements(), outSp.NumElements()
	st := ops.Strides(in)
	out := make([]float64, outShape.NumElements())
	lo, hi := make([]float64, r), make([]float64, r)
	for a := 0; a < r; a++ {
		lo[a], hi[a] = -0.5, float64(in[a])-0.5
		if g.alignCorners {
			lo[a], hi[a] = 0, float64(in[a]-1)
		}
	}
	// index maps a (possibly outside) integer coordinate on axis a to an
	// element offset contribution, or -1 for a zero-padded position.
	index := func(a, c int) int {
		switch g.padding {
		case "zeros":
			if c < 0 || c >= in[a] {
				return -1
			}
		case "border":
			c = clampIdx(c, in[a])
		default:
			c = clampIdx(int(legacyReflect(float64(c), lo[a], hi[a])), in[a])
		}
		return c * st[a]
	}
	p := make([]float64, r)
	base := make([]int, r)
	frac := make([]float64, r)
	for n := 0; n < N; n++ {
		for o := 0; o < O; o++ {
			gp := gd[(n*O+o)*r : (n*O+o+1)*r]
			nan, far := false, false
			for a := 0; a < r; a++ {
				v := g.denormalize(gp[r-1-a], in[a])
				if g.mode == modeNearest {
					v = math.RoundToEven(v)
				}
				if v < lo[a] || v > hi[a] {
					switch g.padding {
					case "border":
						v = legacyClampF(v, 0, float64(in[a]-1))
					case "reflection":
						v = legacyReflect(v, lo[a], hi[a])
					}
				}
				nan = nan || math.IsNaN(v)
				far = far || math.Abs(v) > 1<<40
				p[a] = v
			}
			if nan || far {
				v := 0.0
				if nan {
					v = math.NaN()
				}
				for c := 0; c < C; c++ {
					out[(n*C+c)*O+o] = v
				}
				continue
			}
			if g.mode == modeNearest {
				off := 0
				for a := 0; a < r; a++ {
					k := index(a, int(p[a]))
					if k < 0 {
						off = -1
						break
					}
					off += k
				}
				for c := 0; c < C; c++ {
					if off >= 0 {
						out[(n*C+c)*O+o] = data[(n*C+c)*I+off]
					}
				}
				continue
			}
			for a := 0; a < r; a++ {
				f := math.Floor(p[a])
				base[a], frac[a] = int(f), p[a]-f
			}
			// Sum over the 2^r corners of the cell.
			for corner := 0; corner < 1<<r; corner++ {
				w, off := 1.0, 0
				for a := 0; a < r; a++ {
					bit := corner >> (r - 1 - a) & 1
					if bit == 1 {
						w *= frac[a]
					} else {
						w *= 1 - frac[a]
					}
					k := index(a, base[a]+bit)
					if k < 0 || off < 0 {
						off = -1
						continue
					}
					off += k
				}
				if off < 0 || w == 0 {
					continue
				}
				for c := 0; c < C; c++ {
					out[(n*C+c)*O+o] += w * data[(n*C+c)*I+off]
				}
			}
		}
	}
	return tensor.FromFloat64(x.DType(), outShape, out)
}

// legacyMaxRoiSamples bounds the bilinear samples one roi may take.
const legacyMaxRoiSamples = 1 << 28

type legacyRoiAlign struct {
	max           bool
	outH, outW    int
	samplingRatio int
	spatialScale  float64
	halfPixel     bool
}

// legacyBindRoiAlign returns the binder for RoiAlign at opset since (10 or 16).
func legacyBindRoiAlign(since int64) ops.BindFunc {
	return func(n *ops.Node) (ops.Kernel, error) {
		r := &legacyRoiAlign{}
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

func (r *legacyRoiAlign) run(x, rois, bi *tensor.Tensor) (*tensor.Tensor, error) {
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
		if per := gridH * gridW; per > 0 && r.outH*r.outW > legacyMaxRoiSamples/per {
			return nil, fmt.Errorf("roi %d needs more than %d samples", n, legacyMaxRoiSamples)
		}
		count := max(gridH*gridW, 1)
		samples = samples[:0]
		for ph := 0; ph < r.outH; ph++ {
			for pw := 0; pw < r.outW; pw++ {
				for iy := 0; iy < gridH; iy++ {
					y := startH + float64(ph)*binH + (float64(iy)+0.5)*binH/float64(gridH)
					for ix := 0; ix < gridW; ix++ {
						xx := startW + float64(pw)*binW + (float64(ix)+0.5)*binW/float64(gridW)
						samples = append(samples, legacyBilinearSample(y, xx, H, W))
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

// legacyBilinearSample returns the four taps and weights of point (y, x), with the
// RoiAlign border rules: points beyond one pixel outside weigh nothing.
func legacyBilinearSample(y, x float64, H, W int) (s struct {
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
