package lightgbm

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// writeModel assembles a model file the way LightGBM 4 lays it out
// (header, tree_sizes computed from the blocks, "end of trees",
// feature_importances, parameters). header holds the lines between "tree"
// and tree_sizes; trees are the bodies of the Tree= blocks (from num_leaves
// through shrinkage, newline-terminated).
func writeModel(header string, trees ...string) string {
	blocks := make([]string, len(trees))
	sizes := make([]string, len(trees))
	for i, t := range trees {
		blocks[i] = "Tree=" + strconv.Itoa(i) + "\n" + t + "\n\n"
		sizes[i] = strconv.Itoa(len(blocks[i]))
	}
	return "tree\n" + header + "tree_sizes=" + strings.Join(sizes, " ") + "\n\n" +
		strings.Join(blocks, "") + "end of trees\n\nfeature_importances:\nf0=1\n\nparameters:\n[boosting: gbdt]\n[objective: x]\nend of parameters\n\npandas_categorical:null\n"
}

func header(objective string, numClass, features int, extra string) string {
	names := make([]string, features)
	infos := make([]string, features)
	for i := range names {
		names[i] = "f" + strconv.Itoa(i)
		infos[i] = "[-1:1]"
	}
	obj := ""
	if objective != "" {
		obj = "objective=" + objective + "\n"
	}
	return "version=v4\nnum_class=" + strconv.Itoa(numClass) + "\nnum_tree_per_iteration=" + strconv.Itoa(numClass) +
		"\nlabel_index=0\nmax_feature_idx=" + strconv.Itoa(features-1) + "\n" + obj + extra +
		"feature_names=" + strings.Join(names, " ") + "\nfeature_infos=" + strings.Join(infos, " ") + "\n"
}

// stump is a one-split numerical tree on feature f: x[f] <= thr → left.
func stump(f int, thr, left, right float64) string {
	return "num_leaves=2\nnum_cat=0\nsplit_feature=" + strconv.Itoa(f) + "\nsplit_gain=1\nthreshold=" + ftoa(thr) +
		"\ndecision_type=2\nleft_child=-1\nright_child=-2\nleaf_value=" + ftoa(left) + " " + ftoa(right) +
		"\nleaf_weight=1 1\nleaf_count=1 1\ninternal_value=0\ninternal_weight=0\ninternal_count=2\nis_linear=0\nshrinkage=1\n"
}

// singleLeaf is a tree with one leaf, as LightGBM 4 writes it.
func singleLeaf(v float64) string {
	return "num_leaves=1\nnum_cat=0\nsplit_feature=\nsplit_gain=\nthreshold=\ndecision_type=\nleft_child=\nright_child=\nleaf_value=" +
		ftoa(v) + "\nleaf_weight=\nleaf_count=\ninternal_value=\ninternal_weight=\ninternal_count=\nis_linear=0\nshrinkage=1\n"
}

// linearTree: x0 <= 0.5 → leaf 0 (value 1; 0.5 + 0.25·x0 − 2·x1),
// else leaf 1 (value 2; −1 + 3·x1). Features are listed per leaf with
// LightGBM's double-space separators.
const linearTree = "num_leaves=2\nnum_cat=0\nsplit_feature=0\nsplit_gain=1\nthreshold=0.5\ndecision_type=2\n" +
	"left_child=-1\nright_child=-2\nleaf_value=1 2\nleaf_weight=1 1\nleaf_count=1 1\ninternal_value=0\n" +
	"internal_weight=0\ninternal_count=2\nis_linear=1\nleaf_const=0.5 -1\nnum_features=2 1\n" +
	"leaf_features=0 1  1  \nleaf_coeff=0.25 -2  3  \nshrinkage=1\n"

// linearSingle is a one-leaf linear tree: 0.125 + 0.5·x2, value 7 on NaN.
const linearSingle = "num_leaves=1\nnum_cat=0\nsplit_feature=\nsplit_gain=\nthreshold=\ndecision_type=\nleft_child=\n" +
	"right_child=\nleaf_value=7\nleaf_weight=\nleaf_count=\ninternal_value=\ninternal_weight=\ninternal_count=\n" +
	"is_linear=1\nleaf_const=0.125\nnum_features=1\nleaf_features=2  \nleaf_coeff=0.5  \nshrinkage=1\n"

// evalModel parses src and returns the reference evaluator's prediction,
// LightGBM raw score and leaves for row x.
func evalModel(t *testing.T, src string, x []float64) (pred, raw []float64, leaves []int64, m *Model) {
	t.Helper()
	m, err := Parse([]byte(src))
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	e, err := m.Ensemble()
	if err != nil {
		t.Fatal(err)
	}
	re, err := m.toEnsemble(true)
	if err != nil {
		t.Fatal(err)
	}
	k := e.NumTargets
	pred, raw, leaves = make([]float64, k), make([]float64, k), make([]int64, len(e.Trees))
	e.Eval(x, nil, pred, leaves)
	re.Eval(x, raw, nil, nil)
	return pred, raw, leaves, m
}

