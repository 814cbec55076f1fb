package shape

import (
	"testing"

	"github.com/sinter-ml/sinter/tensor"
)

func BenchmarkTransposeNCHWToNHWC(b *testing.B) {
	x := tensor.New(tensor.Float32, 1, 64, 112, 112)
	r := bindOrDie(b, node("Transpose", 13, 1, 1, aInts("perm", 0, 2, 3, 1)))
	b.SetBytes(int64(len(x.Bytes())))
	for b.Loop() {
		if _, err := r([]*tensor.Tensor{x}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTransposeBSHD(b *testing.B) {
	x := tensor.New(tensor.Float32, 1, 128, 12, 64)
	r := bindOrDie(b, node("Transpose", 13, 1, 1, aInts("perm", 0, 2, 1, 3)))
	b.SetBytes(int64(len(x.Bytes())))
	for b.Loop() {
		if _, err := r([]*tensor.Tensor{x}); err != nil {
			b.Fatal(err)
		}
	}
}
