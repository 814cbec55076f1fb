package ml_test

import (
	"math"
	goruntime "runtime"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ir/ensemble"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/ops/ml"
	"github.com/sinter-ml/sinter/tensor"
)

// v3Trees returns the node attributes of two ONNX-ML v3 trees over three
// features whose leaves vote (prefix "target" or "class") for ids in
// [0, n): a two-level tree and a stump.
func v3Trees(prefix string, n int64) []*ir.Attribute {
	modes := func(v ...string) *ir.Attribute {
		b := make([][]byte, len(v))
		for i, s := range v {
			b[i] = []byte(s)
		}
		return &ir.Attribute{Name: "nodes_modes", Type: ir.AttrStrings, Strings: b}
	}
	return []*ir.Attribute{
		intsAttr("nodes_treeids", 0, 0, 0, 0, 0, 1, 1, 1),
		intsAttr("nodes_nodeids", 0, 1, 2, 3, 4, 0, 1, 2),
		modes("BRANCH_LEQ", "BRANCH_LT", "LEAF", "LEAF", "LEAF", "BRANCH_GT", "LEAF", "LEAF"),
		intsAttr("nodes_featureids", 0, 1, 0, 0, 0, 2, 0, 0),
		fsAttr("nodes_values", 0.5, -1, 0, 0, 0, 2.25, 0, 0),
		intsAttr("nodes_truenodeids", 1, 2, 0, 0, 0, 1, 0, 0),
		intsAttr("nodes_falsenodeids", 4, 3, 0, 0, 0, 2, 0, 0),
		intsAttr("nodes_missing_value_tracks_true", 1, 0, 0, 0, 0, 0, 0, 0),
		intsAttr(prefix+"_treeids", 0, 0, 0, 0, 1, 1),
		intsAttr(prefix+"_nodeids", 2, 3, 4, 4, 1, 2),
		intsAttr(prefix+"_ids", 0, 1%n, 2%n, 0, 1%n, 0),
		fsAttr(prefix+"_weights", 0.75, -1.5, 2, 0.25, 1.125, -0.5),
	}
}

// treeRows is input for the v3 trees: five rows of three features, one
// with a missing value.
func treeRows() *tensor.Tensor {
	nan := float32(math.NaN())
	return tensor.From([]float32{0, -2, 3, 1, 0, 1, nan, 5, 2.25, 0.5, -1, 4, 2, -3, 0}, 5, 3)
}

