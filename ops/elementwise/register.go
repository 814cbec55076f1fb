// Package elementwise implements ONNX operators of the elementwise family:
// unary math, arithmetic and comparison with broadcasting, activations,
// Cast, Where, Identity and Dropout.
package elementwise

import "github.com/sinter-ml/sinter/ops"

// Register adds this family's operators to r.
func Register(r *ops.Registry) {
	reg := func(op string, sinces []int64, bind ops.BindFunc) {
		r.RegisterVersions("", op, sinces, bind)
	}

	// Unary math.
	for _, u := range plainUnary {
		reg(u.op, u.sinces, bindUnary(u.kind))
	}
	// Written-out HardSwish/HardSigmoid the compiler recognises in models
	// importing opsets where ONNX's own ops do not exist yet (HardSwish: 14).
	r.Register("sinter", "HardSwish", 1, bindUnary(uHardSwish))
	r.Register("sinter", "HardSigmoid", 1, bindUnaryAttrs(uHardSigmoid, []string{"alpha", "beta"}, []float32{0.2, 0.5}))
	reg("IsNaN", []int64{9, 13}, bindIsNaN)
	reg("IsInf", []int64{10}, bindIsInf)
	reg("Not", []int64{1}, bindNot)

	// Activations with attributes.
	reg("LeakyRelu", []int64{1, 6, 16}, bindUnaryAttrs(uLeakyRelu, []string{"alpha"}, []float32{0.01}))
	reg("Elu", []int64{1, 6}, bindUnaryAttrs(uElu, []string{"alpha"}, []float32{1}))
	r.Register("", "Selu", 1, bindUnaryAttrs(uSelu, []string{"alpha", "gamma"}, []float32{1.6732, 1.0507}))
	r.Register("", "Selu", 6, bindUnaryAttrs(uSelu, []string{"alpha", "gamma"},
		[]float32{1.67326319217681884765625, 1.05070102214813232421875}))
	reg("Celu", []int64{12}, bindUnaryAttrs(uCelu, []string{"alpha"}, []float32{1}))
	reg("HardSigmoid", []int64{1, 6}, bindUnaryAttrs(uHardSigmoid, []string{"alpha", "beta"}, []float32{0.2, 0.5}))
	reg("ThresholdedRelu", []int64{10}, bindUnaryAttrs(uThresholdedRelu, []string{"alpha"}, []float32{1}))
	reg("Shrink", []int64{9}, bindUnaryAttrs(uShrink, []string{"lambd", "bias"}, []float32{0.5, 0}))
	// A chain of the float32 steps above applied in one pass over memory:
	// what the compiler's fuse-elementwise-chain pass makes (chain.go).
	r.Register("sinter", "ElementwiseChain", 1, bindChain)
	reg("PRelu", []int64{1, 6, 7, 9, 16}, bindPRelu)
	reg("Clip", []int64{1, 6, 11, 12, 13}, bindClip)

	// Binary arithmetic, comparison and logic.
	arithSinces := []int64{1, 6, 7, 13, 14}
	reg("Add", arithSinces, bindArith(bAdd))
	reg("Sub", arithSinces, bindArith(bSub))
	reg("Mul", arithSinces, bindArith(bMul))
	reg("Div", arithSinces, bindArith(bDiv))
	reg("Pow", []int64{1, 7, 12, 13, 15}, bindPow)
	reg("Mod", []int64{10, 13}, bindMod)
	reg("BitShift", []int64{11}, bindBitShift)
	reg("And", []int64{1, 7}, bindLogical("And", func(a, b bool) bool { return a && b }))
	reg("Or", []int64{1, 7}, bindLogical("Or", func(a, b bool) bool { return a || b }))
	reg("Xor", []int64{1, 7}, bindLogical("Xor", func(a, b bool) bool { return a != b }))
	reg("Equal", []int64{1, 7, 11, 13}, bindCompare(cEq))
	reg("Greater", []int64{1, 7, 9, 13}, bindCompare(cGt))
	reg("Less", []int64{1, 7, 9, 13}, bindCompare(cLt))
	reg("GreaterOrEqual", []int64{12, 16}, bindCompare(cGe))
	reg("LessOrEqual", []int64{12, 16}, bindCompare(cLe))

	// Variadic with broadcasting.
	reg("Sum", []int64{1, 6, 8, 13}, bindVariadic("Sum", bAdd, false))
	reg("Mean", []int64{1, 6, 8, 13}, bindVariadic("Mean", bAdd, true))
	reg("Max", []int64{1, 6, 8, 12, 13}, bindVariadic("Max", bMax, false))
	reg("Min", []int64{1, 6, 8, 12, 13}, bindVariadic("Min", bMin, false))

	// Other.
	reg("Cast", []int64{1, 6, 9, 13}, bindCast)
	reg("CastLike", []int64{15}, bindCastLike)
	reg("Where", []int64{9, 16}, bindWhere)
	reg("Identity", []int64{1, 13}, bindIdentity)
	// From opset 14 Identity also passes sequences through, from 16 optionals.
	r.RegisterValue("", "Identity", 14, bindIdentityValue)
	r.RegisterValue("", "Identity", 16, bindIdentityValue)
	reg("Dropout", []int64{1, 6, 7, 10, 12, 13}, bindDropout)
	// In training mode Dropout samples a mask; the compiler must not fold it.
	r.MarkNondeterministic("", "Dropout")

	registerOpset18Plus(r)
}

// plainUnary lists the unary operators without attributes, with the
// versions at which their type lists grew: Register binds them and the
// ElementwiseChain takes its steps of the same names from here.
var plainUnary = []struct {
	op     string
	kind   unaryKind
	sinces []int64
}{
	{"Abs", uAbs, v1613}, {"Neg", uNeg, v1613}, {"Reciprocal", uReciprocal, v1613},
	{"Sqrt", uSqrt, v1613}, {"Exp", uExp, v1613}, {"Log", uLog, v1613},
	{"Floor", uFloor, v1613}, {"Ceil", uCeil, v1613}, {"Round", uRound, []int64{11}},
	{"Sign", uSign, []int64{9, 13}}, {"Erf", uErf, []int64{9, 13}},
	{"Sin", uSin, []int64{7}}, {"Cos", uCos, []int64{7}}, {"Tan", uTan, []int64{7}},
	{"Asin", uAsin, []int64{7}}, {"Acos", uAcos, []int64{7}}, {"Atan", uAtan, []int64{7}},
	{"Sinh", uSinh, []int64{9}}, {"Cosh", uCosh, []int64{9}}, {"Asinh", uAsinh, []int64{9}},
	{"Acosh", uAcosh, []int64{9}}, {"Atanh", uAtanh, []int64{9}},
	{"Tanh", uTanh, v1613}, {"Sigmoid", uSigmoid, v1613},
	{"Relu", uRelu, []int64{1, 6, 13, 14}},
	{"Softplus", uSoftplus, []int64{1}}, {"Softsign", uSoftsign, []int64{1}},
	{"HardSwish", uHardSwish, []int64{14}}, {"Mish", uMish, []int64{18}},
}

// v1613: the versions of operators whose type lists grew at opsets 6 and 13.
var v1613 = []int64{1, 6, 13}
