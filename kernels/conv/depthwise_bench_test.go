package conv

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/sinter-ml/sinter/kernels/gemm"
	"github.com/sinter-ml/sinter/kernels/parallel"
)

// Depthwise layers: the two of testdata/zoo/mobilenet.onnx and some of
// MobileNetV2 at 224×224 (batch 1).
var dwLayers = []struct {
	name               string
	c, h, w, k, s, pad int
	act                gemm.Activation
}{
	{"zoo_3x3s1_48x32", 48, 32, 32, 3, 1, 1, gemm.ActClip},
	{"zoo_5x5s2_64x32", 64, 32, 32, 5, 2, 2, gemm.ActHardSwish},
	{"v2_3x3s1_144x56", 144, 56, 56, 3, 1, 1, gemm.ActClip},
	{"v2_3x3s2_144x56", 144, 56, 56, 3, 2, 1, gemm.ActClip},
	{"v2_3x3s1_384x14", 384, 14, 14, 3, 1, 1, gemm.ActClip},
	{"v2_3x3s1_960x7", 960, 7, 7, 3, 1, 1, gemm.ActClip},
	{"v3_5x5s1_240x14", 240, 14, 14, 5, 1, 2, gemm.ActHardSwish},
}

func BenchmarkDepthwise(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, l := range dwLayers {
		p := Params{N: 1, C: l.c, H: l.h, W: l.w, OC: l.c, KH: l.k, KW: l.k, StrideH: l.s, StrideW: l.s,
			PadT: l.pad, PadL: l.pad, PadB: l.pad, PadR: l.pad, Group: l.c}
		if err := p.Validate(); err != nil {
			b.Fatal(err)
		}
		x, w, bias := randn(rng, l.c*l.h*l.w), randn(rng, l.c*l.k*l.k), randn(rng, l.c)
		y := make([]float32, l.c*p.OutH()*p.OutW())
		flops := 2 * float64(l.c*p.OutH()*p.OutW()*l.k*l.k)
		alpha, beta := actParams(l.act)
		for _, th := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/t%d", l.name, th), func(b *testing.B) {
				pool := parallel.New(parallel.Options{Threads: th})
				defer pool.Close()
				o := Options{Pool: pool, Act: l.act, Alpha: alpha, Beta: beta}
				for b.Loop() {
					if err := Conv2D(o, p, x, w, bias, y); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