func near(a, b float64) bool { return relErr(a, b) <= 1e-15 }

func TestLinearTrees(t *testing.T) {
	src := writeModel(header("regression", 1, 3, ""), linearTree, linearSingle)
	nan := math.NaN()
	cases := []struct {
		x    []float64
		want float64
		leaf int64
	}{
		{[]float64{0.2, 1, 4}, (0.5 + 0.25*0.2 + -2*1.0) + (0.125 + 0.5*4), 0},
		{[]float64{0.2, nan, 4}, 1 + (0.125 + 0.5*4), 0},
		// NaN in the split feature: missing type None makes it 0 → left,
		// and the linear model falls back to leaf_value.
		{[]float64{nan, 2, 4}, 1 + (0.125 + 0.5*4), 0},
		{[]float64{1, 2, nan}, (-1 + 3*2.0) + 7, 1},
		{[]float64{1, nan, 0}, 2 + 0.125, 1},
	}
	for _, c := range cases {
		pred, raw, leaves, m := evalModel(t, src, c.x)
		if !m.Trees[0].IsLinear || len(m.Trees[0].LeafFeatures[1]) != 1 || m.Trees[1].LeafCoeff[0][0] != 0.5 {
			t.Fatalf("linear fields: %+v", m.Trees[0])
		}
		if pred[0] != c.want || raw[0] != c.want || leaves[0] != c.leaf || leaves[1] != 0 {
			t.Errorf("x=%v: pred %v raw %v leaves %v, want %v leaf %d", c.x, pred[0], raw[0], leaves, c.want, c.leaf)
		}
	}
}

func TestSingleLeafTrees(t *testing.T) {
	src := writeModel(header("regression", 1, 2, ""), singleLeaf(0.25), stump(1, 0, -1, 1), singleLeaf(-0.5))
	pred, _, leaves, m := evalModel(t, src, []float64{0, 3})
	if m.Trees[0].NumLeaves != 1 || m.Trees[0].SplitFeature != nil || len(m.Trees[0].LeafValue) != 1 {
		t.Fatalf("tree 0: %+v", m.Trees[0])
	}
	if pred[0] != 0.25+1-0.5 || leaves[0] != 0 || leaves[1] != 1 || leaves[2] != 0 {
		t.Errorf("pred %v leaves %v", pred, leaves)
	}
}

// TestOlderFormats reads a v2-style file (no is_linear, no tree_sizes, no
// num_tree_per_iteration) and an unversioned one without decision_type.
func TestOlderFormats(t *testing.T) {
	v2 := "tree\nversion=v2\nnum_class=1\nlabel_index=0\nmax_feature_idx=1\nobjective=binary sigmoid:1\n" +
		"feature_names=a b\nfeature_infos=[0:1] [0:1]\n\nTree=0\nnum_leaves=2\nnum_cat=0\nsplit_feature=1\n" +
		"split_gain=3\nthreshold=0.5\ndecision_type=2\nleft_child=-1\nright_child=-2\nleaf_value=-1 1\n" +
		"leaf_count=5 5\ninternal_value=0\ninternal_count=10\nshrinkage=1\n\n\nend of trees\n\nfeature importances:\n"
	// "feature importances:" (old spelling) is not a section we know.
	if _, err := Parse([]byte(v2)); err == nil {
		t.Errorf("unknown trailer accepted")
	}
	v2 = strings.TrimSuffix(v2, "feature importances:\n")
	pred, _, _, m := evalModel(t, v2, []float64{0, 0.7})
	if m.Version != "v2" || m.NumTreePerIteration != 1 || m.Trees[0].IsLinear || m.TreeSizes != nil {
		t.Errorf("model %+v", m)
	}
	if !near(pred[0], 1/(1+math.Exp(-1))) {
		t.Errorf("pred %v", pred)
	}
	v1 := strings.Replace(strings.Replace(v2, "version=v2\n", "", 1), "decision_type=2\n", "", 1)
	_, raw, _, m := evalModel(t, v1, []float64{0, math.NaN()})
	if m.Version != "" || m.Trees[0].DecisionType[0] != 0 || raw[0] != -1 {
		t.Errorf("unversioned: raw %v, decision %v", raw, m.Trees[0].DecisionType)
	}
}

