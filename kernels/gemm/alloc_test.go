package gemm

import (
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"testing"

	"github.com/sinter-ml/sinter/kernels/parallel"
)

// matPacker is a BPacker over a row-major k×n matrix: SgemmSource with it
// computes what SgemmWith computes with that B.
type matPacker struct {
	b  []float32
	ld int
}

func (s *matPacker) PackB(dst []float32, p0, kc, j0, n, nr int) {
	packB(dst, false, s.b, s.ld, p0, kc, j0, n, nr)
}

// allocShapes reach each path of run: one row (wide kernel), B read
// directly, B packed per task, edge tiles (all on one thread), and at two
// threads tiles split along N or M, with or without the shared operand (A
// or B) packed once for all tasks.
var allocShapes = []struct {
	m, n, k int
	split   int // what run does at two threads: 0 one task, 1 split, 2 split sharing a packed operand
}{
	{1, 40, 30, 0}, {1, 300, 64, 0}, {5, 70, 33, 0}, {30, 70, 40, 0},
	{20, 200, 1100, 1}, {200, 20, 1100, 1}, {40, 64, 1700, 2}, {64, 40, 1700, 2},
}

// options returns Options with pool p and, if with, epilogue ep.
func options(p *parallel.Pool, ep *Epilogue, with bool) Options {
	if !with {
		ep = nil
	}
	return Options{Pool: p, Epilogue: ep}
}

// allocEpilogues are the epilogues of TestSgemmAllocatesNothing: none, and
// a bias with each activation (one also with a residual).
func allocEpilogues() []*Epilogue {
	eps := []*Epilogue{nil}
	for act := ActNone; act <= ActHardSwish; act++ {
		eps = append(eps, &Epilogue{Act: act, Alpha: -0.5, Beta: 2})
	}
	return append(eps, &Epilogue{Act: ActGeluTanh, BiasPerRow: true})
}

// TestSgemmAllocatesNothing holds every entry point, with and without each
// epilogue, at one and two threads, to zero allocations per call once warm
// (the epilogue taken by address from a variable of the calling function,
// as callers do).
func TestSgemmAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	// A collection empties the sync.Pools, whose refilling would count.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	pools := []*parallel.Pool{parallel.New(parallel.Options{Threads: 1}), parallel.New(parallel.Options{Threads: 2})}
	for _, p := range pools {
		defer p.Close()
	}
	rng := rand.New(rand.NewPCG(31, 32))
	for _, s := range allocShapes {
		m, n, k := s.m, s.n, s.k
		a := actValues(rng, m*k)
		b := actValues(rng, k*n)
		c := make([]float32, m*n)
		res := actValues(rng, m*n)
		bias := actValues(rng, max(m, n))
		pb := PackB(false, k, n, b, n)
		pa := PackA(false, m, k, 1, a, k)
		src := &matPacker{b, n}
		for _, p := range pools {
			// The epilogues do not depend on the split: all are tried on
			// one task. The splits are the same Go on every architecture,
			// and slow under an emulator: -short leaves them out.
			eps := allocEpilogues()
			if s.split > 0 {
				if testing.Short() {
					continue
				}
				eps = []*Epilogue{nil, eps[len(eps)-1]}
			}
			for _, e := range eps {
				// Each call takes its epilogue by value and passes its address,
				// as a caller does with a variable of its own.
				with := e != nil
				calls := []struct {
					name string
					f    func(ep Epilogue)
				}{
					{"SgemmWith", func(ep Epilogue) {
						SgemmWith(options(p, &ep, with), false, false, m, n, k, 1, a, k, b, n, 0, c, n)
					}},
					{"SgemmWith/transB", func(ep Epilogue) {
						SgemmWith(options(p, &ep, with), true, true, m, n, k, 1, a, m, b, k, 1, c, n)
					}},
					{"SgemmPacked", func(ep Epilogue) {
						SgemmPacked(options(p, &ep, with), false, m, 1, a, k, pb, 0.5, c, n)
					}},
					{"SgemmSource", func(ep Epilogue) {
						SgemmSource(options(p, &ep, with), false, m, n, k, 1, a, k, src, 0, c, n)
					}},
					{"SgemmPackedA", func(ep Epilogue) {
						SgemmPackedA(options(p, &ep, with), pa, false, n, b, n, nil, 0, c, n)
					}},
					{"SgemmPackedA/source", func(ep Epilogue) {
						SgemmPackedA(options(p, &ep, with), pa, false, n, nil, 0, src, 0, c, n)
					}},
				}
				for _, call := range calls {
					var ep Epilogue
					if e != nil {
						ep = *e
						ep.Bias = bias
						if e.BiasPerRow {
							ep.Residual, ep.LDR = res, n
						}
					}
					run := func() { call.f(ep) }
					for range 2 {
						run() // fill the pools on every P
					}
					// AllocsPerRun runs on one P, where objects left on the
					// other are out of reach: a pool may refill once (a few
					// allocations), which 20 runs round away.
					if allocs := testing.AllocsPerRun(20, run); allocs != 0 {
						act := "none"
						if e != nil {
							act = fmt.Sprint(e.Act)
						}
						t.Errorf("%s %d×%d×%d, %d threads, epilogue %s: %.1f allocations per call", call.name, m, n, k, p.Threads(), act, allocs)
					}
				}
			}
		}
	}
}

