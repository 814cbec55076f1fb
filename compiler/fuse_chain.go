package compiler

import (
	"math"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
)

// fuseElementwiseChain replaces every maximal chain of two or more float32
// elementwise nodes — unary operators, Clip with constant bounds, and
// Add/Sub/Mul/Div/Max/Min/Pow with a one-element constant operand — by one
// sinter ElementwiseChain node (ops/elementwise/chain.go), which takes the
// tensor through all the steps in one pass: runs of cheap arithmetic steps
// element by element in registers, the others over an L1-sized block
// before the next block is read. One pass over memory instead of one per
// node, a load and a store per element instead of one per step, and no
// intermediate tensors.
//
// A chain links node A to node B when B's data input is A's output and
// nothing else reads that value: no other node, no subgraph, no graph
// output. The chain's first data input becomes the fused node's only
// input, and its last output (which may be a graph output) its output, so
// the graph's interface and every other value keep their names.
//
// The pass runs late (after every other pass reaches a fixed point in a
// round, see optimize), so that epilogue fusions keep priority: an
// activation that can go into a Conv, Gemm or MatMul is already there, and
// the written-out GELU, HardSwish and LayerNorm patterns have been
// recognised, before any of their nodes could be taken into a chain.
//
// It fuses only what it can prove float32 (element-type inference), only
// operators the registry implements at the node's opset (so that one the
// runtime lacks still fails with its own error), and never a NaN constant
// (see the chain's bit-identity invariant). The fused node computes exactly
// what the nodes did, bit for bit.
func (o *optimizer) fuseElementwiseChain() (int, error) {
	if !o.reg.Has(SinterDomain, "ElementwiseChain", 1) {
		return 0, nil
	}
	ix := o.index()
	links := map[*ir.Node]*chainLink{}
	for _, n := range o.g.Nodes {
		if l, ok := o.chainLinkOf(ix, n); ok {
			links[n] = l
		}
	}
	if len(links) < 2 {
		return 0, nil
	}
	reader := map[string]*ir.Node{} // meaningful for values read once
	for _, n := range o.g.Nodes {
		for _, in := range n.Inputs {
			reader[in] = n
		}
	}
	// next returns the chain node after n: the sole reader of n's output,
	// reading it as its data input.
	next := func(n *ir.Node) *ir.Node {
		out := n.Outputs[0]
		if !ix.sole(out) {
			return nil
		}
		if r := reader[out]; r != nil && links[r] != nil && links[r].x == out {
			return r
		}
		return nil
	}
	dead := map[*ir.Node]bool{}
	repl := map[*ir.Node]*ir.Node{}
	for _, head := range o.g.Nodes {
		l := links[head]
		if l == nil {
			continue
		}
		if p := ix.producer[l.x]; p != nil && links[p] != nil && next(p) == head {
			continue // not the first node of its chain
		}
		nodes := []*ir.Node{head}
		for m := next(head); m != nil; m = next(m) {
			nodes = append(nodes, m)
		}
		if len(nodes) < 2 {
			continue
		}
		fused := chainNode(l.x, nodes, links)
		if _, err := o.reg.Bind(&ops.Node{Node: fused, Opset: 1, Pool: o.pool}); err != nil {
			continue // cannot happen unless the two vocabularies drift: leave the nodes be
		}
		last := nodes[len(nodes)-1]
		for _, n := range nodes[:len(nodes)-1] {
			dead[n] = true
		}
		repl[last] = fused
	}
	if len(repl) > 0 {
		o.splice(dead, repl)
	}
	return len(repl), nil
}

// chainStep is one step of an ElementwiseChain, as its attributes hold it.
type chainStep struct {
	op      string
	p0, p1  float32
	swapped bool
}

// chainLink is a node that can be part of a chain: its data input, the
// steps it computes (several for an ElementwiseChain already made), and
// the least rank its constants broadcast the result to.
type chainLink struct {
	x     string
	steps []chainStep
	rank  int
}

