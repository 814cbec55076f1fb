package elementwise

import (
	"math"

	kew "github.com/sinter-ml/sinter/kernels/elementwise"
	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/sinter-ml/sinter/tensor"
)

// Float32 fast paths: the activations on kernels/elementwise's vectorised
// math, and Add/Sub/Mul/Div over equal shapes, a scalar, or a row vector
// broadcast over the last axis as plain loops the compiler vectorises. Large
// tensors are split into fixed chunks over the session's pool; every element
// is computed the same way whatever the split.

// chunk is the number of elements per parallel task.
const fastChunk = 1 << 14

// spread calls f over [0, n) in chunks of fastChunk on pool (nil: inline).
func spread(pool *parallel.Pool, n int, f func(lo, hi int)) {
	if pool == nil || pool.Threads() == 1 || n <= 2*fastChunk {
		f(0, n)
		return
	}
	pool.Run((n+fastChunk-1)/fastChunk, func(_, t int) {
		f(t*fastChunk, min((t+1)*fastChunk, n))
	})
}

// fastUnary32 returns the vectorised float32 kernel of op, or nil.
func fastUnary32(op unaryOp) func(dst, x []float32) {
	switch op.kind {
	case uRelu:
		return kew.Relu
	case uSigmoid:
		return kew.Sigmoid
	case uTanh:
		return kew.Tanh
	case uErf:
		return kew.Erf
	case uGelu:
		return kew.Gelu
	case uExp:
		return exp32
	case uLeakyRelu:
		a := float32(op.alpha)
		return func(dst, x []float32) {
			for i, v := range x {
				if v < 0 {
					v *= a
				}
				dst[i] = v
			}
		}
	}
	return nil
}

// exp32 is kernels/elementwise.Exp with IEEE results outside its range
// (where the kernel flushes to 0 or saturates).
func exp32(dst, x []float32) {
	kew.Exp(dst, x)
	for i, v := range x {
		if v < -87.33 || v > 88.37 {
			dst[i] = float32(math.Exp(float64(v)))
		}
	}
}

// unary32 applies f to x on pool.
func unary32(pool *parallel.Pool, f func(dst, x []float32), x *tensor.Tensor) *tensor.Tensor {
	out := tensor.New(tensor.Float32, x.Shape()...)
	xs, ys := x.Float32s(), out.Float32s()
	spread(pool, len(xs), func(lo, hi int) { f(ys[lo:hi], xs[lo:hi]) })
	return out
}

// arith32 computes k over float32 a and b when their shapes take a fast
// path (equal, a scalar on either side, or b a vector along a's last
// axis); nil otherwise.
func arith32(pool *parallel.Pool, k binKind, a, b *tensor.Tensor) *tensor.Tensor {
	if k > bDiv || a.DType() != tensor.Float32 || b.DType() != tensor.Float32 {
		return nil
	}
	as, bs := a.Shape(), b.Shape()
	x, y := a.Float32s(), b.Float32s()
	var out *tensor.Tensor
	switch {
	case as.Equal(bs):
		out = tensor.New(tensor.Float32, as...)
		o := out.Float32s()
		spread(pool, len(o), func(lo, hi int) { binSlices(k, o[lo:hi], x[lo:hi], y[lo:hi]) })
	case len(y) == 1 && len(bs) <= len(as):
		out = tensor.New(tensor.Float32, as...)
		o := out.Float32s()
		spread(pool, len(o), func(lo, hi int) { binScalar(k, o[lo:hi], x[lo:hi], y[0], false) })
	case len(x) == 1 && len(as) <= len(bs):
		out = tensor.New(tensor.Float32, bs...)
		o := out.Float32s()
		spread(pool, len(o), func(lo, hi int) { binScalar(k, o[lo:hi], y[lo:hi], x[0], true) })
	case rowOf(as, bs):
		out = tensor.New(tensor.Float32, as...)
		o, w := out.Float32s(), len(y)
		if w == 0 || len(o) == 0 {
			return out
		}
		rows := len(o) / w
		per := max(1, fastChunk/w) // rows per task
		run := func(lo, hi int) {
			for r := lo; r < hi; r++ {
				binSlices(k, o[r*w:(r+1)*w], x[r*w:(r+1)*w], y)
			}
		}
		if pool == nil || pool.Threads() == 1 || len(o) <= 2*fastChunk {
			run(0, rows)
			break
		}
		pool.Run((rows+per-1)/per, func(_, t int) { run(t*per, min((t+1)*per, rows)) })
	}
	return out
}

// rowOf reports whether bs is a vector along the last axis of as: rank ≤
// rank(as), every axis 1 but the last, which equals as's last.
func rowOf(as, bs tensor.Shape) bool {
	if len(bs) == 0 || len(bs) > len(as) || bs[len(bs)-1] != as[len(as)-1] {
		return false
	}
	for _, d := range bs[:len(bs)-1] {
		if d != 1 {
			return false
		}
	}
	return true
}

func binSlices(k binKind, o, x, y []float32) {
	x, y = x[:len(o)], y[:len(o)]
	switch k {
	case bAdd:
		for i := range o {
			o[i] = x[i] + y[i]
		}
	case bSub:
		for i := range o {
			o[i] = x[i] - y[i]
		}
	case bMul:
		for i := range o {
			o[i] = x[i] * y[i]
		}
	case bDiv:
		for i := range o {
			o[i] = x[i] / y[i]
		}
	}
}

// binScalar computes o = x k s, or s k x when swap.
func binScalar(k binKind, o, x []float32, s float32, swap bool) {
	x = x[:len(o)]
	switch {
	case k == bAdd:
		for i := range o {
			o[i] = x[i] + s
		}
	case k == bMul:
		for i := range o {
			o[i] = x[i] * s
		}
	case k == bSub && !swap:
		for i := range o {
			o[i] = x[i] - s
		}
	case k == bSub:
		for i := range o {
			o[i] = s - x[i]
		}
	case k == bDiv && !swap:
		for i := range o {
			o[i] = x[i] / s
		}
	case k == bDiv:
		for i := range o {
			o[i] = s / x[i]
		}
	}
}
