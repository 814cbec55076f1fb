package image

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/internal/freelist"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// gridSample is a bound GridSample node: GridSample-16 (4-D input (N, C,
// H, W), grid (N, Ho, Wo, 2)) or, with nd, GridSample-20, which also takes
// other ranks. Its planned kernel samples float32 and float64 images and
// grids in place, computing in float64 as the ONNX reference does; other
// element types go through float64 copies.
type gridSample struct {
	mode         int
	padding      int
	alignCorners bool
	nd           bool
}

// Padding modes.
const (
	padZeros = iota
	padBorder
	padReflection
)

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
	if err := g.attrs(n); err != nil {
		return nil, err
	}
	return n.Plan(g.planned())
}

// attrs reads padding_mode and align_corners.
func (g *gridSample) attrs(n *ops.Node) error {
	p, err := n.String("padding_mode", "zeros")
	if err != nil {
		return err
	}
	switch p {
	case "zeros":
		g.padding = padZeros
	case "border":
		g.padding = padBorder
	case "reflection":
		g.padding = padReflection
	default:
		return fmt.Errorf("GridSample: unsupported padding_mode %q", p)
	}
	ac, err := n.Int("align_corners", 0)
	if err != nil {
		return err
	}
	g.alignCorners = ac != 0
	return nil
}

func (g *gridSample) planned() *ops.Planned {
	return &ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			var discard ops.OutSpec
			o := &discard // a node without outputs still gets its inputs checked
			if len(out) > 0 {
				o = &out[0]
			}
			x, grid := ops.Input(in, 0), ops.Input(in, 1)
			if _, err := g.check(x, grid); err != nil {
				return fmt.Errorf("GridSample: %w", err)
			}
			xs, gs := x.Shape(), grid.Shape()
			o.DType = x.DType()
			o.Shape = append(append(o.Shape[:0], xs[0], xs[1]), gs[1:len(gs)-1]...)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			y := ops.Input(out, 0)
			if y == nil {
				return nil
			}
			if err := g.run(ops.Input(in, 0), ops.Input(in, 1), y); err != nil {
				return fmt.Errorf("GridSample: %w", err)
			}
			return nil
		},
	}
}

// is4D reports whether x takes GridSample-16's sampler.
func (g *gridSample) is4D(x *tensor.Tensor) bool {
	return !g.nd || (x != nil && x.Rank() == 4)
}

// check checks X and grid; empty reports an output without elements. The
// output is (N, C) and the grid's spatial dims: gs[1:len(gs)-1].
func (g *gridSample) check(x, grid *tensor.Tensor) (empty bool, err error) {
	if !g.is4D(x) {
		return g.checkND(x, grid)
	}
	if x == nil || grid == nil {
		return false, fmt.Errorf("X and grid are required")
	}
	if x.Rank() != 4 || grid.Rank() != 4 {
		return false, fmt.Errorf("X and grid must be 4-D, got %v and %v", x.Shape(), grid.Shape())
	}
	if !x.DType().IsNumeric() || !grid.DType().IsFloat() {
		return false, fmt.Errorf("unsupported types %v, %v", x.DType(), grid.DType())
	}
	xs, gs := x.Shape(), grid.Shape()
	if gs[0] != xs[0] || gs[3] != 2 {
		return false, fmt.Errorf("grid shape %v does not match X %v", gs, xs)
	}
	out := tensor.Shape{xs[0], xs[1], gs[1], gs[2]}
	if err := out.Check(); err != nil {
		return false, err
	}
	if out.NumElements() == 0 {
		return true, nil
	}
	if xs[2] == 0 || xs[3] == 0 {
		return false, fmt.Errorf("cannot sample an empty image %v", xs)
	}
	return false, nil
}

