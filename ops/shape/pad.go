package shape

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func bindPad(n *ops.Node) (ops.Kernel, error) {
	mode, err := n.String("mode", "constant")
	if err != nil {
		return nil, fmt.Errorf("Pad: %w", err)
	}
	switch mode {
	case "constant", "reflect", "edge":
	case "wrap":
		if n.Opset < 19 {
			return nil, fmt.Errorf("Pad: mode wrap needs opset 19")
		}
	default:
		return nil, fmt.Errorf("Pad: unknown mode %q", mode)
	}
	var attrPads []int64
	var attrValue float32
	v1 := n.Opset < 11
	if v1 {
		name := "pads"
		if n.Opset < 2 {
			name = "paddings"
		}
		if attrPads, err = n.Ints(name); err != nil {
			return nil, fmt.Errorf("Pad: %w", err)
		}
		if attrPads == nil {
			return nil, fmt.Errorf("Pad: %s attribute is required", name)
		}
		if attrValue, err = n.Float("value", 0); err != nil {
			return nil, fmt.Errorf("Pad: %w", err)
		}
	}
	// read returns the data, its pads per axis (written into pb and pe,
	// which have room for its rank) and the constant_value input, if any.
	read := func(in []*tensor.Tensor, pb, pe []int64) (x, fill *tensor.Tensor, err error) {
		if x, err = need("Pad", in, 0); err != nil {
			return nil, nil, err
		}
		r := x.Rank()
		pads := intsOf(attrPads)
		if !v1 {
			pt, err := need("Pad", in, 1)
			if err != nil {
				return nil, nil, err
			}
			if pads, err = intList("Pad", "pads", pt); err != nil {
				return nil, nil, err
			}
		}
		// Pad-18 may name the axes pads applies to.
		if at := input(in, 3); at != nil && !v1 && n.Opset >= 18 {
			if err := padsForAxes(pads, at, r, pb, pe); err != nil {
				return nil, nil, err
			}
		} else {
			if pads.Len() != 2*r {
				return nil, nil, fmt.Errorf("Pad: %d pads for rank %d", pads.Len(), r)
			}
			for a := range r {
				pb[a], pe[a] = pads.At(a), pads.At(a+r)
			}
		}
		if ct := input(in, 2); ct != nil && !v1 && mode == "constant" {
			if ct.Len() != 1 {
				return nil, nil, fmt.Errorf("Pad: constant_value must be a scalar, got %v", ct.Shape())
			}
			if ct.DType() != x.DType() {
				return nil, nil, fmt.Errorf("Pad: constant_value dtype %v differs from data %v", ct.DType(), x.DType())
			}
			fill = ct
		}
		return x, fill, nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			var bBuf, eBuf [stackRank]int64
			x, err := need("Pad", in, 0)
			if err != nil {
				return err
			}
			pb, pe := scratch64(bBuf[:], x.Rank()), scratch64(eBuf[:], x.Rank())
			if _, _, err := read(in, pb, pe); err != nil {
				return err
			}
			out[0].DType = x.DType()
			out[0].Shape, err = padShape(out[0].Shape[:0], x.Shape(), pb, pe, mode)
			return err
		},
		Run: func(in, out []*tensor.Tensor) error {
			var bBuf, eBuf [stackRank]int64
			x := in[0]
			pb, pe := scratch64(bBuf[:], x.Rank()), scratch64(eBuf[:], x.Rank())
			_, fill, err := read(in, pb, pe)
			if err != nil {
				return err
			}
			var vBuf [8]byte
			var value []byte
			if v1 {
				if value, err = encodeScalar(x.DType(), float64(attrValue), &vBuf); err != nil {
					return fmt.Errorf("Pad: %w", err)
				}
			}
			return pad(x, out[0], pb, pe, mode, padValue{t: fill, b: value})
		},
	})
}

// scratch64 returns buf[:n], or a fresh slice when n exceeds buf.
func scratch64(buf []int64, n int) []int64 {
	if n <= len(buf) {
		return buf[:n]
	}
	return make([]int64, n)
}

// padValue is the constant that Pad writes: element 0 of t, else the
// element bytes b, else zero (the empty string).
type padValue struct {
	t *tensor.Tensor
	b []byte
}

// fill sets y[off:off+n] to the value.
func (v padValue) fill(y *tensor.Tensor, off, n int) {
	if v.t != nil || v.b == nil || y.DType() == tensor.String {
		fillFrom(y, off, n, v.t, 0)
		return
	}
	sz := len(v.b)
	fillBytes(y.Bytes()[off*sz:(off+n)*sz], v.b)
}

