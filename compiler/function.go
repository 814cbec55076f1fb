package compiler

import (
	"fmt"
	"strconv"

	"github.com/sinter-ml/sinter/ir"
)

// maxInlineDepth bounds nested model-local function calls (and catches
// recursive functions, which ONNX forbids).
const maxInlineDepth = 32

// inliner expands calls to model-local functions into their bodies, so the
// rest of the compiler sees only registry operators. Each inlined node
// remembers the opset imports of the function it came from.
type inliner struct {
	funcs  map[[2]string]*ir.Function
	opsets map[*ir.Node]map[string]int64
	serial int
}

func newInliner(m *ir.Model) *inliner {
	in := &inliner{funcs: map[[2]string]*ir.Function{}, opsets: map[*ir.Node]map[string]int64{}}
	for _, f := range m.Functions {
		in.funcs[[2]string{ir.NormalizeDomain(f.Domain), f.Name}] = f
	}
	return in
}

// expand returns g's nodes with every function call replaced by its body,
// recursively (subgraph attributes included).
func (in *inliner) expand(nodes []*ir.Node, depth int) ([]*ir.Node, error) {
	if len(in.funcs) == 0 {
		return nodes, nil
	}
	if depth > maxInlineDepth {
		return nil, fmt.Errorf("model-local functions nest deeper than %d (recursive?)", maxInlineDepth)
	}
	var out []*ir.Node
	for _, n := range nodes {
		if err := in.expandSubgraphs(n, depth); err != nil {
			return nil, err
		}
		f := in.funcs[[2]string{n.Domain, n.OpType}]
		if f == nil {
			out = append(out, n)
			continue
		}
		body, err := in.instantiate(f, n)
		if err != nil {
			return nil, fmt.Errorf("%s: inlining function %s: %w", n.Label(), f.Name, err)
		}
		body, err = in.expand(body, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, body...)
	}
	return out, nil
}

func (in *inliner) expandSubgraphs(n *ir.Node, depth int) error {
	for _, a := range n.Attrs {
		gs := a.Graphs
		if a.G != nil {
			gs = append([]*ir.Graph{a.G}, gs...)
		}
		for _, g := range gs {
			nodes, err := in.expand(g.Nodes, depth+1)
			if err != nil {
				return err
			}
			g.Nodes = nodes
		}
	}
	return nil
}

// instantiate copies f's body for the call site: formal inputs and outputs
// become the call's actual names, internal values get a unique prefix, and
// attribute references take the call's attribute or the function default.
func (in *inliner) instantiate(f *ir.Function, call *ir.Node) ([]*ir.Node, error) {
	in.serial++
	prefix := "__" + f.Name + "_" + strconv.Itoa(in.serial) + "/"
	rename := map[string]string{"": ""}
	for i, name := range f.Inputs {
		actual := ""
		if i < len(call.Inputs) {
			actual = call.Inputs[i]
		}
		rename[name] = actual
	}
	if len(call.Inputs) > len(f.Inputs) {
		return nil, fmt.Errorf("%d inputs given, function takes %d", len(call.Inputs), len(f.Inputs))
	}
	for i, name := range f.Outputs {
		actual := ""
		if i < len(call.Outputs) {
			actual = call.Outputs[i]
		}
		rename[name] = actual
	}
	mapName := func(s string) string {
		if r, ok := rename[s]; ok {
			return r
		}
		r := prefix + s
		rename[s] = r
		return r
	}
	attrValue := func(ref string) *ir.Attribute {
		if a := call.Attr(ref); a != nil {
			return a
		}
		for _, d := range f.AttrDefaults {
			if d.Name == ref {
				return d
			}
		}
		return nil
	}
	body := make([]*ir.Node, 0, len(f.Nodes))
	for _, fn := range f.Nodes {
		n := &ir.Node{Name: prefix + fn.Name, OpType: fn.OpType, Domain: fn.Domain, Doc: fn.Doc}
		for _, s := range fn.Inputs {
			n.Inputs = append(n.Inputs, mapName(s))
		}
		for _, s := range fn.Outputs {
			n.Outputs = append(n.Outputs, mapName(s))
		}
		for _, a := range fn.Attrs {
			if a.RefAttrName == "" {
				n.Attrs = append(n.Attrs, a)
				continue
			}
			v := attrValue(a.RefAttrName)
			if v == nil {
				continue // unset reference: the attribute is omitted
			}
			c := *v
			c.Name = a.Name
			c.RefAttrName = ""
			n.Attrs = append(n.Attrs, &c)
		}
		if len(f.Opsets) > 0 {
			in.opsets[n] = f.Opsets
		}
		body = append(body, n)
	}
	return body, nil
}
