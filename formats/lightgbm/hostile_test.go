package lightgbm

import (
	"errors"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// catTree: node 0 categorical on f1 (categories {1, 3, 33}) → node 1 else
// leaf 2; node 1 numerical on f0 <= 0.5 (missing NaN, default left) →
// leaf 0 else leaf 1.
const catTree = "num_leaves=3\nnum_cat=1\nsplit_feature=1 0\nsplit_gain=2 1\nthreshold=0 0.5\ndecision_type=9 10\n" +
	"left_child=1 -1\nright_child=-3 -2\nleaf_value=0.1 0.2 0.3\nleaf_weight=1 1 1\nleaf_count=1 1 1\n" +
	"internal_value=0 0\ninternal_weight=0 0\ninternal_count=3 2\ncat_boundaries=0 2\ncat_threshold=10 2\nis_linear=0\nshrinkage=1\n"

func hostileBase() string {
	return writeModel(header("binary sigmoid:1", 1, 3, ""), catTree, linearTree)
}

func TestHostileBaseValid(t *testing.T) {
	pred, raw, leaves, _ := evalModel(t, hostileBase(), []float64{0.2, 33, 1})
	want := 0.1 + (0.5 + 0.25*0.2 - 2*33)
	if !near(raw[0], want) || leaves[0] != 0 || leaves[1] != 0 || relErr(pred[0], 1/(1+math.Exp(-want))) > 1e-13 {
		t.Fatalf("raw %v leaves %v pred %v", raw, leaves, pred)
	}
}

func TestHostile(t *testing.T) {
	base := hostileBase()
	cases := []struct {
		name     string
		old, new string
		all      bool // replace every occurrence
	}{
		{"absurd num_leaves", "num_leaves=3", "num_leaves=2147483647", false},
		{"num_leaves overflow", "num_leaves=3", "num_leaves=99999999999999999999", false},
		{"zero leaves", "num_leaves=3", "num_leaves=0", false},
		{"absurd num_cat", "num_cat=1", "num_cat=2147483647", false},
		{"negative num_cat", "num_cat=1", "num_cat=-1", false},
		{"short leaf_value", "leaf_value=0.1 0.2 0.3", "leaf_value=0.1 0.2", false},
		{"long threshold", "threshold=0 0.5", "threshold=0 0.5 7", false},
		{"bad number", "leaf_value=0.1 0.2 0.3", "leaf_value=0.1 x 0.3", false},
		{"child out of range", "left_child=1 -1", "left_child=2 -1", false},
		{"leaf out of range", "right_child=-3 -2", "right_child=-4 -2", false},
		{"self loop", "left_child=1 -1", "left_child=1 1", false},
		{"cycle, root unreachable", "left_child=1 -1\nright_child=-3 -2", "left_child=-1 0\nright_child=-3 -2", false},
		{"shared leaf", "right_child=-3 -2", "right_child=-1 -2", false},
		{"root as child", "right_child=-3 -2", "right_child=0 -2", false},
		{"feature out of range", "split_feature=1 0", "split_feature=3 0", false},
		{"negative feature", "split_feature=1 0", "split_feature=-1 0", false},
		{"cat index out of range", "threshold=0 0.5", "threshold=1 0.5", false},
		{"fractional cat index", "threshold=0 0.5", "threshold=0.5 0.5", false},
		{"cat boundaries past words", "cat_boundaries=0 2", "cat_boundaries=0 3", false},
		{"cat boundaries not from 0", "cat_boundaries=0 2", "cat_boundaries=1 2", false},
		{"cat word too big", "cat_threshold=10 2", "cat_threshold=10 4294967296", false},
		{"categorical without num_cat", "num_cat=1", "num_cat=0", false},
		{"decision_type unknown bits", "decision_type=9 10", "decision_type=9 26", false},
		{"missing type 3", "decision_type=9 10", "decision_type=9 14", false},
		{"missing decision_type values", "decision_type=9 10", "decision_type=", false},
		{"missing left_child", "left_child=1 -1\n", "", false},
		{"duplicate key", "shrinkage=1\n", "shrinkage=1\nshrinkage=1\n", false},
		{"linear feature out of range", "leaf_features=0 1  1  ", "leaf_features=0 1  7  ", false},
		{"linear counts too big", "num_features=2 1", "num_features=2 999999999", false},
		{"linear counts mismatch", "num_features=2 1", "num_features=1 1", false},
		{"linear missing coeffs", "leaf_coeff=0.25 -2  3  \n", "", false},
		{"tree out of sequence", "Tree=1", "Tree=7", false},
		{"no end of trees", "end of trees\n", "", false},
		{"tree_sizes wrong", "tree_sizes=", "tree_sizes=1", false},
		{"tree_sizes huge", "tree_sizes=", "tree_sizes=999999999999 ", false},
		{"tree_sizes count", "tree_sizes=", "tree_sizes=5 ", false},
		{"num_class disagrees", "num_class=1\nnum_tree_per_iteration=1", "num_class=2\nnum_tree_per_iteration=2", false},
		{"trees not whole iterations", "objective=binary sigmoid:1", "objective=multiclass num_class:2", false},
		{"absurd num_class", "num_class=1\nnum_tree_per_iteration=1", "num_class=99999999\nnum_tree_per_iteration=99999999", false},
		{"absurd max_feature_idx", "max_feature_idx=2", "max_feature_idx=2000000000", false},
		{"too few feature names", "feature_names=f0 f1 f2", "feature_names=f0 f1", false},
		{"too many feature infos", "feature_infos=[-1:1] [-1:1] [-1:1]", "feature_infos=[-1:1] [-1:1] [-1:1] none", false},
		{"bad feature info", "feature_infos=[-1:1]", "feature_infos=[-1:x]", false},
		{"unknown version", "version=v4", "version=v9", false},
		{"unknown objective", "objective=binary sigmoid:1", "objective=frobnicate", false},
		{"repeated header key", "label_index=0\n", "label_index=0\nlabel_index=0\n", false},
		{"no feature names", "feature_names=f0 f1 f2\n", "", false},
		{"not tree", "tree\nversion", "forest\nversion", false},
		{"bad parameter line", "[boosting: gbdt]", "boosting: gbdt", false},
		{"unterminated parameters", "end of parameters\n", "", false},
		{"bad pandas json", "pandas_categorical:null", "pandas_categorical:{", false},
		{"junk after trees", "feature_importances:", "junk:", false},
	}
	for _, c := range cases {
		if !strings.Contains(base, c.old) {
			t.Fatalf("%s: %q not in base model", c.name, c.old)
		}
		src := strings.Replace(base, c.old, c.new, 1)
		m, err := Parse([]byte(src))
		if err == nil {
			_, err = m.Ensemble()
		}
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: error %v wraps neither ErrInvalid nor ErrUnsupported", c.name, err)
		}
	}
}

