package nn

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

type goldenArray struct {
	shape []int
	data  []float64
}

func (g goldenArray) f64() *tensor.Tensor {
	return tensor.From(append([]float64(nil), g.data...), g.shape...)
}

func (g goldenArray) f32() *tensor.Tensor {
	d := make([]float32, len(g.data))
	for i, v := range g.data {
		d[i] = float32(v)
	}
	if len(g.shape) == 0 {
		return tensor.Scalar(d[0])
	}
	return tensor.From(d, g.shape...)
}

func gold(t *testing.T, c, name string) goldenArray {
	t.Helper()
	g, ok := golden[c][name]
	if !ok {
		t.Fatalf("no golden %s/%s", c, name)
	}
	return g
}

func registry() *ops.Registry {
	r := ops.NewRegistry()
	r.ClaimOpset("", 17)
	Register(r)
	return r
}

func iattr(name string, v int64) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrInt, I: v}
}

func fattr(name string, v float32) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrFloat, F: v}
}

func sattr(name, v string) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrString, S: []byte(v)}
}

func intsattr(name string, v ...int64) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrInts, Ints: v}
}

// runOp binds op at opset with nIn declared inputs and nOut outputs and runs
// it; it fails the test on a bind error and returns the run error.
func runOp(t *testing.T, op string, opset int64, nOut int, attrs []*ir.Attribute, in ...*tensor.Tensor) ([]*tensor.Tensor, error) {
	t.Helper()
	n := &ops.Node{Node: &ir.Node{OpType: op, Attrs: attrs}, Opset: opset}
	for i, x := range in {
		name := ""
		if x != nil {
			name = fmt.Sprint("in", i)
		}
		n.Inputs = append(n.Inputs, name)
	}
	for i := 0; i < nOut; i++ {
		n.Outputs = append(n.Outputs, fmt.Sprint("out", i))
	}
	impl, err := registry().Bind(n)
	if err != nil {
		return nil, fmt.Errorf("bind: %w", err)
	}
	return impl.Tensor(in)
}

func mustRun(t *testing.T, op string, opset int64, nOut int, attrs []*ir.Attribute, in ...*tensor.Tensor) []*tensor.Tensor {
	t.Helper()
	out, err := runOp(t, op, opset, nOut, attrs, in...)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return out
}

func near(t *testing.T, label string, got *tensor.Tensor, wantShape []int, want []float64, tol float64) {
	t.Helper()
	if !got.Shape().Equal(tensor.Shape(wantShape)) {
		t.Fatalf("%s: shape %v, want %v", label, got.Shape(), wantShape)
	}
	g, err := tensor.ToFloat64(got)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if d := math.Abs(g[i] - want[i]); !(d <= tol*(1+math.Abs(want[i]))) {
			t.Fatalf("%s: element %d = %v, want %v", label, i, g[i], want[i])
		}
	}
}

func nearGold(t *testing.T, label string, got *tensor.Tensor, g goldenArray, tol float64) {
	t.Helper()
	near(t, label, got, g.shape, g.data, tol)
}

