package reduce

import (
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
)

func benchReduce(b *testing.B, op string, axes ...int64) {
	x := tensor.New(tensor.Float32, 256, 64, 64)
	for i, v := range x.Float32s() {
		x.Float32s()[i] = v + float32(i%7)
	}
	attrs := []*ir.Attribute{intsAttr("axes", axes...)}
	if _, err := tryRun("", op, 12, 1, 1, attrs, x); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(x.Bytes())))
	for b.Loop() {
		tryRun("", op, 12, 1, 1, attrs, x)
	}
}

func BenchmarkReduceMeanLast(b *testing.B)   { benchReduce(b, "ReduceMean", -1) }
func BenchmarkReduceMeanMiddle(b *testing.B) { benchReduce(b, "ReduceMean", 1) }
func BenchmarkReduceMaxLast(b *testing.B)    { benchReduce(b, "ReduceMax", -1) }

func BenchmarkSoftmaxLast(b *testing.B) {
	x := tensor.New(tensor.Float32, 256, 64, 64)
	b.SetBytes(int64(len(x.Bytes())))
	for b.Loop() {
		tryRun("", "Softmax", 13, 1, 1, nil, x)
	}
}
