package rnn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// BenchmarkBiLSTM is one layer of an OCR model's recognizer (CRNN): a
// bidirectional LSTM over 32 steps, batch 1, input 256, hidden 128, its
// weights constants of the graph, run through the allocating kernel.
func BenchmarkBiLSTM(b *testing.B) {
	const S, I, H = 32, 256, 128
	rng := rand.New(rand.NewPCG(9, 10))
	mk := func(scale float32, shape ...int) *tensor.Tensor {
		t := tensor.New(tensor.Float32, shape...)
		for i := range t.Float32s() {
			t.Float32s()[i] = scale * float32(rng.NormFloat64())
		}
		return t
	}
	in := []*tensor.Tensor{mk(1, S, 1, I), mk(0.1, 2, 4*H, I), mk(0.1, 2, 4*H, H), mk(0.1, 2, 8*H)}
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprint("threads=", threads), func(b *testing.B) {
			pool := parallel.New(parallel.Options{Threads: threads})
			defer pool.Close()
			r := ops.NewRegistry()
			r.ClaimOpset("", 17)
			Register(r)
			n := &ir.Node{OpType: "LSTM", Inputs: []string{"x", "w", "r", "b"}, Outputs: []string{"y", "yh", "yc"},
				Attrs: []*ir.Attribute{
					{Name: "hidden_size", Type: ir.AttrInt, I: H},
					{Name: "direction", Type: ir.AttrString, S: []byte("bidirectional")},
				}}
			impl, err := r.Bind(&ops.Node{Node: n, Opset: 14, Pool: pool, Consts: []*tensor.Tensor{nil, in[1], in[2], in[3]}})
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := impl.Tensor(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
