package xgboost

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ErrInvalid reports a malformed model: bad encoding, inconsistent sizes,
// out-of-range indices or a tree that is not a tree.
var ErrInvalid = errors.New("invalid xgboost model")

// ErrUnsupported reports a well-formed model using something Sinter cannot
// run (an unknown objective or booster).
var ErrUnsupported = errors.New("unsupported xgboost model")

// Format is one of XGBoost's three model encodings.
type Format int

// Model encodings.
const (
	FormatUnknown Format = iota
	// FormatJSON is Booster.save_model("m.json").
	FormatJSON
	// FormatUBJSON is Universal Binary JSON, the default since XGBoost 2.1.
	FormatUBJSON
	// FormatBinary is the legacy binary format (deprecated in 1.6, removed
	// in 3.1), optionally preceded by the "binf" magic.
	FormatBinary
)

func (f Format) String() string {
	switch f {
	case FormatJSON:
		return "json"
	case FormatUBJSON:
		return "ubjson"
	case FormatBinary:
		return "binary"
	}
	return "unknown"
}

// Model is an XGBoost booster as the file holds it: nothing is transformed
// except that every format lands in the same fields. Use Ensemble to get the
// canonical, runnable form.
type Model struct {
	Format Format
	// Version is XGBoost's (major, minor, patch) that wrote the model; the
	// binary format records no patch, and models before 1.0 record 0.0.
	Version [3]int

	// Objective is the objective's name, e.g. "binary:logistic".
	Objective string
	// BaseScore is the global bias as stored: in response space (it goes
	// through the objective's inverse link to become a margin), one value,
	// or one per output group when XGBoost ≥ 3.1 stored a vector. For binary
	// models written before 1.0 it is already a margin: see BaseScoreIsMargin.
	BaseScore []float32
	// BaseScoreIsMargin is set for binary models from XGBoost < 1.0, which
	// stored the transformed bias; conversion then does what XGBoost does:
	// apply the objective's transform (except for multi:*), then its link.
	BaseScoreIsMargin bool
	BoostFromAverage  bool
	NumFeature        int
	// NumClass is 0 for everything but multi-class objectives.
	NumClass int
	// NumTarget is the number of regression targets (≥ 1).
	NumTarget int

	// Booster is "gbtree", "dart" or "gblinear".
	Booster string
	// Trees and TreeInfo (each tree's output group) for gbtree and dart.
	Trees    []*Tree
	TreeInfo []int
	// NumParallelTree is the forest size per boosting round (≥ 1).
	NumParallelTree int
	// WeightDrop is DART's per-tree weight, applied at prediction.
	WeightDrop []float32
	// LinearWeights is gblinear's model: (NumFeature+1)×groups values,
	// weight of feature f for group g at f*groups+g, bias of g at
	// NumFeature*groups+g.
	LinearWeights []float32

	FeatureNames []string
	// FeatureTypes holds "q"/"float"/"int"/"i" for numeric and "c" for
	// categorical features, when the model records them.
	FeatureTypes []string
	// Attributes are the learner's string attributes (best_iteration, …).
	Attributes map[string]string

	// size is the encoded size, bounding what conversion may allocate.
	size int
}

// Groups is the number of outputs per row: max(NumClass, NumTarget, 1).
func (m *Model) Groups() int {
	g := m.NumClass
	if m.NumTarget > g {
		g = m.NumTarget
	}
	if g < 1 {
		g = 1
	}
	return g
}

// Tree is one regression tree in XGBoost's array-of-fields form. Node i is a
// leaf when LeftChildren[i] == -1. Nodes are numbered as XGBoost numbers
// them (those are the ids pred_leaf reports); unreachable (deleted) nodes
// are kept.
type Tree struct {
	NumFeature int
	// SizeLeafVector > 1 marks a multi-target tree (XGBoost ≥ 2.0,
	// multi_strategy="multi_output_tree") whose leaves hold that many values.
	SizeLeafVector int

	LeftChildren  []int32
	RightChildren []int32
	// Parents holds each node's parent (root: 2147483647), without the
	// is-left-child bit the binary format packs into it.
	Parents      []int32
	SplitIndices []int32
	// SplitConditions holds thresholds of numeric splits (go left when
	// x < threshold) and, at leaves of scalar trees, the leaf value.
	SplitConditions []float32
	DefaultLeft     []bool
	// BaseWeights holds per-node weights before the learning rate; for
	// multi-target trees without LeafWeights, the leaf values
	// (SizeLeafVector per node).
	BaseWeights []float32
	// LeafWeights holds the leaf values of multi-target trees written by
	// XGBoost ≥ 3.1, SizeLeafVector per leaf; a leaf's RightChildren entry
	// is its index here.
	LeafWeights []float32
	LossChanges []float32
	SumHessian  []float32
	// SplitType is 0 for numeric and 1 for categorical splits (nil: all numeric).
	SplitType []uint8
	// Categorical splits: node CategoriesNodes[k] sends the categories
	// Categories[CategoriesSegments[k] : +CategoriesSizes[k]] right.
	Categories         []int32
	CategoriesNodes    []int32
	CategoriesSegments []int32
	CategoriesSizes    []int32
}

