package compiler

import (
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
)

// fuseHardActivations recognises HardSwish and HardSigmoid written out
// with Clip, as paddle2onnx and older exporters emit them,
//
//	x · Clip(x + 3, 0, 6) / 6   →  HardSwish(x)
//	Clip(x + 3, 0, 6) / 6       →  HardSigmoid(x; α = 1/6, β = 1/2)
//
// (Add and Mul in either operand order; the division may be a Mul by 1/6),
// so the activation pass can fuse them into the convolution before. The
// fused kernels compute x·max(0, min(1, x·(1/6) + 1/2)): mathematically
// the same, within a float32 rounding of the written-out form. The nodes
// are sinter-domain, as ONNX's HardSwish needs opset 14.
func (o *optimizer) fuseHardActivations() (int, error) {
	ix := o.index()
	dead := map[*ir.Node]bool{}
	repl := map[*ir.Node]*ir.Node{}
	for _, n := range o.g.Nodes {
		if dead[n] || len(n.Inputs) != 2 || n.Domain != ir.DefaultDomain {
			continue
		}
		// The final ÷6 (or ×1/6) over m.
		var m string
		switch {
		case n.OpType == "Div" && ix.scalarIs(n.Inputs[1], 6):
			m = n.Inputs[0]
		case n.OpType == "Mul" && ix.scalarIs(n.Inputs[1], 1.0/6):
			m = n.Inputs[0]
		case n.OpType == "Mul" && ix.scalarIs(n.Inputs[0], 1.0/6):
			m = n.Inputs[1]
		default:
			continue
		}
		if !ix.sole(m) {
			continue
		}
		mp := ix.producer[m]
		var parts []*ir.Node
		var x string
		var swish bool
		if x2, ok := ix.relu6Shift3(o, mp); ok {
			// HardSigmoid: Clip(x+3, 0, 6) / 6
			x, parts = x2, []*ir.Node{mp, ix.producer[mp.Inputs[0]]}
		} else if isOp(mp, ir.DefaultDomain, "Mul") && len(mp.Inputs) == 2 {
			// HardSwish: x · Clip(x+3, 0, 6) / 6
			for k := range 2 {
				c := ix.producer[mp.Inputs[k]]
				if x2, ok := ix.relu6Shift3(o, c); ok && x2 == mp.Inputs[1-k] && ix.sole(mp.Inputs[k]) {
					x, swish = x2, true
					parts = []*ir.Node{mp, c, ix.producer[c.Inputs[0]]}
					break
				}
			}
		}
		if x == "" || !ix.isF32(x) {
			continue
		}
		ok := true
		for _, p := range parts {
			ok = ok && !dead[p]
			if v, has := o.opset(p); !has || v < 7 {
				ok = false // legacy broadcast semantics
			}
		}
		if !ok {
			continue
		}
		for _, p := range parts {
			dead[p] = true
		}
		h := &ir.Node{Name: n.Name, Domain: SinterDomain, OpType: "HardSwish", Inputs: []string{x}, Outputs: []string{n.Outputs[0]}}
		if !swish {
			h.OpType = "HardSigmoid"
			h.Attrs = []*ir.Attribute{attrFloat("alpha", 1.0/6), attrFloat("beta", 0.5)}
		}
		repl[n] = h
	}
	if len(repl) > 0 {
		o.splice(dead, repl)
	}
	return len(repl), nil
}

// scalarIs reports whether value name is a one-element float constant
// equal to want within float32 rounding.
func (ix *fuseIndex) scalarIs(name string, want float64) bool {
	v, ok := ix.scalar(name)
	return ok && float32(v) == float32(want)
}

// relu6Shift3 checks that c is Clip(x + 3, 0, 6) (bounds as inputs, or as
// attributes before opset 11), its x + 3 read only by it, and returns x.
func (ix *fuseIndex) relu6Shift3(o *optimizer, c *ir.Node) (string, bool) {
	if !isOp(c, ir.DefaultDomain, "Clip") || len(c.Inputs) == 0 || !ix.sole(c.Inputs[0]) {
		return "", false
	}
	v, ok := o.opset(c)
	if !ok {
		return "", false
	}
	if v < 11 {
		lo, hi := c.Attr("min"), c.Attr("max")
		if lo == nil || hi == nil || lo.F != 0 || hi.F != 6 {
			return "", false
		}
	} else if len(c.Inputs) != 3 || !ix.scalarIs(c.Inputs[1], 0) || !ix.scalarIs(c.Inputs[2], 6) {
		return "", false
	}
	a := ix.producer[c.Inputs[0]]
	if !isOp(a, ir.DefaultDomain, "Add") || len(a.Inputs) != 2 {
		return "", false
	}
	for k := range 2 {
		if ix.scalarIs(a.Inputs[k], 3) {
			return a.Inputs[1-k], true
		}
	}
	return "", false
}

