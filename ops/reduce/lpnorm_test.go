package reduce

import (
	"math"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// TestLpNormalization checks hand-computed cases: ‖(3,4)‖₂ = 5 and
// ‖(1,−3)‖₁ = 4, along the last axis and along axis 0; a zero vector stays
// zero (what ONNX Runtime 1.30 returns).
func TestLpNormalization(t *testing.T) {
	for _, c := range []struct {
		axis, p int64
		x       []float32
		shape   []int
		want    []float32
	}{
		{-1, 2, []float32{3, 4, 0, 0}, []int{2, 2}, []float32{0.6, 0.8, 0, 0}},
		{-1, 1, []float32{1, -3}, []int{1, 2}, []float32{0.25, -0.75}},
		{0, 2, []float32{3, 1, 4, 0}, []int{2, 2}, []float32{0.6, 1, 0.8, 0}},
	} {
		node := &ir.Node{OpType: "LpNormalization", Inputs: []string{"x"}, Outputs: []string{"y"}, Attrs: []*ir.Attribute{
			{Name: "axis", Type: ir.AttrInt, I: c.axis}, {Name: "p", Type: ir.AttrInt, I: c.p}}}
		k, err := ops.WithArity(1, 1, 1, bindLpNorm)(&ops.Node{Node: node, Opset: 1})
		if err != nil {
			t.Fatal(err)
		}
		out, err := k([]*tensor.Tensor{tensor.FromFloat32(c.x, c.shape...)})
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range out[0].Float32s() {
			w := c.want[i]
			if !(math.Abs(float64(v-w)) < 1e-6 || (v != v && w != w)) {
				t.Errorf("axis %d p %d: element %d = %v, want %v", c.axis, c.p, i, v, w)
			}
		}
	}
	node := &ir.Node{OpType: "LpNormalization", Inputs: []string{"x"}, Outputs: []string{"y"}, Attrs: []*ir.Attribute{{Name: "p", Type: ir.AttrInt, I: 3}}}
	if _, err := bindLpNorm(&ops.Node{Node: node, Opset: 1}); err == nil {
		t.Error("p = 3 accepted")
	}
}
