package shape

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func bindOneHot(n *ops.Node) (ops.Kernel, error) {
	axis, err := n.Int("axis", -1)
	if err != nil {
		return nil, fmt.Errorf("OneHot: %w", err)
	}
	read := func(in []*tensor.Tensor) (it, vt *tensor.Tensor, depth, ax int, err error) {
		var ts [3]*tensor.Tensor
		for i := range ts {
			if ts[i], err = need("OneHot", in, i); err != nil {
				return nil, nil, 0, 0, err
			}
		}
		it, dt, vt := ts[0], ts[1], ts[2]
		if dt.Len() != 1 {
			return nil, nil, 0, 0, fmt.Errorf("OneHot: depth must hold one value, got %v", dt.Shape())
		}
		if vt.Len() != 2 || vt.Rank() != 1 {
			return nil, nil, 0, 0, fmt.Errorf("OneHot: values must hold two elements, got %v", vt.Shape())
		}
		dv, err := floatAt(dt, 0)
		if err != nil {
			return nil, nil, 0, 0, fmt.Errorf("OneHot: depth: %w", err)
		}
		if dv != dv || dv < 1 || dv > tensor.MaxElements {
			return nil, nil, 0, 0, fmt.Errorf("OneHot: invalid depth %v", dv)
		}
		if _, err := floatAt(it, -1); err != nil {
			return nil, nil, 0, 0, fmt.Errorf("OneHot: indices: %w", err)
		}
		if ax, err = ops.NormAxis(axis, it.Rank()+1); err != nil {
			return nil, nil, 0, 0, fmt.Errorf("OneHot: %w", err)
		}
		return it, vt, int(dv), ax, nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			it, vt, depth, ax, err := read(in)
			if err != nil {
				return err
			}
			is := it.Shape()
			setOut(&out[0], vt.DType(), is[:ax], []int{depth}, is[ax:])
			return checkShape("OneHot", out[0].Shape)
		},
		Run: func(in, out []*tensor.Tensor) error {
			it, vt, depth, ax, err := read(in)
			if err != nil {
				return err
			}
			y := out[0]
			fillFrom(y, 0, y.Len(), vt, 0)
			inner := prod(it.Shape()[ax:])
			for p := range it.Len() {
				v := oneHotIndex(it, p)
				if v < 0 {
					v += int64(depth)
				}
				if v < 0 || v >= int64(depth) {
					continue
				}
				o, i := p/inner, p%inner
				copyElems(y, (o*depth+int(v))*inner+i, vt, 1, 1)
			}
			return nil
		},
	})
}

// oneHotIndex reads index i of a numeric tensor, truncating floats (NaN
// and values beyond int64 read as an out-of-range index).
func oneHotIndex(t *tensor.Tensor, i int) int64 {
	switch t.DType() {
	case tensor.Int64:
		return t.Int64s()[i]
	case tensor.Int32:
		return int64(t.Int32s()[i])
	}
	v, _ := floatAt(t, i)
	if v != v || v >= math.MaxInt64 || v <= math.MinInt64 {
		return math.MinInt64
	}
	return int64(v)
}

// floatAt returns element i of a numeric or bool tensor as a float64
// (bool → 0/1; float16/bfloat16 decoded). With i < 0 it only checks that
// the element type converts.
func floatAt(t *tensor.Tensor, i int) (float64, error) {
	switch t.DType() {
	case tensor.String, tensor.Undefined:
		return 0, fmt.Errorf("tensor: cannot convert %v to float64", t.DType())
	}
	if i < 0 {
		return 0, nil
	}
	switch t.DType() {
	case tensor.Float32:
		return float64(t.Float32s()[i]), nil
	case tensor.Float64:
		return t.Float64s()[i], nil
	case tensor.Int8:
		return float64(tensor.Data[int8](t)[i]), nil
	case tensor.Int16:
		return float64(tensor.Data[int16](t)[i]), nil
	case tensor.Int32:
		return float64(tensor.Data[int32](t)[i]), nil
	case tensor.Int64:
		return float64(tensor.Data[int64](t)[i]), nil
	case tensor.Uint8:
		return float64(tensor.Data[uint8](t)[i]), nil
	case tensor.Uint16:
		return float64(tensor.Data[uint16](t)[i]), nil
	case tensor.Uint32:
		return float64(tensor.Data[uint32](t)[i]), nil
	case tensor.Uint64:
		return float64(tensor.Data[uint64](t)[i]), nil
	case tensor.Bool:
		if t.Bools()[i] {
			return 1, nil
		}
		return 0, nil
	case tensor.Float16:
		return float64(tensor.Data[tensor.Float16Bits](t)[i].Float32()), nil
	case tensor.BFloat16:
		return float64(tensor.Data[tensor.BFloat16Bits](t)[i].Float32()), nil
	}
	return 0, fmt.Errorf("tensor: cannot convert %v to float64", t.DType())
}
