package elementwise

import (
	"math"
	"unsafe"

	"github.com/sinter-ml/sinter/internal/cpu"
)

// reduceKernel holds a tier's vector reductions; each handles a positive
// multiple of lanes elements (the rest is done in Go).
type reduceKernel struct {
	lanes int
	max   func(x *float32, n int) float32
	sum   func(x *float32, n int) float32
	scale func(x *float32, n int, a float32)
}

var reduceKernels [cpu.NumTiers]reduceKernel

// Sum returns Σx, summed in vector lanes and then across them.
func Sum(x []float32) float32 {
	k := reduceKernels[cpu.Current()]
	if k.sum == nil || len(x) < k.lanes {
		return sumGo(x)
	}
	n := len(x) - len(x)%k.lanes
	return k.sum(unsafe.SliceData(x), n) + sumGo(x[n:])
}

// sumGo is the generic twin of the vector sums: eight interleaved partial
// sums (lane j sums x[i] with i%8 == j), added pairwise at the end.
func sumGo(x []float32) float32 {
	var s [8]float32
	i := 0
	for ; i+8 <= len(x); i += 8 {
		v := x[i : i+8 : i+8]
		s[0] += v[0]
		s[1] += v[1]
		s[2] += v[2]
		s[3] += v[3]
		s[4] += v[4]
		s[5] += v[5]
		s[6] += v[6]
		s[7] += v[7]
	}
	for j := 0; i < len(x); i, j = i+1, j+1 {
		s[j] += x[i]
	}
	return ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]))
}

// Mean returns Σx/len(x) (NaN for an empty slice).
func Mean(x []float32) float32 {
	if len(x) == 0 {
		return float32(math.NaN())
	}
	return Sum(x) / float32(len(x))
}

// Max returns the largest element (−Inf for an empty slice); NaN if any
// element is NaN.
func Max(x []float32) float32 {
	k := reduceKernels[cpu.Current()]
	if k.max == nil || len(x) < k.lanes {
		return maxGo(x)
	}
	n := len(x) - len(x)%k.lanes
	return max(k.max(unsafe.SliceData(x), n), maxGo(x[n:]))
}

// maxGo is the generic twin of the vector maxima.
func maxGo(x []float32) float32 {
	m := [4]float32{float32(math.Inf(-1)), float32(math.Inf(-1)), float32(math.Inf(-1)), float32(math.Inf(-1))}
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		m[0] = max(m[0], v[0])
		m[1] = max(m[1], v[1])
		m[2] = max(m[2], v[2])
		m[3] = max(m[3], v[3])
	}
	for ; i < len(x); i++ {
		m[0] = max(m[0], x[i])
	}
	return max(max(m[0], m[1]), max(m[2], m[3]))
}

// Min returns the smallest element (+Inf for an empty slice); NaN if any
// element is NaN.
func Min(x []float32) float32 {
	m := float32(math.Inf(1))
	for _, v := range x {
		m = min(m, v)
	}
	return m
}
