package compiler

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// chainSpecial returns n float32s mixing normal values with NaN, ±Inf, ±0,
// denormals and exp's range limits.
func chainSpecial(rng *rand.Rand, n int) *tensor.Tensor {
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0,
		float32(math.Copysign(0, -1)), 1e-40, -1e-40, math.Float32frombits(1), -88, 89, 1e30, -1e30, 3, -3, 6}
	t := tensor.New(tensor.Float32, n)
	for i := range t.Float32s() {
		if rng.IntN(6) == 0 {
			t.Float32s()[i] = special[rng.IntN(len(special))]
		} else {
			t.Float32s()[i] = float32(rng.NormFloat64() * 4)
		}
	}
	return t
}

// sameFloatBits reports the first element where a and b differ in any
// bit, or -1.
func sameFloatBits(a, b *tensor.Tensor) int {
	if !a.Shape().Equal(b.Shape()) {
		return 0
	}
	for i, v := range a.Float32s() {
		if math.Float32bits(v) != math.Float32bits(b.Float32s()[i]) {
			return i
		}
	}
	return -1
}

// chainOp is one operator the chain pass must fuse, as a model writes it:
// with attributes absent (defaults) or present, bounds as attributes or
// constants, constants first or second.
type chainOp struct {
	op     string
	opset  int64
	attrs  []*ir.Attribute
	consts []*tensor.Tensor // inputs after x ("" where nil); first:true puts the one constant first
	first  bool
}

func chainOps() []chainOp {
	s := func(v float32) *tensor.Tensor { return tensor.Scalar(v) }
	var out []chainOp
	for _, op := range []string{"Abs", "Neg", "Reciprocal", "Sqrt", "Exp", "Log", "Floor", "Ceil", "Round", "Sign",
		"Erf", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Tanh",
		"Sigmoid", "Relu", "Softplus", "Softsign", "HardSwish", "Mish"} {
		out = append(out, chainOp{op: op, opset: 18})
	}
	for _, op := range []string{"Add", "Sub", "Mul", "Div", "Max", "Min"} {
		for _, c := range []float32{0.3, -2, 0, float32(math.Inf(-1))} {
			out = append(out, chainOp{op: op, opset: 13, consts: []*tensor.Tensor{s(c)}},
				chainOp{op: op, opset: 13, consts: []*tensor.Tensor{s(c)}, first: true})
		}
	}
	out = append(out,
		chainOp{op: "Mul", opset: 13, consts: []*tensor.Tensor{tensor.From([]float32{1.5}, 1, 1, 1)}},
		chainOp{op: "Pow", opset: 13, consts: []*tensor.Tensor{s(2)}},
		chainOp{op: "Pow", opset: 13, consts: []*tensor.Tensor{s(0.5)}},
		chainOp{op: "Pow", opset: 13, consts: []*tensor.Tensor{s(-1.3)}},
		chainOp{op: "LeakyRelu", opset: 13},
		chainOp{op: "LeakyRelu", opset: 13, attrs: []*ir.Attribute{attrFloat("alpha", 0.2)}},
		chainOp{op: "Elu", opset: 13},
		chainOp{op: "Elu", opset: 13, attrs: []*ir.Attribute{attrFloat("alpha", 0.5)}},
		chainOp{op: "Celu", opset: 13, attrs: []*ir.Attribute{attrFloat("alpha", 1.7)}},
		chainOp{op: "Celu", opset: 13},
		chainOp{op: "ThresholdedRelu", opset: 13},
		chainOp{op: "HardSigmoid", opset: 13},
		chainOp{op: "HardSigmoid", opset: 13, attrs: []*ir.Attribute{attrFloat("alpha", 0.3), attrFloat("beta", 0.6)}},
		chainOp{op: "Shrink", opset: 13},
		chainOp{op: "Shrink", opset: 13, attrs: []*ir.Attribute{attrFloat("lambd", 1), attrFloat("bias", 0.25)}},
		chainOp{op: "Selu", opset: 13},
		chainOp{op: "Selu", opset: 1},
		chainOp{op: "Selu", opset: 13, attrs: []*ir.Attribute{attrFloat("alpha", 2), attrFloat("gamma", 0.5)}},
		chainOp{op: "Gelu", opset: 20},
		chainOp{op: "Gelu", opset: 20, attrs: []*ir.Attribute{attrString("approximate", "tanh")}},
		chainOp{op: "Clip", opset: 13, consts: []*tensor.Tensor{s(-1), s(2)}},
		chainOp{op: "Clip", opset: 13, consts: []*tensor.Tensor{nil, s(2)}},
		chainOp{op: "Clip", opset: 13, consts: []*tensor.Tensor{s(0)}},
		chainOp{op: "Clip", opset: 13},
		chainOp{op: "Clip", opset: 6},
		chainOp{op: "Clip", opset: 6, attrs: []*ir.Attribute{attrFloat("min", -0.5)}},
		chainOp{op: "Clip", opset: 1, attrs: []*ir.Attribute{attrFloat("max", 0.5)}},
	)
	return out
}

