package elementwise

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sinter-ml/sinter/internal/cpu"
)

const sentinel = float32(-1.25e-29)
const guard = 19

var lengths = []int{0, 1, 7, 8, 15, 16, 17, 33, 255, 256, 257, 1023}

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

// inputs returns n values: mostly N(0, scale), with special values mixed in.
func inputs(rng *rand.Rand, n int, scale float64) []float32 {
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
		-87.3, -87.4, 88.3, -100, 100, 1e-8, -1e-8, 0.125, -0.125, 0.6931472, 1e-30}
	x := make([]float32, n)
	for i := range x {
		if rng.IntN(8) == 0 {
			x[i] = specials[rng.IntN(len(specials))]
		} else {
			x[i] = float32(rng.NormFloat64() * scale)
		}
	}
	return x
}

func guarded(n int) (buf, dst []float32) {
	buf = make([]float32, n+2*guard)
	for i := range buf {
		buf[i] = sentinel
	}
	return buf, buf[guard : guard+n]
}

func checkGuards(t *testing.T, buf []float32, n int) {
	t.Helper()
	for i := range guard {
		if buf[i] != sentinel || buf[guard+n+i] != sentinel {
			t.Fatal("write outside dst")
		}
	}
}

// close reports whether got is within rel (relative) or abs of want,
// NaN-aware.
func close(got float32, want float64, rel, abs float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(float64(got))
	}
	if math.IsInf(want, 0) {
		return float64(got) == want
	}
	return math.Abs(float64(got)-want) <= rel*math.Abs(want)+abs
}

func refExp(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return x
	case x < expLo:
		return 0
	case x > expHi:
		return math.Exp(float64(float32(expHi)))
	}
	return math.Exp(x)
}

type unary struct {
	name     string
	f        func(dst, x []float32)
	ref      func(float64) float64
	rel, abs float64
	scale    float64
}

var unaries = []unary{
	{"Exp", Exp, refExp, 3e-7, 0, 30},
	{"Sigmoid", Sigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, 1e-6, 1e-7, 8},
	{"Tanh", Tanh, math.Tanh, 2e-6, 1e-7, 3},
	{"Erf", Erf, math.Erf, 2e-7, 4e-7, 2},
	{"Gelu", Gelu, func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }, 1e-6, 3e-7, 3},
	{"Relu", Relu, func(x float64) float64 { return math.Max(x, 0) }, 0, 0, 1},
}

func TestUnary(t *testing.T) {
	forEachTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, u := range unaries {
			for _, n := range lengths {
				x := inputs(rng, n, u.scale)
				buf, dst := guarded(n)
				u.f(dst, x)
				checkGuards(t, buf, n)
				for i, v := range x {
					want := u.ref(float64(v))
					if u.name == "Relu" && math.IsNaN(float64(v)) {
						continue // max(NaN, 0) is NaN either way
					}
					if !close(dst[i], want, u.rel, u.abs) {
						t.Fatalf("%s n=%d: f(%v) = %v, want %v", u.name, n, v, dst[i], want)
					}
				}
				// In place gives the same.
				y := append([]float32(nil), x...)
				u.f(y, y)
				for i := range y {
					if math.Float32bits(y[i]) != math.Float32bits(dst[i]) && !(y[i] != y[i] && dst[i] != dst[i]) {
						t.Fatalf("%s in place differs at %d", u.name, i)
					}
				}
			}
		}
	})
}

// The assembly exp must agree with its Go twin to 2 ulp.
func TestExpMatchesTwin(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := inputs(rng, 4096, 40)
	want := make([]float32, len(x))
	wsum := expShiftSumGo(want, x, 0.5)
	forEachTier(t, func(t *testing.T) {
		got := make([]float32, len(x))
		gsum := expShiftSum(got, x, 0.5)
		for i := range x {
			g, w := got[i], want[i]
			if g != g && w != w {
				continue
			}
			if d := int64(math.Float32bits(g)) - int64(math.Float32bits(w)); d > 2 || d < -2 {
				t.Fatalf("exp(%v-0.5): %v vs twin %v", x[i], g, w)
			}
		}
		if !(gsum != gsum && wsum != wsum) && !close(gsum, float64(wsum), 1e-5, 0) {
			t.Fatalf("sum %v vs twin %v", gsum, wsum)
		}
	})
}

