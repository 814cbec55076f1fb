package nn

import (
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func benchKernel(b *testing.B, op string, attrs []*ir.Attribute, in ...*tensor.Tensor) {
	n := &ops.Node{Node: &ir.Node{OpType: op, Attrs: attrs, Outputs: []string{"y"}}, Opset: 17}
	for range in {
		n.Inputs = append(n.Inputs, "x")
	}
	impl, err := registry().Bind(n)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := impl.Tensor(in); err != nil {
			b.Fatal(err)
		}
	}
}

func filled(s ...int) *tensor.Tensor {
	t := tensor.New(tensor.Float32, s...)
	for i := range t.Float32s() {
		t.Float32s()[i] = float32(i%7) * 0.1
	}
	return t
}

// BenchmarkConv3x3 is a ResNet-style 3×3 convolution (≈0.23 GFLOP).
func BenchmarkConv3x3(b *testing.B) {
	benchKernel(b, "Conv", []*ir.Attribute{intsattr("pads", 1, 1, 1, 1)}, filled(1, 64, 56, 56), filled(64, 64, 3, 3), filled(64))
}

func BenchmarkMatMul512(b *testing.B) {
	benchKernel(b, "MatMul", nil, filled(512, 512), filled(512, 512))
}

func BenchmarkMaxPool3x3s2(b *testing.B) {
	benchKernel(b, "MaxPool", []*ir.Attribute{intsattr("kernel_shape", 3, 3), intsattr("strides", 2, 2), intsattr("pads", 1, 1, 1, 1)}, filled(1, 64, 112, 112))
}

func BenchmarkGemmTransB(b *testing.B) {
	benchKernel(b, "Gemm", []*ir.Attribute{iattr("transB", 1)}, filled(256, 1024), filled(1024, 1024), filled(1024))
}
