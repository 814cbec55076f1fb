package compiler

import (
	"github.com/sinter-ml/sinter/ir"
)

// fuseTransposeMatMul makes MatMul(A, Transpose(W)), W a 2-D float32
// constant, read W directly as a transposed B (sinter FusedMatMul with
// transB=1), so the weight is packed once from its stored layout and the
// transposed copy never exists. It runs before constant folding, which
// would otherwise materialise the transpose.
func (o *optimizer) fuseTransposeMatMul() (int, error) {
	ix := o.index()
	dead := map[*ir.Node]bool{}
	repl := map[*ir.Node]*ir.Node{}
	for _, mm := range o.g.Nodes {
		if !isOp(mm, ir.DefaultDomain, "MatMul") || len(mm.Inputs) != 2 {
			continue
		}
		tr := ix.producer[mm.Inputs[1]]
		if !isOp(tr, ir.DefaultDomain, "Transpose") || dead[tr] || !ix.sole(mm.Inputs[1]) || len(tr.Inputs) != 1 {
			continue
		}
		w := ix.f32(tr.Inputs[0])
		if w == nil || w.Rank() != 2 {
			continue
		}
		if a := tr.Attr("perm"); a != nil && (len(a.Ints) != 2 || a.Ints[0] != 1 || a.Ints[1] != 0) {
			continue
		}
		f := toFused(mm, fusable{op: "FusedMatMul"})
		f.Inputs = []string{mm.Inputs[0], tr.Inputs[0]}
		f.Attrs = []*ir.Attribute{attrInt("transB", 1)}
		dead[tr] = true
		repl[mm] = f
	}
	if len(repl) > 0 {
		o.splice(dead, repl)
	}
	return len(repl), nil
}

// fuseMatMulBias turns MatMul(A, W) + b, with W a 2-D float32 constant and
// b a float32 constant vector of W's column count, into FusedMatMul(A, W,
// b): the bias is added in the GEMM's epilogue.
func (o *optimizer) fuseMatMulBias() (int, error) {
	ix := o.index()
	dead := map[*ir.Node]bool{}
	repl := map[*ir.Node]*ir.Node{}
	for _, add := range o.g.Nodes {
		if !isOp(add, ir.DefaultDomain, "Add") || len(add.Inputs) != 2 {
			continue
		}
		if v, ok := o.opset(add); !ok || v < 7 {
			continue
		}
		for i, in := range add.Inputs {
			mm := ix.producer[in]
			if mm == nil || dead[mm] || !ix.sole(in) {
				continue
			}
			transB := false
			switch {
			case isOp(mm, ir.DefaultDomain, "MatMul"):
			case isOp(mm, SinterDomain, "FusedMatMul"):
				f, _ := o.asFusable(ix, mm)
				if f.hasAct || f.hasRes || len(mm.Inputs) > 2 && mm.Inputs[2] != "" {
					continue
				}
				a := mm.Attr("transB")
				transB = a != nil && a.I != 0
			default:
				continue
			}
			if len(mm.Inputs) < 2 {
				continue
			}
			w := ix.f32(mm.Inputs[1])
			if w == nil || w.Rank() != 2 {
				continue
			}
			n := w.Shape()[1]
			if transB {
				n = w.Shape()[0]
			}
			b := ix.f32(add.Inputs[1-i])
			if b == nil || b.Rank() != 1 || b.Len() != n {
				continue
			}
			f := toFused(mm, fusable{op: "FusedMatMul"})
			f.Inputs = []string{mm.Inputs[0], mm.Inputs[1], add.Inputs[1-i]}
			f.Outputs = []string{add.Outputs[0]}
			dead[mm] = true
			repl[add] = f
			break
		}
	}
	if len(repl) > 0 {
		o.splice(dead, repl)
	}
	return len(repl), nil
}
