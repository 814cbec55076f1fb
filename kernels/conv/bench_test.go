package conv

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/sinter-ml/sinter/kernels/gemm"
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

// ResNet-18 convolution layers at a 64×64 input, batch 1, as in
// bench/models/gen.py (BatchNorm folded into the bias): count is how many
// times the model runs the layer; the layers ending in "_res" add the
// block's shortcut before the Relu.
var resnet18at64 = []struct {
	name                     string
	c, h, oc, k, stride, pad int
	act                      gemm.Activation
	res                      bool
	count                    int
}{
	{"stem_7x7s2_3x64", 3, 64, 64, 7, 2, 3, gemm.ActRelu, false, 1},
	{"l1_3x3_64x16", 64, 16, 64, 3, 1, 1, gemm.ActRelu, false, 2},
	{"l1_3x3_64x16_res", 64, 16, 64, 3, 1, 1, gemm.ActRelu, true, 2},
	{"l2_3x3s2_64x16", 64, 16, 128, 3, 2, 1, gemm.ActRelu, false, 1},
	{"l2_1x1s2_64x16", 64, 16, 128, 1, 2, 0, gemm.ActNone, false, 1},
	{"l2_3x3_128x8", 128, 8, 128, 3, 1, 1, gemm.ActRelu, false, 1},
	{"l2_3x3_128x8_res", 128, 8, 128, 3, 1, 1, gemm.ActRelu, true, 2},
	{"l3_3x3s2_128x8", 128, 8, 256, 3, 2, 1, gemm.ActRelu, false, 1},
	{"l3_1x1s2_128x8", 128, 8, 256, 1, 2, 0, gemm.ActNone, false, 1},
	{"l3_3x3_256x4", 256, 4, 256, 3, 1, 1, gemm.ActRelu, false, 1},
	{"l3_3x3_256x4_res", 256, 4, 256, 3, 1, 1, gemm.ActRelu, true, 2},
	{"l4_3x3s2_256x4", 256, 4, 512, 3, 2, 1, gemm.ActRelu, false, 1},
	{"l4_1x1s2_256x4", 256, 4, 512, 1, 2, 0, gemm.ActNone, false, 1},
	{"l4_3x3_512x2", 512, 2, 512, 3, 1, 1, gemm.ActRelu, false, 1},
	{"l4_3x3_512x2_res", 512, 2, 512, 3, 1, 1, gemm.ActRelu, true, 2},
}

// BenchmarkResNet18At64 times each layer of resnet18at64 with packed
// weights, then (sub-benchmark "all") every layer as many times as the
// model runs it.
func BenchmarkResNet18At64(b *testing.B) {
	type layer struct {
		p          Params
		o          Options
		x, bias, y []float32
		pw         *Weights
		count      int
		flops      float64
	}
	rng := rand.New(rand.NewPCG(1, 1))
	var layers []*layer
	for _, l := range resnet18at64 {
		p := Params{N: 1, C: l.c, H: l.h, W: l.h, OC: l.oc, KH: l.k, KW: l.k, StrideH: l.stride, StrideW: l.stride,
			PadT: l.pad, PadL: l.pad, PadB: l.pad, PadR: l.pad}
		if err := p.Validate(); err != nil {
			b.Fatal(err)
		}
		ohw := p.OutH() * p.OutW()
		pw, err := PackWeights(p, randn(rng, l.oc*l.c*l.k*l.k))
		if err != nil {
			b.Fatal(err)
		}
		ly := &layer{p: p, o: Options{Act: l.act}, x: randn(rng, l.c*l.h*l.h), bias: randn(rng, l.oc),
			y: make([]float32, l.oc*ohw), pw: pw, count: l.count,
			flops: 2 * float64(l.oc) * float64(ohw) * float64(l.c*l.k*l.k)}
		if l.res {
			ly.o.Residual = randn(rng, l.oc*ohw)
		}
		layers = append(layers, ly)
	}
	for _, th := range []int{1, 2} {
		pool := parallel.New(parallel.Options{Threads: th, Pin: true})
		for i, l := range resnet18at64 {
			ly := layers[i]
			b.Run(fmt.Sprintf("%s/t%d", l.name, th), func(b *testing.B) {
				o := ly.o
				o.Pool = pool
				for b.Loop() {
					if err := Conv2DPacked(o, ly.p, ly.x, ly.pw, ly.bias, ly.y); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(ly.flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
		b.Run(fmt.Sprintf("all/t%d", th), func(b *testing.B) {
			for b.Loop() {
				for _, ly := range layers {
					o := ly.o
					o.Pool = pool
					for range ly.count {
						if err := Conv2DPacked(o, ly.p, ly.x, ly.pw, ly.bias, ly.y); err != nil {
							b.Fatal(err)
						}
					}
				}
			}
		})
		pool.Close()
	}
}
