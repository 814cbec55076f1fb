package compiler

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/ops/all"
	"github.com/sinter-ml/sinter/tensor"
)

// fuseCase is a hand-built graph, the op sequence the optimised program must
// run, and its inputs.
type fuseCase struct {
	name    string
	nodes   []*ir.Node
	inits   map[string]*tensor.Tensor
	inputs  map[string]tensor.Shape // graph inputs, random float32
	outputs []string
	want    []string // steps of the optimised program: "Op" or "sinter.Op[activation]"
	opset   int64    // default-domain import; 0 means 13
}

func randT(rng *rand.Rand, shape ...int) *tensor.Tensor {
	t := tensor.New(tensor.Float32, shape...)
	for i := range t.Float32s() {
		t.Float32s()[i] = float32(rng.NormFloat64())
	}
	return t
}

func posT(rng *rand.Rand, shape ...int) *tensor.Tensor {
	t := randT(rng, shape...)
	for i, v := range t.Float32s() {
		t.Float32s()[i] = 0.5 + float32(math.Abs(float64(v)))
	}
	return t
}

func node(op string, ins, outs []string, attrs ...*ir.Attribute) *ir.Node {
	return &ir.Node{OpType: op, Inputs: ins, Outputs: outs, Attrs: attrs}
}

func attrInts(name string, v ...int64) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrInts, Ints: v}
}

