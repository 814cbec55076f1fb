// Package ensemble is Sinter's canonical form of a decision-tree ensemble:
// plain Go data able to express exactly the prediction semantics of
// XGBoost, LightGBM, scikit-learn and ONNX-ML tree models, and its encoding
// as one IR node (domain "sinter.ml", op "TreeEnsemble", version 1).
//
// Format loaders build an Ensemble, call Validate, and either emit a whole
// model with Model or put ToNode's node into a graph of their own. Kernels
// decode the node with FromNode and compile it (see kernels/trees).
//
// # Semantics
//
// A row x (NumFeatures values) is scored as follows.
//
//  1. Each tree is walked from Nodes[0]. A split node reads v = x[Feature],
//     rounded according to Ensemble.Precision, and goes to True or False.
//     Missing handling (Node.Missing) comes first: MissingNaN sends NaN to
//     the default branch (True when DefaultTrue, else False); MissingZero
//     sends NaN and every |v| ≤ ZeroThreshold there (LightGBM "Zero");
//     MissingAsZero replaces NaN by 0 and compares (LightGBM "None");
//     MissingIEEE lets NaN through the comparison (false for every op
//     except NE, never a set member). Then the test: LT v<t, LE v≤t, GT v>t,
//     GE v≥t, EQ v==t, NE v!=t with t = Threshold (rounded like v); InSet
//     (categorical bitset): the category c is derived from v by
//     Ensemble.Categories and is a member when bit c of Cats (word c/32, bit
//     c%32, least significant first) is set (out-of-range, negative and huge
//     values are not members); InValues: v equals one of Values.
//  2. A leaf contributes, for each entry of Leaf, Value × w (w = TreeWeights[tree], or 1) to the
//     target Target. If the leaf has Linear terms, those replace Leaf: each
//     contributes Const + Σ Coeffs[j]·x[Features[j]] (computed at the
//     accumulation precision, terms in order, each product rounded before
//     it is added: no fused multiply-add) × w to its Target;
//     under LinearNaNFallback a NaN in any used feature makes the leaf
//     contribute its Leaf entries instead (LightGBM), under LinearNaNSkip NaN
//     features are skipped (XGBoost gblinear).
//  3. Contributions are aggregated per target in tree order (Aggregate):
//     Sum, Average (sum / number of trees feeding the target: trees with a
//     leaf entry for it, see TreesPerTarget), Min or Max (over the trees that
//     contributed to the target; a target no tree reached stays 0). The
//     accumulator has the precision Accumulate (Float32 like XGBoost and
//     ONNX Runtime's float kernels, Float64 like LightGBM and scikit-learn).
//     With BaseFirst the accumulator starts at BaseValues (XGBoost,
//     scikit-learn); otherwise BaseValues are added after aggregation
//     (ONNX). The result is the raw margin, NumTargets values.
//  4. Post transforms the margin (Post, with PostScale where documented) into
//     predictions, computed in float64 and stored as OutputType.
//  5. Classifiers (Classes non-nil) also return probabilities and a label:
//     probabilities are the predictions, except that a binary classifier
//     with one target returns [1−p, p]; the label is the class of the
//     largest probability (first on ties).
//
// # Node encoding ("sinter.ml" TreeEnsemble v1)
//
// Inputs: X, [N, NumFeatures] (float32, float64, int32 or int64; a 1-D X is
// one row). Outputs, all optional ("" skips one):
//
//	regressor:  Y [N, NumTargets] OutputType, margin [N, NumTargets] OutputType, leaves [N, trees] int64
//	classifier: label [N] int64 or string, probabilities [N, C] OutputType, margin, leaves
//
// Leaf indices report Node.ID of the leaf each row reaches in each tree.
//
// Attributes (T = tensor attribute; per-node arrays run over the nodes of all
// trees concatenated in tree order):
//
//	n_features, n_targets       int
//	precision, accumulate       int (Precision, Accumulate values)
//	aggregate, post_transform   int (Aggregate, Post values)
//	post_scale                  T float64 [1] (absent: 1)
//	base_first, categories, linear_nan, output_type  int
//	base_values                 T float64 [n_targets] (absent: zeros)
//	tree_offsets                T int64 [trees+1]: first node of each tree
//	tree_weights                T float64 [trees] (absent: all 1)
//	node_flags                  T uint8: op | missing<<4 | default_true<<7
//	node_feature, node_true, node_false, node_id   T int32 (children relative to the tree; −1 for leaves)
//	node_threshold              T float64
//	set_offsets, set_words      T int64 [sets+1], T uint32: the bitsets of the InSet nodes in node order
//	values_offsets, values      T int64 [k+1], T float64: the value lists of the InValues nodes in node order
//	leaf_offsets                T int64 [leaves+1]; leaf_targets T int32; leaf_values T float64
//	linear_offsets              T int64 [leaves+1] (absent: no linear leaves): the Linear terms of each leaf
//	linear_targets T int32, linear_consts T float64, linear_feat_offsets T int64 [terms+1],
//	linear_features T int32, linear_coeffs T float64
//	classlabels_int64s ints | classlabels_strings strings (classifiers only)
package ensemble