// chainNode builds the ElementwiseChain computing nodes in order from x.
func chainNode(x string, nodes []*ir.Node, links map[*ir.Node]*chainLink) *ir.Node {
	var names [][]byte
	var params []float32
	var swapped []int64
	anySwapped, rank := false, 0
	for _, n := range nodes {
		l := links[n]
		rank = max(rank, l.rank)
		for _, s := range l.steps {
			names = append(names, []byte(s.op))
			params = append(params, s.p0, s.p1)
			sw := int64(0)
			if s.swapped {
				sw, anySwapped = 1, true
			}
			swapped = append(swapped, sw)
		}
	}
	last := nodes[len(nodes)-1]
	attrs := []*ir.Attribute{
		{Name: "steps", Type: ir.AttrStrings, Strings: names},
		{Name: "params", Type: ir.AttrFloats, Floats: params},
	}
	if anySwapped {
		attrs = append(attrs, &ir.Attribute{Name: "swapped", Type: ir.AttrInts, Ints: swapped})
	}
	if rank > 0 {
		attrs = append(attrs, attrInt("rank", int64(rank)))
	}
	return &ir.Node{Name: last.Name, Domain: SinterDomain, OpType: "ElementwiseChain",
		Inputs: []string{x}, Outputs: []string{last.Outputs[0]}, Attrs: attrs}
}

// chainPlain lists the ONNX unary operators without attributes a chain
// takes as steps of the same name (ops/elementwise's plainUnary).
var chainPlain = setOf(
	"Abs", "Neg", "Reciprocal", "Sqrt", "Exp", "Log", "Floor", "Ceil", "Round", "Sign", "Erf",
	"Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh",
	"Tanh", "Sigmoid", "Relu", "Softplus", "Softsign", "HardSwish", "Mish",
)

// chainParams lists the ONNX unary operators with float attributes a
// chain takes: the attributes that become p0 and p1, with their defaults.
var chainParams = map[string]struct {
	names [2]string
	defs  [2]float32
}{
	"LeakyRelu":       {[2]string{"alpha"}, [2]float32{0.01}},
	"Elu":             {[2]string{"alpha"}, [2]float32{1}},
	"Celu":            {[2]string{"alpha"}, [2]float32{1}},
	"ThresholdedRelu": {[2]string{"alpha"}, [2]float32{1}},
	"HardSigmoid":     {[2]string{"alpha", "beta"}, [2]float32{0.2, 0.5}},
	"Shrink":          {[2]string{"lambd", "bias"}, [2]float32{0.5, 0}},
	"Selu":            {[2]string{"alpha", "gamma"}, [2]float32{1.67326319217681884765625, 1.05070102214813232421875}},
}

// chainBinaryOps lists the binary operators a chain takes when one operand
// is a one-element constant, with the first opset whose broadcasting the
// chain reproduces (numpy-style from 7; Max and Min broadcast from 8).
var chainBinaryOps = map[string]int64{"Add": 7, "Sub": 7, "Mul": 7, "Div": 7, "Pow": 7, "Max": 8, "Min": 8}

// chainLinkOf reports whether n can be part of a chain, and how.
func (o *optimizer) chainLinkOf(ix *fuseIndex, n *ir.Node) (*chainLink, bool) {
	if len(n.Outputs) != 1 || n.Outputs[0] == "" || len(n.Inputs) == 0 || !ix.isF32(n.Outputs[0]) {
		return nil, false
	}
	v, ok := o.opset(n)
	if !ok || !o.reg.Has(n.Domain, n.OpType, v) {
		return nil, false
	}
	one := func(op string, p0, p1 float32) (*chainLink, bool) {
		x := n.Inputs[0]
		if len(n.Inputs) != 1 || x == "" || !ix.isF32(x) {
			return nil, false
		}
		return &chainLink{x: x, steps: []chainStep{{op: op, p0: p0, p1: p1}}}, true
	}
	if n.Domain == SinterDomain {
		switch n.OpType {
		case "HardSwish":
			return one("HardSwish", 0, 0)
		case "HardSigmoid":
			if p, ok := floatAttrs(n, [2]string{"alpha", "beta"}, [2]float32{0.2, 0.5}); ok {
				return one("HardSigmoid", p[0], p[1])
			}
		case "ElementwiseChain":
			return chainOfChain(ix, n)
		}
		return nil, false
	}
	if n.Domain != ir.DefaultDomain {
		return nil, false
	}
	op := n.OpType
	switch {
	case chainPlain[op]:
		return one(op, 0, 0)
	case op == "Gelu":
		a := n.Attr("approximate")
		switch {
		case a == nil || a.Type == ir.AttrString && string(a.S) == "none":
			return one("Gelu", 0, 0)
		case a.Type == ir.AttrString && string(a.S) == "tanh":
			return one("GeluTanh", 0, 0)
		}
		return nil, false
	case op == "Selu" && v < 6: // Selu-1's defaults were rounded
		if p, ok := floatAttrs(n, [2]string{"alpha", "gamma"}, [2]float32{1.6732, 1.0507}); ok {
			return one(op, p[0], p[1])
		}
		return nil, false
	case op == "Clip":
		return o.clipLink(ix, n, v)
	}
	if d, ok := chainParams[op]; ok {
		if p, ok := floatAttrs(n, d.names, d.defs); ok {
			return one(op, p[0], p[1])
		}
		return nil, false
	}
	if since, ok := chainBinaryOps[op]; ok && v >= since && len(n.Inputs) == 2 {
		for k := range 2 {
			c, x := n.Inputs[k], n.Inputs[1-k]
			t := ix.f32(c)
			if t == nil || t.Len() != 1 || x == "" || ix.consts[x] != nil || !ix.isF32(x) {
				continue
			}
			p := t.Float32s()[0]
			if p != p || op == "Pow" && k == 0 {
				return nil, false // NaN constant; or a constant base
			}
			return &chainLink{x: x, rank: t.Rank(), steps: []chainStep{{op: op, p0: p, swapped: k == 0}}}, true
		}
	}
	return nil, false
}

