package elementwise

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// Pow. A float32 base with one exponent for every element (a scalar, or a
// tensor of equal values: x² and x³ in decomposed LayerNorm and GELU) runs
// a loop specialised to that exponent; the shortcuts give exactly
// float32(math.Pow(float64(x), p)), special values included.

func widenInts[T Integer](dst []int64, src []T) {
	for i, v := range src {
		dst[i] = int64(v)
	}
}

// asFloat64 returns t's values (numeric or bool) as float64s.
func asFloat64(t *tensor.Tensor) ([]float64, error) {
	return tensor.ToFloat64(t)
}

// asInt64 returns the values of integer tensor t as int64s.
func asInt64(t *tensor.Tensor) ([]int64, error) {
	if t.DType() == tensor.Int64 {
		return t.Int64s(), nil
	}
	o := make([]int64, t.Len())
	switch t.DType() {
	case tensor.Int8:
		widenInts(o, tensor.Data[int8](t))
	case tensor.Int16:
		widenInts(o, tensor.Data[int16](t))
	case tensor.Int32:
		widenInts(o, tensor.Data[int32](t))
	case tensor.Uint8:
		widenInts(o, tensor.Data[uint8](t))
	case tensor.Uint16:
		widenInts(o, tensor.Data[uint16](t))
	case tensor.Uint32:
		widenInts(o, tensor.Data[uint32](t))
	case tensor.Uint64:
		widenInts(o, tensor.Data[uint64](t))
	default:
		return nil, fmt.Errorf("%v is not an integer type", t.DType())
	}
	return o, nil
}

// ipow raises x to the integer power e with wrap-around; negative powers
// truncate toward zero (0 unless |x| is 1; 0 for x == 0).
func ipow[T Integer](x T, e int64) T {
	if e < 0 {
		switch {
		case x == 1:
			return 1
		case x < 0 && x+1 == 0:
			if e&1 != 0 {
				return x
			}
			return 1
		}
		return 0
	}
	r := T(1)
	for e > 0 {
		if e&1 != 0 {
			r *= x
		}
		x *= x
		e >>= 1
	}
	return r
}

// allEqual returns s's first element and whether every element equals it
// (false for an empty s).
func allEqual[T comparable](s []T) (T, bool) {
	var v T
	if len(s) == 0 {
		return v, false
	}
	v = s[0]
	for _, x := range s[1:] {
		if x != v {
			return v, false
		}
	}
	return v, true
}

// uniformExp returns the value every element of the numeric tensor e
// holds, if they are all equal.
func uniformExp(e *tensor.Tensor) (float64, bool) {
	switch e.DType() {
	case tensor.Float32:
		v, ok := allEqual(e.Float32s())
		return float64(v), ok
	case tensor.Float64:
		return allEqual(e.Float64s())
	case tensor.Float16:
		v, ok := allEqual(tensor.Data[tensor.Float16Bits](e))
		return float64(v.Float32()), ok
	case tensor.BFloat16:
		v, ok := allEqual(tensor.Data[tensor.BFloat16Bits](e))
		return float64(v.Float32()), ok
	case tensor.Int8:
		v, ok := allEqual(tensor.Data[int8](e))
		return float64(v), ok
	case tensor.Int16:
		v, ok := allEqual(tensor.Data[int16](e))
		return float64(v), ok
	case tensor.Int32:
		v, ok := allEqual(tensor.Data[int32](e))
		return float64(v), ok
	case tensor.Int64:
		v, ok := allEqual(tensor.Data[int64](e))
		return float64(v), ok
	case tensor.Uint8:
		v, ok := allEqual(tensor.Data[uint8](e))
		return float64(v), ok
	case tensor.Uint16:
		v, ok := allEqual(tensor.Data[uint16](e))
		return float64(v), ok
	case tensor.Uint32:
		v, ok := allEqual(tensor.Data[uint32](e))
		return float64(v), ok
	case tensor.Uint64:
		v, ok := allEqual(tensor.Data[uint64](e))
		return float64(v), ok
	}
	return 0, false
}

