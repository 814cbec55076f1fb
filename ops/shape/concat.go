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
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		var xs []*tensor.Tensor
		for _, t := range in[:min(len(in), n.NumInputs())] {
			if t != nil {
				xs = append(xs, t)
			}
		}
		if len(xs) == 0 {
			return nil, fmt.Errorf("Concat: no inputs")
		}
		first := xs[0]
		r := first.Rank()
		ax, err := ops.NormAxis(axis, r)
		if err != nil {
			return nil, fmt.Errorf("Concat: %w", err)
		}
		os := first.Shape().Clone()
		os[ax] = 0
		for _, t := range xs {
			if t.DType() != first.DType() {
				return nil, fmt.Errorf("Concat: inputs have dtypes %v and %v", first.DType(), t.DType())
			}
			if t.Rank() != r {
				return nil, fmt.Errorf("Concat: inputs have shapes %v and %v", first.Shape(), t.Shape())
			}
			for i, d := range t.Shape() {
				if i != ax && d != first.Shape()[i] {
					return nil, fmt.Errorf("Concat: inputs have shapes %v and %v", first.Shape(), t.Shape())
				}
			}
			os[ax] += t.Shape()[ax]
		}
		out, err := alloc("Concat", first.DType(), os)
		if err != nil {
			return nil, err
		}
		m, err := moverOf("Concat", out, xs...)
		if err != nil {
			return nil, err
		}
		outer, D, inner := split3(os, ax)
		off := 0
		for _, t := range xs {
			blk := t.Shape()[ax] * inner
			for o := 0; o < outer; o++ {
				m.copy(out, o*D*inner+off, t, o*blk, blk)
			}
			off += blk
		}
		return []*tensor.Tensor{out}, nil
	}, nil
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
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("Split", in, 0)
		if err != nil {
			return nil, err
		}
		ax, err := ops.NormAxis(axis, x.Rank())
		if err != nil {
			return nil, fmt.Errorf("Split: %w", err)
		}
		dim := x.Shape()[ax]
		sizes := attrSplit
		if splitInput {
			if t := input(in, 1); t != nil {
				if sizes, err = intList("Split", "split", t); err != nil {
					return nil, err
				}
			}
		}
		parts := make([]int, nout)
		if sizes != nil {
			if len(sizes) != nout {
				return nil, fmt.Errorf("Split: %d sizes for %d outputs", len(sizes), nout)
			}
			sum := int64(0)
			for i, s := range sizes {
				if s < 0 || s > int64(dim) {
					return nil, fmt.Errorf("Split: invalid size %d", s)
				}
				sum += s
				parts[i] = int(s)
			}
			if sum != int64(dim) {
				return nil, fmt.Errorf("Split: sizes %v do not sum to %d", sizes, dim)
			}
		} else {
			chunk := (dim + nout - 1) / nout
			if dim%nout == 0 {
				chunk = dim / nout
			}
			rest := dim
			for i := range parts {
				parts[i] = min(chunk, rest)
				rest -= parts[i]
			}
			if dim%nout != 0 && parts[nout-1] <= 0 {
				return nil, fmt.Errorf("Split: cannot split %d into %d parts", dim, nout)
			}
		}
		outer, _, inner := split3(x.Shape(), ax)
		m, err := moverFor(x.DType(), x)
		if err != nil {
			return nil, fmt.Errorf("Split: %w", err)
		}
		outs := make([]*tensor.Tensor, nout)
		off := 0
		for i, p := range parts {
			s := x.Shape().Clone()
			s[ax] = p
			o, err := alloc("Split", x.DType(), s)
			if err != nil {
				return nil, err
			}
			blk := p * inner
			for k := 0; k < outer; k++ {
				m.copy(o, k*blk, x, (k*dim+off)*inner, blk)
			}
			outs[i] = o
			off += p
		}
		return outs, nil
	}, nil
}