func TestConvGolden(t *testing.T) {
	g := func(name string) goldenArray { return gold(t, "conv2d_group", name) }
	attrs := []*ir.Attribute{iattr("group", 2), intsattr("strides", 2, 1), intsattr("dilations", 1, 2), intsattr("pads", 1, 0, 2, 1)}
	out := mustRun(t, "Conv", 11, 1, attrs, g("x").f64(), g("w").f64(), g("b").f64())
	nearGold(t, "conv2d f64", out[0], g("y"), 1e-12)
	out = mustRun(t, "Conv", 11, 1, attrs, g("x").f32(), g("w").f32(), g("b").f32())
	nearGold(t, "conv2d f32", out[0], g("y"), 1e-5)

	// float16 is computed in float32 and rounded.
	h := func(a goldenArray) *tensor.Tensor {
		x := tensor.New(tensor.Float16, a.shape...)
		for i, v := range a.data {
			tensor.Data[tensor.Float16Bits](x)[i] = tensor.ToFloat16(float32(v))
		}
		return x
	}
	out = mustRun(t, "Conv", 11, 1, attrs, h(g("x")), h(g("w")), h(g("b")))
	if out[0].DType() != tensor.Float16 {
		t.Fatalf("float16 conv returned %v", out[0].DType())
	}
	nearGold(t, "conv2d f16", out[0], g("y"), 2e-2)

	g1 := func(name string) goldenArray { return gold(t, "conv1d_same_lower", name) }
	out = mustRun(t, "Conv", 11, 1, []*ir.Attribute{sattr("auto_pad", "SAME_LOWER"), intsattr("strides", 2)}, g1("x").f64(), g1("w").f64())
	nearGold(t, "conv1d same_lower", out[0], g1("y"), 1e-12)

	g3 := func(name string) goldenArray { return gold(t, "conv3d", name) }
	attrs = []*ir.Attribute{intsattr("kernel_shape", 2, 2, 3), intsattr("strides", 1, 2, 1), intsattr("dilations", 1, 1, 2), intsattr("pads", 0, 1, 1, 1, 0, 1)}
	out = mustRun(t, "Conv", 1, 1, attrs, g3("x").f32(), g3("w").f32(), g3("b").f32())
	nearGold(t, "conv3d", out[0], g3("y"), 1e-5)
}

func TestConvTransposeGolden(t *testing.T) {
	g := func(name string) goldenArray { return gold(t, "convt2d", name) }
	attrs := []*ir.Attribute{iattr("group", 2), intsattr("strides", 2, 3), intsattr("dilations", 2, 1), intsattr("pads", 1, 0, 0, 1), intsattr("output_padding", 1, 0)}
	out := mustRun(t, "ConvTranspose", 11, 1, attrs, g("x").f64(), g("w").f64(), g("b").f64())
	nearGold(t, "convt2d", out[0], g("y"), 1e-12)

	g1 := func(name string) goldenArray { return gold(t, "convt1d_same_lower", name) }
	out = mustRun(t, "ConvTranspose", 11, 1, []*ir.Attribute{sattr("auto_pad", "SAME_LOWER"), intsattr("strides", 2)}, g1("x").f32(), g1("w").f32())
	nearGold(t, "convt1d same_lower", out[0], g1("y"), 1e-5)
}

func TestPoolGolden(t *testing.T) {
	g := func(c, name string) goldenArray { return gold(t, c, name) }
	attrs := []*ir.Attribute{intsattr("kernel_shape", 2, 2), intsattr("strides", 2, 2), intsattr("dilations", 1, 2), intsattr("pads", 1, 0, 0, 1), iattr("ceil_mode", 1), iattr("storage_order", 1)}
	out := mustRun(t, "MaxPool", 12, 2, attrs, g("maxpool_colmajor", "x").f32())
	nearGold(t, "maxpool", out[0], g("maxpool_colmajor", "y"), 1e-6)
	nearGold(t, "maxpool indices", out[1], g("maxpool_colmajor", "i"), 0)

	attrs = []*ir.Attribute{intsattr("kernel_shape", 3, 2), intsattr("strides", 2, 2), intsattr("pads", 1, 1, 1, 0), iattr("ceil_mode", 1), iattr("count_include_pad", 1)}
	out = mustRun(t, "AveragePool", 11, 1, attrs, g("avgpool_cip_ceil", "x").f64())
	nearGold(t, "avgpool cip", out[0], g("avgpool_cip_ceil", "y"), 1e-12)
	attrs[len(attrs)-1] = iattr("count_include_pad", 0)
	out = mustRun(t, "AveragePool", 11, 1, attrs, g("avgpool_cip_ceil", "x").f64())
	nearGold(t, "avgpool no cip", out[0], g("avgpool_nocip_ceil", "y"), 1e-12)

	attrs = []*ir.Attribute{intsattr("kernel_shape", 2, 3), intsattr("strides", 1, 2), intsattr("pads", 0, 1, 1, 1), iattr("p", 3)}
	out = mustRun(t, "LpPool", 11, 1, attrs, g("avgpool_cip_ceil", "x").f64())
	nearGold(t, "lppool", out[0], g("lppool3", "y"), 1e-12)
}

