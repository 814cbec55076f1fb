// Package onnxml exports Sinter's canonical tree ensembles (ir/ensemble) as
// standard ONNX-ML models: ai.onnx.ml TreeEnsembleRegressor or
// TreeEnsembleClassifier (opset 3) plus a few standard ONNX nodes (opset
// 17), so that ONNX Runtime and other ONNX consumers can run models Sinter
// loaded from LightGBM, XGBoost or scikit-learn. formats/onnx.Encode writes
// the result.
//
// # What is exact
//
// Every numeric split is rewritten as a chain of BRANCH_LEQ tests on values
// the input can actually take (float32 or float64), derived from the
// canonical node's own decision rule, so the tree decisions are exactly the
// ensemble's, whatever its missing-value rule:
//
//   - LT/LE/GT/GE/EQ/NE splits become one BRANCH_LEQ node (two or three for
//     EQ/NE), NaN routed with missing_value_tracks_true where needed;
//   - LightGBM's "zero as missing" (NaN and |x| ≤ 1e-35 go to the default
//     side) and "NaN as zero" are resolved into extra range tests; where a
//     destination is reached from two tests its subtree is copied (ONNX-ML
//     trees cannot share nodes);
//   - categorical bitset splits test a membership column computed before the
//     tree node: per feature, the category (trunc(x), clamped; modulo 256
//     under CatUint8Wrap) selects a row of a 0/1 table (Gather), NaN marks
//     values the split's missing rule applies to (Where); value lists become
//     one range test per value.
//
// The tree node compares in float32 (float thresholds and leaf weights,
// float32 input) when the ensemble compares and accumulates in float32
// (XGBoost, ONNX); otherwise it runs on float64 input with double
// thresholds and weights (nodes_values_as_tensor, target_weights_as_tensor):
// LightGBM exactly, and scikit-learn's float32-input comparisons by casting
// the input to float32 and back first. Tree weights are folded into leaf
// weights (rounded as the ensemble rounds them), base scores that the
// ensemble adds first (XGBoost) become a first single-leaf tree. Trees are
// summed in order as the ensemble does.
//
// # What is approximate
//
// TreeEnsembleRegressor/Classifier v3 always output float32: margins are
// rounded to float32 (a Cast restores a float64 output type), and post
// transforms run in float32 in ONNX Runtime. Output transforms without an
// ONNX-ML equivalent are standard nodes after the tree node: Exp (Poisson,
// Gamma, Tweedie), Softplus (cross_entropy_lambda), Sigmoid after a Mul for
// LightGBM's sigmoid:k, x·|x| for reg_sqrt, Greater+Cast for binary:hinge.
// An Average whose targets are fed by different numbers of trees (LightGBM
// multiclass random forests) is a sum followed by a Div (one float32
// rounding more than the ensemble on the float64 path).
//
// ONNX Runtime 1.30's TreeEnsembleRegressor with n_targets = 1 keeps only
// the first vote of each leaf and ignores the LOGISTIC and SOFTMAX
// transforms; exported regressors therefore use standard nodes for
// transforms, and a one-target ensemble whose leaves hold several (or no)
// votes runs with a second, empty target that a Gather drops. Binary
// classifiers get a never-reached negative vote so that ONNX Runtime
// applies LOGISTIC (with only non-negative weights it treats scores as
// probabilities). testdata/ort/RESULTS.md records the check against ONNX
// Runtime.
//
// # What fails
//
// Linear leaves, leaf-index outputs, classifiers whose transform ONNX
// Runtime's classifier cannot reproduce (other than a binary logistic or a
// multi-class NONE/LOGISTIC/SOFTMAX/SOFTMAX_ZERO), base scores added first
// with a non-sum aggregation, float64 comparisons with float32 accumulation
// and categorical splits naming categories ≥ 2²⁴ under float32 comparisons
// return an error naming the tree and node or feature.
package onnxml

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ir/ensemble"
	"github.com/sinter-ml/sinter/tensor"
)

// Opset versions of the exported models.
const (
	MLOpset      = 3
	DefaultOpset = 17
	IRVersion    = 8
)

// ErrUnsupported is wrapped by errors about ensembles ONNX-ML cannot express.
var ErrUnsupported = errors.New("onnxml: not expressible in ONNX-ML")

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnsupported, fmt.Sprintf(format, args...))
}

// TensorProto data types used by Cast.
const (
	dtFloat  = 1
	dtInt64  = 7
	dtDouble = 11
)

