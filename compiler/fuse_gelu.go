package compiler

import (
	"math"

	"github.com/sinter-ml/sinter/ir"
)

// fuseGelu recognises GELU written out, as exporters emit it, in its exact
// form and its tanh approximation,
//
//	x · 0.5 · (1 + Erf(x / √2))                          (x/√2 may be x·(1/√2))
//	x · 0.5 · (1 + Tanh(√(2/π) · (x + 0.044715 · x³)))   (x³ as Pow(x, 3) or x·x·x)
//
// (any Mul/Add operand order) and replaces it with one sinter Gelu node
// (attribute approximate = "tanh" for the second), which the activation
// pass can then fuse into a preceding MatMul, Gemm or Conv.
func (o *optimizer) fuseGelu() (int, error) {
	ix := o.index()
	dead := map[*ir.Node]bool{}
	repl := map[*ir.Node]*ir.Node{}
	for _, n := range o.g.Nodes {
		if !isOp(n, ir.DefaultDomain, "Mul") || len(n.Inputs) != 2 || dead[n] {
			continue
		}
		x, tanh, parts, ok := o.matchGelu(ix, n)
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
		g := &ir.Node{Name: n.Name, Domain: SinterDomain, OpType: "Gelu", Inputs: []string{x}, Outputs: []string{n.Outputs[0]}}
		if tanh {
			g.Attrs = []*ir.Attribute{attrString("approximate", "tanh")}
		}
		repl[n] = g
	}
	if len(repl) > 0 {
		o.splice(dead, repl)
	}
	return len(repl), nil
}

// matchGelu checks whether the Mul h computes Gelu(x), exactly or by the
// tanh approximation (tanh); parts are the other nodes of the pattern,
// each read only inside it.
func (o *optimizer) matchGelu(ix *fuseIndex, h *ir.Node) (x string, tanh bool, parts []*ir.Node, ok bool) {
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
		return "", false, nil, false
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
		return "", false, nil, false
	}
	x = leaves[3-half-onePlus]
	// 1 + erf(d)
	add := ix.producer[leaves[onePlus]]
	if len(add.Inputs) != 2 {
		return "", false, nil, false
	}
	erfOut := ""
	for i, in := range add.Inputs {
		if v, ok := ix.scalar(in); ok && v == 1 {
			erfOut = add.Inputs[1-i]
		}
	}
	erf := ix.producer[erfOut]
	if isOp(erf, ir.DefaultDomain, "Tanh") && ix.sole(erfOut) && len(erf.Inputs) == 1 {
		inner, ok := matchGeluTanhArg(ix, erf.Inputs[0], x)
		if !ok {
			return "", false, nil, false
		}
		parts = append(parts, add, erf)
		parts = append(parts, inner...)
		for _, n := range parts {
			if v, ok := o.opset(n); !ok || v < 7 {
				return "", false, nil, false // legacy broadcast semantics
			}
		}
		return x, true, parts, true
	}
	if !isOp(erf, ir.DefaultDomain, "Erf") || !ix.sole(erfOut) || len(erf.Inputs) != 1 {
		return "", false, nil, false
	}
	// d = x / √2 or x · (1/√2)
	d := ix.producer[erf.Inputs[0]]
	if d == nil || !ix.sole(erf.Inputs[0]) || len(d.Inputs) != 2 {
		return "", false, nil, false
	}
	switch {
	case isOp(d, ir.DefaultDomain, "Div"):
		v, ok := ix.scalar(d.Inputs[1])
		if !ok || !near(v, math.Sqrt2) || d.Inputs[0] != x {
			return "", false, nil, false
		}
	case isOp(d, ir.DefaultDomain, "Mul"):
		i := -1
		for k, in := range d.Inputs {
			if v, ok := ix.scalar(in); ok && near(v, 1/math.Sqrt2) {
				i = k
			}
		}
		if i < 0 || d.Inputs[1-i] != x {
			return "", false, nil, false
		}
	default:
		return "", false, nil, false
	}
	for _, n := range []*ir.Node{add, erf, d} {
		if v, ok := o.opset(n); !ok || v < 7 {
			return "", false, nil, false // legacy broadcast semantics
		}
	}
	return x, false, append(parts, add, erf, d), true
}

// matchGeluTanhArg checks that value t is √(2/π)·(x + 0.044715·x³) and
// returns the nodes computing it, each read only inside the pattern.
func matchGeluTanhArg(ix *fuseIndex, t, x string) ([]*ir.Node, bool) {
	// other returns the non-constant operand of a binary node whose other
	// operand is the scalar want.
	other := func(n *ir.Node, want float64) (string, bool) {
		if n == nil || len(n.Inputs) != 2 {
			return "", false
		}
		for i, in := range n.Inputs {
			if v, ok := ix.scalar(in); ok && near(v, want) {
				return n.Inputs[1-i], true
			}
		}
		return "", false
	}
	scale := ix.producer[t]
	if !isOp(scale, ir.DefaultDomain, "Mul") || !ix.sole(t) {
		return nil, false
	}
	u, ok := other(scale, 0.7978845608028654) // √(2/π)
	if !ok || !ix.sole(u) {
		return nil, false
	}
	sum := ix.producer[u]
	if !isOp(sum, ir.DefaultDomain, "Add") || len(sum.Inputs) != 2 {
		return nil, false
	}
	v := sum.Inputs[1]
	if sum.Inputs[1] == x {
		v = sum.Inputs[0]
	} else if sum.Inputs[0] != x {
		return nil, false
	}
	cubic := ix.producer[v]
	if !isOp(cubic, ir.DefaultDomain, "Mul") || !ix.sole(v) {
		return nil, false
	}
	c, ok := other(cubic, 0.044715)
	if !ok || !ix.sole(c) {
		return nil, false
	}
	nodes := []*ir.Node{scale, sum, cubic}
	cube := ix.producer[c]
	switch {
	case isOp(cube, ir.DefaultDomain, "Pow") && len(cube.Inputs) == 2 && cube.Inputs[0] == x:
		if e, ok := ix.scalar(cube.Inputs[1]); !ok || e != 3 {
			return nil, false
		}
		return append(nodes, cube), true
	case isOp(cube, ir.DefaultDomain, "Mul") && len(cube.Inputs) == 2:
		// x·(x·x) or (x·x)·x
		sqName := cube.Inputs[1]
		if cube.Inputs[1] == x {
			sqName = cube.Inputs[0]
		} else if cube.Inputs[0] != x {
			return nil, false
		}
		sq := ix.producer[sqName]
		if !isOp(sq, ir.DefaultDomain, "Mul") || !ix.sole(sqName) || len(sq.Inputs) != 2 || sq.Inputs[0] != x || sq.Inputs[1] != x {
			return nil, false
		}
		return append(nodes, cube, sq), true
	}
	return nil, false
}
