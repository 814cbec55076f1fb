package control

import (
	"fmt"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/ops/sequence"
	"github.com/sinter-ml/sinter/tensor"
)

// kindOf names the kind of a value for error messages.
func kindOf(v ops.Value) string {
	switch v := v.(type) {
	case nil:
		return "nothing"
	case *tensor.Tensor:
		if v == nil {
			return "nothing"
		}
		return "a tensor " + v.String()
	case *ops.Sequence:
		if v == nil {
			return "nothing"
		}
		return "a sequence"
	case ops.None:
		return "an empty optional"
	}
	return fmt.Sprintf("a %T", v)
}

// asTensor returns v as a tensor or an error naming what.
func asTensor(v ops.Value, what string) (*tensor.Tensor, error) {
	if t, ok := v.(*tensor.Tensor); ok && t != nil {
		return t, nil
	}
	return nil, fmt.Errorf("%s must be a tensor, got %s", what, kindOf(v))
}

// asTensorAt is asTensor for entry k of what (a name formatted only on
// error, so that the loops calling it allocate nothing).
func asTensorAt(v ops.Value, what string, k int) (*tensor.Tensor, error) {
	if t, ok := v.(*tensor.Tensor); ok && t != nil {
		return t, nil
	}
	return nil, fmt.Errorf("%s %d must be a tensor, got %s", what, k, kindOf(v))
}

// present reports whether v is a value rather than an omitted input.
func present(v ops.Value) bool {
	switch v := v.(type) {
	case nil:
		return false
	case *tensor.Tensor:
		return v != nil
	case *ops.Sequence:
		return v != nil
	}
	return true
}

// scalarBool reads a one-element bool tensor.
func scalarBool(v ops.Value, what string) (bool, error) {
	t, err := asTensor(v, what)
	if err != nil {
		return false, err
	}
	if t.DType() != tensor.Bool {
		return false, fmt.Errorf("%s must be bool, got %v", what, t.DType())
	}
	if t.Len() != 1 {
		return false, fmt.Errorf("%s must hold one element, got shape %v", what, t.Shape())
	}
	return t.Bools()[0], nil
}

// scalarInt64 reads a one-element int64 (or int32) tensor.
func scalarInt64(v ops.Value, what string) (int64, error) {
	t, err := asTensor(v, what)
	if err != nil {
		return 0, err
	}
	if t.Len() != 1 {
		return 0, fmt.Errorf("%s must hold one element, got shape %v", what, t.Shape())
	}
	switch t.DType() {
	case tensor.Int64:
		return t.Int64s()[0], nil
	case tensor.Int32:
		return int64(t.Int32s()[0]), nil
	}
	return 0, fmt.Errorf("%s: expected an int32 or int64 tensor, got %v", what, t.DType())
}

// graphOutputType is the declared type of output i of the graph attribute
// called name, or nil.
func graphOutputType(n *ops.Node, name string, i int) *ir.Type {
	a := n.Attr(name)
	if a == nil || a.G == nil || i >= len(a.G.Outputs) {
		return nil
	}
	return a.G.Outputs[i].Type
}

// staticDims reads a declared tensor type: its element type (float32 when
// unknown) and dims (unknown dims as 0; an unknown rank as a scalar).
func staticDims(t *ir.Type) (tensor.DType, tensor.Shape) {
	dt := tensor.Float32
	var dims tensor.Shape
	if t != nil && t.Kind == ir.KindTensor {
		if t.Elem.Valid() {
			dt = t.Elem
		}
		if t.HasShape {
			dims = make(tensor.Shape, len(t.Shape))
			for i, d := range t.Shape {
				if d.Known && d.Value >= 0 && d.Value <= tensor.MaxElements {
					dims[i] = int(d.Value)
				}
			}
		}
	}
	return dt, dims
}

// newTensor allocates a zero tensor after checking its shape.
func newTensor(dt tensor.DType, dims tensor.Shape) (*tensor.Tensor, error) {
	if err := dims.Check(); err != nil {
		return nil, err
	}
	return tensor.New(dt, dims...), nil
}

// emptyFromType builds a tensor with no elements for a scan output that no
// iteration produced: the element type and per-iteration dims come from the
// body's declared output type (see staticDims), with a 0-sized dim inserted
// at position axis.
func emptyFromType(t *ir.Type, axis int) (*tensor.Tensor, error) {
	dt, dims := staticDims(t)
	if axis < 0 || axis > len(dims) {
		return nil, fmt.Errorf("scan output axis %d out of range for rank %d", axis, len(dims)+1)
	}
	return newTensor(dt, sequence.InsertDim(dims, axis, 0))
}