func TestMaxPoolInt8(t *testing.T) {
	x := tensor.From([]int8{-5, -3, -128, 7, 1, 2, -1, -2, 0}, 1, 1, 3, 3)
	out := mustRun(t, "MaxPool", 12, 1, []*ir.Attribute{intsattr("kernel_shape", 2, 2)}, x)
	near(t, "maxpool int8", out[0], []int{1, 1, 2, 2}, []float64{7, 2, 7, 2}, 0)
	if out[0].DType() != tensor.Int8 {
		t.Fatalf("dtype %v", out[0].DType())
	}
}

func TestGlobalPools(t *testing.T) {
	x := tensor.From([]float32{1, -2, 3, 4, 5, -6, 0, 0}, 1, 2, 2, 2)
	out := mustRun(t, "GlobalAveragePool", 1, 1, nil, x)
	near(t, "gap", out[0], []int{1, 2, 1, 1}, []float64{1.5, -0.25}, 1e-7)
	out = mustRun(t, "GlobalMaxPool", 1, 1, nil, x)
	near(t, "gmp", out[0], []int{1, 2, 1, 1}, []float64{4, 5}, 0)
	out = mustRun(t, "GlobalLpPool", 2, 1, []*ir.Attribute{iattr("p", 1)}, x)
	near(t, "glp", out[0], []int{1, 2, 1, 1}, []float64{10, 11}, 1e-7)
}

func TestBatchNormTraining(t *testing.T) {
	g := func(name string) goldenArray { return gold(t, "bn_train", name) }
	attrs := []*ir.Attribute{iattr("training_mode", 1), fattr("momentum", 0.8)}
	out := mustRun(t, "BatchNormalization", 15, 3, attrs, g("x").f64(), g("scale").f64(), g("b").f64(), g("mean").f64(), g("var").f64())
	nearGold(t, "bn y", out[0], g("y"), 1e-6)
	nearGold(t, "bn running mean", out[1], g("rm"), 1e-6)
	nearGold(t, "bn running var", out[2], g("rv"), 1e-6)

	gn := func(name string) goldenArray { return gold(t, "bn_nonspatial", name) }
	out = mustRun(t, "BatchNormalization", 7, 1, []*ir.Attribute{iattr("spatial", 0)}, gn("x").f32(), gn("scale").f32(), gn("b").f32(), gn("mean").f32(), gn("var").f32())
	nearGold(t, "bn non-spatial", out[0], gn("y"), 1e-5)
}

func TestNorms(t *testing.T) {
	g := func(c, name string) goldenArray { return gold(t, c, name) }
	out := mustRun(t, "InstanceNormalization", 6, 1, []*ir.Attribute{fattr("epsilon", 1e-3)}, g("instnorm", "x").f32(), g("instnorm", "scale").f32(), g("instnorm", "b").f32())
	nearGold(t, "instnorm", out[0], g("instnorm", "y"), 1e-5)
	out = mustRun(t, "LRN", 13, 1, []*ir.Attribute{iattr("size", 4), fattr("alpha", 0.001), fattr("beta", 0.5), fattr("bias", 2)}, g("lrn", "x").f64())
	nearGold(t, "lrn", out[0], g("lrn", "y"), 1e-6)
	out = mustRun(t, "MeanVarianceNormalization", 13, 1, []*ir.Attribute{intsattr("axes", 0, -1)}, g("mvn", "x").f64())
	nearGold(t, "mvn", out[0], g("mvn", "y"), 1e-9)
	out = mustRun(t, "LayerNormalization", 17, 3, []*ir.Attribute{iattr("axis", -2)}, g("layernorm", "x").f32(), g("layernorm", "scale").f32(), g("layernorm", "b").f32())
	nearGold(t, "layernorm", out[0], g("layernorm", "y"), 1e-5)
	nearGold(t, "layernorm mean", out[1], g("layernorm", "mean"), 1e-5)
	nearGold(t, "layernorm invstd", out[2], g("layernorm", "inv"), 1e-5)
}

