package elementwise

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/kernels/parallel"
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
	// pool splits large float32 fast paths (nil: the caller's goroutine).
	pool *parallel.Pool
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

func unaryT[T tensor.Elem](x *tensor.Tensor, f func(T) T) (*tensor.Tensor, error) {
	if f == nil {
		return nil, fmt.Errorf("input type %v is not supported", x.DType())
	}
	out := tensor.New(x.DType(), x.Shape()...)
	mapSlice(tensor.Data[T](out), tensor.Data[T](x), f)
	return out, nil
}

// apply computes op over x into a new tensor of x's type.
func (op unaryOp) apply(x *tensor.Tensor) (*tensor.Tensor, error) {
	switch dt := x.DType(); dt {
	case tensor.Float32:
		if f := fastUnary32(op); f != nil {
			return unary32(op.pool, f, x), nil
		}
		return unaryT(x, floatUnary[float32](op))
	case tensor.Float64:
		return unaryT(x, floatUnary[float64](op))
	case tensor.Float16, tensor.BFloat16:
		y, err := unaryT(widen(x), floatUnary[float32](op))
		if err != nil {
			return nil, err
		}
		return narrow(y, dt), nil
	case tensor.Int8:
		return unaryT(x, signedUnary[int8](op))
	case tensor.Int16:
		return unaryT(x, signedUnary[int16](op))
	case tensor.Int32:
		return unaryT(x, signedUnary[int32](op))
	case tensor.Int64:
		return unaryT(x, signedUnary[int64](op))
	case tensor.Uint8:
		return unaryT(x, unsignedUnary[uint8](op))
	case tensor.Uint16:
		return unaryT(x, unsignedUnary[uint16](op))
	case tensor.Uint32:
		return unaryT(x, unsignedUnary[uint32](op))
	case tensor.Uint64:
		return unaryT(x, unsignedUnary[uint64](op))
	}
	return nil, fmt.Errorf("input type %v is not supported", x.DType())
}

// unaryKernel returns a kernel applying op to input 0.
func unaryKernel(op unaryOp) ops.Kernel {
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := need(in, 1); err != nil {
			return nil, err
		}
		return one(op.apply(in[0]))
	}
}

// bindUnary binds an operator without attributes (legacy consumed_inputs is
// ignored).
func bindUnary(kind unaryKind) ops.BindFunc {
	return func(n *ops.Node) (ops.Kernel, error) {
		return unaryKernel(unaryOp{kind: kind, pool: n.Pool}), nil
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
		op := unaryOp{kind: kind, pool: n.Pool}
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
		return unaryKernel(op), nil
	}
}

// floatPredicate computes a bool tensor from a floating-point tensor.
func floatPredicate(x *tensor.Tensor, f func(float64) bool) (*tensor.Tensor, error) {
	out := tensor.New(tensor.Bool, x.Shape()...)
	o := out.Bools()
	switch x.DType() {
	case tensor.Float32:
		mapSlice(o, x.Float32s(), func(v float32) bool { return f(float64(v)) })
	case tensor.Float64:
		mapSlice(o, x.Float64s(), f)
	case tensor.Float16, tensor.BFloat16:
		mapSlice(o, widen(x).Float32s(), func(v float32) bool { return f(float64(v)) })
	default:
		return nil, fmt.Errorf("input type %v is not a floating-point type", x.DType())
	}
	return out, nil
}

func bindIsNaN(n *ops.Node) (ops.Kernel, error) {
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := need(in, 1); err != nil {
			return nil, err
		}
		return one(floatPredicate(in[0], func(v float64) bool { return v != v }))
	}, nil
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
	f := func(v float64) bool {
		return (pos != 0 && math.IsInf(v, 1)) || (neg != 0 && math.IsInf(v, -1))
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := need(in, 1); err != nil {
			return nil, err
		}
		return one(floatPredicate(in[0], f))
	}, nil
}

func bindNot(n *ops.Node) (ops.Kernel, error) {
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := need(in, 1); err != nil {
			return nil, err
		}
		x := in[0]
		if x.DType() != tensor.Bool {
			return nil, fmt.Errorf("Not: input type %v is not bool", x.DType())
		}
		out := tensor.New(tensor.Bool, x.Shape()...)
		mapSlice(out.Bools(), x.Bools(), func(v bool) bool { return !v })
		return []*tensor.Tensor{out}, nil
	}, nil
}