// run samples x at grid into y, which has the type and shape Infer
// reported.
func (g *gridSample) run(x, grid, y *tensor.Tensor) error {
	empty, err := g.check(x, grid)
	if err != nil || empty {
		return err
	}
	xs, gs, ys := x.Shape(), grid.Shape(), y.Shape()
	if y.DType() != x.DType() || len(ys) != len(xs) || ys[0] != xs[0] || ys[1] != xs[1] || !ys[2:].Equal(gs[1:len(gs)-1]) {
		return fmt.Errorf("output is %v%v for X %v%v and grid %v", y.DType(), ys, x.DType(), xs, gs)
	}
	switch {
	case x.DType() == tensor.Float32 && grid.DType() == tensor.Float32:
		sampleAs(g, x.Float32s(), grid.Float32s(), y.Float32s(), xs, gs)
	case x.DType() == tensor.Float32 && grid.DType() == tensor.Float64:
		sampleAs(g, x.Float32s(), grid.Float64s(), y.Float32s(), xs, gs)
	case x.DType() == tensor.Float64 && grid.DType() == tensor.Float32:
		sampleAs(g, x.Float64s(), grid.Float32s(), y.Float64s(), xs, gs)
	case x.DType() == tensor.Float64 && grid.DType() == tensor.Float64:
		sampleAs(g, x.Float64s(), grid.Float64s(), y.Float64s(), xs, gs)
	default:
		// Other types sample float64 copies, converted back as
		// tensor.FromFloat64 does.
		data, err := tensor.ToFloat64(x)
		if err != nil {
			return err
		}
		gd, err := tensor.ToFloat64(grid)
		if err != nil {
			return err
		}
		out := make([]float64, y.Len())
		sampleAs(g, data, gd, out, xs, gs)
		t, err := tensor.FromFloat64(y.DType(), ys, out)
		if err != nil {
			return err
		}
		copy(y.Bytes(), t.Bytes())
	}
	return nil
}

// sampleAs runs the sampler that fits x's rank.
func sampleAs[T, G float32 | float64](g *gridSample, data []T, gd []G, out []T, xs, gs tensor.Shape) {
	if !g.nd || len(xs) == 4 {
		sample4(g, data, gd, out, xs, gs)
		return
	}
	sampleND(g, data, gd, out, xs, gs)
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

// sample4 is GridSample-16's sampler: it writes every element of out
// (N, C, Ho, Wo) from data (N, C, H, W) at the points of gd (N, Ho, Wo,
// 2), computing in float64.
func sample4[T, G float32 | float64](g *gridSample, data []T, gd []G, out []T, xs, gs tensor.Shape) {
	N, C, H, W := xs[0], xs[1], xs[2], xs[3]
	Ho, Wo := gs[1], gs[2]
	xMin, xMax, yMin, yMax := -0.5, float64(W)-0.5, -0.5, float64(H)-0.5
	if g.alignCorners {
		xMin, xMax, yMin, yMax = 0, float64(W-1), 0, float64(H-1)
	}
	pixel := func(img []T, r, c int) float64 {
		switch g.padding {
		case padZeros:
			if r < 0 || r >= H || c < 0 || c >= W {
				return 0
			}
		case padBorder:
			r, c = clampIdx(r, H), clampIdx(c, W)
		default:
			c = int(reflect(float64(c), xMin, xMax))
			r = int(reflect(float64(r), yMin, yMax))
			r, c = clampIdx(r, H), clampIdx(c, W)
		}
		return float64(img[r*W+c])
	}
	var cx, cy [4]float64
	for n := 0; n < N; n++ {
		for oy := 0; oy < Ho; oy++ {
			for ox := 0; ox < Wo; ox++ {
				gp := gd[((n*Ho+oy)*Wo+ox)*2:]
				px := g.denormalize(float64(gp[0]), W)
				py := g.denormalize(float64(gp[1]), H)
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
					case padBorder:
						px = clampF(px, 0, float64(W-1))
						py = clampF(py, 0, float64(H-1))
					case padReflection:
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
						out[((n*C+c)*Ho+oy)*Wo+ox] = T(v)
					}
					continue
				}
				switch g.mode {
				case modeNearest:
					ix, iy := int(px), int(py)
					for c := 0; c < C; c++ {
						img := data[(n*C+c)*H*W : (n*C+c+1)*H*W]
						out[((n*C+c)*Ho+oy)*Wo+ox] = T(pixel(img, iy, ix))
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
						out[((n*C+c)*Ho+oy)*Wo+ox] = T(dy2*(dx2*p11+dx1*p12) + dy1*(dx2*p21+dx1*p22))
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
						out[((n*C+c)*Ho+oy)*Wo+ox] = T(s)
					}
				}
			}
		}
	}
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

// ndScratch is the per-axis and per-channel working memory of one
// N-dimensional sampling run.
type ndScratch struct {
	st, base             []int
	lo, hi, p, frac, acc []float64
}

var ndScratches freelist.List[ndScratch]

func intsN(buf *[]int, n int) []int {
	if cap(*buf) < n {
		*buf = make([]int, n)
	}
	*buf = (*buf)[:n]
	return *buf
}

func floatsN(buf *[]float64, n int) []float64 {
	if cap(*buf) < n {
		*buf = make([]float64, n)
	}
	*buf = (*buf)[:n]
	return *buf
}
