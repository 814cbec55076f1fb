package image

import (
	"math"
	"math/rand"
	"testing"

	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/sinter-ml/sinter/tensor"
)

// TestResizeFastPathMatchesGeneral checks the float32 NCHW fast paths
// (nearest, linear, cubic) against the general gather and interpolate,
// which a float64 copy of the same input takes, bit for bit: the general
// path computes in float64 and rounds to float32 once at the end.
func TestResizeFastPathMatchesGeneral(t *testing.T) {
	pool := parallel.New(parallel.Options{Threads: 4})
	defer pool.Close()
	rng := rand.New(rand.NewSource(1))
	ctms := []string{"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize", "tf_half_pixel_for_nn", "half_pixel_symmetric"}
	nearests := []string{"round_prefer_floor", "round_prefer_ceil", "floor", "ceil", "simple"}
	fastHits := 0
	for iter := 0; iter < 6000; iter++ {
		n, c := 1+rng.Intn(2), 1+rng.Intn(4)
		h, w := 1+rng.Intn(9), 1+rng.Intn(9)
		if iter%50 == 0 {
			c = 40 + rng.Intn(30) // enough planes to split over the pool
			h, w = 16+rng.Intn(8), 16+rng.Intn(8)
		}
		x := tensor.New(tensor.Float32, n, c, h, w)
		xs := x.Float32s()
		for i := range xs {
			xs[i] = float32(rng.NormFloat64())
		}
		ctm := ctms[rng.Intn(len(ctms))]
		mode := []int{modeNearest, modeLinear, modeCubic}[rng.Intn(3)]
		r := &resizeOp{cfg: resizeConfig{
			mode: mode, ctm: ctm,
			cubicA:         []float64{-0.75, -0.5}[rng.Intn(2)],
			excludeOutside: rng.Intn(2) == 0,
			nearest:        nearests[rng.Intn(len(nearests))],
			extrapolation:  float64(float32(rng.NormFloat64())),
		}}
		if rng.Intn(2) == 0 {
			r.cfg.pool = pool
		}
		if rng.Intn(2) == 0 {
			r.axes = []int64{2, 3}
		}
		r.antialias = rng.Intn(3) == 0
		nax := 4
		if r.axes != nil {
			nax = 2
		}
		var scalesT, sizesT, roiT *tensor.Tensor
		if rng.Intn(2) == 0 {
			sc := make([]float32, nax)
			for i := range sc {
				sc[i] = 1
			}
			for i := nax - 2; i < nax; i++ {
				switch rng.Intn(3) {
				case 0:
					sc[i] = float32(1 + rng.Intn(8))
				case 1:
					sc[i] = float32(0.2 + 3*rng.Float64())
				}
			}
			scalesT = tensor.From(sc, nax)
		} else {
			sz := []int64{int64(n), int64(c), int64(h), int64(w)}[4-nax:]
			sz[nax-2] = int64(1 + rng.Intn(3*h+2))
			sz[nax-1] = int64(1 + rng.Intn(3*w+2))
			sizesT = tensor.From(sz, nax)
		}
		if ctm == "tf_crop_and_resize" {
			roi := make([]float32, 2*nax)
			for i := 0; i < nax; i++ {
				roi[i], roi[nax+i] = 0, 1
			}
			for i := nax - 2; i < nax; i++ {
				roi[i] = float32(rng.Float64()*0.6 - 0.3)
				roi[nax+i] = float32(0.5 + rng.Float64()*0.8)
			}
			roiT = tensor.From(roi, 2*nax)
		}
		got, err := r.run(x, roiT, scalesT, sizesT)
		if err != nil {
			t.Fatalf("iter %d: %v", iter, err)
		}
		x64 := tensor.New(tensor.Float64, n, c, h, w)
		for i, v := range xs {
			x64.Float64s()[i] = float64(v)
		}
		want, err := r.run(x64, roiT, scalesT, sizesT)
		if err != nil {
			t.Fatalf("iter %d: %v", iter, err)
		}
		if !got.Shape().Equal(want.Shape()) {
			t.Fatalf("iter %d: shape %v, want %v", iter, got.Shape(), want.Shape())
		}
		g, wv := got.Float32s(), want.Float64s()
		for i := range g {
			if math.Float32bits(g[i]) != math.Float32bits(float32(wv[i])) {
				t.Fatalf("iter %d (mode %d %s %s aa %v, %v -> %v): element %d = %v, want %v",
					iter, mode, ctm, r.cfg.nearest, r.antialias, x.Shape(), got.Shape(), i, g[i], wv[i])
			}
		}
		if got.Len() > 0 {
			fastHits++
		}
	}
	if fastHits < 3000 {
		t.Fatalf("only %d cases exercised the fast path", fastHits)
	}
}

// BenchmarkResizeFloat32NCHW times the fast paths (float32) against the
// general path (the same data as float64) on a 1×64×40×40 → 80×80 resize.
func BenchmarkResizeFloat32NCHW(b *testing.B) {
	for _, mode := range []struct {
		name string
		mode int
	}{{"nearest", modeNearest}, {"linear", modeLinear}} {
		for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
			r := &resizeOp{cfg: resizeConfig{mode: mode.mode, ctm: "half_pixel", nearest: "round_prefer_floor"}}
			x := tensor.New(dt, 1, 64, 40, 40)
			scales := tensor.From([]float32{1, 1, 2, 2}, 4)
			b.Run(mode.name+"/"+dt.String(), func(b *testing.B) {
				for b.Loop() {
					if _, err := r.run(x, nil, scales, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
