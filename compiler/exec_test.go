package compiler

import (
	"math/rand/v2"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/ops/all"
	"github.com/sinter-ml/sinter/tensor"
)

// chainModel is x → Relu → Sigmoid → Neg → Abs → Tanh → y over [n, 8]:
// five planned steps whose intermediates can share two arena buffers.
func chainModel() *ir.Model {
	ops := []string{"Relu", "Sigmoid", "Neg", "Abs", "Tanh"}
	g := &ir.Graph{Name: "chain"}
	g.Inputs = []*ir.ValueInfo{{Name: "x", Type: &ir.Type{Kind: ir.KindTensor, Elem: tensor.Float32,
		Shape: []ir.Dim{{Param: "n"}, {Value: 8, Known: true}}, HasShape: true}}}
	prev := "x"
	for i, op := range ops {
		out := op
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
	opt, ref := compileBoth(t, chainModel())
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
	if a := testing.AllocsPerRun(10, func() { p.RunInto([]*tensor.Tensor{x}, dst) }); a != 0 {
		t.Errorf("%.1f allocations per run from the plan, want 0", a)
	}
}
