package image

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// gridSample is GridSample-16: 4-D input (N, C, H, W), grid (N, Ho, Wo, 2).
type gridSample struct {
	mode         int
	padding      string
	alignCorners bool
}

func bindGridSample(n *ops.Node) (ops.Kernel, error) {
	g := &gridSample{}
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

func (g *gridSample) denormalize(v float64, length int) float64 {
	if g.alignCorners {
		return (v + 1) / 2 * float64(length-1)
	}
	return ((v+1)*float64(length) - 1) / 2
}

// reflect folds x into [lo, hi] by repeated reflection at the borders.
func reflect(x, lo, hi float64) float64 {
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

func clampF(v, lo, hi float64) float64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

func (g *gridSample) run(x, grid *tensor.Tensor) (*tensor.Tensor, error) {
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
			c = int(reflect(float64(c), xMin, xMax))
			r = int(reflect(float64(r), yMin, yMax))
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
						px = clampF(px, 0, float64(W-1))
						py = clampF(py, 0, float64(H-1))
					case "reflection":
						px = reflect(px, xMin, xMax)
						py = reflect(py, yMin, yMax)
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
					cubicCoeffs(px-x0-1, &cx)
					cubicCoeffs(py-y0-1, &cy)
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

// cubicCoeffs are Keys' cubic convolution weights (A = -0.75) for taps at
// offsets -1, 0, 1, 2 from floor(x), given t = x - floor(x).
func cubicCoeffs(t float64, c *[4]float64) {
	const a = -0.75
	t = math.Abs(t)
	c[0] = ((a*(t+1)-5*a)*(t+1)+8*a)*(t+1) - 4*a
	c[1] = ((a+2)*t-(a+3))*t*t + 1
	c[2] = ((a+2)*(1-t)-(a+3))*(1-t)*(1-t) + 1
	c[3] = ((a*(2-t)-5*a)*(2-t)+8*a)*(2-t) - 4*a
}