// Export converts m, whose graph nodes are canonical "sinter.ml"
// TreeEnsemble nodes (format loaders produce one, LightGBM random forests
// with a raw-score output two) and possibly standard ONNX nodes, into a
// standard ONNX-ML model with the same inputs and outputs. m is not
// modified.
func Export(m *ir.Model) (*ir.Model, error) {
	if m == nil || m.Graph == nil {
		return nil, fmt.Errorf("onnxml: nil model")
	}
	g := m.Graph
	types := map[string]tensor.DType{}
	for _, in := range g.Inputs {
		if in.Type != nil && in.Type.Kind == ir.KindTensor {
			types[in.Name] = in.Type.Elem
		}
	}
	x := &exporter{}
	out := &ir.Graph{Name: g.Name, Doc: g.Doc, Inputs: g.Inputs, Outputs: g.Outputs, Initializers: g.Initializers}
	for i, n := range g.Nodes {
		if n.Domain != ensemble.Domain || n.OpType != ensemble.OpType {
			if n.Domain != ir.DefaultDomain && n.Domain != ir.MLDomain {
				return nil, unsupported("node %s is in domain %q", n.Label(), n.Domain)
			}
			x.nodes = append(x.nodes, n)
			continue
		}
		e, err := ensemble.FromNode(n)
		if err != nil {
			return nil, fmt.Errorf("onnxml: %s: %w", n.Label(), err)
		}
		it, ok := types[n.Inputs[0]]
		if !ok {
			it = tensor.Float32
		}
		x.prefix = fmt.Sprintf("%s_%d_", nameOr(n.Name, "ensemble"), i)
		if err := x.ensemble(e, n.Inputs[0], it, n.Outputs); err != nil {
			return nil, fmt.Errorf("onnxml: %s: %w", n.Label(), err)
		}
	}
	out.Nodes = x.nodes
	out.Initializers = append(slices.Clip(out.Initializers), x.inits...)
	r := &ir.Model{IRVersion: IRVersion, ProducerName: "sinter", ProducerVersion: m.ProducerVersion,
		Domain: m.Domain, ModelVersion: m.ModelVersion, Doc: m.Doc,
		Opsets:   map[string]int64{ir.DefaultDomain: DefaultOpset, ir.MLDomain: MLOpset},
		Metadata: append([]ir.KeyValue{{Key: "sinter.exported_from", Value: m.ProducerName}}, m.Metadata...),
		Graph:    out}
	if m.ProducerName != "" {
		r.ProducerName = "sinter (from " + m.ProducerName + ")"
	}
	return r, nil
}

// ExportEnsemble exports e as a model with one input "X" of type inputType
// (Float32 or Float64; Undefined means Float32) and the canonical node's
// default outputs ("Y"; or "label", "probabilities" for classifiers).
func ExportEnsemble(e *ensemble.Ensemble, inputType tensor.DType) (*ir.Model, error) {
	m, err := ensemble.Model(e, ensemble.ModelOptions{InputType: inputType})
	if err != nil {
		return nil, err
	}
	return Export(m)
}

func nameOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

type exporter struct {
	nodes  []*ir.Node
	inits  []*ir.Initializer
	prefix string
	seq    int
}

func (x *exporter) tmp(what string) string {
	x.seq++
	return fmt.Sprintf("%s%s_%d", x.prefix, what, x.seq)
}

func (x *exporter) node(op, domain string, inputs, outputs []string, attrs ...*ir.Attribute) *ir.Node {
	n := &ir.Node{Name: x.tmp(op), OpType: op, Domain: domain, Inputs: inputs, Outputs: outputs, Attrs: attrs}
	x.nodes = append(x.nodes, n)
	return n
}

// op adds a standard node with one output and returns the output's name.
func (x *exporter) op(op string, inputs []string, attrs ...*ir.Attribute) string {
	y := x.tmp(op)
	x.node(op, ir.DefaultDomain, inputs, []string{y}, attrs...)
	return y
}

func (x *exporter) constant(t *tensor.Tensor) string {
	name := x.tmp("const")
	x.inits = append(x.inits, &ir.Initializer{Name: name, Tensor: t})
	return name
}

func (x *exporter) cast(in string, to int64) string {
	return x.op("Cast", []string{in}, intAttr("to", to))
}

func intAttr(name string, v int64) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrInt, I: v}
}
func intsAttr(name string, v []int64) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrInts, Ints: v}
}
func strAttr(name, v string) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrString, S: []byte(v)}
}
func stringsAttr(name string, v []string) *ir.Attribute {
	b := make([][]byte, len(v))
	for i, s := range v {
		b[i] = []byte(s)
	}
	return &ir.Attribute{Name: name, Type: ir.AttrStrings, Strings: b}
}

// floatsAttr writes name as FLOATS, or as name+"_as_tensor" (double) when double.
func floatsAttr(name string, v []float64, double bool) *ir.Attribute {
	if double {
		return &ir.Attribute{Name: name + "_as_tensor", Type: ir.AttrTensor, T: tensor.From(append([]float64(nil), v...), len(v))}
	}
	f := make([]float32, len(v))
	for i, x := range v {
		f[i] = float32(x)
	}
	return &ir.Attribute{Name: name, Type: ir.AttrFloats, Floats: f}
}