// NumNodes is the number of nodes, reachable or not.
func (t *Tree) NumNodes() int { return len(t.LeftChildren) }

// IsLeaf reports whether node i is a leaf.
func (t *Tree) IsLeaf(i int) bool { return t.LeftChildren[i] == -1 }

// IsCategorical reports whether node i splits on a category set.
func (t *Tree) IsCategorical(i int) bool { return t.SplitType != nil && t.SplitType[i] == 1 }

// NodeCategories returns the category set of categorical node i (nil if i
// has none). The tree must have passed validation.
func (t *Tree) NodeCategories(i int) []int32 {
	for k, n := range t.CategoriesNodes {
		if int(n) == i {
			s := int(t.CategoriesSegments[k])
			return t.Categories[s : s+int(t.CategoriesSizes[k])]
		}
	}
	return nil
}

// LeafValue returns the output(s) of leaf i: one value for scalar trees,
// SizeLeafVector for multi-target trees. The tree must have passed validation.
func (t *Tree) LeafValue(i int) []float32 {
	if t.SizeLeafVector <= 1 {
		return t.SplitConditions[i : i+1]
	}
	k := t.SizeLeafVector
	if t.LeafWeights != nil {
		j := int(t.RightChildren[i])
		return t.LeafWeights[j*k : (j+1)*k]
	}
	return t.BaseWeights[i*k : (i+1)*k]
}

// maxCount bounds counts read from parameters (features, classes, targets):
// generous for real models, small enough that products of two cannot
// overflow and that nothing is allocated from them alone.
const maxCount = 1 << 24

// parseBaseScore reads base_score as XGBoost writes it: "5E-1" up to 3.0,
// "[5E-1]" (or "[a,b,…]") from 3.1.
func parseBaseScore(p path, s string) ([]float32, error) {
	s = strings.TrimSpace(s)
	var parts []string
	if strings.HasPrefix(s, "[") {
		if !strings.HasSuffix(s, "]") {
			return nil, p.errorf("unterminated array %q", s)
		}
		inner := strings.TrimSpace(s[1 : len(s)-1])
		if inner == "" {
			return nil, p.errorf("empty base_score")
		}
		parts = strings.Split(inner, ",")
	} else {
		parts = []string{s}
	}
	if len(parts) > maxCount {
		return nil, p.errorf("too many values")
	}
	out := make([]float32, len(parts))
	for i, q := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(q), 32)
		if err != nil {
			return nil, p.errorf("%q is not a number", q)
		}
		out[i] = float32(x)
	}
	return out, nil
}

// validate checks the model's internal consistency after decoding; every
// index used later (children, features, groups, categories, leaf vectors) is
// checked here so that later stages can index without checks.
func (m *Model) validate() error {
	p := path("model")
	if m.NumFeature < 0 || m.NumFeature > maxCount {
		return p.errorf("num_feature %d out of range", m.NumFeature)
	}
	if m.NumClass < 0 || m.NumClass > maxCount || m.NumTarget < 1 || m.NumTarget > maxCount {
		return p.errorf("num_class %d / num_target %d out of range", m.NumClass, m.NumTarget)
	}
	if m.NumClass > 1 && m.NumTarget > 1 {
		return p.errorf("both num_class (%d) and num_target (%d) set", m.NumClass, m.NumTarget)
	}
	groups := m.Groups()
	// num_class and num_target are bare counts: beyond a few, insist that
	// the model holds data for every output (each round builds a tree per
	// class; gblinear stores weights per output; vector leaves hold one
	// value per target), so a 4-byte count cannot make conversion allocate.
	if groups > 64 {
		backed := len(m.Trees) + len(m.LinearWeights) + len(m.BaseScore)
		for _, t := range m.Trees {
			backed += len(t.BaseWeights) + len(t.LeafWeights)
		}
		if groups > backed {
			return p.errorf("%d outputs, more than the model holds data for", groups)
		}
	}
	if n := len(m.BaseScore); n != 1 && n != groups {
		return p.errorf("base_score has %d values for %d outputs", n, groups)
	}
	switch m.Booster {
	case "gbtree", "dart":
		if len(m.TreeInfo) != len(m.Trees) {
			return p.errorf("tree_info has %d entries for %d trees", len(m.TreeInfo), len(m.Trees))
		}
		if m.Booster == "dart" && len(m.WeightDrop) != len(m.Trees) {
			return p.errorf("weight_drop has %d entries for %d trees", len(m.WeightDrop), len(m.Trees))
		}
		for i, t := range m.Trees {
			q := p.key("trees").index(i)
			g := m.TreeInfo[i]
			if t.SizeLeafVector > 1 {
				if g != 0 || t.SizeLeafVector != groups {
					return q.errorf("multi-target tree with %d leaf values (group %d) for %d outputs", t.SizeLeafVector, g, groups)
				}
			} else if g < 0 || g >= groups {
				return q.errorf("tree_info %d out of range for %d outputs", g, groups)
			}
			if err := t.validate(q, m.NumFeature); err != nil {
				return err
			}
		}
	case "gblinear":
		if len(m.LinearWeights) != (m.NumFeature+1)*groups {
			return p.errorf("gblinear has %d weights, want (%d+1)×%d", len(m.LinearWeights), m.NumFeature, groups)
		}
	default:
		return fmt.Errorf("%w: booster %q", ErrUnsupported, m.Booster)
	}
	return nil
}