// plannedGlueCases are the nodes whose planned forms are tested: the glue
// cases of TestGlueOps and more of the glue and tree operators.
func plannedGlueCases() []glueCase {
	f32 := func(v ...float32) *tensor.Tensor { return tensor.From(v, len(v)) }
	nan := float32(math.NaN())
	x34 := tensor.From([]float32{1, -2, 3, 0.5, 0, 0, 0, 0, -4, 2, nan, 1}, 3, 4)
	cases := []glueCase{
		{name: "scaler", opset: 1, op: "Scaler", attrs: []*ir.Attribute{fsAttr("offset", 1, -0.5, 2, 0), fsAttr("scale", 0.5, 2, -1, 3)},
			inputs: []*tensor.Tensor{x34}, nout: 1},
		{name: "scaler_int_1d", opset: 1, op: "Scaler", attrs: []*ir.Attribute{fsAttr("offset", 3), fsAttr("scale", 0.25)},
			inputs: []*tensor.Tensor{tensor.From([]int64{1, 5, -7, 9}, 4)}, nout: 1},
		{name: "scaler_f64", opset: 1, op: "Scaler", attrs: []*ir.Attribute{fsAttr("scale", 1.5)},
			inputs: []*tensor.Tensor{tensor.From([]float64{0.1, 1e300, -3}, 1, 3)}, nout: 1},
		{name: "normalizer_max", opset: 1, op: "Normalizer", attrs: []*ir.Attribute{sAttr("norm", "MAX")}, inputs: []*tensor.Tensor{x34}, nout: 1},
		{name: "normalizer_l1", opset: 1, op: "Normalizer", attrs: []*ir.Attribute{sAttr("norm", "L1")}, inputs: []*tensor.Tensor{x34}, nout: 1},
		{name: "normalizer_l2", opset: 1, op: "Normalizer", attrs: []*ir.Attribute{sAttr("norm", "L2")},
			inputs: []*tensor.Tensor{tensor.From([]int32{3, 4, 0, 0, -1, 1}, 3, 2)}, nout: 1},
		{name: "binarizer", opset: 1, op: "Binarizer", attrs: []*ir.Attribute{{Name: "threshold", Type: ir.AttrFloat, F: 0.5}}, inputs: []*tensor.Tensor{x34}, nout: 1},
		{name: "binarizer_f64", opset: 1, op: "Binarizer", inputs: []*tensor.Tensor{tensor.From([]float64{-1, 0, 1e-300, 2}, 2, 2)}, nout: 1},
		{name: "binarizer_i64", opset: 1, op: "Binarizer", attrs: []*ir.Attribute{{Name: "threshold", Type: ir.AttrFloat, F: 2}},
			inputs: []*tensor.Tensor{tensor.From([]int64{1, 2, 3, -4}, 4)}, nout: 1},
		{name: "binarizer_i32", opset: 1, op: "Binarizer", inputs: []*tensor.Tensor{tensor.From([]int32{1, 0, -3}, 3)}, nout: 1},
		{name: "imputer_nan", opset: 1, op: "Imputer", attrs: []*ir.Attribute{fsAttr("imputed_value_floats", 9, 8, 7, 6), {Name: "replaced_value_float", Type: ir.AttrFloat, F: nan}},
			inputs: []*tensor.Tensor{x34}, nout: 1},
		{name: "imputer_zero", opset: 1, op: "Imputer", attrs: []*ir.Attribute{fsAttr("imputed_value_floats", -1)}, inputs: []*tensor.Tensor{x34}, nout: 1},
		{name: "imputer_int", opset: 1, op: "Imputer", attrs: []*ir.Attribute{intsAttr("imputed_value_int64s", 10, 20), iAttr("replaced_value_int64", -1)},
			inputs: []*tensor.Tensor{tensor.From([]int64{-1, 3, 4, -1, -1, -1}, 3, 2)}, nout: 1},
		{name: "afe", opset: 1, op: "ArrayFeatureExtractor", inputs: []*tensor.Tensor{x34, tensor.From([]int64{3, 0, 3}, 3)}, nout: 1},
		{name: "afe_1d", opset: 1, op: "ArrayFeatureExtractor", inputs: []*tensor.Tensor{f32(5, 6, 7), tensor.From([]int64{2}, 1)}, nout: 1},
		{name: "afe_str", opset: 1, op: "ArrayFeatureExtractor",
			inputs: []*tensor.Tensor{tensor.FromStrings([]string{"a", "b", "c", "d"}, 2, 2), tensor.From([]int64{1}, 1)}, nout: 1},
		{name: "linreg", opset: 1, op: "LinearRegressor", attrs: []*ir.Attribute{fsAttr("coefficients", 0.5, -1, 2, 0.25), fsAttr("intercepts", 1)},
			inputs: []*tensor.Tensor{x34}, nout: 1},
		{name: "linreg_softmax", opset: 1, op: "LinearRegressor",
			attrs:  []*ir.Attribute{fsAttr("coefficients", 1, 2, 3, 4, 5, 6), iAttr("targets", 3), sAttr("post_transform", "SOFTMAX")},
			inputs: []*tensor.Tensor{tensor.From([]float64{0.5, -0.25, 1, 2}, 2, 2)}, nout: 1},
		{name: "linreg_logistic", opset: 1, op: "LinearRegressor",
			attrs:  []*ir.Attribute{fsAttr("coefficients", 1, -1, 0.5, 2), iAttr("targets", 2), sAttr("post_transform", "LOGISTIC")},
			inputs: []*tensor.Tensor{tensor.From([]int64{1, 2, -3, 0}, 2, 2)}, nout: 1},
		{name: "lc_probit", opset: 1, op: "LinearClassifier",
			attrs:  []*ir.Attribute{fsAttr("coefficients", 1, -2), fsAttr("intercepts", 0.5), sAttr("post_transform", "PROBIT"), intsAttr("classlabels_ints", 3, 4)},
			inputs: []*tensor.Tensor{tensor.From([]float32{0.1, 0, 0, 0.2}, 2, 2)}, nout: 2},
		{name: "tree_reg", opset: 3, op: "TreeEnsembleRegressor", attrs: append(v3Trees("target", 2), iAttr("n_targets", 2), fsAttr("base_values", 0.5, -0.5)),
			inputs: []*tensor.Tensor{treeRows()}, nout: 1},
		{name: "tree_reg_avg_int", opset: 3, op: "TreeEnsembleRegressor",
			attrs:  append(v3Trees("target", 3), iAttr("n_targets", 3), sAttr("aggregate_function", "AVERAGE"), sAttr("post_transform", "SOFTMAX")),
			inputs: []*tensor.Tensor{tensor.From([]int64{0, -2, 3, 1, 0, 1}, 2, 3)}, nout: 1},
		{name: "tree_reg_wide", opset: 1, op: "TreeEnsembleRegressor", attrs: append(v3Trees("target", 1), iAttr("n_targets", 1)),
			inputs: []*tensor.Tensor{tensor.From([]float32{0, -2, 3, 7, 1, 0, 1, 8}, 2, 4)}, nout: 1},
		{name: "tree_cls_binary", opset: 3, op: "TreeEnsembleClassifier", attrs: append(v3Trees("class", 1), intsAttr("classlabels_int64s", 0, 1), sAttr("post_transform", "LOGISTIC")),
			inputs: []*tensor.Tensor{treeRows()}, nout: 2},
		{name: "tree_cls_binary_probit", opset: 3, op: "TreeEnsembleClassifier", attrs: append(v3Trees("class", 1), intsAttr("classlabels_int64s", 0, 1), sAttr("post_transform", "PROBIT")),
			inputs: []*tensor.Tensor{treeRows()}, nout: 2},
		{name: "tree_cls_binary_one_base", opset: 3, op: "TreeEnsembleClassifier", attrs: append(v3Trees("class", 1), intsAttr("classlabels_int64s", 0, 1), fsAttr("base_values", 0.5)),
			inputs: []*tensor.Tensor{treeRows()}, nout: 2},
		{name: "tree_cls_binary_base", opset: 3, op: "TreeEnsembleClassifier",
			attrs:  append(v3Trees("class", 2), ssAttr("classlabels_strings", "no", "yes"), fsAttr("base_values", 0.25, -0.25)),
			inputs: []*tensor.Tensor{treeRows()}, nout: 2},
		{name: "tree_cls_multi", opset: 3, op: "TreeEnsembleClassifier",
			attrs:  append(v3Trees("class", 3), intsAttr("classlabels_int64s", 5, 6, 7), sAttr("post_transform", "SOFTMAX"), fsAttr("base_values", 0.1, 0.2, 0.3)),
			inputs: []*tensor.Tensor{treeRows()}, nout: 2},
		{name: "tree_cls_multi_label", opset: 3, op: "TreeEnsembleClassifier",
			attrs:  append(v3Trees("class", 3), ssAttr("classlabels_strings", "a", "b", "c")),
			inputs: []*tensor.Tensor{treeRows()}, nout: 1},
	}
	return append(cases, glueCases()...)
}

