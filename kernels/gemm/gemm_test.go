package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sinter-ml/sinter/internal/cpu"
	"github.com/sinter-ml/sinter/kernels/parallel"
)

// sentinel marks guard and gap elements that must never be written.
const sentinel = float32(-7.25e17)

// guarded is a rows×cols matrix with row stride ld inside a buffer padded by
// guard elements on both sides; every element outside the matrix holds the
// sentinel.
type guarded struct {
	buf            []float32
	rows, cols, ld int
}

const guard = 67

func newGuarded(rows, cols, ld int) *guarded {
	n := 0
	if rows > 0 {
		n = (rows-1)*ld + cols
	}
	g := &guarded{buf: make([]float32, n+2*guard), rows: rows, cols: cols, ld: ld}
	for i := range g.buf {
		g.buf[i] = sentinel
	}
	return g
}

func (g *guarded) mat() []float32 { return g.buf[guard : len(g.buf)-guard] }

func (g *guarded) at(i, j int) *float32 { return &g.buf[guard+i*g.ld+j] }

func (g *guarded) inside(idx int) bool {
	idx -= guard
	if idx < 0 || idx >= len(g.buf)-2*guard {
		return false
	}
	return idx%g.ld < g.cols
}

// checkGuards reports writes outside the matrix.
func (g *guarded) checkGuards(t *testing.T, what string) {
	t.Helper()
	for i, v := range g.buf {
		if !g.inside(i) && v != sentinel && !(math.IsNaN(float64(v)) && math.IsNaN(float64(sentinel))) {
			t.Fatalf("%s: element %d outside the matrix written (%v)", what, i-guard, v)
		}
	}
}

func randMat(rng *rand.Rand, rows, cols, ld int) *guarded {
	g := newGuarded(rows, cols, ld)
	for i := range rows {
		for j := range cols {
			*g.at(i, j) = float32(rng.NormFloat64())
		}
	}
	return g
}

// refGemm computes alpha·op(A)·op(B)+beta·C and, per element, the scale
// Σ|alpha·a·b| + |beta·c| that bounds float32 rounding, in float64.
func refGemm(tA, tB bool, m, n, k int, alpha float64, a *guarded, b *guarded, beta float64, c *guarded) (want, scale []float64) {
	want = make([]float64, m*n)
	scale = make([]float64, m*n)
	for i := range m {
		for j := range n {
			var s, abs float64
			for p := range k {
				var av, bv float64
				if tA {
					av = float64(*a.at(p, i))
				} else {
					av = float64(*a.at(i, p))
				}
				if tB {
					bv = float64(*b.at(j, p))
				} else {
					bv = float64(*b.at(p, j))
				}
				s += av * bv
				abs += math.Abs(av * bv)
			}
			s *= alpha
			abs *= math.Abs(alpha)
			if beta != 0 {
				cv := float64(*c.at(i, j))
				s += beta * cv
				abs += math.Abs(beta * cv)
			}
			want[i*n+j], scale[i*n+j] = s, abs
		}
	}
	return want, scale
}

// forEachTier runs f with every kernel this machine supports in force: the
// generic one and each assembly family.
func forEachTier(t *testing.T, f func(t *testing.T)) {
	current() // size the blocks
	all := append([]*kernel{kernels[cpu.Generic]}, asmKernels...)
	for _, k := range all {
		if !cpu.Supported(k.tier) {
			t.Logf("%s: not supported here", k.name)
			continue
		}
		t.Run(k.name, func(t *testing.T) {
			testKernel = k
			defer func() { testKernel = nil }()
			f(t)
		})
	}
}

// sizes include the awkward ones: 1, primes, one past and one short of
// every power of two a tile or block could be.
var sizes = []int{1, 2, 3, 7, 12, 17, 31, 33, 64, 65, 127}

func TestRowKernelsMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	forEachTier(t, func(t *testing.T) {
		kern := current()
		for r := 1; r <= kern.mr; r++ {
			for _, k := range []int{0, 1, 2, 3, 5, 8, 17, 64, 255} {
				for _, flags := range []int{0, flagAccumulate} {
					ldb := kern.nr + rng.IntN(3)
					ldc := kern.nr + rng.IntN(5)
					a := make([]float32, k*r)
					for i := range a {
						a[i] = float32(rng.NormFloat64())
					}
					b := randMat(rng, max(k, 1), kern.nr, ldb)
					got := randMat(rng, r, kern.nr, ldc)
					want := make([]float32, len(got.buf))
					copy(want, got.buf)
					var ap *float32
					if len(a) > 0 {
						ap = &a[0]
					} else {
						ap = new(float32)
					}
					kern.rows[r](k, ap, &b.mat()[0], ldb, &got.mat()[0], ldc, flags)
					refKernel(r, kern.nr, k, a, b.mat(), ldb, want[guard:len(want)-guard], ldc, flags)
					got.checkGuards(t, fmt.Sprintf("r=%d k=%d", r, k))
					for i := range r {
						for j := range kern.nr {
							g, w := *got.at(i, j), want[guard+i*ldc+j]
							// Both are fused chains; allow for double rounding in the reference.
							if d := math.Abs(float64(g - w)); d > 1e-6*(1+math.Abs(float64(w)))*math.Sqrt(float64(k+1)) {
								t.Fatalf("%s r=%d k=%d flags=%d: c[%d,%d] = %v, reference %v", kern.name, r, k, flags, i, j, g, w)
							}
						}
					}
				}
			}
		}
	})
}