// fuseConvAffine folds a per-channel or scalar affine map after a Conv,
// Mul(Conv, k) optionally followed by Add(·, b) with k and b float32
// constants of one element or of shape [M, 1, …] / [1, M, 1, …], into the
// Conv's weights and bias: W'[m] = W[m]·k[m], b'[m] = b[m]·k[m] + B[m].
// Exporters write folded-away BatchNorms and learnable scales this way.
func (o *optimizer) fuseConvAffine() (int, error) {
	ix := o.index()
	dead := map[*ir.Node]bool{}
	repl := map[*ir.Node]*ir.Node{}
	for _, mul := range o.g.Nodes {
		if !isOp(mul, ir.DefaultDomain, "Mul") || len(mul.Inputs) != 2 || dead[mul] {
			continue
		}
		var conv *ir.Node
		var k *tensor.Tensor
		for i := range 2 {
			if c := ix.producer[mul.Inputs[i]]; isOp(c, ir.DefaultDomain, "Conv") && ix.sole(mul.Inputs[i]) && !dead[c] {
				conv, k = c, ix.f32(mul.Inputs[1-i])
			}
		}
		if conv == nil || k == nil || len(conv.Inputs) < 2 {
			continue
		}
		w := ix.f32(conv.Inputs[1])
		if w == nil || w.Rank() < 3 || w.Shape()[0] == 0 {
			continue
		}
		m := w.Shape()[0]
		ks, ok := perChannel(k, m, w.Rank())
		if !ok {
			continue
		}
		var bias []float32
		if len(conv.Inputs) > 2 && conv.Inputs[2] != "" {
			bt := ix.f32(conv.Inputs[2])
			if bt == nil || bt.Len() != m {
				continue
			}
			bias = bt.Float32s()
		}
		last := mul
		var add []float32
		if out := mul.Outputs[0]; ix.sole(out) {
			if a := ix.reader(o.g, out); isOp(a, ir.DefaultDomain, "Add") && len(a.Inputs) == 2 && !dead[a] {
				other := a.Inputs[1]
				if other == out {
					other = a.Inputs[0]
				}
				if bt := ix.f32(other); bt != nil {
					if bs, ok := perChannel(bt, m, w.Rank()); ok {
						add, last = bs, a
					}
				}
			}
		}
		if v, has := o.opset(mul); !has || v < 7 {
			continue
		}
		wd := w.Float32s()
		per := len(wd) / m
		nw := make([]float32, len(wd))
		nb := make([]float32, m)
		for c := range m {
			for i := c * per; i < (c+1)*per; i++ {
				nw[i] = wd[i] * ks[c]
			}
			if bias != nil {
				nb[c] = bias[c] * ks[c]
			}
			if add != nil {
				nb[c] += add[c]
			}
		}
		wName, bName := ix.fresh(conv.Inputs[1]), ix.fresh(last.Outputs[0]+"/bias")
		o.addConst(wName, tensor.From(nw, w.Shape()...))
		o.addConst(bName, tensor.From(nb, m))
		c := *conv
		c.Inputs = []string{conv.Inputs[0], wName, bName}
		c.Outputs = []string{last.Outputs[0]}
		dead[conv], dead[mul] = true, true
		delete(dead, last)
		repl[last] = &c
	}
	if len(repl) > 0 {
		o.splice(dead, repl)
	}
	return len(repl), nil
}

// perChannel returns t's value per output channel when t has one element,
// or m elements laid out along the channel axis of a rank-r NCHW result
// ([m, 1, …] with r−1 dims, or [1, m, 1, …] with r dims).
func perChannel(t *tensor.Tensor, m, r int) ([]float32, bool) {
	v := t.Float32s()
	if t.Len() == 1 && t.Rank() <= r {
		out := make([]float32, m)
		for i := range out {
			out[i] = v[0]
		}
		return out, true
	}
	s := t.Shape()
	if t.Len() != m {
		return nil, false
	}
	switch {
	case len(s) == r-1 && s[0] == m:
	case len(s) == r && s[0] == 1 && s[1] == m:
	default:
		return nil, false
	}
	return v, true
}