// ensemble emits the nodes computing e's outputs (canonical order) from input.
func (x *exporter) ensemble(e *ensemble.Ensemble, input string, inType tensor.DType, outputs []string) error {
	cls := e.Classes != nil
	has := func(i int) bool { return i < len(outputs) && outputs[i] != "" }
	var yName, marginName, labelName, probaName string
	if cls {
		labelName, probaName = outName(outputs, ensemble.ClsLabel), outName(outputs, ensemble.ClsProba)
		marginName = outName(outputs, ensemble.ClsMargin)
		if has(ensemble.ClsLeaves) {
			return unsupported("leaf-index outputs (ONNX-ML tree ensembles have none)")
		}
	} else {
		yName, marginName = outName(outputs, ensemble.RegY), outName(outputs, ensemble.RegMargin)
		if has(ensemble.RegLeaves) {
			return unsupported("leaf-index outputs (ONNX-ML tree ensembles have none)")
		}
	}
	double := !(e.Precision == ensemble.Float32 && e.Accumulate == ensemble.AccumFloat32)
	if double && e.Accumulate == ensemble.AccumFloat32 {
		return unsupported("float64 comparisons with float32 accumulation")
	}
	// Input: float32 for the float path; float64 (rounded through float32
	// first unless the ensemble compares in float64) for the double path.
	x0 := input
	switch {
	case !double:
		if inType != tensor.Float32 {
			x0 = x.cast(x0, dtFloat)
		}
	case e.Precision == ensemble.Float64:
		if inType != tensor.Float64 {
			x0 = x.cast(x0, dtDouble)
		}
	default:
		if inType != tensor.Float32 {
			x0 = x.cast(x0, dtFloat)
		}
		x0 = x.cast(x0, dtDouble)
	}
	x0, synth, err := x.categorical(e, x0, double)
	if err != nil {
		return err
	}
	t, err := buildTrees(e, double, synth)
	if err != nil {
		return err
	}
	k := e.NumTargets
	// Aggregation and base values.
	agg := [...]string{"SUM", "AVERAGE", "MIN", "MAX"}[e.Aggregate]
	var div []float64
	base := e.BaseValues
	if e.BaseFirst && base != nil {
		if e.Aggregate != ensemble.Sum && !allZero(base) {
			return unsupported("base scores added before a %s aggregation", agg)
		}
		if e.Aggregate == ensemble.Sum {
			t.prependConst(base, !double)
		}
		base = nil
	}
	if e.Aggregate == ensemble.Average {
		counts := e.TreesPerTarget()
		for _, c := range counts {
			if c != len(e.Trees) {
				agg, div = "SUM", make([]float64, k)
				for j, c := range counts {
					div[j] = float64(max(c, 1))
				}
				break
			}
		}
	}
	post := e.Post
	scale := e.Scale()
	if cls {
		return x.classifier(e, t, x0, double, agg, div, base, labelName, probaName, marginName)
	}
	// Regressor: the tree node gives the margin (float32) when a margin is
	// wanted or the transform needs standard nodes.
	// ONNX Runtime applies the post_transform attribute of a one-target
	// regressor only for PROBIT (LOGISTIC and SOFTMAX are ignored there), so
	// transforms with a standard operator use it instead.
	attrPost := "NONE"
	switch post {
	case ensemble.SoftmaxZero, ensemble.Probit:
		if marginName != "" || div != nil {
			return unsupported("%v transform together with a margin output or an uneven average", post)
		}
		if (post == ensemble.Probit) != (k == 1) {
			return unsupported("%v transform with %d targets", post, k)
		}
		attrPost, post = [...]string{ensemble.SoftmaxZero: "SOFTMAX_ZERO", ensemble.Probit: "PROBIT"}[post], ensemble.None
	}
	b := base
	if div != nil {
		b = nil
	}
	m, err := x.regressor(t, x0, double, k, agg, attrPost, b)
	if err != nil {
		return err
	}
	if div != nil {
		m = x.op("Div", []string{m, x.constant(f32Tensor(div, 1, k))})
		if base != nil {
			m = x.op("Add", []string{m, x.constant(f32Tensor(base, 1, k))})
		}
	}
	outType := int64(dtFloat)
	if e.OutputType == ensemble.OutFloat64 {
		outType = dtDouble
	}
	if marginName != "" {
		x.finish(m, marginName, outType)
	}
	if yName != "" {
		y, err := x.transform(m, post, scale)
		if err != nil {
			return err
		}
		x.finish(y, yName, outType)
	}
	return nil
}

