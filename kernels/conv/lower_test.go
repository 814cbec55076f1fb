package conv

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sinter-ml/sinter/kernels/gemm"
	"github.com/sinter-ml/sinter/kernels/parallel"
)

// formCases are convolutions every form can compute (none is depthwise).
var formCases = []Params{
	{N: 1, C: 3, H: 17, W: 13, OC: 8, KH: 3, KW: 3, PadT: 1, PadL: 1, PadB: 1, PadR: 1},
	{N: 2, C: 16, H: 7, W: 9, OC: 33, KH: 1, KW: 1},
	{N: 1, C: 4, H: 20, W: 20, OC: 5, KH: 7, KW: 7, StrideH: 2, StrideW: 2, PadT: 3, PadL: 3, PadB: 3, PadR: 3},
	{N: 1, C: 3, H: 21, W: 19, OC: 40, KH: 7, KW: 7, StrideH: 2, StrideW: 2, PadT: 3, PadL: 3, PadB: 3, PadR: 3}, // odd size, stem-like
	{N: 2, C: 8, H: 10, W: 11, OC: 12, KH: 3, KW: 3, Group: 4, DilationH: 2, DilationW: 2, PadT: 2, PadL: 2, PadB: 2, PadR: 2},
	{N: 1, C: 2, H: 5, W: 5, OC: 3, KH: 5, KW: 5, PadT: 4, PadL: 4, PadB: 4, PadR: 4},
	{N: 2, C: 3, H: 9, W: 8, OC: 4, KH: 1, KW: 1, StrideH: 2, StrideW: 2},
	{N: 1, C: 1, H: 1, W: 40, OC: 2, KH: 1, KW: 3, PadL: 5, PadR: 5, StrideW: 2},
	{N: 1, C: 64, H: 5, W: 6, OC: 256, KH: 3, KW: 3, PadT: 1, PadL: 1, PadB: 1, PadR: 1},
	{N: 1, C: 6, H: 8, W: 5, OC: 9, KH: 2, KW: 3, Group: 3, DilationW: 2, PadT: 0, PadL: 2, PadB: 3, PadR: 1},
	{N: 1, C: 32, H: 4, W: 4, OC: 96, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadT: 1, PadL: 1, PadB: 1, PadR: 1},
	{N: 3, C: 24, H: 2, W: 2, OC: 72, KH: 3, KW: 3, PadT: 1, PadL: 1, PadB: 1, PadR: 1},
	{N: 2, C: 10, H: 9, W: 11, OC: 7, KH: 3, KW: 4, StrideH: 3, StrideW: 2, DilationH: 2, PadT: 1, PadL: 0, PadB: 2, PadR: 3},
	{N: 1, C: 5, H: 6, W: 7, OC: 6, KH: 1, KW: 1, StrideH: 2, StrideW: 3, PadT: 1, PadL: 2, PadB: 0, PadR: 1}, // padded 1×1
	{N: 1, C: 3, H: 30, W: 30, OC: 4, KH: 2, KW: 2, StrideH: 9, StrideW: 9},                                   // above maxGridStride
	{N: 1, C: 32, H: 40, W: 37, OC: 40, KH: 3, KW: 3, PadT: 1, PadL: 1, PadB: 1, PadR: 1},
	// Large enough for the copying stages to run over the pool
	// (minParallelCopy): planes, col and transposition; the crop.
	{N: 2, C: 48, H: 40, W: 40, OC: 24, KH: 3, KW: 3, PadT: 1, PadL: 1, PadB: 1, PadR: 1},
	{N: 1, C: 8, H: 48, W: 48, OC: 40, KH: 3, KW: 3, PadT: 1, PadL: 1, PadB: 1, PadR: 1},
}

