package elementwise

import (
	"fmt"
	"unsafe"

	"github.com/sinter-ml/sinter/internal/cpu"
)

// Op is a binary arithmetic operation.
type Op uint8

// The binary operations.
const (
	OpAdd Op = iota
	OpSub
	OpMul
	OpDiv
	numOps
)

type binaryKernel struct {
	lanes int
	fn    [numOps]func(dst, a, b *float32, n int)
}

var binaryKernels [cpu.NumTiers]binaryKernel

// binaryGo is the generic twin of the vector kernels:
//
//	for i := range dst { dst[i] = a[i] op b[i] }
func binaryGo(op Op, dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	switch op {
	case OpAdd:
		for i := range dst {
			dst[i] = a[i] + b[i]
		}
	case OpSub:
		for i := range dst {
			dst[i] = a[i] - b[i]
		}
	case OpMul:
		for i := range dst {
			dst[i] = a[i] * b[i]
		}
	case OpDiv:
		for i := range dst {
			dst[i] = a[i] / b[i]
		}
	default:
		panic(fmt.Sprintf("elementwise: unknown op %d", op))
	}
}

// Binary sets dst[i] = a[i] op b[i]; all three have the same length and dst
// may be a or b.
func Binary(op Op, dst, a, b []float32) {
	if len(a) != len(dst) || len(b) != len(dst) {
		panic("elementwise: length mismatch")
	}
	if op >= numOps {
		panic(fmt.Sprintf("elementwise: unknown op %d", op))
	}
	k := binaryKernels[cpu.Current()]
	n := 0
	if k.lanes > 0 && len(dst) >= k.lanes {
		n = len(dst) - len(dst)%k.lanes
		k.fn[op](unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), n)
	}
	if n < len(dst) {
		binaryGo(op, dst[n:], a[n:], b[n:])
	}
}

// BinaryScalar sets dst[i] = a[i] op s.
func BinaryScalar(op Op, dst, a []float32, s float32) {
	checkLen(dst, a)
	switch op {
	case OpAdd:
		for i, v := range a {
			dst[i] = v + s
		}
	case OpSub:
		for i, v := range a {
			dst[i] = v - s
		}
	case OpMul:
		for i, v := range a {
			dst[i] = v * s
		}
	case OpDiv:
		for i, v := range a {
			dst[i] = v / s
		}
	default:
		panic(fmt.Sprintf("elementwise: unknown op %d", op))
	}
}

// BinaryRows is the broadcasting fast path for a rows×len(b) matrix a (row
// stride len(b)) and a row vector b: dst[r, i] = a[r, i] op b[i]. dst and a
// have rows·len(b) elements.
func BinaryRows(op Op, dst, a, b []float32) {
	checkLen(dst, a)
	w := len(b)
	if w == 0 {
		return
	}
	if len(a)%w != 0 {
		panic("elementwise: rows do not divide")
	}
	for r := 0; r < len(a); r += w {
		Binary(op, dst[r:r+w], a[r:r+w], b)
	}
}

// BinaryCols is the broadcasting fast path for a len(b)×cols matrix a and a
// column vector b: dst[r, i] = a[r, i] op b[r].
func BinaryCols(op Op, dst, a, b []float32) {
	checkLen(dst, a)
	h := len(b)
	if h == 0 {
		return
	}
	if len(a)%h != 0 {
		panic("elementwise: columns do not divide")
	}
	w := len(a) / h
	for r := range h {
		BinaryScalar(op, dst[r*w:(r+1)*w], a[r*w:(r+1)*w], b[r])
	}
}