// regressor emits a TreeEnsembleRegressor over t and returns its [N, k]
// output. ONNX Runtime keeps only one vote per leaf when n_targets is 1, so
// a one-target ensemble with leaves of several (or no) votes runs with a
// second, empty target whose column is then dropped.
func (x *exporter) regressor(t *trees, x0 string, double bool, k int, agg, post string, base []float64) (string, error) {
	kk := k
	if k == 1 && !t.singleVotes() {
		if post != "NONE" {
			return "", unsupported("%s transform on one target whose leaves hold several votes", post)
		}
		kk = 2
		if base != nil {
			base = append(slices.Clip(base), 0)
		}
	}
	attrs := t.attrs("target", double)
	attrs = append(attrs, intAttr("n_targets", int64(kk)), strAttr("aggregate_function", agg), strAttr("post_transform", post))
	if base != nil {
		attrs = append(attrs, floatsAttr("base_values", base, double))
	}
	raw := x.tmp("raw")
	x.node("TreeEnsembleRegressor", ir.MLDomain, []string{x0}, []string{raw}, attrs...)
	if kk != k {
		raw = x.op("Gather", []string{raw, x.constant(tensor.From([]int64{0}, 1))}, intAttr("axis", 1))
	}
	return raw, nil
}

// singleVotes reports whether every leaf holds exactly one vote.
func (t *trees) singleVotes() bool {
	type key struct{ tree, node int64 }
	votes := map[key]int{}
	for i := range t.vTree {
		votes[key{t.vTree[i], t.vNode[i]}]++
	}
	for i, m := range t.modes {
		if m == "LEAF" && votes[key{t.treeIDs[i], t.nodeIDs[i]}] != 1 {
			return false
		}
	}
	return true
}

func outName(outputs []string, i int) string {
	if i < len(outputs) {
		return outputs[i]
	}
	return ""
}

func allZero(v []float64) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

func f32Tensor(v []float64, shape ...int) *tensor.Tensor {
	f := make([]float32, len(v))
	for i, x := range v {
		f[i] = float32(x)
	}
	return tensor.From(f, shape...)
}

// finish names value v as the graph value name, cast to dt (float32 values).
func (x *exporter) finish(v, name string, dt int64) {
	if dt == dtFloat {
		x.node("Identity", ir.DefaultDomain, []string{v}, []string{name})
		return
	}
	x.node("Cast", ir.DefaultDomain, []string{v}, []string{name}, intAttr("to", dt))
}

// transform applies p to float32 margins m with standard nodes.
func (x *exporter) transform(m string, p ensemble.Post, scale float64) (string, error) {
	switch p {
	case ensemble.None:
		return m, nil
	case ensemble.Logistic:
		if scale != 1 {
			m = x.op("Mul", []string{m, x.constant(tensor.Scalar(float32(scale)))})
		}
		return x.op("Sigmoid", []string{m}), nil
	case ensemble.Softmax:
		return x.op("Softmax", []string{m}, intAttr("axis", -1)), nil
	case ensemble.Exp:
		return x.op("Exp", []string{m}), nil
	case ensemble.Softplus:
		return x.op("Softplus", []string{m}), nil
	case ensemble.Step:
		zero := x.constant(tensor.Scalar(float32(0)))
		return x.cast(x.op("Greater", []string{m, zero}), dtFloat), nil
	case ensemble.SignSquare:
		return x.op("Mul", []string{m, x.op("Abs", []string{m})}), nil
	}
	return "", unsupported("%v transform after a margin output", p)
}

// classifier emits a TreeEnsembleClassifier.
func (x *exporter) classifier(e *ensemble.Ensemble, t *trees, x0 string, double bool, agg string, div, base []float64,
	labelName, probaName, marginName string) error {
	if agg != "SUM" || div != nil {
		return unsupported("classifier with %s aggregation (TreeEnsembleClassifier sums)", agg)
	}
	k := e.NumTargets
	if marginName != "" {
		// The margin comes from a regressor over the same trees.
		m, err := x.regressor(t, x0, double, k, "SUM", "NONE", base)
		if err != nil {
			return err
		}
		outType := int64(dtFloat)
		if e.OutputType == ensemble.OutFloat64 {
			outType = dtDouble
		}
		x.finish(m, marginName, outType)
	}
	var post string
	switch {
	case k == 1 && e.Post == ensemble.Logistic && e.Scale() == 1:
		// Binary: every vote for class 0, base scores as a last tree, and
		// a negative weight somewhere so that ONNX Runtime applies the
		// logistic (with only non-negative weights it takes the score for
		// a probability).
		post = "LOGISTIC"
		if base != nil {
			t.appendConst(base, !double)
			base = nil
		}
		t.ensureNegative()
	case k > 1 && (e.Post == ensemble.None || e.Post == ensemble.Softmax || e.Post == ensemble.SoftmaxZero ||
		(e.Post == ensemble.Logistic && e.Scale() == 1)):
		post = map[ensemble.Post]string{ensemble.None: "NONE", ensemble.Softmax: "SOFTMAX",
			ensemble.SoftmaxZero: "SOFTMAX_ZERO", ensemble.Logistic: "LOGISTIC"}[e.Post]
	default:
		return unsupported("classifier with %d target(s) and transform %v (scale %v)", k, e.Post, e.Scale())
	}
	attrs := t.attrs("class", double)
	attrs = append(attrs, strAttr("post_transform", post))
	if base != nil {
		attrs = append(attrs, floatsAttr("base_values", base, double))
	}
	if e.Classes.Strings != nil {
		attrs = append(attrs, stringsAttr("classlabels_strings", e.Classes.Strings))
	} else {
		attrs = append(attrs, intsAttr("classlabels_int64s", e.Classes.Int64))
	}
	label, proba := labelName, probaName
	if label == "" {
		label = x.tmp("label")
	}
	if proba == "" {
		proba = x.tmp("probabilities")
	}
	outs := []string{label, proba}
	if e.OutputType == ensemble.OutFloat64 && probaName != "" {
		outs[1] = x.tmp("probabilities32")
	}
	x.node("TreeEnsembleClassifier", ir.MLDomain, []string{x0}, outs, attrs...)
	if outs[1] != proba {
		x.node("Cast", ir.DefaultDomain, []string{outs[1]}, []string{proba}, intAttr("to", dtDouble))
	}
	return nil
}

