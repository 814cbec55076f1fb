package pool

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sinter-ml/sinter/internal/cpu"
)

const sentinel = float32(-1.25e-29)
const guard = 19

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

var negZero = float32(math.Copysign(0, -1))

// inputs returns n values drawn mostly from a small set, so that windows
// often hold ties, zeros of both signs, NaNs and infinities.
func inputs(rng *rand.Rand, n int) []float32 {
	specials := []float32{0, negZero, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 1, -1, 0.5}
	x := make([]float32, n)
	for i := range x {
		switch rng.IntN(4) {
		case 0:
			x[i] = specials[rng.IntN(len(specials))]
		case 1:
			x[i] = specials[rng.IntN(2)] // zeros: the sign rule
		default:
			x[i] = float32(rng.NormFloat64())
		}
	}
	return x
}

// geomFor resolves a pooling the way ops/nn does for explicit pads
// (floor or ceil_mode), or returns false when the op would reject it.
func geomFor(h, w, kh, kw, sh, sw, pt, pl, pb, pr int, ceil bool) (Geom, bool) {
	out := func(in, k, s, pb, pe int) (int, bool) {
		span := in + pb + pe - k
		if span < 0 {
			return 0, false
		}
		if !ceil {
			return span/s + 1, true
		}
		o := (span+s-1)/s + 1
		if (o-1)*s >= in+pb {
			o--
		}
		return o, true
	}
	oh, ok1 := out(h, kh, sh, pt, pb)
	ow, ok2 := out(w, kw, sw, pl, pr)
	return Geom{H: h, W: w, OH: oh, OW: ow, KH: kh, KW: kw, SH: sh, SW: sw, PadT: pt, PadL: pl, PadB: pb, PadR: pr}, ok1 && ok2
}

// taps lists the valid input taps of output (oh, ow) in row-major order,
// and the number of taps inside the padded extent.
func taps(g Geom, plane []float32, oh, ow int) (vals []float64, incl int) {
	inY, inX := 0, 0
	for ky := range g.KH {
		y := oh*g.SH - g.PadT + ky
		if y < g.H+g.PadB {
			inY++
		}
		for kx := range g.KW {
			x := ow*g.SW - g.PadL + kx
			if ky == 0 && x < g.W+g.PadR {
				inX++
			}
			if y >= 0 && y < g.H && x >= 0 && x < g.W {
				vals = append(vals, float64(plane[y*g.W+x]))
			}
		}
	}
	return vals, inY * inX
}

// refMax is Max's rule in float64: the first valid tap, replaced by each
// later one that compares greater; −Inf for no tap.
func refMax(vals []float64) float64 {
	if len(vals) == 0 {
		return math.Inf(-1)
	}
	best := vals[0]
	for _, v := range vals[1:] {
		if v > best {
			best = v
		}
	}
	return best
}

// refAvg returns the float64 mean and the float32 result of the op's own
// arithmetic (sum from +0 in row-major order, then one division).
func refAvg(vals []float64, incl int, includePad bool) (float64, float32) {
	var s64 float64
	var s32 float32
	for _, v := range vals {
		s64 += v
		s32 += float32(v)
	}
	div := len(vals)
	if includePad {
		div = incl
	}
	return s64 / float64(div), s32 / float32(div)
}

