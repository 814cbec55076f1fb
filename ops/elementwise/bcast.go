package elementwise

import (
	"fmt"
	"strconv"
	"unsafe"

	"github.com/sinter-ml/sinter/tensor"
)

// Broadcasting in contiguous runs.
//
// A bcast describes how up to three operands broadcast to an output shape.
// Output axes of extent 1 are dropped, and adjacent axes along which every
// operand is alike (each either walks its storage contiguously or is
// broadcast) are merged. What remains is a handful of levels; along the
// innermost one each operand either advances one element per output
// element or stays put. Equal shapes and a scalar on either side collapse to
// one level, a row vector against a matrix to two, and the walk hands each
// inner run to a loop over plain slices instead of computing an index per
// element.

// bcInline is the number of levels a bcast holds without allocating; shapes
// whose broadcast pattern changes more often use an allocated table.
const bcInline = 8

// bcast is the collapsed broadcast of up to three operands to an output.
type bcast struct {
	n    int              // output elements
	rank int              // levels (at least 1 when n > 0)
	full [3]bool          // operand k advances along the innermost level
	dim  [bcInline]int    // extent of each level, outermost first
	st   [3][bcInline]int // operand k's element stride along each level (0: broadcast)
	ext  []int            // rank > bcInline: dims, then each operand's strides
}

// init sets bc to the broadcast of operands of shapes ins (at most three,
// each broadcastable to os) to the output shape os.
func (bc *bcast) init(os tensor.Shape, ins ...tensor.Shape) {
	bc.n = os.NumElements()
	bc.rank = 0
	bc.full = [3]bool{}
	bc.ext = nil
	if bc.n == 0 {
		return
	}
	levels := bc.collapse(os, ins, nil, nil)
	if levels > bcInline {
		bc.ext = make([]int, 4*levels)
		bc.collapse(os, ins, bc.ext[:levels], bc.ext[levels:])
	} else {
		bc.collapse(os, ins, bc.dim[:levels], nil)
	}
	bc.rank = levels
	if levels == 0 { // a one-element output: a single run of length 1
		bc.rank = 1
		bc.dim[0] = 1
		for k := range bc.st {
			bc.st[k][0] = 0
		}
		return
	}
	_, st := bc.levels()
	for k := range ins {
		bc.full[k] = st[k][levels-1] == 1
	}
}

// collapse counts the levels of the broadcast of ins to os and, when dim is
// not nil, stores them: extents in dim (outermost first) and the operands'
// strides in bc.st or, when ext is not nil, in ext (len(dim) per operand).
func (bc *bcast) collapse(os tensor.Shape, ins []tensor.Shape, dim, ext []int) int {
	r := len(os)
	stride := [3]int{1, 1, 1}
	var prev [3]bool
	levels := 0
	// Walk from the innermost axis out, filling levels from the back.
	for j := r - 1; j >= 0; j-- {
		d := os[j]
		if d == 1 {
			continue
		}
		var walks [3]bool
		var st [3]int
		for k, s := range ins {
			i := j - (r - len(s))
			if i >= 0 && s[i] != 1 {
				walks[k] = true
				st[k] = stride[k]
				stride[k] *= s[i]
			}
		}
		if levels > 0 && walks == prev {
			if dim != nil {
				dim[len(dim)-levels] *= d
			}
			continue
		}
		levels++
		prev = walks
		if dim == nil {
			continue
		}
		at := len(dim) - levels
		dim[at] = d
		for k := range st {
			if ext != nil {
				ext[k*len(dim)+at] = st[k]
			} else {
				bc.st[k][at] = st[k]
			}
		}
	}
	return levels
}

// levels returns the level extents and each operand's strides.
func (bc *bcast) levels() (dim []int, st [3][]int) {
	r := bc.rank
	if bc.ext != nil {
		return bc.ext[:r], [3][]int{bc.ext[r : 2*r], bc.ext[2*r : 3*r], bc.ext[3*r : 4*r]}
	}
	return bc.dim[:r], [3][]int{bc.st[0][:r], bc.st[1][:r], bc.st[2][:r]}
}

