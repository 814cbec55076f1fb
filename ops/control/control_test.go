package control

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// fakeSub is a hand-written Subgraph standing in for a compiled body.
type fakeSub struct {
	ins, outs []string
	run       func(args, hidden []ops.Value) ([]ops.Value, error)
}

func (f *fakeSub) InputNames() []string  { return f.ins }
func (f *fakeSub) OutputNames() []string { return f.outs }
func (f *fakeSub) Run(args, hidden []ops.Value) ([]ops.Value, error) {
	if len(args) != len(f.ins) {
		panic("wrong arg count")
	}
	return f.run(args, hidden)
}

func names(p string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = p + string(rune('a'+i))
	}
	return out
}

// node builds an ops.Node whose graph attributes are the given fakes.
// Graph attribute outputs get the types in outTypes (if any).
func node(op string, opset int64, inputs, outputs []string, subs map[string]*fakeSub, outTypes map[string][]*ir.Type, attrs ...*ir.Attribute) *ops.Node {
	gs := map[*ir.Graph]*fakeSub{}
	n := &ir.Node{OpType: op, Inputs: inputs, Outputs: outputs, Attrs: attrs}
	for name, f := range subs {
		g := &ir.Graph{Name: name}
		for i, o := range f.outs {
			vi := &ir.ValueInfo{Name: o}
			if ts := outTypes[name]; i < len(ts) {
				vi.Type = ts[i]
			}
			g.Outputs = append(g.Outputs, vi)
		}
		gs[g] = f
		n.Attrs = append(n.Attrs, &ir.Attribute{Name: name, Type: ir.AttrGraph, G: g})
	}
	return &ops.Node{Node: n, Opset: opset, SubgraphFunc: func(g *ir.Graph) (ops.Subgraph, error) {
		return gs[g], nil
	}}
}

func intsAttr(name string, v ...int64) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrInts, Ints: v}
}

func intAttr(name string, v int64) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrInt, I: v}
}

func f32(t *testing.T, v ops.Value) ([]float32, tensor.Shape) {
	t.Helper()
	tt, ok := v.(*tensor.Tensor)
	if !ok || tt == nil {
		t.Fatalf("got %T, want a tensor", v)
	}
	return tt.Float32s(), tt.Shape()
}

