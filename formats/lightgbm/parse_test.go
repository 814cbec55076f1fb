package lightgbm

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/sinter-ml/sinter/ir/ensemble"
)

func TestParseFixtures(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			b := mustFixture(t, f.name, "model.txt")
			if !Detect(b) {
				t.Errorf("Detect = false")
			}
			m, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			if m.Version != f.version {
				t.Errorf("version %q, want %q", m.Version, f.version)
			}
			if got := m.Objective.String(); got != f.objective {
				t.Errorf("objective %q, want %q", got, f.objective)
			}
			if len(m.Trees) != f.trees {
				t.Errorf("%d trees, want %d", len(m.Trees), f.trees)
			}
			if m.NumFeatures() != f.features || len(m.FeatureNames) != f.features || len(m.FeatureInfos) != f.features {
				t.Errorf("%d features (%d names, %d infos), want %d", m.NumFeatures(), len(m.FeatureNames), len(m.FeatureInfos), f.features)
			}
			if m.AverageOutput != f.average {
				t.Errorf("average_output %v, want %v", m.AverageOutput, f.average)
			}
			if len(m.TreeSizes) != len(m.Trees) {
				t.Errorf("%d tree_sizes for %d trees", len(m.TreeSizes), len(m.Trees))
			}
			if m.NumTreePerIteration != m.NumClass || m.NumIterations()*m.NumClass != len(m.Trees) {
				t.Errorf("num_class %d, per iteration %d, %d iterations", m.NumClass, m.NumTreePerIteration, m.NumIterations())
			}
			if len(m.Parameters) == 0 {
				t.Errorf("no parameters read")
			}
			if v, ok := m.Parameter("objective"); !ok || !strings.HasPrefix(f.objective, v) {
				t.Errorf("parameter objective = %q, %v", v, ok)
			}
			if len(m.FeatureImportances) == 0 {
				t.Errorf("no feature importances read")
			}
			if strings.HasPrefix(f.name, "lleaves") != (m.PandasCategorical != "") {
				t.Errorf("pandas_categorical %q", m.PandasCategorical)
			}
			for _, tr := range m.Trees {
				if len(tr.LeafValue) != tr.NumLeaves || len(tr.LeafCount) != tr.NumLeaves ||
					len(tr.SplitGain) != tr.NumInternal() || len(tr.InternalCount) != tr.NumInternal() {
					t.Fatalf("tree %d: array lengths", tr.Index)
				}
				if tr.Shrinkage <= 0 || tr.Shrinkage > 1 {
					t.Errorf("tree %d: shrinkage %v", tr.Index, tr.Shrinkage)
				}
			}
			// Round trip through the canonical form.
			e, err := m.Ensemble()
			if err != nil {
				t.Fatal(err)
			}
			if len(e.Trees) != len(m.Trees) || e.NumTargets != m.NumClass || e.NumFeatures != m.NumFeatures() {
				t.Errorf("ensemble: %d trees, %d targets, %d features", len(e.Trees), e.NumTargets, e.NumFeatures)
			}
			for ti := range e.Trees {
				if got, want := len(e.Trees[ti].Nodes), 2*m.Trees[ti].NumLeaves-1; got != want {
					t.Fatalf("tree %d: %d nodes, want %d", ti, got, want)
				}
			}
		})
	}
}

// TestFixtureStructure checks specific facts of single fixtures.
func TestFixtureStructure(t *testing.T) {
	m, err := Parse(mustFixture(t, "categorical_binary", "model.txt"))
	if err != nil {
		t.Fatal(err)
	}
	t0 := m.Trees[0]
	if t0.NumLeaves != 31 || t0.NumCat != 17 || len(t0.CatBoundaries) != 18 || len(t0.CatThreshold) != 28 {
		t.Fatalf("tree 0: %d leaves, %d cats, %d boundaries, %d words", t0.NumLeaves, t0.NumCat, len(t0.CatBoundaries), len(t0.CatThreshold))
	}
	// Node 0: decision_type=9 (categorical, missing NaN), split 0 of feature 0,
	// words [2433348414 228].
	if !t0.IsCategorical(0) || t0.Missing(0) != MissingNaN || t0.DefaultLeft(0) || t0.SplitFeature[0] != 0 {
		t.Errorf("node 0: %d", t0.DecisionType[0])
	}
	if c := t0.Categories(0); len(c) != 2 || c[0] != 2433348414 || c[1] != 228 {
		t.Errorf("node 0 categories %v", c)
	}
	// Node 1: decision_type=10, threshold 0.41952873378667327.
	if t0.IsCategorical(1) || !t0.DefaultLeft(1) || t0.Missing(1) != MissingNaN || t0.Threshold[1] != 0.41952873378667327 {
		t.Errorf("node 1: type %d threshold %v", t0.DecisionType[1], t0.Threshold[1])
	}
	if fi := m.FeatureInfos[2]; fi.Kind != FeatureCategorical || len(fi.Categories) != 5 || fi.Categories[0] != -1 {
		t.Errorf("feature_infos[2] = %+v", fi)
	}
	if fi := m.FeatureInfos[3]; fi.Kind != FeatureNumerical || fi.Min != -3.9665953785826913 || fi.Max != 3.9814509733101184 {
		t.Errorf("feature_infos[3] = %+v", fi)
	}
	if m.Objective.Transform != TransformSigmoid || m.Objective.Sigmoid != 1 {
		t.Errorf("objective %+v", m.Objective)
	}

	m, err = Parse(mustFixture(t, "missing_zero_as_missing", "model.txt"))
	if err != nil {
		t.Fatal(err)
	}
	zero := 0
	for _, tr := range m.Trees {
		for n := range tr.NumInternal() {
			if tr.Missing(n) == MissingZero {
				zero++
			}
		}
	}
	if zero == 0 {
		t.Errorf("no missing-type Zero split in missing_zero_as_missing")
	}
}