// trees is the node and vote tables of a tree ensemble node.
type trees struct {
	treeIDs, nodeIDs, feats, trueIDs, falseIDs, tracks []int64
	modes                                              []string
	values                                             []float64
	vTree, vNode, vTarget                              []int64
	vWeight                                            []float64
	n                                                  int64 // trees so far
}

func (t *trees) attrs(prefix string, double bool) []*ir.Attribute {
	a := []*ir.Attribute{
		intsAttr("nodes_treeids", t.treeIDs), intsAttr("nodes_nodeids", t.nodeIDs),
		intsAttr("nodes_featureids", t.feats), stringsAttr("nodes_modes", t.modes),
		floatsAttr("nodes_values", t.values, double),
		intsAttr("nodes_truenodeids", t.trueIDs), intsAttr("nodes_falsenodeids", t.falseIDs),
		intsAttr(prefix+"_treeids", t.vTree), intsAttr(prefix+"_nodeids", t.vNode),
		intsAttr(prefix+"_ids", t.vTarget), floatsAttr(prefix+"_weights", t.vWeight, double),
	}
	if slices.Contains(t.tracks, 1) {
		a = append(a, intsAttr("nodes_missing_value_tracks_true", t.tracks))
	}
	return a
}

// addNode appends a node of tree tree and returns its id.
func (t *trees) addNode(tree int64, mode string, feat int64, value float64) int64 {
	id := int64(0)
	if n := len(t.treeIDs); n > 0 && t.treeIDs[n-1] == tree {
		id = t.nodeIDs[n-1] + 1
	}
	t.treeIDs = append(t.treeIDs, tree)
	t.nodeIDs = append(t.nodeIDs, id)
	t.feats = append(t.feats, feat)
	t.modes = append(t.modes, mode)
	t.values = append(t.values, value)
	t.trueIDs = append(t.trueIDs, 0)
	t.falseIDs = append(t.falseIDs, 0)
	t.tracks = append(t.tracks, 0)
	return id
}

// constTree adds a single-leaf tree voting v[j] for target j.
func (t *trees) constTree(v []float64, f32 bool) {
	tree := t.n
	t.n++
	id := t.addNode(tree, "LEAF", 0, 0)
	for j, b := range v {
		if f32 {
			b = float64(float32(b))
		}
		t.vote(tree, id, int64(j), b)
	}
}

func (t *trees) vote(tree, node, target int64, w float64) {
	t.vTree = append(t.vTree, tree)
	t.vNode = append(t.vNode, node)
	t.vTarget = append(t.vTarget, target)
	t.vWeight = append(t.vWeight, w)
}

// prependConst makes a single-leaf tree voting v the first tree.
func (t *trees) prependConst(v []float64, f32 bool) {
	var c trees
	c.constTree(v, f32)
	for i := range t.treeIDs {
		t.treeIDs[i]++
	}
	for i := range t.vTree {
		t.vTree[i]++
	}
	t.treeIDs = append(c.treeIDs, t.treeIDs...)
	t.nodeIDs = append(c.nodeIDs, t.nodeIDs...)
	t.feats = append(c.feats, t.feats...)
	t.modes = append(c.modes, t.modes...)
	t.values = append(c.values, t.values...)
	t.trueIDs = append(c.trueIDs, t.trueIDs...)
	t.falseIDs = append(c.falseIDs, t.falseIDs...)
	t.tracks = append(c.tracks, t.tracks...)
	t.vTree = append(c.vTree, t.vTree...)
	t.vNode = append(c.vNode, t.vNode...)
	t.vTarget = append(c.vTarget, t.vTarget...)
	t.vWeight = append(c.vWeight, t.vWeight...)
	t.n++
}

