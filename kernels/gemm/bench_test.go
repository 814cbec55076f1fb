package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/sinter-ml/sinter/kernels/parallel"
)

func benchGemm(b *testing.B, m, n, k, threads int, packed bool) {
	rng := rand.New(rand.NewPCG(1, 1))
	fill := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	a, bm, c := fill(m*k), fill(k*n), make([]float32, m*n)
	pool := parallel.New(parallel.Options{Threads: threads, Pin: true})
	defer pool.Close()
	o := Options{Pool: pool}
	var pb *PackedB
	if packed {
		pb = PackB(false, k, n, bm, n)
	}
	b.SetBytes(0)
	b.ResetTimer()
	for b.Loop() {
		if packed {
			SgemmPacked(o, false, m, 1, a, k, pb, 0, c, n)
		} else {
			SgemmWith(o, false, false, m, n, k, 1, a, k, bm, n, 0, c, n)
		}
	}
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkSgemm(b *testing.B) {
	type shape struct{ m, n, k int }
	shapes := []shape{{64, 64, 64}, {128, 128, 128}, {256, 256, 256}, {512, 512, 512}, {1024, 1024, 1024}, {2048, 2048, 2048},
		{128, 1536, 384}, {128, 384, 1536}, {1, 768, 768}}
	for _, s := range shapes {
		for _, th := range []int{1, 2} {
			b.Run(fmt.Sprintf("%dx%dx%d/t%d", s.m, s.n, s.k, th), func(b *testing.B) { benchGemm(b, s.m, s.n, s.k, th, false) })
		}
	}
	for _, s := range []shape{{1, 768, 768}, {128, 1536, 384}, {1024, 1024, 1024}} {
		b.Run(fmt.Sprintf("packed/%dx%dx%d/t1", s.m, s.n, s.k), func(b *testing.B) { benchGemm(b, s.m, s.n, s.k, 1, true) })
	}
}
