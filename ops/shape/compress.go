package shape

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// The operators here have output shapes that depend on the values of
// their inputs. Compress's follows from its condition, a small input that
// Infer may read, so Compress has a planned form (a run whose condition
// selects more than the recorded run's puts its output on the heap).
// NonZero's depends on every element of its (large) input: it has only the
// allocating kernel, which allocates just its output.

func bindCompress(n *ops.Node) (ops.Kernel, error) {
	hasAxis := n.Has("axis")
	axis, err := n.Int("axis", 0)
	if err != nil {
		return nil, fmt.Errorf("Compress: %w", err)
	}
	// read checks the inputs and returns the data, its axis of selection
	// (the flattened data's when there is no axis attribute), the
	// condition and the number of entries it selects.
	read := func(in []*tensor.Tensor) (x *tensor.Tensor, ax int, cond []bool, sel int, err error) {
		if x, err = need("Compress", in, 0); err != nil {
			return
		}
		ct, err := need("Compress", in, 1)
		if err != nil {
			return
		}
		if ct.DType() != tensor.Bool || ct.Rank() != 1 {
			return nil, 0, nil, 0, fmt.Errorf("Compress: condition must be a 1-D bool tensor, got %v", ct)
		}
		D := x.Len()
		if hasAxis {
			if ax, err = ops.NormAxis(axis, x.Rank()); err != nil {
				return nil, 0, nil, 0, fmt.Errorf("Compress: %w", err)
			}
			D = x.Shape()[ax]
		}
		cond = ct.Bools()
		for i, c := range cond {
			if !c {
				continue
			}
			if i >= D {
				return nil, 0, nil, 0, fmt.Errorf("Compress: condition selects index %d of an axis of size %d", i, D)
			}
			sel++
		}
		return x, ax, cond, sel, nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			x, ax, _, sel, err := read(in)
			if err != nil {
				return err
			}
			os := out[0].Shape[:0]
			if hasAxis {
				os = append(os, x.Shape()...)
				os[ax] = sel
			} else {
				os = append(os, sel)
			}
			out[0].DType, out[0].Shape = x.DType(), os
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			x, ax, cond, sel, err := read(in)
			if err != nil {
				return err
			}
			outer, D, inner := 1, x.Len(), 1 // the flattened data
			if hasAxis {
				outer, D, inner = split3(x.Shape(), ax)
			}
			y := out[0]
			for o := 0; o < outer; o++ {
				j := 0
				for s, c := range cond {
					if c {
						copyElems(y, (o*sel+j)*inner, x, (o*D+s)*inner, inner)
						j++
					}
				}
			}
			return nil
		},
	})
}

func bindNonZero(n *ops.Node) (ops.Kernel, error) {
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("NonZero", in, 0)
		if err != nil {
			return nil, err
		}
		shape := x.Shape()
		if len(shape) == 0 {
			shape = tensor.Shape{1}
		}
		cnt := 0
		if err := forNonZero(x, func(int) { cnt++ }); err != nil {
			return nil, fmt.Errorf("NonZero: %w", err)
		}
		r := len(shape)
		out := tensor.New(tensor.Int64, r, cnt)
		o := out.Int64s()
		var stBuf [8]int
		st := stBuf[:0]
		if r > len(stBuf) {
			st = make([]int, 0, r)
		}
		st = append(st, shape...)
		// Row-major strides, in place of the dims.
		for a, s := r-1, 1; a >= 0; a-- {
			st[a], s = s, s*st[a]
		}
		j := 0
		forNonZero(x, func(p int) {
			for a := 0; a < r; a++ {
				o[a*cnt+j] = int64(p / st[a])
				p %= st[a]
			}
			j++
		})
		return []*tensor.Tensor{out}, nil
	}, nil
}

// forNonZero calls f with the index of every non-zero element of x, in
// order (non-zero: a non-empty string; for floats, anything but ±0).
func forNonZero(x *tensor.Tensor, f func(i int)) error {
	switch x.DType() {
	case tensor.String:
		for i, s := range x.Strings() {
			if s != "" {
				f(i)
			}
		}
	case tensor.Float32:
		for i, v := range x.Float32s() {
			if v != 0 {
				f(i)
			}
		}
	case tensor.Float64:
		for i, v := range x.Float64s() {
			if v != 0 {
				f(i)
			}
		}
	case tensor.Float16, tensor.BFloat16:
		b := x.Bytes()
		for i := range x.Len() {
			if b[2*i]|b[2*i+1]&0x7f != 0 {
				f(i)
			}
		}
	default:
		sz := x.DType().Size()
		if sz == 0 {
			return fmt.Errorf("unsupported dtype %v", x.DType())
		}
		b := x.Bytes()
		for i := range x.Len() {
			for _, c := range b[i*sz : (i+1)*sz] {
				if c != 0 {
					f(i)
					break
				}
			}
		}
	}
	return nil
}