type gemmCase struct {
	tA, tB      bool
	m, n, k     int
	alpha, beta float32
	pad         int // extra stride
}

func (c gemmCase) String() string {
	return fmt.Sprintf("tA=%v tB=%v %dx%dx%d alpha=%v beta=%v pad=%d", c.tA, c.tB, c.m, c.n, c.k, c.alpha, c.beta, c.pad)
}

// runCase checks one multiply (optionally with pre-packed B) against the
// float64 reference and the guards.
func runCase(t *testing.T, rng *rand.Rand, tc gemmCase, pool *parallel.Pool, packed bool) []float32 {
	t.Helper()
	ar, ac := tc.m, tc.k
	if tc.tA {
		ar, ac = ac, ar
	}
	br, bc := tc.k, tc.n
	if tc.tB {
		br, bc = bc, br
	}
	a := randMat(rng, ar, ac, ac+tc.pad)
	b := randMat(rng, br, bc, bc+tc.pad)
	c := randMat(rng, tc.m, tc.n, tc.n+tc.pad)
	if tc.beta == 0 {
		for i := range tc.m {
			for j := range tc.n {
				*c.at(i, j) = float32(math.NaN()) // must not propagate
			}
		}
	}
	want, scale := refGemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, float64(tc.alpha), a, b, float64(tc.beta), c)
	if packed {
		pb := PackB(tc.tB, tc.k, tc.n, b.mat(), b.ld)
		SgemmPacked(Options{Pool: pool}, tc.tA, tc.m, tc.alpha, a.mat(), a.ld, pb, tc.beta, c.mat(), c.ld)
	} else {
		SgemmWith(Options{Pool: pool}, tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a.mat(), a.ld, b.mat(), b.ld, tc.beta, c.mat(), c.ld)
	}
	c.checkGuards(t, tc.String())
	a.checkGuards(t, "A")
	b.checkGuards(t, "B")
	out := make([]float32, tc.m*tc.n)
	for i := range tc.m {
		for j := range tc.n {
			g := float64(*c.at(i, j))
			w := want[i*tc.n+j]
			if math.IsNaN(g) || math.Abs(g-w) > 1e-5*scale[i*tc.n+j]+1e-30 {
				t.Fatalf("%v: c[%d,%d] = %v, want %v (scale %v)", tc, i, j, g, w, scale[i*tc.n+j])
			}
			out[i*tc.n+j] = float32(g)
		}
	}
	return out
}

func TestSgemmShapes(t *testing.T) {
	pool := parallel.New(parallel.Options{Threads: 2})
	defer pool.Close()
	forEachTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, m := range sizes {
			for _, n := range sizes {
				tc := gemmCase{m: m, n: n, k: sizes[rng.IntN(len(sizes))], alpha: 1, beta: 0, pad: rng.IntN(3)}
				tc.tA, tc.tB = rng.IntN(2) == 0, rng.IntN(2) == 0
				switch rng.IntN(4) {
				case 1:
					tc.beta = 1
				case 2:
					tc.alpha, tc.beta = -0.5, 0.25
				}
				runCase(t, rng, tc, pool, rng.IntN(3) == 0)
			}
		}
	})
}

func TestSgemmLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large shapes")
	}
	pool := parallel.New(parallel.Options{Threads: 2})
	defer pool.Close()
	forEachTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, tc := range []gemmCase{
			{m: 255, n: 1023, k: 33, alpha: 1},
			{m: 33, n: 255, k: 1023, alpha: 1, beta: 1, tB: true},
			{m: 1, n: 768, k: 768, alpha: 1},
			{m: 300, n: 77, k: 600, alpha: 2, beta: -1, tA: true, pad: 5},
			{m: 129, n: 257, k: 513, alpha: 1, tA: true, tB: true},
		} {
			runCase(t, rng, tc, pool, false)
			runCase(t, rng, tc, pool, true)
		}
	})
}

func TestSgemmZeroSizes(t *testing.T) {
	c := []float32{1, 2, 3, 4}
	Sgemm(false, false, 2, 2, 0, 1, nil, 0, nil, 2, 3, c, 2)
	for i, v := range []float32{3, 6, 9, 12} {
		if c[i] != v {
			t.Fatalf("k=0: c = %v", c)
		}
	}
	Sgemm(false, false, 0, 2, 3, 1, nil, 3, make([]float32, 6), 2, 0, nil, 2)
	Sgemm(false, false, 2, 0, 3, 1, make([]float32, 6), 3, nil, 0, 0, nil, 0)
}

func TestSgemmPanicsOnShortSlices(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	Sgemm(false, false, 4, 4, 4, 1, make([]float32, 15), 4, make([]float32, 16), 4, 0, make([]float32, 16), 4)
}

