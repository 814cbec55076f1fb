package image

import (
	"math"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func node(op string, opset int64, attrs ...*ir.Attribute) *ops.Node {
	return &ops.Node{Node: &ir.Node{OpType: op, Attrs: attrs, Outputs: []string{"y"}}, Opset: opset}
}

func strAttr(name, v string) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrString, S: []byte(v)}
}

func intAttr(name string, v int64) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrInt, I: v}
}

func run(t *testing.T, n *ops.Node, in ...*tensor.Tensor) *tensor.Tensor {
	t.Helper()
	r := ops.NewRegistry()
	r.ClaimOpset("", 17)
	Register(r)
	impl, err := r.Bind(n)
	if err != nil {
		t.Fatal(err)
	}
	out, err := impl.Tensor(in)
	if err != nil {
		t.Fatal(err)
	}
	return out[0]
}

func near(t *testing.T, got []float32, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d values %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range got {
		if math.Abs(float64(got[i]-want[i])) > 1e-5 {
			t.Fatalf("value %d: got %v, want %v (all %v)", i, got[i], want[i], got)
		}
	}
}

func TestResizeLinearHalfPixel(t *testing.T) {
	// ONNX Operators.md example resize_upsample_scales_linear.
	x := tensor.From([]float32{1, 2, 3, 4}, 1, 1, 2, 2)
	scales := tensor.From([]float32{1, 1, 2, 2})
	y := run(t, node("Resize", 13, strAttr("mode", "linear")), x, nil, scales, nil)
	if !y.Shape().Equal(tensor.Shape{1, 1, 4, 4}) {
		t.Fatalf("shape %v", y.Shape())
	}
	near(t, y.Float32s(), []float32{
		1, 1.25, 1.75, 2,
		1.5, 1.75, 2.25, 2.5,
		2.5, 2.75, 3.25, 3.5,
		3, 3.25, 3.75, 4,
	})
}

func TestResizeNearestSizesStrings(t *testing.T) {
	// asymmetric + floor: out j reads floor(j * 2/3).
	x := tensor.FromStrings([]string{"a", "b"}, 2)
	sizes := tensor.From([]int64{3}, 1)
	y := run(t, node("Resize", 13, strAttr("coordinate_transformation_mode", "asymmetric"), strAttr("nearest_mode", "floor")), x, nil, nil, sizes)
	got := y.Strings()
	if len(got) != 3 || got[0] != "a" || got[1] != "a" || got[2] != "b" {
		t.Fatalf("got %v", got)
	}
}

func TestUpsampleNearest(t *testing.T) {
	x := tensor.From([]int32{1, 2}, 1, 2)
	y := run(t, node("Upsample", 9), x, tensor.From([]float32{1, 2}))
	want := []int32{1, 1, 2, 2}
	for i, v := range y.Int32s() {
		if v != want[i] {
			t.Fatalf("got %v", y.Int32s())
		}
	}
}

func TestResizeTfCropExtrapolation(t *testing.T) {
	// roi [0.5, 1.5] on a length-3 axis, 2 outputs: x = 1 and x = 3 (outside → 9).
	x := tensor.From([]float32{0, 10, 20})
	roi := tensor.From([]float32{0.5, 1.5})
	y := run(t, node("Resize", 13, strAttr("mode", "linear"), strAttr("coordinate_transformation_mode", "tf_crop_and_resize"),
		&ir.Attribute{Name: "extrapolation_value", Type: ir.AttrFloat, F: 9}), x, roi, nil, tensor.From([]int64{2}))
	near(t, y.Float32s(), []float32{10, 9})
}

func TestNMS(t *testing.T) {
	// Boxes 0 and 1 overlap with IOU 0.81 > 0.5; box 2 is apart.
	boxes := tensor.From([]float32{
		0, 0, 1, 1,
		0, 0.1, 1, 1.1,
		0, 10, 1, 11,
	}, 1, 3, 4)
	scores := tensor.From([]float32{0.9, 0.95, 0.3}, 1, 1, 3)
	y := run(t, node("NonMaxSuppression", 11), boxes, scores, tensor.From([]int64{3}, 1), tensor.From([]float32{0.5}), nil)
	want := []int64{0, 0, 1, 0, 0, 2}
	got := y.Int64s()
	if !y.Shape().Equal(tensor.Shape{2, 3}) {
		t.Fatalf("shape %v: %v", y.Shape(), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v want %v", got, want)
		}
	}
}

func TestGridSampleIdentity(t *testing.T) {
	x := tensor.From([]float32{1, 2, 3, 4}, 1, 1, 2, 2)
	grid := tensor.From([]float32{-1, -1, 1, -1, -1, 1, 1, 1}, 1, 2, 2, 2)
	y := run(t, node("GridSample", 16, intAttr("align_corners", 1)), x, grid)
	near(t, y.Float32s(), []float32{1, 2, 3, 4})
	// Zero padding, align_corners=0: the center of the image is the mean.
	y = run(t, node("GridSample", 16), x, tensor.From([]float32{0, 0}, 1, 1, 1, 2))
	near(t, y.Float32s(), []float32{2.5})
}

func TestRoiAlignAvg(t *testing.T) {
	// Constant image: every average is the constant.
	x := tensor.From([]float32{5, 5, 5, 5, 5, 5, 5, 5, 5}, 1, 1, 3, 3)
	rois := tensor.From([]float32{0, 0, 2, 2}, 1, 4)
	y := run(t, node("RoiAlign", 16, intAttr("output_height", 2), intAttr("output_width", 2)), x, rois, tensor.From([]int64{0}, 1))
	near(t, y.Float32s(), []float32{5, 5, 5, 5})
}

func TestBadInputsError(t *testing.T) {
	r := ops.NewRegistry()
	r.ClaimOpset("", 17)
	Register(r)
	impl, err := r.Bind(node("Resize", 13))
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.From([]float32{1, 2})
	if _, err := impl.Tensor([]*tensor.Tensor{x, nil, tensor.From([]float32{-1}), nil}); err == nil {
		t.Fatal("negative scale accepted")
	}
	if _, err := impl.Tensor([]*tensor.Tensor{x, nil, nil, tensor.From([]int64{1 << 50})}); err == nil {
		t.Fatal("huge size accepted")
	}
	if _, err := r.Bind(node("Upsample", 10)); err == nil {
		t.Fatal("Upsample-10 accepted")
	}
}
