package compiler

import (
	"math"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
)

// fuseConvBatchNorm folds an inference-mode BatchNormalization into the
// Conv before it: with k = scale/√(var+ε), W'[m] = W[m]·k[m] and
// b'[m] = (b[m] − mean[m])·k[m] + B[m]. Weights, bias and the statistics
// must be float32 constants, and the Conv's output read by the BN alone.
func (o *optimizer) fuseConvBatchNorm() (int, error) {
	ix := o.index()
	dead := map[*ir.Node]bool{}
	repl := map[*ir.Node]*ir.Node{}
	for _, bn := range o.g.Nodes {
		if !isOp(bn, ir.DefaultDomain, "BatchNormalization") || len(bn.Inputs) != 5 || !o.inferenceBN(bn) {
			continue
		}
		conv := ix.producer[bn.Inputs[0]]
		if !isOp(conv, ir.DefaultDomain, "Conv") || dead[conv] || !ix.sole(bn.Inputs[0]) || len(conv.Inputs) < 2 {
			continue
		}
		w := ix.f32(conv.Inputs[1])
		if w == nil || w.Rank() < 3 {
			continue
		}
		m := w.Shape()[0]
		var bias *tensor.Tensor
		if len(conv.Inputs) > 2 && conv.Inputs[2] != "" {
			if bias = ix.f32(conv.Inputs[2]); bias == nil || bias.Len() != m {
				continue
			}
		}
		var p [4][]float32 // scale, B, mean, var
		ok := m > 0
		for i := range p {
			t := ix.f32(bn.Inputs[1+i])
			if t == nil || t.Len() != m {
				ok = false
				break
			}
			p[i] = t.Float32s()
		}
		if !ok {
			continue
		}
		eps := float64(1e-5)
		if a := bn.Attr("epsilon"); a != nil && a.Type == ir.AttrFloat {
			eps = float64(a.F)
		}
		wd := w.Float32s()
		per := len(wd) / m
		nw := make([]float32, len(wd))
		nb := make([]float32, m)
		for c := range m {
			k := float64(p[0][c]) / math.Sqrt(float64(p[3][c])+eps)
			for i := c * per; i < (c+1)*per; i++ {
				nw[i] = float32(float64(wd[i]) * k)
			}
			b := 0.0
			if bias != nil {
				b = float64(bias.Float32s()[c])
			}
			nb[c] = float32((b-float64(p[2][c]))*k + float64(p[1][c]))
		}
		wName, bName := ix.fresh(conv.Inputs[1]), ix.fresh(bn.Outputs[0]+"/bias")
		o.addConst(wName, tensor.From(nw, w.Shape()...))
		o.addConst(bName, tensor.From(nb, m))
		c := *conv
		c.Inputs = []string{conv.Inputs[0], wName, bName}
		c.Outputs = []string{bn.Outputs[0]}
		dead[conv] = true
		repl[bn] = &c
	}
	if len(repl) > 0 {
		o.splice(dead, repl)
	}
	return len(repl), nil
}

// inferenceBN reports whether bn normalises with its running statistics
// (one output, no training mode) over channels (spatial).
func (o *optimizer) inferenceBN(bn *ir.Node) bool {
	for _, out := range bn.Outputs[1:] {
		if out != "" {
			return false
		}
	}
	if bn.Outputs[0] == "" {
		return false
	}
	v, ok := o.opset(bn)
	if !ok {
		return false
	}
	if a := bn.Attr("training_mode"); a != nil && a.I != 0 {
		return false
	}
	if a := bn.Attr("spatial"); v < 9 && a != nil && a.I == 0 {
		return false
	}
	return true
}
