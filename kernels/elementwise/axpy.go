package elementwise

import (
	"unsafe"

	"github.com/sinter-ml/sinter/internal/cpu"
)

// axpyGo is the generic twin of the assembly kernels:
//
//	for i := range y { y[i] += a * x[i] }
func axpyGo(a float32, x, y []float32) {
	x = x[:len(y)]
	for i, v := range x {
		y[i] += a * v
	}
}

type axpyKernel struct {
	lanes int
	fn    func(a float32, x, y *float32, n int)
}

var axpyKernels [cpu.NumTiers]axpyKernel

// Axpy sets y[i] += a·x[i] (len(x) ≥ len(y)); with assembly each element is
// one fused multiply-add.
func Axpy(a float32, x, y []float32) {
	n := len(y)
	x = x[:n]
	k := axpyKernels[cpu.Current()]
	done := 0
	if k.fn != nil && n >= k.lanes {
		done = n - n%k.lanes
		k.fn(a, unsafe.SliceData(x), unsafe.SliceData(y), done)
	}
	if done < n {
		axpyGo(a, x[done:], y[done:])
	}
}
