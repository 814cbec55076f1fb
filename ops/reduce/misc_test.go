package reduce

import (
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
)

func TestArgMax(t *testing.T) {
	x := tensor.From([]float32{1, 3, 2, 3, 0, -1, 5, 5}, 2, 4)
	out := run(t, "", "ArgMax", 13, 1, 1, []*ir.Attribute{intAttr("axis", -1)}, x)
	if g := out[0].Int64s(); !out[0].Shape().Equal(tensor.Shape{2, 1}) || g[0] != 1 || g[1] != 2 {
		t.Fatalf("got %v %v", out[0].Shape(), g)
	}
	out = run(t, "", "ArgMax", 12, 1, 1, []*ir.Attribute{intAttr("axis", 1), intAttr("keepdims", 0), intAttr("select_last_index", 1)}, x)
	if g := out[0].Int64s(); !out[0].Shape().Equal(tensor.Shape{2}) || g[0] != 3 || g[1] != 3 {
		t.Fatalf("got %v %v", out[0].Shape(), g)
	}
	// ArgMin along axis 0 of [2,4].
	out = run(t, "", "ArgMin", 13, 1, 1, []*ir.Attribute{intAttr("keepdims", 0)}, x)
	if g := out[0].Int64s(); len(g) != 4 || g[0] != 1 || g[1] != 1 || g[2] != 0 || g[3] != 0 {
		t.Fatalf("got %v", g)
	}
	ix := tensor.From([]uint8{4, 9, 9, 1}, 4)
	out = run(t, "", "ArgMax", 13, 1, 1, []*ir.Attribute{intAttr("keepdims", 0)}, ix)
	if g := out[0].Int64s(); out[0].Rank() != 0 || g[0] != 1 {
		t.Fatalf("got %v", g)
	}
	if _, err := tryRun("", "ArgMax", 13, 1, 1, []*ir.Attribute{intAttr("axis", 2)}, x); err == nil {
		t.Fatal("bad axis accepted")
	}
	if _, err := tryRun("", "ArgMax", 13, 1, 1, []*ir.Attribute{intAttr("axis", 1)}, tensor.New(tensor.Float32, 2, 0)); err == nil {
		t.Fatal("empty axis accepted")
	}
}

