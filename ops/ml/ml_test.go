package ml_test

import (
	"math"
	"slices"
	"testing"

	"github.com/sinter-ml/sinter/compiler"
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ir/ensemble"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/ops/all"
	"github.com/sinter-ml/sinter/tensor"
)

func small() *ensemble.Ensemble {
	return &ensemble.Ensemble{NumFeatures: 2, NumTargets: 1, Post: ensemble.Logistic,
		BaseValues: []float64{0.25}, Precision: ensemble.Float32, Accumulate: ensemble.AccumFloat32,
		Trees: []ensemble.Tree{
			{Nodes: []ensemble.Node{
				{Op: ensemble.LT, Feature: 0, Threshold: 0.5, True: 1, False: 2, Missing: ensemble.MissingNaN, DefaultTrue: true},
				{Op: ensemble.Leaf, ID: 1, Leaf: []ensemble.LeafValue{{Target: 0, Value: -1}}},
				{Op: ensemble.Leaf, ID: 2, Leaf: []ensemble.LeafValue{{Target: 0, Value: 2}}}}},
			{Nodes: []ensemble.Node{
				{Op: ensemble.InSet, Feature: 1, Cats: []uint32{0b100}, True: 2, False: 1},
				{Op: ensemble.Leaf, ID: 5, Leaf: []ensemble.LeafValue{{Target: 0, Value: 0.5}}},
				{Op: ensemble.Leaf, ID: 6, Leaf: []ensemble.LeafValue{{Target: 0, Value: -0.5}}}}},
		},
		Classes: &ensemble.Classes{Strings: []string{"no", "yes"}},
	}
}

// TestCanonicalModel runs ensemble.Model's output through the compiler.
func TestCanonicalModel(t *testing.T) {
	e := small()
	m, err := ensemble.Model(e, ensemble.ModelOptions{Outputs: []string{"label", "probabilities", "margin", "leaves"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := compiler.Compile(m, all.Registry())
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.FromFloat32([]float32{0, 2, 1, 2, float32(math.NaN()), 7}, 3, 2)
	res, err := p.Run([]ops.Value{x}, nil)
	if err != nil {
		t.Fatal(err)
	}
	labels := res[0].(*tensor.Tensor).Strings()
	proba := res[1].(*tensor.Tensor).Float32s()
	margin := res[2].(*tensor.Tensor).Float32s()
	leaves := res[3].(*tensor.Tensor).Int64s()
	rows := [][]float64{{0, 2}, {1, 2}, {math.NaN(), 7}}
	for r, row := range rows {
		mg, pr := make([]float64, 1), make([]float64, 1)
		lv := make([]int64, 2)
		e.Eval(row, mg, pr, lv)
		if float32(mg[0]) != margin[r] || float32(1-pr[0]) != proba[2*r] || float32(pr[0]) != proba[2*r+1] {
			t.Errorf("row %d: margin %v proba %v, reference %v %v", r, margin[r], proba[2*r:2*r+2], mg, pr)
		}
		if lv[0] != leaves[2*r] || lv[1] != leaves[2*r+1] {
			t.Errorf("row %d: leaves %v, reference %v", r, leaves[2*r:2*r+2], lv)
		}
		want := "no"
		if pr[0] > 0.5 {
			want = "yes"
		}
		if labels[r] != want {
			t.Errorf("row %d: label %q, want %q", r, labels[r], want)
		}
	}
}

func tensorAttr(name string, t *tensor.Tensor) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrTensor, T: t}
}

func intsAttr(name string, v ...int64) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrInts, Ints: v}
}

