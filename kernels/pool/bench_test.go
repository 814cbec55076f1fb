package pool

import (
	"fmt"
	"testing"

	"github.com/sinter-ml/sinter/internal/cpu"
)

// benchTiers runs f on the generic tier and on the best one.
func benchTiers(b *testing.B, f func(b *testing.B)) {
	for _, t := range []cpu.Tier{cpu.Generic, cpu.Best()} {
		b.Run(t.String(), func(b *testing.B) {
			if err := cpu.SetTier(t); err != nil {
				b.Fatal(err)
			}
			defer cpu.Reset()
			f(b)
		})
		if t == cpu.Best() {
			break
		}
	}
}

func filled(n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32((i*7919)%13) * 0.1
	}
	return x
}

// BenchmarkMax runs the ResNet stem's MaxPool (3×3, stride 2, pads 1) over
// 64 planes of 112×112, the zoo resnet's (batch 2 of 16 planes of 64×64),
// a 2×2 stride-2 one and a 3×3 stride-1 one.
func BenchmarkMax(b *testing.B) {
	for _, c := range []struct {
		c, h, k, s, p int
	}{{64, 112, 3, 2, 1}, {32, 64, 3, 2, 1}, {64, 56, 2, 2, 0}, {64, 56, 3, 1, 1}} {
		g, _ := geomFor(c.h, c.h, c.k, c.k, c.s, c.s, c.p, c.p, c.p, c.p, false)
		src, dst := filled(c.c*g.H*g.W), make([]float32, c.c*g.OH*g.OW)
		b.Run(fmt.Sprintf("%dx%dx%d_k%ds%dp%d", c.c, c.h, c.h, c.k, c.s, c.p), func(b *testing.B) {
			benchTiers(b, func(b *testing.B) {
				b.SetBytes(int64(4 * len(src)))
				for b.Loop() {
					Max(g, dst, src)
				}
			})
		})
	}
}

func BenchmarkAverage(b *testing.B) {
	for _, c := range []struct {
		c, h, k, s, p int
	}{{64, 112, 3, 2, 1}, {64, 56, 2, 2, 0}, {64, 56, 3, 1, 1}} {
		g, _ := geomFor(c.h, c.h, c.k, c.k, c.s, c.s, c.p, c.p, c.p, c.p, false)
		src, dst := filled(c.c*g.H*g.W), make([]float32, c.c*g.OH*g.OW)
		b.Run(fmt.Sprintf("%dx%dx%d_k%ds%dp%d", c.c, c.h, c.h, c.k, c.s, c.p), func(b *testing.B) {
			benchTiers(b, func(b *testing.B) {
				b.SetBytes(int64(4 * len(src)))
				for b.Loop() {
					Average(g, dst, src, true)
				}
			})
		})
	}
}

// BenchmarkGlobal reduces 512 planes of 7×7, as at the end of ResNet-50.
func BenchmarkGlobal(b *testing.B) {
	const planes, size = 512, 49
	src := filled(planes * size)
	var sink float32
	b.Run("Average", func(b *testing.B) {
		benchTiers(b, func(b *testing.B) {
			b.SetBytes(4 * planes * size)
			for b.Loop() {
				for p := range planes {
					sink += GlobalAverage(src[p*size : (p+1)*size])
				}
			}
		})
	})
	b.Run("Max", func(b *testing.B) {
		benchTiers(b, func(b *testing.B) {
			b.SetBytes(4 * planes * size)
			for b.Loop() {
				for p := range planes {
					sink += GlobalMax(src[p*size : (p+1)*size])
				}
			}
		})
	})
	_ = sink
}