func TestEinsum(t *testing.T) {
	g := func(c, name string) goldenArray { return gold(t, c, name) }
	eq := func(s string) []*ir.Attribute { return []*ir.Attribute{sattr("equation", s)} }
	out := mustRun(t, "Einsum", 12, 1, eq("...ij,...jk->...ik"), g("einsum_ell", "a").f64(), g("einsum_ell", "b").f64())
	nearGold(t, "ellipsis", out[0], g("einsum_ell", "y"), 1e-12)
	out = mustRun(t, "Einsum", 12, 1, eq("bii->bi"), g("einsum_diag", "a").f64())
	nearGold(t, "diag", out[0], g("einsum_diag", "y"), 1e-12)
	out = mustRun(t, "Einsum", 12, 1, eq("ii"), g("einsum_trace", "a").f64())
	nearGold(t, "trace", out[0], g("einsum_trace", "y"), 1e-12)
	out = mustRun(t, "Einsum", 12, 1, eq("ij,ij,jk"), g("einsum_three", "a").f64(), g("einsum_three", "b").f64(), g("einsum_three", "c").f64())
	nearGold(t, "three", out[0], g("einsum_three", "y"), 1e-12)
	out = mustRun(t, "Einsum", 12, 1, eq("kji"), g("einsum_implicit", "a").f64())
	nearGold(t, "implicit", out[0], g("einsum_implicit", "y"), 1e-12)
	out = mustRun(t, "Einsum", 12, 1, eq("ij, k -> jk"), g("einsum_outer_sum", "a").f64(), g("einsum_outer_sum", "b").f64())
	nearGold(t, "outer sum", out[0], g("einsum_outer_sum", "y"), 1e-12)
	// integer transpose-and-multiply
	a := tensor.From([]int32{1, 2, 3, 4, 5, 6}, 2, 3)
	out = mustRun(t, "Einsum", 12, 1, eq("ij,ij->ji"), a, a)
	near(t, "int", out[0], []int{3, 2}, []float64{1, 16, 4, 25, 9, 36}, 0)
}

func TestMatMulGemm(t *testing.T) {
	g := func(c, name string) goldenArray { return gold(t, c, name) }
	out := mustRun(t, "MatMul", 13, 1, nil, g("matmul_1d", "a").f32(), g("matmul_1d", "b").f32())
	nearGold(t, "matmul 1d", out[0], g("matmul_1d", "y"), 1e-5)
	out = mustRun(t, "MatMul", 13, 1, nil, g("matmul_bcast", "a").f64(), g("matmul_bcast", "b").f64())
	nearGold(t, "matmul bcast", out[0], g("matmul_bcast", "y"), 1e-12)
	ai := tensor.From([]int64{1, 2, 3, 4, 5, 6}, 2, 3)
	bi := tensor.From([]int64{1, 0, -1}, 3)
	out = mustRun(t, "MatMul", 13, 1, nil, ai, bi)
	near(t, "matmul int64 mv", out[0], []int{2}, []float64{-2, -2}, 0)

	attrs := []*ir.Attribute{iattr("transA", 1), iattr("transB", 1), fattr("alpha", 0.5), fattr("beta", 2)}
	out = mustRun(t, "Gemm", 13, 1, attrs, g("gemm_t", "a").f64(), g("gemm_t", "b").f64(), g("gemm_t", "c").f64())
	nearGold(t, "gemm", out[0], g("gemm_t", "y"), 1e-12)
	out = mustRun(t, "Gemm", 13, 1, attrs, g("gemm_t", "a").f32(), g("gemm_t", "b").f32(), g("gemm_col", "c").f32())
	nearGold(t, "gemm col", out[0], g("gemm_col", "y"), 1e-5)
	out = mustRun(t, "Gemm", 13, 1, []*ir.Attribute{iattr("transA", 1), iattr("transB", 1), fattr("alpha", 1.5), fattr("beta", 0.25)},
		g("gemm_big", "a").f64(), g("gemm_big", "b").f64(), g("gemm_big", "c").f64())
	nearGold(t, "gemm big", out[0], g("gemm_big", "y"), 1e-12)
	out = mustRun(t, "Gemm", 13, 1, []*ir.Attribute{iattr("transB", 1)}, g("gemm_big_nt", "a").f32(), g("gemm_big", "b").f32())
	nearGold(t, "gemm big nt", out[0], g("gemm_big_nt", "y"), 1e-5)
	// Optional C since opset 11.
	out = mustRun(t, "Gemm", 11, 1, nil, tensor.From([]float32{1, 2}, 1, 2), tensor.From([]float32{3, 4}, 2, 1))
	near(t, "gemm no C", out[0], []int{1, 1}, []float64{11}, 0)
}