// walk calls f once for each inner run of the output elements [lo, hi): the
// run covers output elements [o, o+n), and off[k] is operand k's offset at
// its first element. Along the run operand k advances by one per element
// when bc.full[k], else stays at off[k].
func (bc *bcast) walk(lo, hi int, f func(o, n int, off [3]int)) {
	if lo >= hi {
		return
	}
	dim, st := bc.levels()
	r := len(dim)
	var idxBuf [bcInline]int
	idx := idxBuf[:]
	if r > bcInline {
		idx = make([]int, r)
	}
	// Position the odometer at lo.
	var off [3]int
	rem := lo
	for ax := r - 1; ax >= 0; ax-- {
		i := rem % dim[ax]
		rem /= dim[ax]
		idx[ax] = i
		for k := range off {
			off[k] += i * st[k][ax]
		}
	}
	inner := dim[r-1]
	in0, in1, in2 := st[0][r-1], st[1][r-1], st[2][r-1]
	for o := lo; ; {
		i0 := idx[r-1]
		n := min(inner-i0, hi-o)
		f(o, n, off)
		o += n
		if o >= hi {
			return
		}
		// The run ended at the end of the innermost level: rewind it and
		// advance the outer levels.
		off[0] -= i0 * in0
		off[1] -= i0 * in1
		off[2] -= i0 * in2
		idx[r-1] = 0
		for ax := r - 2; ax >= 0; ax-- {
			idx[ax]++
			off[0] += st[0][ax]
			off[1] += st[1][ax]
			off[2] += st[2][ax]
			if idx[ax] < dim[ax] {
				break
			}
			idx[ax] = 0
			off[0] -= st[0][ax] * dim[ax]
			off[1] -= st[1][ax] * dim[ax]
			off[2] -= st[2][ax] * dim[ax]
		}
	}
}

// binBC sets out[o] = f(a[·], b[·]) for the output elements [lo, hi) of the
// broadcast bc of a and b.
func binBC[A, B, C any](bc *bcast, lo, hi int, out []C, a []A, b []B, f func(A, B) C) {
	fa, fb := bc.full[0], bc.full[1]
	bc.walk(lo, hi, func(o, n int, off [3]int) {
		d := out[o : o+n]
		switch {
		case fa && fb:
			x, y := a[off[0]:off[0]+n], b[off[1]:off[1]+n]
			for i := range d {
				d[i] = f(x[i], y[i])
			}
		case fa:
			x, y := a[off[0]:off[0]+n], b[off[1]]
			for i := range d {
				d[i] = f(x[i], y)
			}
		case fb:
			x, y := a[off[0]], b[off[1]:off[1]+n]
			for i := range d {
				d[i] = f(x, y[i])
			}
		default:
			v := f(a[off[0]], b[off[1]])
			for i := range d {
				d[i] = v
			}
		}
	})
}

// broadcastInto sets dst to the multidirectional broadcast of shapes,
// reusing dst's storage, and checks the result is small enough to create.
func broadcastInto(dst tensor.Shape, shapes ...tensor.Shape) (tensor.Shape, error) {
	rank := 0
	for _, s := range shapes {
		rank = max(rank, len(s))
	}
	dst = dst[:0]
	for range rank {
		dst = append(dst, 1)
	}
	for _, s := range shapes {
		var err error
		if dst, err = broadcastWith(dst, s); err != nil {
			msg := make([]byte, 0, 64)
			for i, s := range shapes {
				if i > 0 {
					msg = append(msg, " and "...)
				}
				msg = append(msg, fmtShape(s)...)
			}
			return dst, fmt.Errorf("shapes %s are not broadcastable", msg)
		}
	}
	return dst, dst.Check()
}

// broadcastWith broadcasts dst (of rank at least len(s)) with s in place.
func broadcastWith(dst, s tensor.Shape) (tensor.Shape, error) {
	if len(s) > len(dst) {
		return dst, fmt.Errorf("rank %d above %d", len(s), len(dst))
	}
	off := len(dst) - len(s)
	for i, d := range s {
		o := &dst[off+i]
		switch {
		case d == *o || d == 1:
		case *o == 1:
			*o = d
		default:
			return dst, fmt.Errorf("dim %d does not broadcast with %d", d, *o)
		}
	}
	return dst, nil
}

// broadcastAll sets dst to the broadcast of every shape of ts (all present),
// reusing dst's storage.
func broadcastAll(dst tensor.Shape, ts []*tensor.Tensor) (tensor.Shape, error) {
	rank := 0
	for _, t := range ts {
		rank = max(rank, t.Rank())
	}
	dst = dst[:0]
	for range rank {
		dst = append(dst, 1)
	}
	for _, t := range ts {
		var err error
		if dst, err = broadcastWith(dst, t.Shape()); err != nil {
			return dst, fmt.Errorf("shape %s does not broadcast with the other inputs", fmtShape(t.Shape()))
		}
	}
	return dst, dst.Check()
}

// fmtShape formats s like tensor.Shape.String without retaining it (error
// messages built from shapes on the stack must not move them to the heap).
func fmtShape(s tensor.Shape) string {
	b := []byte{'['}
	for i, d := range s {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(d), 10)
	}
	return string(append(b, ']'))
}

// raw returns the storage of a non-string tensor as a []T aliasing it,
// whatever its dtype: kernels that only move elements (Where, copies) work
// by element size.
func raw[T uint8 | uint16 | uint32 | uint64](t *tensor.Tensor) []T {
	b := t.Bytes()
	var z T
	n := len(b) / int(unsafe.Sizeof(z))
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), n)
}

// copyTensor copies src's elements into dst (same dtype and element count).
func copyTensor(dst, src *tensor.Tensor) {
	if src.DType() == tensor.String {
		copy(dst.Strings(), src.Strings())
		return
	}
	copy(dst.Bytes(), src.Bytes())
}
