package image

import (
	"math"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// TestOddInputsDoNotPanic feeds malformed and degenerate inputs: each call
// must return a result or an error.
func TestOddInputsDoNotPanic(t *testing.T) {
	r := ops.NewRegistry()
	r.ClaimOpset("", 17)
	Register(r)
	f := func(v []float32, shape ...int) *tensor.Tensor { return tensor.From(v, shape...) }
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	cases := []struct {
		op    string
		opset int64
		attrs []*ir.Attribute
		in    []*tensor.Tensor
	}{
		{"Resize", 13, nil, []*tensor.Tensor{f([]float32{1}), nil, nil, nil}},
		{"Resize", 13, nil, []*tensor.Tensor{tensor.Scalar(float32(1)), nil, f([]float32{}, 0), nil}},
		{"Resize", 13, []*ir.Attribute{strAttr("mode", "cubic")}, []*tensor.Tensor{f([]float32{}, 0, 2), nil, f([]float32{1, 2}), nil}},
		{"Resize", 13, []*ir.Attribute{strAttr("mode", "linear")}, []*tensor.Tensor{f([]float32{}, 0), nil, nil, tensor.From([]int64{3}, 1)}},
		{"Resize", 13, []*ir.Attribute{strAttr("mode", "linear")}, []*tensor.Tensor{f([]float32{1, 2}), nil, f([]float32{nan}, 1), nil}},
		{"Resize", 13, []*ir.Attribute{strAttr("mode", "linear")}, []*tensor.Tensor{f([]float32{1, 2}), nil, f([]float32{inf}, 1), nil}},
		{"Resize", 13, []*ir.Attribute{strAttr("mode", "linear"), strAttr("coordinate_transformation_mode", "tf_crop_and_resize")},
			[]*tensor.Tensor{f([]float32{1, 2}), f([]float32{nan, inf}), nil, tensor.From([]int64{4}, 1)}},
		{"Resize", 13, []*ir.Attribute{strAttr("mode", "linear")}, []*tensor.Tensor{tensor.From([]bool{true}, 1), nil, f([]float32{2}, 1), nil}},
		{"Resize", 10, nil, []*tensor.Tensor{f([]float32{1, 2}), tensor.From([]int64{2}, 1)}},
		{"GridSample", 16, nil, []*tensor.Tensor{f([]float32{}, 1, 1, 0, 0), f([]float32{0, 0}, 1, 1, 1, 2)}},
		{"GridSample", 16, []*ir.Attribute{strAttr("padding_mode", "reflection"), strAttr("mode", "bicubic")},
			[]*tensor.Tensor{f([]float32{1}, 1, 1, 1, 1), f([]float32{nan, inf, 1e30, -1e30}, 1, 1, 2, 2)}},
		{"GridSample", 16, []*ir.Attribute{strAttr("padding_mode", "border")},
			[]*tensor.Tensor{f([]float32{1, 2}, 1, 1, 1, 2), f([]float32{inf, -inf, 1e30, 5}, 1, 1, 2, 2)}},
		{"GridSample", 16, nil, []*tensor.Tensor{f([]float32{1}, 1, 1, 1, 1), f([]float32{0, 0}, 2, 1, 1, 1)}},
		{"RoiAlign", 16, nil, []*tensor.Tensor{f([]float32{}, 1, 1, 0, 0), f([]float32{0, 0, 1, 1}, 1, 4), tensor.From([]int64{0}, 1)}},
		{"RoiAlign", 16, nil, []*tensor.Tensor{f([]float32{1}, 1, 1, 1, 1), f([]float32{nan, 0, inf, 1}, 1, 4), tensor.From([]int64{0}, 1)}},
		{"RoiAlign", 16, nil, []*tensor.Tensor{f([]float32{1}, 1, 1, 1, 1), f([]float32{0, 0, 1, 1}, 1, 4), tensor.From([]int64{3}, 1)}},
		{"RoiAlign", 10, []*ir.Attribute{intAttr("sampling_ratio", 1<<20), intAttr("output_height", 1<<20)},
			[]*tensor.Tensor{f([]float32{1}, 1, 1, 1, 1), f([]float32{0, 0, 1, 1}, 1, 4), tensor.From([]int64{0}, 1)}},
		{"NonMaxSuppression", 11, nil, []*tensor.Tensor{f([]float32{}, 1, 0, 4), f([]float32{}, 1, 1, 0), tensor.From([]int64{5}, 1), nil, nil}},
		{"NonMaxSuppression", 11, nil, []*tensor.Tensor{f([]float32{0, 0, 1, 1}, 1, 1, 4), f([]float32{1, 2}, 1, 2, 1), f([]float32{1}, 1), nil, nil}},
		{"NonMaxSuppression", 11, nil, []*tensor.Tensor{f([]float32{nan, 0, 1, 1, 0, 0, 1, 1}, 1, 2, 4), f([]float32{nan, 2}, 1, 1, 2), tensor.From([]int64{5}, 1), nil, nil}},
	}
	for i, c := range cases {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("case %d (%s): panic: %v", i, c.op, p)
				}
			}()
			impl, err := r.Bind(&ops.Node{Node: &ir.Node{OpType: c.op, Attrs: c.attrs}, Opset: c.opset})
			if err != nil {
				return
			}
			_, _ = impl.Tensor(c.in)
		}()
	}
}
