package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sinter-ml/sinter/internal/cpu"
)

// forEachCPUTier runs f with each tier this machine supports in force (the
// activation kernels dispatch on cpu.Current, not on the GEMM kernel).
func forEachCPUTier(t *testing.T, f func(t *testing.T)) {
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

func sameBits(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

// actValues are random inputs with the awkward ones mixed in: signed
// zeros, NaN, infinities, the HardSigmoid/HardSwish knees (±3, −2.5, 2.5)
// and values next to them.
func actValues(rng *rand.Rand, n int) []float32 {
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
		3, -3, 2.5, -2.5, 6, -6, 1, -1, math.Nextafter32(3, 4), math.Nextafter32(-3, -4), math.Nextafter32(2.5, 0), 1e-30, -1e-30}
	x := make([]float32, n)
	for i := range x {
		switch rng.IntN(4) {
		case 0:
			x[i] = special[rng.IntN(len(special))]
		default:
			x[i] = float32(rng.NormFloat64() * 4)
		}
	}
	return x
}

type actCase struct {
	act         Activation
	alpha, beta float32
}

var negZero = float32(math.Copysign(0, -1))

// actCases cover every activation the kernels take, with Clip bounds that
// hit each branch of actVector (including those left to Go).
var actCases = []actCase{
	{ActRelu, 0, 0},
	{ActClip, 0, 6}, {ActClip, negZero, 6}, {ActClip, -1, 0}, {ActClip, -1, negZero}, {ActClip, 2, -2},
	{ActClip, float32(math.NaN()), 1}, {ActClip, -1, float32(math.NaN())}, {ActClip, float32(math.Inf(-1)), float32(math.Inf(1))},
	{ActLeakyRelu, 0.1, 0}, {ActLeakyRelu, -2, 0}, {ActLeakyRelu, float32(math.NaN()), 0},
	{ActHardSigmoid, 0.2, 0.5}, {ActHardSigmoid, 1.0 / 6, 0.5}, {ActHardSigmoid, -0.3, negZero}, {ActHardSigmoid, 2, float32(math.NaN())},
	{ActHardSwish, 0, 0}, {ActHardSwish, 7, -7}, // HardSwish ignores alpha and beta
}

// TestActivateBitwise checks the vector activation kernels of every tier
// against activateGo bit for bit (NaN matching NaN), at lengths around the
// vector sizes, inside guard-padded buffers.
func TestActivateBitwise(t *testing.T) {
	forEachCPUTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(21, 22))
		for _, c := range actCases {
			for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 1000} {
				const guard = 19
				buf := actValues(rng, n+2*guard)
				orig := append([]float32(nil), buf...)
				want := append([]float32(nil), buf[guard:guard+n]...)
				activateGo(c.act, c.alpha, c.beta, want)
				Activate(c.act, c.alpha, c.beta, buf[guard:guard+n])
				for i, v := range buf {
					if i < guard || i >= guard+n {
						if !sameBits(v, orig[i]) {
							t.Fatalf("%+v n %d: wrote outside x at %d", c, n, i-guard)
						}
						continue
					}
					if w := want[i-guard]; !sameBits(v, w) {
						t.Fatalf("%+v n %d: x[%d] = %v (%#x) from %v, want %v (%#x)", c, n, i-guard, v, math.Float32bits(v), orig[i], w, math.Float32bits(w))
					}
				}
			}
		}
	})
}

// TestActivateReference checks Activate against the float64 formulas.
func TestActivateReference(t *testing.T) {
	forEachCPUTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(23, 24))
		for _, c := range actCases {
			if c.alpha != c.alpha || c.beta != c.beta {
				continue // math.Max(+Inf, NaN) is +Inf; Go's max is NaN
			}
			x := actValues(rng, 257)
			y := append([]float32(nil), x...)
			Activate(c.act, c.alpha, c.beta, y)
			for i, v := range x {
				w := refAct(c.act, float64(c.alpha), float64(c.beta), float64(v))
				g := float64(y[i])
				if math.IsNaN(w) || math.IsNaN(g) {
					if math.IsNaN(w) != math.IsNaN(g) {
						t.Fatalf("%+v: f(%v) = %v, want %v", c, v, g, w)
					}
					continue
				}
				// Two roundings (product, sum) and one more for HardSwish's product.
				if d := math.Abs(g - w); d > 3e-7*(math.Abs(w)+math.Abs(float64(v))) && !(math.IsInf(w, 0) && g == w) {
					t.Fatalf("%+v: f(%v) = %v, want %v", c, v, g, w)
				}
			}
		}
	})
}

