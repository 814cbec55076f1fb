package sequence

import (
	"fmt"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// SequenceMap-17: run body once per element of the first input sequence.
// Further inputs are sequences (taken element-wise; same length required) or
// tensors (passed whole to every call). Output j collects the j-th body
// output of every call.
func bindSequenceMap(n *ops.Node) (ops.ValueKernel, error) {
	body, err := n.Subgraph("body")
	if err != nil {
		return nil, fmt.Errorf("SequenceMap: %w", err)
	}
	numIn, numOut := n.NumInputs(), n.NumOutputs()
	if numIn < 1 {
		return nil, fmt.Errorf("SequenceMap needs an input sequence")
	}
	if got := len(body.InputNames()); got != numIn {
		return nil, fmt.Errorf("SequenceMap: body has %d inputs, node has %d", got, numIn)
	}
	if got := len(body.OutputNames()); got != numOut {
		return nil, fmt.Errorf("SequenceMap: body has %d outputs, node has %d", got, numOut)
	}
	// Element types of the outputs, for when the input sequence is empty.
	elems := make([]tensor.DType, numOut)
	if g := n.Attr("body").G; g != nil {
		for j := range elems {
			if j < len(g.Outputs) {
				elems[j] = tensorElem(g.Outputs[j].Type)
			}
		}
	}
	return func(in []ops.Value) ([]ops.Value, error) {
		if err := needInputs("SequenceMap", in, numIn); err != nil {
			return nil, err
		}
		hidden := in[numIn:]
		first, err := asSeq(in[0], "SequenceMap input_sequence")
		if err != nil {
			return nil, err
		}
		count := len(first.Items)
		seqs := make([]*ops.Sequence, numIn)
		seqs[0] = first
		for i := 1; i < numIn; i++ {
			switch v := in[i].(type) {
			case *ops.Sequence:
				if v == nil {
					return nil, fmt.Errorf("SequenceMap: input %d is missing", i)
				}
				if len(v.Items) != count {
					return nil, fmt.Errorf("SequenceMap: input %d has %d elements, input_sequence has %d", i, len(v.Items), count)
				}
				seqs[i] = v
			case *tensor.Tensor:
				if v == nil {
					return nil, fmt.Errorf("SequenceMap: input %d is missing", i)
				}
			default:
				return nil, fmt.Errorf("SequenceMap: input %d must be a tensor or a sequence, got %s", i, kindOf(in[i]))
			}
		}
		outs := make([]*ops.Sequence, numOut)
		for j := range outs {
			outs[j] = &ops.Sequence{Elem: elems[j], Items: make([]*tensor.Tensor, 0, count)}
		}
		args := make([]ops.Value, numIn)
		for k := 0; k < count; k++ {
			for i := range args {
				if seqs[i] != nil {
					args[i] = seqs[i].Items[k]
				} else {
					args[i] = in[i]
				}
			}
			res, err := body.Run(args, hidden)
			if err != nil {
				return nil, fmt.Errorf("SequenceMap: element %d: %w", k, err)
			}
			if len(res) != numOut {
				return nil, fmt.Errorf("SequenceMap: body returned %d values, want %d", len(res), numOut)
			}
			for j, r := range res {
				t, err := asTensorAt(r, "SequenceMap body output", j)
				if err != nil {
					return nil, err
				}
				o := outs[j]
				if o.Elem == tensor.Undefined {
					o.Elem = t.DType()
				} else if t.DType() != o.Elem {
					return nil, fmt.Errorf("SequenceMap: body output %d has dtype %v, want %v", j, t.DType(), o.Elem)
				}
				o.Items = append(o.Items, t)
			}
		}
		vals := make([]ops.Value, numOut)
		for j, o := range outs {
			vals[j] = o
		}
		return vals, nil
	}, nil
}

// tensorElem is the element type of a tensor type, or Undefined.
func tensorElem(t *ir.Type) tensor.DType {
	if t != nil && t.Kind == ir.KindTensor && t.Elem.Valid() {
		return t.Elem
	}
	return tensor.Undefined
}
