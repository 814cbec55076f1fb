package shape

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func bindConstant(n *ops.Node) (ops.Kernel, error) {
	var val *tensor.Tensor
	count := 0
	for _, a := range n.Attrs {
		var t *tensor.Tensor
		switch a.Name {
		case "value", "sparse_value":
			if a.Type != ir.AttrTensor && a.Type != ir.AttrSparseTensor || a.T == nil {
				return nil, fmt.Errorf("Constant: attribute %q must be a tensor", a.Name)
			}
			t = a.T
		case "value_float":
			if a.Type != ir.AttrFloat {
				return nil, fmt.Errorf("Constant: attribute %q must be a float", a.Name)
			}
			t = tensor.Scalar(a.F)
		case "value_floats":
			if a.Type != ir.AttrFloats {
				return nil, fmt.Errorf("Constant: attribute %q must be floats", a.Name)
			}
			t = tensor.From(append([]float32{}, a.Floats...), len(a.Floats))
		case "value_int":
			if a.Type != ir.AttrInt {
				return nil, fmt.Errorf("Constant: attribute %q must be an int", a.Name)
			}
			t = tensor.Scalar(a.I)
		case "value_ints":
			if a.Type != ir.AttrInts {
				return nil, fmt.Errorf("Constant: attribute %q must be ints", a.Name)
			}
			t = tensor.From(append([]int64{}, a.Ints...), len(a.Ints))
		case "value_string":
			if a.Type != ir.AttrString {
				return nil, fmt.Errorf("Constant: attribute %q must be a string", a.Name)
			}
			t = tensor.FromStrings([]string{string(a.S)})
		case "value_strings":
			if a.Type != ir.AttrStrings {
				return nil, fmt.Errorf("Constant: attribute %q must be strings", a.Name)
			}
			s := make([]string, len(a.Strings))
			for i, b := range a.Strings {
				s[i] = string(b)
			}
			t = tensor.FromStrings(s, len(s))
		default:
			continue
		}
		val = t
		count++
	}
	if count != 1 {
		return nil, fmt.Errorf("Constant: exactly one value attribute is required, found %d", count)
	}
	return func([]*tensor.Tensor) ([]*tensor.Tensor, error) {
		return []*tensor.Tensor{val}, nil
	}, nil
}

func bindConstantOfShape(n *ops.Node) (ops.Kernel, error) {
	val, err := n.TensorAttr("value")
	if err != nil {
		return nil, fmt.Errorf("ConstantOfShape: %w", err)
	}
	if val == nil {
		val = tensor.Scalar(float32(0))
	}
	if val.Len() != 1 {
		return nil, fmt.Errorf("ConstantOfShape: value must hold one element, has shape %v", val.Shape())
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		st, err := need("ConstantOfShape", in, 0)
		if err != nil {
			return nil, err
		}
		dims, err := intList("ConstantOfShape", "shape", st)
		if err != nil {
			return nil, err
		}
		s, err := ops.ShapeFrom(dims)
		if err != nil {
			return nil, fmt.Errorf("ConstantOfShape: %w", err)
		}
		out, err := alloc("ConstantOfShape", val.DType(), s)
		if err != nil {
			return nil, err
		}
		m, err := moverOf("ConstantOfShape", out, val)
		if err != nil {
			return nil, err
		}
		m.fill(out, 0, out.Len(), val)
		return []*tensor.Tensor{out}, nil
	}, nil
}

func bindShape(n *ops.Node) (ops.Kernel, error) {
	start, err := n.Int("start", 0)
	if err != nil {
		return nil, fmt.Errorf("Shape: %w", err)
	}
	end, err := n.Int("end", math.MaxInt64)
	if err != nil {
		return nil, fmt.Errorf("Shape: %w", err)
	}
	if n.Opset < 15 {
		start, end = 0, math.MaxInt64
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("Shape", in, 0)
		if err != nil {
			return nil, err
		}
		r := int64(x.Rank())
		clamp := func(v int64) int64 {
			if v < 0 {
				v += r
			}
			return min(max(v, 0), r)
		}
		s, e := clamp(start), clamp(end)
		out := []int64{}
		for i := s; i < e; i++ {
			out = append(out, int64(x.Shape()[i]))
		}
		return []*tensor.Tensor{tensor.From(out, len(out))}, nil
	}, nil
}

func bindSize(n *ops.Node) (ops.Kernel, error) {
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("Size", in, 0)
		if err != nil {
			return nil, err
		}
		return []*tensor.Tensor{tensor.Scalar(int64(x.Len()))}, nil
	}, nil
}