// TestActivateSigns pins the signed-zero results the kernels must agree on.
func TestActivateSigns(t *testing.T) {
	forEachCPUTier(t, func(t *testing.T) {
		for _, tc := range []struct {
			c    actCase
			x, y float32
		}{
			{actCase{ActRelu, 0, 0}, negZero, 0},
			{actCase{ActClip, 0, 6}, negZero, 0},
			{actCase{ActClip, negZero, 6}, negZero, negZero},
			{actCase{ActClip, -1, negZero}, 0, negZero},
			{actCase{ActHardSigmoid, 0.5, negZero}, negZero, 0},
			{actCase{ActHardSwish, 0, 0}, negZero, negZero},
			{actCase{ActHardSwish, 0, 0}, -4, negZero},
			{actCase{ActHardSwish, 0, 0}, 4, 4},
		} {
			x := make([]float32, 40)
			for i := range x {
				x[i] = tc.x
			}
			Activate(tc.c.act, tc.c.alpha, tc.c.beta, x)
			for i, v := range x {
				if !sameBits(v, tc.y) {
					t.Fatalf("%+v (%v) = %v at %d, want %v", tc.c, tc.x, v, i, tc.y)
				}
			}
		}
	})
}

func BenchmarkActivate(b *testing.B) {
	for _, tier := range cpu.Tiers() {
		for _, c := range []actCase{{ActRelu, 0, 0}, {ActClip, 0, 6}, {ActLeakyRelu, 0.1, 0}, {ActHardSigmoid, 0.2, 0.5}, {ActHardSwish, 0, 0}} {
			b.Run(fmt.Sprintf("%v/act%d", tier, c.act), func(b *testing.B) {
				if err := cpu.SetTier(tier); err != nil {
					b.Fatal(err)
				}
				defer cpu.Reset()
				x := actValues(rand.New(rand.NewPCG(1, 1)), 4096)
				b.SetBytes(int64(4 * len(x)))
				for b.Loop() {
					Activate(c.act, c.alpha, c.beta, x)
				}
			})
		}
	}
}

// TestEpilogueExactBias runs every epilogue path (with and without a
// residual, each activation) with a bias of exactly N (or M, per row)
// floats and M ≠ N, against the float64 reference.
func TestEpilogueExactBias(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	for _, mn := range [][2]int{{70, 9}, {5, 67}, {33, 33}} {
		m, n, k := mn[0], mn[1], 19
		for _, perRow := range []bool{false, true} {
			for _, withRes := range []bool{false, true} {
				for act := ActNone; act <= ActHardSwish; act++ {
					a, b := randMat(rng, m, k, k), randMat(rng, k, n, n)
					c := newGuarded(m, n, n+2)
					bias := make([]float32, n)
					if perRow {
						bias = make([]float32, m)
					}
					for i := range bias {
						bias[i] = float32(rng.NormFloat64())
					}
					alpha, beta := float32(-0.3), float32(0.7)
					switch act {
					case ActLeakyRelu:
						alpha = 0.1
					case ActHardSigmoid:
						alpha, beta = 0.2, 0.5
					}
					ep := &Epilogue{Bias: bias, BiasPerRow: perRow, Act: act, Alpha: alpha, Beta: beta}
					var res *guarded
					if withRes {
						res = randMat(rng, m, n, n+1)
						ep.Residual, ep.LDR = res.mat(), res.ld
					}
					SgemmWith(Options{Epilogue: ep}, false, false, m, n, k, 1, a.mat(), a.ld, b.mat(), b.ld, 0, c.mat(), c.ld)
					c.checkGuards(t, "exact bias")
					want, scale := refGemm(false, false, m, n, k, 1, a, b, 0, c)
					for i := range m {
						for j := range n {
							var bv float32
							if perRow {
								bv = bias[i]
							} else {
								bv = bias[j]
							}
							x := want[i*n+j] + float64(bv)
							if res != nil {
								x += float64(*res.at(i, j))
							}
							w := refAct(act, float64(alpha), float64(beta), x)
							if g := float64(*c.at(i, j)); math.Abs(g-w) > 1.5e-5*scale[i*n+j]+1e-6*(1+math.Abs(w)) {
								t.Fatalf("%dx%d perRow %v res %v act %d: c[%d,%d] = %v, want %v", m, n, perRow, withRes, act, i, j, g, w)
							}
						}
					}
				}
			}
		}
	}
}