func (t *trees) appendConst(v []float64, f32 bool) { t.constTree(v, f32) }

// ensureNegative adds, if no vote weight is negative, a tree whose
// unreachable branch votes −1: x ≤ +Inf or NaN always takes the true
// branch, a leaf without votes.
func (t *trees) ensureNegative() {
	for _, w := range t.vWeight {
		if w < 0 {
			return
		}
	}
	tree := t.n
	t.n++
	root := t.addNode(tree, "BRANCH_LEQ", 0, math.Inf(1))
	yes := t.addNode(tree, "LEAF", 0, 0)
	no := t.addNode(tree, "LEAF", 0, 0)
	i := len(t.treeIDs) - 3
	t.trueIDs[i], t.falseIDs[i], t.tracks[i] = yes, no, 1
	_ = root
	t.vote(tree, no, 0, -1)
}

// buildTrees converts every tree of e.
func buildTrees(e *ensemble.Ensemble, double bool, synth map[*ensemble.Node]int64) (*trees, error) {
	t := &trees{}
	for ti := range e.Trees {
		w := 1.0
		if e.TreeWeights != nil {
			w = e.TreeWeights[ti]
		}
		tb := treeBuilder{e: e, t: t, tree: t.n, src: &e.Trees[ti], w: w, f32: !double, ti: ti, synth: synth}
		if _, err := tb.emit(0); err != nil {
			return nil, err
		}
		t.n++
	}
	return t, nil
}

type treeBuilder struct {
	e    *ensemble.Ensemble
	t    *trees
	tree int64
	src  *ensemble.Tree
	w    float64
	f32  bool // float32 domain and weights
	ti   int
	// synth maps categorical nodes to their membership column.
	synth map[*ensemble.Node]int64
}

// weight is a leaf value times the tree weight, rounded as the ensemble's
// accumulator rounds it.
func (b *treeBuilder) weight(v float64) float64 {
	if b.e.Accumulate == ensemble.AccumFloat32 {
		v = float64(float32(v))
		if w := float64(float32(b.w)); w != 1 {
			v = float64(float32(w * v))
		}
		return v
	}
	if b.w != 1 {
		v = b.w * v
	}
	return v
}

// emit writes source node i and its subtree; it returns the id of its first node.
func (b *treeBuilder) emit(i int32) (int64, error) {
	nd := &b.src.Nodes[i]
	t := b.t
	if nd.Op == ensemble.Leaf {
		if len(nd.Linear) > 0 {
			return 0, unsupported("tree %d leaf %d has linear terms (LightGBM linear_tree)", b.ti, nd.ID)
		}
		id := t.addNode(b.tree, "LEAF", 0, 0)
		for _, lv := range nd.Leaf {
			t.vote(b.tree, id, int64(lv.Target), b.weight(lv.Value))
		}
		return id, nil
	}
	if col, ok := b.synth[nd]; ok {
		// Membership column: 1 member, 0 not, NaN where the node's
		// missing rule applies. z ≤ 0.5 → not a member (False).
		id := t.addNode(b.tree, "BRANCH_LEQ", col, 0.5)
		p := len(t.treeIDs) - 1
		if !b.e.DecideValue(nd, math.NaN()) {
			t.tracks[p] = 1
		}
		fid, err := b.emit(nd.False)
		if err != nil {
			return 0, err
		}
		tid, err := b.emit(nd.True)
		if err != nil {
			return 0, err
		}
		t.trueIDs[p], t.falseIDs[p] = fid, tid
		return id, nil
	}
	steps, last, err := b.chain(nd)
	if err != nil {
		return 0, err
	}
	first := len(t.treeIDs)
	var ids []int64
	for _, s := range steps {
		ids = append(ids, t.addNode(b.tree, "BRANCH_LEQ", int64(nd.Feature), s.hi))
	}
	if len(t.treeIDs) > maxNodes {
		return 0, unsupported("tree %d: more than %d nodes after expanding categorical and zero-as-missing splits (feature %d)", b.ti, maxNodes, nd.Feature)
	}
	// A destination reached from several steps gets a copy of its subtree
	// for each (ONNX-ML trees cannot share nodes).
	dest := func(d bool) (int64, error) {
		if d {
			return b.emit(nd.True)
		}
		return b.emit(nd.False)
	}
	for k, s := range steps {
		p := first + k
		id, err := dest(s.dest)
		if err != nil {
			return 0, err
		}
		t.trueIDs[p] = id
		if k+1 < len(steps) {
			t.falseIDs[p] = ids[k+1]
		} else if t.falseIDs[p], err = dest(last); err != nil {
			return 0, err
		}
		if s.tracks {
			t.tracks[p] = 1
		}
	}
	return ids[0], nil
}