func TestTransforms(t *testing.T) {
	x := []float64{0.3, -0.2}
	// Two stumps: raw = 0.75 + (-1.5) = -0.75 for x.
	trees := []string{stump(0, 0.5, 0.75, 2), stump(1, 0, -1.5, 3)}
	r := -0.75
	cases := []struct {
		objective string
		want      float64
	}{
		{"regression", r},
		{"regression sqrt", -r * r},
		{"regression_l1", r},
		{"huber", r},
		{"fair", r},
		{"quantile", r},
		{"mape", r},
		{"poisson", math.Exp(r)},
		{"gamma", math.Exp(r)},
		{"tweedie", math.Exp(r)},
		{"binary sigmoid:1", 1 / (1 + math.Exp(-r))},
		{"binary sigmoid:2.5", 1 / (1 + math.Exp(-2.5*r))},
		{"cross_entropy", 1 / (1 + math.Exp(-r))},
		{"cross_entropy_lambda", math.Log1p(math.Exp(r))},
		{"lambdarank", r},
		{"rank_xendcg", r},
		{"", r},
	}
	for _, c := range cases {
		pred, raw, _, _ := evalModel(t, writeModel(header(c.objective, 1, 2, ""), trees...), x)
		if raw[0] != r || !near(pred[0], c.want) {
			t.Errorf("%q: raw %v pred %v, want %v", c.objective, raw[0], pred[0], c.want)
		}
	}
}

func TestMulticlass(t *testing.T) {
	x := []float64{0.3, -0.2}
	// Two iterations of three classes; tree i feeds class i%3.
	trees := []string{
		stump(0, 0.5, 0.1, 9), stump(0, 0.5, 0.2, 9), stump(0, 0.5, 0.3, 9),
		stump(1, 0, 1, 9), stump(1, 0, 2, 9), stump(1, 0, -3, 9),
	}
	raw := []float64{1.1, 2.2, -2.7}
	softmax := func(v []float64) []float64 {
		mx := math.Max(v[0], math.Max(v[1], v[2]))
		s := 0.0
		out := make([]float64, len(v))
		for i := range v {
			out[i] = math.Exp(v[i] - mx)
			s += out[i]
		}
		for i := range out {
			out[i] /= s
		}
		return out
	}
	sig := func(s float64) []float64 {
		out := make([]float64, len(raw))
		for i, v := range raw {
			out[i] = 1 / (1 + math.Exp(-s*v))
		}
		return out
	}
	for _, c := range []struct {
		objective string
		want      []float64
	}{
		{"multiclass num_class:3", softmax(raw)},
		{"multiclassova num_class:3 sigmoid:1.5", sig(1.5)},
	} {
		pred, gotRaw, leaves, _ := evalModel(t, writeModel(header(c.objective, 3, 2, ""), trees...), x)
		for i := range raw {
			if !near(gotRaw[i], raw[i]) || !near(pred[i], c.want[i]) {
				t.Errorf("%q class %d: raw %v pred %v, want %v %v", c.objective, i, gotRaw[i], pred[i], raw[i], c.want[i])
			}
		}
		if len(leaves) != 6 {
			t.Errorf("leaves %v", leaves)
		}
	}
}

// TestRandomForest checks average_output: prediction = transform(sum /
// iterations), raw = plain sum, also with several classes.
func TestRandomForest(t *testing.T) {
	x := []float64{0.3, -0.2}
	src := writeModel(header("binary sigmoid:1", 1, 2, "average_output\n"),
		stump(0, 0.5, 0.5, 9), stump(1, 0, -2, 9), stump(1, 0, 0.25, 9))
	pred, raw, _, _ := evalModel(t, src, x)
	if sum := 0.5 - 2 + 0.25; raw[0] != sum || !near(pred[0], 1/(1+math.Exp(-sum/3))) {
		t.Errorf("binary rf: raw %v pred %v", raw, pred)
	}
	src = writeModel(header("multiclass num_class:2", 2, 2, "average_output\n"),
		stump(0, 0.5, 0.5, 9), stump(0, 0.5, 1, 9), stump(1, 0, -2, 9), stump(1, 0, 3, 9))
	pred, raw, _, _ = evalModel(t, src, x)
	s0, s1 := 0.5-2, 1+3.0
	e0, e1 := math.Exp(s0/2-s1/2), 1.0
	if raw[0] != s0 || raw[1] != s1 || !near(pred[0], e0/(e0+e1)) || !near(pred[1], e1/(e0+e1)) {
		t.Errorf("multiclass rf: raw %v pred %v", raw, pred)
	}
	// Three iterations of two classes, identity transform: the margin is
	// exactly each class's sum / 3, as LightGBM divides (not sum × 1/3).
	src = writeModel(header("multiclassova num_class:2 sigmoid:1", 2, 2, "average_output\n"),
		stump(0, 0.5, 0.1, 9), stump(0, 0.5, 0.7, 9), stump(1, 0, 0.2, 9), stump(1, 0, 0.3, 9),
		stump(1, 0, 0.4, 9), stump(1, 0, 1.1, 9))
	m, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	e, err := m.Ensemble()
	if err != nil {
		t.Fatal(err)
	}
	margin := make([]float64, 2)
	e.Eval(x, margin, nil, nil)
	v := []float64{0.1, 0.7, 0.2, 0.3, 0.4, 1.1, 3} // float64 arithmetic, not constant folding
	if w0, w1 := (v[0]+v[2]+v[4])/v[6], (v[1]+v[3]+v[5])/v[6]; margin[0] != w0 || margin[1] != w1 {
		t.Errorf("multiclass rf margin %v, want %v %v", margin, w0, w1)
	}
}
