package conv

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/sinter-ml/sinter/kernels/parallel"
)

// ResNet-50 convolution layers at batch 1 (as bench/ort/gen_models.py).
var resnet = []struct {
	name                        string
	c, h, w, oc, k, stride, pad int
}{
	{"conv1_7x7s2", 3, 224, 224, 64, 7, 2, 3},
	{"l1_1x1a", 64, 56, 56, 64, 1, 1, 0},
	{"l1_3x3", 64, 56, 56, 64, 3, 1, 1},
	{"l1_1x1b", 64, 56, 56, 256, 1, 1, 0},
	{"l2_3x3", 128, 28, 28, 128, 3, 1, 1},
	{"l3_3x3", 256, 14, 14, 256, 3, 1, 1},
	{"l4_1x1", 512, 7, 7, 2048, 1, 1, 0},
	{"dw_3x3", 256, 28, 28, 256, 3, 1, 1}, // depthwise (group = C)
}

func BenchmarkResNet50(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, l := range resnet {
		p := Params{N: 1, C: l.c, H: l.h, W: l.w, OC: l.oc, KH: l.k, KW: l.k, StrideH: l.stride, StrideW: l.stride,
			PadT: l.pad, PadL: l.pad, PadB: l.pad, PadR: l.pad}
		if l.name == "dw_3x3" {
			p.Group = l.c
		}
		if err := p.Validate(); err != nil {
			b.Fatal(err)
		}
		x := randn(rng, l.c*l.h*l.w)
		w := randn(rng, l.oc*l.c/p.Group*l.k*l.k)
		bias := randn(rng, l.oc)
		y := make([]float32, l.oc*p.OutH()*p.OutW())
		flops := 2 * float64(l.oc) * float64(p.OutH()*p.OutW()) * float64(l.c/p.Group*l.k*l.k)
		for _, th := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/t%d", l.name, th), func(b *testing.B) {
				pool := parallel.New(parallel.Options{Threads: th, Pin: true})
				defer pool.Close()
				for b.Loop() {
					if err := Conv2D(Options{Pool: pool}, p, x, w, bias, y); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
