package compiler

import (
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
)

// fuseLayerNorm recognises layer normalisation over the last axis written
// out as exporters emit it for models older than opset 17,
//
//	d   = x − ReduceMean(x, axes=[-1])
//	y   = d / Sqrt(ReduceMean(d², axes=[-1]) + ε) · γ (+ β)
//
// (d² as Pow(d, 2) or Mul(d, d); γ and β constant; Mul and Add in either
// operand order) and replaces it with one sinter LayerNormalization node
// (axis −1, epsilon ε), which runs as a single pass per row. The sinter
// node exists so that models importing opsets before 17, where the ONNX
// operator does not exist, can use it.
func (o *optimizer) fuseLayerNorm() (int, error) {
	ix := o.index()
	dead := map[*ir.Node]bool{}
	repl := map[*ir.Node]*ir.Node{}
	for _, n := range o.g.Nodes {
		if !isOp(n, ir.DefaultDomain, "Div") || len(n.Inputs) != 2 || dead[n] {
			continue
		}
		m, ok := o.matchLayerNorm(ix, n)
		if !ok {
			continue
		}
		for _, p := range m.parts {
			if dead[p] {
				ok = false
			}
		}
		if !ok {
			continue
		}
		for _, p := range m.parts {
			dead[p] = true
		}
		inputs := []string{m.x, m.gamma}
		if m.beta != "" {
			inputs = append(inputs, m.beta)
		}
		repl[m.last] = &ir.Node{Name: m.last.Name, Domain: SinterDomain, OpType: "LayerNormalization",
			Inputs: inputs, Outputs: []string{m.last.Outputs[0]},
			Attrs: []*ir.Attribute{attrInt("axis", -1), attrFloat("epsilon", m.eps)}}
		delete(dead, m.last)
	}
	if len(repl) > 0 {
		o.splice(dead, repl)
	}
	return len(repl), nil
}

// lnMatch is one recognised layer normalisation: its input, parameters,
// the nodes it replaces and the last of them (whose output it keeps).
type lnMatch struct {
	x, gamma, beta string
	eps            float32
	parts          []*ir.Node
	last           *ir.Node
}

// matchLayerNorm checks whether div is the d / Sqrt(…) of a layer
// normalisation and collects the rest of the pattern around it.
func (o *optimizer) matchLayerNorm(ix *fuseIndex, div *ir.Node) (lnMatch, bool) {
	var m lnMatch
	dName, stdName := div.Inputs[0], div.Inputs[1]
	sub := ix.producer[dName]
	if !isOp(sub, ir.DefaultDomain, "Sub") || len(sub.Inputs) != 2 || ix.outputs[dName] {
		return m, false
	}
	m.x = sub.Inputs[0]
	mean := ix.producer[sub.Inputs[1]]
	if !o.lastAxisMean(ix, mean, m.x) || !ix.sole(sub.Inputs[1]) {
		return m, false
	}
	// std = Sqrt(ReduceMean(d²) + ε)
	sqrt := ix.producer[stdName]
	if !isOp(sqrt, ir.DefaultDomain, "Sqrt") || len(sqrt.Inputs) != 1 || !ix.sole(stdName) {
		return m, false
	}
	add := ix.producer[sqrt.Inputs[0]]
	if !isOp(add, ir.DefaultDomain, "Add") || len(add.Inputs) != 2 || !ix.sole(sqrt.Inputs[0]) {
		return m, false
	}
	varName := ""
	for i, in := range add.Inputs {
		if v, ok := ix.scalar(in); ok && v >= 0 {
			m.eps, varName = float32(v), add.Inputs[1-i]
		}
	}
	if varName == "" || !ix.sole(varName) {
		return m, false
	}
	sq := ix.producer[varName]
	// ReduceMean(d²) where d² = Pow(d, 2) or Mul(d, d)
	sqName := ""
	if sq != nil && len(sq.Inputs) > 0 {
		sqName = sq.Inputs[0]
	}
	if !o.lastAxisMean(ix, sq, sqName) || !ix.sole(sqName) {
		return m, false
	}
	pow := ix.producer[sqName]
	dUses := 0
	switch {
	case isOp(pow, ir.DefaultDomain, "Pow") && len(pow.Inputs) == 2 && pow.Inputs[0] == dName:
		if v, ok := ix.scalar(pow.Inputs[1]); !ok || v != 2 {
			return m, false
		}
		dUses = 2
	case isOp(pow, ir.DefaultDomain, "Mul") && len(pow.Inputs) == 2 && pow.Inputs[0] == dName && pow.Inputs[1] == dName:
		dUses = 3
	default:
		return m, false
	}
	if ix.uses[dName] != dUses {
		return m, false // d is read elsewhere too
	}
	// · γ, then optionally + β
	divOut := div.Outputs[0]
	if !ix.sole(divOut) {
		return m, false
	}
	mul := ix.reader(o.g, divOut)
	if !isOp(mul, ir.DefaultDomain, "Mul") || len(mul.Inputs) != 2 {
		return m, false
	}
	m.gamma = mul.Inputs[1]
	if mul.Inputs[1] == divOut {
		m.gamma = mul.Inputs[0]
	}
	if !isParam(ix.f32(m.gamma)) {
		return m, false
	}
	m.last = mul
	m.parts = []*ir.Node{sub, mean, sqrt, add, sq, pow, div, mul}
	if mulOut := mul.Outputs[0]; ix.sole(mulOut) {
		if badd := ix.reader(o.g, mulOut); isOp(badd, ir.DefaultDomain, "Add") && len(badd.Inputs) == 2 {
			beta := badd.Inputs[1]
			if beta == mulOut {
				beta = badd.Inputs[0]
			}
			if isParam(ix.f32(beta)) {
				m.beta, m.last = beta, badd
				m.parts = append(m.parts, badd)
			}
		}
	}
	for _, n := range m.parts {
		if v, ok := o.opset(n); !ok || v < 7 {
			return m, false // legacy broadcast semantics
		}
	}
	return m, true
}

// isParam reports whether t is a constant float32 vector: a scale or bias
// LayerNormalization can take. (Its length is checked against X when the
// node runs, as the written-out form's broadcasting would be; a float32
// parameter also means X is float32 in any valid model.)
func isParam(t *tensor.Tensor) bool {
	return t != nil && t.Rank() == 1 && t.Len() > 0
}

// lastAxisMean reports whether n is ReduceMean(in) over the last axis only,
// keeping dims.
func (o *optimizer) lastAxisMean(ix *fuseIndex, n *ir.Node, in string) bool {
	if !isOp(n, ir.DefaultDomain, "ReduceMean") || len(n.Inputs) == 0 || n.Inputs[0] != in {
		return false
	}
	if k := n.Attr("keepdims"); k != nil && k.I == 0 {
		return false
	}
	var axes []int64
	if a := n.Attr("axes"); a != nil {
		axes = a.Ints
	} else if len(n.Inputs) > 1 && n.Inputs[1] != "" {
		t := ix.consts[n.Inputs[1]]
		if t == nil || t.DType() != tensor.Int64 {
			return false
		}
		axes = t.Int64s()
	}
	if len(axes) != 1 {
		return false
	}
	if axes[0] == -1 {
		return true
	}
	ty := ix.types[in]
	return ty != nil && ty.HasShape && axes[0] == int64(len(ty.Shape)-1)
}

// reader returns the node that reads value name (the first, in order).
func (ix *fuseIndex) reader(g *ir.Graph, name string) *ir.Node {
	for _, n := range g.Nodes {
		for _, in := range n.Inputs {
			if in == name {
				return n
			}
		}
	}
	return nil
}
