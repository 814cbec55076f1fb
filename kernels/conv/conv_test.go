package conv

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sinter-ml/sinter/internal/cpu"
	"github.com/sinter-ml/sinter/kernels/gemm"
	"github.com/sinter-ml/sinter/kernels/parallel"
)

const sentinel = float32(-3.5e19)
const guard = 41

func randn(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

// refConv is the direct float64 convolution, with Σ|terms| per element.
func refConv(p Params, x, w, bias []float32) (want, scale []float64) {
	p.norm()
	oh, ow := p.OutH(), p.OutW()
	cg, ocg := p.C/p.Group, p.OC/p.Group
	want = make([]float64, p.N*p.OC*oh*ow)
	scale = make([]float64, len(want))
	for n := range p.N {
		for oc := range p.OC {
			g := oc / ocg
			for i := range oh {
				for j := range ow {
					var s, a float64
					if bias != nil {
						s, a = float64(bias[oc]), math.Abs(float64(bias[oc]))
					}
					for c := range cg {
						for kh := range p.KH {
							for kw := range p.KW {
								ih := i*p.StrideH - p.PadT + kh*p.DilationH
								iw := j*p.StrideW - p.PadL + kw*p.DilationW
								if ih < 0 || ih >= p.H || iw < 0 || iw >= p.W {
									continue
								}
								t := float64(x[((n*p.C+g*cg+c)*p.H+ih)*p.W+iw]) * float64(w[((oc*cg+c)*p.KH+kh)*p.KW+kw])
								s += t
								a += math.Abs(t)
							}
						}
					}
					idx := ((n*p.OC+oc)*oh+i)*ow + j
					want[idx], scale[idx] = s, a
				}
			}
		}
	}
	return want, scale
}

func guarded(n int) ([]float32, []float32) {
	buf := make([]float32, n+2*guard)
	for i := range buf {
		buf[i] = sentinel
	}
	return buf, buf[guard : guard+n]
}

func checkGuards(t *testing.T, buf []float32, n int) {
	t.Helper()
	for i := range guard {
		if buf[i] != sentinel || buf[guard+n+i] != sentinel {
			t.Fatal("write outside the output")
		}
	}
}

func check(t *testing.T, what string, got []float32, want, scale []float64, act gemm.Activation) {
	t.Helper()
	for i := range want {
		w := want[i]
		if act == gemm.ActRelu {
			w = math.Max(w, 0)
		}
		if d := math.Abs(float64(got[i]) - w); d > 1e-5*scale[i]+1e-6 || math.IsNaN(float64(got[i])) {
			t.Fatalf("%s: y[%d] = %v, want %v", what, i, got[i], w)
		}
	}
}

func forEachTier(t *testing.T, f func(t *testing.T)) {
	for _, tier := range cpu.Tiers() {
		t.Run(tier.String(), func(t *testing.T) {
			if err := cpu.SetTier(tier); err != nil {
				t.Fatal(err)
			}
			defer cpu.Reset()
			f(t)
		})
	}
}

func TestConv2D(t *testing.T) {
	pool := parallel.New(parallel.Options{Threads: 2})
	defer pool.Close()
	cases := []Params{
		{N: 1, C: 3, H: 17, W: 13, OC: 8, KH: 3, KW: 3, PadT: 1, PadL: 1, PadB: 1, PadR: 1},
		{N: 2, C: 16, H: 7, W: 9, OC: 33, KH: 1, KW: 1}, // pointwise
		{N: 1, C: 4, H: 20, W: 20, OC: 5, KH: 7, KW: 7, StrideH: 2, StrideW: 2, PadT: 3, PadL: 3, PadB: 3, PadR: 3},
		{N: 1, C: 6, H: 11, W: 12, OC: 6, KH: 3, KW: 3, Group: 6, PadT: 1, PadL: 1, PadB: 1, PadR: 1}, // depthwise
		{N: 2, C: 5, H: 9, W: 10, OC: 5, KH: 3, KW: 2, Group: 5, StrideH: 2, StrideW: 3, DilationH: 2, PadT: 2, PadR: 1},
		{N: 1, C: 8, H: 10, W: 11, OC: 12, KH: 3, KW: 3, Group: 4, DilationH: 2, DilationW: 2, PadT: 2, PadL: 2, PadB: 2, PadR: 2},
		{N: 1, C: 2, H: 5, W: 5, OC: 3, KH: 5, KW: 5, PadT: 4, PadL: 4, PadB: 4, PadR: 4}, // output wider than input
		{N: 1, C: 3, H: 9, W: 8, OC: 4, KH: 1, KW: 1, StrideH: 2, StrideW: 2},             // strided 1×1
		{N: 1, C: 1, H: 1, W: 40, OC: 2, KH: 1, KW: 3, PadL: 5, PadR: 5, StrideW: 2},
		{N: 1, C: 64, H: 5, W: 6, OC: 256, KH: 3, KW: 3, PadT: 1, PadL: 1, PadB: 1, PadR: 1},                                    // OC > OH·OW: shared packed im2col
		{N: 2, C: 4, H: 9, W: 7, OC: 4, KH: 3, KW: 2, Group: 4, DilationH: 2, DilationW: 3, PadT: 2, PadL: 0, PadB: 1, PadR: 3}, // depthwise, dilated, asymmetric pads
		{N: 1, C: 6, H: 8, W: 5, OC: 9, KH: 2, KW: 3, Group: 3, DilationW: 2, PadT: 0, PadL: 2, PadB: 3, PadR: 1},               // grouped on the padded grid, asymmetric
		{N: 1, C: 32, H: 40, W: 37, OC: 40, KH: 3, KW: 3, PadT: 1, PadL: 1, PadB: 1, PadR: 1},                                   // large enough for 2 threads
	}
	forEachTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for ci, p := range cases {
			for _, act := range []gemm.Activation{gemm.ActNone, gemm.ActRelu} {
				q := p
				q.norm()
				x := randn(rng, q.N*q.C*q.H*q.W)
				w := randn(rng, q.OC*q.C/q.Group*q.KH*q.KW)
				bias := randn(rng, q.OC)
				n := q.N * q.OC * q.OutH() * q.OutW()
				buf, y := guarded(n)
				if act == gemm.ActRelu { // the packed-weights path
					pw, err := PackWeights(p, w)
					if err != nil {
						t.Fatal(err)
					}
					if err := Conv2DPacked(Options{Pool: pool, Act: act}, p, x, pw, bias, y); err != nil {
						t.Fatal(err)
					}
				} else if err := Conv2D(Options{Pool: pool, Act: act}, p, x, w, bias, y); err != nil {
					t.Fatal(err)
				}
				checkGuards(t, buf, n)
				want, scale := refConv(p, x, w, bias)
				check(t, fmt.Sprintf("case %d act %d", ci, act), y, want, scale, act)
			}
		}
	})
}