import (
	"errors"
	"fmt"
	"math"
)

// Domain, OpType and Version name the canonical node.
const (
	Domain  = "sinter.ml"
	OpType  = "TreeEnsemble"
	Version = 1
)

// ZeroThreshold is LightGBM's kZeroThreshold (1e-35f widened to double):
// under MissingZero, |v| ≤ ZeroThreshold counts as missing.
var ZeroThreshold = float64(float32(1e-35))

// Op is a node's test.
type Op uint8

// Node tests. Leaf marks a leaf.
const (
	Leaf Op = iota
	LT
	LE
	GT
	GE
	EQ
	NE
	InSet
	InValues
	numOps
)

var opNames = [...]string{"LEAF", "LT", "LE", "GT", "GE", "EQ", "NE", "IN_SET", "IN_VALUES"}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

// Missing says how a split treats missing (NaN) and, for MissingZero, tiny values.
type Missing uint8

// Missing-value rules.
const (
	// MissingNaN: NaN goes to the default branch (XGBoost, ONNX with
	// missing_value_tracks_true, LightGBM missing type NaN, sklearn HGB).
	MissingNaN Missing = iota
	// MissingZero: NaN and |v| ≤ ZeroThreshold go to the default branch
	// (LightGBM missing type Zero).
	MissingZero
	// MissingAsZero: NaN is replaced by 0 and compared (LightGBM missing type None).
	MissingAsZero
	// MissingIEEE: NaN is compared as is (IEEE: only NE is true; never a
	// set member). ONNX without missing_value_tracks_true, sklearn trees.
	MissingIEEE
	numMissing
)

// Precision says how features and thresholds are compared.
type Precision uint8

// Comparison precisions.
const (
	// Float64: v = float64(x), t = Threshold (LightGBM).
	Float64 Precision = iota
	// Float32: v = float32(x), t = float32(Threshold) (XGBoost, ONNX float).
	Float32
	// Float32Input: v = float64(float32(x)), t = Threshold (scikit-learn).
	Float32Input
	numPrecision
)

// Accumulate is the precision of the per-target accumulator.
type Accumulate uint8

// Accumulator precisions.
const (
	AccumFloat64 Accumulate = iota
	AccumFloat32
	numAccum
)

// Aggregate combines tree contributions.
type Aggregate uint8

// Aggregations.
const (
	Sum Aggregate = iota
	Average
	Min
	Max
	numAggregate
)

// Post is the transform from margins to predictions.
type Post uint8

// Post transforms (computed in float64). PostScale defaults to 1.
const (
	None Post = iota
	// Logistic: 1/(1+exp(−s·m)), s = PostScale, per target (also LightGBM
	// multiclassova and cross_entropy, XGBoost binary:logistic, reg:logistic).
	Logistic
	// Softmax over the targets.
	Softmax
	// SoftmaxZero: softmax over the non-zero margins (|m| > 1e-7); the others stay 0 (ONNX).
	SoftmaxZero
	// Probit: √2·erfinv(2m−1) (ONNX; ONNX Runtime's float32 approximation, see Probit1).
	Probit
	// Exp: exp(m) (Poisson, Gamma, Tweedie, survival:cox, survival:aft).
	Exp
	// Softplus: log(1+exp(m)) (LightGBM cross_entropy_lambda).
	Softplus
	// Step: 1 if m > 0 else 0 (XGBoost binary:hinge).
	Step
	// SignSquare: sign(m)·m² (LightGBM regression with reg_sqrt).
	SignSquare
	numPost
)

var postNames = [...]string{"NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO", "PROBIT", "EXP", "SOFTPLUS", "STEP", "SIGN_SQUARE"}

func (p Post) String() string {
	if int(p) < len(postNames) {
		return postNames[p]
	}
	return fmt.Sprintf("post(%d)", uint8(p))
}

// Categories says how an InSet node turns a feature value into a category.
type Categories uint8