// floatAttrs reads up to two float attributes of n with their defaults
// (unnamed slots stay 0); false when one has another type, which the
// operator's own binding reports.
func floatAttrs(n *ir.Node, names [2]string, defs [2]float32) ([2]float32, bool) {
	out := defs
	for i, name := range names {
		if name == "" {
			continue
		}
		if a := n.Attr(name); a != nil {
			if a.Type != ir.AttrFloat {
				return out, false
			}
			out[i] = a.F
		}
	}
	return out, true
}

// clipLink makes Clip a step when its bounds are known: attributes before
// opset 11 (an absent bound is open before 6, ±FLT_MAX from 6), else
// optional one-element float32 constant inputs (absent: open).
func (o *optimizer) clipLink(ix *fuseIndex, n *ir.Node, v int64) (*chainLink, bool) {
	x := n.Inputs[0]
	if x == "" || !ix.isF32(x) {
		return nil, false
	}
	lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
	if v < 11 {
		if len(n.Inputs) != 1 {
			return nil, false
		}
		if v >= 6 {
			lo, hi = -math.MaxFloat32, math.MaxFloat32
		}
		for i, dst := range []*float32{&lo, &hi} {
			if a := n.Attr([]string{"min", "max"}[i]); a != nil {
				if a.Type != ir.AttrFloat {
					return nil, false
				}
				*dst = a.F
			}
		}
	} else {
		if len(n.Inputs) > 3 {
			return nil, false
		}
		for i, dst := range []*float32{&lo, &hi} {
			if len(n.Inputs) <= i+1 || n.Inputs[i+1] == "" {
				continue
			}
			t := ix.f32(n.Inputs[i+1])
			if t == nil || t.Len() != 1 {
				return nil, false
			}
			*dst = t.Float32s()[0]
		}
	}
	return &chainLink{x: x, steps: []chainStep{{op: "Clip", p0: lo, p1: hi}}}, true
}

// chainOfChain reads back an ElementwiseChain the pass made in an earlier
// round, so that a later round can extend it.
func chainOfChain(ix *fuseIndex, n *ir.Node) (*chainLink, bool) {
	st, pa, sw, rk := n.Attr("steps"), n.Attr("params"), n.Attr("swapped"), n.Attr("rank")
	if len(n.Inputs) != 1 || n.Inputs[0] == "" || !ix.isF32(n.Inputs[0]) || st == nil || pa == nil ||
		len(pa.Floats) != 2*len(st.Strings) || sw != nil && len(sw.Ints) != len(st.Strings) {
		return nil, false
	}
	l := &chainLink{x: n.Inputs[0]}
	if rk != nil {
		l.rank = int(rk.I)
	}
	for i, s := range st.Strings {
		cs := chainStep{op: string(s), p0: pa.Floats[2*i], p1: pa.Floats[2*i+1]}
		cs.swapped = sw != nil && sw.Ints[i] != 0
		l.steps = append(l.steps, cs)
	}
	return l, true
}