func check(t *testing.T, v ops.Value, want []float32, shape ...int) {
	t.Helper()
	got, s := f32(t, v)
	if !s.Equal(tensor.Shape(shape)) {
		t.Fatalf("shape %v, want %v", s, shape)
	}
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func bind(t *testing.T, f ops.ValueBindFunc, n *ops.Node) ops.ValueKernel {
	t.Helper()
	k, err := f(n)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func addF32(a, b *tensor.Tensor) *tensor.Tensor {
	out := tensor.New(tensor.Float32, a.Shape()...)
	for i := range out.Float32s() {
		bv := b.Float32s()
		out.Float32s()[i] = a.Float32s()[i] + bv[i%len(bv)]
	}
	return out
}

func TestIf(t *testing.T) {
	hiddenVal := tensor.FromFloat32([]float32{7, 8})
	then := &fakeSub{outs: []string{"o"}, run: func(_, hidden []ops.Value) ([]ops.Value, error) {
		if len(hidden) != 1 || hidden[0] != ops.Value(hiddenVal) {
			t.Fatalf("hidden not passed: %v", hidden)
		}
		return []ops.Value{hidden[0]}, nil
	}}
	els := &fakeSub{outs: []string{"o"}, run: func(_, _ []ops.Value) ([]ops.Value, error) {
		return []ops.Value{&ops.Sequence{Elem: tensor.Float32}}, nil
	}}
	n := node("If", 16, []string{"c"}, []string{"y"}, map[string]*fakeSub{"then_branch": then, "else_branch": els}, nil)
	k := bind(t, bindIf, n)
	out, err := k([]ops.Value{tensor.Scalar(true), hiddenVal})
	if err != nil {
		t.Fatal(err)
	}
	check(t, out[0], []float32{7, 8}, 2)
	out, err = k([]ops.Value{tensor.From([]bool{false}, 1), hiddenVal})
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := out[0].(*ops.Sequence); !ok || len(s.Items) != 0 {
		t.Fatalf("else branch: got %#v", out[0])
	}
	if _, err := k([]ops.Value{tensor.Scalar(float32(1)), hiddenVal}); err == nil {
		t.Fatal("float cond: want error")
	}
	if _, err := k([]ops.Value{tensor.From([]bool{true, false}), hiddenVal}); err == nil {
		t.Fatal("two-element cond: want error")
	}
	// Mismatched branch output counts are rejected at bind time.
	els2 := &fakeSub{outs: []string{"a", "b"}}
	if _, err := bindIf(node("If", 16, []string{"c"}, []string{"y"}, map[string]*fakeSub{"then_branch": then, "else_branch": els2}, nil)); err == nil {
		t.Fatal("mismatched branches: want error")
	}
}

// loopBody: x_out = x_in + float(i); cond_out = i < stopAfter; scan = x_out.
func loopBody(stopAfter int64) *fakeSub {
	return &fakeSub{
		ins:  []string{"i", "c", "x"},
		outs: []string{"c_out", "x_out", "s"},
		run: func(args, _ []ops.Value) ([]ops.Value, error) {
			i := args[0].(*tensor.Tensor).Int64s()[0]
			x := args[2].(*tensor.Tensor)
			y := addF32(x, tensor.Scalar(float32(i)))
			return []ops.Value{tensor.Scalar(i < stopAfter), y, y}, nil
		},
	}
}

func TestLoop(t *testing.T) {
	scanType := []*ir.Type{nil, nil, {Kind: ir.KindTensor, Elem: tensor.Float32, HasShape: true, Shape: []ir.Dim{{Value: 2, Known: true}}}}
	mk := func(stop int64, inputs ...string) ops.ValueKernel {
		return bind(t, bindLoop, node("Loop", 16, inputs, []string{"x_final", "scan"},
			map[string]*fakeSub{"body": loopBody(stop)}, map[string][]*ir.Type{"body": scanType}))
	}
	x0 := tensor.FromFloat32([]float32{0, 10})

	// for i < 3 (cond true, body never stops): x = 0+0+1+2.
	out, err := mk(100, "M", "cond", "x")([]ops.Value{tensor.Scalar(int64(3)), tensor.Scalar(true), x0})
	if err != nil {
		t.Fatal(err)
	}
	check(t, out[0], []float32{3, 13}, 2)
	check(t, out[1], []float32{0, 10, 1, 11, 3, 13}, 3, 2)

	// while: the body says stop after i=1 (i < 1 is false at i = 1), so two
	// iterations even with an enormous M; nothing may be preallocated.
	out, err = mk(1, "M", "cond", "x")([]ops.Value{tensor.Scalar(int64(math.MaxInt64)), tensor.Scalar(true), x0})
	if err != nil {
		t.Fatal(err)
	}
	check(t, out[0], []float32{1, 11}, 2)
	check(t, out[1], []float32{0, 10, 1, 11}, 2, 2)

	// cond omitted: the body's cond is ignored, M rules.
	out, err = mk(0, "M", "", "x")([]ops.Value{tensor.Scalar(int64(3)), nil, x0})
	if err != nil {
		t.Fatal(err)
	}
	check(t, out[0], []float32{3, 13}, 2)

	// M omitted: a while loop.
	out, err = mk(2, "", "cond", "x")([]ops.Value{nil, tensor.Scalar(true), x0})
	if err != nil {
		t.Fatal(err)
	}
	check(t, out[0], []float32{3, 13}, 2)

	// cond false initially: zero iterations; the scan output takes its
	// per-iteration shape [2] from the body's declared output type.
	out, err = mk(100, "M", "cond", "x")([]ops.Value{tensor.Scalar(int64(5)), tensor.Scalar(false), x0})
	if err != nil {
		t.Fatal(err)
	}
	if out[0] != ops.Value(x0) {
		t.Fatalf("zero iterations: final x should be the initial value")
	}
	check(t, out[1], nil, 0, 2)

	// negative trip count: zero iterations.
	out, err = mk(100, "M", "cond", "x")([]ops.Value{tensor.Scalar(int64(-4)), tensor.Scalar(true), x0})
	if err != nil {
		t.Fatal(err)
	}
	check(t, out[1], nil, 0, 2)

	// wrong kinds → errors.
	if _, err := mk(100, "M", "cond", "x")([]ops.Value{tensor.Scalar(float32(2)), tensor.Scalar(true), x0}); err == nil {
		t.Fatal("float M: want error")
	}
	if _, err := mk(100, "M", "cond", "x")([]ops.Value{tensor.Scalar(int64(2)), &ops.Sequence{}, x0}); err == nil {
		t.Fatal("sequence cond: want error")
	}
}

func TestLoopScanShapeChange(t *testing.T) {
	body := &fakeSub{ins: []string{"i", "c"}, outs: []string{"c", "s"}, run: func(args, _ []ops.Value) ([]ops.Value, error) {
		i := args[0].(*tensor.Tensor).Int64s()[0]
		return []ops.Value{tensor.Scalar(true), tensor.New(tensor.Float32, int(i)+1)}, nil
	}}
	k := bind(t, bindLoop, node("Loop", 13, []string{"M", ""}, []string{"s"}, map[string]*fakeSub{"body": body}, nil))
	_, err := k([]ops.Value{tensor.Scalar(int64(3)), nil})
	if err == nil || !strings.Contains(err.Error(), "scan output") {
		t.Fatalf("changing scan shape: got %v", err)
	}
}

func TestLoopSequenceCarried(t *testing.T) {
	// Loop-13 with a sequence-typed carried value: append i each iteration.
	body := &fakeSub{ins: []string{"i", "c", "s"}, outs: []string{"c", "s"}, run: func(args, _ []ops.Value) ([]ops.Value, error) {
		s := args[2].(*ops.Sequence)
		items := append(append([]*tensor.Tensor{}, s.Items...), args[0].(*tensor.Tensor))
		return []ops.Value{args[1], &ops.Sequence{Elem: tensor.Int64, Items: items}}, nil
	}}
	k := bind(t, bindLoop, node("Loop", 13, []string{"M", "", "s0"}, []string{"s"}, map[string]*fakeSub{"body": body}, nil))
	out, err := k([]ops.Value{tensor.Scalar(int64(3)), nil, &ops.Sequence{Elem: tensor.Int64}})
	if err != nil {
		t.Fatal(err)
	}
	s := out[0].(*ops.Sequence)
	if len(s.Items) != 3 || s.Items[2].Int64s()[0] != 2 {
		t.Fatalf("got %v", s.Items)
	}
}

// sumBody is the body of ONNX's Scan sum example: state += x; scan = state.
func sumBody() *fakeSub {
	return &fakeSub{ins: []string{"st", "x"}, outs: []string{"st_out", "y"}, run: func(args, _ []ops.Value) ([]ops.Value, error) {
		s := addF32(args[0].(*tensor.Tensor), args[1].(*tensor.Tensor))
		return []ops.Value{s, s}, nil
	}}
}

func TestScan9(t *testing.T) {
	x := tensor.FromFloat32([]float32{1, 2, 3, 4, 5, 6}, 3, 2)
	init := tensor.FromFloat32([]float32{0, 0}, 2)
	run := func(attrs ...*ir.Attribute) []ops.Value {
		t.Helper()
		attrs = append(attrs, intAttr("num_scan_inputs", 1))
		n := node("Scan", 11, []string{"init", "x"}, []string{"sum", "y"}, map[string]*fakeSub{"body": sumBody()}, nil, attrs...)
		out, err := bind(t, bindScan9, n)([]ops.Value{init, x})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	out := run()
	check(t, out[0], []float32{9, 12}, 2)
	check(t, out[1], []float32{1, 2, 4, 6, 9, 12}, 3, 2)

	// reverse input: elements (5,6), (3,4), (1,2).
	out = run(intsAttr("scan_input_directions", 1))
	check(t, out[0], []float32{9, 12}, 2)
	check(t, out[1], []float32{5, 6, 8, 10, 9, 12}, 3, 2)

	// prepend output: last iteration first.
	out = run(intsAttr("scan_output_directions", 1))
	check(t, out[1], []float32{9, 12, 4, 6, 1, 2}, 3, 2)

	// output axis 1 (and -1, the same for rank-2 outputs): transposed.
	out = run(intsAttr("scan_output_axes", 1))
	check(t, out[1], []float32{1, 4, 9, 2, 6, 12}, 2, 3)
	out = run(intsAttr("scan_output_axes", -1))
	check(t, out[1], []float32{1, 4, 9, 2, 6, 12}, 2, 3)

	// input axis 1 over the transposed input gives the same elements.
	xt := tensor.FromFloat32([]float32{1, 3, 5, 2, 4, 6}, 2, 3)
	n := node("Scan", 11, []string{"init", "x"}, []string{"sum", "y"}, map[string]*fakeSub{"body": sumBody()}, nil,
		intAttr("num_scan_inputs", 1), intsAttr("scan_input_axes", 1))
	out, err := bind(t, bindScan9, n)([]ops.Value{init, xt})
	if err != nil {
		t.Fatal(err)
	}
	check(t, out[1], []float32{1, 2, 4, 6, 9, 12}, 3, 2)

	// bad axis → error, not panic.
	n = node("Scan", 11, []string{"init", "x"}, []string{"sum", "y"}, map[string]*fakeSub{"body": sumBody()}, nil,
		intAttr("num_scan_inputs", 1), intsAttr("scan_input_axes", 5))
	if _, err := bind(t, bindScan9, n)([]ops.Value{init, xt}); err == nil {
		t.Fatal("axis 5: want error")
	}
	// zero-length scan: states unchanged, scan output [0, 2] from the type.
	typ := []*ir.Type{nil, {Kind: ir.KindTensor, Elem: tensor.Float32, HasShape: true, Shape: []ir.Dim{{Value: 2, Known: true}}}}
	n = node("Scan", 11, []string{"init", "x"}, []string{"sum", "y"}, map[string]*fakeSub{"body": sumBody()},
		map[string][]*ir.Type{"body": typ}, intAttr("num_scan_inputs", 1))
	out, err = bind(t, bindScan9, n)([]ops.Value{init, tensor.New(tensor.Float32, 0, 2)})
	if err != nil {
		t.Fatal(err)
	}
	check(t, out[0], []float32{0, 0}, 2)
	check(t, out[1], nil, 0, 2)
}

func TestScan8(t *testing.T) {
	// batch 2, max length 3, element [1]; lengths 3 and 1.
	x := tensor.FromFloat32([]float32{1, 2, 3, 10, 20, 30}, 2, 3, 1)
	init := tensor.FromFloat32([]float32{0, 100}, 2, 1)
	lens := tensor.From([]int64{3, 1})
	mk := func(attrs ...*ir.Attribute) ops.ValueKernel {
		attrs = append(attrs, intAttr("num_scan_inputs", 1))
		return bind(t, bindScan8, node("Scan", 8, []string{"lens", "init", "x"}, []string{"sum", "y"},
			map[string]*fakeSub{"body": sumBody()}, nil, attrs...))
	}
	out, err := mk()([]ops.Value{lens, init, x})
	if err != nil {
		t.Fatal(err)
	}
	check(t, out[0], []float32{6, 110}, 2, 1)
	check(t, out[1], []float32{1, 3, 6, 110, 0, 0}, 2, 3, 1)

	// No sequence_lens: every entry runs the full length.
	out, err = mk()([]ops.Value{nil, init, x})
	if err != nil {
		t.Fatal(err)
	}
	check(t, out[0], []float32{6, 160}, 2, 1)
	check(t, out[1], []float32{1, 3, 6, 110, 130, 160}, 2, 3, 1)

	// Reverse: batch 0 scans 3,2,1; batch 1 (length 1) scans just 10.
	out, err = mk(intsAttr("directions", 1))([]ops.Value{lens, init, x})
	if err != nil {
		t.Fatal(err)
	}
	check(t, out[0], []float32{6, 110}, 2, 1)
	check(t, out[1], []float32{3, 5, 6, 110, 0, 0}, 2, 3, 1)

	// Bad lengths → error.
	if _, err := mk()([]ops.Value{tensor.From([]int64{4, 1}), init, x}); err == nil {
		t.Fatal("length 4 > 3: want error")
	}
	if _, err := mk()([]ops.Value{tensor.From([]int64{1}), init, x}); err == nil {
		t.Fatal("wrong sequence_lens size: want error")
	}
}