func TestDet(t *testing.T) {
	g := func(name string) goldenArray { return gold(t, "det", name) }
	out := mustRun(t, "Det", 11, 1, nil, g("a").f64())
	nearGold(t, "det", out[0], g("y"), 1e-12)
	out = mustRun(t, "Det", 11, 1, nil, tensor.From([]float32{1, 2, 2, 4}, 2, 2))
	near(t, "singular", out[0], []int{}, []float64{0}, 0)
}

func TestQuantize(t *testing.T) {
	x := tensor.From([]float32{-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 300, -300})
	out := mustRun(t, "QuantizeLinear", 13, 1, nil, x, tensor.Scalar(float32(1)), tensor.Scalar(int8(0)))
	near(t, "quantize ties", out[0], []int{8}, []float64{-2, -2, 0, 0, 2, 2, 127, -128}, 0)
	out = mustRun(t, "QuantizeLinear", 13, 1, nil, x, tensor.Scalar(float32(0.5)))
	if out[0].DType() != tensor.Uint8 {
		t.Fatalf("default zero point dtype %v", out[0].DType())
	}
	near(t, "quantize uint8", out[0], []int{8}, []float64{0, 0, 0, 1, 3, 5, 255, 0}, 0)
	// per-axis on axis 0 (negative spelling)
	x2 := tensor.From([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	out = mustRun(t, "QuantizeLinear", 13, 1, []*ir.Attribute{iattr("axis", -2)}, x2, tensor.From([]float32{1, 2}), tensor.From([]uint8{10, 20}))
	near(t, "quantize per-axis", out[0], []int{2, 3}, []float64{11, 12, 13, 22, 22, 23}, 0)
	out = mustRun(t, "DequantizeLinear", 13, 1, []*ir.Attribute{iattr("axis", 0)}, out[0], tensor.From([]float32{1, 2}), tensor.From([]uint8{10, 20}))
	near(t, "dequantize per-axis", out[0], []int{2, 3}, []float64{1, 2, 3, 4, 4, 6}, 0)
}

func TestErrorsNotPanics(t *testing.T) {
	f := func(s ...int) *tensor.Tensor { return tensor.New(tensor.Float32, s...) }
	cases := []struct {
		op    string
		opset int64
		attrs []*ir.Attribute
		in    []*tensor.Tensor
	}{
		{"Conv", 11, nil, []*tensor.Tensor{f(1, 3, 5, 5), f(2, 4, 3, 3)}},
		{"Conv", 11, []*ir.Attribute{iattr("group", 2)}, []*tensor.Tensor{f(1, 3, 5, 5), f(2, 3, 3, 3)}},
		{"Conv", 11, nil, []*tensor.Tensor{f(1, 3, 2, 2), f(2, 3, 3, 3)}},
		{"Conv", 11, []*ir.Attribute{intsattr("kernel_shape", 2, 2)}, []*tensor.Tensor{f(1, 3, 5, 5), f(2, 3, 3, 3)}},
		{"Conv", 11, []*ir.Attribute{intsattr("dilations", 1<<30, 1<<30)}, []*tensor.Tensor{f(1, 3, 5, 5), f(2, 3, 3, 3)}},
		{"Conv", 11, nil, []*tensor.Tensor{f(1, 3, 5, 5), f(2, 3, 3, 3), f(3)}},
		{"Conv", 11, nil, []*tensor.Tensor{f(3, 5), f(2, 3)}},
		{"ConvTranspose", 11, nil, []*tensor.Tensor{f(1, 3, 5, 5), f(2, 3, 3, 3)}},
		{"ConvTranspose", 11, []*ir.Attribute{intsattr("strides", 1<<30, 1<<30)}, []*tensor.Tensor{f(1, 3, 1<<12, 1<<12), f(3, 1, 3, 3)}},
		{"MaxPool", 12, nil, []*tensor.Tensor{f(1, 3, 5, 5)}},
		{"MaxPool", 12, []*ir.Attribute{intsattr("kernel_shape", 6, 6)}, []*tensor.Tensor{f(1, 3, 5, 5)}},
		{"AveragePool", 11, []*ir.Attribute{intsattr("kernel_shape", 2)}, []*tensor.Tensor{f(1, 3, 5, 5)}},
		{"Gemm", 13, nil, []*tensor.Tensor{f(2, 3), f(4, 2)}},
		{"Gemm", 13, nil, []*tensor.Tensor{f(2, 3), f(3, 2), f(3)}},
		{"MatMul", 13, nil, []*tensor.Tensor{f(2, 3), f(4, 2)}},
		{"MatMul", 13, nil, []*tensor.Tensor{f(2, 2, 3), f(3, 3, 2)}},
		{"BatchNormalization", 15, nil, []*tensor.Tensor{f(2, 3, 4), f(2), f(3), f(3), f(3)}},
		{"Einsum", 12, []*ir.Attribute{sattr("equation", "ij,jk->ik")}, []*tensor.Tensor{f(2, 3), f(4, 2)}},
		{"Einsum", 12, []*ir.Attribute{sattr("equation", "ijk->i")}, []*tensor.Tensor{f(2, 3)}},
		{"Einsum", 12, []*ir.Attribute{sattr("equation", "i...j...")}, []*tensor.Tensor{f(2, 3)}},
		{"Einsum", 12, []*ir.Attribute{sattr("equation", "ij->ii")}, []*tensor.Tensor{f(2, 2)}},
		{"Einsum", 12, []*ir.Attribute{sattr("equation", "ij->k")}, []*tensor.Tensor{f(2, 2)}},
		{"Einsum", 12, []*ir.Attribute{sattr("equation", "ij,jk")}, []*tensor.Tensor{f(2, 2)}},
		{"Einsum", 12, []*ir.Attribute{sattr("equation", "i1")}, []*tensor.Tensor{f(2, 2)}},
		{"Einsum", 12, []*ir.Attribute{sattr("equation", "")}, []*tensor.Tensor{f(2, 2)}},
		{"Det", 11, nil, []*tensor.Tensor{f(2, 3)}},
		{"QuantizeLinear", 13, nil, []*tensor.Tensor{f(2, 3), f(4)}},
		{"MaxUnpool", 11, []*ir.Attribute{intsattr("kernel_shape", 2, 2)}, []*tensor.Tensor{f(1, 1, 2, 2), tensor.From([]int64{0, 1, 2, 99}, 1, 1, 2, 2)}},
		{"LayerNormalization", 17, []*ir.Attribute{iattr("axis", 3)}, []*tensor.Tensor{f(2, 3), f(3)}},
	}
	for _, c := range cases {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s %v: panic %v", c.op, c.in, r)
				}
			}()
			if _, err := runOp(t, c.op, c.opset, 1, c.attrs, c.in...); err == nil {
				t.Errorf("%s %v: no error", c.op, c.in)
			} else if strings.Contains(err.Error(), "internal") {
				t.Errorf("%s: %v", c.op, err)
			}
		}()
	}
}

func TestIntegerOps(t *testing.T) {
	x := tensor.From([]uint8{1, 2, 3, 4}, 1, 1, 2, 2)
	w := tensor.From([]uint8{5, 7}, 2, 1, 1, 1)
	out := mustRun(t, "ConvInteger", 10, 1, nil, x, w, tensor.Scalar(uint8(1)), tensor.From([]uint8{3, 7}))
	if out[0].DType() != tensor.Int32 {
		t.Fatalf("ConvInteger dtype %v", out[0].DType())
	}
	near(t, "convinteger per-channel", out[0], []int{1, 2, 2, 2}, []float64{0, 2, 4, 6, 0, 0, 0, 0}, 0)

	a := tensor.From([]uint8{1, 2, 3, 4}, 2, 2)
	b := tensor.From([]int8{2, 5}, 2, 1)
	out = mustRun(t, "MatMulInteger", 10, 1, nil, a, b, tensor.From([]uint8{1, 3}), tensor.Scalar(int8(1)))
	near(t, "matmulinteger per-row", out[0], []int{2, 1}, []float64{4, 4}, 0)
}
