package reduce

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/tensor"
)

// geom describes a reduction of an input shape over a set of axes.
//
// The input's axes are collapsed: size-1 axes are dropped and runs of
// adjacent axes that are all reduced or all kept are merged, leaving a short
// list of extents (dims) with the output stride of each (0 for reduced ones).
// Walking the input in storage order then visits each reduced run
// contiguously, and a kept innermost run maps to a contiguous output row.
type geom struct {
	outShape tensor.Shape
	dims     []int
	ostr     []int
	nOut     int // output elements
	nRed     int // input elements folded into each output element
}

// newGeom plans reducing shape over axes (all axes when axes is empty).
func newGeom(shape tensor.Shape, axes []int64, keepdims bool) (*geom, error) {
	rank := len(shape)
	red := make([]bool, rank)
	if len(axes) == 0 {
		for i := range red {
			red[i] = true
		}
	}
	for _, a := range axes {
		if a < -int64(rank) || a >= int64(rank) {
			return nil, fmt.Errorf("axis %d out of range for rank %d", a, rank)
		}
		if a < 0 {
			a += int64(rank)
		}
		if red[a] {
			return nil, fmt.Errorf("axis %d repeated in axes %v", a, axes)
		}
		red[a] = true
	}
	g := &geom{nOut: 1, nRed: 1}
	for i, d := range shape {
		if red[i] {
			g.nRed *= d
			if keepdims {
				g.outShape = append(g.outShape, 1)
			}
			continue
		}
		g.nOut *= d
		g.outShape = append(g.outShape, d)
	}
	if g.outShape == nil {
		g.outShape = tensor.Shape{}
	}
	var isRed []bool
	for i, d := range shape {
		if d == 1 {
			continue
		}
		if n := len(g.dims); n > 0 && isRed[n-1] == red[i] {
			g.dims[n-1] *= d
			continue
		}
		g.dims = append(g.dims, d)
		isRed = append(isRed, red[i])
	}
	if len(g.dims) == 0 {
		g.dims, isRed = []int{1}, []bool{false}
	}
	g.ostr = make([]int, len(g.dims))
	s := 1
	for i := len(g.dims) - 1; i >= 0; i-- {
		if !isRed[i] {
			g.ostr[i] = s
			s *= g.dims[i]
		}
	}
	return g, nil
}

// segments walks the input in storage order as runs of g.dims' innermost
// extent: visit(p, off) gets the input offset p of a run and the output
// offset off it folds into. When the innermost extent is reduced the whole
// run folds into out[off]; otherwise element i of the run folds into
// out[off+i]. idx is scratch of at least len(g.dims)-1 elements.
func (g *geom) segments(n int, idx []int, visit func(p, off int)) {
	if n == 0 {
		return
	}
	dims, ostr := g.dims, g.ostr
	r := len(dims) - 1
	last := dims[r]
	idx = idx[:r]
	clear(idx)
	off := 0
	for p := 0; p < n; p += last {
		visit(p, off)
		for ax := r - 1; ax >= 0; ax-- {
			idx[ax]++
			off += ostr[ax]
			if idx[ax] < dims[ax] {
				break
			}
			off -= ostr[ax] * dims[ax]
			idx[ax] = 0
		}
	}
}

// rows reports whether every output element folds exactly one contiguous
// run of the input (only trailing axes are reduced), and then the number
// of those runs and their length.
func (g *geom) rows() (rows, width int, ok bool) {
	last, lastRed := g.run()
	switch {
	case !lastRed || len(g.dims) > 2:
		return 0, 0, false
	case len(g.dims) == 1:
		return 1, last, true
	}
	return g.dims[0], last, true
}

// run is the innermost extent and whether it is reduced.
func (g *geom) run() (int, bool) {
	r := len(g.dims) - 1
	return g.dims[r], g.ostr[r] == 0
}

// fold combines every input element into the output element it reduces to:
// out[o] = f(out[o], v). out must be pre-filled with the identity; idx is
// scratch for segments.
func fold[T, A any](g *geom, in []T, out []A, idx []int, f func(A, T) A) {
	last, lastRed := g.run()
	g.segments(len(in), idx, func(p, off int) {
		seg := in[p : p+last]
		if lastRed {
			a := out[off]
			for _, v := range seg {
				a = f(a, v)
			}
			out[off] = a
		} else {
			o := out[off : off+last]
			for i, v := range seg {
				o[i] = f(o[i], v)
			}
		}
	})
}

// foldSum adds the input (squared if square) into out, with the loops
// written out so the common sum-like reductions avoid a call per element.
func foldSum[T float32 | float64](g *geom, in []T, out []float64, idx []int, square bool) {
	last, lastRed := g.run()
	g.segments(len(in), idx, func(p, off int) {
		seg := in[p : p+last]
		switch {
		case lastRed && square:
			var a float64
			for _, v := range seg {
				a += float64(v) * float64(v)
			}
			out[off] += a
		case lastRed:
			var a float64
			for _, v := range seg {
				a += float64(v)
			}
			out[off] += a
		case square:
			o := out[off : off+last]
			for i, v := range seg {
				o[i] += float64(v) * float64(v)
			}
		default:
			o := out[off : off+last]
			for i, v := range seg {
				o[i] += float64(v)
			}
		}
	})
}

// foldMax folds the maximum (or minimum) of the input into out; a NaN
// anywhere makes the result NaN.
func foldMax[T float32 | float64](g *geom, in []T, out []float64, idx []int, isMax bool) {
	last, lastRed := g.run()
	pick := func(a, v float64) float64 {
		if v != v || (isMax && v > a) || (!isMax && v < a) {
			return v
		}
		return a
	}
	g.segments(len(in), idx, func(p, off int) {
		seg := in[p : p+last]
		if !lastRed {
			o := out[off : off+last]
			for i, v := range seg {
				o[i] = pick(o[i], float64(v))
			}
			return
		}
		a := out[off]
		nan := false
		if isMax {
			for _, v := range seg {
				f := float64(v)
				nan = nan || f != f
				if f > a {
					a = f
				}
			}
		} else {
			for _, v := range seg {
				f := float64(v)
				nan = nan || f != f
				if f < a {
					a = f
				}
			}
		}
		if nan {
			a = math.NaN()
		}
		if out[off] != out[off] {
			a = out[off]
		}
		out[off] = a
	})
}