// maxNodes bounds the exported node count.
const maxNodes = 1 << 24

// step is one test of a chain: x ≤ hi goes to dest (true: the source
// node's True child), otherwise on to the next step.
type step struct {
	hi     float64
	dest   bool
	tracks bool
}

// chain turns split nd into BRANCH_LEQ steps on the values the input can
// take, from the ensemble's own decision rule; last is where values above
// the last step go.
func (b *treeBuilder) chain(nd *ensemble.Node) ([]step, bool, error) {
	e := b.e
	var cands []float64
	add := func(v float64) {
		if b.f32 {
			// The float32 values on both sides of v.
			cands = append(cands, float64(down32(v)), float64(up32(v)))
			return
		}
		cands = append(cands, v)
	}
	thr := func(v float64) float64 {
		if e.Precision == ensemble.Float32 {
			return float64(float32(v))
		}
		return v
	}
	switch nd.Op {
	case ensemble.InSet:
		add(-1)
		add(0)
		add(1)
		for w, bits := range nd.Cats {
			for bit := 0; bits != 0; bit++ {
				if bits&1 != 0 {
					c := float64(w*32 + bit)
					if b.f32 && c+1 > 1<<24 {
						return nil, false, unsupported("tree %d: feature %d: category %v ≥ 2²⁴ in a float32 model", b.ti, nd.Feature, c)
					}
					add(c)
					add(c + 1)
				}
				bits >>= 1
			}
		}
	case ensemble.InValues:
		for _, v := range nd.Values {
			add(thr(v))
		}
	default:
		add(thr(nd.Threshold))
	}
	if nd.Missing == ensemble.MissingZero {
		add(-ensemble.ZeroThreshold)
		add(0)
		add(ensemble.ZeroThreshold)
	}
	cands = append(cands, math.Inf(-1), math.Inf(1))
	sort.Float64s(cands)
	cands = slices.Compact(cands)
	decide := func(v float64) bool { return e.DecideValue(nd, v) }
	next := func(v float64) float64 {
		if b.f32 {
			return float64(math.Nextafter32(float32(v), float32(math.Inf(1))))
		}
		return math.Nextafter(v, math.Inf(1))
	}
	prev := func(v float64) float64 {
		if b.f32 {
			return float64(math.Nextafter32(float32(v), float32(math.Inf(-1))))
		}
		return math.Nextafter(v, math.Inf(-1))
	}
	// Pieces: each candidate point, and the gap up to the next candidate;
	// the decision is constant on each gap. Runs merge equal neighbours.
	type run struct {
		hi   float64
		dest bool
	}
	var runs []run
	push := func(hi float64, d bool) {
		if n := len(runs); n > 0 && runs[n-1].dest == d {
			runs[n-1].hi = hi
			return
		}
		runs = append(runs, run{hi, d})
	}
	for i, c := range cands {
		push(c, decide(c))
		if i+1 < len(cands) {
			if lo, hi := next(c), prev(cands[i+1]); lo <= hi {
				push(hi, decide(lo))
			}
		}
	}
	nan := decide(math.NaN())
	if len(runs) == 1 {
		d := runs[0].dest
		return []step{{hi: math.Inf(1), dest: d, tracks: nan == d}}, !d, nil
	}
	steps := make([]step, len(runs)-1)
	for k := range steps {
		steps[k] = step{hi: runs[k].hi, dest: runs[k].dest}
	}
	last := runs[len(runs)-1].dest
	if nan != last {
		for k := range steps {
			if steps[k].dest == nan {
				steps[k].tracks = true
				break
			}
		}
	}
	return steps, last, nil
}