// TestActivateAllocatesNothing holds Activate to zero allocations on every
// tier (GeluTanh keeps its scratch on the stack).
func TestActivateAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	forEachCPUTier(t, func(t *testing.T) {
		x := actValues(rand.New(rand.NewPCG(35, 36)), 1000)
		for act := ActNone; act <= ActHardSwish; act++ {
			if allocs := testing.AllocsPerRun(10, func() { Activate(act, -0.5, 2, x) }); allocs != 0 {
				t.Errorf("activation %d: %.1f allocations per call", act, allocs)
			}
		}
	})
}

// TestSgemmSourceMatchesSgemm checks that B given by a BPacker, or A packed
// beforehand, gives the bits of the plain multiply.
func TestSgemmSourceMatchesSgemm(t *testing.T) {
	pool := parallel.New(parallel.Options{Threads: 2})
	defer pool.Close()
	forEachTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(33, 34))
		for _, s := range allocShapes {
			m, n, k := s.m, s.n, s.k
			a := actValues(rng, m*k)
			b := actValues(rng, k*n)
			for i := range a {
				a[i] = min(max(a[i], -10), 10) // no NaN or Inf in the sums
			}
			for i := range b {
				b[i] = min(max(b[i], -10), 10)
			}
			eps := allocEpilogues()
			if s.split > 0 {
				eps = []*Epilogue{nil, eps[len(eps)-1]}
			}
			for _, e := range eps {
				if e != nil {
					e.Bias = actValues(rng, max(m, n))
					if e.BiasPerRow {
						e.Residual, e.LDR = actValues(rng, m*n), n
					}
				}
				want := make([]float32, m*n)
				SgemmWith(Options{Pool: pool, Epilogue: e}, false, false, m, n, k, 1, a, k, b, n, 0, want, n)
				got := make([]float32, m*n)
				SgemmSource(Options{Pool: pool, Epilogue: e}, false, m, n, k, 1, a, k, &matPacker{b, n}, 0, got, n)
				gotA := make([]float32, m*n)
				SgemmPackedA(Options{Pool: pool, Epilogue: e}, PackA(false, m, k, 1, a, k), false, n, nil, 0, &matPacker{b, n}, 0, gotA, n)
				for i := range want {
					if !sameBits(got[i], want[i]) || !sameBits(gotA[i], want[i]) {
						t.Fatalf("%d×%d×%d: c[%d]: source %v, packed A %v, want %v", m, n, k, i, got[i], gotA[i], want[i])
					}
				}
			}
		}
	})
}
