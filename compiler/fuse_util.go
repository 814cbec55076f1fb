package compiler

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
)

// SinterDomain is the domain of Sinter's internal operators: the fused
// nodes the optimiser creates (FusedConv, FusedGemm, FusedMatMul, Gelu).
// They exist only inside compiled programs and are always bound at opset 1.
const SinterDomain = "sinter"

// fuseIndex is what the fusion passes look up while scanning the graph.
type fuseIndex struct {
	producer map[string]*ir.Node
	uses     map[string]int
	consts   map[string]*tensor.Tensor // initializers the caller cannot override
	outputs  map[string]bool
	types    map[string]*ir.Type
	names    map[string]bool // every value name, for fresh ones
}

func (o *optimizer) index() *fuseIndex {
	ix := &fuseIndex{producer: map[string]*ir.Node{}, uses: o.uses(), consts: map[string]*tensor.Tensor{},
		outputs: map[string]bool{}, types: map[string]*ir.Type{}, names: map[string]bool{}}
	overridable := map[string]bool{}
	for _, v := range o.g.Inputs {
		overridable[v.Name] = true
		ix.types[v.Name] = v.Type
		ix.names[v.Name] = true
	}
	for _, in := range o.g.Initializers {
		ix.names[in.Name] = true
		if !overridable[in.Name] {
			ix.consts[in.Name] = in.Tensor
		}
	}
	for _, v := range o.g.ValueInfo {
		ix.types[v.Name] = v.Type
	}
	for _, v := range o.g.Outputs {
		ix.outputs[v.Name] = true
		if v.Type != nil {
			ix.types[v.Name] = v.Type
		}
	}
	for _, n := range o.g.Nodes {
		for _, out := range n.Outputs {
			if out != "" {
				ix.producer[out] = n
				ix.names[out] = true
			}
		}
	}
	ix.inferElemTypes(o.g.Nodes)
	return ix
}

// sole reports whether value name is read exactly once, by a node, and is
// not a graph output: the condition for folding its producer into its
// reader.
func (ix *fuseIndex) sole(name string) bool {
	return name != "" && ix.uses[name] == 1 && !ix.outputs[name]
}

// f32 returns the constant float32 tensor called name, or nil.
func (ix *fuseIndex) f32(name string) *tensor.Tensor {
	if t := ix.consts[name]; t != nil && t.DType() == tensor.Float32 {
		return t
	}
	return nil
}

// scalar returns the value of a one-element float constant.
func (ix *fuseIndex) scalar(name string) (float64, bool) {
	t := ix.consts[name]
	if t == nil || t.Len() != 1 || !t.DType().IsFloat() {
		return 0, false
	}
	v, err := tensor.ToFloat64(t)
	if err != nil {
		return 0, false
	}
	return v[0], true
}

// isF32 reports whether value name is known to be float32: a float32
// constant, or a value whose declared or inferred type says so.
func (ix *fuseIndex) isF32(name string) bool {
	return ix.elemOf(name) == tensor.Float32
}

// fresh returns a value name based on base that is not used yet.
func (ix *fuseIndex) fresh(base string) string {
	for i := 0; ; i++ {
		name := fmt.Sprintf("%s/fused%d", base, i)
		if !ix.names[name] {
			ix.names[name] = true
			return name
		}
	}
}

// addConst adds an initializer.
func (o *optimizer) addConst(name string, t *tensor.Tensor) {
	o.g.Initializers = append(o.g.Initializers, &ir.Initializer{Name: name, Tensor: t})
}

// splice removes the dead nodes and puts each replacement where the node
// it replaces (its key) was.
func (o *optimizer) splice(dead map[*ir.Node]bool, repl map[*ir.Node]*ir.Node) {
	kept := o.g.Nodes[:0:0]
	for _, n := range o.g.Nodes {
		if r, ok := repl[n]; ok {
			kept = append(kept, r)
			continue
		}
		if !dead[n] {
			kept = append(kept, n)
		}
	}
	o.g.Nodes = kept
}

// isOp reports whether n is op type op of domain domain.
func isOp(n *ir.Node, domain, op string) bool {
	return n != nil && n.Domain == domain && n.OpType == op
}

func attrString(name, v string) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrString, S: []byte(v)}
}

func attrFloat(name string, v float32) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrFloat, F: v}
}

func attrInt(name string, v int64) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrInt, I: v}
}

// withoutAttrs returns n's attributes minus the named ones.
func withoutAttrs(n *ir.Node, names ...string) []*ir.Attribute {
	var out []*ir.Attribute
	for _, a := range n.Attrs {
		skip := false
		for _, name := range names {
			skip = skip || a.Name == name
		}
		if !skip {
			out = append(out, a)
		}
	}
	return out
}

// fusedInputs returns ins padded with "" to length n.
func fusedInputs(ins []string, n int) []string {
	out := append([]string(nil), ins...)
	for len(out) < n {
		out = append(out, "")
	}
	return out
}

// near reports whether x is within a relative 1e-4 of want.
func near(x, want float64) bool { return math.Abs(x-want) <= 1e-4*math.Abs(want) }

// fusable describes a node an epilogue can be fused into: the sinter op it
// becomes, which input takes the residual, and whether it has an
// activation or residual already.
type fusable struct {
	op       string // FusedConv, FusedGemm, FusedMatMul
	resInput int
	hasAct   bool
	hasRes   bool
}

// asFusable reports whether n (Conv, Gemm, MatMul or their fused forms)
// can take an epilogue, computing float32.
func (o *optimizer) asFusable(ix *fuseIndex, n *ir.Node) (fusable, bool) {
	switch {
	case isOp(n, ir.DefaultDomain, "Conv"):
		if len(n.Inputs) < 2 || ix.f32(n.Inputs[1]) == nil {
			return fusable{}, false
		}
		return fusable{op: "FusedConv", resInput: 3}, true
	case isOp(n, ir.DefaultDomain, "Gemm"):
		if v, ok := o.opset(n); !ok || v < 7 || len(n.Inputs) < 2 {
			return fusable{}, false
		}
		if !ix.isF32(n.Inputs[0]) && !ix.isF32(n.Inputs[1]) {
			return fusable{}, false
		}
		return fusable{op: "FusedGemm", resInput: 3}, true
	case isOp(n, ir.DefaultDomain, "MatMul"):
		if len(n.Inputs) < 2 || (!ix.isF32(n.Inputs[0]) && !ix.isF32(n.Inputs[1])) {
			return fusable{}, false
		}
		return fusable{op: "FusedMatMul", resInput: 3}, true
	case n != nil && n.Domain == SinterDomain:
		switch n.OpType {
		case "FusedConv", "FusedGemm", "FusedMatMul":
			f := fusable{op: n.OpType, resInput: 3}
			a := n.Attr("activation")
			f.hasAct = a != nil && len(a.S) > 0
			f.hasRes = len(n.Inputs) > 3 && n.Inputs[3] != ""
			return f, true
		}
	}
	return fusable{}, false
}

// toFused returns a copy of n as its sinter fused op.
func toFused(n *ir.Node, f fusable) *ir.Node {
	c := *n
	c.Domain = SinterDomain
	c.OpType = f.op
	c.Inputs = append([]string(nil), n.Inputs...)
	c.Outputs = append([]string(nil), n.Outputs...)
	c.Attrs = append([]*ir.Attribute(nil), n.Attrs...)
	return &c
}
