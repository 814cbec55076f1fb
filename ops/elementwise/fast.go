package elementwise

import (
	"math"
	"unsafe"

	"github.com/sinter-ml/sinter/internal/freelist"
	kew "github.com/sinter-ml/sinter/kernels/elementwise"
	"github.com/sinter-ml/sinter/kernels/parallel"
)

// Float32 kernels: the unary operators as native float32 loops (Exp,
// Sigmoid, Tanh, Erf and Gelu on kernels/elementwise's vector code, see
// act32.go), and Add, Sub, Mul, Div, Max, Min, Pow, Clip and PRelu over
// broadcast runs.
// Large outputs are split into fixed chunks over the session's pool; every
// element is computed the same way whatever the split.

// fastChunk is the number of output elements per parallel task.
const fastChunk = 1 << 14

// work is one float32 kernel call: the function computing a range of its
// output elements, with its operands and parameters. Calls take a work from
// works and put it back, so that a call allocates nothing whether it runs
// inline or over the pool (a closure handed to the pool would escape).
type work struct {
	fn      func(w *work, lo, hi int)
	task    func(slot, t int) // w.chunk, bound once per work
	n       int
	o, a, b []float32
	bc      bcast
	f       func(dst, x []float32) // a unary kernel
	k       binKind
	p       float64 // Pow's exponent
	lo, hi  float32 // Clip's bounds
	ch      *chain  // ElementwiseChain's steps
}

var works = freelist.List[work]{New: func() *work {
	w := new(work)
	w.task = w.chunk
	return w
}}

// newWork returns a work computing with fn.
func newWork(fn func(w *work, lo, hi int)) *work {
	w := works.Get()
	w.fn = fn
	return w
}

func (w *work) chunk(_, t int) {
	lo := t * fastChunk
	w.fn(w, lo, min(lo+fastChunk, w.n))
}

// run computes the n output elements on pool (nil: on the caller's
// goroutine), in chunks of fastChunk when there are many, then returns w to
// works.
func (w *work) run(pool *parallel.Pool, n int) {
	w.n = n
	if pool == nil || pool.Threads() == 1 || n <= 2*fastChunk {
		w.fn(w, 0, n)
	} else {
		pool.Run((n+fastChunk-1)/fastChunk, w.task)
	}
	w.fn, w.f, w.ch = nil, nil, nil
	w.o, w.a, w.b = nil, nil, nil
	w.bc.ext = nil
	works.Put(w)
}

// unaryWork applies w.f to w.a.
func unaryWork(w *work, lo, hi int) { w.f(w.o[lo:hi], w.a[lo:hi]) }

// unary32 returns op's float32 kernel: dst and x of equal length, either
// disjoint or the very same slice (every kernel here reads x[i] before it
// writes dst[i] and reads no other element afterwards, which planUnary's
// InPlace and the ElementwiseChain rely on).
func unary32(op unaryOp) func(dst, x []float32) {
	a, b := float32(op.alpha), float32(op.beta)
	switch op.kind {
	case uAbs:
		return func(dst, x []float32) {
			for i, v := range x {
				dst[i] = abs32(v)
			}
		}
	case uNeg:
		return func(dst, x []float32) {
			for i, v := range x {
				dst[i] = -v
			}
		}
	case uReciprocal:
		// A float32 quotient is the float64 one rounded: no double
		// rounding error at this precision.
		return func(dst, x []float32) {
			for i, v := range x {
				dst[i] = 1 / v
			}
		}
	case uSqrt:
		return func(dst, x []float32) {
			for i, v := range x {
				dst[i] = float32(math.Sqrt(float64(v)))
			}
		}
	case uFloor:
		return func(dst, x []float32) {
			for i, v := range x {
				dst[i] = float32(math.Floor(float64(v)))
			}
		}
	case uCeil:
		return func(dst, x []float32) {
			for i, v := range x {
				dst[i] = float32(math.Ceil(float64(v)))
			}
		}
	case uRound:
		return func(dst, x []float32) {
			for i, v := range x {
				dst[i] = float32(math.RoundToEven(float64(v)))
			}
		}
	case uSign:
		return func(dst, x []float32) {
			for i, v := range x {
				switch {
				case v > 0:
					v = 1
				case v < 0:
					v = -1
				}
				dst[i] = v // ±0 and NaN stay
			}
		}
	case uExp:
		return exp32
	case uErf:
		return erf32
	case uTanh:
		return tanh32
	case uSigmoid:
		return sigmoid32
	case uGelu:
		return gelu32
	case uGeluTanh:
		return geluTanh32
	case uRelu:
		return kew.Relu
	case uLeakyRelu:
		return func(dst, x []float32) {
			for i, v := range x {
				if v < 0 {
					v *= a
				}
				dst[i] = v
			}
		}
	case uHardSigmoid:
		return func(dst, x []float32) {
			for i, v := range x {
				dst[i] = max(0, min(1, a*v+b))
			}
		}
	case uHardSwish:
		return func(dst, x []float32) {
			for i, v := range x {
				dst[i] = v * max(0, min(1, v*(1.0/6)+0.5))
			}
		}
	case uSoftsign:
		return func(dst, x []float32) {
			for i, v := range x {
				dst[i] = v / (1 + abs32(v))
			}
		}
	case uThresholdedRelu:
		return func(dst, x []float32) {
			for i, v := range x {
				if !(v > a) {
					v = 0
				}
				dst[i] = v
			}
		}
	case uShrink:
		// A float32 sum is the float64 one rounded, as for the quotient.
		return func(dst, x []float32) {
			for i, v := range x {
				switch {
				case v < -a:
					v += b
				case v > a:
					v -= b
				default:
					v = 0
				}
				dst[i] = v
			}
		}
	}
	f := op.float64Fn()
	return func(dst, x []float32) {
		for i, v := range x {
			dst[i] = float32(f(float64(v)))
		}
	}
}

