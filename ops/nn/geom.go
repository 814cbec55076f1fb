package nn

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// windowAttrs are the attributes shared by convolutions and pools.
type windowAttrs struct {
	op       string
	autoPad  string
	kernel   []int // nil: from the weights (conv) — required for pools
	strides  []int
	dils     []int
	pads     []int
	group    int
	ceilMode bool
}

func parseWindowAttrs(n *ops.Node, op string, withGroup bool) (*windowAttrs, error) {
	a := &windowAttrs{op: op, group: 1}
	var err error
	if a.autoPad, err = n.String("auto_pad", "NOTSET"); err != nil {
		return nil, err
	}
	switch a.autoPad {
	case "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID":
	case "":
		a.autoPad = "NOTSET"
	default:
		return nil, fmt.Errorf("%s: unknown auto_pad %q", op, a.autoPad)
	}
	if a.kernel, err = intsAttr(n, "kernel_shape"); err != nil {
		return nil, err
	}
	if a.strides, err = intsAttr(n, "strides"); err != nil {
		return nil, err
	}
	if a.dils, err = intsAttr(n, "dilations"); err != nil {
		return nil, err
	}
	if a.pads, err = intsAttr(n, "pads"); err != nil {
		return nil, err
	}
	for _, v := range a.kernel {
		if v <= 0 {
			return nil, fmt.Errorf("%s: kernel_shape %v must be positive", op, a.kernel)
		}
	}
	for _, v := range a.strides {
		if v <= 0 {
			return nil, fmt.Errorf("%s: strides %v must be positive", op, a.strides)
		}
	}
	for _, v := range a.dils {
		if v <= 0 {
			return nil, fmt.Errorf("%s: dilations %v must be positive", op, a.dils)
		}
	}
	for _, v := range a.pads {
		if v < 0 {
			return nil, fmt.Errorf("%s: pads %v must be non-negative", op, a.pads)
		}
	}
	if len(a.pads)%2 != 0 {
		return nil, fmt.Errorf("%s: pads %v must have even length", op, a.pads)
	}
	if withGroup {
		g, err := n.Int("group", 1)
		if err != nil {
			return nil, err
		}
		if g < 1 || g > 1<<30 {
			return nil, fmt.Errorf("%s: group %d must be positive", op, g)
		}
		a.group = int(g)
	}
	return a, nil
}

// geom is a resolved window geometry over d spatial axes: an image of
// extent in is scanned by a kernel k (dilated by dil) at positions
// o·stride − padB, giving out positions per axis.
type geom struct {
	in, k, out, stride, dil, padB, padE []int
}

func (g *geom) eff(i int) int { return (g.k[i]-1)*g.dil[i] + 1 }

// maxExtent bounds every extent, stride and dilation product the geometry
// computes, so that no intermediate overflows an int.
const maxExtent = 1 << 50

// checkExtents rejects kernels, dilations, strides and extents whose
// products could overflow. g.in may hold input positions (g.out for
// transposed convolutions); both are checked when set.
func (g *geom) checkExtents(op string) error {
	for i := range g.k {
		if g.k[i] < 0 || (g.k[i] > 1 && g.dil[i] > maxExtent/(g.k[i]-1)) {
			return fmt.Errorf("%s: kernel %v with dilations %v is too large", op, g.k, g.dil)
		}
		for _, ext := range [][]int{g.in, g.out} {
			if i < len(ext) && ext[i] > 0 && g.stride[i] > maxExtent/ext[i] {
				return fmt.Errorf("%s: strides %v are too large for extent %v", op, g.stride, ext)
			}
		}
	}
	return nil
}

// fill returns v, or a slice of d copies of def when v is nil; it checks length.
func fill(op, name string, v []int, d, def int) ([]int, error) {
	if v == nil {
		out := make([]int, d)
		for i := range out {
			out[i] = def
		}
		return out, nil
	}
	if len(v) != d {
		return nil, fmt.Errorf("%s: %s %v has %d values, want %d", op, name, v, len(v), d)
	}
	return append([]int(nil), v...), nil
}

