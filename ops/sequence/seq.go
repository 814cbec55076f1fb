package sequence

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// SequenceEmpty-11: an empty sequence of the dtype attribute (default float).
func bindSequenceEmpty(n *ops.Node) (ops.ValueKernel, error) {
	dt, err := n.Int("dtype", int64(tensor.Float32))
	if err != nil {
		return nil, err
	}
	if dt < 0 || dt > 255 || !tensor.DType(dt).Valid() {
		return nil, fmt.Errorf("SequenceEmpty: unsupported dtype %d", dt)
	}
	elem := tensor.DType(dt)
	return func(in []ops.Value) ([]ops.Value, error) {
		return []ops.Value{&ops.Sequence{Elem: elem}}, nil
	}, nil
}

// SequenceConstruct-11: a sequence of the inputs, which share a dtype.
func bindSequenceConstruct(n *ops.Node) (ops.ValueKernel, error) {
	num := n.NumInputs()
	if num < 1 {
		return nil, fmt.Errorf("SequenceConstruct needs at least one input")
	}
	return func(in []ops.Value) ([]ops.Value, error) {
		if err := needInputs("SequenceConstruct", in, num); err != nil {
			return nil, err
		}
		items := make([]*tensor.Tensor, num)
		for i := range items {
			t, err := asTensorAt(in[i], "SequenceConstruct input", i)
			if err != nil {
				return nil, err
			}
			if i > 0 && t.DType() != items[0].DType() {
				return nil, fmt.Errorf("SequenceConstruct: input %d has dtype %v, input 0 has %v", i, t.DType(), items[0].DType())
			}
			items[i] = t
		}
		return []ops.Value{&ops.Sequence{Elem: items[0].DType(), Items: items}}, nil
	}, nil
}

// checkElem verifies that t may join s and returns the sequence's
// resulting element type.
func checkElem(op string, s *ops.Sequence, t *tensor.Tensor) (tensor.DType, error) {
	elem := s.Elem
	if elem == tensor.Undefined && len(s.Items) > 0 {
		elem = s.Items[0].DType()
	}
	if elem == tensor.Undefined {
		return t.DType(), nil
	}
	if t.DType() != elem {
		return 0, fmt.Errorf("%s: tensor has dtype %v, sequence holds %v", op, t.DType(), elem)
	}
	return elem, nil
}

// SequenceInsert-11: insert tensor at position (default: the back), with
// position in [-n, n].
func bindSequenceInsert(n *ops.Node) (ops.ValueKernel, error) {
	if n.NumInputs() < 2 {
		return nil, fmt.Errorf("SequenceInsert needs input_sequence and tensor")
	}
	return func(in []ops.Value) ([]ops.Value, error) {
		if err := needInputs("SequenceInsert", in, 2); err != nil {
			return nil, err
		}
		s, err := asSeq(in[0], "SequenceInsert input_sequence")
		if err != nil {
			return nil, err
		}
		t, err := asTensor(in[1], "SequenceInsert tensor")
		if err != nil {
			return nil, err
		}
		elem, err := checkElem("SequenceInsert", s, t)
		if err != nil {
			return nil, err
		}
		size := int64(len(s.Items))
		pos := size
		if present(in, 2) {
			if pos, err = scalarInt(in[2], "SequenceInsert position"); err != nil {
				return nil, err
			}
			if pos < -size || pos > size {
				return nil, fmt.Errorf("SequenceInsert: position %d out of range [-%d, %d]", pos, size, size)
			}
			if pos < 0 {
				pos += size
			}
		}
		items := make([]*tensor.Tensor, 0, len(s.Items)+1)
		items = append(items, s.Items[:pos]...)
		items = append(items, t)
		items = append(items, s.Items[pos:]...)
		return []ops.Value{&ops.Sequence{Elem: elem, Items: items}}, nil
	}, nil
}

