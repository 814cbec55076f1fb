package control

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
)

// If (1, 11, 13, 16): run then_branch or else_branch depending on cond, and
// return that branch's outputs (tensors, sequences or optionals).
func bindIf(n *ops.Node) (ops.ValueKernel, error) {
	thenB, err := n.Subgraph("then_branch")
	if err != nil {
		return nil, fmt.Errorf("If: %w", err)
	}
	elseB, err := n.Subgraph("else_branch")
	if err != nil {
		return nil, fmt.Errorf("If: %w", err)
	}
	if len(thenB.InputNames()) != 0 || len(elseB.InputNames()) != 0 {
		return nil, fmt.Errorf("If: branches must not declare inputs")
	}
	numThen, numElse := len(thenB.OutputNames()), len(elseB.OutputNames())
	if numThen != numElse {
		return nil, fmt.Errorf("If: then_branch has %d outputs, else_branch has %d", numThen, numElse)
	}
	numIn, numOut := n.NumInputs(), n.NumOutputs()
	if numIn < 1 {
		return nil, fmt.Errorf("If: input cond is missing")
	}
	if numOut > numThen {
		return nil, fmt.Errorf("If: node has %d outputs, branches have %d", numOut, numThen)
	}
	return func(in []ops.Value) ([]ops.Value, error) {
		if len(in) < numIn {
			return nil, fmt.Errorf("If: got %d inputs, want %d", len(in), numIn)
		}
		cond, err := scalarBool(in[0], "If cond")
		if err != nil {
			return nil, err
		}
		branch, name := elseB, "else_branch"
		if cond {
			branch, name = thenB, "then_branch"
		}
		outs, err := branch.Run(nil, in[numIn:])
		if err != nil {
			return nil, fmt.Errorf("If %s: %w", name, err)
		}
		if len(outs) < numOut {
			return nil, fmt.Errorf("If: %s returned %d values, want %d", name, len(outs), numOut)
		}
		return outs[:numOut], nil
	}, nil
}
