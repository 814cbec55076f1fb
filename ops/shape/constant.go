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
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			st, err := need("ConstantOfShape", in, 0)
			if err != nil {
				return err
			}
			dims, err := intList("ConstantOfShape", "shape", st)
			if err != nil {
				return err
			}
			o := &out[0]
			o.DType, o.Shape = val.DType(), o.Shape[:0]
			for i := range dims.Len() {
				d := dims.At(i)
				if d < 0 || d > tensor.MaxElements {
					return fmt.Errorf("ConstantOfShape: %w: dim %d", tensor.ErrShape, d)
				}
				o.Shape = append(o.Shape, int(d))
			}
			return checkShape("ConstantOfShape", o.Shape)
		},
		Run: func(_, out []*tensor.Tensor) error {
			fillFrom(out[0], 0, out[0].Len(), val, 0)
			return nil
		},
	})
}

// shapeRange returns the span [s, e) of dims that Shape-15 reports for
// rank r.
func shapeRange(start, end int64, r int) (s, e int) {
	clamp := func(v int64) int {
		if v < 0 {
			v += int64(r)
		}
		return int(min(max(v, 0), int64(r)))
	}
	s, e = clamp(start), clamp(end)
	return s, max(e, s)
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
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			x, err := need("Shape", in, 0)
			if err != nil {
				return err
			}
			s, e := shapeRange(start, end, x.Rank())
			out[0].DType = tensor.Int64
			out[0].Shape = append(out[0].Shape[:0], e-s)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			x := in[0]
			s, e := shapeRange(start, end, x.Rank())
			o := out[0].Int64s()
			for i, d := range x.Shape()[s:e] {
				o[i] = int64(d)
			}
			return nil
		},
	})
}

func bindSize(n *ops.Node) (ops.Kernel, error) {
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if _, err := need("Size", in, 0); err != nil {
				return err
			}
			out[0].DType, out[0].Shape = tensor.Int64, out[0].Shape[:0]
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			out[0].Int64s()[0] = int64(in[0].Len())
			return nil
		},
	})
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
	dtypeOf := func(x *tensor.Tensor) (tensor.DType, error) {
		if x.Rank() != 2 {
			return 0, fmt.Errorf("EyeLike: input must be 2-D, got shape %v", x.Shape())
		}
		dt := x.DType()
		if dtAttr >= 0 {
			dt = tensor.DType(dtAttr)
		}
		if dt == tensor.String || !dt.Valid() {
			return 0, fmt.Errorf("EyeLike: unsupported dtype %v", dt)
		}
		return dt, nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			x, err := need("EyeLike", in, 0)
			if err != nil {
				return err
			}
			dt, err := dtypeOf(x)
			if err != nil {
				return err
			}
			setOut(&out[0], dt, x.Shape())
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			y := out[0]
			var buf [8]byte
			one, err := encodeScalar(y.DType(), 1, &buf)
			if err != nil {
				return fmt.Errorf("EyeLike: %w", err)
			}
			b := y.Bytes()
			clear(b)
			rows, cols := int64(y.Shape()[0]), int64(y.Shape()[1])
			if k > cols || k < -rows {
				return nil
			}
			sz := int64(len(one))
			for i := range rows {
				if j := i + k; j >= 0 && j < cols {
					copy(b[(i*cols+j)*sz:], one)
				}
			}
			return nil
		},
	})
}

// rangeScalars returns Range's three scalar inputs after checking them.
func rangeScalars(in []*tensor.Tensor) ([3]*tensor.Tensor, error) {
	var ts [3]*tensor.Tensor
	for i := range ts {
		t, err := need("Range", in, i)
		if err != nil {
			return ts, err
		}
		if t.Len() != 1 {
			return ts, fmt.Errorf("Range: input %d must be a scalar, got shape %v", i, t.Shape())
		}
		if t.DType() != in[0].DType() {
			return ts, fmt.Errorf("Range: inputs have different dtypes %v and %v", in[0].DType(), t.DType())
		}
		ts[i] = t
	}
	return ts, nil
}

func bindRange(n *ops.Node) (ops.Kernel, error) {
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			ts, err := rangeScalars(in)
			if err != nil {
				return err
			}
			var cnt int
			switch dt := ts[0].DType(); dt {
			case tensor.Float32:
				cnt, err = rangeCountFloat[float32](ts)
			case tensor.Float64:
				cnt, err = rangeCountFloat[float64](ts)
			case tensor.Int16:
				cnt, err = rangeCountInt[int16](ts)
			case tensor.Int32:
				cnt, err = rangeCountInt[int32](ts)
			case tensor.Int64:
				cnt, err = rangeCountInt[int64](ts)
			case tensor.Int8:
				cnt, err = rangeCountInt[int8](ts)
			case tensor.Uint8:
				cnt, err = rangeCountInt[uint8](ts)
			case tensor.Uint16:
				cnt, err = rangeCountInt[uint16](ts)
			case tensor.Uint32:
				cnt, err = rangeCountInt[uint32](ts)
			case tensor.Uint64:
				cnt, err = rangeCountInt[uint64](ts)
			default:
				return fmt.Errorf("Range: unsupported dtype %v", dt)
			}
			if err != nil {
				return err
			}
			out[0].DType = ts[0].DType()
			out[0].Shape = append(out[0].Shape[:0], cnt)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			switch y := out[0]; y.DType() {
			case tensor.Float32:
				rangeFill[float32](y, in)
			case tensor.Float64:
				rangeFill[float64](y, in)
			case tensor.Int16:
				rangeFill[int16](y, in)
			case tensor.Int32:
				rangeFill[int32](y, in)
			case tensor.Int64:
				rangeFill[int64](y, in)
			case tensor.Int8:
				rangeFill[int8](y, in)
			case tensor.Uint8:
				rangeFill[uint8](y, in)
			case tensor.Uint16:
				rangeFill[uint16](y, in)
			case tensor.Uint32:
				rangeFill[uint32](y, in)
			case tensor.Uint64:
				rangeFill[uint64](y, in)
			default:
				return fmt.Errorf("Range: unsupported dtype %v", y.DType())
			}
			return nil
		},
	})
}

// rangeFill writes start + i·delta into every element of y.
func rangeFill[T ops.Numeric](y *tensor.Tensor, in []*tensor.Tensor) {
	start, delta := tensor.Data[T](in[0])[0], tensor.Data[T](in[2])[0]
	out := tensor.Data[T](y)
	for i := range out {
		out[i] = start + T(i)*delta
	}
}

func rangeCountFloat[T float32 | float64](ts [3]*tensor.Tensor) (int, error) {
	start, limit, delta := tensor.Data[T](ts[0])[0], tensor.Data[T](ts[1])[0], tensor.Data[T](ts[2])[0]
	if delta == 0 {
		return 0, fmt.Errorf("Range: delta is zero")
	}
	c := math.Ceil(float64(limit-start) / float64(delta))
	if c != c || c > tensor.MaxElements {
		return 0, fmt.Errorf("Range: %v elements is too many", c)
	}
	return max(int(c), 0), nil
}

func rangeCountInt[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64](ts [3]*tensor.Tensor) (int, error) {
	start, limit, delta := tensor.Data[T](ts[0])[0], tensor.Data[T](ts[1])[0], tensor.Data[T](ts[2])[0]
	if delta == 0 {
		return 0, fmt.Errorf("Range: delta is zero")
	}
	// Work in uint64 for uint64 inputs, whose span may not fit int64;
	// otherwise exactly in int64.
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
		return 0, fmt.Errorf("Range: %d elements is too many", cnt)
	}
	return int(cnt), nil
}
