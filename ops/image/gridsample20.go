package image

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// bindGridSample20 binds GridSample-20, which renamed the modes (linear,
// nearest, cubic; linear by default) and allows N spatial axes: X is
// (N, C, D1…Dr), grid (N, D1'…Dr', r) with grid[…, 0] indexing the last
// axis. Four-dimensional inputs use GridSample-16's sampler; other ranks
// support linear and nearest.
func bindGridSample20(n *ops.Node) (ops.Kernel, error) {
	g := &gridSample{}
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
func (g *gridSample) runND(x, grid *tensor.Tensor) (*tensor.Tensor, error) {
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
			c = clampIdx(int(reflect(float64(c), lo[a], hi[a])), in[a])
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
						v = clampF(v, 0, float64(in[a]-1))
					case "reflection":
						v = reflect(v, lo[a], hi[a])
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

// bindAffineGrid binds AffineGrid-20: from affine matrices theta (N, 2, 3)
// or (N, 3, 4) and an output size (N, C, H, W) or (N, C, D, H, W), the
// sampling grid (N, H, W, 2) or (N, D, H, W, 3) for GridSample, in
// normalised [-1, 1] coordinates (x first).
func bindAffineGrid(n *ops.Node) (ops.Kernel, error) {
	ac, err := n.Int("align_corners", 0)
	if err != nil {
		return nil, err
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		theta, sizeT := ops.Input(in, 0), ops.Input(in, 1)
		if theta == nil || sizeT == nil {
			return nil, fmt.Errorf("AffineGrid: theta and size are required")
		}
		if !theta.DType().IsFloat() {
			return nil, fmt.Errorf("AffineGrid: theta must be float, got %v", theta.DType())
		}
		size, err := ops.Int64s(sizeT)
		if err != nil {
			return nil, fmt.Errorf("AffineGrid: size: %w", err)
		}
		if len(size) != 4 && len(size) != 5 {
			return nil, fmt.Errorf("AffineGrid: size must have 4 or 5 entries, has %d", len(size))
		}
		r := len(size) - 2 // spatial axes
		N := size[0]
		if ts := theta.Shape(); len(ts) != 3 || int64(ts[0]) != N || ts[1] != r || ts[2] != r+1 {
			return nil, fmt.Errorf("AffineGrid: theta shape %v does not fit size %v", theta.Shape(), size)
		}
		sp, err := ops.ShapeFrom(size[2:])
		if err != nil {
			return nil, fmt.Errorf("AffineGrid: %w", err)
		}
		outShape := append(append(tensor.Shape{int(N)}, sp...), r)
		if err := outShape.Check(); err != nil {
			return nil, fmt.Errorf("AffineGrid: %w", err)
		}
		th, err := tensor.ToFloat64(theta)
		if err != nil {
			return nil, err
		}
		// base[a][i] is the normalised coordinate of index i along spatial
		// axis a (a = 0 the outermost).
		base := make([][]float64, r)
		for a := 0; a < r; a++ {
			L := sp[a]
			base[a] = make([]float64, L)
			for i := 0; i < L; i++ {
				switch {
				case L == 1:
					base[a][i] = 0
				case ac != 0:
					base[a][i] = -1 + 2*float64(i)/float64(L-1)
				default:
					base[a][i] = (-1 + 2*float64(i)/float64(L)) + 1/float64(L)
				}
			}
		}
		P := sp.NumElements()
		out := make([]float64, outShape.NumElements())
		idx := make([]int, r)
		vec := make([]float64, r+1) // (x, y[, z], 1)
		for b := 0; b < int(N); b++ {
			m := th[b*r*(r+1) : (b+1)*r*(r+1)]
			for i := range idx {
				idx[i] = 0
			}
			for p := 0; p < P; p++ {
				for a := 0; a < r; a++ {
					vec[r-1-a] = base[a][idx[a]]
				}
				vec[r] = 1
				dst := out[(b*P+p)*r : (b*P+p+1)*r]
				for row := 0; row < r; row++ {
					s := 0.0
					for k := 0; k <= r; k++ {
						s += m[row*(r+1)+k] * vec[k]
					}
					dst[row] = s
				}
				for a := r - 1; a >= 0; a-- {
					idx[a]++
					if idx[a] < sp[a] {
						break
					}
					idx[a] = 0
				}
			}
		}
		return []*tensor.Tensor{mustFloat(theta.DType(), outShape, out)}, nil
	}, nil
}

func mustFloat(dt tensor.DType, shape tensor.Shape, v []float64) *tensor.Tensor {
	t, err := tensor.FromFloat64(dt, shape, v)
	if err != nil {
		panic(err)
	}
	return t
}
