package shape

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func bindSlice(n *ops.Node) (ops.Kernel, error) {
	var aStarts, aEnds, aAxes []int64
	attrs := n.Opset < 10
	if attrs {
		var err error
		if aStarts, err = n.Ints("starts"); err != nil {
			return nil, fmt.Errorf("Slice: %w", err)
		}
		if aEnds, err = n.Ints("ends"); err != nil {
			return nil, fmt.Errorf("Slice: %w", err)
		}
		if aAxes, err = n.Ints("axes"); err != nil {
			return nil, fmt.Errorf("Slice: %w", err)
		}
		if aStarts == nil || aEnds == nil {
			return nil, fmt.Errorf("Slice: starts and ends attributes are required")
		}
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("Slice", in, 0)
		if err != nil {
			return nil, err
		}
		starts, ends, axes := aStarts, aEnds, aAxes
		var steps []int64
		if !attrs {
			read := func(i int, what string, required bool) ([]int64, error) {
				t := input(in, i)
				if t == nil {
					if required {
						return nil, fmt.Errorf("Slice: %s input is missing", what)
					}
					return nil, nil
				}
				return intList("Slice", what, t)
			}
			if starts, err = read(1, "starts", true); err != nil {
				return nil, err
			}
			if ends, err = read(2, "ends", true); err != nil {
				return nil, err
			}
			if axes, err = read(3, "axes", false); err != nil {
				return nil, err
			}
			if steps, err = read(4, "steps", false); err != nil {
				return nil, err
			}
		}
		out, err := slice(x, starts, ends, axes, steps)
		if err != nil {
			return nil, err
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func slice(x *tensor.Tensor, starts, ends, axes, steps []int64) (*tensor.Tensor, error) {
	r := x.Rank()
	if len(ends) != len(starts) {
		return nil, fmt.Errorf("Slice: %d starts but %d ends", len(starts), len(ends))
	}
	if axes != nil && len(axes) != len(starts) {
		return nil, fmt.Errorf("Slice: %d starts but %d axes", len(starts), len(axes))
	}
	if steps != nil && len(steps) != len(starts) {
		return nil, fmt.Errorf("Slice: %d starts but %d steps", len(starts), len(steps))
	}
	if axes == nil {
		if len(starts) > r {
			return nil, fmt.Errorf("Slice: %d starts for rank %d", len(starts), r)
		}
		axes = make([]int64, len(starts))
		for i := range axes {
			axes[i] = int64(i)
		}
	}
	norm, err := normAxes("Slice", axes, r)
	if err != nil {
		return nil, err
	}
	xs := x.Shape()
	st := ops.Strides(xs)
	shape := xs.Clone()
	strides := append([]int(nil), st...)
	off := 0
	for i, ax := range norm {
		step := int64(1)
		if steps != nil {
			step = steps[i]
		}
		if step == 0 {
			return nil, fmt.Errorf("Slice: step is zero")
		}
		d := int64(xs[ax])
		s, e := starts[i], ends[i]
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
		if cnt > 0 {
			off += int(s) * st[ax]
		}
		strides[ax] = int(step) * st[ax]
	}
	return stridedCopy("Slice", x, shape, strides, off)
}
