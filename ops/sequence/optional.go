package sequence

import (
	"fmt"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// An optional that holds a value is represented by the value itself (a
// tensor or a sequence); an empty optional is ops.None.

// Optional-15: wrap the input, or, without one, an empty optional of the
// type attribute.
func bindOptional(n *ops.Node) (ops.ValueKernel, error) {
	var typ *ir.Type
	if a := n.Attr("type"); a != nil {
		if a.Type != ir.AttrTypeProto {
			return nil, fmt.Errorf("Optional: attribute type is %v, want type_proto", a.Type)
		}
		typ = a.TP
	}
	if !n.HasInput(0) && typ == nil {
		return nil, fmt.Errorf("Optional: without an input, attribute type is required")
	}
	return func(in []ops.Value) ([]ops.Value, error) {
		if !present(in, 0) {
			return []ops.Value{ops.None{Type: typ}}, nil
		}
		switch v := in[0].(type) {
		case *tensor.Tensor, *ops.Sequence:
			return []ops.Value{v}, nil
		}
		return nil, fmt.Errorf("Optional: input must be a tensor or a sequence, got %s", kindOf(in[0]))
	}, nil
}

// OptionalHasElement-15: whether the optional holds a value. As in opset
// 18, an omitted input counts as empty and a plain tensor or sequence as
// full.
func bindOptionalHasElement(n *ops.Node) (ops.ValueKernel, error) {
	return func(in []ops.Value) ([]ops.Value, error) {
		has := false
		if present(in, 0) {
			switch in[0].(type) {
			case ops.None:
			case *tensor.Tensor, *ops.Sequence:
				has = true
			default:
				return nil, fmt.Errorf("OptionalHasElement: unexpected input %s", kindOf(in[0]))
			}
		}
		return []ops.Value{tensor.Scalar(has)}, nil
	}, nil
}

// OptionalGetElement-15: the value an optional holds; an error when empty.
// A plain tensor or sequence is passed through, as in opset 18.
func bindOptionalGetElement(n *ops.Node) (ops.ValueKernel, error) {
	return func(in []ops.Value) ([]ops.Value, error) {
		if !present(in, 0) {
			return nil, fmt.Errorf("OptionalGetElement: input is missing")
		}
		switch v := in[0].(type) {
		case ops.None:
			return nil, fmt.Errorf("OptionalGetElement: the optional is empty")
		case *tensor.Tensor, *ops.Sequence:
			return []ops.Value{v}, nil
		}
		return nil, fmt.Errorf("OptionalGetElement: unexpected input %s", kindOf(in[0]))
	}, nil
}