// padShape appends to dst the shape of x (shape xs) padded by pb before
// and pe after each axis (negative pads crop), after checking the pads.
func padShape(dst, xs tensor.Shape, pb, pe []int64, mode string) (tensor.Shape, error) {
	for a, d := range xs {
		b, e, d := pb[a], pe[a], int64(d)
		if b < -d || e < -d || b > tensor.MaxElements || e > tensor.MaxElements {
			return nil, fmt.Errorf("Pad: pads %d, %d invalid for axis %d of shape %v", b, e, a, xs)
		}
		od := d + b + e
		if od < 0 {
			return nil, fmt.Errorf("Pad: pads %d, %d give a negative dim for axis %d of shape %v", b, e, a, xs)
		}
		if od > tensor.MaxElements {
			return nil, fmt.Errorf("Pad: output too large")
		}
		// The kept part of the input axis.
		kd := d - max(-b, 0) - max(-e, 0)
		if kd <= 0 && od > 0 && mode != "constant" {
			return nil, fmt.Errorf("Pad: cannot %s-pad an empty axis", mode)
		}
		dst = append(dst, int(od))
	}
	return dst, checkShape("Pad", dst)
}

// padAxis is how one axis of a pad maps output coordinates to the input.
type padAxis struct {
	lo   int // first kept input coordinate
	kd   int // number of kept input coordinates
	pb   int // output coordinates before the kept ones
	mode string
}

func newPadAxis(d int, b, e int64, mode string) padAxis {
	lo := int(max(-b, 0))
	return padAxis{lo: lo, kd: d - lo - int(max(-e, 0)), pb: int(max(b, 0)), mode: mode}
}

// src returns the input coordinate that output coordinate o reads, or -1
// where it holds the constant.
func (p padAxis) src(o int) int {
	c := o - p.pb // coordinate within the kept range
	if c < 0 || c >= p.kd {
		switch p.mode {
		case "edge":
			c = min(max(c, 0), p.kd-1)
		case "reflect":
			c = int(reflectIndex(int64(c), int64(p.kd)))
		case "wrap":
			c = ((c % p.kd) + p.kd) % p.kd
		default:
			return -1
		}
	}
	return p.lo + c
}

// pad writes into y the input x padded by pb before and pe after each
// axis (checked by padShape, which gave y's shape).
func pad(x, y *tensor.Tensor, pb, pe []int64, mode string, v padValue) error {
	total := y.Len()
	if total == 0 {
		return nil
	}
	r := x.Rank()
	if r == 0 {
		copyElems(y, 0, x, 0, 1)
		return nil
	}
	if v.t != nil && v.t.DType() != y.DType() {
		return fmt.Errorf("Pad: constant_value dtype %v differs from data %v", v.t.DType(), y.DType())
	}
	xs, os := x.Shape(), y.Shape()
	var stBuf, coordBuf [stackRank]int
	st := stridesInto(scratch(stBuf[:], r), xs)
	coord := scratch(coordBuf[:], r)
	clear(coord)
	last := newPadAxis(xs[r-1], pb[r-1], pe[r-1], mode)
	inner := os[r-1]
	for o := 0; o < total; o += inner {
		base := 0
		for a := 0; a < r-1; a++ {
			s := newPadAxis(xs[a], pb[a], pe[a], mode).src(coord[a])
			if s < 0 {
				base = -1
				break
			}
			base += s * st[a]
		}
		if base < 0 {
			v.fill(y, o, inner)
		} else {
			// The kept part is one contiguous run of the input row; the
			// pads either side hold the constant or read single elements.
			copyElems(y, o+last.pb, x, base+last.lo, last.kd)
			for _, seg := range [2][2]int{{0, last.pb}, {last.pb + last.kd, inner}} {
				if mode == "constant" {
					v.fill(y, o+seg[0], seg[1]-seg[0])
					continue
				}
				for j := seg[0]; j < seg[1]; j++ {
					copyElems(y, o+j, x, base+last.src(j), 1)
				}
			}
		}
		for a := r - 2; a >= 0; a-- {
			coord[a]++
			if coord[a] < os[a] {
				break
			}
			coord[a] = 0
		}
	}
	return nil
}

// reflectIndex maps c into [0, n) by mirroring about the edges without repeating
// them (numpy's "reflect").
func reflectIndex(c, n int64) int64 {
	if n == 1 {
		return 0
	}
	p := 2 * (n - 1)
	c %= p
	if c < 0 {
		c += p
	}
	if c >= n {
		c = p - c
	}
	return c
}

// padsForAxes spreads pads given for the axes listed in at ([b…, e…] over
// those axes) over the begin and end pads of every axis of a rank-r
// tensor (zero for unlisted axes).
func padsForAxes(pads ints, at *tensor.Tensor, r int, pb, pe []int64) error {
	axes, err := intList("Pad", "axes", at)
	if err != nil {
		return err
	}
	if pads.Len() != 2*axes.Len() {
		return fmt.Errorf("Pad: %d pads for %d axes", pads.Len(), axes.Len())
	}
	clear(pb)
	clear(pe)
	var buf [stackRank]int
	norm, err := normAxes("Pad", axes, r, buf[:0])
	if err != nil {
		return err
	}
	for i, ax := range norm {
		pb[ax], pe[ax] = pads.At(i), pads.At(i+axes.Len())
	}
	return nil
}