// powi is math.Pow(x, k) for x the value of a float32 and 2 ≤ |k| ≤ 6: the
// same products in the same order as math.Pow's repeated squaring, which
// for such x and k never leave float64's normal range, so that scaling by
// powers of two (which math.Pow does, and this does not) changes nothing.
func powi(x float64, k int) float64 {
	neg := k < 0
	if neg {
		k = -k
	}
	a := 1.0
	for ; k != 0; k >>= 1 {
		if k&1 == 1 {
			a *= x
		}
		x *= x
	}
	if neg {
		a = 1 / a
	}
	return a
}

// powRun32 sets dst[i] = float32(math.Pow(float64(x[i]), p)), exactly, with
// shortcuts for integer exponents up to ±6 and for ±0.5.
func powRun32(dst, x []float32, p float64) {
	x = x[:len(dst)]
	switch {
	case p == 0:
		for i := range dst {
			dst[i] = 1
		}
	case p == 1:
		copy(dst, x)
	case p == 2:
		// x² of a float32 is exact in float64: one rounding either way.
		for i, v := range x {
			dst[i] = v * v
		}
	case p == 3:
		for i, v := range x {
			d := float64(v)
			dst[i] = float32(d * d * d)
		}
	case p == -1:
		// A quotient of float32s rounds the same through float64.
		for i, v := range x {
			dst[i] = 1 / v
		}
	case p == 0.5:
		// math.Pow(±0, 0.5) is +0 and math.Pow(−Inf, 0.5) is +Inf, where
		// math.Sqrt gives ±0 and NaN.
		for i, v := range x {
			switch {
			case v == 0:
				v = 0
			case math.IsInf(float64(v), -1):
				v = float32(math.Inf(1))
			default:
				v = float32(math.Sqrt(float64(v)))
			}
			dst[i] = v
		}
	case p == -0.5:
		for i, v := range x {
			switch {
			case v == 0:
				v = float32(math.Inf(1))
			case math.IsInf(float64(v), -1):
				v = 0
			default:
				v = float32(1 / math.Sqrt(float64(v)))
			}
			dst[i] = v
		}
	case p == math.Trunc(p) && math.Abs(p) <= 6:
		k := int(p)
		for i, v := range x {
			dst[i] = float32(powi(float64(v), k))
		}
	default:
		for i, v := range x {
			dst[i] = float32(math.Pow(float64(v), p))
		}
	}
}

// powWork raises w.a to the power w.p over the broadcast w.bc.
func powWork(w *work, lo, hi int) {
	full := w.bc.full[0]
	w.bc.walk(lo, hi, func(o, n int, off [3]int) {
		d := w.o[o : o+n]
		if full {
			powRun32(d, w.a[off[0]:off[0]+n], w.p)
			return
		}
		powRun32(d[:1], w.a[off[0]:off[0]+1], w.p)
		for i := 1; i < n; i++ {
			d[i] = d[0]
		}
	})
}

// pow32 sets y = x^e over the broadcast of x (shape xs) and the numeric
// tensor e (taken as shape es) to y's shape ys.
func pow32(pool *parallel.Pool, y, x []float32, ys, xs, es tensor.Shape, e *tensor.Tensor) error {
	if p, ok := uniformExp(e); ok {
		w := newWork(powWork)
		w.p, w.o, w.a = p, y, x
		w.bc.init(ys, xs, es)
		w.run(pool, len(y))
		return nil
	}
	var bc bcast
	bc.init(ys, xs, es)
	if e.DType() == tensor.Float32 {
		binBC(&bc, 0, bc.n, y, x, e.Float32s(), func(x, y float32) float32 {
			return float32(math.Pow(float64(x), float64(y)))
		})
		return nil
	}
	ef, err := asFloat64(e)
	if err != nil {
		return err
	}
	binBC(&bc, 0, bc.n, y, x, ef, func(x float32, y float64) float32 { return float32(math.Pow(float64(x), y)) })
	return nil
}

// powFloat64 sets y = x^e for a float64 base.
func powFloat64(bc *bcast, y, x []float64, e *tensor.Tensor) error {
	if e.DType() == tensor.Float64 {
		binBC(bc, 0, bc.n, y, x, e.Float64s(), math.Pow)
		return nil
	}
	ef, err := asFloat64(e)
	if err != nil {
		return err
	}
	binBC(bc, 0, bc.n, y, x, ef, math.Pow)
	return nil
}

