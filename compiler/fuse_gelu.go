package compiler

import (
	"math"

	"github.com/sinter-ml/sinter/ir"
)

// fuseGelu recognises GELU written out with Erf, as exporters emit it,
//
//	x · 0.5 · (1 + Erf(x / √2))     (x/√2 may be x·(1/√2); any Mul/Add order)
//
// and replaces it with one sinter Gelu node, which the activation pass can
// then fuse into a preceding MatMul, Gemm or Conv.
func (o *optimizer) fuseGelu() (int, error) {
	ix := o.index()
	dead := map[*ir.Node]bool{}
	repl := map[*ir.Node]*ir.Node{}
	for _, n := range o.g.Nodes {
		if !isOp(n, ir.DefaultDomain, "Mul") || len(n.Inputs) != 2 || dead[n] {
			continue
		}
		x, parts, ok := o.matchGelu(ix, n)
		if !ok {
			continue
		}
		for _, p := range parts {
			if dead[p] {
				ok = false
			}
		}
		if !ok {
			continue
		}
		for _, p := range parts {
			dead[p] = true
		}
		repl[n] = &ir.Node{Name: n.Name, Domain: SinterDomain, OpType: "Gelu", Inputs: []string{x}, Outputs: []string{n.Outputs[0]}}
	}
	if len(repl) > 0 {
		o.splice(dead, repl)
	}
	return len(repl), nil
}

// matchGelu checks whether the Mul h computes Gelu(x); parts are the other
// nodes of the pattern, each read only inside it.
func (o *optimizer) matchGelu(ix *fuseIndex, h *ir.Node) (x string, parts []*ir.Node, ok bool) {
	// The three factors: x, 0.5 and 1+erf(x/√2), two of them under an inner Mul.
	var leaves []string
	for _, in := range h.Inputs {
		if p := ix.producer[in]; isOp(p, ir.DefaultDomain, "Mul") && len(p.Inputs) == 2 && ix.sole(in) && len(leaves) < 3 && len(parts) == 0 {
			leaves = append(leaves, p.Inputs...)
			parts = append(parts, p)
			continue
		}
		leaves = append(leaves, in)
	}
	if len(leaves) != 3 {
		return "", nil, false
	}
	half, onePlus := -1, -1
	for i, l := range leaves {
		if v, ok := ix.scalar(l); ok && v == 0.5 && half < 0 {
			half = i
			continue
		}
		if p := ix.producer[l]; isOp(p, ir.DefaultDomain, "Add") && onePlus < 0 && ix.sole(l) {
			onePlus = i
		}
	}
	if half < 0 || onePlus < 0 {
		return "", nil, false
	}
	x = leaves[3-half-onePlus]
	// 1 + erf(d)
	add := ix.producer[leaves[onePlus]]
	if len(add.Inputs) != 2 {
		return "", nil, false
	}
	erfOut := ""
	for i, in := range add.Inputs {
		if v, ok := ix.scalar(in); ok && v == 1 {
			erfOut = add.Inputs[1-i]
		}
	}
	erf := ix.producer[erfOut]
	if !isOp(erf, ir.DefaultDomain, "Erf") || !ix.sole(erfOut) || len(erf.Inputs) != 1 {
		return "", nil, false
	}
	// d = x / √2 or x · (1/√2)
	d := ix.producer[erf.Inputs[0]]
	if d == nil || !ix.sole(erf.Inputs[0]) || len(d.Inputs) != 2 {
		return "", nil, false
	}
	switch {
	case isOp(d, ir.DefaultDomain, "Div"):
		v, ok := ix.scalar(d.Inputs[1])
		if !ok || !near(v, math.Sqrt2) || d.Inputs[0] != x {
			return "", nil, false
		}
	case isOp(d, ir.DefaultDomain, "Mul"):
		i := -1
		for k, in := range d.Inputs {
			if v, ok := ix.scalar(in); ok && near(v, 1/math.Sqrt2) {
				i = k
			}
		}
		if i < 0 || d.Inputs[1-i] != x {
			return "", nil, false
		}
	default:
		return "", nil, false
	}
	for _, n := range []*ir.Node{add, erf, d} {
		if v, ok := o.opset(n); !ok || v < 7 {
			return "", nil, false // legacy broadcast semantics
		}
	}
	return x, append(parts, add, erf, d), true
}
