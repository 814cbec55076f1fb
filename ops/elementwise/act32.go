package elementwise

import (
	"math"

	kew "github.com/sinter-ml/sinter/kernels/elementwise"
)

// Float32 Sigmoid, Tanh, Erf and Gelu: kernels/elementwise's vector
// kernels, which allocate nothing. Gelu with approximate="tanh" is built on
// its Tanh the way kernels/gemm's ActGeluTanh epilogue is, so a MatMul with
// the activation fused computes it as the separate operator does.
//
// In each function dst and x have equal lengths (they may be the same
// slice). The kernels finish the last len(x) mod (vector width) elements
// in Go, so splitting a call into pieces whose lengths are multiples of 16
// (the widest vector), as the pool's chunks are, changes no result.

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// sigmoid32 sets dst[i] = 1/(1+exp(−x[i])).
func sigmoid32(dst, x []float32) { kew.Sigmoid(dst, x) }

// tanh32 sets dst[i] = tanh(x[i]).
func tanh32(dst, x []float32) { kew.Tanh(dst, x) }

// erf32 sets dst[i] = erf(x[i]).
func erf32(dst, x []float32) { kew.Erf(dst, x) }

// gelu32 sets dst[i] = x·Φ(x) = x/2·(1+erf(x/√2)).
func gelu32(dst, x []float32) { kew.Gelu(dst, x) }

// geluChunk is the number of elements geluTanh32 keeps in stack scratch at
// a time: a multiple of every vector width.
const geluChunk = 256

// geluTanh32 is Gelu with approximate="tanh":
// x/2·(1+tanh(√(2/π)·(x+0.044715·x³))).
func geluTanh32(dst, x []float32) {
	const c = 0.7978845608028654 // √(2/π)
	x = x[:len(dst)]
	var buf [geluChunk]float32
	for lo := 0; lo < len(x); lo += geluChunk {
		xs := x[lo:min(lo+geluChunk, len(x))]
		t := buf[:len(xs)]
		for i, v := range xs {
			t[i] = c * (v + 0.044715*v*v*v)
		}
		kew.Tanh(t, t)
		d := dst[lo : lo+len(xs)]
		for i, v := range xs {
			d[i] = 0.5 * v * (1 + t[i])
		}
	}
}