// powInt sets y = x^e for an integer base: wrapping integer powers for an
// integer exponent, else math.Pow truncated.
func powInt[T Integer](bc *bcast, y, x []T, e *tensor.Tensor) error {
	if e.DType().IsInt() {
		ei, err := asInt64(e)
		if err != nil {
			return err
		}
		binBC(bc, 0, bc.n, y, x, ei, ipow[T])
		return nil
	}
	ef, err := asFloat64(e)
	if err != nil {
		return err
	}
	binBC(bc, 0, bc.n, y, x, ef, func(x T, y float64) T { return T(math.Pow(float64(x), y)) })
	return nil
}

// powInto sets y = a^e over the broadcast of a and e (taken as shape es).
func powInto(pool *parallel.Pool, a, e, y *tensor.Tensor, es tensor.Shape) error {
	switch dt := a.DType(); dt {
	case tensor.Float32:
		return pow32(pool, y.Float32s(), a.Float32s(), y.Shape(), a.Shape(), es, e)
	case tensor.Float16, tensor.BFloat16:
		// A half-precision exponent is widened too.
		h := halfScratch.Get()
		defer halfScratch.Put(h)
		ys := h.buf(0, y.Len())
		if err := pow32(pool, ys, h.widen(1, a), y.Shape(), a.Shape(), es, h.widenTensor(2, e)); err != nil {
			return err
		}
		tensor.StoreHalf(y, ys)
		return nil
	}
	var bc bcast
	bc.init(y.Shape(), a.Shape(), es)
	switch a.DType() {
	case tensor.Float64:
		return powFloat64(&bc, y.Float64s(), a.Float64s(), e)
	case tensor.Int8:
		return powInt(&bc, tensor.Data[int8](y), tensor.Data[int8](a), e)
	case tensor.Int16:
		return powInt(&bc, tensor.Data[int16](y), tensor.Data[int16](a), e)
	case tensor.Int32:
		return powInt(&bc, tensor.Data[int32](y), tensor.Data[int32](a), e)
	case tensor.Int64:
		return powInt(&bc, tensor.Data[int64](y), tensor.Data[int64](a), e)
	case tensor.Uint8:
		return powInt(&bc, tensor.Data[uint8](y), tensor.Data[uint8](a), e)
	case tensor.Uint16:
		return powInt(&bc, tensor.Data[uint16](y), tensor.Data[uint16](a), e)
	case tensor.Uint32:
		return powInt(&bc, tensor.Data[uint32](y), tensor.Data[uint32](a), e)
	case tensor.Uint64:
		return powInt(&bc, tensor.Data[uint64](y), tensor.Data[uint64](a), e)
	}
	return fmt.Errorf("base type %v is not supported", a.DType())
}

func bindPow(n *ops.Node) (ops.Kernel, error) {
	lg, err := readLegacy(n)
	if err != nil {
		return nil, err
	}
	mixed := n.Opset >= 12
	pool := n.Pool
	return n.Plan(&ops.Planned{
		// y[i] depends on the base's element i alone (the exponent may
		// have another type, so it is not offered).
		InPlace: 1 << 0,
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			var buf [bcInline]int
			a, e, es, err := lg.operands(in, buf[:])
			if err != nil {
				return err
			}
			if !mixed {
				if err := sameType(a, e); err != nil {
					return fmt.Errorf("Pow: %w", err)
				}
			}
			os, err := broadcastInto(out[0].Shape, a.Shape(), es)
			out[0].Shape = os
			if err != nil {
				return fmt.Errorf("Pow: %w", err)
			}
			if dt := e.DType(); !dt.IsFloat() && !dt.IsInt() {
				return fmt.Errorf("Pow: exponent type %v is not supported", dt)
			}
			if dt := a.DType(); !dt.IsFloat() && !dt.IsInt() {
				return fmt.Errorf("Pow: base type %v is not supported", dt)
			}
			out[0].DType = a.DType()
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			var buf [bcInline]int
			a, e, es, err := lg.operands(in, buf[:])
			if err != nil {
				return err
			}
			if err := powInto(pool, a, e, out[0], es); err != nil {
				return fmt.Errorf("Pow: %w", err)
			}
			return nil
		},
	})
}