// canonicalCase is the "sinter.ml" TreeEnsemble node of small() with
// every output.
func canonicalCase(t *testing.T) glueCase {
	m, err := ensemble.Model(small(), ensemble.ModelOptions{Outputs: []string{"label", "probabilities", "margin", "leaves"}})
	if err != nil {
		t.Fatal(err)
	}
	n := m.Graph.Nodes[0]
	x := tensor.From([]float32{0, 2, 1, 2, float32(math.NaN()), 7}, 3, 2)
	return glueCase{name: "canonical", opset: ensemble.Version, op: n.OpType, attrs: n.Attrs, inputs: []*tensor.Tensor{x}, nout: len(n.Outputs), domain: n.Domain}
}

// bindML binds c's node with the ml family's registry.
func bindML(t *testing.T, c glueCase) ops.Impl {
	t.Helper()
	r := ops.NewRegistry()
	ml.Register(r)
	n := &ir.Node{OpType: c.op, Domain: ir.MLDomain, Attrs: c.attrs}
	if c.domain != "" {
		n.Domain = c.domain
	}
	for range c.inputs {
		n.Inputs = append(n.Inputs, "x")
	}
	for range c.nout {
		n.Outputs = append(n.Outputs, "y")
	}
	impl, err := r.Bind(&ops.Node{Node: n, Opset: c.opset})
	if err != nil {
		t.Fatalf("%s: bind: %v", c.name, err)
	}
	if impl.Planned == nil {
		t.Fatalf("%s: no planned form", c.name)
	}
	return impl
}