func TestObjectives(t *testing.T) {
	cases := []struct {
		line      string
		transform Transform
		sigmoid   float64
		classes   int
	}{
		{"regression", TransformIdentity, 1, 0},
		{"regression sqrt", TransformSquare, 1, 0},
		{"regression_l1", TransformIdentity, 1, 0},
		{"regression_l1 sqrt", TransformSquare, 1, 0},
		{"huber", TransformIdentity, 1, 0},
		{"fair", TransformIdentity, 1, 0},
		{"quantile", TransformIdentity, 1, 0},
		{"mape", TransformIdentity, 1, 0},
		{"poisson", TransformExp, 1, 0},
		{"gamma", TransformExp, 1, 0},
		{"tweedie", TransformExp, 1, 0},
		{"binary sigmoid:1", TransformSigmoid, 1, 0},
		{"binary sigmoid:0.5", TransformSigmoid, 0.5, 0},
		{"multiclass num_class:5", TransformSoftmax, 1, 5},
		{"multiclassova num_class:3 sigmoid:2", TransformSigmoid, 2, 3},
		{"cross_entropy", TransformSigmoid, 1, 0},
		{"xentropy", TransformSigmoid, 1, 0},
		{"cross_entropy_lambda", TransformLog1pExp, 1, 0},
		{"lambdarank", TransformIdentity, 1, 0},
		{"rank_xendcg", TransformIdentity, 1, 0},
		{"custom", TransformIdentity, 1, 0},
	}
	for _, c := range cases {
		o, err := parseObjective(c.line)
		if err != nil {
			t.Errorf("%q: %v", c.line, err)
			continue
		}
		if o.Transform != c.transform || o.Sigmoid != c.sigmoid || o.NumClass != c.classes || o.String() != c.line {
			t.Errorf("%q: got %+v", c.line, o)
		}
	}
	for _, bad := range []string{"", "frobnicate", "binary sigmoid:x", "binary sigmoid:-1", "multiclass",
		"multiclass num_class:0", "poisson sqrt", "binary foo:1", "regression num_class:3", "regression sigmoid:2"} {
		if _, err := parseObjective(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestReferenceAgreement scores every fixture row with the ensemble's
// reference evaluator and compares with LightGBM's outputs.
func TestReferenceAgreement(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			d := loadFixture(t, f.name)
			m, err := Parse(d.model)
			if err != nil {
				t.Fatal(err)
			}
			e, err := m.Ensemble()
			if err != nil {
				t.Fatal(err)
			}
			re, err := m.toEnsemble(true)
			if err != nil {
				t.Fatal(err)
			}
			k, nf := e.NumTargets, e.NumFeatures
			x := d.input.Float64s()
			pred := make([]float64, d.rows*k)
			raw := make([]float64, d.rows*k)
			leaves := make([]int64, d.rows*len(e.Trees))
			for r := range d.rows {
				row := x[r*nf : (r+1)*nf]
				e.Eval(row, nil, pred[r*k:(r+1)*k], leaves[r*len(e.Trees):(r+1)*len(e.Trees)])
				re.Eval(row, raw[r*k:(r+1)*k], nil, nil)
			}
			ap, ar := compare(pred, d.expected), compare(raw, d.raw)
			t.Logf("prediction: %d/%d exact, worst rel %.3g; raw: %d/%d exact, worst rel %.3g", ap.exact, ap.n, ap.worst, ar.exact, ar.n, ar.worst)
			if ap.worst > 1e-12 {
				t.Errorf("prediction %d: got %v, want %v", ap.worstAt, pred[ap.worstAt], d.expected[ap.worstAt])
			}
			if ar.worst > 0 {
				t.Errorf("raw %d: got %v, want %v", ar.worstAt, raw[ar.worstAt], d.raw[ar.worstAt])
			}
			if d.leaves != nil {
				for i := range d.leaves {
					if leaves[i] != d.leaves[i] {
						t.Fatalf("row %d tree %d: leaf %d, want %d", i/len(e.Trees), i%len(e.Trees), leaves[i], d.leaves[i])
					}
				}
			}
		})
	}
}

