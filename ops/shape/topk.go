package shape

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// elemCmp returns a three-way comparison of elements i and j of t. NaN
// compares greater than every number and equal to NaN.
func elemCmp(t *tensor.Tensor) (func(i, j int) int, error) {
	switch t.DType() {
	case tensor.String:
		s := t.Strings()
		return func(i, j int) int { return strings.Compare(s[i], s[j]) }, nil
	case tensor.Bool:
		b := t.Bools()
		return func(i, j int) int {
			switch {
			case b[i] == b[j]:
				return 0
			case b[j]:
				return -1
			}
			return 1
		}, nil
	case tensor.Float32:
		return ordCmp(t.Float32s()), nil
	case tensor.Float64:
		return ordCmp(t.Float64s()), nil
	case tensor.Float16:
		v := make([]float32, t.Len())
		for i, h := range tensor.Data[tensor.Float16Bits](t) {
			v[i] = h.Float32()
		}
		return ordCmp(v), nil
	case tensor.BFloat16:
		v := make([]float32, t.Len())
		for i, h := range tensor.Data[tensor.BFloat16Bits](t) {
			v[i] = h.Float32()
		}
		return ordCmp(v), nil
	case tensor.Int8:
		return ordCmp(tensor.Data[int8](t)), nil
	case tensor.Int16:
		return ordCmp(tensor.Data[int16](t)), nil
	case tensor.Int32:
		return ordCmp(tensor.Data[int32](t)), nil
	case tensor.Int64:
		return ordCmp(tensor.Data[int64](t)), nil
	case tensor.Uint8:
		return ordCmp(tensor.Data[uint8](t)), nil
	case tensor.Uint16:
		return ordCmp(tensor.Data[uint16](t)), nil
	case tensor.Uint32:
		return ordCmp(tensor.Data[uint32](t)), nil
	case tensor.Uint64:
		return ordCmp(tensor.Data[uint64](t)), nil
	}
	return nil, fmt.Errorf("cannot compare %v elements", t.DType())
}

func ordCmp[T cmp.Ordered](v []T) func(i, j int) int {
	// cmp.Compare orders NaN before everything; flip that so NaN is largest.
	return func(i, j int) int {
		a, b := v[i], v[j]
		an, bn := a != a, b != b
		switch {
		case an && bn:
			return 0
		case an:
			return 1
		case bn:
			return -1
		}
		return cmp.Compare(a, b)
	}
}

func bindTopK(n *ops.Node) (ops.Kernel, error) {
	axis, err := n.Int("axis", -1)
	if err != nil {
		return nil, fmt.Errorf("TopK: %w", err)
	}
	largest, err := n.Int("largest", 1)
	if err != nil {
		return nil, fmt.Errorf("TopK: %w", err)
	}
	var attrK int64 = -1
	if n.Opset < 10 {
		if !n.Has("k") {
			return nil, fmt.Errorf("TopK: k attribute is required")
		}
		if attrK, err = n.Int("k", 0); err != nil {
			return nil, fmt.Errorf("TopK: %w", err)
		}
	}
	if n.Opset < 11 {
		largest = 1
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("TopK", in, 0)
		if err != nil {
			return nil, err
		}
		k := attrK
		if n.Opset >= 10 {
			kt, err := need("TopK", in, 1)
			if err != nil {
				return nil, err
			}
			if k, err = intScalar("TopK", "K", kt); err != nil {
				return nil, err
			}
		}
		ax, err := ops.NormAxis(axis, x.Rank())
		if err != nil {
			return nil, fmt.Errorf("TopK: %w", err)
		}
		outer, D, inner := split3(x.Shape(), ax)
		if k < 0 || k > int64(D) {
			return nil, fmt.Errorf("TopK: k=%d out of range for axis of size %d", k, D)
		}
		c, err := elemCmp(x)
		if err != nil {
			return nil, fmt.Errorf("TopK: %w", err)
		}
		K := int(k)
		os := x.Shape().Clone()
		os[ax] = K
		vals, err := alloc("TopK", x.DType(), os)
		if err != nil {
			return nil, err
		}
		idxT := tensor.New(tensor.Int64, os...)
		idxs := idxT.Int64s()
		m, err := moverOf("TopK", vals, x)
		if err != nil {
			return nil, err
		}
		ids := make([]int, D)
		src := make([]int, 0, outer*inner*K)
		src = src[:outer*inner*K]
		for o := 0; o < outer; o++ {
			for i := 0; i < inner; i++ {
				base := o*D*inner + i
				for j := range ids {
					ids[j] = j
				}
				slices.SortStableFunc(ids, func(a, b int) int {
					r := c(base+a*inner, base+b*inner)
					if largest != 0 {
						return -r
					}
					return r
				})
				for j := 0; j < K; j++ {
					p := (o*K+j)*inner + i
					idxs[p] = int64(ids[j])
					src[p] = base + ids[j]*inner
				}
			}
		}
		m.take(vals, 0, x, src, nil)
		return []*tensor.Tensor{vals, idxT}, nil
	}, nil
}
