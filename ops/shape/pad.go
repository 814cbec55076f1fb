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
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("Pad", in, 0)
		if err != nil {
			return nil, err
		}
		pads := attrPads
		var fill *tensor.Tensor
		if v1 {
			if x.DType() != tensor.String {
				if fill, err = scalarOf(x.DType(), float64(attrValue)); err != nil {
					return nil, fmt.Errorf("Pad: %w", err)
				}
			}
		} else {
			pt, err := need("Pad", in, 1)
			if err != nil {
				return nil, err
			}
			if pads, err = intList("Pad", "pads", pt); err != nil {
				return nil, err
			}
			// Pad-18 may name the axes pads applies to.
			if at := input(in, 3); at != nil && n.Opset >= 18 {
				if pads, err = padsForAxes(pads, at, x.Rank()); err != nil {
					return nil, err
				}
			}
			if ct := input(in, 2); ct != nil && mode == "constant" {
				if ct.Len() != 1 {
					return nil, fmt.Errorf("Pad: constant_value must be a scalar, got %v", ct.Shape())
				}
				if ct.DType() != x.DType() {
					return nil, fmt.Errorf("Pad: constant_value dtype %v differs from data %v", ct.DType(), x.DType())
				}
				fill = ct
			}
		}
		out, err := pad(x, pads, mode, fill)
		if err != nil {
			return nil, err
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// pad pads (or, for negative pads, crops) x. pads is [b0, b1, …, e0, e1, …].
func pad(x *tensor.Tensor, pads []int64, mode string, fill *tensor.Tensor) (*tensor.Tensor, error) {
	r := x.Rank()
	if len(pads) != 2*r {
		return nil, fmt.Errorf("Pad: %d pads for rank %d", len(pads), r)
	}
	xs := x.Shape()
	st := ops.Strides(xs)
	os := make(tensor.Shape, r)
	// maps[a][o] is the source coordinate along axis a of output coordinate
	// o, or -1 for a constant.
	maps := make([][]int, r)
	for a := 0; a < r; a++ {
		b, e, d := pads[a], pads[a+r], int64(xs[a])
		if b < -d || e < -d || b > tensor.MaxElements || e > tensor.MaxElements {
			return nil, fmt.Errorf("Pad: pads %v invalid for shape %v", pads, xs)
		}
		od := d + b + e
		if od < 0 {
			return nil, fmt.Errorf("Pad: pads %v give a negative dim for shape %v", pads, xs)
		}
		if od > tensor.MaxElements {
			return nil, fmt.Errorf("Pad: output too large")
		}
		os[a] = int(od)
		// Crop first: the kept source range is [lo, lo+kd).
		lo := max(-b, 0)
		kd := d - lo - max(-e, 0)
		pb := max(b, 0)
		if kd <= 0 && od > 0 && mode != "constant" {
			return nil, fmt.Errorf("Pad: cannot %s-pad an empty axis", mode)
		}
		m := make([]int, od)
		for o := int64(0); o < od; o++ {
			c := o - pb // coordinate within the kept range
			if c < 0 || c >= kd {
				switch mode {
				case "constant":
					m[o] = -1
					continue
				case "edge":
					c = min(max(c, 0), kd-1)
				case "reflect":
					c = reflectIndex(c, kd)
				case "wrap":
					c = ((c % kd) + kd) % kd
				}
			}
			m[o] = int(lo + c)
		}
		maps[a] = m
	}
	if _, err := checked("Pad", os); err != nil {
		return nil, err
	}
	out, err := alloc("Pad", x.DType(), os)
	if err != nil {
		return nil, err
	}
	mv, err := moverOf("Pad", out, x, fill)
	if err != nil {
		return nil, err
	}
	total := out.Len()
	if total == 0 {
		return out, nil
	}
	if r == 0 {
		mv.copy(out, 0, x, 0, 1)
		return out, nil
	}
	inner := os[r-1]
	row := make([]int, inner)
	coord := make([]int, r)
	for o := 0; o < total; o += inner {
		base := 0
		for a := 0; a < r-1; a++ {
			s := maps[a][coord[a]]
			if s < 0 {
				base = -1
				break
			}
			base += s * st[a]
		}
		if base < 0 {
			mv.fill(out, o, inner, fill)
		} else {
			for j, s := range maps[r-1] {
				if s < 0 {
					row[j] = -1
				} else {
					row[j] = base + s
				}
			}
			mv.take(out, o, x, row, fill)
		}
		for a := r - 2; a >= 0; a-- {
			coord[a]++
			if coord[a] < os[a] {
				break
			}
			coord[a] = 0
		}
	}
	return out, nil
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

// padsForAxes expands pads given for the axes listed in at ([b…, e…] over
// those axes) into pads over every axis of a rank-r tensor.
func padsForAxes(pads []int64, at *tensor.Tensor, r int) ([]int64, error) {
	axes, err := intList("Pad", "axes", at)
	if err != nil {
		return nil, err
	}
	if len(pads) != 2*len(axes) {
		return nil, fmt.Errorf("Pad: %d pads for %d axes", len(pads), len(axes))
	}
	full := make([]int64, 2*r)
	seen := make([]bool, r)
	for i, a := range axes {
		ax, err := ops.NormAxis(a, r)
		if err != nil {
			return nil, fmt.Errorf("Pad: axes: %w", err)
		}
		if seen[ax] {
			return nil, fmt.Errorf("Pad: axis %d repeated in axes", a)
		}
		seen[ax] = true
		full[ax], full[ax+r] = pads[i], pads[i+len(axes)]
	}
	return full, nil
}