// Category rules. In every rule NaN is first handled by the node's Missing rule,
// and categories outside the bitset (including values ≥ 2³¹, except under
// CatUint8Wrap) are not members.
const (
	// CatTruncate: c = trunc(v); c < 0 is not a member (LightGBM: −0.5 → 0).
	CatTruncate Categories = iota
	// CatNonNegative: v < 0 is not a member; else c = trunc(v) (XGBoost: −0.5 is not a member).
	CatNonNegative
	// CatNegativeMissing: v < 0 is treated as missing (NaN); else c = trunc(v)
	// (scikit-learn HistGradientBoosting).
	CatNegativeMissing
	// CatUint8Wrap: v < 0 is treated as missing (NaN); else
	// c = int64(trunc(v)) & 255, and c = 0 for v ≥ 2⁶³ (scikit-learn 1.2's
	// HistGradientBoosting predictor, which casts the value to uint8 on x86).
	CatUint8Wrap
	numCategories
)

// LinearNaN is the rule for NaN features in linear leaves.
type LinearNaN uint8

// Linear-leaf NaN rules.
const (
	// LinearNaNFallback: a NaN among the used features makes the leaf
	// contribute its Leaf entries instead (LightGBM linear_tree).
	LinearNaNFallback LinearNaN = iota
	// LinearNaNSkip: NaN features contribute nothing (XGBoost gblinear).
	LinearNaNSkip
	numLinearNaN
)

// OutputType is the element type of predictions, probabilities and margins.
type OutputType uint8

// Output element types.
const (
	OutFloat32 OutputType = iota
	OutFloat64
	numOutputType
)

// Ensemble is a tree ensemble. See the package documentation for semantics.
type Ensemble struct {
	NumFeatures int
	// NumTargets is the width of the margin (1 for regression and binary
	// classification, K for K-class softmax models).
	NumTargets int
	Precision  Precision
	Accumulate Accumulate
	Aggregate  Aggregate
	// BaseValues (nil, or NumTargets values) are the margin-space base scores.
	BaseValues []float64
	// BaseFirst starts the accumulator at BaseValues instead of adding them
	// after aggregation.
	BaseFirst bool
	Post      Post
	// PostScale is Logistic's slope (LightGBM sigmoid:k); 0 means 1.
	PostScale  float64
	Categories Categories
	LinearNaN  LinearNaN
	OutputType OutputType
	Trees      []Tree
	// TreeWeights (nil: all 1, else one per tree) multiply every
	// contribution of their tree (XGBoost DART weight_drop, sklearn GBM
	// learning rate).
	TreeWeights []float64
	// Classes makes the ensemble a classifier.
	Classes *Classes
}

// Tree is one tree. Nodes[0] is the root; every node must be reachable from
// it exactly once.
type Tree struct {
	Nodes []Node
}

// Node is a split or a leaf.
type Node struct {
	Op          Op
	Missing     Missing
	DefaultTrue bool
	Feature     int32
	Threshold   float64
	// True and False index the children in Tree.Nodes (ignored for leaves).
	True, False int32
	// ID is what the leaf-index output reports for a leaf (LightGBM: leaf
	// number; XGBoost, sklearn: node id).
	ID int32
	// Cats is the category bitset of an InSet node.
	Cats []uint32
	// Values is the value list of an InValues node.
	Values []float64
	// Leaf lists a leaf's contributions.
	Leaf []LeafValue
	// Linear, when non-empty, replaces Leaf (see LinearNaN).
	Linear []LinearTerm
}

// LeafValue is one contribution of a leaf.
type LeafValue struct {
	Target int32
	Value  float64
}

// LinearTerm is a linear model in a leaf: Const + Σ Coeffs[j]·x[Features[j]].
type LinearTerm struct {
	Target   int32
	Const    float64
	Features []int32
	Coeffs   []float64
}

// Classes makes the ensemble a classifier with these labels (exactly one of
// Int64 and Strings is set). There are NumTargets classes, or 2 when
// NumTargets is 1 (binary: probabilities [1−p, p]).
type Classes struct {
	Int64   []int64
	Strings []string
}

// Len is the number of classes.
func (c *Classes) Len() int {
	if c.Strings != nil {
		return len(c.Strings)
	}
	return len(c.Int64)
}

// NumClasses is the number of probability columns (0 for regressors).
func (e *Ensemble) NumClasses() int {
	if e.Classes == nil {
		return 0
	}
	return e.Classes.Len()
}

// Scale is PostScale with 0 read as 1.
func (e *Ensemble) Scale() float64 {
	if e.PostScale == 0 {
		return 1
	}
	return e.PostScale
}