func sameBits(a, b float32) bool {
	if a != a || b != b {
		return a != a && b != b
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

type poolCase struct {
	name string
	g    Geom
}

// cases returns the named awkward geometries and a few hundred random ones.
func cases() []poolCase {
	var cs []poolCase
	add := func(name string, h, w, kh, kw, sh, sw, pt, pl, pb, pr int, ceil bool) {
		if g, ok := geomFor(h, w, kh, kw, sh, sw, pt, pl, pb, pr, ceil); ok {
			cs = append(cs, poolCase{name, g})
		}
	}
	add("1x1 k1", 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, false)
	add("1x1 k2 pad", 1, 1, 2, 2, 1, 1, 1, 1, 0, 0, false)
	add("1x1 k3 s2 p1", 1, 1, 3, 3, 2, 2, 1, 1, 1, 1, false)
	add("1x1 k3 s2 p1 ceil", 1, 1, 3, 3, 2, 2, 1, 1, 1, 1, true)
	add("resnet stem", 112, 112, 3, 3, 2, 2, 1, 1, 1, 1, false)
	add("resnet zoo", 32, 32, 3, 3, 2, 2, 1, 1, 1, 1, false)
	add("3x3 s1 p1", 17, 23, 3, 3, 1, 1, 1, 1, 1, 1, false)
	add("2x2 s2", 16, 16, 2, 2, 2, 2, 0, 0, 0, 0, false)
	add("2x2 s2 odd ceil", 15, 17, 2, 2, 2, 2, 0, 0, 0, 0, true)
	add("3x3 s2 odd ceil", 15, 33, 3, 3, 2, 2, 0, 0, 0, 0, true)
	add("pads over interior", 2, 3, 3, 3, 1, 1, 2, 2, 2, 2, false)
	add("pads bigger than kernel", 4, 5, 2, 2, 1, 1, 3, 3, 3, 3, false)
	add("stride over kernel", 19, 29, 2, 2, 3, 3, 0, 0, 0, 0, false)
	add("k1 s2", 9, 27, 1, 1, 2, 2, 0, 0, 0, 0, false)
	add("5x5 s1 p2", 12, 40, 5, 5, 1, 1, 2, 2, 2, 2, false)
	add("1x7", 5, 30, 1, 7, 1, 1, 0, 3, 0, 3, false)
	add("7x1", 30, 5, 7, 1, 1, 1, 3, 0, 3, 0, false)
	add("4x4 s2 asym pads", 21, 37, 4, 4, 2, 2, 1, 2, 2, 1, true)
	add("2x3 s1x2", 10, 41, 2, 3, 1, 2, 0, 1, 1, 0, false)
	// Interior runs of 7, 8, 9, 15, 16 and 17 outputs: the vector kernels'
	// lower bound and overlapping last block.
	for _, n := range []int{7, 8, 9, 15, 16, 17} {
		add(fmt.Sprintf("s1 interior %d", n), 3, n+2, 3, 3, 1, 1, 0, 0, 0, 0, false)
		add(fmt.Sprintf("s2 interior %d", n), 3, 2*n+1, 3, 3, 1, 2, 0, 0, 0, 0, false)
	}
	// Windows past the padded extent, beyond what ceil_mode gives.
	if g, ok := geomFor(6, 7, 3, 3, 2, 2, 1, 1, 1, 1, false); ok {
		g.OH += 2
		g.OW += 3
		cs = append(cs, poolCase{"outputs past the input", g})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; len(cs) < 400; i++ {
		k := func() int { return 1 + rng.IntN(5) }
		kh, kw := k(), k()
		p := func(k int) int { return rng.IntN(k + 2) }
		add(fmt.Sprintf("random %d", i), 1+rng.IntN(40), 1+rng.IntN(70), kh, kw, 1+rng.IntN(4), 1+rng.IntN(4),
			p(kh), p(kw), p(kh), p(kw), rng.IntN(2) == 0)
	}
	return cs
}

const planes = 3

func TestMax(t *testing.T) {
	forEachTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, c := range cases() {
			g := c.g
			src := inputs(rng, planes*g.H*g.W)
			n := planes * g.OH * g.OW
			buf, dst := guarded(n)
			Max(g, dst, src)
			checkGuards(t, buf, n)
			for p := range planes {
				plane := src[p*g.H*g.W : (p+1)*g.H*g.W]
				for oh := range g.OH {
					for ow := range g.OW {
						vals, _ := taps(g, plane, oh, ow)
						want := float32(refMax(vals))
						if got := dst[(p*g.OH+oh)*g.OW+ow]; !sameBits(got, want) {
							t.Fatalf("%s %+v: plane %d out (%d,%d) = %v, want %v (taps %v)", c.name, g, p, oh, ow, got, want, vals)
						}
					}
				}
			}
		}
	})
}

func TestAverage(t *testing.T) {
	forEachTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, c := range cases() {
			for _, includePad := range []bool{false, true} {
				g := c.g
				src := inputs(rng, planes*g.H*g.W)
				n := planes * g.OH * g.OW
				buf, dst := guarded(n)
				Average(g, dst, src, includePad)
				checkGuards(t, buf, n)
				for p := range planes {
					plane := src[p*g.H*g.W : (p+1)*g.H*g.W]
					for oh := range g.OH {
						for ow := range g.OW {
							vals, incl := taps(g, plane, oh, ow)
							want64, want32 := refAvg(vals, incl, includePad)
							got := dst[(p*g.OH+oh)*g.OW+ow]
							if !sameBits(got, want32) {
								t.Fatalf("%s %+v includePad=%v: plane %d out (%d,%d) = %v, want %v (the op's float32 arithmetic; taps %v)",
									c.name, g, includePad, p, oh, ow, got, want32, vals)
							}
							if !near(got, want64, vals) {
								t.Fatalf("%s %+v includePad=%v: plane %d out (%d,%d) = %v, float64 mean %v", c.name, g, includePad, p, oh, ow, got, want64)
							}
						}
					}
				}
			}
		}
	})
}

// near reports whether got is within float32 rounding of the float64 mean
// want of vals (NaN-aware; infinities exact).
func near(got float32, want float64, vals []float64) bool {
	if math.IsNaN(want) || math.IsInf(want, 0) {
		return sameBits(got, float32(want))
	}
	var mag float64
	for _, v := range vals {
		mag += math.Abs(v)
	}
	return math.Abs(float64(got)-want) <= 1e-6*mag+1e-30
}

