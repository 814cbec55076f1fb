// Package compiler turns an ir.Model into a Program: an ordered list of
// steps, each a node bound once to its kernel, over numbered value slots.
//
// Compile resolves every operator through an ops.Registry at the model's
// opset versions, inlines model-local functions, orders the nodes
// topologically (rejecting cycles and undefined values), evaluates Constant
// nodes, and compiles graph attributes (If/Loop/Scan bodies) into nested
// Programs that capture the outer values they use as hidden inputs of their
// node. Running a Program does no lookups.
package compiler

import (
	"fmt"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// maxGraphDepth bounds subgraph nesting.
const maxGraphDepth = 64

// Compile compiles m's main graph against reg.
//
// # Errors
//
// An operator reg lacks at the model's opset yields an error wrapping
// ops.ErrUnsupported that names op, domain and version. Graph defects
// (cycles, values defined twice or never, bad attributes) name the node.
func Compile(m *ir.Model, reg *ops.Registry, opts ...Option) (*Program, error) {
	if m == nil || m.Graph == nil {
		return nil, fmt.Errorf("compiler: model has no graph")
	}
	o := options{optimize: true}
	for _, opt := range opts {
		opt(&o)
	}
	if o.pool == nil {
		o.pool = parallel.Default()
	}
	c := &compiler{reg: reg, opsets: m.Opsets, inl: newInliner(m), pool: o.pool}
	if c.opsets == nil {
		c.opsets = map[string]int64{}
	}
	for d, v := range c.opsets {
		if max := reg.MaxOpset(d); max > 0 && v > max {
			return nil, fmt.Errorf("compiler: %w: model imports %s opset %d, Sinter supports up to %d",
				ops.ErrUnsupported, domainName(d), v, max)
		}
	}
	nodes, err := c.inl.expand(m.Graph.Nodes, 0)
	if err != nil {
		return nil, fmt.Errorf("compiler: %w", err)
	}
	g := *m.Graph
	g.Nodes = nodes
	var stats []PassStat
	if o.optimize {
		// The passes need a well-formed graph: report defects in the
		// model's own terms before rewriting anything.
		if err := (&optimizer{g: &g}).check(); err != nil {
			return nil, fmt.Errorf("compiler: graph %q: %w", g.Name, err)
		}
		if stats, err = optimize(&g, reg, c.opsetFor, o.pool); err != nil {
			return nil, fmt.Errorf("compiler: %w", err)
		}
	}
	p, err := c.graph(&g, nil, 0)
	if err != nil {
		return nil, fmt.Errorf("compiler: %w", err)
	}
	// The optimiser read some originals to fold them (Conv+BatchNorm):
	// none of the model's mapped weights need to stay resident now.
	for _, in := range m.Graph.Initializers {
		tensor.Evict(in.Tensor)
	}
	p.passes = stats
	p.planning = o.optimize
	p.shapes = inferShapes(&g)
	return p, nil
}

// Option configures Compile.
type Option func(*options)

type options struct {
	optimize bool
	pool     *parallel.Pool
}

// WithPool sets the worker pool kernels split their work over (default:
// parallel.Default(), GOMAXPROCS threads).
func WithPool(p *parallel.Pool) Option { return func(o *options) { o.pool = p } }

// WithOptimization turns the graph optimisation passes on (the default) or
// off. Off compiles the graph exactly as written: for debugging, and for
// tests that compare optimised and unoptimised outputs.
func WithOptimization(on bool) Option { return func(o *options) { o.optimize = on } }

type compiler struct {
	pool   *parallel.Pool
	reg    *ops.Registry
	opsets map[string]int64
	inl    *inliner
}

// scope maps value names to slots while one graph is compiled.
type scope struct {
	slots map[string]int
	types map[string]*ir.Type
	n     int
}

func (s *scope) define(name string) int {
	i := s.n
	s.slots[name] = i
	s.n++
	return i
}

// graph compiles g. hidden lists the outer-scope names g may capture (its
// owning node's hidden inputs); nil for the main graph.
func (c *compiler) graph(g *ir.Graph, hidden []string, depth int) (*Program, error) {
	if depth > maxGraphDepth {
		return nil, fmt.Errorf("subgraphs nest deeper than %d", maxGraphDepth)
	}
	sc := &scope{slots: map[string]int{}, types: map[string]*ir.Type{}}
	p := &Program{name: g.Name}
	available := map[string]bool{}

	for _, name := range hidden {
		if _, dup := sc.slots[name]; !dup {
			sc.define(name)
		}
		p.hiddenSlots = append(p.hiddenSlots, sc.slots[name])
		available[name] = true
	}
	for _, v := range g.ValueInfo {
		sc.types[v.Name] = v.Type
	}
	for _, v := range g.Outputs {
		if v.Type != nil {
			sc.types[v.Name] = v.Type
		}
	}
	inits := map[string]*tensor.Tensor{}
	for _, in := range g.Initializers {
		inits[in.Name] = in.Tensor
	}
	for _, v := range g.Inputs {
		if _, dup := sc.slots[v.Name]; dup && !contains(hidden, v.Name) {
			return nil, fmt.Errorf("graph %q: input %q is declared twice", g.Name, v.Name)
		}
		slot := sc.define(v.Name)
		sc.types[v.Name] = v.Type
		available[v.Name] = true
		p.inputs = append(p.inputs, Input{Info: v, slot: slot, Default: inits[v.Name]})
	}
	for _, in := range g.Initializers {
		if in.Tensor == nil {
			return nil, fmt.Errorf("graph %q: initializer %q has no data", g.Name, in.Name)
		}
		slot, ok := sc.slots[in.Name]
		if !ok || contains(hidden, in.Name) {
			slot = sc.define(in.Name)
		}
		if sc.types[in.Name] == nil {
			sc.types[in.Name] = tensorType(in.Tensor)
		}
		available[in.Name] = true
		p.consts = append(p.consts, constSlot{slot: slot, value: in.Tensor})
	}

	hiddenOf := make([][]string, len(g.Nodes))
	for i, n := range g.Nodes {
		hiddenOf[i] = nodeCaptures(n)
	}
	order, err := sortNodes(g, hiddenOf, available)
	if err != nil {
		return nil, fmt.Errorf("graph %q: %w", g.Name, err)
	}

	constVal := map[int]*tensor.Tensor{}
	for _, cs := range p.consts {
		if t, ok := cs.value.(*tensor.Tensor); ok {
			constVal[cs.slot] = t
		}
	}
	// Inputs with defaults may be overridden, so they are not constants.
	for _, in := range p.inputs {
		delete(constVal, in.slot)
	}

	for _, i := range order {
		n := g.Nodes[i]
		st, err := c.node(n, hiddenOf[i], sc, constVal, depth)
		if err != nil {
			return nil, fmt.Errorf("graph %q: %s: %w", g.Name, n.Label(), err)
		}
		if isConstantOp(n) {
			// Constant nodes are evaluated now; their output is a constant slot.
			outs, err := st.impl.Tensor(nil)
			if err != nil {
				return nil, fmt.Errorf("graph %q: %s: %w", g.Name, n.Label(), err)
			}
			if len(outs) != 1 || outs[0] == nil {
				return nil, fmt.Errorf("graph %q: %s: produced no value", g.Name, n.Label())
			}
			p.consts = append(p.consts, constSlot{slot: st.out[0], value: outs[0]})
			constVal[st.out[0]] = outs[0]
			sc.types[n.Outputs[0]] = tensorType(outs[0])
			continue
		}
		p.steps = append(p.steps, st)
	}

	for _, o := range g.Outputs {
		slot, ok := sc.slots[o.Name]
		if !ok {
			return nil, fmt.Errorf("graph %q: output %q is not produced by any node nor a graph input or initializer", g.Name, o.Name)
		}
		p.outputs = append(p.outputs, Output{Info: o, slot: slot})
	}
	p.nslots = sc.n
	p.outIndex = make([]int, p.nslots)
	for i := range p.outIndex {
		p.outIndex[i] = -1
	}
	for i, o := range p.outputs {
		if p.outIndex[o.slot] < 0 {
			p.outIndex[o.slot] = i
		}
	}
	p.planLifetimes()
	return p, nil
}

func (c *compiler) node(n *ir.Node, hidden []string, sc *scope, constVal map[int]*tensor.Tensor, depth int) (step, error) {
	opset, ok := c.opsetFor(n)
	if !ok {
		return step{}, fmt.Errorf("%w: domain %s is not imported by the model", ops.ErrUnsupported, domainName(n.Domain))
	}
	st := step{node: n, label: n.Label()}
	bn := &ops.Node{Node: n, Opset: opset, Pool: c.pool}
	for _, name := range n.Inputs {
		if name == "" {
			st.in = append(st.in, -1)
			bn.InputTypes = append(bn.InputTypes, nil)
			bn.Consts = append(bn.Consts, nil)
			continue
		}
		slot := sc.slots[name] // sortNodes guaranteed it is defined
		st.in = append(st.in, slot)
		bn.InputTypes = append(bn.InputTypes, sc.types[name])
		bn.Consts = append(bn.Consts, constVal[slot])
	}
	for _, name := range hidden {
		st.in = append(st.in, sc.slots[name])
	}
	bn.SubgraphFunc = func(g *ir.Graph) (ops.Subgraph, error) {
		return c.graph(g, hidden, depth+1)
	}
	impl, err := c.reg.Bind(bn)
	if err != nil {
		return step{}, err
	}
	// Binding may have prepared copies of constant inputs (packed
	// weights): hand a mapped original's pages back now, so that loading
	// never holds both. A kernel that reads the original faults it in.
	for _, t := range bn.Consts {
		tensor.Evict(t)
	}
	if impl.Tensor == nil && impl.Value == nil {
		return step{}, fmt.Errorf("operator %s bound to no kernel", n.OpType)
	}
	st.impl = impl
	for _, name := range n.Outputs {
		if name == "" {
			st.out = append(st.out, -1)
			continue
		}
		st.out = append(st.out, sc.define(name))
	}
	return st, nil
}

// opsetFor is the opset version n is bound at: the model's import for its
// domain, or the importing function's.
func (c *compiler) opsetFor(n *ir.Node) (int64, bool) {
	if n.Domain == SinterDomain {
		// Sinter's internal (fused) operators have one version.
		return 1, true
	}
	if fo := c.inl.opsets[n]; fo != nil {
		if v, ok := fo[n.Domain]; ok {
			return v, true
		}
	}
	v, ok := c.opsets[n.Domain]
	if !ok && n.Domain == ir.DefaultDomain && len(c.opsets) == 0 {
		// Very old models may omit opset_import; ONNX reads that as opset 1.
		return 1, true
	}
	return v, ok
}

func isConstantOp(n *ir.Node) bool {
	return n.Domain == ir.DefaultDomain && n.OpType == "Constant" && len(n.Inputs) == 0
}

func tensorType(t *tensor.Tensor) *ir.Type {
	shape := make([]ir.Dim, t.Rank())
	for i, d := range t.Shape() {
		shape[i] = ir.Dim{Value: int64(d), Known: true}
	}
	return &ir.Type{Kind: ir.KindTensor, Elem: t.DType(), Shape: shape, HasShape: true}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func domainName(d string) string {
	if d == "" {
		return "ai.onnx"
	}
	return d
}
