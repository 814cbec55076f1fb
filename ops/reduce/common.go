package reduce

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// widen decodes a float16 or bfloat16 tensor into a fresh []float32.
func widen(t *tensor.Tensor) []float32 {
	out := make([]float32, t.Len())
	switch t.DType() {
	case tensor.Float16:
		for i, v := range tensor.Data[tensor.Float16Bits](t) {
			out[i] = v.Float32()
		}
	case tensor.BFloat16:
		for i, v := range tensor.Data[tensor.BFloat16Bits](t) {
			out[i] = v.Float32()
		}
	}
	return out
}

// narrow encodes src into a new tensor of the half-precision dtype dt.
func narrow(dt tensor.DType, src []float32, shape tensor.Shape) *tensor.Tensor {
	t := tensor.New(dt, shape...)
	switch dt {
	case tensor.Float16:
		d := tensor.Data[tensor.Float16Bits](t)
		for i, v := range src {
			d[i] = tensor.ToFloat16(v)
		}
	case tensor.BFloat16:
		d := tensor.Data[tensor.BFloat16Bits](t)
		for i, v := range src {
			d[i] = tensor.ToBFloat16(v)
		}
	}
	return t
}

// needInputs checks that the first n inputs are present.
func needInputs(in []*tensor.Tensor, n int) error {
	if len(in) < n {
		return fmt.Errorf("expected at least %d inputs, got %d", n, len(in))
	}
	for i := 0; i < n; i++ {
		if in[i] == nil {
			return fmt.Errorf("input %d is missing", i)
		}
	}
	return nil
}

// extents splits shape around axis into the product of the dims before it,
// the dim itself and the product of the dims after it.
func extents(shape tensor.Shape, axis int) (outer, mid, inner int) {
	outer, mid, inner = 1, shape[axis], 1
	for _, d := range shape[:axis] {
		outer *= d
	}
	for _, d := range shape[axis+1:] {
		inner *= d
	}
	return
}

// keepdimsFlag reads the keepdims attribute (default 1).
func keepdimsFlag(n *ops.Node) (bool, error) {
	k, err := n.Int("keepdims", 1)
	return k != 0, err
}
