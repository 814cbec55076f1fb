package conv

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkIm2colPack packs the whole im2col matrix of ResNet-50's first
// 3×3 layer in 32-column strips, K blocks of 256.
func BenchmarkIm2colPack(b *testing.B) {
	p := Params{N: 1, C: 64, H: 56, W: 56, OC: 64, KH: 3, KW: 3, PadT: 1, PadL: 1, PadB: 1, PadR: 1}
	_ = p.Validate()
	x := randn(rand.New(rand.NewPCG(1, 1)), 64*56*56)
	m := &im2col{p: &p, x: x, oh: p.OutH(), ow: p.OutW()}
	k, n := 64*9, p.OutH()*p.OutW()
	dst := make([]float32, 256*(n+32))
	for b.Loop() {
		for pc := 0; pc < k; pc += 256 {
			m.PackB(dst, pc, min(256, k-pc), 0, n, 32)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(k*n), "ns/elem")
}
