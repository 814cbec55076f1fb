package shape

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// sliceArgs are Slice's starts, ends and optional axes and steps.
type sliceArgs struct {
	starts, ends, axes, steps ints
	hasAxes, hasSteps         bool
}

func bindSlice(n *ops.Node) (ops.Kernel, error) {
	var attr sliceArgs
	fromAttrs := n.Opset < 10
	if fromAttrs {
		starts, err := n.Ints("starts")
		if err != nil {
			return nil, fmt.Errorf("Slice: %w", err)
		}
		ends, err := n.Ints("ends")
		if err != nil {
			return nil, fmt.Errorf("Slice: %w", err)
		}
		axes, err := n.Ints("axes")
		if err != nil {
			return nil, fmt.Errorf("Slice: %w", err)
		}
		if starts == nil || ends == nil {
			return nil, fmt.Errorf("Slice: starts and ends attributes are required")
		}
		attr = sliceArgs{starts: intsOf(starts), ends: intsOf(ends), axes: intsOf(axes), hasAxes: axes != nil}
	}
	read := func(in []*tensor.Tensor) (*tensor.Tensor, sliceArgs, error) {
		x, err := need("Slice", in, 0)
		if err != nil {
			return nil, attr, err
		}
		if fromAttrs {
			return x, attr, nil
		}
		var a sliceArgs
		get := func(i int, what string, required bool) (ints, bool, error) {
			t := input(in, i)
			if t == nil {
				if required {
					return ints{}, false, fmt.Errorf("Slice: %s input is missing", what)
				}
				return ints{}, false, nil
			}
			// An empty list counts as absent, as in the original kernels.
			v, err := intList("Slice", what, t)
			return v, err == nil && v.Len() > 0, err
		}
		if a.starts, _, err = get(1, "starts", true); err != nil {
			return nil, a, err
		}
		if a.ends, _, err = get(2, "ends", true); err != nil {
			return nil, a, err
		}
		if a.axes, a.hasAxes, err = get(3, "axes", false); err != nil {
			return nil, a, err
		}
		if a.steps, a.hasSteps, err = get(4, "steps", false); err != nil {
			return nil, a, err
		}
		return x, a, nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			x, a, err := read(in)
			if err != nil {
				return err
			}
			o := &out[0]
			setOut(o, x.DType(), x.Shape())
			_, err = sliceLayout(x.Shape(), a, o.Shape, nil)
			return err
		},
		Run: func(in, out []*tensor.Tensor) error {
			x, a, err := read(in)
			if err != nil {
				return err
			}
			y := out[0]
			k, err := moveKind("Slice", y, x)
			if err != nil {
				return err
			}
			r := x.Rank()
			var shBuf, stBuf [stackRank]int
			sh := scratch(shBuf[:], r)
			copy(sh, x.Shape())
			st := stridesInto(scratch(stBuf[:], r), x.Shape())
			off, err := sliceLayout(x.Shape(), a, sh, st)
			if err != nil {
				return err
			}
			k.strided(y, x, sh, st, off)
			return nil
		},
	})
}

// sliceLayout applies a slice of an input of shape xs: it sets the sliced
// axes' lengths in shape (which starts as a copy of xs) and, when strides
// is not nil (it then starts as xs's row-major strides), their strides,
// and returns the element offset of the first element read.
func sliceLayout(xs tensor.Shape, a sliceArgs, shape, strides []int) (int, error) {
	r := len(xs)
	nk := a.starts.Len()
	if a.ends.Len() != nk {
		return 0, fmt.Errorf("Slice: %d starts but %d ends", nk, a.ends.Len())
	}
	if a.hasAxes && a.axes.Len() != nk {
		return 0, fmt.Errorf("Slice: %d starts but %d axes", nk, a.axes.Len())
	}
	if a.hasSteps && a.steps.Len() != nk {
		return 0, fmt.Errorf("Slice: %d starts but %d steps", nk, a.steps.Len())
	}
	if !a.hasAxes && nk > r {
		return 0, fmt.Errorf("Slice: %d starts for rank %d", nk, r)
	}
	var axBuf [stackRank]int
	norm := axBuf[:0]
	if a.hasAxes {
		var err error
		if norm, err = normAxes("Slice", a.axes, r, norm); err != nil {
			return 0, err
		}
	} else {
		for i := range nk {
			norm = append(norm, i)
		}
	}
	off := 0
	for i, ax := range norm {
		step := int64(1)
		if a.hasSteps {
			step = a.steps.At(i)
		}
		if step == 0 {
			return 0, fmt.Errorf("Slice: step is zero")
		}
		d := int64(xs[ax])
		s, e := a.starts.At(i), a.ends.At(i)
		if s < 0 {
			s += d
		}
		if e < 0 {
			e += d
		}
		// A step longer than the axis takes at most one element; clamp it so
		// the arithmetic below cannot overflow.
		step = min(max(step, -(d+1)), d+1)
		var cnt int64
		if step > 0 {
			s = min(max(s, 0), d)
			e = min(max(e, 0), d)
			if e > s {
				cnt = (e-s-1)/step + 1
			}
		} else {
			s = min(max(s, 0), d-1)
			e = min(max(e, -1), d-1)
			if s > e {
				cnt = (s-e-1)/(-step) + 1
			}
		}
		shape[ax] = int(cnt)
		if strides != nil {
			if cnt > 0 {
				off += int(s) * strides[ax]
			}
			strides[ax] *= int(step)
		}
	}
	return off, nil
}