// TestTruncation parses every prefix of a model: each must fail, or — when
// the cut falls after "end of trees" at a line boundary — give exactly the
// same trees and header as the whole file.
func TestTruncation(t *testing.T) {
	for _, src := range []string{hostileBase(), string(mustFixture(t, "lleaves_tiniest_single_tree", "model.txt"))} {
		full, err := Parse([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		end := strings.Index(src, "end of trees\n") + len("end of trees\n")
		for n := range len(src) {
			m, err := Parse([]byte(src[:n]))
			if err != nil {
				continue
			}
			if n < end-1 { // the final newline of "end of trees" may go
				t.Fatalf("prefix of %d bytes (inside the trees) parsed", n)
			}
			if !reflect.DeepEqual(m.Trees, full.Trees) || m.Objective.String() != full.Objective.String() ||
				!reflect.DeepEqual(m.FeatureNames, full.FeatureNames) {
				t.Fatalf("prefix of %d bytes parsed to a different model", n)
			}
		}
	}
}

// TestAllocationBound parses inputs that declare huge sizes and checks that
// the allocation stays within a small multiple of the input.
func TestAllocationBound(t *testing.T) {
	base := hostileBase()
	inputs := []string{
		strings.Replace(base, "num_leaves=3", "num_leaves=2000000000", 1),
		strings.Replace(base, "num_cat=1", "num_cat=2000000000", 1),
		strings.Replace(base, "num_features=2 1", "num_features=2000000 1", 1),
		strings.Replace(base, "max_feature_idx=2", "max_feature_idx=16000000", 1),
		strings.Replace(base, "tree_sizes=", "tree_sizes=4000000000000000000 ", 1),
		"tree\nnum_class=1\nlabel_index=0\nmax_feature_idx=16777215\nfeature_names=" + strings.Repeat("a ", 1000) + "\nTree=0\n",
		base,
	}
	for i, in := range inputs {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		m, err := Parse([]byte(in))
		if err == nil {
			_, _ = m.Ensemble()
		}
		runtime.ReadMemStats(&after)
		if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(256*len(in)+1<<16); got > limit {
			t.Errorf("input %d (%d bytes): allocated %d bytes (limit %d)", i, len(in), got, limit)
		}
	}
}
