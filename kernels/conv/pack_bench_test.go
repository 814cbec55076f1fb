package conv

import (
	"fmt"
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

// BenchmarkIm2colPackStride2 is the same for ResNet-50's 7×7 stride-2 stem.
func BenchmarkIm2colPackStride2(b *testing.B) {
	p := Params{N: 1, C: 3, H: 224, W: 224, OC: 64, KH: 7, KW: 7, StrideH: 2, StrideW: 2, PadT: 3, PadL: 3, PadB: 3, PadR: 3}
	_ = p.Validate()
	x := randn(rand.New(rand.NewPCG(1, 1)), 3*224*224)
	m := &im2col{p: &p, x: x, oh: p.OutH(), ow: p.OutW()}
	k, n := 3*49, p.OutH()*p.OutW()
	for _, nc := range []int{512, 1024, 4096} {
		b.Run(fmt.Sprint("nc=", nc), func(b *testing.B) {
			dst := make([]float32, k*nc)
			for b.Loop() {
				for j := 0; j < n; j += nc {
					m.PackB(dst, 0, k, j, min(nc, n-j), 32)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(k*n), "ns/elem")
		})
	}
}
