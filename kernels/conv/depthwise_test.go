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

// refAct is the float64 form of each gemm activation.
func refAct(act gemm.Activation, alpha, beta, x float64) float64 {
	switch act {
	case gemm.ActRelu:
		return math.Max(x, 0)
	case gemm.ActClip:
		return math.Min(math.Max(x, alpha), beta)
	case gemm.ActLeakyRelu:
		if x < 0 {
			return alpha * x
		}
		return x
	case gemm.ActSigmoid:
		return 1 / (1 + math.Exp(-x))
	case gemm.ActTanh:
		return math.Tanh(x)
	case gemm.ActGelu:
		return 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
	case gemm.ActGeluTanh:
		return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
	case gemm.ActHardSigmoid:
		return math.Max(0, math.Min(1, alpha*x+beta))
	case gemm.ActHardSwish:
		return x * math.Max(0, math.Min(1, x/6+0.5))
	}
	return x
}

// actParams are the Alpha and Beta each activation is tested with.
func actParams(act gemm.Activation) (alpha, beta float32) {
	switch act {
	case gemm.ActClip:
		return 0, 6
	case gemm.ActLeakyRelu:
		return 0.1, 0
	case gemm.ActHardSigmoid:
		return 0.2, 0.5
	}
	return 0, 0
}

// exact reports whether act computes the same bits on every tier (the
// others use each tier's approximations of exp).
func exact(act gemm.Activation) bool {
	switch act {
	case gemm.ActNone, gemm.ActRelu, gemm.ActClip, gemm.ActLeakyRelu, gemm.ActHardSigmoid, gemm.ActHardSwish:
		return true
	}
	return false
}

// dwCases are depthwise convolutions (Group = C; OC = C·multiplier) of
// awkward shapes: 1×1 planes, odd sizes, padding wider than the kernel
// (rows and columns entirely in the padding), strides 1–3, dilations,
// rectangular and 1×1 kernels, and images narrower than a vector.
var dwCases = []Params{
	{N: 1, C: 3, H: 1, W: 1, OC: 3, KH: 3, KW: 3, PadT: 1, PadL: 1, PadB: 1, PadR: 1},
	{N: 1, C: 2, H: 1, W: 1, OC: 2, KH: 1, KW: 1},
	{N: 2, C: 5, H: 7, W: 9, OC: 5, KH: 3, KW: 3, PadT: 1, PadL: 1, PadB: 1, PadR: 1},
	{N: 1, C: 4, H: 32, W: 32, OC: 4, KH: 3, KW: 3, PadT: 1, PadL: 1, PadB: 1, PadR: 1},
	{N: 1, C: 4, H: 33, W: 35, OC: 4, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadT: 2, PadL: 2, PadB: 2, PadR: 2},
	{N: 1, C: 3, H: 32, W: 32, OC: 3, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadT: 2, PadL: 2, PadB: 2, PadR: 2},
	{N: 1, C: 3, H: 29, W: 31, OC: 3, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadT: 1, PadL: 1, PadB: 1, PadR: 1},
	{N: 1, C: 3, H: 19, W: 23, OC: 3, KH: 3, KW: 3, StrideH: 3, StrideW: 3, PadT: 1, PadL: 2, PadB: 0, PadR: 1},
	{N: 1, C: 2, H: 6, W: 5, OC: 2, KH: 3, KW: 3, PadT: 4, PadL: 5, PadB: 4, PadR: 6}, // pads wider than the kernel
	{N: 1, C: 2, H: 9, W: 40, OC: 2, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadT: 7, PadL: 7, PadB: 7, PadR: 7},
	{N: 1, C: 3, H: 11, W: 70, OC: 3, KH: 3, KW: 3, DilationH: 2, DilationW: 3, PadT: 2, PadL: 3, PadB: 2, PadR: 3},
	{N: 1, C: 2, H: 10, W: 37, OC: 2, KH: 3, KW: 5, StrideH: 1, StrideW: 2, DilationW: 2, PadT: 1, PadL: 4, PadB: 1, PadR: 4},
	{N: 1, C: 3, H: 8, W: 50, OC: 3, KH: 7, KW: 1, StrideH: 2, PadT: 3, PadB: 3},
	{N: 1, C: 3, H: 5, W: 5, OC: 3, KH: 5, KW: 5},                                       // one output
	{N: 1, C: 3, H: 3, W: 3, OC: 3, KH: 3, KW: 3, PadT: 0, PadL: 2, PadR: 2},            // no interior column
	{N: 2, C: 3, H: 12, W: 17, OC: 6, KH: 3, KW: 3, PadT: 1, PadL: 1, PadB: 1, PadR: 1}, // multiplier 2
	{N: 1, C: 2, H: 13, W: 21, OC: 6, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadT: 2, PadL: 2, PadB: 2, PadR: 2},
	{N: 1, C: 1, H: 9, W: 11, OC: 5, KH: 3, KW: 3, PadT: 1, PadL: 1, PadB: 1, PadR: 1},         // Group = C = 1, OC = 5
	{N: 1, C: 2, H: 100, W: 75, OC: 2, KH: 3, KW: 3, PadT: 1, PadL: 1, PadB: 1, PadR: 1},       // several bands per plane
	{N: 1, C: 2, H: 9, W: 9000, OC: 2, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadL: 1, PadR: 1}, // rows wider than a band
}