// TestTreeEnsembleV5 builds a two-tree v5 node: a LEQ split and a
// membership split, plus a single-leaf tree.
func TestTreeEnsembleV5(t *testing.T) {
	node := &ir.Node{OpType: "TreeEnsemble", Domain: ir.MLDomain, Inputs: []string{"X"}, Outputs: []string{"Y"}, Attrs: []*ir.Attribute{
		{Name: "n_targets", Type: ir.AttrInt, I: 2},
		intsAttr("tree_roots", 0, 2),
		tensorAttr("nodes_modes", tensor.From([]uint8{0, 6, 0})),
		intsAttr("nodes_featureids", 0, 1, 0),
		tensorAttr("nodes_splits", tensor.From([]float32{1.5, 0, 0})),
		intsAttr("nodes_truenodeids", 0, 2, 3),
		intsAttr("nodes_trueleafs", 1, 1, 1),
		intsAttr("nodes_falsenodeids", 1, 3, 3),
		intsAttr("nodes_falseleafs", 0, 1, 1),
		intsAttr("nodes_missing_value_tracks_true", 1, 0, 0),
		tensorAttr("membership_values", tensor.From([]float32{2, 4.5, float32(math.NaN())})),
		intsAttr("leaf_targetids", 0, 1, 0, 1),
		tensorAttr("leaf_weights", tensor.From([]float32{10, 20, 30, 40})),
	}}
	m := &ir.Model{Opsets: map[string]int64{ir.MLDomain: 5}, Graph: &ir.Graph{Nodes: []*ir.Node{node},
		Inputs:  []*ir.ValueInfo{{Name: "X", Type: &ir.Type{Kind: ir.KindTensor, Elem: tensor.Float32}}},
		Outputs: []*ir.ValueInfo{{Name: "Y"}}}}
	p, err := compiler.Compile(m, all.Registry())
	if err != nil {
		t.Fatal(err)
	}
	nan := float32(math.NaN())
	x := tensor.FromFloat32([]float32{1, 0, 2, 4.5, 2, 2, nan, 9}, 4, 2)
	res, err := p.Run([]ops.Value{x}, nil)
	if err != nil {
		t.Fatal(err)
	}
	y := res[0].(*tensor.Tensor).Float32s()
	// Tree 0: x0 ≤ 1.5 (NaN → true) → leaf 0 (t0 +10); else x1 ∈ {2, 4.5} → leaf 2 (t0 +30) else leaf 3 (t1 +40).
	// Tree 1: single leaf 3 (t1 +40).
	want := []float32{10, 40, 30, 40, 30, 40, 10, 40}
	for i := range want {
		if y[i] != want[i] {
			t.Fatalf("Y = %v, want %v", y, want)
		}
	}
}

// TestRegressorAverage: ONNX AVERAGE divides every target by the number of
// trees (ONNX Runtime), also when a tree feeds only some targets.
func TestRegressorAverage(t *testing.T) {
	node := &ir.Node{OpType: "TreeEnsembleRegressor", Domain: ir.MLDomain, Inputs: []string{"X"}, Outputs: []string{"Y"}, Attrs: []*ir.Attribute{
		{Name: "n_targets", Type: ir.AttrInt, I: 2},
		{Name: "aggregate_function", Type: ir.AttrString, S: []byte("AVERAGE")},
		intsAttr("nodes_treeids", 0, 0, 0, 1),
		intsAttr("nodes_nodeids", 0, 1, 2, 0),
		{Name: "nodes_modes", Type: ir.AttrStrings, Strings: [][]byte{[]byte("BRANCH_LEQ"), []byte("LEAF"), []byte("LEAF"), []byte("LEAF")}},
		intsAttr("nodes_featureids", 0, 0, 0, 0),
		{Name: "nodes_values", Type: ir.AttrFloats, Floats: []float32{0.5, 0, 0, 0}},
		intsAttr("nodes_truenodeids", 1, 0, 0, 0),
		intsAttr("nodes_falsenodeids", 2, 0, 0, 0),
		intsAttr("target_treeids", 0, 0, 1),
		intsAttr("target_nodeids", 1, 2, 0),
		intsAttr("target_ids", 0, 0, 1),
		{Name: "target_weights", Type: ir.AttrFloats, Floats: []float32{3, 5, 8}},
		{Name: "base_values", Type: ir.AttrFloats, Floats: []float32{1, 2}},
	}}
	m := &ir.Model{Opsets: map[string]int64{ir.MLDomain: 3}, Graph: &ir.Graph{Nodes: []*ir.Node{node},
		Inputs:  []*ir.ValueInfo{{Name: "X", Type: &ir.Type{Kind: ir.KindTensor, Elem: tensor.Float32}}},
		Outputs: []*ir.ValueInfo{{Name: "Y"}}}}
	p, err := compiler.Compile(m, all.Registry())
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run([]ops.Value{tensor.FromFloat32([]float32{0, 1}, 2, 1)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Two trees: target 0 = leaf/2 + 1; target 1 = 8/2 + 2.
	want := []float32{3.0/2 + 1, 6, 5.0/2 + 1, 6}
	if y := res[0].(*tensor.Tensor).Float32s(); !slices.Equal(y, want) {
		t.Fatalf("Y = %v, want %v", y, want)
	}
}