// expChunk is the number of elements exp32 keeps aside at a time when it
// works in place: a multiple of every vector width, so that splitting
// changes no result (see act32.go).
const expChunk = 512

// exp32 is kernels/elementwise.Exp with IEEE results outside its range
// (where the kernel flushes to 0 or saturates). dst may be x: it then
// copies each chunk of x aside first, for the out-of-range fix-up.
func exp32(dst, x []float32) {
	x = x[:len(dst)]
	if len(dst) == 0 {
		return
	}
	if unsafe.SliceData(dst) != unsafe.SliceData(x) {
		kew.Exp(dst, x)
		expFix(dst, x)
		return
	}
	var t [expChunk]float32
	for lo := 0; lo < len(x); lo += expChunk {
		d := dst[lo:min(lo+expChunk, len(x))]
		ts := t[:len(d)]
		copy(ts, d)
		kew.Exp(d, ts)
		expFix(d, ts)
	}
}

// expFix sets dst[i] = exp(x[i]) exactly where x[i] lies outside the
// vector exp's range.
func expFix(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		if v < -87.33 || v > 88.37 {
			dst[i] = float32(math.Exp(float64(v)))
		}
	}
}

// arithOp maps the arithmetic kinds to kernels/elementwise's vector ops.
var arithOp = [...]kew.Op{bAdd: kew.OpAdd, bSub: kew.OpSub, bMul: kew.OpMul, bDiv: kew.OpDiv}

// fast32 reports whether k has a float32 broadcast kernel (arith32).
func fast32(k binKind) bool {
	switch k {
	case bAdd, bSub, bMul, bDiv, bMax, bMin:
		return true
	}
	return false
}

// arithWork computes w.k over the broadcast w.bc of w.a and w.b.
func arithWork(w *work, lo, hi int) { arith32(w.k, &w.bc, lo, hi, w.o, w.a, w.b) }

// arith32 sets o = a k b over the output elements [lo, hi) of their
// broadcast bc; k is one of the fast32 kinds. o may be a when a is not
// broadcast.
func arith32(k binKind, bc *bcast, lo, hi int, o, a, b []float32) {
	fa, fb := bc.full[0], bc.full[1]
	bc.walk(lo, hi, func(at, n int, off [3]int) {
		d := o[at : at+n]
		switch {
		case fa && fb:
			binSlices(k, d, a[off[0]:off[0]+n], b[off[1]:off[1]+n])
		case fa:
			binScalar(k, d, a[off[0]:off[0]+n], b[off[1]], false)
		case fb:
			binScalar(k, d, b[off[1]:off[1]+n], a[off[0]], true)
		default:
			v := bin32(k, a[off[0]], b[off[1]])
			for i := range d {
				d[i] = v
			}
		}
	})
}

// bin32 computes x k y for one pair of elements.
func bin32(k binKind, x, y float32) float32 {
	switch k {
	case bAdd:
		return x + y
	case bSub:
		return x - y
	case bMul:
		return x * y
	case bDiv:
		return x / y
	case bMax:
		return max(x, y)
	}
	return min(x, y)
}

// binSlices sets o = x k y elementwise (o may be x or y).
func binSlices(k binKind, o, x, y []float32) {
	switch k {
	case bMax:
		x, y = x[:len(o)], y[:len(o)]
		for i := range o {
			o[i] = max(x[i], y[i])
		}
	case bMin:
		x, y = x[:len(o)], y[:len(o)]
		for i := range o {
			o[i] = min(x[i], y[i])
		}
	default:
		kew.Binary(arithOp[k], o, x, y)
	}
}

// binScalar sets o = x k s, or s k x when swap (o may be x).
func binScalar(k binKind, o, x []float32, s float32, swap bool) {
	x = x[:len(o)]
	switch {
	case k == bAdd || k == bMul || (k <= bDiv && !swap):
		kew.BinaryScalar(arithOp[k], o, x, s)
	case k == bSub:
		for i := range o {
			o[i] = s - x[i]
		}
	case k == bDiv:
		for i := range o {
			o[i] = s / x[i]
		}
	case k == bMax:
		for i := range o {
			o[i] = max(x[i], s)
		}
	case k == bMin:
		for i := range o {
			o[i] = min(x[i], s)
		}
	}
}

// clipWork clamps w.a to [w.lo, w.hi] (NaN stays NaN).
func clipWork(w *work, lo, hi int) { clip32(w.o[lo:hi], w.a[lo:hi], w.lo, w.hi) }

// clip32 sets o = x raised to lo, then lowered to hi (NaN stays NaN; o may
// be x): float32 Clip, with ±Inf for an open bound.
func clip32(o, x []float32, lo, hi float32) {
	x = x[:len(o)]
	for i, v := range x {
		if v < lo {
			v = lo
		}
		if v > hi {
			v = hi
		}
		o[i] = v
	}
}

// preluWork computes PRelu of w.a (never broadcast) with slope w.b.
func preluWork(w *work, lo, hi int) {
	fs := w.bc.full[1]
	x, s, out := w.a, w.b, w.o
	w.bc.walk(lo, hi, func(o, n int, off [3]int) {
		d, xs := out[o:o+n], x[off[0]:off[0]+n]
		if fs {
			ss := s[off[1] : off[1]+n]
			for i, v := range xs {
				if v < 0 {
					v *= ss[i]
				}
				d[i] = v
			}
			return
		}
		sv := s[off[1]]
		for i, v := range xs {
			if v < 0 {
				v *= sv
			}
			d[i] = v
		}
	})
}
