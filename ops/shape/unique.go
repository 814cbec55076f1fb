package shape

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func bindUnique(n *ops.Node) (ops.Kernel, error) {
	sorted, err := n.Int("sorted", 1)
	if err != nil {
		return nil, fmt.Errorf("Unique: %w", err)
	}
	hasAxis := n.Has("axis")
	axis, err := n.Int("axis", 0)
	if err != nil {
		return nil, fmt.Errorf("Unique: %w", err)
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("Unique", in, 0)
		if err != nil {
			return nil, err
		}
		src := x
		ax := 0
		if hasAxis {
			if ax, err = ops.NormAxis(axis, x.Rank()); err != nil {
				return nil, fmt.Errorf("Unique: %w", err)
			}
		} else if src, err = x.Reshape(x.Len()); err != nil {
			return nil, fmt.Errorf("Unique: %w", err)
		}
		c, err := elemCmp(src)
		if err != nil {
			return nil, fmt.Errorf("Unique: %w", err)
		}
		outer, D, inner := split3(src.Shape(), ax)
		itemCmp := func(a, b int) int {
			if a == b {
				return 0
			}
			for o := 0; o < outer; o++ {
				pa, pb := (o*D+a)*inner, (o*D+b)*inner
				for k := 0; k < inner; k++ {
					if r := c(pa+k, pb+k); r != 0 {
						return r
					}
				}
			}
			return 0
		}
		ids := make([]int, D)
		for i := range ids {
			ids[i] = i
		}
		slices.SortStableFunc(ids, itemCmp)
		// Group equal items; each group's first id is its first occurrence.
		var first []int
		var counts []int64
		group := make([]int, D) // item → group number
		for i, id := range ids {
			if i == 0 || itemCmp(ids[i-1], id) != 0 {
				first = append(first, id)
				counts = append(counts, 0)
			}
			g := len(first) - 1
			group[id] = g
			counts[g]++
		}
		U := len(first)
		order := make([]int, U) // output position → group
		for i := range order {
			order[i] = i
		}
		if sorted == 0 {
			slices.SortFunc(order, func(a, b int) int { return first[a] - first[b] })
		}
		pos := make([]int, U) // group → output position
		for p, g := range order {
			pos[g] = p
		}
		ys := src.Shape().Clone()
		ys[ax] = U
		y, err := alloc("Unique", x.DType(), ys)
		if err != nil {
			return nil, err
		}
		indices := make([]int64, U)
		cnt := make([]int64, U)
		for p, g := range order {
			indices[p] = int64(first[g])
			cnt[p] = counts[g]
			for o := 0; o < outer; o++ {
				copyElems(y, (o*U+p)*inner, src, (o*D+first[g])*inner, inner)
			}
		}
		inverse := make([]int64, D)
		for id := range inverse {
			inverse[id] = int64(pos[group[id]])
		}
		return []*tensor.Tensor{y, tensor.From(indices, U), tensor.From(inverse, D), tensor.From(cnt, U)}, nil
	}, nil
}

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
		return indexCmp(t.Float32s()), nil
	case tensor.Float64:
		return indexCmp(t.Float64s()), nil
	case tensor.Float16:
		v := make([]float32, t.Len())
		for i, h := range tensor.Data[tensor.Float16Bits](t) {
			v[i] = h.Float32()
		}
		return indexCmp(v), nil
	case tensor.BFloat16:
		v := make([]float32, t.Len())
		for i, h := range tensor.Data[tensor.BFloat16Bits](t) {
			v[i] = h.Float32()
		}
		return indexCmp(v), nil
	case tensor.Int8:
		return indexCmp(tensor.Data[int8](t)), nil
	case tensor.Int16:
		return indexCmp(tensor.Data[int16](t)), nil
	case tensor.Int32:
		return indexCmp(tensor.Data[int32](t)), nil
	case tensor.Int64:
		return indexCmp(tensor.Data[int64](t)), nil
	case tensor.Uint8:
		return indexCmp(tensor.Data[uint8](t)), nil
	case tensor.Uint16:
		return indexCmp(tensor.Data[uint16](t)), nil
	case tensor.Uint32:
		return indexCmp(tensor.Data[uint32](t)), nil
	case tensor.Uint64:
		return indexCmp(tensor.Data[uint64](t)), nil
	}
	return nil, fmt.Errorf("cannot compare %v elements", t.DType())
}

// indexCmp compares elements i and j of v with ordCmp.
func indexCmp[T cmp.Ordered](v []T) func(i, j int) int {
	return func(i, j int) int { return ordCmp(v[i], v[j]) }
}