func TestConv2DResidual(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	p := Params{N: 1, C: 8, H: 6, W: 6, OC: 8, KH: 3, KW: 3, PadT: 1, PadL: 1, PadB: 1, PadR: 1}
	x, w := randn(rng, 8*36), randn(rng, 8*8*9)
	res := randn(rng, 8*36)
	y := make([]float32, 8*36)
	if err := Conv2D(Options{Residual: res}, p, x, w, nil, y); err != nil {
		t.Fatal(err)
	}
	want, scale := refConv(p, x, w, nil)
	for i := range want {
		want[i] += float64(res[i])
	}
	check(t, "residual", y, want, scale, gemm.ActNone)
}

func TestConv2DErrors(t *testing.T) {
	for _, p := range []Params{
		{N: 1, C: 3, H: 4, W: 4, OC: 4, KH: 3, KW: 3, Group: 2},
		{N: 1, C: 3, H: 2, W: 2, OC: 4, KH: 3, KW: 3},
		{N: 1, C: 0, H: 2, W: 2, OC: 4, KH: 1, KW: 1},
	} {
		if err := Conv2D(Options{}, p, make([]float32, 100), make([]float32, 100), nil, make([]float32, 100)); err == nil {
			t.Errorf("%+v: no error", p)
		}
	}
	p := Params{N: 1, C: 2, H: 4, W: 4, OC: 2, KH: 1, KW: 1}
	if err := Conv2D(Options{}, p, make([]float32, 31), make([]float32, 4), nil, make([]float32, 32)); err == nil {
		t.Error("short x accepted")
	}
}

func refConvTranspose(p TransposeParams, x, w, bias []float32) (want, scale []float64) {
	p.norm()
	oh, ow := p.OutH(), p.OutW()
	cg, ocg := p.C/p.Group, p.OC/p.Group
	want = make([]float64, p.N*p.OC*oh*ow)
	scale = make([]float64, len(want))
	for n := range p.N {
		for oc := range p.OC {
			for i := range oh * ow {
				idx := (n*p.OC+oc)*oh*ow + i
				if bias != nil {
					want[idx], scale[idx] = float64(bias[oc]), math.Abs(float64(bias[oc]))
				}
			}
		}
		for c := range p.C {
			g := c / cg
			for ih := range p.H {
				for iw := range p.W {
					xv := float64(x[((n*p.C+c)*p.H+ih)*p.W+iw])
					for o := range ocg {
						oc := g*ocg + o
						for kh := range p.KH {
							for kw := range p.KW {
								y := ih*p.StrideH - p.PadT + kh*p.DilationH
								xx := iw*p.StrideW - p.PadL + kw*p.DilationW
								if y < 0 || y >= oh || xx < 0 || xx >= ow {
									continue
								}
								t := xv * float64(w[((c*ocg+o)*p.KH+kh)*p.KW+kw])
								idx := ((n*p.OC+oc)*oh+y)*ow + xx
								want[idx] += t
								scale[idx] += math.Abs(t)
							}
						}
					}
				}
			}
		}
	}
	return want, scale
}

func TestConvTranspose(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cases := []TransposeParams{
		{Params: Params{N: 1, C: 4, H: 5, W: 6, OC: 3, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadT: 1, PadL: 1, PadB: 1, PadR: 1}, OutPadH: 1, OutPadW: 1},
		{Params: Params{N: 2, C: 6, H: 4, W: 4, OC: 4, KH: 2, KW: 3, Group: 2, DilationW: 2}},
		{Params: Params{N: 1, C: 3, H: 7, W: 3, OC: 5, KH: 4, KW: 4, StrideH: 3, StrideW: 1, PadT: 2, PadR: 1}},
	}
	forEachTier(t, func(t *testing.T) {
		for ci, p := range cases {
			q := p
			q.norm()
			x := randn(rng, q.N*q.C*q.H*q.W)
			w := randn(rng, q.C*q.OC/q.Group*q.KH*q.KW)
			bias := randn(rng, q.OC)
			n := q.N * q.OC * q.OutH() * q.OutW()
			buf, y := guarded(n)
			if err := ConvTranspose(Options{}, p, x, w, bias, y); err != nil {
				t.Fatal(err)
			}
			checkGuards(t, buf, n)
			want, scale := refConvTranspose(p, x, w, bias)
			check(t, fmt.Sprintf("transpose case %d", ci), y, want, scale, gemm.ActNone)
		}
	})
}
