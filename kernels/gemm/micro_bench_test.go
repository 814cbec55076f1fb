package gemm

import (
	"testing"
)

// BenchmarkMicroKernel measures each full-tile kernel on L1-resident panels:
// the ceiling the driver can reach.
func BenchmarkMicroKernel(b *testing.B) {
	current()
	all := append([]*kernel{kernels[0]}, asmKernels...)
	for _, kern := range all {
		b.Run(kern.name, func(b *testing.B) {
			const k = 256
			a := make([]float32, kern.mr*k)
			bb := make([]float32, kern.nr*k)
			c := make([]float32, kern.mr*kern.nr)
			for i := range a {
				a[i] = 1
			}
			for b.Loop() {
				kern.rows[kern.mr](k, &a[0], &bb[0], kern.nr, &c[0], kern.nr, 0)
			}
			b.ReportMetric(2*float64(kern.mr*kern.nr*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