// Results must be bitwise identical for any number of threads.
func TestSgemmThreadInvariance(t *testing.T) {
	forEachTier(t, func(t *testing.T) {
		for _, tc := range []gemmCase{
			{m: 200, n: 300, k: 700, alpha: 1},
			{m: 1, n: 1000, k: 300, alpha: 1},
			{m: 97, n: 33, k: 1500, alpha: 1, tB: true},
		} {
			var first []float32
			for _, threads := range []int{1, 2, 3, 7} {
				pool := parallel.New(parallel.Options{Threads: threads})
				got := runCase(t, rand.New(rand.NewPCG(7, 8)), tc, pool, false)
				pool.Close()
				if first == nil {
					first = got
					continue
				}
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(first[i]) {
						t.Fatalf("%v: %d threads differ at %d: %v vs %v", tc, threads, i, got[i], first[i])
					}
				}
			}
		}
	})
}

// The acceptance criterion: normwise relative error ≤ 1e-5 on N(0,1) data.
func TestSgemmRelativeError(t *testing.T) {
	forEachTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(9, 10))
		m, n, k := 96, 160, 1024
		if testing.Short() {
			k = 256
		}
		a, b, c := randMat(rng, m, k, k), randMat(rng, k, n, n), newGuarded(m, n, n)
		want, _ := refGemm(false, false, m, n, k, 1, a, b, 0, c)
		Sgemm(false, false, m, n, k, 1, a.mat(), k, b.mat(), n, 0, c.mat(), n)
		var num, den float64
		for i := range m {
			for j := range n {
				d := float64(*c.at(i, j)) - want[i*n+j]
				num += d * d
				den += want[i*n+j] * want[i*n+j]
			}
		}
		if rel := math.Sqrt(num / den); rel > 1e-5 {
			t.Fatalf("relative error %g", rel)
		} else {
			t.Logf("%s: relative error %.3g", KernelName(), rel)
		}
	})
}

// The wide single-row kernel must agree bit for bit with rows[1].
func TestWideKernelMatchesRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	forEachTier(t, func(t *testing.T) {
		kern := current()
		if kern.wide == nil {
			t.Skip("no wide kernel")
		}
		nr := kern.nr
		for _, k := range []int{0, 1, 7, 300} {
			for _, flags := range []int{0, flagAccumulate} {
				sstride := nr*k + 5
				a := make([]float32, k+1)
				for i := range a {
					a[i] = float32(rng.NormFloat64())
				}
				b := make([]float32, wideStrips*sstride+nr*(k+1))
				for i := range b {
					b[i] = float32(rng.NormFloat64())
				}
				got := newGuarded(1, wideStrips*nr, wideStrips*nr)
				want := make([]float32, wideStrips*nr)
				for i := range want {
					want[i] = float32(rng.NormFloat64())
					*got.at(0, i) = want[i]
				}
				kern.wide(k, &a[0], &b[0], nr, &got.mat()[0], sstride, flags)
				for st := range wideStrips {
					kern.rows[1](k, &a[0], &b[st*sstride], nr, &want[st*nr], nr, flags)
				}
				got.checkGuards(t, "wide")
				for i, w := range want {
					if g := *got.at(0, i); math.Float32bits(g) != math.Float32bits(w) {
						t.Fatalf("k=%d flags=%d: col %d: wide %v, rows[1] %v", k, flags, i, g, w)
					}
				}
			}
		}
	})
}

func TestSgemmPackedA(t *testing.T) {
	pool := parallel.New(parallel.Options{Threads: 2})
	defer pool.Close()
	forEachTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(15, 16))
		for _, tc := range []gemmCase{
			{m: 1, n: 7, k: 3, alpha: 1},
			{m: 33, n: 17, k: 600, alpha: 0.5, beta: 1, tA: true},
			{m: 100, n: 300, k: 257, alpha: 1, tB: true},
			{m: 300, n: 40, k: 129, alpha: -2, beta: 0.5, pad: 3},
		} {
			ar, ac := tc.m, tc.k
			if tc.tA {
				ar, ac = ac, ar
			}
			br, bc := tc.k, tc.n
			if tc.tB {
				br, bc = bc, br
			}
			a, b := randMat(rng, ar, ac, ac+tc.pad), randMat(rng, br, bc, bc+tc.pad)
			c := randMat(rng, tc.m, tc.n, tc.n+tc.pad)
			want, scale := refGemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, float64(tc.alpha), a, b, float64(tc.beta), c)
			pa := PackA(tc.tA, tc.m, tc.k, tc.alpha, a.mat(), a.ld)
			SgemmPackedA(Options{Pool: pool}, pa, tc.tB, tc.n, b.mat(), b.ld, nil, tc.beta, c.mat(), c.ld)
			c.checkGuards(t, tc.String())
			for i := range tc.m {
				for j := range tc.n {
					if g := float64(*c.at(i, j)); math.Abs(g-want[i*tc.n+j]) > 1e-5*scale[i*tc.n+j] {
						t.Fatalf("%v: c[%d,%d] = %v, want %v", tc, i, j, g, want[i*tc.n+j])
					}
				}
			}
		}
	})
}