// NumNodes is the total node count.
func (e *Ensemble) NumNodes() int {
	n := 0
	for i := range e.Trees {
		n += len(e.Trees[i].Nodes)
	}
	return n
}

// Limits bounding what Validate accepts.
const (
	MaxFeatures  = 1 << 24
	MaxTargets   = 1 << 20
	MaxTrees     = 1 << 24
	MaxNodes     = 1 << 30 // total over all trees
	MaxTreeNodes = 1 << 28
	MaxSetWords  = 1 << 20 // per InSet node (2^25 categories)
	MaxValues    = 1 << 20 // per InValues node
	MaxLeafVals  = 1 << 20 // per leaf
)

// ErrInvalid is wrapped by every Validate error.
var ErrInvalid = errors.New("invalid tree ensemble")

func bad(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Validate checks e thoroughly: enum ranges, counts, feature and target
// indices, child indices, that each tree is a tree (every node reached from
// the root exactly once: no cycles, no shared or unreachable nodes),
// non-NaN thresholds, classifier labels. It never panics, whatever e holds.
func (e *Ensemble) Validate() error {
	if e == nil {
		return bad("nil ensemble")
	}
	switch {
	case e.NumFeatures < 0 || e.NumFeatures > MaxFeatures:
		return bad("n_features %d out of range [0, %d]", e.NumFeatures, MaxFeatures)
	case e.NumTargets < 1 || e.NumTargets > MaxTargets:
		return bad("n_targets %d out of range [1, %d]", e.NumTargets, MaxTargets)
	case e.Precision >= numPrecision:
		return bad("precision %d unknown", e.Precision)
	case e.Accumulate >= numAccum:
		return bad("accumulate %d unknown", e.Accumulate)
	case e.Aggregate >= numAggregate:
		return bad("aggregate %d unknown", e.Aggregate)
	case e.Post >= numPost:
		return bad("post transform %d unknown", e.Post)
	case e.Categories >= numCategories:
		return bad("category rule %d unknown", e.Categories)
	case e.LinearNaN >= numLinearNaN:
		return bad("linear NaN rule %d unknown", e.LinearNaN)
	case e.OutputType >= numOutputType:
		return bad("output type %d unknown", e.OutputType)
	case math.IsNaN(e.PostScale) || math.IsInf(e.PostScale, 0):
		return bad("post scale %v is not finite", e.PostScale)
	case len(e.Trees) > MaxTrees:
		return bad("%d trees (limit %d)", len(e.Trees), MaxTrees)
	}
	if e.BaseValues != nil && len(e.BaseValues) != e.NumTargets {
		return bad("%d base values for %d targets", len(e.BaseValues), e.NumTargets)
	}
	if c := e.Classes; c != nil {
		if (c.Int64 == nil) == (c.Strings == nil) {
			return bad("classifier needs exactly one of int64 and string labels")
		}
		n := c.Len()
		if !(n == e.NumTargets && n >= 2) && !(e.NumTargets == 1 && n == 2) {
			return bad("%d class labels for %d targets", n, e.NumTargets)
		}
	}
	if e.TreeWeights != nil {
		if len(e.TreeWeights) != len(e.Trees) {
			return bad("%d tree weights for %d trees", len(e.TreeWeights), len(e.Trees))
		}
		for i, w := range e.TreeWeights {
			if math.IsNaN(w) || math.IsInf(w, 0) {
				return bad("tree %d: weight %v is not finite", i, w)
			}
		}
	}
	total := 0
	var stack []int32
	var seen []bool
	for ti := range e.Trees {
		t := &e.Trees[ti]
		n := len(t.Nodes)
		if n == 0 {
			return bad("tree %d has no nodes", ti)
		}
		if n > MaxTreeNodes {
			return bad("tree %d has %d nodes (limit %d)", ti, n, MaxTreeNodes)
		}
		total += n
		if total > MaxNodes {
			return bad("more than %d nodes", MaxNodes)
		}
		for ni := range t.Nodes {
			if err := e.checkNode(&t.Nodes[ni], n); err != nil {
				return bad("tree %d node %d: %v", ti, ni, err)
			}
		}
		// Walk from the root: each node must be reached exactly once.
		if cap(seen) < n {
			seen = make([]bool, n)
		}
		seen = seen[:n]
		clear(seen)
		stack = append(stack[:0], 0)
		seen[0] = true
		visited := 1
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			nd := &t.Nodes[i]
			if nd.Op == Leaf {
				continue
			}
			for _, c := range [2]int32{nd.True, nd.False} {
				if seen[c] {
					return bad("tree %d: node %d is reached twice (shared node or cycle)", ti, c)
				}
				seen[c] = true
				visited++
				stack = append(stack, c)
			}
		}
		if visited != n {
			return bad("tree %d: %d of %d nodes are unreachable from the root", ti, n-visited, n)
		}
	}
	return nil
}

