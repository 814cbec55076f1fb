package shape

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/sinter-ml/sinter/internal/freelist"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

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
	read := func(in []*tensor.Tensor) (x *tensor.Tensor, ax, K int, err error) {
		if x, err = need("TopK", in, 0); err != nil {
			return nil, 0, 0, err
		}
		k := attrK
		if n.Opset >= 10 {
			kt, err := need("TopK", in, 1)
			if err != nil {
				return nil, 0, 0, err
			}
			if k, err = intScalar("TopK", "K", kt); err != nil {
				return nil, 0, 0, err
			}
		}
		if ax, err = ops.NormAxis(axis, x.Rank()); err != nil {
			return nil, 0, 0, fmt.Errorf("TopK: %w", err)
		}
		if D := x.Shape()[ax]; k < 0 || k > int64(D) {
			return nil, 0, 0, fmt.Errorf("TopK: k=%d out of range for axis of size %d", k, D)
		}
		return x, ax, int(k), nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			x, ax, K, err := read(in)
			if err != nil {
				return err
			}
			setOut(&out[0], x.DType(), x.Shape())
			out[0].Shape[ax] = K
			if len(out) > 1 {
				setOut(&out[1], tensor.Int64, out[0].Shape)
			}
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			x, ax, K, err := read(in)
			if err != nil {
				return err
			}
			var vals, idxs *tensor.Tensor
			if len(out) > 0 {
				vals = out[0]
			}
			if len(out) > 1 {
				idxs = out[1]
			}
			if vals != nil && vals.DType() != x.DType() {
				return fmt.Errorf("TopK: dtype mismatch: %v vs %v", x.DType(), vals.DType())
			}
			outer, D, inner := split3(x.Shape(), ax)
			g := topk{outer: outer, dim: D, inner: inner, k: K, largest: largest != 0}
			var di []int64
			if idxs != nil {
				di = idxs.Int64s()
			}
			var stack [stackIDs]int
			ids := stack[:0]
			if D > len(stack) {
				p := idScratch.Get()
				defer idScratch.Put(p)
				if cap(*p) < D {
					*p = make([]int, D)
				}
				ids = *p
			}
			ids = ids[:D]
			switch x.DType() {
			case tensor.String:
				topkRows(g, ids, x.Strings(), stringsOf(vals), di, strings.Compare)
			case tensor.Bool:
				topkRows(g, ids, x.Bools(), dataOf[bool](vals), di, boolCmp)
			case tensor.Float32:
				topkRows(g, ids, x.Float32s(), dataOf[float32](vals), di, ordCmp[float32])
			case tensor.Float64:
				topkRows(g, ids, x.Float64s(), dataOf[float64](vals), di, ordCmp[float64])
			case tensor.Float16:
				topkRows(g, ids, tensor.Data[tensor.Float16Bits](x), dataOf[tensor.Float16Bits](vals), di, halfCmp[tensor.Float16Bits])
			case tensor.BFloat16:
				topkRows(g, ids, tensor.Data[tensor.BFloat16Bits](x), dataOf[tensor.BFloat16Bits](vals), di, halfCmp[tensor.BFloat16Bits])
			case tensor.Int8:
				topkRows(g, ids, tensor.Data[int8](x), dataOf[int8](vals), di, ordCmp[int8])
			case tensor.Int16:
				topkRows(g, ids, tensor.Data[int16](x), dataOf[int16](vals), di, ordCmp[int16])
			case tensor.Int32:
				topkRows(g, ids, tensor.Data[int32](x), dataOf[int32](vals), di, ordCmp[int32])
			case tensor.Int64:
				topkRows(g, ids, tensor.Data[int64](x), dataOf[int64](vals), di, ordCmp[int64])
			case tensor.Uint8:
				topkRows(g, ids, tensor.Data[uint8](x), dataOf[uint8](vals), di, ordCmp[uint8])
			case tensor.Uint16:
				topkRows(g, ids, tensor.Data[uint16](x), dataOf[uint16](vals), di, ordCmp[uint16])
			case tensor.Uint32:
				topkRows(g, ids, tensor.Data[uint32](x), dataOf[uint32](vals), di, ordCmp[uint32])
			case tensor.Uint64:
				topkRows(g, ids, tensor.Data[uint64](x), dataOf[uint64](vals), di, ordCmp[uint64])
			default:
				return fmt.Errorf("TopK: cannot compare %v elements", x.DType())
			}
			return nil
		},
	})
}

// stackIDs is the longest axis whose index buffer TopK keeps on the stack.
const stackIDs = 256

// idScratch holds the index buffers TopK sorts when an axis is longer than
// stackIDs.
var idScratch freelist.List[[]int]

// dataOf is tensor.Data, or nil for an omitted output.
func dataOf[T tensor.Elem](t *tensor.Tensor) []T {
	if t == nil {
		return nil
	}
	return tensor.Data[T](t)
}

// stringsOf is t.Strings(), or nil for an omitted output.
func stringsOf(t *tensor.Tensor) []string {
	if t == nil {
		return nil
	}
	return t.Strings()
}

// topk is the geometry of a TopK: outer × dim × inner input elements, the
// k best of each dim-long column kept.
type topk struct {
	outer, dim, inner, k int
	largest              bool
}

// topkRows writes the k best elements of each column of x (and their
// indices) into dv and di, either of which may be nil. ids is scratch of
// dim entries. Ties keep the lower index first.
func topkRows[T any](g topk, ids []int, x, dv []T, di []int64, c func(a, b T) int) {
	for o := range g.outer {
		for i := range g.inner {
			base := o*g.dim*g.inner + i
			for j := range ids {
				ids[j] = j
			}
			slices.SortStableFunc(ids, func(a, b int) int {
				r := c(x[base+a*g.inner], x[base+b*g.inner])
				if g.largest {
					return -r
				}
				return r
			})
			for j := range g.k {
				p := (o*g.k+j)*g.inner + i
				if di != nil {
					di[p] = int64(ids[j])
				}
				if dv != nil {
					dv[p] = x[base+ids[j]*g.inner]
				}
			}
		}
	}
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case b:
		return -1
	}
	return 1
}

// halfCmp orders half-precision values by their float32 values, NaN
// largest.
func halfCmp[H interface {
	~uint16
	Float32() float32
}](a, b H) int {
	return ordCmp(a.Float32(), b.Float32())
}

// ordCmp is a three-way comparison that orders NaN after every number and
// equal to NaN (cmp.Compare puts NaN first).
func ordCmp[T cmp.Ordered](a, b T) int {
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
