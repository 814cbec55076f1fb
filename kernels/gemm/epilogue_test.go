package gemm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sinter-ml/sinter/kernels/parallel"
)

func refAct(act Activation, alpha, beta, x float64) float64 {
	switch act {
	case ActRelu:
		return math.Max(x, 0)
	case ActClip:
		return math.Min(math.Max(x, alpha), beta)
	case ActLeakyRelu:
		if x < 0 {
			return alpha * x
		}
		return x
	case ActSigmoid:
		return 1 / (1 + math.Exp(-x))
	case ActTanh:
		return math.Tanh(x)
	case ActGelu:
		return 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
	case ActGeluTanh:
		return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
	case ActHardSigmoid:
		return math.Max(0, math.Min(1, alpha*x+beta))
	case ActHardSwish:
		return x * math.Max(0, math.Min(1, x/6+0.5))
	}
	return x
}

func TestEpilogue(t *testing.T) {
	pool := parallel.New(parallel.Options{Threads: 2})
	defer pool.Close()
	forEachTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(11, 12))
		for act := ActNone; act <= ActHardSwish; act++ {
			for _, packed := range []bool{false, true} {
				m, n, k := 1+rng.IntN(40), 1+rng.IntN(70), 1+rng.IntN(300)
				perRow := rng.IntN(2) == 0
				a, b := randMat(rng, m, k, k), randMat(rng, k, n, n)
				c := newGuarded(m, n, n+3)
				res := randMat(rng, m, n, n+1)
				bias := make([]float32, max(m, n))
				for i := range bias {
					bias[i] = float32(rng.NormFloat64())
				}
				ep := &Epilogue{Bias: bias, BiasPerRow: perRow, Residual: res.mat(), LDR: res.ld, Act: act, Alpha: -0.3, Beta: 0.7}
				switch act {
				case ActLeakyRelu:
					ep.Alpha = 0.1
				case ActHardSigmoid:
					ep.Alpha, ep.Beta = 0.2, 0.5
				}
				want, scale := refGemm(false, false, m, n, k, 1, a, b, 0, c)
				o := Options{Pool: pool, Epilogue: ep}
				if packed {
					SgemmPacked(o, false, m, 1, a.mat(), a.ld, PackB(false, k, n, b.mat(), b.ld), 0, c.mat(), c.ld)
				} else {
					SgemmWith(o, false, false, m, n, k, 1, a.mat(), a.ld, b.mat(), b.ld, 0, c.mat(), c.ld)
				}
				c.checkGuards(t, "epilogue")
				for i := range m {
					for j := range n {
						bv := bias[j]
						if perRow {
							bv = bias[i]
						}
						x := want[i*n+j] + float64(bv) + float64(*res.at(i, j))
						w := refAct(act, float64(ep.Alpha), float64(ep.Beta), x)
						// Activations have slope ≤ 1.2, so the GEMM bound carries over.
						if g := float64(*c.at(i, j)); math.Abs(g-w) > 1.2e-5*scale[i*n+j]+1e-6*(1+math.Abs(w)) {
							t.Fatalf("act %d packed %v %dx%dx%d: c[%d,%d] = %v, want %v", act, packed, m, n, k, i, j, g, w)
						}
					}
				}
			}
		}
	})
}