func TestSoftmax(t *testing.T) {
	forEachTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, n := range lengths[1:] {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(rng.NormFloat64() * 10)
			}
			buf, dst := guarded(n)
			Softmax(dst, x)
			checkGuards(t, buf, n)
			lbuf, ldst := guarded(n)
			LogSoftmax(ldst, x)
			checkGuards(t, lbuf, n)
			m := math.Inf(-1)
			for _, v := range x {
				m = math.Max(m, float64(v))
			}
			var s float64
			for _, v := range x {
				s += math.Exp(float64(v) - m)
			}
			for i, v := range x {
				want := math.Exp(float64(v)-m) / s
				// x − max is rounded to float32: relative error up to ulp(x − max).
				if !close(dst[i], want, 2e-6+1.2e-7*math.Abs(float64(v)-m), 1e-30) {
					t.Fatalf("softmax n=%d [%d] = %v, want %v", n, i, dst[i], want)
				}
				lw := float64(v) - m - math.Log(s)
				if !close(ldst[i], lw, 1e-6, 2e-6) {
					t.Fatalf("logsoftmax n=%d [%d] = %v, want %v", n, i, ldst[i], lw)
				}
			}
		}
		inf := float32(math.Inf(-1))
		d := make([]float32, 3)
		Softmax(d, []float32{inf, 0, inf})
		if d[0] != 0 || d[1] != 1 || d[2] != 0 {
			t.Fatalf("softmax with -Inf: %v", d)
		}
		Softmax(d, []float32{inf, inf, inf})
		if d[0] == d[0] {
			t.Fatalf("softmax of all -Inf: %v", d)
		}
	})
}

func TestLayerNormAndReductions(t *testing.T) {
	forEachTier(t, testLayerNormAndReductions)
}

func testLayerNormAndReductions(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range lengths[1:] {
		x, g, b := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64()*3 + 5)
			g[i] = float32(rng.NormFloat64())
			b[i] = float32(rng.NormFloat64())
		}
		var s, mx, mn float64 = 0, math.Inf(-1), math.Inf(1)
		for _, v := range x {
			s += float64(v)
			mx = math.Max(mx, float64(v))
			mn = math.Min(mn, float64(v))
		}
		mean := s / float64(n)
		var q float64
		for _, v := range x {
			q += (float64(v) - mean) * (float64(v) - mean)
		}
		inv := 1 / math.Sqrt(q/float64(n)+1e-5)
		buf, dst := guarded(n)
		LayerNorm(dst, x, g, b, 1e-5)
		checkGuards(t, buf, n)
		for i, v := range x {
			want := (float64(v)-mean)*inv*float64(g[i]) + float64(b[i])
			if !close(dst[i], want, 1e-5, 1e-5) {
				t.Fatalf("layernorm n=%d [%d] = %v, want %v", n, i, dst[i], want)
			}
		}
		if !close(Sum(x), s, 1e-6*math.Sqrt(float64(n)), 1e-5) || !close(Mean(x), mean, 1e-5, 1e-6) ||
			Max(x) != float32(mx) || Min(x) != float32(mn) {
			t.Fatalf("n=%d: sum %v/%v mean %v/%v max %v/%v min %v/%v", n, Sum(x), s, Mean(x), mean, Max(x), mx, Min(x), mn)
		}
	}
	for _, n := range []int{5, 16, 40} {
		for pos := range n {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(i)
			}
			x[pos] = float32(math.NaN())
			if m := Max(x); m == m {
				t.Fatalf("Max ignores NaN at %d of %d: %v", pos, n, m)
			}
		}
	}
	x := make([]float32, 35)
	for i := range x {
		x[i] = float32(math.Inf(-1))
	}
	x[33] = -5
	if Max(x) != -5 {
		t.Fatalf("Max = %v", Max(x))
	}
}

