package sequence

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// kindOf names the kind of a value for error messages.
func kindOf(v ops.Value) string {
	switch v := v.(type) {
	case nil:
		return "an omitted input"
	case *tensor.Tensor:
		if v == nil {
			return "an omitted input"
		}
		return "a tensor"
	case *ops.Sequence:
		if v == nil {
			return "an omitted input"
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

// asSeq returns v as a sequence or an error naming what.
func asSeq(v ops.Value, what string) (*ops.Sequence, error) {
	if s, ok := v.(*ops.Sequence); ok && s != nil {
		return s, nil
	}
	return nil, fmt.Errorf("%s must be a sequence, got %s", what, kindOf(v))
}

// present reports whether in[i] exists and is not an omitted input.
func present(in []ops.Value, i int) bool {
	if i >= len(in) || in[i] == nil {
		return false
	}
	switch v := in[i].(type) {
	case *tensor.Tensor:
		return v != nil
	case *ops.Sequence:
		return v != nil
	}
	return true
}

// scalarInt reads a one-element int32 or int64 tensor.
func scalarInt(v ops.Value, what string) (int64, error) {
	t, err := asTensor(v, what)
	if err != nil {
		return 0, err
	}
	if t.Len() != 1 {
		return 0, fmt.Errorf("%s must be a scalar, got shape %v", what, t.Shape())
	}
	switch t.DType() {
	case tensor.Int64:
		return t.Int64s()[0], nil
	case tensor.Int32:
		return int64(t.Int32s()[0]), nil
	}
	return 0, fmt.Errorf("%s must be int32 or int64, got %v", what, t.DType())
}

// needInputs checks that the kernel got at least n inputs.
func needInputs(op string, in []ops.Value, n int) error {
	if len(in) < n {
		return fmt.Errorf("%s: got %d inputs, want %d", op, len(in), n)
	}
	return nil
}