// plannedOuts infers c's outputs and allocates them filled with garbage
// bytes (strings empty).
func plannedOuts(t *testing.T, p *ops.Planned, c glueCase) ([]ops.OutSpec, []*tensor.Tensor) {
	t.Helper()
	specs := make([]ops.OutSpec, c.nout)
	if err := p.Infer(c.inputs, specs); err != nil {
		t.Fatalf("%s: infer: %v", c.name, err)
	}
	outs := make([]*tensor.Tensor, c.nout)
	for i, s := range specs {
		outs[i] = tensor.New(s.DType, s.Shape...)
		b := outs[i].Bytes()
		for j := range b {
			b[j] = 0xA5
		}
	}
	return specs, outs
}

// TestPlannedMatchesKernel runs every planned form into outputs full of
// garbage and compares with the allocating kernel: Run must write every
// output element, and Infer must report the kernel's types and shapes.
func TestPlannedMatchesKernel(t *testing.T) {
	for _, c := range append(plannedGlueCases(), canonicalCase(t)) {
		impl := bindML(t, c)
		want, err := impl.Tensor(c.inputs)
		if err != nil {
			t.Fatalf("%s: kernel: %v", c.name, err)
		}
		_, outs := plannedOuts(t, impl.Planned, c)
		if err := impl.Planned.Run(c.inputs, outs); err != nil {
			t.Fatalf("%s: run: %v", c.name, err)
		}
		for i, o := range outs {
			w := want[i]
			same := o.DType() == w.DType() && o.Shape().Equal(w.Shape())
			if same && o.DType() == tensor.String {
				for j, s := range o.Strings() {
					same = same && s == w.Strings()[j]
				}
			} else if same {
				same = string(o.Bytes()) == string(w.Bytes())
			}
			if !same {
				t.Errorf("%s output %d: planned %v %v, kernel %v %v", c.name, i, o, values(o), w, values(w))
			}
		}
	}
}

// TestPlannedNoAllocs checks that the planned forms infer and run into
// preallocated outputs without allocating once warm (string outputs
// aside: their elements are new strings).
func TestPlannedNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	for _, c := range append(plannedGlueCases(), canonicalCase(t)) {
		impl := bindML(t, c)
		p := impl.Planned
		specs, outs := plannedOuts(t, p, c)
		stringOut := false
		for _, o := range outs {
			stringOut = stringOut || o.DType() == tensor.String
		}
		if stringOut {
			continue
		}
		step := func() {
			if err := p.Infer(c.inputs, specs); err != nil {
				t.Fatalf("%s: infer: %v", c.name, err)
			}
			if err := p.Run(c.inputs, outs); err != nil {
				t.Fatalf("%s: run: %v", c.name, err)
			}
		}
		step()
		var before, after goruntime.MemStats
		goruntime.ReadMemStats(&before)
		for range 20 {
			step()
		}
		goruntime.ReadMemStats(&after)
		if n := after.Mallocs - before.Mallocs; n > 0 {
			t.Errorf("%s: %d allocations in 20 steady-state runs, want 0", c.name, n)
		}
	}
}
