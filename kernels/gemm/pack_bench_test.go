package gemm

import "testing"

func BenchmarkPackA(b *testing.B) {
	const m, k = 348, 256
	a := make([]float32, m*1024)
	dst := make([]float32, m*k)
	for b.Loop() {
		packA(dst, false, a, 1024, 0, m, 0, k, 12, 1)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(m*k), "ns/elem")
}

func BenchmarkPackB(b *testing.B) {
	const k, n = 256, 1024
	bm := make([]float32, k*1024)
	dst := make([]float32, k*n)
	for b.Loop() {
		packB(dst, false, bm, 1024, 0, k, 0, n, 32)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n*k), "ns/elem")
}
