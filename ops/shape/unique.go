package shape

import (
	"fmt"
	"slices"

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
		m, err := moverOf("Unique", y, src)
		if err != nil {
			return nil, err
		}
		indices := make([]int64, U)
		cnt := make([]int64, U)
		for p, g := range order {
			indices[p] = int64(first[g])
			cnt[p] = counts[g]
			for o := 0; o < outer; o++ {
				m.copy(y, (o*U+p)*inner, src, (o*D+first[g])*inner, inner)
			}
		}
		inverse := make([]int64, D)
		for id := range inverse {
			inverse[id] = int64(pos[group[id]])
		}
		return []*tensor.Tensor{y, tensor.From(indices, U), tensor.From(inverse, D), tensor.From(cnt, U)}, nil
	}, nil
}
