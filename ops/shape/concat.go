package shape

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func bindConcat(n *ops.Node) (ops.Kernel, error) {
	def := int64(1)
	if n.Opset >= 4 && !n.Has("axis") {
		return nil, fmt.Errorf("Concat: axis attribute is required")
	}
	axis, err := n.Int("axis", def)
	if err != nil {
		return nil, fmt.Errorf("Concat: %w", err)
	}
	nin := n.NumInputs()
	// parts returns the declared inputs (omitted ones are nil).
	parts := func(in []*tensor.Tensor) []*tensor.Tensor { return in[:min(len(in), nin)] }
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			var first *tensor.Tensor
			for _, t := range parts(in) {
				if t != nil {
					first = t
					break
				}
			}
			if first == nil {
				return fmt.Errorf("Concat: no inputs")
			}
			r := first.Rank()
			ax, err := ops.NormAxis(axis, r)
			if err != nil {
				return fmt.Errorf("Concat: %w", err)
			}
			o := &out[0]
			setOut(o, first.DType(), first.Shape())
			o.Shape[ax] = 0
			for _, t := range parts(in) {
				if t == nil {
					continue
				}
				if t.DType() != first.DType() {
					return fmt.Errorf("Concat: inputs have dtypes %v and %v", first.DType(), t.DType())
				}
				if t.Rank() != r {
					return fmt.Errorf("Concat: inputs have shapes %v and %v", first.Shape(), t.Shape())
				}
				for i, d := range t.Shape() {
					if i != ax && d != first.Shape()[i] {
						return fmt.Errorf("Concat: inputs have shapes %v and %v", first.Shape(), t.Shape())
					}
				}
				o.Shape[ax] += t.Shape()[ax]
			}
			return checkShape("Concat", o.Shape)
		},
		Run: func(in, out []*tensor.Tensor) error {
			y := out[0]
			ax, err := ops.NormAxis(axis, y.Rank())
			if err != nil {
				return fmt.Errorf("Concat: %w", err)
			}
			outer, D, inner := split3(y.Shape(), ax)
			// Each input contributes a block of its axis length × inner
			// elements to every one of the outer rows of the output.
			row := D * inner
			off := 0
			for _, t := range parts(in) {
				if t == nil {
					continue
				}
				blk := t.Shape()[ax] * inner
				if outer == 1 {
					copyElems(y, off, t, 0, blk)
				} else {
					for o := range outer {
						copyElems(y, o*row+off, t, o*blk, blk)
					}
				}
				off += blk
			}
			return nil
		},
	})
}

// splitParts holds how Split divides its axis: the given sizes, or equal
// parts of chunk elements (the last one smaller when the axis does not
// divide evenly).
type splitParts struct {
	sizes    ints
	hasSizes bool
	chunk    int
}

// size is the length along the axis of part i.
func (p splitParts) size(i, dim int) int {
	if p.hasSizes {
		return int(p.sizes.At(i))
	}
	return max(0, min(p.chunk, dim-i*p.chunk))
}

func bindSplit(n *ops.Node) (ops.Kernel, error) {
	axis, err := n.Int("axis", 0)
	if err != nil {
		return nil, fmt.Errorf("Split: %w", err)
	}
	var attrSplit []int64
	if n.Opset < 13 {
		if attrSplit, err = n.Ints("split"); err != nil {
			return nil, fmt.Errorf("Split: %w", err)
		}
	}
	// Split-1 and Split-13 take the sizes as an optional second input.
	splitInput := n.Opset >= 13 || n.Opset < 2
	nout := n.NumOutputs()
	if nout < 1 {
		return nil, fmt.Errorf("Split: no outputs")
	}
	// Split-18 may give the number of equal parts (the last one smaller
	// when the axis does not divide evenly) as num_outputs instead of sizes.
	if n.Opset >= 18 && n.Has("num_outputs") {
		num, err := n.Int("num_outputs", 0)
		if err != nil {
			return nil, fmt.Errorf("Split: %w", err)
		}
		if num != int64(nout) {
			return nil, fmt.Errorf("Split: num_outputs is %d but the node has %d outputs", num, nout)
		}
		if n.HasInput(1) {
			return nil, fmt.Errorf("Split: only one of the split input and num_outputs may be given")
		}
	}
	// plan reads and checks the axis and the parts for input x.
	plan := func(in []*tensor.Tensor) (x *tensor.Tensor, ax int, p splitParts, err error) {
		if x, err = need("Split", in, 0); err != nil {
			return nil, 0, p, err
		}
		if ax, err = ops.NormAxis(axis, x.Rank()); err != nil {
			return nil, 0, p, fmt.Errorf("Split: %w", err)
		}
		dim := x.Shape()[ax]
		p.sizes, p.hasSizes = intsOf(attrSplit), attrSplit != nil
		if splitInput {
			if t := input(in, 1); t != nil {
				if p.sizes, err = intList("Split", "split", t); err != nil {
					return nil, 0, p, err
				}
				p.hasSizes = p.sizes.Len() > 0 // an empty list counts as absent
			}
		}
		if p.hasSizes {
			if p.sizes.Len() != nout {
				return nil, 0, p, fmt.Errorf("Split: %d sizes for %d outputs", p.sizes.Len(), nout)
			}
			sum := int64(0)
			for i := range nout {
				s := p.sizes.At(i)
				if s < 0 || s > int64(dim) {
					return nil, 0, p, fmt.Errorf("Split: invalid size %d", s)
				}
				sum += s
			}
			if sum != int64(dim) {
				return nil, 0, p, fmt.Errorf("Split: sizes %v do not sum to %d", p.sizes, dim)
			}
			return x, ax, p, nil
		}
		p.chunk = (dim + nout - 1) / nout
		if dim%nout != 0 && p.size(nout-1, dim) <= 0 {
			return nil, 0, p, fmt.Errorf("Split: cannot split %d into %d parts", dim, nout)
		}
		return x, ax, p, nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			x, ax, p, err := plan(in)
			if err != nil {
				return err
			}
			dim := x.Shape()[ax]
			for i := range out {
				setOut(&out[i], x.DType(), x.Shape())
				out[i].Shape[ax] = p.size(i, dim)
			}
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			x, ax, p, err := plan(in)
			if err != nil {
				return err
			}
			outer, dim, inner := split3(x.Shape(), ax)
			off := 0
			for i, y := range out {
				part := p.size(i, dim)
				if y != nil {
					blk := part * inner
					for k := range outer {
						copyElems(y, k*blk, x, (k*dim+off)*inner, blk)
					}
				}
				off += part
			}
			return nil
		},
	})
}