// position normalises a position in [-n, n-1] into [0, n).
func position(op string, p, size int64) (int, error) {
	if p < -size || p >= size {
		if size == 0 {
			return 0, fmt.Errorf("%s: position %d out of range: the sequence is empty", op, p)
		}
		return 0, fmt.Errorf("%s: position %d out of range [-%d, %d]", op, p, size, size-1)
	}
	if p < 0 {
		p += size
	}
	return int(p), nil
}

// SequenceAt-11: the tensor at position, in [-n, n-1].
func bindSequenceAt(n *ops.Node) (ops.ValueKernel, error) {
	if n.NumInputs() < 2 {
		return nil, fmt.Errorf("SequenceAt needs input_sequence and position")
	}
	return func(in []ops.Value) ([]ops.Value, error) {
		if err := needInputs("SequenceAt", in, 2); err != nil {
			return nil, err
		}
		s, err := asSeq(in[0], "SequenceAt input_sequence")
		if err != nil {
			return nil, err
		}
		p, err := scalarInt(in[1], "SequenceAt position")
		if err != nil {
			return nil, err
		}
		i, err := position("SequenceAt", p, int64(len(s.Items)))
		if err != nil {
			return nil, err
		}
		return []ops.Value{s.Items[i]}, nil
	}, nil
}

// SequenceErase-11: remove the tensor at position (default: the last).
func bindSequenceErase(n *ops.Node) (ops.ValueKernel, error) {
	if n.NumInputs() < 1 {
		return nil, fmt.Errorf("SequenceErase needs input_sequence")
	}
	return func(in []ops.Value) ([]ops.Value, error) {
		if err := needInputs("SequenceErase", in, 1); err != nil {
			return nil, err
		}
		s, err := asSeq(in[0], "SequenceErase input_sequence")
		if err != nil {
			return nil, err
		}
		p := int64(-1)
		if present(in, 1) {
			if p, err = scalarInt(in[1], "SequenceErase position"); err != nil {
				return nil, err
			}
		}
		i, err := position("SequenceErase", p, int64(len(s.Items)))
		if err != nil {
			return nil, err
		}
		items := make([]*tensor.Tensor, 0, len(s.Items)-1)
		items = append(items, s.Items[:i]...)
		items = append(items, s.Items[i+1:]...)
		return []ops.Value{&ops.Sequence{Elem: s.Elem, Items: items}}, nil
	}, nil
}

// SequenceLength-11: the number of tensors, as an int64 scalar.
func bindSequenceLength(n *ops.Node) (ops.ValueKernel, error) {
	return func(in []ops.Value) ([]ops.Value, error) {
		if err := needInputs("SequenceLength", in, 1); err != nil {
			return nil, err
		}
		s, err := asSeq(in[0], "SequenceLength input_sequence")
		if err != nil {
			return nil, err
		}
		return []ops.Value{tensor.Scalar(int64(len(s.Items)))}, nil
	}, nil
}

