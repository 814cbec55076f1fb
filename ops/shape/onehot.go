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
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		var ts [3]*tensor.Tensor
		for i := range ts {
			t, err := need("OneHot", in, i)
			if err != nil {
				return nil, err
			}
			ts[i] = t
		}
		it, dt, vt := ts[0], ts[1], ts[2]
		if dt.Len() != 1 {
			return nil, fmt.Errorf("OneHot: depth must hold one value, got %v", dt.Shape())
		}
		if vt.Len() != 2 || vt.Rank() != 1 {
			return nil, fmt.Errorf("OneHot: values must hold two elements, got %v", vt.Shape())
		}
		dv, err := tensor.ToFloat64(dt)
		if err != nil {
			return nil, fmt.Errorf("OneHot: depth: %w", err)
		}
		if dv[0] != dv[0] || dv[0] < 1 || dv[0] > tensor.MaxElements {
			return nil, fmt.Errorf("OneHot: invalid depth %v", dv[0])
		}
		depth := int(dv[0])
		idx, err := oneHotIndices(it)
		if err != nil {
			return nil, err
		}
		r := it.Rank()
		ax, err := ops.NormAxis(axis, r+1)
		if err != nil {
			return nil, fmt.Errorf("OneHot: %w", err)
		}
		is := it.Shape()
		os := append(append(is[:ax:ax], depth), is[ax:]...)
		out, err := alloc("OneHot", vt.DType(), os)
		if err != nil {
			return nil, err
		}
		off, _ := vt.Rows(0, 1)
		on, _ := vt.Rows(1, 2)
		m, err := moverOf("OneHot", out, vt)
		if err != nil {
			return nil, err
		}
		m.fill(out, 0, out.Len(), off)
		inner := prod(is[ax:])
		var dst []int
		for p, v := range idx {
			if v < 0 {
				v += int64(depth)
			}
			if v < 0 || v >= int64(depth) {
				continue
			}
			o, i := p/inner, p%inner
			dst = append(dst, (o*depth+int(v))*inner+i)
		}
		for _, d := range dst {
			m.copy(out, d, on, 0, 1)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// oneHotIndices reads indices of any numeric type, truncating floats.
func oneHotIndices(t *tensor.Tensor) ([]int64, error) {
	switch t.DType() {
	case tensor.Int64, tensor.Int32:
		return indexValues("OneHot", t)
	}
	f, err := tensor.ToFloat64(t)
	if err != nil {
		return nil, fmt.Errorf("OneHot: indices: %w", err)
	}
	out := make([]int64, len(f))
	for i, v := range f {
		switch {
		case v != v || v >= math.MaxInt64 || v <= math.MinInt64:
			out[i] = math.MinInt64
		default:
			out[i] = int64(v)
		}
	}
	return out, nil
}
