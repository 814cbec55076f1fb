package elementwise

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// Operators and versions from ai.onnx opsets 18–21: Gelu, the Bitwise*
// family, Cast/CastLike's saturate, and the type-widening bumps whose new
// types (float8, 4-bit integers) Sinter's tensors cannot hold.

// bindCast19 is Cast from opset 19: saturate only affects conversions to
// float8 types, which Sinter refuses.
func bindCast19(n *ops.Node) (ops.Kernel, error) {
	if err := checkSaturate(n); err != nil {
		return nil, err
	}
	if a := n.Attr("to"); a != nil {
		v, err := n.Int("to", 0)
		if err != nil {
			return nil, fmt.Errorf("Cast: %w", err)
		}
		if v > 0 && v <= 255 && !tensor.DType(v).Valid() {
			return nil, ops.UnstorableTypeError("Cast", "attribute to", tensor.DType(v))
		}
	}
	return ops.RefuseUnstorable(bindCast)(n)
}

// bindCastLike19 is CastLike from opset 19.
func bindCastLike19(n *ops.Node) (ops.Kernel, error) {
	if err := checkSaturate(n); err != nil {
		return nil, err
	}
	return ops.RefuseUnstorable(bindCastLike)(n)
}

func checkSaturate(n *ops.Node) error {
	s, err := n.Int("saturate", 1)
	if err != nil {
		return fmt.Errorf("%s: %w", n.OpType, err)
	}
	if s != 0 && s != 1 {
		return fmt.Errorf("%s: saturate must be 0 or 1, got %d", n.OpType, s)
	}
	return nil
}

// bindGelu binds Gelu-20: approximate is "none" (exact, with erf) or "tanh".
func bindGelu(n *ops.Node) (ops.Kernel, error) {
	a, err := n.String("approximate", "none")
	if err != nil {
		return nil, fmt.Errorf("Gelu: %w", err)
	}
	var kind unaryKind
	switch a {
	case "none":
		kind = uGelu
	case "tanh":
		kind = uGeluTanh
	default:
		return nil, fmt.Errorf("Gelu: unknown approximate %q", a)
	}
	op := unaryOp{kind: kind}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := need(in, 1); err != nil {
			return nil, err
		}
		if !in[0].DType().IsFloat() {
			return nil, fmt.Errorf("Gelu: input type %v is not a float type", in[0].DType())
		}
		return one(op.apply(in[0]))
	}, nil
}

type bitwiseKind int

const (
	bitAnd bitwiseKind = iota
	bitOr
	bitXor
)

func bitwiseFn[T Integer](k bitwiseKind) func(a, b T) T {
	switch k {
	case bitAnd:
		return func(a, b T) T { return a & b }
	case bitOr:
		return func(a, b T) T { return a | b }
	}
	return func(a, b T) T { return a ^ b }
}

func bitwiseT[T Integer](a, b *tensor.Tensor, os tensor.Shape, k bitwiseKind) *tensor.Tensor {
	return binTyped(a, b, a.DType(), os, bitwiseFn[T](k))
}

// bindBitwise binds BitwiseAnd, BitwiseOr and BitwiseXor (opset 18): integer
// inputs of one type, with multidirectional broadcasting.
func bindBitwise(name string, k bitwiseKind) ops.BindFunc {
	return func(n *ops.Node) (ops.Kernel, error) {
		return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			if err := need(in, 2); err != nil {
				return nil, err
			}
			a, b := in[0], in[1]
			if err := sameType(a, b); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			os, err := broadcastOut(a, b)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			var out *tensor.Tensor
			switch a.DType() {
			case tensor.Int8:
				out = bitwiseT[int8](a, b, os, k)
			case tensor.Int16:
				out = bitwiseT[int16](a, b, os, k)
			case tensor.Int32:
				out = bitwiseT[int32](a, b, os, k)
			case tensor.Int64:
				out = bitwiseT[int64](a, b, os, k)
			case tensor.Uint8:
				out = bitwiseT[uint8](a, b, os, k)
			case tensor.Uint16:
				out = bitwiseT[uint16](a, b, os, k)
			case tensor.Uint32:
				out = bitwiseT[uint32](a, b, os, k)
			case tensor.Uint64:
				out = bitwiseT[uint64](a, b, os, k)
			default:
				return nil, fmt.Errorf("%s: input type %v is not an integer type", name, a.DType())
			}
			return []*tensor.Tensor{out}, nil
		}, nil
	}
}

func notT[T Integer](x *tensor.Tensor) *tensor.Tensor {
	out := tensor.New(x.DType(), x.Shape()...)
	mapSlice(tensor.Data[T](out), tensor.Data[T](x), func(v T) T { return ^v })
	return out
}

// bindBitwiseNot binds BitwiseNot (opset 18).
func bindBitwiseNot(n *ops.Node) (ops.Kernel, error) {
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := need(in, 1); err != nil {
			return nil, err
		}
		x := in[0]
		var out *tensor.Tensor
		switch x.DType() {
		case tensor.Int8:
			out = notT[int8](x)
		case tensor.Int16:
			out = notT[int16](x)
		case tensor.Int32:
			out = notT[int32](x)
		case tensor.Int64:
			out = notT[int64](x)
		case tensor.Uint8:
			out = notT[uint8](x)
		case tensor.Uint16:
			out = notT[uint16](x)
		case tensor.Uint32:
			out = notT[uint32](x)
		case tensor.Uint64:
			out = notT[uint64](x)
		default:
			return nil, fmt.Errorf("BitwiseNot: input type %v is not an integer type", x.DType())
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// registerOpset18Plus adds this family's registrations for opsets 18–21.
func registerOpset18Plus(r *ops.Registry) {
	r.Register("", "BitwiseAnd", 18, bindBitwise("BitwiseAnd", bitAnd))
	r.Register("", "BitwiseOr", 18, bindBitwise("BitwiseOr", bitOr))
	r.Register("", "BitwiseXor", 18, bindBitwise("BitwiseXor", bitXor))
	r.Register("", "BitwiseNot", 18, bindBitwiseNot)
	r.Register("", "Gelu", 20, bindGelu)

	// 19 added string; the comparison kernel already handles it.
	r.Register("", "Equal", 19, bindCompare(cEq))
	// 19: float8 types and saturate; 21: 4-bit integer types.
	r.RegisterVersions("", "Cast", []int64{19, 21}, bindCast19)
	r.RegisterVersions("", "CastLike", []int64{19, 21}, bindCastLike19)
	// 20: float8 types only.
	r.Register("", "IsNaN", 20, ops.RefuseUnstorable(bindIsNaN))
	r.Register("", "IsInf", 20, ops.RefuseUnstorable(bindIsInf))
	// 19: float8 types; 21: 4-bit types. Sequences and optionals pass through.
	r.RegisterValue("", "Identity", 19, ops.RefuseUnstorableValue(bindIdentityValue))
	r.RegisterValue("", "Identity", 21, ops.RefuseUnstorableValue(bindIdentityValue))
}
