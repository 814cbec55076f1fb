package shape

import (
	"testing"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// benchPlanned measures the planned form of n running into preallocated
// outputs, as the planned executor runs it.
func benchPlanned(b *testing.B, n *ops.Node, in ...*tensor.Tensor) {
	p := plannedOf(b, n)
	specs := make([]ops.OutSpec, n.NumOutputs())
	if err := p.Infer(in, specs); err != nil {
		b.Fatal(err)
	}
	outs := make([]*tensor.Tensor, len(specs))
	bytes := 0
	for i, s := range specs {
		outs[i] = tensor.New(s.DType, s.Shape...)
		bytes += len(outs[i].Bytes())
	}
	b.SetBytes(int64(bytes))
	for b.Loop() {
		if err := p.Infer(in, specs); err != nil {
			b.Fatal(err)
		}
		if err := p.Run(in, outs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTransposeNCHWToNHWC(b *testing.B) {
	benchPlanned(b, node("Transpose", 13, 1, 1, aInts("perm", 0, 2, 3, 1)), ramp(1, 64, 112, 112))
}

func BenchmarkTransposeBSHD(b *testing.B) {
	benchPlanned(b, node("Transpose", 13, 1, 1, aInts("perm", 0, 2, 1, 3)), ramp(1, 128, 12, 64))
}

func BenchmarkTransposeBSHDToBHDS(b *testing.B) {
	benchPlanned(b, node("Transpose", 13, 1, 1, aInts("perm", 0, 2, 3, 1)), ramp(1, 128, 12, 64))
}

func BenchmarkTransposeLast2(b *testing.B) {
	benchPlanned(b, node("Transpose", 13, 1, 1, aInts("perm", 0, 1, 3, 2)), ramp(1, 12, 128, 64))
}

func BenchmarkGatherEmbedding(b *testing.B) {
	benchPlanned(b, node("Gather", 13, 2, 1), ramp(30522, 64), rampI64(1, 128))
}

func BenchmarkConcatAxis1(b *testing.B) {
	benchPlanned(b, node("Concat", 13, 2, 1, aInt("axis", 1)), ramp(1, 256, 64, 64), ramp(1, 256, 64, 64))
}

func BenchmarkSliceRows(b *testing.B) {
	benchPlanned(b, node("Slice", 13, 4, 1), ramp(1, 512, 768), i64(0), i64(128), i64(1))
}

func BenchmarkSplitLast(b *testing.B) {
	benchPlanned(b, node("Split", 13, 2, 3, aInt("axis", -1)), ramp(1, 128, 2304), i64(768, 768, 768))
}

func BenchmarkExpandMask(b *testing.B) {
	benchPlanned(b, node("Expand", 13, 2, 1), ramp(1, 1, 1, 128), i64(1, 12, 128, 128))
}
