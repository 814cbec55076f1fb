package compiler

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/ops/all"
	"github.com/sinter-ml/sinter/tensor"
)

// chainModel is x → Relu → Sigmoid → Neg → Abs → Tanh → y over [n, 8],
// which the optimiser makes one ElementwiseChain step.
func chainModel() *ir.Model { return seqModel("Relu", "Sigmoid", "Neg", "Abs", "Tanh") }

// seqModel is x → ops[0] → … → y over [n, 8], each op taking the one before.
func seqModel(ops ...string) *ir.Model {
	g := &ir.Graph{Name: "chain"}
	g.Inputs = []*ir.ValueInfo{{Name: "x", Type: &ir.Type{Kind: ir.KindTensor, Elem: tensor.Float32,
		Shape: []ir.Dim{{Param: "n"}, {Value: 8, Known: true}}, HasShape: true}}}
	prev := "x"
	for i, op := range ops {
		out := fmt.Sprintf("%s%d", op, i)
		if i == len(ops)-1 {
			out = "y"
		}
		g.Nodes = append(g.Nodes, node(op, []string{prev}, []string{out}))
		prev = out
	}
	g.Outputs = []*ir.ValueInfo{{Name: "y"}}
	return &ir.Model{Opsets: map[string]int64{"": 13}, Graph: g}
}

func compileBoth(t *testing.T, m *ir.Model) (opt, ref *Program) {
	t.Helper()
	var err error
	if opt, err = Compile(m, all.Registry()); err != nil {
		t.Fatal(err)
	}
	if ref, err = Compile(m, all.Registry(), WithOptimization(false)); err != nil {
		t.Fatal(err)
	}
	return opt, ref
}