// chainOpModel is x → Neg → op → Abs → y, so that op sits inside a chain.
func chainOpModel(c chainOp) *ir.Model {
	g := &ir.Graph{Name: c.op}
	g.Inputs = []*ir.ValueInfo{{Name: "x", Type: &ir.Type{Kind: ir.KindTensor, Elem: tensor.Float32,
		Shape: []ir.Dim{{Value: 4099, Known: true}}, HasShape: true}}}
	ins := []string{"a"}
	for i, t := range c.consts {
		name := ""
		if t != nil {
			name = fmt.Sprint("c", i)
			g.Initializers = append(g.Initializers, &ir.Initializer{Name: name, Tensor: t})
		}
		ins = append(ins, name)
	}
	if c.first {
		ins[0], ins[1] = ins[1], ins[0]
	}
	g.Nodes = []*ir.Node{
		node("Neg", []string{"x"}, []string{"a"}),
		node(c.op, ins, []string{"b"}, c.attrs...),
		node("Abs", []string{"b"}, []string{"y"}),
	}
	g.Outputs = []*ir.ValueInfo{{Name: "y"}}
	return &ir.Model{Opsets: map[string]int64{"": c.opset}, Graph: g}
}

// TestChainFusionIsBitIdentical compiles every operator form the chain
// pass takes, between two others, with and without optimisation: the
// optimised program must be one ElementwiseChain step and give exactly
// the unoptimised bits — which also holds the pass's reading of
// attributes, defaults and constants to the operators' own.
func TestChainFusionIsBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := chainSpecial(rng, 4099)
	for _, c := range chainOps() {
		name := fmt.Sprintf("%s-%d%v", c.op, c.opset, c.consts)
		if c.first {
			name += "-first"
		}
		m := chainOpModel(c)
		opt, ref := compileBoth(t, m)
		if got := fmt.Sprint(stepNames(opt)); got != "[sinter.ElementwiseChain]" {
			t.Errorf("%s: optimised steps %s, want one chain", name, got)
			continue
		}
		got, want := run1(t, opt, x), run1(t, ref, x)
		if i := sameFloatBits(got, want); i >= 0 {
			t.Errorf("%s: shape %v, want %v; element %d of f(%v) is %v, unfused %v", name, got.Shape(), want.Shape(),
				i, x.Float32s()[max(i, 0)], got.Float32s()[max(i, 0)], want.Float32s()[max(i, 0)])
		}
	}
}