func BenchmarkActivations(b *testing.B) {
	x := inputs(rand.New(rand.NewPCG(1, 1)), 4096, 2)
	for i := range x {
		if x[i] != x[i] || math.IsInf(float64(x[i]), 0) {
			x[i] = 0.5
		}
	}
	dst := make([]float32, len(x))
	for _, tier := range cpu.Tiers() {
		for _, u := range append(unaries, unary{name: "Softmax", f: Softmax}) {
			b.Run(fmt.Sprintf("%s/%s", u.name, tier), func(b *testing.B) {
				_ = cpu.SetTier(tier)
				defer cpu.Reset()
				for b.Loop() {
					u.f(dst, x)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(x)), "ns/elem")
			})
		}
	}
}

func TestAxpy(t *testing.T) {
	forEachTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(9, 10))
		for _, n := range lengths {
			x := inputs(rng, n+3, 1)
			for i := range x {
				if x[i] != x[i] || math.IsInf(float64(x[i]), 0) {
					x[i] = 1
				}
			}
			buf, y := guarded(n)
			want := make([]float64, n)
			for i := range y {
				y[i] = float32(rng.NormFloat64())
				want[i] = float64(y[i]) + 0.75*float64(x[i])
			}
			Axpy(0.75, x, y)
			checkGuards(t, buf, n)
			for i := range y {
				if !close(y[i], want[i], 1.2e-7, 1e-37) && math.Abs(float64(y[i])-want[i]) > 1.2e-7*(math.Abs(float64(x[i]))+math.Abs(want[i])) {
					t.Fatalf("n=%d: y[%d] = %v, want %v", n, i, y[i], want[i])
				}
			}
		}
	})
}

func TestBinary(t *testing.T) {
	ops := []struct {
		op Op
		f  func(a, b float64) float64
	}{
		{OpAdd, func(a, b float64) float64 { return a + b }},
		{OpSub, func(a, b float64) float64 { return a - b }},
		{OpMul, func(a, b float64) float64 { return a * b }},
		{OpDiv, func(a, b float64) float64 { return a / b }},
	}
	forEachTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(11, 12))
		for _, o := range ops {
			for _, n := range lengths {
				a, b := inputs(rng, n, 3), inputs(rng, n, 3)
				buf, dst := guarded(n)
				Binary(o.op, dst, a, b)
				checkGuards(t, buf, n)
				for i := range dst {
					// float32 op is the float64 op rounded once.
					if w := float32(o.f(float64(a[i]), float64(b[i]))); math.Float32bits(w) != math.Float32bits(dst[i]) && !(w != w && dst[i] != dst[i]) {
						t.Fatalf("op %d n=%d: %v, %v -> %v, want %v", o.op, n, a[i], b[i], dst[i], w)
					}
				}
				// Broadcast forms agree with the same-shape op.
				if n > 0 && n%3 == 0 {
					row := b[:n/3]
					BinaryRows(o.op, dst, a, row)
					for i := range dst {
						w := float32(o.f(float64(a[i]), float64(row[i%(n/3)])))
						if math.Float32bits(w) != math.Float32bits(dst[i]) && !(w != w && dst[i] != dst[i]) {
							t.Fatalf("rows op %d: [%d] %v want %v", o.op, i, dst[i], w)
						}
					}
					col := b[:3]
					BinaryCols(o.op, dst, a, col)
					for i := range dst {
						w := float32(o.f(float64(a[i]), float64(col[i/(n/3)])))
						if math.Float32bits(w) != math.Float32bits(dst[i]) && !(w != w && dst[i] != dst[i]) {
							t.Fatalf("cols op %d: [%d] %v want %v", o.op, i, dst[i], w)
						}
					}
				}
			}
		}
	})
}
