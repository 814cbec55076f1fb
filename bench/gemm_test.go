package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/sinter-ml/sinter/kernels/gemm"
	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/viterin/vek/vek32"
	"gonum.org/v1/gonum/blas"
	gonumblas "gonum.org/v1/gonum/blas/gonum"
)

type shape struct{ m, k, n int }

// Shapes named as M×K×N, matching bench/ort's model names.
var shapes = []shape{{64, 64, 64}, {128, 128, 128}, {256, 256, 256}, {512, 512, 512}, {1024, 1024, 1024},
	{2048, 2048, 2048}, {128, 384, 1536}, {128, 1536, 384}, {1, 768, 768}}

func (s shape) String() string { return fmt.Sprintf("%dx%dx%d", s.m, s.k, s.n) }

func randn(n int) []float32 {
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

func gflops(b *testing.B, s shape) {
	b.ReportMetric(2*float64(s.m*s.n)*float64(s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkMatMul/<impl>/<shape>/t<threads>: C = A·B, all row-major.
func BenchmarkMatMul(b *testing.B) {
	for _, s := range shapes {
		a, bm, c := randn(s.m*s.k), randn(s.k*s.n), make([]float32, s.m*s.n)
		for _, th := range []int{1, 2} {
			b.Run(fmt.Sprintf("sinter/%v/t%d", s, th), func(b *testing.B) {
				pool := parallel.New(parallel.Options{Threads: th, Pin: true})
				defer pool.Close()
				for b.Loop() {
					gemm.SgemmWith(gemm.Options{Pool: pool}, false, false, s.m, s.n, s.k, 1, a, s.k, bm, s.n, 0, c, s.n)
				}
				gflops(b, s)
			})
			b.Run(fmt.Sprintf("sinter-packed/%v/t%d", s, th), func(b *testing.B) {
				pool := parallel.New(parallel.Options{Threads: th, Pin: true})
				defer pool.Close()
				pb := gemm.PackB(false, s.k, s.n, bm, s.n)
				for b.Loop() {
					gemm.SgemmPacked(gemm.Options{Pool: pool}, false, s.m, 1, a, s.k, pb, 0, c, s.n)
				}
				gflops(b, s)
			})
		}
		b.Run(fmt.Sprintf("gonum/%v/t1", s), func(b *testing.B) {
			impl := gonumblas.Implementation{}
			for b.Loop() {
				impl.Sgemm(blas.NoTrans, blas.NoTrans, s.m, s.n, s.k, 1, a, s.k, bm, s.n, 0, c, s.n)
			}
			gflops(b, s)
		})
		b.Run(fmt.Sprintf("vek/%v/tall", s), func(b *testing.B) {
			for b.Loop() {
				vek32.MatMul_Into(c, a, bm, s.k)
			}
			gflops(b, s)
		})
	}
}
