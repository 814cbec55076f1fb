package elementwise

import (
	"math/rand/v2"
	"testing"
)

// TestAllocatesNothing holds the exp-based functions and the row kernels to
// zero allocations per call on every tier, at lengths with and without a
// vector tail and past the Go twins' stack chunk.
func TestAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	forEachTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(51, 52))
		for _, n := range []int{3, 16, 1000, 1031} {
			x := inputs(rng, n, 3)
			dst := make([]float32, n)
			gamma, beta := inputs(rng, n, 1), inputs(rng, n, 1)
			for _, c := range []struct {
				name string
				f    func()
			}{
				{"Exp", func() { Exp(dst, x) }},
				{"Sigmoid", func() { Sigmoid(dst, x) }},
				{"Tanh", func() { Tanh(dst, x) }},
				{"Erf", func() { Erf(dst, x) }},
				{"Gelu", func() { Gelu(dst, x) }},
				{"Softmax", func() { Softmax(dst, x) }},
				{"LogSoftmax", func() { LogSoftmax(dst, x) }},
				{"LayerNorm", func() { LayerNorm(dst, x, gamma, beta, 1e-5) }},
			} {
				if allocs := testing.AllocsPerRun(10, c.f); allocs != 0 {
					t.Errorf("%s of %d: %.1f allocations per call", c.name, n, allocs)
				}
			}
		}
	})
}

// TestActivationsKeepStackScratch checks that the exp-based functions do
// not move their arguments to the heap: gemm passes Tanh a stack array.
func TestActivationsKeepStackScratch(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	fill := func(x *[300]float32) {
		for i := range x {
			x[i] = float32(i%17) - 8
		}
	}
	forEachTier(t, func(t *testing.T) {
		// Each function is called directly: an argument passed through a
		// function value escapes whatever the callee does.
		for _, c := range []struct {
			name string
			f    func()
		}{
			{"Exp", func() { var x [300]float32; fill(&x); Exp(x[:], x[:]) }},
			{"Sigmoid", func() { var x [300]float32; fill(&x); Sigmoid(x[:], x[:]) }},
			{"Tanh", func() { var x [300]float32; fill(&x); Tanh(x[:], x[:]) }},
			{"Erf", func() { var x [300]float32; fill(&x); Erf(x[:], x[:]) }},
			{"Gelu", func() { var x [300]float32; fill(&x); Gelu(x[:], x[:]) }},
		} {
			if allocs := testing.AllocsPerRun(10, c.f); allocs != 0 {
				t.Errorf("%s: %.1f allocations per call on a stack array", c.name, allocs)
			}
		}
	})
}