// runDW runs Conv2D (or Conv2DPacked) on p with act and a residual into a
// guard-padded output and returns the output.
func runDW(t *testing.T, pool *parallel.Pool, packed bool, p Params, act gemm.Activation, x, w, bias, res []float32) []float32 {
	t.Helper()
	q := p
	q.norm()
	n := q.N * q.OC * q.OutH() * q.OutW()
	buf, y := guarded(n)
	alpha, beta := actParams(act)
	o := Options{Pool: pool, Act: act, Alpha: alpha, Beta: beta, Residual: res}
	if packed {
		pw, err := PackWeights(p, w)
		if err != nil {
			t.Fatal(err)
		}
		if err := Conv2DPacked(o, p, x, pw, bias, y); err != nil {
			t.Fatal(err)
		}
	} else if err := Conv2D(o, p, x, w, bias, y); err != nil {
		t.Fatal(err)
	}
	checkGuards(t, buf, n)
	return y
}

// TestDepthwise checks the depthwise path against the float64 reference
// for every activation, with and without bias and residual, on every tier
// and several thread counts, and checks that the bits do not depend on the
// thread count (nor, for the exact activations, on the tier).
func TestDepthwise(t *testing.T) {
	pools := []*parallel.Pool{parallel.New(parallel.Options{Threads: 1}), parallel.New(parallel.Options{Threads: 2}), parallel.New(parallel.Options{Threads: 3})}
	defer func() {
		for _, p := range pools {
			p.Close()
		}
	}()
	acts := []gemm.Activation{gemm.ActNone, gemm.ActRelu, gemm.ActClip, gemm.ActLeakyRelu, gemm.ActSigmoid, gemm.ActTanh,
		gemm.ActGelu, gemm.ActGeluTanh, gemm.ActHardSigmoid, gemm.ActHardSwish}
	// generic[ci][v] are the generic tier's outputs, for the bitwise check of the others.
	generic := map[string][]float32{}
	for _, tier := range cpu.Tiers() {
		t.Run(tier.String(), func(t *testing.T) {
			if err := cpu.SetTier(tier); err != nil {
				t.Fatal(err)
			}
			defer cpu.Reset()
			rng := rand.New(rand.NewPCG(7, 8))
			for ci, p := range dwCases {
				p.Group = p.C
				q := p
				q.norm()
				if !q.isDepthwise() {
					t.Fatalf("case %d is not depthwise", ci)
				}
				n := q.N * q.OC * q.OutH() * q.OutW()
				x := randn(rng, q.N*q.C*q.H*q.W)
				w := randn(rng, q.OC*q.KH*q.KW)
				bias, res := randn(rng, q.OC), randn(rng, n)
				for v, act := range acts {
					b, r := bias, res
					if v%3 == 1 {
						b = nil
					}
					if v%2 == 0 {
						r = nil
					}
					want, scale := refConv(p, x, w, b)
					var first []float32
					for pi, pool := range pools {
						y := runDW(t, pool, pi == 1, p, act, x, w, b, r)
						if first == nil {
							first = y
							alpha, beta := actParams(act)
							for i := range want {
								s, sc := want[i], scale[i]
								if r != nil {
									s += float64(r[i])
									sc += math.Abs(float64(r[i]))
								}
								ww := refAct(act, float64(alpha), float64(beta), s)
								// Activation slopes are at most 1.5 (HardSwish at 3).
								if d := math.Abs(float64(y[i]) - ww); !(d <= 1.5e-5*sc+2e-6*(1+math.Abs(ww))) {
									t.Fatalf("case %d %+v act %d: y[%d] = %v, want %v", ci, p, act, i, y[i], ww)
								}
							}
							continue
						}
						for i := range y {
							if math.Float32bits(y[i]) != math.Float32bits(first[i]) {
								t.Fatalf("case %d act %d: y[%d] = %v with %d threads, %v with 1", ci, act, i, y[i], pool.Threads(), first[i])
							}
						}
					}
					key := fmt.Sprint(ci, v)
					if tier == cpu.Generic {
						generic[key] = first
					} else if g := generic[key]; g != nil && exact(act) {
						for i := range g {
							if math.Float32bits(g[i]) != math.Float32bits(first[i]) {
								t.Fatalf("case %d act %d: y[%d] = %v, generic tier %v", ci, act, i, first[i], g[i])
							}
						}
					}
				}
			}
		})
	}
}