// TestForms runs every case in every form it can take, with and without
// packed weights, residual and activation, on one and two threads: each
// result is checked against the float64 reference and must be bitwise the
// result of the first form run (im2col).
func TestForms(t *testing.T) {
	pools := []*parallel.Pool{parallel.New(parallel.Options{Threads: 1}), parallel.New(parallel.Options{Threads: 2})}
	defer func() {
		for _, p := range pools {
			p.Close()
		}
	}()
	defer func() { testForm = formAuto }()
	forEachTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		for ci, p := range formCases {
			if testing.Short() && p.C*p.H*p.W*p.N > 50000 {
				continue
			}
			q := p
			q.norm()
			x := randn(rng, q.N*q.C*q.H*q.W)
			w := randn(rng, q.OC*q.C/q.Group*q.KH*q.KW)
			bias := randn(rng, q.OC)
			n := q.N * q.OC * q.OutH() * q.OutW()
			res := randn(rng, n)
			want, scale := refConv(p, x, w, bias)
			wantRes := make([]float64, n)
			for i := range want {
				wantRes[i] = want[i] + float64(res[i])
			}
			for _, v := range []struct {
				act gemm.Activation
				res bool
			}{{gemm.ActNone, false}, {gemm.ActRelu, false}, {gemm.ActRelu, true}} {
				var first []float32
				var done []form
				for _, f := range []form{formIm2col, formDirect, formGrid, formPlanes, formSwapped, formAuto} {
					// Each distinct form once (a forced one may fall back).
					testForm = f
					eff := lower(&q).form
					testForm = formAuto
					if slices.Contains(done, eff) {
						continue
					}
					done = append(done, eff)
					testForm = f
					for pi, pool := range pools {
						for _, packed := range []bool{false, true} {
							if testing.Short() && !packed && pi == 0 {
								continue
							}
							o := Options{Pool: pool, Act: v.act}
							wnt := want
							if v.res {
								o.Residual, wnt = res, wantRes
							}
							buf, y := guarded(n)
							var err error
							if packed {
								var pw *Weights
								if pw, err = PackWeights(p, w); err != nil {
									t.Fatal(err)
								}
								err = Conv2DPacked(o, p, x, pw, bias, y)
							} else {
								err = Conv2D(o, p, x, w, bias, y)
							}
							if err != nil {
								t.Fatal(err)
							}
							what := fmt.Sprintf("case %d form %d act %d res %v threads %d packed %v", ci, eff, v.act, v.res, pi+1, packed)
							checkGuards(t, buf, n)
							check(t, what, y, wnt, scale, v.act)
							if first == nil {
								first = append([]float32(nil), y...)
								continue
							}
							for i := range y {
								if math.Float32bits(y[i]) != math.Float32bits(first[i]) {
									t.Fatalf("%s: y[%d] = %v, the first form gave %v", what, i, y[i], first[i])
								}
							}
						}
					}
				}
			}
		}
	})
}

// TestLowerResNet18 pins the forms of ResNet-18 at 64×64 for a 12×32 tile:
// the output-channel-major forms down to 8×8 output planes, the swapped one
// below.
func TestLowerResNet18(t *testing.T) {
	if mr, nr := tileShape(); mr != 12 || nr != 32 {
		t.Skipf("kernel %s: the table is for a 12×32 tile", gemm.KernelName())
	}
	want := map[string]form{
		"stem_7x7s2_3x64":  formPlanes,
		"l1_3x3_64x16":     formGrid,
		"l1_3x3_64x16_res": formGrid,
		"l2_3x3s2_64x16":   formPlanes,
		"l2_1x1s2_64x16":   formIm2col,
		"l2_3x3_128x8":     formPlanes,
		"l2_3x3_128x8_res": formPlanes,
		"l3_3x3s2_128x8":   formSwapped,
		"l3_1x1s2_128x8":   formSwapped,
		"l3_3x3_256x4":     formSwapped,
		"l3_3x3_256x4_res": formSwapped,
		"l4_3x3s2_256x4":   formSwapped,
		"l4_1x1s2_256x4":   formSwapped,
		"l4_3x3_512x2":     formSwapped,
		"l4_3x3_512x2_res": formSwapped,
	}
	for _, l := range resnet18at64 {
		p := Params{N: 1, C: l.c, H: l.h, W: l.h, OC: l.oc, KH: l.k, KW: l.k, StrideH: l.stride, StrideW: l.stride,
			PadT: l.pad, PadL: l.pad, PadB: l.pad, PadR: l.pad}
		p.norm()
		if got := lower(&p).form; got != want[l.name] {
			t.Errorf("%s: form %d, want %d", l.name, got, want[l.name])
		}
	}
}

func TestParseTile(t *testing.T) {
	for _, c := range []struct {
		name   string
		mr, nr int
		ok     bool
	}{
		{"avx512-12x32", 12, 32, true},
		{"go4x8", 4, 8, true},
		{"neon-8x12", 8, 12, true},
		{"avx2-6x16", 6, 16, true},
		{"x32", 0, 0, false},
		{"avx512", 0, 0, false},
		{"12x", 0, 0, false},
		{"", 0, 0, false},
	} {
		mr, nr, ok := parseTile(c.name)
		if ok != c.ok || ok && (mr != c.mr || nr != c.nr) {
			t.Errorf("parseTile(%q) = %d, %d, %v", c.name, mr, nr, ok)
		}
	}
	forEachTier(t, func(t *testing.T) {
		if _, _, ok := parseTile(gemm.KernelName()); !ok {
			t.Errorf("kernel name %q has no tile shape", gemm.KernelName())
		}
	})
}

