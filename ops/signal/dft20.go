package signal

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// bindDFT20 binds DFT-20, where the axis moved from an attribute to the
// optional third input (default −2, the last axis before the real/imaginary
// one); dft_length stays the optional second input.
func bindDFT20(n *ops.Node) (ops.Kernel, error) {
	if n.Has("axis") {
		return nil, fmt.Errorf("DFT: from opset 20 the axis is an input, not an attribute")
	}
	inv, err := n.Int("inverse", 0)
	if err != nil {
		return nil, err
	}
	one, err := n.Int("onesided", 0)
	if err != nil {
		return nil, err
	}
	if (inv != 0 && inv != 1) || (one != 0 && one != 1) {
		return nil, fmt.Errorf("DFT: inverse and onesided must be 0 or 1")
	}
	if inv == 1 && one == 1 {
		return nil, fmt.Errorf("DFT: onesided inverse transforms are not defined")
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := ops.Input(in, 0)
		if x == nil {
			return nil, fmt.Errorf("DFT: input is missing")
		}
		length := int64(-1)
		if t := ops.Input(in, 1); t != nil && t.Len() > 0 {
			v, err := ops.ScalarInt(t, "dft_length")
			if err != nil {
				return nil, fmt.Errorf("DFT: %w", err)
			}
			if v < 1 || v > tensor.MaxElements {
				return nil, fmt.Errorf("DFT: dft_length %d must be positive", v)
			}
			length = v
		}
		axis := int64(-2)
		if t := ops.Input(in, 2); t != nil {
			v, err := ops.ScalarInt(t, "axis")
			if err != nil {
				return nil, fmt.Errorf("DFT: %w", err)
			}
			axis = v
		}
		if r := int64(x.Rank()); axis < -r || axis >= r-1 {
			return nil, fmt.Errorf("DFT: axis %d out of range for input shape %v", axis, x.Shape())
		}
		out, err := dft(x, axis, int(length), inv == 1, one == 1)
		if err != nil {
			return nil, fmt.Errorf("DFT: %w", err)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}
