package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// epiActCases are the activations of the one-pass finishes, with Clip
// bounds the kernels take and one they leave to Go.
var epiActCases = []actCase{
	{ActNone, 0, 0}, {ActRelu, 0, 0}, {ActClip, 0, 6}, {ActClip, -1, negZero}, {ActLeakyRelu, 0.1, 0},
	{ActHardSigmoid, 0.2, 0.5}, {ActHardSwish, 0, 0},
}

// TestEpilogueFastBitwise checks the one-pass bias and activation finishes
// (vector and Go parts) against Epilogue.apply bit for bit, with -0, NaN
// and ±Inf mixed in, for both bias layouts and widths around the vector
// length, on every CPU tier.
func TestEpilogueFastBitwise(t *testing.T) {
	forEachCPUTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
		val := func() float32 {
			if rng.IntN(8) == 0 {
				return special[rng.IntN(len(special))]
			}
			return float32(rng.NormFloat64())
		}
		for _, n := range []int{1, 7, 8, 9, 16, 31, 32, 33, 128, 130} {
			for _, m := range []int{1, 3, 12} {
				for _, ac := range epiActCases {
					act := ac.act
					for mode := range 3 {
						ldc := n + rng.IntN(3)
						c := make([]float32, m*ldc)
						for i := range c {
							c[i] = val()
						}
						want := append([]float32(nil), c...)
						ep := &Epilogue{Act: act, Alpha: ac.alpha, Beta: ac.beta}
						if mode > 0 {
							ep.Bias = make([]float32, max(m, n))
							for i := range ep.Bias {
								ep.Bias[i] = val()
							}
							ep.BiasPerRow = mode == 2
						}
						for i := range m {
							ep.apply(want[i*ldc:i*ldc+n], i, 0)
						}
						pr := &problem{m: m, n: n, c: c, ldc: ldc, ep: ep}
						pr.finish(0, m, 0, n)
						for i := range c {
							g, w := c[i], want[i]
							if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
								t.Fatalf("n %d m %d act %d mode %d: c[%d] = %v (%#x), want %v (%#x)", n, m, act, mode, i, g, math.Float32bits(g), w, math.Float32bits(w))
							}
						}
					}
				}
			}
		}
	})
}
