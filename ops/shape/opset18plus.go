package shape

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// bindCenterCropPad binds CenterCropPad-18: each listed axis (all axes by
// default) is centre-cropped or zero-padded to the size in input shape;
// when the difference is odd the extra element is cropped or padded at
// the end.
func bindCenterCropPad(n *ops.Node) (ops.Kernel, error) {
	axes, err := n.Ints("axes")
	if err != nil {
		return nil, fmt.Errorf("CenterCropPad: %w", err)
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("CenterCropPad", in, 0)
		if err != nil {
			return nil, err
		}
		st, err := need("CenterCropPad", in, 1)
		if err != nil {
			return nil, err
		}
		sizes, err := intList("CenterCropPad", "shape", st)
		if err != nil {
			return nil, err
		}
		r := x.Rank()
		ax := axes
		if ax == nil {
			ax = make([]int64, r)
			for i := range ax {
				ax[i] = int64(i)
			}
		}
		if len(sizes) != len(ax) {
			return nil, fmt.Errorf("CenterCropPad: shape has %d entries for %d axes", len(sizes), len(ax))
		}
		pads := make([]int64, 2*r)
		seen := make([]bool, r)
		for i, a := range ax {
			a, err := ops.NormAxis(a, r)
			if err != nil {
				return nil, fmt.Errorf("CenterCropPad: axes: %w", err)
			}
			if seen[a] {
				return nil, fmt.Errorf("CenterCropPad: axis %d repeated", a)
			}
			seen[a] = true
			if sizes[i] < 0 || sizes[i] > tensor.MaxElements {
				return nil, fmt.Errorf("CenterCropPad: invalid size %d", sizes[i])
			}
			d := sizes[i] - int64(x.Shape()[a])
			// Crop (d < 0) or pad (d > 0) by |d|, the smaller half first.
			abs := max(d, -d)
			b, e := abs/2, abs-abs/2
			if d < 0 {
				b, e = -b, -e
			}
			pads[a], pads[a+r] = b, e
		}
		out, err := pad(x, pads, "constant", nil)
		if err != nil {
			return nil, fmt.Errorf("CenterCropPad: %w", err)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}