// up32 is the smallest float32 ≥ t; down32 the largest float32 ≤ t.
func up32(t float64) float32 {
	f := float32(t)
	if float64(f) < t {
		return math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

func down32(t float64) float32 {
	f := float32(t)
	if float64(f) > t {
		return math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

// categorical adds a membership column per categorical (bitset) split to
// the tree input x0 ([N, NumFeatures]): for each feature, the category
// index clamp(trunc(x)) selects a row of a 0/1 table with one column per
// split on that feature (Gather), and NaN marks the values the split's
// missing rule applies to (NaN; |x| ≤ 1e-35 for zero-as-missing; negative
// values when negative categories count as missing). It returns the new tree
// input and the column of each categorical node.
func (x *exporter) categorical(e *ensemble.Ensemble, x0 string, double bool) (string, map[*ensemble.Node]int64, error) {
	type group struct {
		feat   int32
		band   bool
		nodes  []*ensemble.Node
		maxCat int
	}
	var groups []*group
	index := map[[2]int32]*group{}
	for ti := range e.Trees {
		for ni := range e.Trees[ti].Nodes {
			nd := &e.Trees[ti].Nodes[ni]
			if nd.Op != ensemble.InSet {
				continue
			}
			band := nd.Missing == ensemble.MissingZero
			key := [2]int32{nd.Feature, 0}
			if band {
				key[1] = 1
			}
			g := index[key]
			if g == nil {
				g = &group{feat: nd.Feature, band: band}
				index[key] = g
				groups = append(groups, g)
			}
			g.nodes = append(g.nodes, nd)
			for w := len(nd.Cats) - 1; w >= 0; w-- {
				if nd.Cats[w] != 0 {
					g.maxCat = max(g.maxCat, w*32+31-bitsLeading(nd.Cats[w]))
					break
				}
			}
		}
	}
	if len(groups) == 0 {
		return x0, nil, nil
	}
	dt := tensor.Float32
	if double {
		dt = tensor.Float64
	}
	scalar := func(v float64) string {
		if double {
			return x.constant(tensor.Scalar(v))
		}
		return x.constant(tensor.Scalar(float32(v)))
	}
	synth := map[*ensemble.Node]int64{}
	col := int64(e.NumFeatures)
	cols := []string{x0}
	for _, g := range groups {
		if !double && g.maxCat+2 > 1<<24 {
			return "", nil, unsupported("feature %d: category %d ≥ 2²⁴ in a float32 model", g.feat, g.maxCat)
		}
		rows, n := g.maxCat+3, len(g.nodes)
		if rows*n > 1<<24 {
			return "", nil, unsupported("feature %d: membership table of %d×%d", g.feat, rows, n)
		}
		table := tensor.New(dt, rows, n)
		for j, nd := range g.nodes {
			synth[nd] = col
			col++
			for c := 0; c <= g.maxCat; c++ {
				if ensemble.HasBit(nd.Cats, int64(c)) {
					if double {
						table.Float64s()[(c+1)*n+j] = 1
					} else {
						table.Float32s()[(c+1)*n+j] = 1
					}
				}
			}
		}
		v := x.op("Gather", []string{x0, x.constant(tensor.Scalar(int64(g.feat)))}, intAttr("axis", 1))            // [N]
		v1 := x.op("Gather", []string{x0, x.constant(tensor.From([]int64{int64(g.feat)}, 1))}, intAttr("axis", 1)) // [N, 1]
		var u string                                                                                               // row of the table: category + 1, 0 below range, maxCat+2 above
		switch e.Categories {
		case ensemble.CatUint8Wrap:
			// c = trunc(v) mod 256 for 0 ≤ v < 2⁶³, 0 above; negatives and
			// NaN are masked below (0 keeps the index valid).
			w := x.op("Where", []string{x.op("GreaterOrEqual", []string{v, scalar(0)}), v, scalar(0)})
			c := x.op("Mod", []string{x.op("Floor", []string{w}), scalar(256)}, intAttr("fmod", 1))
			c = x.op("Where", []string{x.op("GreaterOrEqual", []string{w, scalar(1 << 63)}), scalar(0), c})
			u = x.op("Add", []string{x.op("Min", []string{c, scalar(float64(g.maxCat + 1))}), scalar(1)})
		case ensemble.CatTruncate:
			minus1 := scalar(-1)
			w := x.op("Where", []string{x.op("Greater", []string{v, minus1}), x.op("Max", []string{v, scalar(0)}), minus1})
			u = x.op("Add", []string{x.op("Floor", []string{x.op("Min", []string{w, scalar(float64(g.maxCat + 1))})}), scalar(1)})
		default:
			w := x.op("Where", []string{x.op("GreaterOrEqual", []string{v, scalar(0)}), v, scalar(-1)})
			u = x.op("Add", []string{x.op("Floor", []string{x.op("Min", []string{w, scalar(float64(g.maxCat + 1))})}), scalar(1)})
		}
		member := x.op("Gather", []string{x.constant(table), x.cast(u, dtInt64)}, intAttr("axis", 0)) // [N, n]
		mask := x.op("IsNaN", []string{v1})
		if g.band {
			mask = x.op("Or", []string{mask, x.op("LessOrEqual", []string{x.op("Abs", []string{v1}), scalar(ensemble.ZeroThreshold)})})
		}
		if e.Categories == ensemble.CatNegativeMissing || e.Categories == ensemble.CatUint8Wrap {
			mask = x.op("Or", []string{mask, x.op("Less", []string{v1, scalar(0)})})
		}
		cols = append(cols, x.op("Where", []string{mask, scalar(math.NaN()), member}))
	}
	return x.op("Concat", cols, intAttr("axis", 1)), synth, nil
}

func bitsLeading(w uint32) int { return bits.LeadingZeros32(w) }
