package signal

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
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
	d := &dftOp{inverse: inv == 1, onesided: one == 1, axisInput: true}
	return n.Plan(d.planned())
}
