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
	g := &gridSample{nd: true}
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
	if err := g.attrs(n); err != nil {
		return nil, err
	}
	return n.Plan(g.planned())
}

// checkND checks X and grid for sampling over any number of spatial axes
// (linear or nearest); empty reports an output without elements.
func (g *gridSample) checkND(x, grid *tensor.Tensor) (empty bool, err error) {
	if x == nil || grid == nil {
		return false, fmt.Errorf("X and grid are required")
	}
	r := x.Rank() - 2
	if r < 1 || grid.Rank() != r+2 {
		return false, fmt.Errorf("X %v and grid %v do not have matching ranks", x.Shape(), grid.Shape())
	}
	if g.mode == modeCubic {
		return false, fmt.Errorf("cubic mode needs 2 spatial axes, X has %d", r)
	}
	if !x.DType().IsNumeric() || !grid.DType().IsFloat() {
		return false, fmt.Errorf("unsupported types %v, %v", x.DType(), grid.DType())
	}
	xs, gs := x.Shape(), grid.Shape()
	if gs[0] != xs[0] || gs[r+1] != r {
		return false, fmt.Errorf("grid shape %v does not match X %v", gs, xs)
	}
	var buf [8]int
	out := append(append(tensor.Shape(buf[:0]), xs[0], xs[1]), gs[1:r+1]...)
	if err := out.Check(); err != nil {
		return false, err
	}
	if out.NumElements() == 0 {
		return true, nil
	}
	for _, d := range xs[2:] {
		if d == 0 {
			return false, fmt.Errorf("cannot sample an empty image %v", xs)
		}
	}
	return false, nil
}

// sampleND samples over any number of spatial axes (linear or nearest):
// it writes every element of out (N, C, D1'…Dr') from data (N, C, D1…Dr)
// at the points of gd (N, D1'…Dr', r), computing in float64.
func sampleND[T, G float32 | float64](g *gridSample, data []T, gd []G, out []T, xs, gs tensor.Shape) {
	r := len(xs) - 2
	N, C := xs[0], xs[1]
	in := xs[2:]
	I, O := in.NumElements(), gs[1:r+1].NumElements()
	s := ndScratches.Get()
	defer ndScratches.Put(s)
	st := intsN(&s.st, r)
	for a, v := r-1, 1; a >= 0; a-- {
		st[a] = v
		v *= in[a]
	}
	lo, hi := floatsN(&s.lo, r), floatsN(&s.hi, r)
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
		case padZeros:
			if c < 0 || c >= in[a] {
				return -1
			}
		case padBorder:
			c = clampIdx(c, in[a])
		default:
			c = clampIdx(int(reflect(float64(c), lo[a], hi[a])), in[a])
		}
		return c * st[a]
	}
	p, frac, base := floatsN(&s.p, r), floatsN(&s.frac, r), intsN(&s.base, r)
	acc := floatsN(&s.acc, C)
	for n := 0; n < N; n++ {
		for o := 0; o < O; o++ {
			gp := gd[(n*O+o)*r : (n*O+o+1)*r]
			nan, far := false, false
			for a := 0; a < r; a++ {
				v := g.denormalize(float64(gp[r-1-a]), in[a])
				if g.mode == modeNearest {
					v = math.RoundToEven(v)
				}
				if v < lo[a] || v > hi[a] {
					switch g.padding {
					case padBorder:
						v = clampF(v, 0, float64(in[a]-1))
					case padReflection:
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
					out[(n*C+c)*O+o] = T(v)
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
					v := 0.0
					if off >= 0 {
						v = float64(data[(n*C+c)*I+off])
					}
					out[(n*C+c)*O+o] = T(v)
				}
				continue
			}
			for a := 0; a < r; a++ {
				f := math.Floor(p[a])
				base[a], frac[a] = int(f), p[a]-f
			}
			clear(acc)
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
					acc[c] += w * float64(data[(n*C+c)*I+off])
				}
			}
			for c := 0; c < C; c++ {
				out[(n*C+c)*O+o] = T(acc[c])
			}
		}
	}
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