func TestAverageZeroSign(t *testing.T) {
	// Σ from +0: a window of −0s averages to +0, as the op computes it.
	g, _ := geomFor(3, 20, 3, 3, 1, 1, 0, 0, 0, 0, false)
	src := make([]float32, g.H*g.W)
	for i := range src {
		src[i] = negZero
	}
	forEachTier(t, func(t *testing.T) {
		dst := make([]float32, g.OH*g.OW)
		Average(g, dst, src, false)
		for i, v := range dst {
			if math.Signbit(float64(v)) {
				t.Fatalf("out %d = −0, want +0", i)
			}
		}
	})
}

// refGlobalMax is the op's GlobalMaxPool loop.
func refGlobalMax(x []float32) float32 {
	best := float32(math.Inf(-1))
	for i, v := range x {
		if i == 0 || v > best {
			best = v
		}
	}
	return best
}

func TestGlobal(t *testing.T) {
	forEachTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		for _, n := range []int{0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 49, 64, 196, 257, 1000} {
			for trial := range 20 {
				x := inputs(rng, n)
				if trial%4 == 1 && n > 0 {
					x[0] = float32(rng.NormFloat64()) // no NaN first, more often
				}
				if trial%4 == 2 {
					for i := range x { // all ≤ 0: the zero sign rule decides
						x[i] = -float32(math.Abs(float64(x[i])))
						if rng.IntN(3) == 0 {
							x[i] = [2]float32{0, negZero}[rng.IntN(2)]
						}
					}
				}
				if got, want := GlobalMax(x), refGlobalMax(x); !sameBits(got, want) {
					t.Fatalf("n=%d trial %d: GlobalMax = %v, want %v (%v)", n, trial, got, want, x)
				}
				var s float64
				var mag float64
				for _, v := range x {
					s += float64(v)
					mag += math.Abs(float64(v))
				}
				want := s / float64(n)
				got := GlobalAverage(x)
				ok := sameBits(got, float32(want))
				if !math.IsNaN(want) && !math.IsInf(want, 0) {
					ok = math.Abs(float64(got)-want) <= 1e-6*mag/float64(n)+1e-30
				}
				if !ok {
					t.Fatalf("n=%d trial %d: GlobalAverage = %v, want %v", n, trial, got, want)
				}
			}
		}
	})
}

func TestValidate(t *testing.T) {
	good := Geom{H: 4, W: 4, OH: 2, OW: 2, KH: 2, KW: 2, SH: 2, SW: 2}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, g := range []Geom{
		{H: -1, W: 4, OH: 2, OW: 2, KH: 2, KW: 2, SH: 2, SW: 2},
		{H: 4, W: 4, OH: 2, OW: 2, KH: 0, KW: 2, SH: 2, SW: 2},
		{H: 4, W: 4, OH: 2, OW: 2, KH: 2, KW: 2, SH: 2, SW: 0},
		{H: 4, W: 4, OH: 2, OW: 2, KH: 2, KW: 2, SH: 2, SW: 2, PadR: -1},
		{H: 4, W: maxDim, OH: 2, OW: 2, KH: 2, KW: 2, SH: 2, SW: 2},
	} {
		if g.Validate() == nil {
			t.Errorf("%+v: no error", g)
		}
	}
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	mustPanic("short src", func() { Max(good, make([]float32, 8), make([]float32, 31)) })
	mustPanic("ragged dst", func() { Max(good, make([]float32, 7), make([]float32, 32)) })
	mustPanic("invalid", func() { Average(Geom{}, nil, nil, false) })
	Max(good, nil, nil) // no planes
}

// TestRowKernelsMatchTwins calls each tier's vector row kernels directly on
// rectangles with gaps between the output rows, and holds them bit for bit
// to the Go twins; the gaps and the guards around dst must stay untouched.
func TestRowKernelsMatchTwins(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, tier := range cpu.Tiers() {
		for sw := 1; sw <= 2; sw++ {
			k := rowKernelsFor(tier, sw)
			if k.vmax == nil {
				continue
			}
			for trial := range 500 {
				r := rect{n: k.lanes + rng.IntN(40), rows: 1 + rng.IntN(4), kh: 1 + rng.IntN(4), kw: 1 + rng.IntN(5), sw: sw}
				r.dstep = r.n + rng.IntN(3)
				r.rs = (r.n-1)*sw + r.kw + rng.IntN(3)
				r.sstep = rng.IntN(3) * r.rs
				src := inputs(rng, (r.rows-1)*r.sstep+(r.kh-1)*r.rs+(r.n-1)*r.sw+r.kw)
				size := (r.rows-1)*r.dstep + r.n
				div := float32(1 + rng.IntN(20))
				for _, op := range []string{"max", "avg"} {
					_, want := guarded(size)
					gotBuf, got := guarded(size)
					if op == "max" {
						rowKernel{}.max(want, src, r)
						k.max(got, src, r)
					} else {
						rowKernel{}.avg(want, src, r, div)
						k.avg(got, src, r, div)
					}
					checkGuards(t, gotBuf, size)
					for i := range got {
						if !sameBits(got[i], want[i]) {
							t.Fatalf("%v %s %+v trial %d: dst[%d] = %v, Go twin %v", tier, op, r, trial, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}
