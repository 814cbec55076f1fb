package control

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/ops/sequence"
	"github.com/sinter-ml/sinter/tensor"
)

// Loop (1, 11, 13, 16): the generic loop.
//
// Inputs are M (max trip count, optional), cond (optional) and N initial
// loop-carried values. The body takes (iteration_num, cond, N carried) and
// returns (cond, N carried, K scan outputs). The node returns the final N
// carried values and the K scan outputs, each the per-iteration tensors
// stacked along a new first axis.
//
// Termination follows the spec's table: the loop runs while i < M (when M
// is given) and while cond holds (when cond is given; the body's cond
// output is then carried to the next test). Without a cond input the body's
// cond output is ignored, so with neither input the loop never ends.
func bindLoop(n *ops.Node) (ops.ValueKernel, error) {
	body, err := n.Subgraph("body")
	if err != nil {
		return nil, fmt.Errorf("Loop: %w", err)
	}
	numIn, numOut := n.NumInputs(), n.NumOutputs()
	if numIn < 2 {
		return nil, fmt.Errorf("Loop: needs inputs M and cond (either may be empty), got %d inputs", numIn)
	}
	numCarried := numIn - 2
	if got := len(body.InputNames()); got != 2+numCarried {
		return nil, fmt.Errorf("Loop: body has %d inputs, want 2 + %d loop-carried", got, numCarried)
	}
	bodyOut := len(body.OutputNames())
	if bodyOut < 1+numCarried {
		return nil, fmt.Errorf("Loop: body has %d outputs, want at least 1 + %d loop-carried", bodyOut, numCarried)
	}
	numScan := bodyOut - 1 - numCarried
	if numOut > numCarried+numScan {
		return nil, fmt.Errorf("Loop: node has %d outputs, body provides %d carried + %d scan outputs", numOut, numCarried, numScan)
	}
	hasM, hasCond := n.HasInput(0), n.HasInput(1)
	return func(in []ops.Value) ([]ops.Value, error) {
		if len(in) < numIn {
			return nil, fmt.Errorf("Loop: got %d inputs, want %d", len(in), numIn)
		}
		hidden := in[numIn:]
		var err error
		trip := int64(math.MaxInt64)
		if hasM && present(in[0]) {
			if trip, err = scalarInt64(in[0], "Loop M"); err != nil {
				return nil, err
			}
		}
		keep := true
		condGiven := hasCond && present(in[1])
		if condGiven {
			if keep, err = scalarBool(in[1], "Loop cond"); err != nil {
				return nil, err
			}
		}
		carried := make([]ops.Value, numCarried)
		copy(carried, in[2:numIn])
		scans := make([][]*tensor.Tensor, numScan)
		args := make([]ops.Value, 2+numCarried)
		for i := int64(0); i < trip && keep; i++ {
			// Fresh scalars each time: the body may return them as outputs.
			args[0] = tensor.Scalar(i)
			args[1] = tensor.Scalar(keep)
			copy(args[2:], carried)
			outs, err := body.Run(args, hidden)
			if err != nil {
				return nil, fmt.Errorf("Loop iteration %d: %w", i, err)
			}
			if len(outs) != bodyOut {
				return nil, fmt.Errorf("Loop iteration %d: body returned %d values, want %d", i, len(outs), bodyOut)
			}
			c, err := scalarBool(outs[0], "Loop body cond output")
			if err != nil {
				return nil, fmt.Errorf("Loop iteration %d: %w", i, err)
			}
			if condGiven {
				keep = c
			}
			copy(carried, outs[1:1+numCarried])
			for k := range scans {
				t, err := asTensorAt(outs[1+numCarried+k], "Loop scan output", k)
				if err != nil {
					return nil, fmt.Errorf("Loop iteration %d: %w", i, err)
				}
				if prev := scans[k]; len(prev) > 0 {
					if t.DType() != prev[0].DType() || !t.Shape().Equal(prev[0].Shape()) {
						return nil, fmt.Errorf("Loop iteration %d: scan output %d is %v, earlier iterations gave %v",
							i, k, t, prev[0])
					}
				}
				scans[k] = append(scans[k], t)
			}
		}
		res := make([]ops.Value, numOut)
		for j := range res {
			if j < numCarried {
				res[j] = carried[j]
				continue
			}
			if !n.HasOutput(j) {
				continue
			}
			k := j - numCarried
			var out *tensor.Tensor
			if len(scans[k]) == 0 {
				out, err = emptyFromType(graphOutputType(n, "body", 1+numCarried+k), 0)
			} else {
				out, err = sequence.Stack(scans[k], 0)
			}
			if err != nil {
				return nil, fmt.Errorf("Loop scan output %d: %w", k, err)
			}
			res[j] = out
		}
		return res, nil
	}, nil
}