// TestDecisionSemantics checks single splits against LightGBM's rules.
func TestDecisionSemantics(t *testing.T) {
	build := func(decisionType uint8, threshold float64, cats string) *ensemble.Ensemble {
		t.Helper()
		numCat, catLines := 0, ""
		if decisionType&DecisionCategorical != 0 {
			numCat = 1
			catLines = "cat_boundaries=0 " + itoa(len(strings.Fields(cats))) + "\ncat_threshold=" + cats + "\n"
		}
		tree := "num_leaves=2\nnum_cat=" + itoa(numCat) + "\nsplit_feature=0\nthreshold=" + ftoa(threshold) +
			"\ndecision_type=" + itoa(int(decisionType)) + "\nleft_child=-1\nright_child=-2\nleaf_value=1 2\n" +
			catLines + "shrinkage=1\n\n\n"
		src := "tree\nversion=v4\nnum_class=1\nnum_tree_per_iteration=1\nlabel_index=0\nmax_feature_idx=0\n" +
			"objective=regression\nfeature_names=a\nfeature_infos=none\n\nTree=0\n" + tree + "end of trees\n"
		m, err := Parse([]byte(src))
		if err != nil {
			t.Fatalf("%v\n%s", err, src)
		}
		e, err := m.Ensemble()
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	nan := math.NaN()
	tiny := 1e-36
	cases := []struct {
		name   string
		dt     uint8
		thr    float64
		cats   string
		x      float64
		wantLf int64
	}{
		{"none: x<=t", 0, 0.5, "", 0.5, 0},
		{"none: x>t", 0, 0.5, "", 0.6, 1},
		{"none: NaN->0 <= 0.5", 0, 0.5, "", nan, 0},
		{"none: NaN->0 > -0.5", 0, -0.5, "", nan, 1},
		{"none default-left ignored", 2, -0.5, "", nan, 1},
		{"zero: 0 default right", 4, 0.5, "", 0, 1},
		{"zero: tiny default left", 6, -0.5, "", tiny, 0},
		{"zero: NaN default left", 6, -0.5, "", nan, 0},
		{"zero: 1e-30 compares", 6, -0.5, "", 1e-30, 1},
		{"nan: NaN default left", 10, -0.5, "", nan, 0},
		{"nan: NaN default right", 8, 0.5, "", nan, 1},
		{"nan: 0 compares", 8, 0.5, "", 0, 0},
		{"cat: in set", 1, 0, "6", 2, 0},
		{"cat: not in set", 1, 0, "6", 3, 1},
		{"cat: truncates 2.9", 1, 0, "6", 2.9, 0},
		{"cat: -0.5 -> 0", 1, 0, "1", -0.5, 0},
		{"cat: -1 right", 1, 0, "4294967295", -1, 1},
		{"cat: NaN right", 9, 0, "1", nan, 1},
		{"cat: NaN right (type none)", 1, 0, "1", nan, 1},
		{"cat: beyond bitset", 1, 0, "4294967295", 32, 1},
		{"cat: word 1", 1, 0, "0 1", 32, 0},
		{"cat: 2^31 right", 1, 0, "1", 1 << 31, 1},
	}
	for _, c := range cases {
		e := build(c.dt, c.thr, c.cats)
		leaves := make([]int64, 1)
		e.Eval([]float64{c.x}, nil, nil, leaves)
		if leaves[0] != c.wantLf {
			t.Errorf("%s: leaf %d, want %d", c.name, leaves[0], c.wantLf)
		}
	}
}

func itoa(v int) string { return strconv.Itoa(v) }

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func TestDetect(t *testing.T) {
	for _, s := range []string{"tree\nversion=v4\n", "tree\r\nversion=v3\r\n", "tree\nnum_class=1\n", "tree\nlabel_index=0\nnum_class=1\n"} {
		if !Detect([]byte(s)) {
			t.Errorf("Detect(%q) = false", s)
		}
	}
	for _, s := range []string{"", "tree", "tree\n", "trees\nversion=v4", "\x08\x07\x12\x04onnx", "{\"learner\":{}}", "tree\nfoo=bar\n"} {
		if Detect([]byte(s)) {
			t.Errorf("Detect(%q) = true", s)
		}
	}
}