func TestSoftmax(t *testing.T) {
	x := tensor.From([]float32{1, 3, 2, 3, 0, -1, 5, 5}, 2, 4)
	// numpy: e = exp(x - max); e / e.sum(1)
	out := run(t, "", "Softmax", 13, 1, 1, nil, x)
	checkF32(t, out[0], tensor.Shape{2, 4}, []float32{0.05406459, 0.3994863, 0.14696279, 0.3994863,
		0.00335352, 0.00123369, 0.49770638, 0.49770638}, 1e-6)
	x3 := tensor.From([]float32{1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2)
	out = run(t, "", "Softmax", 13, 1, 1, []*ir.Attribute{intAttr("axis", 1)}, x3)
	checkF32(t, out[0], tensor.Shape{2, 2, 2}, []float32{0.11920292, 0.11920292, 0.8807971, 0.8807971,
		0.11920292, 0.11920292, 0.8807971, 0.8807971}, 1e-6)
	// opset 11 coerces [2,2,2] at axis 1 to [2,4].
	out = run(t, "", "LogSoftmax", 11, 1, 1, nil, x3)
	checkF32(t, out[0], tensor.Shape{2, 2, 2}, []float32{-3.4401896, -2.4401896, -1.4401897, -0.4401897,
		-3.4401896, -2.4401896, -1.4401897, -0.4401897}, 1e-6)
	out = run(t, "", "Hardmax", 13, 1, 1, nil, x)
	checkF32(t, out[0], tensor.Shape{2, 4}, []float32{0, 1, 0, 0, 0, 0, 1, 0}, 0)
	out = run(t, "", "Hardmax", 11, 1, 1, []*ir.Attribute{intAttr("axis", 0)}, x)
	checkF32(t, out[0], tensor.Shape{2, 4}, []float32{0, 0, 0, 0, 0, 0, 1, 0}, 0)
}

func TestNLLLoss(t *testing.T) {
	// Examples 1-3 of the operator's specification.
	x := tensor.From([]float32{1, 2, 2, 2, 3, 2, 0, 1, 2, 2, 1, 2}, 2, 3, 2)
	target := tensor.From([]int64{2, 1, 0, 2}, 2, 2)
	w := tensor.From([]float32{0.2, 0.3, 0.1})
	out := run(t, "", "NegativeLogLikelihoodLoss", 13, 2, 1, []*ir.Attribute{strAttr("reduction", "none")}, x, target)
	checkF32(t, out[0], tensor.Shape{2, 2}, []float32{-3, -2, 0, -2}, 0)
	out = run(t, "", "NegativeLogLikelihoodLoss", 13, 3, 1, []*ir.Attribute{strAttr("reduction", "sum")}, x, target, w)
	checkF32(t, out[0], tensor.Shape{}, []float32{-1.1}, 1e-6)
	out = run(t, "", "NegativeLogLikelihoodLoss", 13, 3, 1, nil, x, target, w)
	checkF32(t, out[0], tensor.Shape{}, []float32{-1.1 / 0.7}, 1e-6) // the spec prints -1.57
	// ignore_index drops sample (1, 1): mean of the other three.
	out = run(t, "", "NegativeLogLikelihoodLoss", 13, 2, 1, []*ir.Attribute{intAttr("ignore_index", 2)}, x, target)
	checkF32(t, out[0], tensor.Shape{}, []float32{-2.0 / 2}, 1e-6)
	bad := tensor.From([]int64{3, 1, 0, 2}, 2, 2)
	if _, err := tryRun("", "NegativeLogLikelihoodLoss", 13, 2, 1, nil, x, bad); err == nil {
		t.Fatal("out-of-range target accepted")
	}
}

func TestSCELoss(t *testing.T) {
	// scores [2,3]; numpy: lp = x - max - log(sum(exp(x - max)))
	x := tensor.From([]float32{1, 2, 3, 0, 0, 0}, 2, 3)
	labels := tensor.From([]int32{2, 0})
	out := run(t, "", "SoftmaxCrossEntropyLoss", 13, 2, 2, []*ir.Attribute{strAttr("reduction", "none")}, x, labels)
	checkF32(t, out[0], tensor.Shape{2}, []float32{0.40760596, 1.0986123}, 1e-6)
	checkF32(t, out[1], tensor.Shape{2, 3}, []float32{-2.407606, -1.4076059, -0.40760595, -1.0986123, -1.0986123, -1.0986123}, 1e-6)
	out = run(t, "", "SoftmaxCrossEntropyLoss", 13, 2, 1, nil, x, labels)
	checkF32(t, out[0], tensor.Shape{}, []float32{(0.40760596 + 1.0986123) / 2}, 1e-6)
}

func TestOptimizers(t *testing.T) {
	r := tensor.Scalar[float32](0.1)
	step := tensor.Scalar[int64](1)
	x := tensor.From([]float32{1, 2})
	g := tensor.From([]float32{-1, 3})
	h := tensor.From([]float32{2, 0})
	// Adagrad, decay 0.5, norm 0, eps 0: r' = 0.1/1.5; H' = H + G²; X' = X - r'·G/√H'
	out := run(t, TrainingDomain, "Adagrad", 1, 5, 2, []*ir.Attribute{floatAttr32("decay_factor", 0.5), floatAttr32("epsilon", 0)}, r, step, x, g, h)
	checkF32(t, out[0], tensor.Shape{2}, []float32{1 + 0.1/1.5/1.7320508, 2 - 0.1/1.5}, 1e-6)
	checkF32(t, out[1], tensor.Shape{2}, []float32{3, 9}, 0)
	// Momentum, standard, alpha 0.5 beta 0.25: V' = 0.5V + 0.25G; X' = X - 0.1V'
	attrs := []*ir.Attribute{floatAttr32("alpha", 0.5), floatAttr32("beta", 0.25), floatAttr32("norm_coefficient", 0), strAttr("mode", "standard")}
	out = run(t, TrainingDomain, "Momentum", 1, 5, 2, attrs, r, step, x, g, h)
	checkF32(t, out[1], tensor.Shape{2}, []float32{0.75, 0.75}, 1e-7)
	checkF32(t, out[0], tensor.Shape{2}, []float32{0.925, 1.925}, 1e-7)
	if _, err := tryRun(TrainingDomain, "Momentum", 1, 5, 2, attrs[:3], r, step, x, g, h); err == nil {
		t.Fatal("missing mode accepted")
	}
}