// SplitToSequence-11: cut input along axis into pieces given by split (a
// scalar chunk size, a 1-D list of lengths, or absent: pieces of 1, squeezed
// unless keepdims).
func bindSplitToSequence(n *ops.Node) (ops.ValueKernel, error) {
	axisAttr, err := n.Int("axis", 0)
	if err != nil {
		return nil, err
	}
	keepdims, err := n.Int("keepdims", 1)
	if err != nil {
		return nil, err
	}
	return func(in []ops.Value) ([]ops.Value, error) {
		if err := needInputs("SplitToSequence", in, 1); err != nil {
			return nil, err
		}
		x, err := asTensor(in[0], "SplitToSequence input")
		if err != nil {
			return nil, err
		}
		axis, err := ops.NormAxis(axisAttr, x.Rank())
		if err != nil {
			return nil, fmt.Errorf("SplitToSequence: %w", err)
		}
		dim := x.Shape()[axis]
		var lengths []int
		squeeze := false
		if present(in, 1) {
			st, err := asTensor(in[1], "SplitToSequence split")
			if err != nil {
				return nil, err
			}
			vals, err := ops.Int64s(st)
			if err != nil {
				return nil, fmt.Errorf("SplitToSequence split: %w", err)
			}
			switch st.Rank() {
			case 0:
				chunk := vals[0]
				if chunk <= 0 {
					return nil, fmt.Errorf("SplitToSequence: split must be positive, got %d", chunk)
				}
				for off := 0; off < dim; {
					l := int(min(chunk, int64(dim-off)))
					lengths = append(lengths, l)
					off += l
				}
			case 1:
				sum := int64(0)
				for _, v := range vals {
					if v < 0 {
						return nil, fmt.Errorf("SplitToSequence: split lengths must be ≥ 0, got %v", vals)
					}
					sum += v
					if sum > int64(dim) {
						break
					}
				}
				if sum != int64(dim) {
					return nil, fmt.Errorf("SplitToSequence: split lengths %v do not sum to dim %d of axis %d", vals, dim, axis)
				}
				lengths = make([]int, len(vals))
				for i, v := range vals {
					lengths[i] = int(v)
				}
			default:
				return nil, fmt.Errorf("SplitToSequence: split must be a scalar or 1-D, got shape %v", st.Shape())
			}
		} else {
			lengths = make([]int, dim)
			for i := range lengths {
				lengths[i] = 1
			}
			squeeze = keepdims == 0
		}
		items := make([]*tensor.Tensor, len(lengths))
		off := 0
		for i, l := range lengths {
			piece, err := SliceAxis(x, axis, off, l)
			if err != nil {
				return nil, fmt.Errorf("SplitToSequence: %w", err)
			}
			if squeeze {
				if piece, err = piece.Reshape(RemoveDim(piece.Shape(), axis)...); err != nil {
					return nil, fmt.Errorf("SplitToSequence: %w", err)
				}
			}
			items[i] = piece
			off += l
		}
		return []ops.Value{&ops.Sequence{Elem: x.DType(), Items: items}}, nil
	}, nil
}

// ConcatFromSequence-11: concatenate (new_axis=0) or stack (new_axis=1) the
// tensors of a sequence along axis.
func bindConcatFromSequence(n *ops.Node) (ops.ValueKernel, error) {
	if !n.Has("axis") {
		return nil, fmt.Errorf("ConcatFromSequence: attribute axis is required")
	}
	axisAttr, err := n.Int("axis", 0)
	if err != nil {
		return nil, err
	}
	newAxis, err := n.Int("new_axis", 0)
	if err != nil {
		return nil, err
	}
	if newAxis != 0 && newAxis != 1 {
		return nil, fmt.Errorf("ConcatFromSequence: new_axis must be 0 or 1, got %d", newAxis)
	}
	return func(in []ops.Value) ([]ops.Value, error) {
		if err := needInputs("ConcatFromSequence", in, 1); err != nil {
			return nil, err
		}
		s, err := asSeq(in[0], "ConcatFromSequence input_sequence")
		if err != nil {
			return nil, err
		}
		if len(s.Items) == 0 {
			return nil, fmt.Errorf("ConcatFromSequence: the input sequence is empty")
		}
		rank := s.Items[0].Rank()
		var out *tensor.Tensor
		if newAxis == 1 {
			axis, err := ops.NormAxis(axisAttr, rank+1)
			if err != nil {
				return nil, fmt.Errorf("ConcatFromSequence: %w", err)
			}
			out, err = Stack(s.Items, axis)
			if err != nil {
				return nil, fmt.Errorf("ConcatFromSequence: %w", err)
			}
		} else {
			axis, err := ops.NormAxis(axisAttr, rank)
			if err != nil {
				return nil, fmt.Errorf("ConcatFromSequence: %w", err)
			}
			out, err = Concat(s.Items, axis)
			if err != nil {
				return nil, fmt.Errorf("ConcatFromSequence: %w", err)
			}
		}
		return []ops.Value{out}, nil
	}, nil
}
