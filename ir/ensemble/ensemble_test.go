package ensemble

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
)

// sample is a small ensemble using every feature of the format.
func sample() *Ensemble {
	return &Ensemble{
		NumFeatures: 4,
		NumTargets:  2,
		Precision:   Float32,
		Accumulate:  AccumFloat32,
		BaseValues:  []float64{0.5, -0.25},
		Post:        Softmax,
		TreeWeights: []float64{1, 0.5, 2},
		Trees: []Tree{
			{Nodes: []Node{
				{Op: LT, Feature: 0, Threshold: 1.5, True: 1, False: 2, Missing: MissingNaN, DefaultTrue: true},
				{Op: Leaf, ID: 1, Leaf: []LeafValue{{0, 1.25}}},
				{Op: InSet, Feature: 1, Cats: []uint32{0b1010, 1}, True: 3, False: 4, Missing: MissingNaN},
				{Op: Leaf, ID: 3, Leaf: []LeafValue{{1, -2}, {0, 0.125}}},
				{Op: Leaf, ID: 4},
			}},
			{Nodes: []Node{{Op: Leaf, Leaf: []LeafValue{{1, 3}}, Linear: []LinearTerm{{Target: 1, Const: 1, Features: []int32{2, 3}, Coeffs: []float64{0.5, -1}}}}}},
			{Nodes: []Node{
				{Op: InValues, Feature: 3, Values: []float64{1, 2.5}, True: 2, False: 1, Missing: MissingIEEE},
				{Op: Leaf, ID: 7, Leaf: []LeafValue{{0, -1}}},
				{Op: Leaf, ID: 8, Leaf: []LeafValue{{1, 4}}},
			}},
		},
		Classes: &Classes{Strings: []string{"a", "b"}},
	}
}

func TestRoundTrip(t *testing.T) {
	e := sample()
	n, err := ToNode(e, "X", "label", "probabilities", "margin", "leaves")
	if err != nil {
		t.Fatal(err)
	}
	if n.Domain != Domain || n.OpType != OpType {
		t.Fatalf("node %s/%s", n.Domain, n.OpType)
	}
	d, err := FromNode(n)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(norm(e), norm(d)) {
		t.Fatalf("round trip differs:\n%+v\n%+v", e, d)
	}
	// Plain regressor without optional parts.
	r := &Ensemble{NumFeatures: 1, NumTargets: 1, Trees: []Tree{{Nodes: []Node{{Op: Leaf, Leaf: []LeafValue{{0, 2}}}}}}}
	n, err = ToNode(r, "X", "Y")
	if err != nil {
		t.Fatal(err)
	}
	d, err = FromNode(n)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(norm(r), norm(d)) {
		t.Fatalf("round trip differs:\n%+v\n%+v", r, d)
	}
}

// norm makes empty and nil slices compare equal.
func norm(e *Ensemble) *Ensemble {
	c := *e
	c.Trees = nil
	for _, t := range e.Trees {
		var nt Tree
		for _, nd := range t.Nodes {
			if len(nd.Leaf) == 0 {
				nd.Leaf = nil
			}
			if len(nd.Linear) == 0 {
				nd.Linear = nil
			}
			if len(nd.Cats) == 0 {
				nd.Cats = nil
			}
			if len(nd.Values) == 0 {
				nd.Values = nil
			}
			if nd.Op == Leaf {
				nd.True, nd.False, nd.Feature, nd.Threshold = 0, 0, 0, 0
			}
			nt.Nodes = append(nt.Nodes, nd)
		}
		c.Trees = append(c.Trees, nt)
	}
	return &c
}

