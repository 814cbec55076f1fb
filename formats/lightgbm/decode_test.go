package lightgbm

import (
	"strings"
	"testing"

	"github.com/sinter-ml/sinter/compiler"
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ir/ensemble"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/ops/all"
	"github.com/sinter-ml/sinter/tensor"
)

var allOutputs = []Output{Prediction, RawScore, LeafIndex}

func TestDecodeGraph(t *testing.T) {
	src := []byte(writeModel(header("binary sigmoid:1", 1, 3, "average_output\n"), catTree, linearTree))
	m, err := Decode(src, Options{Outputs: []Output{LeafIndex, RawScore, Prediction}, Names: []string{"", "raw"}})
	if err != nil {
		t.Fatal(err)
	}
	g := m.Graph
	// A random forest asked for its raw score gets a second, plain-sum node.
	if len(g.Nodes) != 2 || m.Opsets[ensemble.Domain] != ensemble.Version || m.ProducerName != "lightgbm" {
		t.Fatalf("%d nodes, opsets %v, producer %q", len(g.Nodes), m.Opsets, m.ProducerName)
	}
	var names []string
	for _, o := range g.Outputs {
		names = append(names, o.Name)
	}
	if strings.Join(names, ",") != "leaves,raw,Y" {
		t.Errorf("outputs %v", names)
	}
	if in := g.Inputs[0]; in.Name != "X" || in.Type.Elem != tensor.Float64 || in.Type.Shape[1].Value != 3 {
		t.Errorf("input %+v", in.Type)
	}
	if g.Outputs[0].Type.Elem != tensor.Int64 || g.Outputs[0].Type.Shape[1].Value != 2 ||
		g.Outputs[1].Type.Elem != tensor.Float64 || g.Outputs[2].Type.Shape[1].Value != 1 {
		t.Errorf("output types %+v %+v %+v", g.Outputs[0].Type, g.Outputs[1].Type, g.Outputs[2].Type)
	}
	// Classifier outputs.
	m, err = Decode(src, Options{Outputs: []Output{Label, Probabilities}, InputType: tensor.Float32, Float32Output: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Graph.Nodes) != 1 || m.Graph.Outputs[1].Type.Shape[1].Value != 2 || m.Graph.Outputs[1].Type.Elem != tensor.Float32 ||
		m.Graph.Inputs[0].Type.Elem != tensor.Float32 {
		t.Errorf("classifier graph: %+v", m.Graph.Outputs[1].Type)
	}
	for _, bad := range []Options{
		{Outputs: []Output{Prediction, Prediction}},
		{Outputs: []Output{Prediction, Label}},
		{Outputs: []Output{Output(9)}},
		{Outputs: []Output{Prediction, RawScore}, Names: []string{"a", "a"}},
		{Outputs: []Output{Prediction}, Names: []string{"a", "b"}},
		{InputType: tensor.String},
	} {
		if _, err := Decode(src, bad); err == nil {
			t.Errorf("options %+v: no error", bad)
		}
	}
	reg := writeModel(header("regression", 1, 2, ""), stump(0, 0.5, 1, 2))
	if _, err := Decode([]byte(reg), Options{Outputs: []Output{Probabilities}}); err == nil {
		t.Errorf("probabilities of a regressor: no error")
	}
}

// runner scores a decoded model's rows and returns its outputs by name.
type runner func(t *testing.T, m *ir.Model, x *tensor.Tensor) map[string]*tensor.Tensor

// nodeRunner evaluates each TreeEnsemble node of the graph with the
// ensemble's reference evaluator after decoding it from its attributes,
// which checks the node encoding without a kernel.
func nodeRunner(t *testing.T, m *ir.Model, x *tensor.Tensor) map[string]*tensor.Tensor {
	t.Helper()
	rows, nf := x.Shape()[0], x.Shape()[1]
	xs := x.Float64s()
	out := map[string]*tensor.Tensor{}
	for _, n := range m.Graph.Nodes {
		e, err := ensemble.FromNode(n)
		if err != nil {
			t.Fatal(err)
		}
		k, nt := e.NumTargets, len(e.Trees)
		pred, margin, leaves := make([]float64, rows*k), make([]float64, rows*k), make([]int64, rows*nt)
		for r := range rows {
			e.Eval(xs[r*nf:(r+1)*nf], margin[r*k:(r+1)*k], pred[r*k:(r+1)*k], leaves[r*nt:(r+1)*nt])
		}
		for i, name := range n.Outputs {
			switch {
			case name == "":
			case i == ensemble.RegY:
				out[name] = tensor.From(pred, rows, k)
			case i == ensemble.RegMargin:
				out[name] = tensor.From(margin, rows, k)
			case i == ensemble.RegLeaves:
				out[name] = tensor.From(leaves, rows, nt)
			}
		}
	}
	return out
}

// compiledRunner compiles the model with the default registry and runs it.
func compiledRunner(t *testing.T, m *ir.Model, x *tensor.Tensor) map[string]*tensor.Tensor {
	t.Helper()
	p, err := compiler.Compile(m, all.Registry())
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run([]ops.Value{x}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*tensor.Tensor{}
	for i, name := range p.OutputNames() {
		tt, ok := res[i].(*tensor.Tensor)
		if !ok {
			t.Fatalf("output %q is %T", name, res[i])
		}
		out[name] = tt
	}
	return out
}

func opRegistered() bool {
	return all.Registry().Has(ensemble.Domain, ensemble.OpType, ensemble.Version)
}

// checkFixtures decodes every fixture with all three outputs, runs it and
// compares with LightGBM's expected outputs: predictions and raw scores
// within 1e-6 relative (reported: exact counts and worst error), leaves
// exactly.
func checkFixtures(t *testing.T, run runner) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			d := loadFixture(t, f.name)
			m, err := Decode(d.model, Options{Outputs: allOutputs})
			if err != nil {
				t.Fatal(err)
			}
			out := run(t, m, d.input)
			y, raw, leaves := out["Y"], out["margin"], out["leaves"]
			if y == nil || raw == nil || leaves == nil {
				t.Fatalf("outputs %v", out)
			}
			if y.Len() != len(d.expected) || raw.Len() != len(d.raw) || leaves.Shape()[0] != d.rows || leaves.Shape()[1] != f.trees {
				t.Fatalf("shapes %v %v %v", y.Shape(), raw.Shape(), leaves.Shape())
			}
			ap, ar := compare(y.Float64s(), d.expected), compare(raw.Float64s(), d.raw)
			t.Logf("prediction: %d/%d exact, worst rel %.3g; raw: %d/%d exact, worst rel %.3g", ap.exact, ap.n, ap.worst, ar.exact, ar.n, ar.worst)
			if ap.worst > 1e-6 {
				t.Errorf("prediction %d: got %v, want %v", ap.worstAt, y.Float64s()[ap.worstAt], d.expected[ap.worstAt])
			}
			if ar.worst > 1e-6 {
				t.Errorf("raw %d: got %v, want %v", ar.worstAt, raw.Float64s()[ar.worstAt], d.raw[ar.worstAt])
			}
			if d.leaves != nil {
				got := leaves.Int64s()
				for i := range d.leaves {
					if got[i] != d.leaves[i] {
						t.Fatalf("row %d tree %d: leaf %d, want %d", i/f.trees, i%f.trees, got[i], d.leaves[i])
					}
				}
			}
		})
	}
}

// TestDecodedNodes checks the decoded graphs' nodes with the reference
// evaluator.
func TestDecodedNodes(t *testing.T) { checkFixtures(t, nodeRunner) }

// TestCompiled runs the decoded fixtures through compiler.Compile with the
// default registry (skipped until the TreeEnsemble op is registered).
func TestCompiled(t *testing.T) {
	if !opRegistered() {
		t.Skipf("%s/%s not registered in ops/all yet", ensemble.Domain, ensemble.OpType)
	}
	checkFixtures(t, compiledRunner)
}