// validate checks one tree: array sizes, child indices in range, every node
// reached at most once from the root (no cycles, no sharing), split features
// below numFeature, category sets well formed, leaf vectors in range.
func (t *Tree) validate(p path, numFeature int) error {
	n := len(t.LeftChildren)
	if n == 0 {
		return p.errorf("no nodes")
	}
	k := t.SizeLeafVector
	if k < 0 || k > maxCount {
		return p.errorf("size_leaf_vector %d out of range", k)
	}
	sizes := []struct {
		name string
		n    int
	}{
		{"right_children", len(t.RightChildren)},
		{"split_indices", len(t.SplitIndices)},
		{"split_conditions", len(t.SplitConditions)},
		{"default_left", len(t.DefaultLeft)},
	}
	for _, s := range sizes {
		if s.n != n {
			return p.key(s.name).errorf("%d entries for %d nodes", s.n, n)
		}
	}
	if t.Parents != nil && len(t.Parents) != n {
		return p.key("parents").errorf("%d entries for %d nodes", len(t.Parents), n)
	}
	if t.SplitType != nil && len(t.SplitType) != n {
		return p.key("split_type").errorf("%d entries for %d nodes", len(t.SplitType), n)
	}
	if k > 1 {
		if t.LeafWeights == nil && len(t.BaseWeights) != n*k {
			return p.key("base_weights").errorf("%d entries for %d nodes × %d targets", len(t.BaseWeights), n, k)
		}
		if t.LeafWeights != nil && len(t.LeafWeights)%k != 0 {
			return p.key("leaf_weights").errorf("%d entries is not a multiple of %d targets", len(t.LeafWeights), k)
		}
	}
	// Category sets.
	nc := len(t.CategoriesNodes)
	if len(t.CategoriesSegments) != nc || len(t.CategoriesSizes) != nc {
		return p.key("categories_nodes").errorf("categories_nodes/segments/sizes lengths differ (%d/%d/%d)",
			nc, len(t.CategoriesSegments), len(t.CategoriesSizes))
	}
	hasCats := make(map[int32]bool, nc)
	for j := 0; j < nc; j++ {
		node, seg, size := t.CategoriesNodes[j], int64(t.CategoriesSegments[j]), int64(t.CategoriesSizes[j])
		if node < 0 || int(node) >= n || hasCats[node] {
			return p.key("categories_nodes").index(j).errorf("node %d out of range or repeated", node)
		}
		hasCats[node] = true
		if seg < 0 || size < 0 || seg+size > int64(len(t.Categories)) {
			return p.key("categories_segments").index(j).errorf("segment [%d, +%d) outside %d categories", seg, size, len(t.Categories))
		}
	}
	for j, c := range t.Categories {
		if c < 0 {
			return p.key("categories").index(j).errorf("negative category %d", c)
		}
	}
	// Walk from the root.
	seen := make([]bool, n)
	stack := []int32{0}
	seen[0] = true
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		q := p.index(int(i))
		l, r := t.LeftChildren[i], t.RightChildren[i]
		if l == -1 {
			if k > 1 && t.LeafWeights != nil {
				if r < 0 || int64(r+1)*int64(k) > int64(len(t.LeafWeights)) {
					return q.errorf("leaf index %d outside leaf_weights", r)
				}
			}
			continue
		}
		for _, c := range [2]int32{l, r} {
			if c <= 0 || int(c) >= n {
				return q.errorf("child %d out of range [1, %d)", c, n)
			}
			if seen[c] {
				return q.errorf("node %d reached twice (cycle or shared subtree)", c)
			}
			seen[c] = true
			stack = append(stack, c)
		}
		f := t.SplitIndices[i]
		if f < 0 || int(f) >= numFeature {
			return q.errorf("split feature %d out of range [0, %d)", f, numFeature)
		}
		if t.IsCategorical(int(i)) {
			if !hasCats[i] {
				return q.errorf("categorical split without a category set")
			}
		} else if t.SplitType != nil && t.SplitType[i] != 0 {
			return q.errorf("split_type %d", t.SplitType[i])
		}
	}
	return nil
}

// isFinite32 reports whether x is neither NaN nor infinite.
func isFinite32(x float32) bool { return !math.IsNaN(float64(x)) && !math.IsInf(float64(x), 0) }