func fuseCases() []fuseCase {
	rng := rand.New(rand.NewPCG(7, 8))
	gelu := func(x, y string) []*ir.Node { // x·0.5·(1 + erf(x/√2)), as PyTorch exports it
		return []*ir.Node{
			node("Div", []string{x, "sqrt2"}, []string{y + "_d"}),
			node("Erf", []string{y + "_d"}, []string{y + "_e"}),
			node("Add", []string{y + "_e", "one"}, []string{y + "_f"}),
			node("Mul", []string{x, y + "_f"}, []string{y + "_g"}),
			node("Mul", []string{y + "_g", "half"}, []string{y}),
		}
	}
	geluConsts := map[string]*tensor.Tensor{
		"sqrt2": tensor.Scalar(float32(math.Sqrt2)), "one": tensor.Scalar(float32(1)), "half": tensor.Scalar(float32(0.5)),
	}
	merge := func(ms ...map[string]*tensor.Tensor) map[string]*tensor.Tensor {
		out := map[string]*tensor.Tensor{}
		for _, m := range ms {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	// layerNorm is LayerNormalization over the last axis written out, as
	// exporters emit it before opset 17 (sq: "Pow" or "Mul" for d²).
	layerNorm := func(x, y, sq string) []*ir.Node {
		sqNode := node("Pow", []string{y + "_d", "two"}, []string{y + "_sq"})
		if sq == "Mul" {
			sqNode = node("Mul", []string{y + "_d", y + "_d"}, []string{y + "_sq"})
		}
		return []*ir.Node{
			node("ReduceMean", []string{x}, []string{y + "_m"}, attrInts("axes", -1)),
			node("Sub", []string{x, y + "_m"}, []string{y + "_d"}),
			sqNode,
			node("ReduceMean", []string{y + "_sq"}, []string{y + "_v"}, attrInts("axes", -1)),
			node("Add", []string{y + "_v", "eps"}, []string{y + "_ve"}),
			node("Sqrt", []string{y + "_ve"}, []string{y + "_s"}),
			node("Div", []string{y + "_d", y + "_s"}, []string{y + "_n"}),
			node("Mul", []string{"gamma", y + "_n"}, []string{y + "_g"}),
			node("Add", []string{y + "_g", "beta"}, []string{y}),
		}
	}
	// geluTanh is GELU's tanh approximation written out (cube: "Pow" or
	// "Mul" for x³).
	geluTanh := func(x, y, cube string) []*ir.Node {
		nodes := []*ir.Node{node("Pow", []string{x, "three"}, []string{y + "_c"})}
		if cube == "Mul" {
			nodes = []*ir.Node{
				node("Mul", []string{x, x}, []string{y + "_sq"}),
				node("Mul", []string{y + "_sq", x}, []string{y + "_c"}),
			}
		}
		return append(nodes,
			node("Mul", []string{"k", y + "_c"}, []string{y + "_kc"}),
			node("Add", []string{x, y + "_kc"}, []string{y + "_u"}),
			node("Mul", []string{y + "_u", "s2pi"}, []string{y + "_t"}),
			node("Tanh", []string{y + "_t"}, []string{y + "_th"}),
			node("Add", []string{"one", y + "_th"}, []string{y + "_f"}),
			node("Mul", []string{"half", x}, []string{y + "_g"}),
			node("Mul", []string{y + "_g", y + "_f"}, []string{y}),
		)
	}
	geluTanhConsts := map[string]*tensor.Tensor{
		"three": tensor.Scalar(float32(3)), "k": tensor.Scalar(float32(0.044715)),
		"s2pi": tensor.Scalar(float32(math.Sqrt(2 / math.Pi))), "one": tensor.Scalar(float32(1)),
		"half": tensor.Scalar(float32(0.5)),
	}
	return []fuseCase{{
		// paddle2onnx's form: a scalar affine after the conv, HardSwish
		// written out with Clip (opset 11, where ONNX has no HardSwish).
		name: "conv-affine-hardswish-written-out",
		nodes: []*ir.Node{
			node("Conv", []string{"x", "w", "b"}, []string{"c"}, attrInts("pads", 1, 1, 1, 1)),
			node("Mul", []string{"k", "c"}, []string{"ck"}),
			node("Add", []string{"ck", "kb"}, []string{"a"}),
			node("Add", []string{"a", "three"}, []string{"a3"}),
			node("Clip", []string{"a3", "zero", "six"}, []string{"r6"}),
			node("Mul", []string{"a", "r6"}, []string{"m"}),
			node("Div", []string{"m", "six"}, []string{"y"}),
		},
		inits: map[string]*tensor.Tensor{"w": randT(rng, 6, 3, 3, 3), "b": randT(rng, 6),
			"k": tensor.From([]float32{0.9}, 1), "kb": tensor.From([]float32{0.3}, 1),
			"three": tensor.Scalar(float32(3)), "zero": tensor.Scalar(float32(0)), "six": tensor.Scalar(float32(6))},
		inputs:  map[string]tensor.Shape{"x": {1, 3, 7, 9}},
		outputs: []string{"y"},
		want:    []string{"sinter.FusedConv[HardSwish]"},
		opset:   11,
	}, {
		// A per-channel affine and HardSigmoid written out.
		name: "conv-channel-affine-hardsigmoid-written-out",
		nodes: []*ir.Node{
			node("Conv", []string{"x", "w"}, []string{"c"}),
			node("Mul", []string{"c", "k"}, []string{"ck"}),
			node("Add", []string{"three", "ck"}, []string{"a3"}),
			node("Clip", []string{"a3", "zero", "six"}, []string{"r6"}),
			node("Div", []string{"r6", "six"}, []string{"y"}),
		},
		inits: map[string]*tensor.Tensor{"w": randT(rng, 4, 2, 1, 1), "k": randT(rng, 4, 1, 1),
			"three": tensor.Scalar(float32(3)), "zero": tensor.Scalar(float32(0)), "six": tensor.Scalar(float32(6))},
		inputs:  map[string]tensor.Shape{"x": {2, 2, 5, 5}},
		outputs: []string{"y"},
		want:    []string{"sinter.FusedConv[HardSigmoid]"},
		opset:   11,
	}, {
		// Nothing declares the operands' types: element-type inference
		// proves the chain float32 from the graph inputs.
		name: "attention-inferred-float32",
		nodes: []*ir.Node{
			node("Relu", []string{"x"}, []string{"q"}),
			node("Transpose", []string{"k"}, []string{"kt"}, attrInts("perm", 0, 2, 1)),
			node("Neg", []string{"w"}, []string{"v"}),
			node("MatMul", []string{"q", "kt"}, []string{"s"}),
			node("Softmax", []string{"s"}, []string{"p"}, attrInt("axis", -1)),
			node("MatMul", []string{"p", "v"}, []string{"y"}),
		},
		inputs:  map[string]tensor.Shape{"x": {4, 6, 8}, "k": {4, 5, 8}, "w": {4, 5, 3}},
		outputs: []string{"y"},
		want:    []string{"Relu", "Transpose", "Neg", "sinter.Attention"},
	}, {
		name: "attention-div-mask",
		nodes: []*ir.Node{
			node("Transpose", []string{"k"}, []string{"kt"}, attrInts("perm", 0, 1, 3, 2)),
			node("MatMul", []string{"q", "kt"}, []string{"s"}),
			node("Div", []string{"s", "c"}, []string{"sd"}),
			node("Add", []string{"mask", "sd"}, []string{"sm"}),
			node("Softmax", []string{"sm"}, []string{"p"}, attrInt("axis", -1)),
			node("MatMul", []string{"p", "v"}, []string{"y"}),
		},
		inits:   map[string]*tensor.Tensor{"c": tensor.Scalar(float32(2))},
		inputs:  map[string]tensor.Shape{"q": {2, 3, 5, 4}, "k": {2, 3, 7, 4}, "v": {2, 3, 7, 6}, "mask": {2, 1, 1, 7}},
		outputs: []string{"y"},
		want:    []string{"Transpose", "sinter.Attention"},
	}, {
		// Q broadcasts over K's batch, the mask over rows and the scale is a
		// Mul with the constant first.
		name: "attention-broadcast-mul",
		nodes: []*ir.Node{
			node("MatMul", []string{"q", "kt"}, []string{"s"}),
			node("Mul", []string{"c", "s"}, []string{"sd"}),
			node("Add", []string{"sd", "mask"}, []string{"sm"}),
			node("Softmax", []string{"sm"}, []string{"p"}, attrInt("axis", -1)),
			node("MatMul", []string{"p", "v"}, []string{"y"}),
		},
		inits:   map[string]*tensor.Tensor{"c": tensor.Scalar(float32(0.125))},
		inputs:  map[string]tensor.Shape{"q": {1, 5, 8}, "kt": {3, 8, 9}, "v": {3, 9, 2}, "mask": {5, 9}},
		outputs: []string{"y"},
		want:    []string{"sinter.Attention"},
	}, {
		name:  "layernorm-written-out-pow",
		nodes: layerNorm("x", "y", "Pow"),
		inits: map[string]*tensor.Tensor{"two": tensor.Scalar(float32(2)), "eps": tensor.Scalar(float32(1e-5)),
			"gamma": randT(rng, 24), "beta": randT(rng, 24)},
		inputs:  map[string]tensor.Shape{"x": {3, 5, 24}},
		outputs: []string{"y"},
		want:    []string{"sinter.LayerNormalization"},
	}, {
		name:  "layernorm-written-out-mul",
		nodes: layerNorm("x", "y", "Mul"),
		inits: map[string]*tensor.Tensor{"eps": tensor.Scalar(float32(1e-12)),
			"gamma": randT(rng, 7), "beta": randT(rng, 7)},
		inputs:  map[string]tensor.Shape{"x": {4, 7}},
		outputs: []string{"y"},
		want:    []string{"sinter.LayerNormalization"},
	}, {
		// d is also read outside the pattern: nothing may fuse.
		name: "no-layernorm-when-centred-value-escapes",
		nodes: append(layerNorm("x", "n", "Pow"),
			node("Add", []string{"n", "n_d"}, []string{"y"})),
		inits: map[string]*tensor.Tensor{"two": tensor.Scalar(float32(2)), "eps": tensor.Scalar(float32(1e-5)),
			"gamma": randT(rng, 6), "beta": randT(rng, 6)},
		inputs:  map[string]tensor.Shape{"x": {2, 6}},
		outputs: []string{"y"},
		// (Add ε → Sqrt is still a chain.)
		want: []string{"ReduceMean", "Sub", "Pow", "ReduceMean", "sinter.ElementwiseChain", "Div", "Mul", "Add", "Add"},
	}, {
		name: "matmul-bias-gelu-tanh-pow",
		nodes: append([]*ir.Node{
			node("MatMul", []string{"x", "w"}, []string{"mm"}),
			node("Add", []string{"mm", "b"}, []string{"h"}),
		}, geluTanh("h", "y", "Pow")...),
		inits:   merge(geluTanhConsts, map[string]*tensor.Tensor{"w": randT(rng, 8, 16), "b": randT(rng, 16)}),
		inputs:  map[string]tensor.Shape{"x": {2, 5, 8}},
		outputs: []string{"y"},
		want:    []string{"sinter.FusedMatMul[GeluTanh]"},
	}, {
		name:    "gelu-tanh-cube-by-muls",
		nodes:   geluTanh("x", "y", "Mul"),
		inits:   geluTanhConsts,
		inputs:  map[string]tensor.Shape{"x": {3, 33}},
		outputs: []string{"y"},
		want:    []string{"sinter.Gelu"},
	}, {
		name: "conv-hardswish",
		nodes: []*ir.Node{
			node("Conv", []string{"x", "w", "b"}, []string{"c"}, attrInts("pads", 1, 1, 1, 1)),
			node("HardSwish", []string{"c"}, []string{"y"}),
		},
		inits:   map[string]*tensor.Tensor{"w": randT(rng, 5, 3, 3, 3), "b": randT(rng, 5)},
		inputs:  map[string]tensor.Shape{"x": {1, 3, 8, 9}},
		outputs: []string{"y"},
		want:    []string{"sinter.FusedConv[HardSwish]"},
		opset:   14,
	}, {
		name: "gemm-hardsigmoid",
		nodes: []*ir.Node{
			node("Gemm", []string{"x", "w", "c"}, []string{"g"}, attrInt("transB", 1)),
			node("HardSigmoid", []string{"g"}, []string{"y"}, attrFloat("alpha", 0.25), attrFloat("beta", 0.4)),
		},
		inits:   map[string]*tensor.Tensor{"w": randT(rng, 10, 6), "c": randT(rng, 10)},
		inputs:  map[string]tensor.Shape{"x": {5, 6}},
		outputs: []string{"y"},
		want:    []string{"sinter.FusedGemm[HardSigmoid]"},
	}, {
		name: "conv-bn-residual-relu",
		nodes: []*ir.Node{
			node("Conv", []string{"x", "w", "b"}, []string{"c"}, attrInts("pads", 1, 1, 1, 1)),
			node("BatchNormalization", []string{"c", "s", "bb", "m", "v"}, []string{"n"}, attrFloat("epsilon", 1e-3)),
			node("Add", []string{"x", "n"}, []string{"r"}),
			node("Relu", []string{"r"}, []string{"y"}),
		},
		inits: map[string]*tensor.Tensor{"w": randT(rng, 4, 4, 3, 3), "b": randT(rng, 4),
			"s": randT(rng, 4), "bb": randT(rng, 4), "m": randT(rng, 4), "v": posT(rng, 4)},
		inputs:  map[string]tensor.Shape{"x": {2, 4, 7, 6}},
		outputs: []string{"y"},
		want:    []string{"sinter.FusedConv[Relu]"},
	}, {
		name: "conv1d-strided-sigmoid",
		nodes: []*ir.Node{
			node("Conv", []string{"x", "w"}, []string{"c"}, attrInts("strides", 2), attrInts("pads", 2, 1)),
			node("Sigmoid", []string{"c"}, []string{"y"}),
		},
		inits:   map[string]*tensor.Tensor{"w": randT(rng, 6, 3, 5)},
		inputs:  map[string]tensor.Shape{"x": {3, 3, 20}},
		outputs: []string{"y"},
		want:    []string{"sinter.FusedConv[Sigmoid]"},
	}, {
		name: "depthwise-conv-clip",
		nodes: []*ir.Node{
			node("Conv", []string{"x", "w", "b"}, []string{"c"}, attrInt("group", 8), attrInts("pads", 1, 1, 1, 1)),
			node("Clip", []string{"c", "lo", "hi"}, []string{"y"}),
		},
		inits: map[string]*tensor.Tensor{"w": randT(rng, 8, 1, 3, 3), "b": randT(rng, 8),
			"lo": tensor.Scalar(float32(0)), "hi": tensor.Scalar(float32(6))},
		inputs:  map[string]tensor.Shape{"x": {1, 8, 9, 9}},
		outputs: []string{"y"},
		want:    []string{"sinter.FusedConv[Clip]"},
	}, {
		name: "matmul-bias-gelu",
		nodes: append([]*ir.Node{
			node("MatMul", []string{"x", "w"}, []string{"mm"}),
			node("Add", []string{"mm", "b"}, []string{"h"}),
		}, gelu("h", "y")...),
		inits:   merge(geluConsts, map[string]*tensor.Tensor{"w": randT(rng, 8, 16), "b": randT(rng, 16)}),
		inputs:  map[string]tensor.Shape{"x": {2, 5, 8}},
		outputs: []string{"y"},
		want:    []string{"sinter.FusedMatMul[Gelu]"},
	}, {
		name: "transpose-matmul-bias-residual-tanh",
		nodes: []*ir.Node{
			node("Transpose", []string{"wt"}, []string{"w"}, attrInts("perm", 1, 0)),
			node("MatMul", []string{"x", "w"}, []string{"mm"}),
			node("Add", []string{"b", "mm"}, []string{"h"}),
			node("Add", []string{"h", "x"}, []string{"r"}),
			node("Tanh", []string{"r"}, []string{"y"}),
		},
		inits:   map[string]*tensor.Tensor{"wt": randT(rng, 12, 12), "b": randT(rng, 12)},
		inputs:  map[string]tensor.Shape{"x": {7, 12}},
		outputs: []string{"y"},
		want:    []string{"sinter.FusedMatMul[Tanh]"},
	}, {
		name: "gemm-residual-leakyrelu",
		nodes: []*ir.Node{
			node("Gemm", []string{"x", "w", "c"}, []string{"g"}, attrInt("transB", 1), attrFloat("alpha", 0.5), attrFloat("beta", 2)),
			node("Add", []string{"g", "r"}, []string{"s"}),
			node("LeakyRelu", []string{"s"}, []string{"y"}, attrFloat("alpha", 0.2)),
		},
		inits:   map[string]*tensor.Tensor{"w": randT(rng, 10, 6), "c": randT(rng, 10)},
		inputs:  map[string]tensor.Shape{"x": {5, 6}, "r": {5, 10}},
		outputs: []string{"y"},
		want:    []string{"sinter.FusedGemm[LeakyRelu]"},
	}, {
		// The residual broadcasts to a larger shape than the product's: the
		// fused kernel must fall back to broadcasting it.
		name: "matmul-broadcast-residual",
		nodes: []*ir.Node{
			node("MatMul", []string{"x", "w"}, []string{"mm"}),
			node("Add", []string{"mm", "r"}, []string{"y"}),
		},
		inits:   map[string]*tensor.Tensor{"w": randT(rng, 4, 3)},
		inputs:  map[string]tensor.Shape{"x": {2, 4}, "r": {5, 1, 3}},
		outputs: []string{"y"},
		want:    []string{"sinter.FusedMatMul"},
	}, {
		// The intermediate is also a graph output: nothing may fuse.
		name: "no-fusion-when-intermediate-is-output",
		nodes: []*ir.Node{
			node("MatMul", []string{"x", "w"}, []string{"mm"}),
			node("Relu", []string{"mm"}, []string{"y"}),
		},
		inits:   map[string]*tensor.Tensor{"w": randT(rng, 4, 3)},
		inputs:  map[string]tensor.Shape{"x": {2, 4}},
		outputs: []string{"y", "mm"},
		want:    []string{"MatMul", "Relu"},
	}, {
		// The Conv output has a second reader: BN cannot be folded.
		name: "no-bn-fold-with-two-readers",
		nodes: []*ir.Node{
			node("Conv", []string{"x", "w"}, []string{"c"}),
			node("BatchNormalization", []string{"c", "s", "bb", "m", "v"}, []string{"n"}),
			node("Add", []string{"c", "n"}, []string{"y"}),
		},
		inits: map[string]*tensor.Tensor{"w": randT(rng, 2, 3, 1, 1),
			"s": randT(rng, 2), "bb": randT(rng, 2), "m": randT(rng, 2), "v": posT(rng, 2)},
		inputs:  map[string]tensor.Shape{"x": {1, 3, 4, 4}},
		outputs: []string{"y"},
		want:    []string{"Conv", "BatchNormalization", "Add"},
	}}
}

func (c fuseCase) model() *ir.Model {
	g := &ir.Graph{Name: c.name, Nodes: c.nodes}
	names := make([]string, 0, len(c.inputs))
	for name := range c.inputs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		shape := make([]ir.Dim, len(c.inputs[name]))
		for i, d := range c.inputs[name] {
			shape[i] = ir.Dim{Value: int64(d), Known: true}
		}
		g.Inputs = append(g.Inputs, &ir.ValueInfo{Name: name,
			Type: &ir.Type{Kind: ir.KindTensor, Elem: tensor.Float32, Shape: shape, HasShape: true}})
	}
	for _, name := range c.outputs {
		g.Outputs = append(g.Outputs, &ir.ValueInfo{Name: name})
	}
	inits := make([]string, 0, len(c.inits))
	for name := range c.inits {
		inits = append(inits, name)
	}
	slices.Sort(inits)
	for _, name := range inits {
		g.Initializers = append(g.Initializers, &ir.Initializer{Name: name, Tensor: c.inits[name]})
	}
	// Opset 13 by default: LayerNormalization (17) does not exist yet, as
	// in the exports that write it out.
	opset := c.opset
	if opset == 0 {
		opset = 13
	}
	return &ir.Model{Opsets: map[string]int64{"": opset}, Graph: g}
}

func stepNames(p *Program) []string {
	var out []string
	for _, st := range p.steps {
		s := st.node.OpType
		if st.node.Domain != "" {
			s = st.node.Domain + "." + s
		}
		if a := st.node.Attr("activation"); a != nil && len(a.S) > 0 {
			s += "[" + string(a.S) + "]"
		}
		out = append(out, s)
	}
	return out
}

func TestFusionPasses(t *testing.T) {
	for _, c := range fuseCases() {
		t.Run(c.name, func(t *testing.T) {
			m := c.model()
			rng := rand.New(rand.NewPCG(1, 2))
			var in []*tensor.Tensor
			for _, v := range m.Graph.Inputs {
				shape := make([]int, len(v.Type.Shape))
				for i, d := range v.Type.Shape {
					shape[i] = int(d.Value)
				}
				in = append(in, randT(rng, shape...))
			}
			before := fmt.Sprint(stepNamesOf(t, m, false))
			ref := runProgram(t, m, false, 1, in)
			if got := fmt.Sprint(stepNamesOf(t, m, true)); got != fmt.Sprint(c.want) {
				t.Errorf("optimised steps %s, want %v (unoptimised %s)", got, c.want, before)
			}
			for _, threads := range []int{1, 2, 3} {
				got := runProgram(t, m, true, threads, in)
				for i := range ref {
					if err := closeTo(got[i], ref[i], 1e-5); err != nil {
						t.Errorf("%d threads, output %s: %v", threads, c.outputs[i], err)
					}
				}
			}
		})
	}
}

func stepNamesOf(t *testing.T, m *ir.Model, opt bool) []string {
	t.Helper()
	p, err := Compile(m, all.Registry(), WithOptimization(opt))
	if err != nil {
		t.Fatal(err)
	}
	return stepNames(p)
}

func runProgram(t *testing.T, m *ir.Model, opt bool, threads int, in []*tensor.Tensor) []*tensor.Tensor {
	t.Helper()
	pool := parallel.New(parallel.Options{Threads: threads})
	defer pool.Close()
	p, err := Compile(m, all.Registry(), WithOptimization(opt), WithPool(pool))
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]ops.Value, len(in))
	for i, x := range in {
		vals[i] = x
	}
	out, err := p.Run(vals, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := make([]*tensor.Tensor, len(out))
	for i, v := range out {
		res[i] = v.(*tensor.Tensor)
	}
	return res
}

// closeTo compares within rel·|want| + rel (float32 rounding noise only).
func closeTo(got, want *tensor.Tensor, rel float64) error {
	if !got.Shape().Equal(want.Shape()) {
		return fmt.Errorf("shape %v, want %v", got.Shape(), want.Shape())
	}
	var bad []string
	for i, w := range want.Float32s() {
		g := got.Float32s()[i]
		if math.Abs(float64(g-w)) > rel*math.Abs(float64(w))+rel {
			bad = append(bad, fmt.Sprintf("[%d] %v want %v", i, g, w))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%d elements differ: %s", len(bad), strings.Join(bad[:min(3, len(bad))], ", "))
	}
	return nil
}