// forward resolves the geometry of a convolution or pool over spatial extent
// in with kernel k.
func (a *windowAttrs) forward(in, k []int) (*geom, error) {
	d := len(in)
	if len(k) != d {
		return nil, fmt.Errorf("%s: kernel_shape %v does not match %d spatial axes", a.op, k, d)
	}
	g := &geom{in: in, k: k}
	var err error
	if g.stride, err = fill(a.op, "strides", a.strides, d, 1); err != nil {
		return nil, err
	}
	if g.dil, err = fill(a.op, "dilations", a.dils, d, 1); err != nil {
		return nil, err
	}
	g.padB, g.padE = make([]int, d), make([]int, d)
	g.out = make([]int, d)
	if a.autoPad == "NOTSET" && a.pads != nil {
		if len(a.pads) != 2*d {
			return nil, fmt.Errorf("%s: pads %v has %d values, want %d", a.op, a.pads, len(a.pads), 2*d)
		}
		copy(g.padB, a.pads[:d])
		copy(g.padE, a.pads[d:])
	}
	if err := g.checkExtents(a.op); err != nil {
		return nil, err
	}
	for i := 0; i < d; i++ {
		if k[i] <= 0 {
			return nil, fmt.Errorf("%s: kernel_shape %v must be positive", a.op, k)
		}
		s, e := g.stride[i], g.eff(i)
		switch a.autoPad {
		case "SAME_UPPER", "SAME_LOWER":
			g.out[i] = (in[i] + s - 1) / s
			total := max(0, (g.out[i]-1)*s+e-in[i])
			if a.autoPad == "SAME_UPPER" {
				g.padB[i] = total / 2
			} else {
				g.padB[i] = total - total/2
			}
			g.padE[i] = total - g.padB[i]
		default:
			if a.autoPad == "VALID" {
				g.padB[i], g.padE[i] = 0, 0
			}
			span := in[i] + g.padB[i] + g.padE[i] - e
			if span < 0 {
				return nil, fmt.Errorf("%s: kernel extent %d exceeds padded input extent %d on spatial axis %d", a.op, e, in[i]+g.padB[i]+g.padE[i], i)
			}
			if a.ceilMode && a.autoPad != "VALID" {
				g.out[i] = (span+s-1)/s + 1
				// The last window must start inside the input or left padding.
				if (g.out[i]-1)*s >= in[i]+g.padB[i] {
					g.out[i]--
				}
			} else {
				g.out[i] = span/s + 1
			}
		}
	}
	return g, nil
}

// spatialShape builds [n, c, spatial...] and checks it.
func spatialShape(n, c int, sp []int) (tensor.Shape, error) {
	s := append(tensor.Shape{n, c}, sp...)
	return s, s.Check()
}

// im2col gathers, for c channels of an image laid out as c planes of
// prod(g.in), the matrix col of (c·prod(k)) rows by prod(out) columns: row
// (ch, kernel offset) holds the input element under that kernel tap at each
// output position, or zero in padding. With add it runs backwards
// (col2im): each col element is added into the image at its tap position.
func im2col[T num](img []T, c int, g *geom, col []T, add bool) {
	d := len(g.in)
	K, O, I := prod(g.k), prod(g.out), prod(g.in)
	if K == 0 || O == 0 {
		return
	}
	inStr := make([]int, d)
	s := 1
	for i := d - 1; i >= 0; i-- {
		inStr[i] = s
		s *= g.in[i]
	}
	last := d - 1
	oL, sL, inL := g.out[last], g.stride[last], g.in[last]
	nOuter := O / oL
	kidx := make([]int, d)
	oidx := make([]int, d)
	for ch := 0; ch < c; ch++ {
		plane := img[ch*I : (ch+1)*I]
		for j := range kidx {
			kidx[j] = 0
		}
		for kk := 0; kk < K; kk++ {
			row := col[(ch*K+kk)*O : (ch*K+kk+1)*O]
			koff := kidx[last]*g.dil[last] - g.padB[last]
			lo := 0
			if koff < 0 {
				lo = (-koff + sL - 1) / sL
			}
			hi := 0
			if inL-1-koff >= 0 {
				hi = (inL-1-koff)/sL + 1
			}
			lo = min(lo, oL)
			hi = max(lo, min(hi, oL))
			for j := range oidx {
				oidx[j] = 0
			}
			for q := 0; q < nOuter; q++ {
				seg := row[q*oL : (q+1)*oL]
				base, valid := 0, true
				for j := 0; j < last; j++ {
					ii := oidx[j]*g.stride[j] + kidx[j]*g.dil[j] - g.padB[j]
					if ii < 0 || ii >= g.in[j] {
						valid = false
						break
					}
					base += ii * inStr[j]
				}
				if add {
					if valid && hi > lo {
						src := base + koff
						if sL == 1 {
							dst := plane[src+lo : src+hi]
							for o, v := range seg[lo:hi] {
								dst[o] += v
							}
						} else {
							for o := lo; o < hi; o++ {
								plane[src+o*sL] += seg[o]
							}
						}
					}
				} else if !valid {
					clear(seg)
				} else {
					clear(seg[:lo])
					clear(seg[hi:])
					src := base + koff
					if hi <= lo {
						// no valid taps on this row
					} else if sL == 1 {
						copy(seg[lo:hi], plane[src+lo:src+hi])
					} else {
						for o := lo; o < hi; o++ {
							seg[o] = plane[src+o*sL]
						}
					}
				}
				// next outer output position
				for j := last - 1; j >= 0; j-- {
					oidx[j]++
					if oidx[j] < g.out[j] {
						break
					}
					oidx[j] = 0
				}
			}
			// next kernel tap
			for j := last; j >= 0; j-- {
				kidx[j]++
				if kidx[j] < g.k[j] {
					break
				}
				kidx[j] = 0
			}
		}
	}
}

// isPointwise reports whether the convolution is a plain 1×…×1 kernel with
// unit strides and no padding, so the input is already its im2col matrix.
func (g *geom) isPointwise() bool {
	for i := range g.k {
		if g.k[i] != 1 || g.stride[i] != 1 || g.padB[i] != 0 || g.padE[i] != 0 {
			return false
		}
	}
	return true
}