// TestAllocs checks that steady-state convolutions (every form, packed and
// unpacked weights, a residual, one and two threads, and depthwise)
// allocate nothing beyond what kernels/gemm allocates per call, once per
// image group (the swapped form makes fewer calls).
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	defer func() { testForm = formAuto }()
	rng := rand.New(rand.NewPCG(9, 10))
	for _, th := range []int{1, 2} {
		pool := parallel.New(parallel.Options{Threads: th})
		a, b, c := make([]float32, 64*64), make([]float32, 64*64), make([]float32, 64*64)
		perGemm := testing.AllocsPerRun(20, func() {
			gemm.SgemmWith(gemm.Options{Pool: pool}, false, false, 64, 64, 64, 1, a, 64, b, 64, 0, c, 64)
		})
		p := Params{N: 2, C: 32, H: 8, W: 8, OC: 64, KH: 3, KW: 3, PadT: 1, PadL: 1, PadB: 1, PadR: 1}
		dw := Params{N: 2, C: 32, H: 8, W: 8, OC: 32, KH: 3, KW: 3, Group: 32, PadT: 1, PadL: 1, PadB: 1, PadR: 1}
		x, w, bias := randn(rng, 2*32*64), randn(rng, 64*32*9), randn(rng, 64)
		y, res := make([]float32, 2*64*64), randn(rng, 2*64*64)
		o := Options{Pool: pool, Act: gemm.ActRelu, Residual: res}
		for _, f := range []form{formIm2col, formGrid, formPlanes, formSwapped} {
			testForm = f
			pw, err := PackWeights(p, w)
			if err != nil {
				t.Fatal(err)
			}
			for _, packed := range []bool{false, true} {
				run := func() {
					if packed {
						err = Conv2DPacked(o, p, x, pw, bias, y)
					} else {
						err = Conv2D(o, p, x, w, bias, y)
					}
					if err != nil {
						t.Fatal(err)
					}
				}
				run()
				if got, want := testing.AllocsPerRun(20, run), 2*perGemm; got > want {
					t.Errorf("threads %d form %d packed %v: %v allocations per call, want ≤ %v", th, f, packed, got, want)
				}
			}
		}
		testForm = formAuto
		run := func() {
			if err := Conv2D(o, dw, x, w, bias, y); err != nil {
				t.Fatal(err)
			}
		}
		run()
		if got := testing.AllocsPerRun(20, run); got > 0 {
			t.Errorf("threads %d depthwise: %v allocations per call", th, got)
		}
		pool.Close()
	}
}

// TestConcurrentWeights shares one Weights between goroutines whose
// geometries need both packed layouts (the second is packed on first use,
// concurrently); with -race it checks that calls share nothing mutable.
func TestConcurrentWeights(t *testing.T) {
	pool := parallel.New(parallel.Options{Threads: 2})
	defer pool.Close()
	rng := rand.New(rand.NewPCG(11, 12))
	small := Params{N: 1, C: 64, H: 2, W: 2, OC: 128, KH: 3, KW: 3, PadT: 1, PadL: 1, PadB: 1, PadR: 1}
	large := small
	large.H, large.W = 16, 16
	small.norm()
	large.norm()
	if lower(&small).form == lower(&large).form {
		t.Skipf("kernel %s: both geometries take form %d", gemm.KernelName(), lower(&small).form)
	}
	w, bias := randn(rng, 128*64*9), randn(rng, 128)
	pw, err := PackWeights(small, w)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	for i := range 4 {
		go func() {
			p := small
			if i%2 == 1 {
				p = large
			}
			x := randn(rand.New(rand.NewPCG(uint64(i), 1)), p.C*p.H*p.W)
			y := make([]float32, p.OC*p.OutH()*p.OutW())
			want, scale := refConv(p, x, w, bias)
			for range 5 {
				if err := Conv2DPacked(Options{Pool: pool, Act: gemm.ActRelu}, p, x, pw, bias, y); err != nil {
					done <- err
					return
				}
				for j := range y {
					if d := math.Abs(float64(y[j]) - math.Max(want[j], 0)); d > 1e-5*scale[j]+1e-6 {
						done <- fmt.Errorf("goroutine %d: y[%d] = %v, want %v", i, j, y[j], math.Max(want[j], 0))
						return
					}
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
