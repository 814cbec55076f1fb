package runtime_test

import (
	"path/filepath"
	"testing"

	"github.com/sinter-ml/sinter/runtime"
	"github.com/sinter-ml/sinter/tensor"
)

// BenchmarkSessionRunInto times steady-state inference on zoo models at 1
// and 2 threads, reusing the outputs: allocs/op is what a serving loop
// pays per inference (0 once every step has a planned kernel).
//
//	go test -run XXX -bench SessionRunInto -benchmem ./runtime/
func BenchmarkSessionRunInto(b *testing.B) {
	cases := map[string]zooCase{}
	for _, c := range zooCases(b) {
		cases[c.Name] = c
	}
	for _, name := range []string{"mlp_gelu_b1", "mlp_gelu_b64", "resnet_b2", "mobilenet_b1", "bert_b1_s128", "vit_b2"} {
		c := cases[name]
		for _, threads := range []int{1, 2} {
			b.Run(name+"/threads="+string(rune('0'+threads)), func(b *testing.B) {
				s, err := runtime.Open(filepath.Join(zooDir, c.Model), runtime.WithThreads(threads))
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				inputs := make([]*tensor.Tensor, len(c.Inputs))
				for i, f := range c.Inputs {
					inputs[i] = readNpy(b, f)
				}
				outs := make([]*tensor.Tensor, len(s.Outputs()))
				// The first run records the memory plan, the second builds
				// the arena and grows the kernels' scratch: steady state
				// starts after them.
				for range 3 {
					if err := s.RunInto(inputs, outs); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if err := s.RunInto(inputs, outs); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