func TestValidateRejects(t *testing.T) {
	cases := map[string]func(e *Ensemble){
		"cycle":         func(e *Ensemble) { e.Trees[0].Nodes[2].False = 0 },
		"shared":        func(e *Ensemble) { e.Trees[0].Nodes[2].False = 1; e.Trees[0].Nodes = e.Trees[0].Nodes[:4] },
		"unreachable":   func(e *Ensemble) { e.Trees[1].Nodes = append(e.Trees[1].Nodes, Node{Op: Leaf}) },
		"child range":   func(e *Ensemble) { e.Trees[0].Nodes[0].True = 99 },
		"child neg":     func(e *Ensemble) { e.Trees[0].Nodes[0].True = -1 },
		"self":          func(e *Ensemble) { e.Trees[0].Nodes[0].True = 0 },
		"same children": func(e *Ensemble) { e.Trees[0].Nodes[0].False = 1 },
		"feature":       func(e *Ensemble) { e.Trees[0].Nodes[0].Feature = 4 },
		"nan threshold": func(e *Ensemble) { e.Trees[0].Nodes[0].Threshold = math.NaN() },
		"nan value":     func(e *Ensemble) { e.Trees[2].Nodes[0].Values[0] = math.NaN() },
		"target":        func(e *Ensemble) { e.Trees[0].Nodes[1].Leaf[0].Target = 2 },
		"linear feat":   func(e *Ensemble) { e.Trees[1].Nodes[0].Linear[0].Features[0] = -1 },
		"linear len":    func(e *Ensemble) { e.Trees[1].Nodes[0].Linear[0].Coeffs = nil },
		"empty tree":    func(e *Ensemble) { e.Trees[1].Nodes = nil },
		"base values":   func(e *Ensemble) { e.BaseValues = []float64{1} },
		"weights":       func(e *Ensemble) { e.TreeWeights = e.TreeWeights[:2] },
		"inf weight":    func(e *Ensemble) { e.TreeWeights[0] = math.Inf(1) },
		"classes":       func(e *Ensemble) { e.Classes.Strings = []string{"a", "b", "c"} },
		"both labels":   func(e *Ensemble) { e.Classes.Int64 = []int64{1, 2} },
		"post":          func(e *Ensemble) { e.Post = 99 },
		"op":            func(e *Ensemble) { e.Trees[0].Nodes[0].Op = 99 },
		"missing":       func(e *Ensemble) { e.Trees[0].Nodes[0].Missing = 9 },
		"targets":       func(e *Ensemble) { e.NumTargets = 0 },
		"leaf set":      func(e *Ensemble) { e.Trees[0].Nodes[1].Cats = []uint32{1} },
		"split leaf":    func(e *Ensemble) { e.Trees[0].Nodes[0].Leaf = []LeafValue{{0, 1}} },
	}
	if err := sample().Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range cases {
		e := sample()
		mutate(e)
		if err := e.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Validate = %v", name, err)
		}
		if _, err := ToNode(e, "X"); err == nil {
			t.Errorf("%s: ToNode accepted an invalid ensemble", name)
		}
	}
	var nilE *Ensemble
	if nilE.Validate() == nil {
		t.Error("nil ensemble accepted")
	}
}

// TestFromNodeHostile mutates encoded attributes at random: FromNode must
// return an error or a valid ensemble, never panic.
func TestFromNodeHostile(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n0, err := ToNode(sample(), "X", "label")
	if err != nil {
		t.Fatal(err)
	}
	for it := 0; it < 3000; it++ {
		n := cloneNode(n0)
		for k := 0; k < 1+rng.IntN(3); k++ {
			a := n.Attrs[rng.IntN(len(n.Attrs))]
			switch rng.IntN(5) {
			case 0:
				a.I = int64(rng.IntN(10)) - 3
			case 1:
				a.Type = ir.AttrType(rng.IntN(9))
			case 2:
				if a.T != nil && a.T.Len() > 0 {
					b := a.T.Bytes()
					b[rng.IntN(len(b))] ^= byte(1 << rng.IntN(8))
				}
			case 3:
				if a.T != nil && a.T.Len() > 0 {
					a.T, _ = a.T.Rows(0, a.T.Len()-1)
				}
			case 4:
				if a.T != nil {
					a.T = tensor.From([]float32{1})
				}
			}
		}
		e, err := FromNode(n)
		if err == nil {
			if err := e.Validate(); err != nil {
				t.Fatalf("FromNode returned an invalid ensemble: %v", err)
			}
		}
	}
}

func cloneNode(n *ir.Node) *ir.Node {
	c := *n
	c.Attrs = nil
	for _, a := range n.Attrs {
		b := *a
		if a.T != nil {
			b.T = a.T.Clone()
		}
		c.Attrs = append(c.Attrs, &b)
	}
	return &c
}