// TestChainFusionStructure checks which nodes the chain pass takes.
func TestChainFusionStructure(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	k := tensor.Scalar(float32(0.5))
	cases := []fuseCase{{
		name: "chain-of-three",
		nodes: []*ir.Node{
			node("Mul", []string{"x", "k"}, []string{"a"}),
			node("Add", []string{"k", "a"}, []string{"b"}),
			node("Relu", []string{"b"}, []string{"y"}),
		},
		inits:   map[string]*tensor.Tensor{"k": k},
		inputs:  map[string]tensor.Shape{"x": {3, 50}},
		outputs: []string{"y"},
		want:    []string{"sinter.ElementwiseChain"},
	}, {
		// b has two readers: the chain splits there.
		name: "split-at-shared-value",
		nodes: []*ir.Node{
			node("Neg", []string{"x"}, []string{"a"}),
			node("Abs", []string{"a"}, []string{"b"}),
			node("Exp", []string{"b"}, []string{"c"}),
			node("Sigmoid", []string{"c"}, []string{"d"}),
			node("Add", []string{"b", "d"}, []string{"y"}),
		},
		inputs:  map[string]tensor.Shape{"x": {40}},
		outputs: []string{"y"},
		want:    []string{"sinter.ElementwiseChain", "sinter.ElementwiseChain", "Add"},
	}, {
		// An intermediate graph output splits the chain; the last node's
		// output keeps its name as the fused node's.
		name: "graph-outputs",
		nodes: []*ir.Node{
			node("Relu", []string{"x"}, []string{"a"}),
			node("Neg", []string{"a"}, []string{"y1"}),
			node("Exp", []string{"y1"}, []string{"b"}),
			node("Tanh", []string{"b"}, []string{"y2"}),
		},
		inputs:  map[string]tensor.Shape{"x": {2, 9}},
		outputs: []string{"y1", "y2"},
		want:    []string{"sinter.ElementwiseChain", "sinter.ElementwiseChain"},
	}, {
		// An activation a Conv can take goes to the Conv's epilogue; the
		// rest of the chain is fused.
		name: "conv-relu-keeps-epilogue",
		nodes: []*ir.Node{
			node("Conv", []string{"x", "w"}, []string{"c"}),
			node("Relu", []string{"c"}, []string{"r"}),
			node("Mul", []string{"r", "k"}, []string{"m"}),
			node("Add", []string{"m", "k"}, []string{"y"}),
		},
		inits:   map[string]*tensor.Tensor{"w": randT(rng, 4, 3, 3, 3), "k": k},
		inputs:  map[string]tensor.Shape{"x": {1, 3, 8, 8}},
		outputs: []string{"y"},
		want:    []string{"sinter.FusedConv[Relu]", "sinter.ElementwiseChain"},
	}, {
		// Not float32: nothing is fused.
		name: "int32-and-float64-not-fused",
		nodes: []*ir.Node{
			node("Cast", []string{"x"}, []string{"i"}, attrInt("to", int64(tensor.Int32))),
			node("Abs", []string{"i"}, []string{"ia"}),
			node("Neg", []string{"ia"}, []string{"in"}),
			node("Cast", []string{"in"}, []string{"d"}, attrInt("to", int64(tensor.Float64))),
			node("Exp", []string{"d"}, []string{"de"}),
			node("Sqrt", []string{"de"}, []string{"ds"}),
			node("Cast", []string{"ds"}, []string{"y"}, attrInt("to", int64(tensor.Float32))),
		},
		inputs:  map[string]tensor.Shape{"x": {20}},
		outputs: []string{"y"},
		want:    []string{"Cast", "Abs", "Neg", "Cast", "Exp", "Sqrt", "Cast"},
	}, {
		// A constant base, a tensor operand, a NaN constant and bounds
		// that are not constants all stop a chain.
		name: "unfusable-operands",
		nodes: []*ir.Node{
			node("Pow", []string{"k", "x"}, []string{"a"}),
			node("Relu", []string{"a"}, []string{"b"}),
			node("Mul", []string{"b", "x"}, []string{"c"}),
			node("Neg", []string{"c"}, []string{"d"}),
			node("Add", []string{"d", "nan"}, []string{"e"}),
			node("Abs", []string{"e"}, []string{"f"}),
			node("Clip", []string{"f", "x"}, []string{"g"}),
			node("Exp", []string{"g"}, []string{"y"}),
		},
		inits:   map[string]*tensor.Tensor{"k": k, "nan": tensor.Scalar(float32(math.NaN()))},
		inputs:  map[string]tensor.Shape{"x": {1}},
		outputs: []string{"y"},
		want:    []string{"Pow", "Relu", "Mul", "Neg", "Add", "Abs", "Clip", "Exp"},
	}, {
		// The written-out GELU is still recognised: the chain pass runs
		// after the pattern passes (and sinter.Gelu, an ops/nn kernel, is
		// no chain step).
		name: "gelu-pattern-wins",
		nodes: []*ir.Node{
			node("Div", []string{"x", "sqrt2"}, []string{"d"}),
			node("Erf", []string{"d"}, []string{"e"}),
			node("Add", []string{"e", "one"}, []string{"f"}),
			node("Mul", []string{"x", "f"}, []string{"g"}),
			node("Mul", []string{"g", "half"}, []string{"h"}),
			node("Neg", []string{"h"}, []string{"y"}),
		},
		inits: map[string]*tensor.Tensor{"sqrt2": tensor.Scalar(float32(math.Sqrt2)), "one": tensor.Scalar(float32(1)),
			"half": tensor.Scalar(float32(0.5))},
		inputs:  map[string]tensor.Shape{"x": {3, 7}},
		outputs: []string{"y"},
		want:    []string{"sinter.Gelu", "Neg"},
	}}
	// Other fusions round differently from the unfused graph.
	approx := map[string]bool{"conv-relu-keeps-epilogue": true, "gelu-pattern-wins": true}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := c.model()
			if got := fmt.Sprint(stepNamesOf(t, m, true)); got != fmt.Sprint(c.want) {
				t.Errorf("optimised steps %s, want %v", got, c.want)
			}
			var in []*tensor.Tensor
			for _, v := range m.Graph.Inputs {
				shape := make([]int, len(v.Type.Shape))
				n := 1
				for i, d := range v.Type.Shape {
					shape[i] = int(d.Value)
					n *= shape[i]
				}
				x := chainSpecial(rng, n)
				r, _ := x.Reshape(shape...)
				in = append(in, r)
			}
			ref := runProgram(t, m, false, 1, in)
			for _, threads := range []int{1, 3} {
				got := runProgram(t, m, true, threads, in)
				for i := range ref {
					if approx[c.name] {
						if err := closeTo(got[i], ref[i], 1e-5); err != nil {
							t.Errorf("%d threads, output %s: %v", threads, c.outputs[i], err)
						}
						continue
					}
					if j := sameFloatBits(got[i], ref[i]); j >= 0 {
						t.Errorf("%d threads, output %s differs at %d", threads, c.outputs[i], j)
					}
				}
			}
		})
	}
}