func bindEyeLike(n *ops.Node) (ops.Kernel, error) {
	k, err := n.Int("k", 0)
	if err != nil {
		return nil, fmt.Errorf("EyeLike: %w", err)
	}
	dtAttr, err := n.Int("dtype", -1)
	if err != nil {
		return nil, fmt.Errorf("EyeLike: %w", err)
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("EyeLike", in, 0)
		if err != nil {
			return nil, err
		}
		if x.Rank() != 2 {
			return nil, fmt.Errorf("EyeLike: input must be 2-D, got shape %v", x.Shape())
		}
		dt := x.DType()
		if dtAttr >= 0 {
			dt = tensor.DType(dtAttr)
		}
		if dt == tensor.String || !dt.Valid() {
			return nil, fmt.Errorf("EyeLike: unsupported dtype %v", dt)
		}
		out, err := alloc("EyeLike", dt, x.Shape())
		if err != nil {
			return nil, err
		}
		one, err := scalarOf(dt, 1)
		if err != nil {
			return nil, fmt.Errorf("EyeLike: %w", err)
		}
		m, err := moverOf("EyeLike", out, one)
		if err != nil {
			return nil, err
		}
		rows, cols := int64(x.Shape()[0]), int64(x.Shape()[1])
		if k > cols || k < -rows {
			return []*tensor.Tensor{out}, nil
		}
		for i := int64(0); i < rows; i++ {
			j := i + k
			if j >= 0 && j < cols {
				m.fill(out, int(i*cols+j), 1, one)
			}
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func bindRange(n *ops.Node) (ops.Kernel, error) {
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		var ts [3]*tensor.Tensor
		for i := range ts {
			t, err := need("Range", in, i)
			if err != nil {
				return nil, err
			}
			if t.Len() != 1 {
				return nil, fmt.Errorf("Range: input %d must be a scalar, got shape %v", i, t.Shape())
			}
			if t.DType() != in[0].DType() {
				return nil, fmt.Errorf("Range: inputs have different dtypes %v and %v", in[0].DType(), t.DType())
			}
			ts[i] = t
		}
		switch dt := ts[0].DType(); dt {
		case tensor.Float32:
			return rangeFloat[float32](ts)
		case tensor.Float64:
			return rangeFloat[float64](ts)
		case tensor.Int16:
			return rangeInt[int16](ts)
		case tensor.Int32:
			return rangeInt[int32](ts)
		case tensor.Int64:
			return rangeInt[int64](ts)
		case tensor.Int8:
			return rangeInt[int8](ts)
		case tensor.Uint8:
			return rangeInt[uint8](ts)
		case tensor.Uint16:
			return rangeInt[uint16](ts)
		case tensor.Uint32:
			return rangeInt[uint32](ts)
		case tensor.Uint64:
			return rangeInt[uint64](ts)
		default:
			return nil, fmt.Errorf("Range: unsupported dtype %v", dt)
		}
	}, nil
}

func rangeFloat[T float32 | float64](ts [3]*tensor.Tensor) ([]*tensor.Tensor, error) {
	start, limit, delta := tensor.Data[T](ts[0])[0], tensor.Data[T](ts[1])[0], tensor.Data[T](ts[2])[0]
	if delta == 0 {
		return nil, fmt.Errorf("Range: delta is zero")
	}
	c := math.Ceil(float64(limit-start) / float64(delta))
	if c != c || c > tensor.MaxElements {
		return nil, fmt.Errorf("Range: %v elements is too many", c)
	}
	cnt := max(int(c), 0)
	out := make([]T, cnt)
	for i := range out {
		out[i] = start + T(i)*delta
	}
	return []*tensor.Tensor{tensor.From(out, cnt)}, nil
}

func rangeInt[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64](ts [3]*tensor.Tensor) ([]*tensor.Tensor, error) {
	start, limit, delta := tensor.Data[T](ts[0])[0], tensor.Data[T](ts[1])[0], tensor.Data[T](ts[2])[0]
	if delta == 0 {
		return nil, fmt.Errorf("Range: delta is zero")
	}
	// Work in float64 for the count only when the exact integer span could
	// overflow int64 (uint64 inputs); otherwise exactly.
	var cnt uint64
	var z T
	if _, u64 := any(z).(uint64); u64 {
		if limit > start {
			cnt = (uint64(limit)-uint64(start)-1)/uint64(delta) + 1
		}
	} else {
		// Differences of int64s taken in uint64 are exact when positive.
		l, s, d := int64(limit), int64(start), int64(delta)
		switch {
		case d > 0 && l > s:
			cnt = (uint64(l)-uint64(s)-1)/uint64(d) + 1
		case d < 0 && s > l:
			cnt = (uint64(s)-uint64(l)-1)/(-uint64(d)) + 1
		}
	}
	if cnt > tensor.MaxElements {
		return nil, fmt.Errorf("Range: %d elements is too many", cnt)
	}
	out := make([]T, cnt)
	for i := range out {
		out[i] = start + T(i)*delta
	}
	return []*tensor.Tensor{tensor.From(out, int(cnt))}, nil
}
