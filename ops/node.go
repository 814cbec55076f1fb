package ops

import (
	"fmt"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/sinter-ml/sinter/tensor"
)

// Node is what a bind function sees: the IR node, the opset version it is
// bound at, and what the compiler knows statically about its inputs.
type Node struct {
	*ir.Node
	// Opset is the version of the node's domain imported by the model.
	Opset int64
	// InputTypes holds the static type of each declared input where known
	// (nil entries where not, and for omitted inputs).
	InputTypes []*ir.Type
	// Consts holds the value of each declared input that is a constant
	// (initializer or Constant output), nil elsewhere. Kernels may
	// pre-compute from these, but must still accept the run-time inputs.
	Consts []*tensor.Tensor
	// SubgraphFunc compiles a graph-valued attribute; set by the compiler.
	SubgraphFunc func(g *ir.Graph) (Subgraph, error)
	// Pool is the worker pool kernels may split work over (never nil
	// when bound by the compiler; a kernel bound without one runs on the
	// calling goroutine). Results must not depend on its thread count.
	Pool *parallel.Pool

	// planned is set by Plan when the bind function offers a planned form.
	planned *Planned
}

// Subgraph is a compiled graph attribute (If branches, Loop and Scan bodies).
type Subgraph interface {
	// InputNames and OutputNames are the subgraph's formal parameters.
	InputNames() []string
	OutputNames() []string
	// Run executes the subgraph. args binds its inputs in order; hidden is
	// the owning node's hidden inputs (the tail of the kernel's in after the
	// declared inputs), from which the subgraph takes the outer-scope values
	// it uses.
	Run(args []Value, hidden []Value) ([]Value, error)
}

// NumInputs is the number of declared inputs (including omitted ones).
func (n *Node) NumInputs() int { return len(n.Inputs) }

// NumOutputs is the number of declared outputs (including omitted ones).
func (n *Node) NumOutputs() int { return len(n.Outputs) }

// HasInput reports whether input i is present (declared and not "").
func (n *Node) HasInput(i int) bool { return i < len(n.Inputs) && n.Inputs[i] != "" }

// HasOutput reports whether output i is wanted (declared and not "").
func (n *Node) HasOutput(i int) bool { return i < len(n.Outputs) && n.Outputs[i] != "" }

// Const returns the constant value of input i, or nil.
func (n *Node) Const(i int) *tensor.Tensor {
	if i < len(n.Consts) {
		return n.Consts[i]
	}
	return nil
}

// Has reports whether the attribute is set.
func (n *Node) Has(name string) bool { return n.Attr(name) != nil }

func (n *Node) typed(name string, want ir.AttrType) (*ir.Attribute, error) {
	a := n.Attr(name)
	if a == nil {
		return nil, nil
	}
	if a.Type != want {
		return nil, fmt.Errorf("attribute %q is %v, want %v", name, a.Type, want)
	}
	return a, nil
}

// Int returns an int attribute, or def when absent.
func (n *Node) Int(name string, def int64) (int64, error) {
	a, err := n.typed(name, ir.AttrInt)
	if a == nil || err != nil {
		return def, err
	}
	return a.I, nil
}

// Float returns a float attribute, or def when absent.
func (n *Node) Float(name string, def float32) (float32, error) {
	a, err := n.typed(name, ir.AttrFloat)
	if a == nil || err != nil {
		return def, err
	}
	return a.F, nil
}

// String returns a string attribute, or def when absent.
func (n *Node) String(name string, def string) (string, error) {
	a, err := n.typed(name, ir.AttrString)
	if a == nil || err != nil {
		return def, err
	}
	return string(a.S), nil
}

// Ints returns an ints attribute, or nil when absent.
func (n *Node) Ints(name string) ([]int64, error) {
	a, err := n.typed(name, ir.AttrInts)
	if a == nil || err != nil {
		return nil, err
	}
	return a.Ints, nil
}

// Floats returns a floats attribute, or nil when absent.
func (n *Node) Floats(name string) ([]float32, error) {
	a, err := n.typed(name, ir.AttrFloats)
	if a == nil || err != nil {
		return nil, err
	}
	return a.Floats, nil
}

// Strings returns a strings attribute, or nil when absent.
func (n *Node) Strings(name string) ([]string, error) {
	a, err := n.typed(name, ir.AttrStrings)
	if a == nil || err != nil {
		return nil, err
	}
	out := make([]string, len(a.Strings))
	for i, s := range a.Strings {
		out[i] = string(s)
	}
	return out, nil
}

// TensorAttr returns a tensor attribute, or nil when absent.
func (n *Node) TensorAttr(name string) (*tensor.Tensor, error) {
	a, err := n.typed(name, ir.AttrTensor)
	if a == nil || err != nil {
		return nil, err
	}
	return a.T, nil
}

// Subgraph compiles the graph attribute called name. The returned
// Subgraph's Run must be given the kernel's hidden inputs.
func (n *Node) Subgraph(name string) (Subgraph, error) {
	a, err := n.typed(name, ir.AttrGraph)
	if err != nil {
		return nil, err
	}
	if a == nil || a.G == nil {
		return nil, fmt.Errorf("graph attribute %q is missing", name)
	}
	if n.SubgraphFunc == nil {
		return nil, fmt.Errorf("graph attribute %q: subgraphs cannot be compiled here", name)
	}
	return n.SubgraphFunc(a.G)
}

// WithArity wraps bind so that binding fails unless the node declares
// between minIn and maxIn inputs (the first minIn of them present) and at
// least minOut outputs. With it a kernel may index its required inputs
// without checking them.
func WithArity(minIn, maxIn, minOut int, bind BindFunc) BindFunc {
	return func(n *Node) (Kernel, error) {
		if n.NumInputs() < minIn || n.NumInputs() > maxIn {
			return nil, fmt.Errorf("%s takes %d to %d inputs, node has %d", n.OpType, minIn, maxIn, n.NumInputs())
		}
		for i := 0; i < minIn; i++ {
			if !n.HasInput(i) {
				return nil, fmt.Errorf("%s: required input %d is missing", n.OpType, i)
			}
		}
		if n.NumOutputs() < minOut {
			return nil, fmt.Errorf("%s produces %d outputs, node declares %d", n.OpType, minOut, n.NumOutputs())
		}
		return bind(n)
	}
}
