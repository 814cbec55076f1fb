package ops

import (
	"fmt"

	"github.com/sinter-ml/sinter/tensor"
)

// UnstorableTypeError reports an element type Sinter names but cannot hold
// (float8, 4-bit, float4, complex): what says where it was met ("input 1").
func UnstorableTypeError(op, what string, dt tensor.DType) error {
	return fmt.Errorf("%s: %s has element type %v, which Sinter does not support (no float8, 4-bit or complex tensors)",
		op, what, dt)
}

// CheckInputTypes refuses a node whose statically known input types (or
// the element types of its sequence and optional inputs) include one
// Sinter cannot hold.
func CheckInputTypes(n *Node) error {
	for i, t := range n.InputTypes {
		if t == nil || !n.HasInput(i) {
			continue
		}
		for t.Inner != nil && t.Elem == tensor.Undefined {
			t = t.Inner // sequence or optional
		}
		if t.Elem != tensor.Undefined && !t.Elem.Valid() {
			return UnstorableTypeError(n.OpType, fmt.Sprintf("input %d", i), t.Elem)
		}
	}
	return nil
}

// RefuseUnstorable wraps bind for operator versions that only widened their
// type lists to types Sinter cannot hold (float8 in opset 19, 4-bit in 21):
// such a node fails to bind with a clear error instead of misbehaving.
// Values created at run time need no check: no tensor of those types can
// exist.
func RefuseUnstorable(bind BindFunc) BindFunc {
	return func(n *Node) (Kernel, error) {
		if err := CheckInputTypes(n); err != nil {
			return nil, err
		}
		return bind(n)
	}
}

// RefuseUnstorableValue is RefuseUnstorable for value kernels.
func RefuseUnstorableValue(bind ValueBindFunc) ValueBindFunc {
	return func(n *Node) (ValueKernel, error) {
		if err := CheckInputTypes(n); err != nil {
			return nil, err
		}
		return bind(n)
	}
}
