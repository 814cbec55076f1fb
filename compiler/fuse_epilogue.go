package compiler

import (
	"math"

	"github.com/sinter-ml/sinter/ir"
)

// fuseResidual folds Add(Y, R), Y the output of a Conv, Gemm or MatMul (or
// their fused forms without activation or residual yet) read only by the
// Add, into the producer as its residual input: the kernel adds R while
// storing Y. If R's shape turns out not to match Y's at run time, the fused
// kernel broadcasts it afterwards, as Add would.
func (o *optimizer) fuseResidual() (int, error) {
	ix := o.index()
	dead := map[*ir.Node]bool{}
	repl := map[*ir.Node]*ir.Node{}
	for _, add := range o.g.Nodes {
		if !isOp(add, ir.DefaultDomain, "Add") || len(add.Inputs) != 2 || add.Inputs[0] == add.Inputs[1] {
			continue
		}
		if v, ok := o.opset(add); !ok || v < 7 {
			continue
		}
		for i, in := range add.Inputs {
			p := ix.producer[in]
			if p == nil || dead[p] || !ix.sole(in) {
				continue
			}
			f, ok := o.asFusable(ix, p)
			if !ok || f.hasAct || f.hasRes {
				continue
			}
			n := toFused(p, f)
			n.Inputs = fusedInputs(p.Inputs, f.resInput)
			n.Inputs = append(n.Inputs[:f.resInput], add.Inputs[1-i])
			n.Outputs = []string{add.Outputs[0]}
			dead[p] = true
			repl[add] = n
			break
		}
	}
	if len(repl) > 0 {
		o.splice(dead, repl)
	}
	return len(repl), nil
}

// fuseActivation folds an activation (Relu, Clip with constant bounds,
// LeakyRelu, Sigmoid, Tanh, Gelu) into the Conv, Gemm or MatMul whose
// output it alone reads: the kernel applies it while storing.
func (o *optimizer) fuseActivation() (int, error) {
	ix := o.index()
	dead := map[*ir.Node]bool{}
	repl := map[*ir.Node]*ir.Node{}
	for _, act := range o.g.Nodes {
		if len(act.Inputs) == 0 || len(act.Outputs) != 1 || act.Outputs[0] == "" {
			continue
		}
		attrs, ok := o.activationAttrs(ix, act)
		if !ok {
			continue
		}
		p := ix.producer[act.Inputs[0]]
		if p == nil || dead[p] || !ix.sole(act.Inputs[0]) {
			continue
		}
		f, ok := o.asFusable(ix, p)
		if !ok || f.hasAct {
			continue
		}
		n := toFused(p, f)
		n.Attrs = append(withoutAttrs(p, "activation", "activation_alpha", "activation_beta"), attrs...)
		n.Outputs = []string{act.Outputs[0]}
		dead[p] = true
		repl[act] = n
	}
	if len(repl) > 0 {
		o.splice(dead, repl)
	}
	return len(repl), nil
}

// activationAttrs returns the fused-op attributes computing act, if it is
// an activation the kernels' epilogue has.
func (o *optimizer) activationAttrs(ix *fuseIndex, act *ir.Node) ([]*ir.Attribute, bool) {
	name := func(s string) []*ir.Attribute { return []*ir.Attribute{attrString("activation", s)} }
	if isOp(act, SinterDomain, "Gelu") {
		if a := act.Attr("approximate"); a != nil && string(a.S) == "tanh" {
			return name("GeluTanh"), true
		}
		return name("Gelu"), true
	}
	hard := act.Domain == SinterDomain && (act.OpType == "HardSwish" || act.OpType == "HardSigmoid")
	if act.Domain != ir.DefaultDomain && !hard {
		return nil, false
	}
	switch act.OpType {
	case "Relu", "Sigmoid", "Tanh", "HardSwish":
		return name(act.OpType), len(act.Inputs) == 1
	case "HardSigmoid":
		alpha, beta := float32(0.2), float32(0.5)
		if a := act.Attr("alpha"); a != nil {
			alpha = a.F
		}
		if a := act.Attr("beta"); a != nil {
			beta = a.F
		}
		return append(name("HardSigmoid"), attrFloat("activation_alpha", alpha), attrFloat("activation_beta", beta)), len(act.Inputs) == 1
	case "LeakyRelu":
		alpha := float32(0.01)
		if a := act.Attr("alpha"); a != nil {
			alpha = a.F
		}
		return append(name("LeakyRelu"), attrFloat("activation_alpha", alpha)), true
	case "Gelu":
		approx := "none"
		if a := act.Attr("approximate"); a != nil {
			approx = string(a.S)
		}
		switch approx {
		case "none":
			return name("Gelu"), true
		case "tanh":
			return name("GeluTanh"), true
		}
	case "Clip":
		lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
		v, ok := o.opset(act)
		if !ok {
			return nil, false
		}
		if v < 11 {
			if a := act.Attr("min"); a != nil {
				lo = a.F
			}
			if a := act.Attr("max"); a != nil {
				hi = a.F
			}
		} else {
			for i, dst := range []*float32{&lo, &hi} {
				if len(act.Inputs) > i+1 && act.Inputs[i+1] != "" {
					t := ix.f32(act.Inputs[i+1])
					if t == nil || t.Len() != 1 {
						return nil, false
					}
					*dst = t.Float32s()[0]
				}
			}
		}
		return append(name("Clip"), attrFloat("activation_alpha", lo), attrFloat("activation_beta", hi)), true
	}
	return nil, false
}
