package elementwise

import (
	"math"
	"unsafe"

	"github.com/sinter-ml/sinter/internal/cpu"
)

// Softmax sets dst = softmax(x) over one row in three streaming passes:
// the maximum, exp(x − max) stored in dst while summing, and the scaling by
// 1/sum. dst and x may be the same slice. An empty row is left alone; a row
// of −Inf becomes NaN, as the definition gives.
func Softmax(dst, x []float32) {
	checkLen(dst, x)
	if len(x) == 0 {
		return
	}
	m := Max(x)
	if math.IsInf(float64(m), -1) {
		for i := range dst {
			dst[i] = float32(math.NaN())
		}
		return
	}
	s := expShiftSum(dst, x, m)
	Scale(dst, 1/s)
}

// LogSoftmax sets dst = x − max − log(Σ exp(x − max)).
func LogSoftmax(dst, x []float32) {
	checkLen(dst, x)
	if len(x) == 0 {
		return
	}
	m := Max(x)
	var buf [chunk]float32
	var s float32
	for i := 0; i < len(x); i += chunk {
		xs := x[i:min(i+chunk, len(x))]
		s += expShiftSum(buf[:len(xs)], xs, m)
	}
	off := m + float32(math.Log(float64(s)))
	for i, v := range x {
		dst[i] = v - off
	}
}

// Scale multiplies x by a in place.
func Scale(x []float32, a float32) {
	k := reduceKernels[cpu.Current()]
	n := 0
	if k.scale != nil && len(x) >= k.lanes {
		n = len(x) - len(x)%k.lanes
		k.scale(unsafe.SliceData(x), n, a)
	}
	for i := n; i < len(x); i++ {
		x[i] *= a
	}
}

// LayerNorm normalises one row: dst = (x − mean)/sqrt(var + eps)·gamma + beta
// (gamma, beta of len(x), or nil for 1 and 0). Mean and variance are
// accumulated in float64.
func LayerNorm(dst, x, gamma, beta []float32, eps float32) {
	checkLen(dst, x)
	n := len(x)
	if n == 0 {
		return
	}
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	mean := s / float64(n)
	var q float64
	for _, v := range x {
		d := float64(v) - mean
		q += d * d
	}
	inv := float32(1 / math.Sqrt(q/float64(n)+float64(eps)))
	mf := float32(mean)
	switch {
	case gamma != nil && beta != nil:
		gamma, beta = gamma[:n], beta[:n]
		for i, v := range x {
			dst[i] = (v-mf)*inv*gamma[i] + beta[i]
		}
	case gamma != nil:
		gamma = gamma[:n]
		for i, v := range x {
			dst[i] = (v - mf) * inv * gamma[i]
		}
	default:
		for i, v := range x {
			dst[i] = (v - mf) * inv
		}
	}
}
