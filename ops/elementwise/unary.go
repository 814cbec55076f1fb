package elementwise

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

type unaryKind int

const (
	uAbs unaryKind = iota
	uNeg
	uReciprocal
	uSqrt
	uExp
	uLog
	uFloor
	uCeil
	uRound
	uSign
	uErf
	uSin
	uCos
	uTan
	uAsin
	uAcos
	uAtan
	uSinh
	uCosh
	uAsinh
	uAcosh
	uAtanh
	uTanh
	uRelu
	uLeakyRelu
	uElu
	uSelu
	uCelu
	uSigmoid
	uHardSigmoid
	uHardSwish
	uSoftplus
	uSoftsign
	uThresholdedRelu
	uShrink
	uMish
	uGelu     // Gelu-20, approximate="none": x·Φ(x)
	uGeluTanh // Gelu-20, approximate="tanh"
)

// unaryOp is an elementwise operator of one input with its float parameters
// (meaning depends on kind).
type unaryOp struct {
	kind               unaryKind
	alpha, beta, gamma float64
}

func sigmoid64(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func softplus64(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// float64Fn returns the operator computed in float64.
func (op unaryOp) float64Fn() func(float64) float64 {
	a, b, g := op.alpha, op.beta, op.gamma
	switch op.kind {
	case uAbs:
		return math.Abs
	case uNeg:
		return func(x float64) float64 { return -x }
	case uReciprocal:
		return func(x float64) float64 { return 1 / x }
	case uSqrt:
		return math.Sqrt
	case uExp:
		return math.Exp
	case uLog:
		return math.Log
	case uFloor:
		return math.Floor
	case uCeil:
		return math.Ceil
	case uRound:
		return math.RoundToEven
	case uSign:
		return func(x float64) float64 {
			switch {
			case x > 0:
				return 1
			case x < 0:
				return -1
			}
			return x // ±0 and NaN
		}
	case uErf:
		return math.Erf
	case uSin:
		return math.Sin
	case uCos:
		return math.Cos
	case uTan:
		return math.Tan
	case uAsin:
		return math.Asin
	case uAcos:
		return math.Acos
	case uAtan:
		return math.Atan
	case uSinh:
		return math.Sinh
	case uCosh:
		return math.Cosh
	case uAsinh:
		return math.Asinh
	case uAcosh:
		return math.Acosh
	case uAtanh:
		return math.Atanh
	case uTanh:
		return math.Tanh
	case uRelu:
		return func(x float64) float64 {
			if x < 0 {
				return 0
			}
			return x
		}
	case uLeakyRelu:
		return func(x float64) float64 {
			if x < 0 {
				return a * x
			}
			return x
		}
	case uElu:
		return func(x float64) float64 {
			if x < 0 {
				return a * math.Expm1(x)
			}
			return x
		}
	case uSelu:
		return func(x float64) float64 {
			if x <= 0 {
				return g * a * math.Expm1(x)
			}
			return g * x
		}
	case uCelu:
		return func(x float64) float64 {
			return math.Max(0, x) + math.Min(0, a*math.Expm1(x/a))
		}
	case uSigmoid:
		return sigmoid64
	case uHardSigmoid:
		return func(x float64) float64 { return math.Max(0, math.Min(1, a*x+b)) }
	case uHardSwish:
		return func(x float64) float64 { return x * math.Max(0, math.Min(1, x/6+0.5)) }
	case uSoftplus:
		return softplus64
	case uSoftsign:
		return func(x float64) float64 { return x / (1 + math.Abs(x)) }
	case uThresholdedRelu:
		return func(x float64) float64 {
			if x > a {
				return x
			}
			return 0
		}
	case uShrink:
		return func(x float64) float64 {
			switch {
			case x < -a:
				return x + b
			case x > a:
				return x - b
			}
			return 0
		}
	case uMish:
		return func(x float64) float64 { return x * math.Tanh(softplus64(x)) }
	case uGelu:
		return func(x float64) float64 { return 0.5 * x * math.Erfc(-x/math.Sqrt2) }
	case uGeluTanh:
		return func(x float64) float64 {
			const c = 0.7978845608028654 // √(2/π)
			return 0.5 * x * (1 + math.Tanh(c*(x+0.044715*x*x*x)))
		}
	}
	return nil
}

// floatUnary returns the operator for a native float type.
func floatUnary[T ops.Float](op unaryOp) func(T) T {
	switch op.kind {
	case uNeg:
		return func(x T) T { return -x }
	case uReciprocal:
		return func(x T) T { return 1 / x }
	case uRelu:
		return func(x T) T {
			if x < 0 {
				return 0
			}
			return x
		}
	}
	f := op.float64Fn()
	if f == nil {
		return nil
	}
	return func(x T) T { return T(f(float64(x))) }
}

// signedUnary returns the operator for a signed integer type, or nil when
// it is not defined on integers.
func signedUnary[T Signed](op unaryOp) func(T) T {
	switch op.kind {
	case uAbs:
		return func(x T) T {
			if x < 0 {
				return -x
			}
			return x
		}
	case uNeg:
		return func(x T) T { return -x }
	case uSign:
		return func(x T) T {
			switch {
			case x > 0:
				return 1
			case x < 0:
				return -1
			}
			return 0
		}
	case uRelu:
		return func(x T) T { return max(x, 0) }
	case uLeakyRelu, uShrink, uThresholdedRelu:
		f := op.float64Fn()
		return func(x T) T { return T(f(float64(x))) }
	}
	return nil
}

// unsignedUnary returns the operator for an unsigned integer type, or nil.
func unsignedUnary[T Unsigned](op unaryOp) func(T) T {
	switch op.kind {
	case uAbs, uRelu:
		return func(x T) T { return x }
	case uNeg:
		return func(x T) T { return -x }
	case uSign:
		return func(x T) T {
			if x > 0 {
				return 1
			}
			return 0
		}
	case uShrink, uThresholdedRelu:
		f := op.float64Fn()
		return func(x T) T { return T(f(float64(x))) }
	}
	return nil
}

// supports reports whether op is defined on element type dt.
func (op unaryOp) supports(dt tensor.DType) bool {
	switch {
	case dt.IsFloat():
		return true
	case dt.IsInt() && dt.IsSigned():
		switch op.kind {
		case uAbs, uNeg, uSign, uRelu, uLeakyRelu, uShrink, uThresholdedRelu:
			return true
		}
	case dt.IsInt():
		switch op.kind {
		case uAbs, uRelu, uNeg, uSign, uShrink, uThresholdedRelu:
			return true
		}
	}
	return false
}

// intUnary holds op's function for every integer element type (nil
// where op is not defined on it), made once when a node is bound: a
// closure returned by a generic function carries its dictionary, so making
// one per run would allocate.
type intUnary struct {
	i8  func(int8) int8
	i16 func(int16) int16
	i32 func(int32) int32
	i64 func(int64) int64
	u8  func(uint8) uint8
	u16 func(uint16) uint16
	u32 func(uint32) uint32
	u64 func(uint64) uint64
}

func newIntUnary(op unaryOp) *intUnary {
	return &intUnary{
		i8: signedUnary[int8](op), i16: signedUnary[int16](op), i32: signedUnary[int32](op), i64: signedUnary[int64](op),
		u8: unsignedUnary[uint8](op), u16: unsignedUnary[uint16](op), u32: unsignedUnary[uint32](op), u64: unsignedUnary[uint64](op),
	}
}

// run applies the operator to an integer tensor x into y (same type), whose
// type the operator supports.
func (f *intUnary) run(x, y *tensor.Tensor) {
	switch x.DType() {
	case tensor.Int8:
		mapSlice(tensor.Data[int8](y), tensor.Data[int8](x), f.i8)
	case tensor.Int16:
		mapSlice(tensor.Data[int16](y), tensor.Data[int16](x), f.i16)
	case tensor.Int32:
		mapSlice(tensor.Data[int32](y), tensor.Data[int32](x), f.i32)
	case tensor.Int64:
		mapSlice(tensor.Data[int64](y), tensor.Data[int64](x), f.i64)
	case tensor.Uint8:
		mapSlice(tensor.Data[uint8](y), tensor.Data[uint8](x), f.u8)
	case tensor.Uint16:
		mapSlice(tensor.Data[uint16](y), tensor.Data[uint16](x), f.u16)
	case tensor.Uint32:
		mapSlice(tensor.Data[uint32](y), tensor.Data[uint32](x), f.u32)
	case tensor.Uint64:
		mapSlice(tensor.Data[uint64](y), tensor.Data[uint64](x), f.u64)
	}
}

// sameAs reports x's type and shape as output 0.
func sameAs(x *tensor.Tensor, out []ops.OutSpec) {
	out[0].DType = x.DType()
	out[0].Shape = append(out[0].Shape[:0], x.Shape()...)
}

// planUnary ends a bind function for op: its planned kernel applies op to
// input 0. check, when not nil, refuses input types beyond op.supports.
// Every path maps x[i] to y[i] alone (half types through a widened copy),
// so the output may take the input's storage.
func planUnary(n *ops.Node, op unaryOp, check func(dt tensor.DType) error) (ops.Kernel, error) {
	f32 := unary32(op)
	f64 := floatUnary[float64](op)
	ints := newIntUnary(op)
	pool := n.Pool
	return n.Plan(&ops.Planned{
		InPlace: 1 << 0,
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if err := need(in, 1); err != nil {
				return err
			}
			dt := in[0].DType()
			if check != nil {
				if err := check(dt); err != nil {
					return err
				}
			}
			if !op.supports(dt) {
				return fmt.Errorf("input type %v is not supported", dt)
			}
			sameAs(in[0], out)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			x, y := in[0], out[0]
			switch x.DType() {
			case tensor.Float32:
				w := newWork(unaryWork)
				w.f, w.o, w.a = f32, y.Float32s(), x.Float32s()
				w.run(pool, len(w.o))
			case tensor.Float64:
				mapSlice(y.Float64s(), x.Float64s(), f64)
			case tensor.Float16, tensor.BFloat16:
				h := halfScratch.Get()
				xs := h.widen(0, x)
				ys := h.buf(1, len(xs))
				f32(ys, xs)
				tensor.StoreHalf(y, ys)
				halfScratch.Put(h)
			default:
				ints.run(x, y)
			}
			return nil
		},
	})
}

// bindUnary binds an operator without attributes (legacy consumed_inputs is
// ignored).
func bindUnary(kind unaryKind) ops.BindFunc {
	return func(n *ops.Node) (ops.Kernel, error) {
		return planUnary(n, unaryOp{kind: kind}, nil)
	}
}

// floatAttrs reads float attributes with defaults into dst, in order.
func floatAttrs(n *ops.Node, names []string, defs []float32, dst ...*float64) error {
	for i, name := range names {
		v, err := n.Float(name, defs[i])
		if err != nil {
			return err
		}
		*dst[i] = float64(v)
	}
	return nil
}

// bindUnaryAttrs binds an operator whose parameters come from float attributes.
func bindUnaryAttrs(kind unaryKind, names []string, defs []float32) ops.BindFunc {
	return func(n *ops.Node) (ops.Kernel, error) {
		op := unaryOp{kind: kind}
		dst := make([]*float64, len(names))
		for i, name := range names {
			switch name {
			case "alpha", "lambd":
				dst[i] = &op.alpha
			case "beta", "bias":
				dst[i] = &op.beta
			default:
				dst[i] = &op.gamma
			}
		}
		if err := floatAttrs(n, names, defs, dst...); err != nil {
			return nil, err
		}
		if kind == uCelu && op.alpha == 0 {
			return nil, fmt.Errorf("Celu: alpha must be nonzero")
		}
		return planUnary(n, op, nil)
	}
}

// planPredicate ends the bind function of IsNaN and IsInf: a bool tensor of
// f over a floating-point input.
func planPredicate(n *ops.Node, f func(float64) bool) (ops.Kernel, error) {
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if err := need(in, 1); err != nil {
				return err
			}
			if !in[0].DType().IsFloat() {
				return fmt.Errorf("input type %v is not a floating-point type", in[0].DType())
			}
			sameAs(in[0], out)
			out[0].DType = tensor.Bool
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			x, o := in[0], out[0].Bools()
			switch x.DType() {
			case tensor.Float32:
				for i, v := range x.Float32s() {
					o[i] = f(float64(v))
				}
			case tensor.Float64:
				mapSlice(o, x.Float64s(), f)
			default:
				h := halfScratch.Get()
				for i, v := range h.widen(0, x) {
					o[i] = f(float64(v))
				}
				halfScratch.Put(h)
			}
			return nil
		},
	})
}

func bindIsNaN(n *ops.Node) (ops.Kernel, error) {
	return planPredicate(n, func(v float64) bool { return v != v })
}

func bindIsInf(n *ops.Node) (ops.Kernel, error) {
	neg, err := n.Int("detect_negative", 1)
	if err != nil {
		return nil, err
	}
	pos, err := n.Int("detect_positive", 1)
	if err != nil {
		return nil, err
	}
	return planPredicate(n, func(v float64) bool {
		return (pos != 0 && math.IsInf(v, 1)) || (neg != 0 && math.IsInf(v, -1))
	})
}

func bindNot(n *ops.Node) (ops.Kernel, error) {
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if err := need(in, 1); err != nil {
				return err
			}
			if in[0].DType() != tensor.Bool {
				return fmt.Errorf("Not: input type %v is not bool", in[0].DType())
			}
			sameAs(in[0], out)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			o := out[0].Bools()
			for i, v := range in[0].Bools() {
				o[i] = !v
			}
			return nil
		},
	})
}