func run1(t *testing.T, p *Program, x *tensor.Tensor) *tensor.Tensor {
	t.Helper()
	out, err := p.Run([]ops.Value{x}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out[0].(*tensor.Tensor)
}

func TestPlansPerSignatureAndArenaReuse(t *testing.T) {
	// Five planned steps (neither fusable nor in place) whose four
	// intermediates can share two arena buffers.
	opt, ref := compileBoth(t, seqModel("Softmax", "Softmax", "Softmax", "Softmax", "Softmax"))
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{2, 5, 2, 5, 7} {
		x := randT(rng, n, 8)
		if err := closeTo(run1(t, opt, x), run1(t, ref, x), 0); err != nil {
			t.Fatalf("batch %d: %v", n, err)
		}
	}
	stats := opt.PlanStats()
	if len(stats) != 3 {
		t.Fatalf("%d plans recorded, want one per signature (3): %+v", len(stats), stats)
	}
	for _, st := range stats {
		// Four intermediates of one size, live one step each: two buffers.
		if st.Values != 4 || st.ArenaBytes*2 != st.NaiveBytes {
			t.Errorf("plan %s: %d values, arena %d bytes, naive %d: want 4 values in half the naive size",
				st.Signature, st.Values, st.ArenaBytes, st.NaiveBytes)
		}
	}
	if ref.PlanStats() != nil {
		t.Errorf("an unoptimised program recorded plans")
	}
}

func TestRunIntoReusesDestinationsAndNeverAliasesArena(t *testing.T) {
	opt, ref := compileBoth(t, chainModel())
	rng := rand.New(rand.NewPCG(7, 8))
	x1, x2 := randT(rng, 3, 8), randT(rng, 3, 8)

	kept := run1(t, opt, x1) // a result the caller keeps
	keptCopy := kept.Clone()
	dst := make([]*tensor.Tensor, 1)
	if err := opt.RunInto([]*tensor.Tensor{x2}, dst); err != nil {
		t.Fatal(err)
	}
	first := dst[0]
	if err := opt.RunInto([]*tensor.Tensor{x1}, dst); err != nil {
		t.Fatal(err)
	}
	if dst[0] != first {
		t.Errorf("RunInto replaced a destination of the right type and shape")
	}
	if err := closeTo(dst[0], run1(t, ref, x1), 0); err != nil {
		t.Errorf("RunInto into a reused destination: %v", err)
	}
	if err := closeTo(kept, keptCopy, 0); err != nil {
		t.Errorf("a later run changed an earlier result: %v", err)
	}

	// A destination sharing storage with an input is replaced, not written.
	in := x2.Clone()
	dst[0] = in
	if err := opt.RunInto([]*tensor.Tensor{in}, dst); err != nil {
		t.Fatal(err)
	}
	if dst[0] == in {
		t.Errorf("RunInto wrote its output over its input")
	}
	if err := closeTo(in, x2, 0); err != nil {
		t.Errorf("input modified: %v", err)
	}

	// A destination of the wrong shape is replaced.
	dst[0] = tensor.New(tensor.Float32, 2, 8)
	if err := opt.RunInto([]*tensor.Tensor{x1}, dst); err != nil {
		t.Fatal(err)
	}
	if !dst[0].Shape().Equal(tensor.Shape{3, 8}) {
		t.Errorf("destination shape %v, want [3 8]", dst[0].Shape())
	}
	if err := opt.RunInto([]*tensor.Tensor{x1}, make([]*tensor.Tensor, 2)); err == nil {
		t.Errorf("RunInto took the wrong number of destinations")
	}
}

// TestDataDependentSizes runs NonZero (unplanned, size depends on the
// data) into planned steps: runs with the same input shape but different
// data must each be right, the plan notwithstanding.
func TestDataDependentSizes(t *testing.T) {
	g := &ir.Graph{Name: "nz"}
	g.Inputs = []*ir.ValueInfo{{Name: "x", Type: &ir.Type{Kind: ir.KindTensor, Elem: tensor.Float32,
		Shape: []ir.Dim{{Value: 12, Known: true}}, HasShape: true}}}
	g.Nodes = []*ir.Node{
		node("NonZero", []string{"x"}, []string{"nz"}),
		{OpType: "Cast", Inputs: []string{"nz"}, Outputs: []string{"f"}, Attrs: []*ir.Attribute{attrInt("to", int64(tensor.Float32))}},
		node("Neg", []string{"f"}, []string{"g"}),
		node("Abs", []string{"g"}, []string{"y"}),
	}
	g.Outputs = []*ir.ValueInfo{{Name: "y"}}
	m := &ir.Model{Opsets: map[string]int64{"": 13}, Graph: g}
	opt, ref := compileBoth(t, m)
	rng := rand.New(rand.NewPCG(9, 10))
	for i, k := range []int{2, 9, 1, 12, 0, 5} {
		x := tensor.New(tensor.Float32, 12)
		for _, j := range rng.Perm(12)[:k] {
			x.Float32s()[j] = 1
		}
		got, want := run1(t, opt, x), run1(t, ref, x)
		if err := closeTo(got, want, 0); err != nil {
			t.Fatalf("run %d (%d non-zeros): %v", i, k, err)
		}
	}
}

// Inputs with defaults may be left off the end of RunInto's inputs: runs
// that do so must still find their plan.
func TestPlanFoundWhenDefaultedInputsAreOmitted(t *testing.T) {
	m := chainModel()
	g := m.Graph
	g.Inputs = append(g.Inputs, &ir.ValueInfo{Name: "bias", Type: &ir.Type{Kind: ir.KindTensor, Elem: tensor.Float32}})
	g.Initializers = append(g.Initializers, &ir.Initializer{Name: "bias", Tensor: tensor.From([]float32{1}, 1)})
	g.Nodes = append(g.Nodes, node("Add", []string{"y", "bias"}, []string{"z"}))
	g.Outputs = []*ir.ValueInfo{{Name: "z"}}
	p, err := Compile(m, all.Registry())
	if err != nil {
		t.Fatal(err)
	}
	x := randT(rand.New(rand.NewPCG(1, 1)), 2, 8)
	dst := make([]*tensor.Tensor, 1)
	for range 3 {
		if err := p.RunInto([]*tensor.Tensor{x}, dst); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(p.PlanStats()); n != 1 {
		t.Fatalf("%d plans after three runs of one signature, want 1", n)
	}
	if raceEnabled {
		return
	}
	if a := testing.AllocsPerRun(10, func() { p.RunInto([]*tensor.Tensor{x}, dst) }); a != 0 {
		t.Errorf("%.1f allocations per run from the plan, want 0", a)
	}
}

// inPlaceModel builds a graph over x: [n, 8] from nodes, with outputs.
func inPlaceModel(nodes []*ir.Node, inits []*ir.Initializer, outputs ...string) *ir.Model {
	g := &ir.Graph{Name: "inplace", Nodes: nodes, Initializers: inits}
	g.Inputs = []*ir.ValueInfo{{Name: "x", Type: &ir.Type{Kind: ir.KindTensor, Elem: tensor.Float32,
		Shape: []ir.Dim{{Param: "n"}, {Value: 8, Known: true}}, HasShape: true}}}
	for _, o := range outputs {
		g.Outputs = append(g.Outputs, &ir.ValueInfo{Name: o})
	}
	return &ir.Model{Opsets: map[string]int64{"": 13}, Graph: g}
}

// stepWriting returns the index of the step that writes value name.
func stepWriting(t *testing.T, p *Program, name string) int {
	t.Helper()
	for i, st := range p.steps {
		for _, o := range st.node.Outputs {
			if o == name {
				return i
			}
		}
	}
	t.Fatalf("no step writes %q", name)
	return -1
}

// TestInPlacePlanning checks which steps the planner lets write over an
// input's arena bytes, and that every plan computes the unoptimised bits,
// on the recording run and on the planned runs after it.
func TestInPlacePlanning(t *testing.T) {
	sm := func(in, out string) *ir.Node { return node("Softmax", []string{in}, []string{out}) }
	shape := &ir.Initializer{Name: "shape", Tensor: tensor.From([]int64{-1, 4}, 2)}
	for _, c := range []struct {
		name    string
		nodes   []*ir.Node
		inits   []*ir.Initializer
		outputs []string
		// in place: value written → value whose bytes it takes ("" : none)
		want map[string]string
	}{{
		name:  "unary over a dying intermediate",
		nodes: []*ir.Node{sm("x", "a"), node("Neg", []string{"a"}, []string{"n"}), sm("n", "y")},
		want:  map[string]string{"n": "a"},
	}, {
		name: "chain over a dying intermediate",
		nodes: []*ir.Node{sm("x", "a"), node("Relu", []string{"a"}, []string{"r"}),
			node("Neg", []string{"r"}, []string{"n"}), sm("n", "y")},
		want: map[string]string{"n": "a"},
	}, {
		name: "binary over its first dying operand, then a unary over that",
		nodes: []*ir.Node{sm("x", "a"), sm("a", "b"), node("Add", []string{"b", "a"}, []string{"s"}),
			node("Neg", []string{"s"}, []string{"n"}), sm("n", "y")},
		want: map[string]string{"s": "b", "n": "b"},
	}, {
		name:  "not over a graph input",
		nodes: []*ir.Node{node("Neg", []string{"x"}, []string{"n"}), sm("n", "y")},
		want:  map[string]string{"n": ""},
	}, {
		name: "not over a value read later",
		nodes: []*ir.Node{sm("x", "a"), node("Neg", []string{"a"}, []string{"n"}),
			node("Add", []string{"n", "a"}, []string{"s"}), sm("s", "y")},
		want: map[string]string{"n": "", "s": "n"},
	}, {
		name: "not over a view of a graph input",
		nodes: []*ir.Node{node("Reshape", []string{"x", "shape"}, []string{"v"}),
			node("Neg", []string{"v"}, []string{"n"}), sm("n", "y")},
		inits: []*ir.Initializer{shape},
		want:  map[string]string{"n": ""},
	}, {
		name: "not over a view whose source is read later",
		nodes: []*ir.Node{sm("x", "a"), node("Reshape", []string{"a", "shape"}, []string{"v"}),
			node("Neg", []string{"v"}, []string{"n"}), node("Reshape", []string{"n", "shape8"}, []string{"n8"}),
			node("Add", []string{"n8", "a"}, []string{"s"}), sm("s", "y")},
		inits: []*ir.Initializer{shape, {Name: "shape8", Tensor: tensor.From([]int64{-1, 8}, 2)}},
		want:  map[string]string{"n": "", "s": "n"},
	}, {
		name: "over a view whose source dies",
		nodes: []*ir.Node{sm("x", "a"), node("Reshape", []string{"a", "shape"}, []string{"v"}),
			node("Neg", []string{"v"}, []string{"n"}), sm("n", "y")},
		inits: []*ir.Initializer{shape},
		want:  map[string]string{"n": "a"},
	}, {
		name:    "not over a graph output",
		nodes:   []*ir.Node{sm("x", "a"), node("Neg", []string{"a"}, []string{"n"}), sm("n", "y")},
		outputs: []string{"a"},
		want:    map[string]string{"n": ""},
	}, {
		name:  "not when both operands are the same value",
		nodes: []*ir.Node{sm("x", "a"), node("Mul", []string{"a", "a"}, []string{"m"}), sm("m", "y")},
		want:  map[string]string{"m": ""},
	}} {
		t.Run(c.name, func(t *testing.T) {
			m := inPlaceModel(c.nodes, c.inits, append([]string{"y"}, c.outputs...)...)
			opt, ref := compileBoth(t, m)
			rng := rand.New(rand.NewPCG(11, 12))
			for _, n := range []int{4, 4, 4, 6, 6} {
				x := randT(rng, n, 8)
				got, err := opt.Run([]ops.Value{x}, nil)
				if err != nil {
					t.Fatal(err)
				}
				want, err := ref.Run([]ops.Value{x}, nil)
				if err != nil {
					t.Fatal(err)
				}
				for i := range want {
					if err := closeTo(got[i].(*tensor.Tensor), want[i].(*tensor.Tensor), 0); err != nil {
						t.Fatalf("batch %d, output %d: %v", n, i, err)
					}
				}
			}
			stats := opt.PlanStats()
			if len(stats) != 2 {
				t.Fatalf("%d plans", len(stats))
			}
			pl := opt.plans.plans[0]
			inPlace := 0
			for out, from := range c.want {
				si := stepWriting(t, opt, out)
				switch {
				case from == "" && pl.inPlace[si] >= 0:
					t.Errorf("%s takes the bytes of input %d", out, pl.inPlace[si])
				case from == "" && pl.offset[si][0] >= 0:
					// Its own buffer: no live value may share it.
				case from != "":
					inPlace++
					if pl.inPlace[si] < 0 {
						t.Errorf("%s does not take %s's bytes", out, from)
					} else if src := stepWriting(t, opt, from); pl.offset[si][0] != pl.offset[src][0] {
						t.Errorf("%s at offset %d, %s at %d: want the same", out, pl.offset[si][0], from, pl.offset[src][0])
					}
				}
			}
			if stats[0].InPlace != inPlace {
				t.Errorf("PlanStat.InPlace %d, want %d", stats[0].InPlace, inPlace)
			}
		})
	}
}

// TestInPlaceShrinksArena: where an elementwise step is the peak of
// liveness, writing over its input saves a buffer. a stays live while b
// becomes c: three buffers without in-place, two with.
func TestInPlaceShrinksArena(t *testing.T) {
	nodes := []*ir.Node{
		node("Softmax", []string{"x"}, []string{"a"}),
		node("Softmax", []string{"x"}, []string{"b"}),
		node("Neg", []string{"b"}, []string{"c"}),
		node("Add", []string{"a", "c"}, []string{"y"}),
	}
	opt, ref := compileBoth(t, inPlaceModel(nodes, nil, "y"))
	x := randT(rand.New(rand.NewPCG(1, 3)), 16, 8)
	for range 3 {
		if err := closeTo(run1(t, opt, x), run1(t, ref, x), 0); err != nil {
			t.Fatal(err)
		}
	}
	st := opt.PlanStats()[0]
	const size = 16 * 8 * 4
	if st.Values != 3 || st.InPlace != 1 || st.NaiveBytes != 3*size || st.ArenaBytes != 2*size {
		t.Errorf("plan %+v, want 3 values (1 in place), naive %d, arena %d", st, 3*size, 2*size)
	}
}

func TestAliasOK(t *testing.T) {
	arena := make([]byte, 256)
	at := func(off, n int) *tensor.Tensor {
		h := &tensor.Tensor{}
		h.Reset(tensor.Float32, tensor.Shape{n / 4}, arena[off:off+n:off+n])
		return h
	}
	heap := tensor.New(tensor.Float32, 16)
	region := arena[64:128]
	for _, c := range []struct {
		name string
		args []*tensor.Tensor
		ok   bool
	}{
		{"exact", []*tensor.Tensor{at(64, 64)}, true},
		{"input on the heap", []*tensor.Tensor{heap}, true},
		{"input elsewhere in the arena", []*tensor.Tensor{at(128, 64)}, true},
		{"shorter", []*tensor.Tensor{at(64, 32)}, false},
		{"shifted", []*tensor.Tensor{at(96, 64)}, false},
		{"another input overlaps", []*tensor.Tensor{at(64, 64), at(0, 80)}, false},
		{"nil inputs", []*tensor.Tensor{nil, at(64, 64)}, false},
	} {
		if got := aliasOK(c.args, 0, region); got != c.ok {
			t.Errorf("%s: aliasOK %v, want %v", c.name, got, c.ok)
		}
	}
}

// TestEmptyIntermediates runs a graph whose intermediates are empty (a
// slice of nothing, concatenated back on): planned runs must agree with
// the unoptimised program and, once the plan is recorded, allocate
// nothing (an empty value needs no storage).
func TestEmptyIntermediates(t *testing.T) {
	i64 := func(name string, v ...int64) *ir.Initializer {
		return &ir.Initializer{Name: name, Tensor: tensor.From(v, len(v))}
	}
	m := inPlaceModel([]*ir.Node{
		node("Slice", []string{"x", "s", "e", "ax"}, []string{"empty"}), // x[:, 3:3]
		node("Neg", []string{"empty"}, []string{"neg"}),
		node("Relu", []string{"x"}, []string{"r"}),
		{OpType: "Concat", Inputs: []string{"neg", "r", "neg"}, Outputs: []string{"y"}, Attrs: []*ir.Attribute{attrInt("axis", 1)}},
	}, []*ir.Initializer{i64("s", 3), i64("e", 3), i64("ax", 1)}, "y")
	opt, ref := compileBoth(t, m)
	x := randT(rand.New(rand.NewPCG(5, 6)), 3, 8)
	dst := make([]*tensor.Tensor, 1)
	for range 3 {
		if err := opt.RunInto([]*tensor.Tensor{x}, dst); err != nil {
			t.Fatal(err)
		}
	}
	if err := closeTo(dst[0], run1(t, ref, x), 0); err != nil {
		t.Fatal(err)
	}
	if raceEnabled {
		return
	}
	if a := testing.AllocsPerRun(10, func() { opt.RunInto([]*tensor.Tensor{x}, dst) }); a != 0 {
		t.Errorf("%.1f allocations per run with empty intermediates, want 0", a)
	}
}
