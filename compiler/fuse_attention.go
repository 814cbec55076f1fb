package compiler

import (
	"github.com/sinter-ml/sinter/ir"
)

// fuseAttention recognises scaled dot-product attention as exporters write
// it out,
//
//	Y = Softmax(Q·Kᵀ [÷ c | × c] [+ mask], axis=−1) · V
//
// where Q·Kᵀ is MatMul(Q, Kᵀ) with Kᵀ given, or a FusedMatMul with transB
// (the transpose pass folded a last-axes Transpose of K into it), and
// replaces the chain with one sinter Attention node. Its kernel computes
// each batch entry's score matrix, scale, mask and softmax while the
// scores are in cache and multiplies by V, instead of writing the
// [batch…, S, S] scores to memory four times.
//
// The chain must be float32: the fused kernel computes nothing else, so
// the pass only fires when a float32 constant (the scale) or a value
// declared float32 proves it.
func (o *optimizer) fuseAttention() (int, error) {
	ix := o.index()
	dead := map[*ir.Node]bool{}
	repl := map[*ir.Node]*ir.Node{}
	for _, out := range o.g.Nodes {
		if !isOp(out, ir.DefaultDomain, "MatMul") || len(out.Inputs) != 2 || dead[out] {
			continue
		}
		n, parts, ok := o.matchAttention(ix, out)
		if !ok {
			continue
		}
		for _, p := range parts {
			ok = ok && !dead[p]
		}
		if !ok {
			continue
		}
		for _, p := range parts {
			dead[p] = true
		}
		repl[out] = n
	}
	if len(repl) > 0 {
		o.splice(dead, repl)
	}
	return len(repl), nil
}

// matchAttention checks whether out (the final MatMul P·V) ends an
// attention chain and returns the fused node and the other nodes it
// replaces.
func (o *optimizer) matchAttention(ix *fuseIndex, out *ir.Node) (*ir.Node, []*ir.Node, bool) {
	pName, v := out.Inputs[0], out.Inputs[1]
	sm := ix.producer[pName]
	if !isOp(sm, ir.DefaultDomain, "Softmax") || len(sm.Inputs) != 1 || !ix.sole(pName) {
		return nil, nil, false
	}
	smOpset, ok := o.opset(sm)
	if !ok {
		return nil, nil, false
	}
	if a := sm.Attr("axis"); a != nil {
		if a.I != -1 {
			return nil, nil, false
		}
	} else if smOpset < 13 {
		return nil, nil, false // the default axis was 1 before opset 13
	}
	parts := []*ir.Node{sm}
	proven := ix.isF32(v) || ix.isF32(pName) || ix.isF32(out.Outputs[0])
	attrs := []*ir.Attribute{}

	cur := sm.Inputs[0] // scores after scale and mask
	mask := ""
	if add := ix.producer[cur]; isOp(add, ir.DefaultDomain, "Add") && len(add.Inputs) == 2 && ix.sole(cur) {
		// Either operand may be the mask: the scores are the one that a
		// scale or the first MatMul produces.
		for i, in := range add.Inputs {
			if p := ix.producer[in]; p != nil && ix.sole(in) && (scaleOperand(ix, p) >= 0 || isScoreMatMul(p)) {
				mask, cur = add.Inputs[1-i], in
				break
			}
		}
		if mask == "" {
			return nil, nil, false
		}
		parts = append(parts, add)
		proven = proven || ix.isF32(mask)
	}
	if sc := ix.producer[cur]; sc != nil && ix.sole(cur) {
		if k := scaleOperand(ix, sc); k >= 0 {
			c := ix.f32(sc.Inputs[k]).Float32s()[0]
			proven = true // a float32 constant scales the scores
			if sc.OpType == "Div" {
				attrs = append(attrs, attrFloat("div", c))
			} else {
				attrs = append(attrs, attrFloat("mul", c))
			}
			parts = append(parts, sc)
			cur = sc.Inputs[1-k]
		}
	}
	qk := ix.producer[cur]
	if !isScoreMatMul(qk) || !ix.sole(cur) {
		return nil, nil, false
	}
	if qk.Domain == SinterDomain {
		attrs = append(attrs, attrInt("transK", 1))
	}
	parts = append(parts, qk)
	if !proven && !ix.isF32(qk.Inputs[0]) && !ix.isF32(qk.Inputs[1]) {
		return nil, nil, false
	}
	for _, n := range append(parts, out) {
		if n.Domain == ir.DefaultDomain {
			if v, ok := o.opset(n); !ok || v < 7 {
				return nil, nil, false // legacy broadcast semantics
			}
		}
	}
	n := &ir.Node{Name: out.Name, Domain: SinterDomain, OpType: "Attention",
		Inputs: []string{qk.Inputs[0], qk.Inputs[1], v}, Outputs: []string{out.Outputs[0]}, Attrs: attrs}
	if mask != "" {
		n.Inputs = append(n.Inputs, mask)
	}
	return n, parts, true
}

// scaleOperand returns which operand of n is a float32 scalar constant
// that n divides by (Div: the divisor) or multiplies by (Mul: either), or
// −1 when n is no such scaling.
func scaleOperand(ix *fuseIndex, n *ir.Node) int {
	if len(n.Inputs) != 2 {
		return -1
	}
	scalar := func(name string) bool {
		t := ix.f32(name)
		return t != nil && t.Len() == 1
	}
	switch {
	case isOp(n, ir.DefaultDomain, "Div") && scalar(n.Inputs[1]):
		return 1
	case isOp(n, ir.DefaultDomain, "Mul") && scalar(n.Inputs[1]):
		return 1
	case isOp(n, ir.DefaultDomain, "Mul") && scalar(n.Inputs[0]):
		return 0
	}
	return -1
}

// isScoreMatMul reports whether n is Q·Kᵀ: a plain MatMul, or a
// FusedMatMul that only transposes B (no bias, residual or activation).
func isScoreMatMul(n *ir.Node) bool {
	if isOp(n, ir.DefaultDomain, "MatMul") {
		return len(n.Inputs) == 2
	}
	if !isOp(n, SinterDomain, "FusedMatMul") || len(n.Inputs) != 2 {
		return false
	}
	for _, a := range n.Attrs {
		switch {
		case a.Name == "transB" && a.I == 1:
		default:
			return false
		}
	}
	return true
}