// TestChainNotTakenFromSubgraphCapture: a value an If branch captures has
// a second reader, so the chain splits before it.
func TestChainNotTakenFromSubgraphCapture(t *testing.T) {
	branch := func(name, op string) *ir.Graph {
		return &ir.Graph{Name: name, Nodes: []*ir.Node{node(op, []string{"a"}, []string{name + "_out"})},
			Outputs: []*ir.ValueInfo{{Name: name + "_out"}}}
	}
	g := &ir.Graph{Name: "capture"}
	f32 := func(n int64) *ir.Type {
		return &ir.Type{Kind: ir.KindTensor, Elem: tensor.Float32, Shape: []ir.Dim{{Value: n, Known: true}}, HasShape: true}
	}
	g.Inputs = []*ir.ValueInfo{{Name: "x", Type: f32(8)}, {Name: "s", Type: f32(1)}}
	g.Initializers = []*ir.Initializer{{Name: "zero", Tensor: tensor.From([]float32{0}, 1)}}
	g.Nodes = []*ir.Node{
		node("Neg", []string{"x"}, []string{"a"}),
		node("Exp", []string{"a"}, []string{"b"}),
		node("Sigmoid", []string{"b"}, []string{"y"}),
		node("Greater", []string{"s", "zero"}, []string{"cond"}),
		node("If", []string{"cond"}, []string{"z"},
			&ir.Attribute{Name: "then_branch", Type: ir.AttrGraph, G: branch("then", "Abs")},
			&ir.Attribute{Name: "else_branch", Type: ir.AttrGraph, G: branch("else", "Relu")}),
	}
	g.Outputs = []*ir.ValueInfo{{Name: "y"}, {Name: "z"}}
	m := &ir.Model{Opsets: map[string]int64{"": 13}, Graph: g}
	opt, ref := compileBoth(t, m)
	var chains int
	for _, st := range opt.steps {
		if st.node.OpType == "ElementwiseChain" {
			chains++
			if st.node.Inputs[0] != "a" {
				t.Errorf("the chain reads %q, want the captured a", st.node.Inputs[0])
			}
		}
		if st.node.OpType == "Neg" && st.node.Outputs[0] != "a" {
			t.Errorf("Neg writes %q", st.node.Outputs[0])
		}
	}
	if chains != 1 {
		t.Errorf("%d chains, want 1 (Exp → Sigmoid): %v", chains, stepNames(opt))
	}
	rng := rand.New(rand.NewPCG(7, 7))
	x, s := chainSpecial(rng, 8), tensor.From([]float32{1}, 1)
	a, err := opt.Run([]ops.Value{x, s}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ref.Run([]ops.Value{x, s}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if j := sameFloatBits(a[i].(*tensor.Tensor), b[i].(*tensor.Tensor)); j >= 0 {
			t.Errorf("output %d differs at %d", i, j)
		}
	}
}