func TestEvalSample(t *testing.T) {
	e := sample()
	nan := math.NaN()
	// Row 1: x0 NaN → default true → leaf 1 (target 0 += 1.25). Tree 1:
	// linear 1 + 0.5*2 - 1*1 = 1 (×0.5 = 0.5) on target 1. Tree 2: x3 = 1 ∈
	// values → node 2 (target 1 += 4×2).
	x := []float64{nan, 0, 2, 1}
	m := make([]float64, 2)
	leaves := make([]int64, 3)
	e.Eval(x, m, nil, leaves)
	want := []float64{0.5 + 1.25, -0.25 + 0.5 + 8}
	if m[0] != want[0] || m[1] != want[1] {
		t.Fatalf("margin %v, want %v", m, want)
	}
	if !reflect.DeepEqual(leaves, []int64{1, 0, 8}) {
		t.Fatalf("leaves %v", leaves)
	}
	// Row 2: x0 = 3 → InSet on x1 = 3 (bit 3 of 0b1010 set) → leaf 3.
	// Tree 1: x3 NaN → linear falls back to the leaf value 3 × 0.5.
	// Tree 2: x3 NaN, IEEE → not a member → node 1 (target 0 += -1×2).
	x = []float64{3, 3.9, 2, nan}
	e.Eval(x, m, nil, leaves)
	want = []float64{0.5 + 0.125 - 2, -0.25 - 2 + 1.5}
	if m[0] != want[0] || m[1] != want[1] {
		t.Fatalf("margin %v, want %v", m, want)
	}
	// Category 32 is bit 0 of word 1; -0.5 truncates to 0 (not in set).
	x = []float64{3, 32, 0, 0}
	e.Eval(x, m, nil, leaves)
	if leaves[0] != 3 {
		t.Fatalf("category 32: leaf %d", leaves[0])
	}
	x = []float64{3, 1e10, 0, 0}
	e.Eval(x, m, nil, leaves)
	if leaves[0] != 4 {
		t.Fatalf("huge category: leaf %d", leaves[0])
	}
}

func TestMissingRules(t *testing.T) {
	mk := func(m Missing, def bool) *Ensemble {
		return &Ensemble{NumFeatures: 1, NumTargets: 1, Trees: []Tree{{Nodes: []Node{
			{Op: LE, Threshold: -0.5, Missing: m, DefaultTrue: def, True: 1, False: 2},
			{Op: Leaf, ID: 1}, {Op: Leaf, ID: 2}}}}}
	}
	leaf := func(e *Ensemble, v float64) int64 {
		l := make([]int64, 1)
		e.Eval([]float64{v}, nil, nil, l)
		return l[0]
	}
	nan := math.NaN()
	for _, c := range []struct {
		m    Missing
		def  bool
		x    float64
		want int64
	}{
		{MissingNaN, true, nan, 1}, {MissingNaN, false, nan, 2}, {MissingNaN, true, 0, 2},
		{MissingZero, false, 0, 2}, {MissingZero, true, 0, 1}, {MissingZero, true, 1e-36, 1}, {MissingZero, true, -1e-36, 1},
		{MissingZero, true, 1e-34, 2}, {MissingZero, true, -1, 1}, {MissingZero, false, -1, 1},
		{MissingAsZero, true, nan, 2}, {MissingIEEE, true, nan, 2},
	} {
		if got := leaf(mk(c.m, c.def), c.x); got != c.want {
			t.Errorf("missing %d default %v x=%v: leaf %d, want %d", c.m, c.def, c.x, got, c.want)
		}
	}
}

func TestModel(t *testing.T) {
	m, err := Model(sample(), ModelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Opsets[Domain] != Version || len(m.Graph.Nodes) != 1 || len(m.Graph.Outputs) != 2 {
		t.Fatalf("model %+v", m)
	}
	if m.Graph.Outputs[0].Type.Elem != tensor.String {
		t.Fatalf("label type %v", m.Graph.Outputs[0].Type.Elem)
	}
}

// TestAverageMultiTarget: Average divides each target by the trees feeding
// it (LightGBM random forest with K classes: trees/K per class).
func TestAverageMultiTarget(t *testing.T) {
	leaf := func(target int32, v float64) Tree {
		return Tree{Nodes: []Node{{Op: Leaf, Leaf: []LeafValue{{target, v}}}}}
	}
	e := &Ensemble{NumFeatures: 1, NumTargets: 3, Aggregate: Average,
		Trees: []Tree{leaf(0, 1), leaf(1, 2), leaf(0, 3), leaf(1, 5), leaf(0, 0.5), leaf(1, 0.25)}}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := e.TreesPerTarget(); !reflect.DeepEqual(got, []int{3, 3, 0}) {
		t.Fatalf("TreesPerTarget = %v", got)
	}
	m := make([]float64, 3)
	e.Eval([]float64{0}, m, nil, nil)
	if want := []float64{(1 + 3 + 0.5) / 3.0, (2 + 5 + 0.25) / 3.0, 0}; !reflect.DeepEqual(m, want) {
		t.Fatalf("margin %v, want %v", m, want)
	}
}