func (e *Ensemble) checkNode(nd *Node, n int) error {
	if nd.Op >= numOps {
		return fmt.Errorf("op %d unknown", nd.Op)
	}
	if nd.Missing >= numMissing {
		return fmt.Errorf("missing rule %d unknown", nd.Missing)
	}
	if nd.Op == Leaf {
		if len(nd.Leaf) > MaxLeafVals {
			return fmt.Errorf("%d leaf values (limit %d)", len(nd.Leaf), MaxLeafVals)
		}
		for _, lv := range nd.Leaf {
			if lv.Target < 0 || int(lv.Target) >= e.NumTargets {
				return fmt.Errorf("leaf target %d out of range [0, %d)", lv.Target, e.NumTargets)
			}
		}
		if len(nd.Linear) > MaxLeafVals {
			return fmt.Errorf("%d linear terms (limit %d)", len(nd.Linear), MaxLeafVals)
		}
		for _, lt := range nd.Linear {
			if lt.Target < 0 || int(lt.Target) >= e.NumTargets {
				return fmt.Errorf("linear target %d out of range [0, %d)", lt.Target, e.NumTargets)
			}
			if len(lt.Features) != len(lt.Coeffs) {
				return fmt.Errorf("linear term has %d features and %d coefficients", len(lt.Features), len(lt.Coeffs))
			}
			if len(lt.Features) > MaxFeatures {
				return fmt.Errorf("linear term has %d features", len(lt.Features))
			}
			for _, f := range lt.Features {
				if f < 0 || int(f) >= e.NumFeatures {
					return fmt.Errorf("linear feature %d out of range [0, %d)", f, e.NumFeatures)
				}
			}
		}
		if len(nd.Cats) != 0 || len(nd.Values) != 0 {
			return fmt.Errorf("leaf carries a split set")
		}
		return nil
	}
	if len(nd.Leaf) != 0 || len(nd.Linear) != 0 {
		return fmt.Errorf("split node carries leaf values")
	}
	if nd.Feature < 0 || int(nd.Feature) >= e.NumFeatures {
		return fmt.Errorf("feature %d out of range [0, %d)", nd.Feature, e.NumFeatures)
	}
	if nd.True < 0 || int(nd.True) >= n || nd.False < 0 || int(nd.False) >= n {
		return fmt.Errorf("children %d, %d out of range [0, %d)", nd.True, nd.False, n)
	}
	if nd.True == nd.False {
		return fmt.Errorf("both children are node %d", nd.True)
	}
	switch nd.Op {
	case InSet:
		if len(nd.Cats) > MaxSetWords {
			return fmt.Errorf("category bitset of %d words (limit %d)", len(nd.Cats), MaxSetWords)
		}
		if len(nd.Values) != 0 {
			return fmt.Errorf("IN_SET node carries a value list")
		}
	case InValues:
		if len(nd.Values) > MaxValues {
			return fmt.Errorf("%d set values (limit %d)", len(nd.Values), MaxValues)
		}
		for _, v := range nd.Values {
			if math.IsNaN(v) {
				return fmt.Errorf("NaN in set values")
			}
		}
		if len(nd.Cats) != 0 {
			return fmt.Errorf("IN_VALUES node carries a bitset")
		}
	default:
		if math.IsNaN(nd.Threshold) {
			return fmt.Errorf("threshold is NaN")
		}
		if len(nd.Cats) != 0 || len(nd.Values) != 0 {
			return fmt.Errorf("%v node carries a set", nd.Op)
		}
	}
	return nil
}

// SetBit adds category c (≥ 0) to a bitset, growing it as needed.
func SetBit(bits []uint32, c int) []uint32 {
	for len(bits) <= c>>5 {
		bits = append(bits, 0)
	}
	bits[c>>5] |= 1 << uint(c&31)
	return bits
}

// HasBit reports whether category c is in the bitset (false for c < 0 or out of range).
func HasBit(bits []uint32, c int64) bool {
	if c < 0 || c>>5 >= int64(len(bits)) {
		return false
	}
	return bits[c>>5]>>uint(c&31)&1 != 0
}
