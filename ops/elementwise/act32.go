package elementwise

import (
	"math"
	"sync"

	kew "github.com/sinter-ml/sinter/kernels/elementwise"
)

// Float32 Sigmoid, Tanh, Erf and Gelu, composed from kernels/elementwise's
// vector Exp, Binary, Scale and Axpy over chunks of actChunk elements, with
// one scalar pass where a formula needs a branch. (kernels/elementwise's own
// Sigmoid, Tanh, Erf and Gelu allocate a scratch array per call: it reaches
// the vector code through a function value and so moves to the heap.)
// Adding a constant c is Axpy(c, ones, y), exact since c·1 = c.
//
// In each function dst and x have equal lengths and must not overlap.

// actChunk is the number of elements each vector pass covers at a time.
const actChunk = 1024

// ones is a vector of ones for Axpy and Binary.
var ones = func() (o [actChunk]float32) {
	for i := range o {
		o[i] = 1
	}
	return o
}()

// actScratch holds the two scratch vectors of erfScaled, pooled so that a
// call allocates nothing.
var actScratch = sync.Pool{New: func() any { return new([2][actChunk]float32) }}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// sigmoid32 sets dst[i] = 1/(1+exp(−x[i])).
func sigmoid32(dst, x []float32) {
	x = x[:len(dst)]
	for lo := 0; lo < len(dst); lo += actChunk {
		d := dst[lo:min(lo+actChunk, len(dst))]
		one := ones[:len(d)]
		copy(d, x[lo:])
		kew.Scale(d, -1)
		kew.Exp(d, d)
		kew.Axpy(1, one, d)
		kew.Binary(kew.OpDiv, d, one, d)
	}
}

// tanhOf2u turns d, holding 2u, into tanh(u) = 1 − 2/(1+exp(2u)), which
// loses accuracy to cancellation for tiny |u| (see tanhTiny).
func tanhOf2u(d []float32) {
	one := ones[:len(d)]
	kew.Exp(d, d)
	kew.Axpy(1, one, d)
	kew.Binary(kew.OpDiv, d, one, d)
	kew.Scale(d, -2)
	kew.Axpy(1, one, d)
}

// tanhTiny bounds the |u| below which tanhOf2u's cancellation could cost
// more than the conformance tolerance (1e-7 absolute + 1e-3 relative) and
// tanh(u) is u in float32 terms: u − u³/3 differs from u by under 1e-8
// relative there.
const tanhTiny = 1.0 / 8192

// tanh32 sets dst[i] = tanh(x[i]).
func tanh32(dst, x []float32) {
	x = x[:len(dst)]
	for lo := 0; lo < len(dst); lo += actChunk {
		d := dst[lo:min(lo+actChunk, len(dst))]
		xs := x[lo : lo+len(d)]
		kew.Binary(kew.OpAdd, d, xs, xs)
		tanhOf2u(d)
		for i, v := range xs {
			if !(abs32(v) >= tanhTiny) { // tiny, or NaN
				d[i] = v - v*v*v*(1.0/3)
			}
		}
	}
}

// erfTiny bounds the |u| below which erfScaled uses erf(u) ≈ 2u/√π·(1−u²/3)
// instead of the rational formula, whose rounding error (about 1e-7
// absolute) would otherwise exceed the conformance tolerance.
const erfTiny = 1.0 / 1024

// erfScaled sets dst[i] = erf(s·x[i]) (s > 0), or with gelu
// x[i]/2·(1+erf(s·x[i])): Abramowitz and Stegun's formula 7.1.26,
// erf(|u|) = 1 − (a₁t+…+a₅t⁵)·exp(−u²) with t = 1/(1+p|u|) (absolute error
// below 1.5e-7) on the vector kernels, and one scalar pass for the sign,
// tiny |u|, ±1 from |u| = 4 on and NaN.
func erfScaled(dst, x []float32, s float32, gelu bool) {
	const (
		p  = 0.3275911
		a1 = 0.254829592
		a2 = -0.284496736
		a3 = 1.421413741
		a4 = -1.453152027
		a5 = 1.061405429
	)
	x = x[:len(dst)]
	buf := actScratch.Get().(*[2][actChunk]float32)
	for lo := 0; lo < len(dst); lo += actChunk {
		d := dst[lo:min(lo+actChunk, len(dst))]
		xs := x[lo : lo+len(d)]
		e, t := buf[0][:len(d)], buf[1][:len(d)]
		one := ones[:len(d)]
		kew.Binary(kew.OpMul, e, xs, xs)
		kew.Scale(e, -s*s)
		kew.Exp(e, e) // exp(−u²)
		for i, v := range xs {
			t[i] = abs32(v) // |u|/s
		}
		copy(d, one)
		kew.Axpy(p*s, t, d)
		kew.Binary(kew.OpDiv, t, one, d) // t
		copy(d, t)
		kew.Scale(d, a5)
		kew.Axpy(a4, one, d)
		kew.Binary(kew.OpMul, d, d, t)
		kew.Axpy(a3, one, d)
		kew.Binary(kew.OpMul, d, d, t)
		kew.Axpy(a2, one, d)
		kew.Binary(kew.OpMul, d, d, t)
		kew.Axpy(a1, one, d)
		kew.Binary(kew.OpMul, d, d, t)
		kew.Binary(kew.OpMul, d, d, e)
		kew.Scale(d, -1)
		kew.Axpy(1, one, d) // erf(|u|)
		for i, v := range xs {
			u := v * s
			y := d[i]
			if uu := u * u; !(uu >= erfTiny*erfTiny && uu < 16) { // rare: tiny, ≥ 4, NaN
				switch a := abs32(u); {
				case a < erfTiny:
					y = a * (2 / math.SqrtPi) * (1 - a*a*(1.0/3))
				case a >= 4:
					y = 1
				default: // NaN
					y = a
				}
			}
			// sign(u)·erf(|u|), without a branch on the sign.
			y = math.Float32frombits(math.Float32bits(y) ^ math.Float32bits(u)&(1<<31))
			if gelu {
				y = 0.5 * v * (1 + y)
			}
			d[i] = y
		}
	}
	actScratch.Put(buf)
}

// erf32 sets dst[i] = erf(x[i]).
func erf32(dst, x []float32) { erfScaled(dst, x, 1, false) }

// gelu32 sets dst[i] = x·Φ(x) = x/2·(1+erf(x/√2)).
func gelu32(dst, x []float32) { erfScaled(dst, x, 1/math.Sqrt2, true) }

// geluTanh32 is Gelu with approximate="tanh":
// x/2·(1+tanh(√(2/π)·(x+0.044715·x³))).
func geluTanh32(dst, x []float32) {
	const c = 0.7978845608028654 // √(2/π)
	x = x[:len(dst)]
	for lo := 0; lo < len(dst); lo += actChunk {
		d := dst[lo:min(lo+actChunk, len(dst))]
		xs := x[lo : lo+len(d)]
		for i, v := range xs {
			u := c * (v + 0.044715*v*v*v)
			d[i] = u + u
		}
		tanhOf2u(d)
		for i, v := range xs {
			t := d[i]
			if u := c * (v + 0.044715*v*v*v); !(abs32(u) >= tanhTiny) {
				t = u
			}
			d[i] = 0.5 * v * (1 + t)
		}
	}
}