// dwCase is one random call of the depthwise kernels, with x exactly as
// long as the kernels may read.
type dwCase struct {
	rows, n, kh, kw, sw, dw, c0, width, ldx, ldt, ldy, ldw int
}

func randDWCase(rng *rand.Rand) dwCase {
	var c dwCase
	c.rows = 1 + rng.IntN(7)
	c.n = 1 + rng.IntN(70)
	if rng.IntN(4) == 0 {
		c.n = 1 + rng.IntN(17)
	}
	c.kh, c.kw = 1+rng.IntN(5), 1+rng.IntN(5)
	if rng.IntN(20) == 0 {
		c.kw = 30 + rng.IntN(5) // around dwMaxMaskedKW
	}
	c.sw = 1 + rng.IntN(3)
	c.dw = 1
	if rng.IntN(4) == 0 {
		c.dw = 2
	}
	span := (c.n-1)*c.sw + (c.kw-1)*c.dw + 1 // input columns the outputs cover
	switch rng.IntN(3) {
	case 0: // interior: every tap inside the row
		c.c0 = rng.IntN(3)
		c.width = c.c0 + span + rng.IntN(3)
	case 1: // padding on both sides
		c.c0 = -rng.IntN(c.kw*c.dw + 2)
		c.width = max(1, span+c.c0-rng.IntN(c.kw*c.dw+2))
	default: // narrow rows, wide padding
		c.c0 = -rng.IntN(span + 3)
		c.width = 1 + rng.IntN(5)
	}
	c.ldt = c.width + rng.IntN(5)
	c.ldx = c.ldt * (1 + rng.IntN(2))
	if rng.IntN(3) == 0 {
		c.ldx = c.ldt * c.kh // rows of a tile read disjoint rows of x
	}
	c.ldy = c.n + rng.IntN(4)
	c.ldw = c.kw + rng.IntN(3)
	return c
}

func (c dwCase) xLen() int { return (c.rows-1)*c.ldx + (c.kh-1)*c.ldt + c.width }
func (c dwCase) yLen() int { return (c.rows-1)*c.ldy + c.n }

