package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/sinter-ml/sinter/kernels/parallel"
)

// BenchmarkSgemmPackedMLP measures a batched MLP layer: small M, pre-packed
// constant B, bias (per column) + Relu epilogue, on 1 and 2 threads.
func BenchmarkSgemmPackedMLP(b *testing.B) {
	type shape struct{ m, n, k int }
	for _, s := range []shape{{64, 512, 784}, {64, 512, 512}, {64, 10, 512}} {
		for _, th := range []int{1, 2} {
			b.Run(fmt.Sprintf("%dx%dx%d/t%d", s.m, s.n, s.k, th), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				fill := func(n int) []float32 {
					x := make([]float32, n)
					for i := range x {
						x[i] = float32(rng.NormFloat64())
					}
					return x
				}
				a, bm, bias, c := fill(s.m*s.k), fill(s.k*s.n), fill(s.n), make([]float32, s.m*s.n)
				pool := parallel.New(parallel.Options{Threads: th})
				defer pool.Close()
				o := Options{Pool: pool, Epilogue: &Epilogue{Bias: bias, Act: ActRelu}}
				pb := PackB(false, s.k, s.n, bm, s.n)
				for b.Loop() {
					SgemmPacked(o, false, s.m, 1, a, s.k, pb, 0, c, s.n)
				}
				b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
