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
	return planUnary(n, unaryOp{kind: kind}, func(dt tensor.DType) error {
		if !dt.IsFloat() {
			return fmt.Errorf("Gelu: input type %v is not a float type", dt)
		}
		return nil
	})
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

// bitwiseInto sets y = a k b for integer operands, broadcasting B as if of
// shape bs.
func bitwiseInto(k bitwiseKind, a, b, y *tensor.Tensor, bs tensor.Shape) {
	var bcv bcast
	bc := &bcv
	bc.init(y.Shape(), a.Shape(), bs)
	switch a.DType() {
	case tensor.Int8:
		binBC(bc, 0, bc.n, tensor.Data[int8](y), tensor.Data[int8](a), tensor.Data[int8](b), bitwiseFn[int8](k))
	case tensor.Int16:
		binBC(bc, 0, bc.n, tensor.Data[int16](y), tensor.Data[int16](a), tensor.Data[int16](b), bitwiseFn[int16](k))
	case tensor.Int32:
		binBC(bc, 0, bc.n, tensor.Data[int32](y), tensor.Data[int32](a), tensor.Data[int32](b), bitwiseFn[int32](k))
	case tensor.Int64:
		binBC(bc, 0, bc.n, tensor.Data[int64](y), tensor.Data[int64](a), tensor.Data[int64](b), bitwiseFn[int64](k))
	case tensor.Uint8:
		binBC(bc, 0, bc.n, tensor.Data[uint8](y), tensor.Data[uint8](a), tensor.Data[uint8](b), bitwiseFn[uint8](k))
	case tensor.Uint16:
		binBC(bc, 0, bc.n, tensor.Data[uint16](y), tensor.Data[uint16](a), tensor.Data[uint16](b), bitwiseFn[uint16](k))
	case tensor.Uint32:
		binBC(bc, 0, bc.n, tensor.Data[uint32](y), tensor.Data[uint32](a), tensor.Data[uint32](b), bitwiseFn[uint32](k))
	case tensor.Uint64:
		binBC(bc, 0, bc.n, tensor.Data[uint64](y), tensor.Data[uint64](a), tensor.Data[uint64](b), bitwiseFn[uint64](k))
	}
}

// bindBitwise binds BitwiseAnd, BitwiseOr and BitwiseXor (opset 18): integer
// inputs of one type, with multidirectional broadcasting.
func bindBitwise(name string, k bitwiseKind) ops.BindFunc {
	return func(n *ops.Node) (ops.Kernel, error) {
		return planBinary(n, name,
			func(a, b tensor.DType) (tensor.DType, error) {
				if a != b {
					return 0, fmt.Errorf("input types differ: %v and %v", a, b)
				}
				if !a.IsInt() {
					return 0, fmt.Errorf("input type %v is not an integer type", a)
				}
				return a, nil
			},
			func(a, b, y *tensor.Tensor, bs tensor.Shape) { bitwiseInto(k, a, b, y, bs) })
	}
}

func notInto[T Integer](x, y *tensor.Tensor) {
	mapSlice(tensor.Data[T](y), tensor.Data[T](x), func(v T) T { return ^v })
}

// bindBitwiseNot binds BitwiseNot (opset 18).
func bindBitwiseNot(n *ops.Node) (ops.Kernel, error) {
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if err := need(in, 1); err != nil {
				return err
			}
			if !in[0].DType().IsInt() {
				return fmt.Errorf("BitwiseNot: input type %v is not an integer type", in[0].DType())
			}
			sameAs(in[0], out)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			x, y := in[0], out[0]
			switch x.DType() {
			case tensor.Int8:
				notInto[int8](x, y)
			case tensor.Int16:
				notInto[int16](x, y)
			case tensor.Int32:
				notInto[int32](x, y)
			case tensor.Int64:
				notInto[int64](x, y)
			case tensor.Uint8:
				notInto[uint8](x, y)
			case tensor.Uint16:
				notInto[uint16](x, y)
			case tensor.Uint32:
				notInto[uint32](x, y)
			case tensor.Uint64:
				notInto[uint64](x, y)
			}
			return nil
		},
	})
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
