package compiler

import (
	"fmt"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// pass is one graph rewrite. It returns how many changes it made; the
// optimiser runs the passes in order until a round changes nothing.
type pass struct {
	name string
	run  func(o *optimizer) (int, error)
}

// late wraps a pass so that it runs in a round only when no pass before it
// changed anything in that round: it sees the graph the other passes have
// finished with, so it cannot take nodes a more specific rewrite wants.
func late(run func(o *optimizer) (int, error)) func(o *optimizer) (int, error) {
	return func(o *optimizer) (int, error) {
		if o.roundChanges > 0 {
			return 0, nil
		}
		return run(o)
	}
}

// passes is the optimisation pipeline, in order.
var passes = []pass{
	{"identity-elimination", (*optimizer).eliminateIdentities},
	// Before folding, which would materialise the transposed weight.
	{"fuse-transpose-matmul", (*optimizer).fuseTransposeMatMul},
	{"constant-folding", (*optimizer).foldConstants},
	{"dead-code-elimination", (*optimizer).eliminateDeadCode},
	{"fuse-conv-batchnorm", (*optimizer).fuseConvBatchNorm},
	{"fuse-hard-activations", (*optimizer).fuseHardActivations},
	{"fuse-conv-affine", (*optimizer).fuseConvAffine},
	{"fuse-gelu", (*optimizer).fuseGelu},
	{"fuse-layernorm", (*optimizer).fuseLayerNorm},
	{"fuse-attention", (*optimizer).fuseAttention},
	{"fuse-matmul-bias", (*optimizer).fuseMatMulBias},
	{"fuse-residual-add", (*optimizer).fuseResidual},
	{"fuse-activation", (*optimizer).fuseActivation},
	// Last, and late: whatever elementwise nodes no epilogue or pattern
	// took are fused into single-pass chains.
	{"fuse-elementwise-chain", late((*optimizer).fuseElementwiseChain)},
}

// maxRounds bounds the fixed-point iteration: each round only removes
// nodes, so a graph converges long before; the bound catches a pass that
// keeps reporting changes it does not make.
const maxRounds = 32

// PassStat reports what one pass did over a whole optimisation.
type PassStat struct {
	Name    string
	Changes int
}

// optimizer rewrites a copy of a main graph. It never modifies the model
// it was given: node lists, initializer lists and any node it edits are
// copied first.
type optimizer struct {
	pool  *parallel.Pool
	g     *ir.Graph
	reg   *ops.Registry
	opset func(*ir.Node) (int64, bool)
	// roundChanges counts the changes made so far in the current round.
	roundChanges int
}

// optimize runs the pipeline on g (already a private copy of the graph
// struct) and returns per-pass statistics.
func optimize(g *ir.Graph, reg *ops.Registry, opset func(*ir.Node) (int64, bool), pool *parallel.Pool) ([]PassStat, error) {
	g.Nodes = append([]*ir.Node(nil), g.Nodes...)
	g.Initializers = append([]*ir.Initializer(nil), g.Initializers...)
	o := &optimizer{g: g, reg: reg, opset: opset, pool: pool}
	stats := make([]PassStat, len(passes))
	for i, p := range passes {
		stats[i].Name = p.name
	}
	for round := 0; ; round++ {
		if round == maxRounds {
			return stats, fmt.Errorf("optimiser did not converge in %d rounds", maxRounds)
		}
		changed := 0
		for i, p := range passes {
			o.roundChanges = changed
			n, err := p.run(o)
			if err != nil {
				return stats, fmt.Errorf("pass %s: %w", p.name, err)
			}
			if n > 0 {
				if err := o.check(); err != nil {
					return stats, fmt.Errorf("pass %s left the graph invalid: %w", p.name, err)
				}
			}
			stats[i].Changes += n
			changed += n
		}
		if changed == 0 {
			return stats, nil
		}
	}
}

// check verifies that every value is still defined exactly once and
// reachable in topological order.
func (o *optimizer) check() error {
	avail := map[string]bool{}
	for _, v := range o.g.Inputs {
		avail[v.Name] = true
	}
	for _, in := range o.g.Initializers {
		avail[in.Name] = true
	}
	hidden := make([][]string, len(o.g.Nodes))
	for i, n := range o.g.Nodes {
		hidden[i] = nodeCaptures(n)
	}
	_, err := sortNodes(o.g, hidden, avail)
	return err
}

// uses counts the readers of every value name: node inputs, values
// captured by subgraphs, and graph outputs.
func (o *optimizer) uses() map[string]int {
	u := map[string]int{}
	for _, n := range o.g.Nodes {
		for _, in := range n.Inputs {
			u[in]++
		}
		for _, c := range nodeCaptures(n) {
			u[c]++
		}
	}
	for _, out := range o.g.Outputs {
		u[out.Name]++
	}
	return u
}

func (o *optimizer) graphOutput(name string) bool {
	for _, out := range o.g.Outputs {
		if out.Name == name {
			return true
		}
	}
	return false
}

// eliminateIdentities removes Identity nodes (and inference-mode Dropout,
// which is an identity) by making their readers read the input directly.
// A node whose output is a graph output, or is read inside a subgraph, is
// kept: renaming those would change the graph's interface or need a scope
// walk.
func (o *optimizer) eliminateIdentities() (int, error) {
	captured := map[string]bool{}
	for _, n := range o.g.Nodes {
		for _, c := range nodeCaptures(n) {
			captured[c] = true
		}
	}
	rename := map[string]string{}
	var kept []*ir.Node
	for _, n := range o.g.Nodes {
		if src, ok := o.identitySource(n); ok && !o.graphOutput(n.Outputs[0]) && !captured[n.Outputs[0]] {
			if r, ok := rename[src]; ok {
				src = r
			}
			rename[n.Outputs[0]] = src
			continue
		}
		kept = append(kept, n)
	}
	if len(rename) == 0 {
		return 0, nil
	}
	for i, n := range kept {
		var c *ir.Node
		for k, in := range n.Inputs {
			if r, ok := rename[in]; ok {
				if c == nil {
					cp := *n
					cp.Inputs = append([]string(nil), n.Inputs...)
					c = &cp
				}
				c.Inputs[k] = r
			}
		}
		if c != nil {
			kept[i] = c
		}
	}
	o.g.Nodes = kept
	return len(rename), nil
}

// identitySource returns the input an identity-like node forwards.
func (o *optimizer) identitySource(n *ir.Node) (string, bool) {
	if n.Domain != ir.DefaultDomain || len(n.Inputs) == 0 || n.Inputs[0] == "" || len(n.Outputs) == 0 || n.Outputs[0] == "" {
		return "", false
	}
	switch n.OpType {
	case "Identity":
		return n.Inputs[0], len(n.Outputs) == 1
	case "Dropout":
		// From opset 7 Dropout is an identity outside training; before 7
		// its is_test attribute decides, so leave those alone. The mask
		// output must be unused and training_mode absent.
		v, ok := o.opset(n)
		if !ok || v < 7 || len(n.Inputs) > 2 && n.Inputs[2] != "" {
			return "", false
		}
		for _, out := range n.Outputs[1:] {
			if out != "" {
				return "", false
			}
		}
		return n.Inputs[0], true
	}
	return "", false
}

// maxFoldBytes bounds a folded constant: a fold may not create a tensor
// larger than this or than twice its inputs, so a ConstantOfShape or an
// Expand of a scalar stays a (cheap) node instead of bloating the program.
const maxFoldBytes = 1 << 20

// foldConstants evaluates, once, every deterministic node whose inputs are
// all constants, replacing it by initializers holding its outputs.
func (o *optimizer) foldConstants() (int, error) {
	consts := map[string]*tensor.Tensor{}
	overridable := map[string]bool{}
	for _, v := range o.g.Inputs {
		overridable[v.Name] = true
	}
	for _, in := range o.g.Initializers {
		if !overridable[in.Name] {
			consts[in.Name] = in.Tensor
		}
	}
	folded := 0
	var kept []*ir.Node
	for _, n := range o.g.Nodes {
		outs, ok := o.tryFold(n, consts)
		if !ok {
			kept = append(kept, n)
			continue
		}
		for i, name := range n.Outputs {
			if name == "" {
				continue
			}
			consts[name] = outs[i]
			o.g.Initializers = append(o.g.Initializers, &ir.Initializer{Name: name, Tensor: outs[i]})
		}
		folded++
	}
	if folded > 0 {
		o.g.Nodes = kept
	}
	return folded, nil
}

// tryFold runs n at compile time when that is safe and worthwhile. Any
// failure (an op that errors on these constants, say) just leaves the node
// to fail, with its usual message, at run time.
func (o *optimizer) tryFold(n *ir.Node, consts map[string]*tensor.Tensor) ([]*tensor.Tensor, bool) {
	if !o.reg.Deterministic(n.Domain, n.OpType) || len(nodeCaptures(n)) > 0 {
		return nil, false
	}
	for _, a := range n.Attrs {
		if a.G != nil || len(a.Graphs) > 0 {
			return nil, false
		}
	}
	in := make([]*tensor.Tensor, len(n.Inputs))
	inBytes := 0
	for i, name := range n.Inputs {
		if name == "" {
			continue
		}
		t, ok := consts[name]
		if !ok {
			return nil, false
		}
		in[i] = t
		inBytes += t.Len() * max(t.DType().Size(), 8)
	}
	opset, ok := o.opset(n)
	if !ok {
		return nil, false
	}
	impl, err := o.reg.Bind(&ops.Node{Node: n, Opset: opset, Consts: in, InputTypes: make([]*ir.Type, len(in)), Pool: o.pool})
	if err != nil || impl.Tensor == nil {
		return nil, false
	}
	outs, err := impl.Tensor(in)
	if err != nil || len(outs) < len(n.Outputs) {
		return nil, false
	}
	for i, name := range n.Outputs {
		if name == "" {
			continue
		}
		t := outs[i]
		if t == nil {
			return nil, false
		}
		size := t.Len() * max(t.DType().Size(), 8)
		if size > maxFoldBytes && size > 2*inBytes {
			return nil, false
		}
	}
	return outs, true
}

// eliminateDeadCode removes nodes none of whose outputs is read, and
// initializers nothing reads (keeping those that are graph inputs).
func (o *optimizer) eliminateDeadCode() (int, error) {
	removed := 0
	for {
		u := o.uses()
		var kept []*ir.Node
		for _, n := range o.g.Nodes {
			live := false
			for _, out := range n.Outputs {
				if out != "" && u[out] > 0 {
					live = true
					break
				}
			}
			if live {
				kept = append(kept, n)
			}
		}
		if len(kept) == len(o.g.Nodes) {
			break
		}
		removed += len(o.g.Nodes) - len(kept)
		o.g.Nodes = kept
	}
	u := o.uses()
	inputs := map[string]bool{}
	for _, v := range o.g.Inputs {
		inputs[v.Name] = true
	}
	var inits []*ir.Initializer
	for _, in := range o.g.Initializers {
		if u[in.Name] > 0 || inputs[in.Name] {
			inits = append(inits, in)
		} else {
			removed++
		}
	}
	o.g.Initializers = inits
	return removed, nil
}