// TestDepthwiseKernelTwin checks each tier's kernels (through dwRows,
// which runs dwGo on the columns a kernel leaves) against dwGo bit for
// bit, with the output inside guard-padded rows.
func TestDepthwiseKernelTwin(t *testing.T) {
	forEachTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(9, 10))
		for range 1500 {
			c := randDWCase(rng)
			x := randn(rng, c.xLen())
			w := randn(rng, (c.kh-1)*c.ldw+c.kw)
			bias := float32(rng.NormFloat64())
			ny := c.yLen()
			buf, y := guarded(ny)
			want := make([]float32, ny)
			copy(want, y)
			dwGo(want, c.ldy, x, c.ldx, c.rows, c.n, w, c.ldw, c.kh, c.kw, c.ldt, c.sw, c.dw, c.c0, c.width, bias)
			dwRows(y, c.ldy, x, c.ldx, c.rows, c.n, w, c.ldw, c.kh, c.kw, c.ldt, c.sw, c.dw, c.c0, c.width, bias)
			checkGuards(t, buf, ny)
			for i := range want {
				if math.Float32bits(y[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%+v: y[%d] = %v, want %v", c, i, y[i], want[i])
				}
			}
			// Between rows, y is untouched.
			for r := range c.rows - 1 {
				for j := c.n; j < c.ldy; j++ {
					if y[r*c.ldy+j] != sentinel {
						t.Fatalf("%+v: wrote y[%d]", c, r*c.ldy+j)
					}
				}
			}
		}
	})
}

// TestDepthwiseTwinReference checks dwGo itself against the float64 sum
// of its definition.
func TestDepthwiseTwinReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for range 300 {
		c := randDWCase(rng)
		x := randn(rng, c.xLen())
		w := randn(rng, (c.kh-1)*c.ldw+c.kw)
		bias := float32(rng.NormFloat64())
		y := make([]float32, c.yLen())
		dwGo(y, c.ldy, x, c.ldx, c.rows, c.n, w, c.ldw, c.kh, c.kw, c.ldt, c.sw, c.dw, c.c0, c.width, bias)
		for r := range c.rows {
			for j := range c.n {
				s, sc := float64(bias), math.Abs(float64(bias))
				for a := range c.kh {
					for b := range c.kw {
						if col := c.c0 + j*c.sw + b*c.dw; col >= 0 && col < c.width {
							v := float64(w[a*c.ldw+b]) * float64(x[r*c.ldx+a*c.ldt+col])
							s += v
							sc += math.Abs(v)
						}
					}
				}
				if g := float64(y[r*c.ldy+j]); math.Abs(g-s) > 1e-6*sc+1e-7 {
					t.Fatalf("%+v: y[%d,%d] = %v, want %v", c, r, j, g, s)
				}
			}
		}
	}
}

// TestDepthwiseMatchesGEMM checks the channel-multiplier path against the
// grouped GEMM it replaces (multipliers above dwMaxMultiplier still take
// it).
func TestDepthwiseMatchesGEMM(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, mult := range []int{1, 3, dwMaxMultiplier, dwMaxMultiplier + 1} {
		p := Params{N: 1, C: 4, H: 13, W: 15, OC: 4 * mult, KH: 3, KW: 3, Group: 4, StrideH: 2, StrideW: 1, PadT: 1, PadL: 1, PadB: 1, PadR: 1}
		x, w, bias := randn(rng, 4*13*15), randn(rng, p.OC*9), randn(rng, p.OC)
		y := runDW(t, nil, true, p, gemm.ActHardSwish, x, w, bias, nil)
		want, scale := refConv(p, x, w, bias)
		for i := range want {
			ww := refAct(gemm.ActHardSwish, 0, 0, want[i])
			if d := math.Abs(float64(y[i]) - ww); d > 1.5e-5*scale[i]+2e-6 {
				t.Fatalf("multiplier %d: y[%d] = %v, want %v", mult, i, y[i], ww)
			}
		}
	}
}
