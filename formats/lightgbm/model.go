// Package lightgbm reads LightGBM's text model format (the files written by
// Booster.save_model and the CLI's output_model), versions v2, v3 and v4 and
// the unversioned files before them, and converts them into Sinter's
// canonical tree ensemble.
//
// Parse gives a faithful Go picture of the file (Model, Tree), field by
// field as LightGBM writes them. Model.Ensemble converts that into an
// ensemble.Ensemble, and Decode does both and wraps the result into an
// ir.Model holding one canonical tree-ensemble node.
//
// Every function here treats its input as hostile: a truncated file,
// arrays whose lengths disagree with num_leaves, child indices out of range,
// cycles, unreachable nodes, categorical bitsets out of bounds, tree_sizes
// that disagree with the bytes are errors wrapping ErrInvalid, never panics,
// and no allocation is larger than a small multiple of the input size.
//
// # Semantics
//
// LightGBM predicts in float64. A numerical split sends x left when
// x <= threshold; bits 2–3 of decision_type select the missing type: with
// None, NaN is replaced by 0 before the comparison; with Zero, NaN is
// replaced by 0 and values in [-1e-35, 1e-35] (LightGBM's kZeroThreshold,
// a float32 constant) take the default direction (bit 1, default-left);
// with NaN, NaN takes the default direction. A categorical split (bit 0)
// sends NaN and negative values right and otherwise truncates x toward zero
// to an int and goes left when that category's bit is set in the node's
// bitset (values beyond int32 go right, as the x86 conversion yields
// INT_MIN). A linear leaf outputs leaf_const + Σ coeff·x over its features,
// or its plain leaf_value when any of those features is NaN.
package lightgbm

import "errors"

// Errors wrapped by the errors this package returns.
var (
	// ErrInvalid reports a file that is not a well-formed LightGBM text model.
	ErrInvalid = errors.New("lightgbm: invalid model")
	// ErrUnsupported reports a well-formed model using something Sinter
	// cannot represent or does not know (an unknown objective or version).
	ErrUnsupported = errors.New("lightgbm: unsupported model")
)

// Model is a LightGBM text model as written in the file.
type Model struct {
	// Version is the value of the version= line ("v2", "v3", "v4"), or ""
	// for files written before LightGBM versioned its format.
	Version string
	// NumClass is num_class: 1 for regression, binary and ranking.
	NumClass int
	// NumTreePerIteration is the number of trees one boosting iteration adds
	// (num_class for multiclass and multiclassova, else 1). Tree i feeds
	// output i % NumTreePerIteration.
	NumTreePerIteration int
	LabelIndex          int
	// MaxFeatureIdx is the largest feature index; a row has MaxFeatureIdx+1
	// features.
	MaxFeatureIdx int
	// Objective is the parsed objective= line; Objective.Name is "" when the
	// file has none (a model trained with a custom objective).
	Objective Objective
	// AverageOutput is set by random-forest models (boosting=rf): the
	// prediction is the transform of the mean over iterations.
	AverageOutput bool
	FeatureNames  []string
	// FeatureInfos holds feature_infos, one entry per feature.
	FeatureInfos []FeatureInfo
	// MonotoneConstraints is the optional monotone_constraints line.
	MonotoneConstraints []int
	// TreeSizes is the tree_sizes line (byte length of each Tree= block),
	// nil when the file has none. Parse checks it against the file.
	TreeSizes []int
	Trees     []*Tree
	// FeatureImportances is the feature_importances: section, in file order.
	FeatureImportances []Importance
	// Parameters is the parameters: section ("[key: value]" lines), in file
	// order.
	Parameters []Parameter
	// PandasCategorical is the JSON text after "pandas_categorical:" (e.g.
	// "null" or "[]"), "" when absent.
	PandasCategorical string
}

// NumFeatures is the number of input features a row has.
func (m *Model) NumFeatures() int { return m.MaxFeatureIdx + 1 }

// NumIterations is the number of boosting iterations:
// len(Trees)/NumTreePerIteration.
func (m *Model) NumIterations() int {
	if m.NumTreePerIteration <= 0 {
		return 0
	}
	return len(m.Trees) / m.NumTreePerIteration
}

// Parameter returns the value of the training parameter called key from the
// parameters section and whether it was present.
func (m *Model) Parameter(key string) (string, bool) {
	for _, p := range m.Parameters {
		if p.Key == key {
			return p.Value, true
		}
	}
	return "", false
}

// FeatureKind says how a feature was binned at training time.
type FeatureKind uint8

// Feature kinds of feature_infos.
const (
	// FeatureUnused is "none": the feature was never split on.
	FeatureUnused FeatureKind = iota
	// FeatureNumerical is "[min:max]".
	FeatureNumerical
	// FeatureCategorical is a colon-separated list of categories.
	FeatureCategorical
)

func (k FeatureKind) String() string {
	switch k {
	case FeatureUnused:
		return "unused"
	case FeatureNumerical:
		return "numerical"
	case FeatureCategorical:
		return "categorical"
	}
	return "feature_kind(?)"
}

// FeatureInfo is one entry of feature_infos.
type FeatureInfo struct {
	Kind FeatureKind
	// Min and Max bound a numerical feature's training values.
	Min, Max float64
	// Categories lists a categorical feature's categories as written
	// (-1 stands for missing).
	Categories []int
}

// Importance is one line of the feature_importances section.
type Importance struct {
	Name  string
	Value float64
}

// Parameter is one "[key: value]" line of the parameters section.
type Parameter struct{ Key, Value string }

// Decision-type bits of Tree.DecisionType.
const (
	// DecisionCategorical marks a categorical split.
	DecisionCategorical = 1
	// DecisionDefaultLeft sends missing values left.
	DecisionDefaultLeft = 2
	// decisionMissingShift is where the two missing-type bits start.
	decisionMissingShift = 2
)

// MissingType is a numerical split's treatment of missing values, bits 2–3
// of decision_type.
type MissingType uint8

// Missing types.
const (
	// MissingNone: NaN is replaced by 0 and compared like any value.
	MissingNone MissingType = 0
	// MissingZero: NaN becomes 0, and |x| <= 1e-35 takes the default direction.
	MissingZero MissingType = 1
	// MissingNaN: NaN takes the default direction.
	MissingNaN MissingType = 2
)

func (t MissingType) String() string {
	switch t {
	case MissingNone:
		return "none"
	case MissingZero:
		return "zero"
	case MissingNaN:
		return "nan"
	}
	return "missing_type(?)"
}

// KZeroThreshold is LightGBM's kZeroThreshold: the float32 constant 1e-35
// widened to float64. Values within ±KZeroThreshold count as zero for
// MissingZero splits.
var KZeroThreshold = float64(float32(1e-35))

// Tree is one Tree= block. Internal nodes are numbered 0..NumLeaves-2 with
// the root at 0; a child c >= 0 is internal node c, a child c < 0 is leaf ^c.
type Tree struct {
	// Index is the i of the "Tree=i" line.
	Index     int
	NumLeaves int
	NumCat    int
	// Per internal node (NumLeaves-1 entries each).
	SplitFeature []int32
	// SplitGain is optional (nil when absent).
	SplitGain []float64
	// Threshold is the numerical threshold, or for a categorical split the
	// index into CatBoundaries.
	Threshold    []float64
	DecisionType []uint8
	LeftChild    []int32
	RightChild   []int32
	// Optional statistics of internal nodes (nil when absent).
	InternalValue  []float64
	InternalWeight []float64
	InternalCount  []int64
	// Per leaf (NumLeaves entries). LeafWeight and LeafCount are optional.
	LeafValue  []float64
	LeafWeight []float64
	LeafCount  []int64
	// Categorical splits: the bitset of split k is
	// CatThreshold[CatBoundaries[k]:CatBoundaries[k+1]], 32 categories a
	// word, category c at bit c%32 of word c/32.
	CatBoundaries []int32
	CatThreshold  []uint32
	// Linear trees (is_linear=1): per leaf, LeafConst[l] + Σ
	// LeafCoeff[l][j]·x[LeafFeatures[l][j]].
	IsLinear     bool
	LeafConst    []float64
	LeafFeatures [][]int32
	LeafCoeff    [][]float64
	// Shrinkage is the learning rate applied to this tree (already folded
	// into LeafValue); 1 when absent.
	Shrinkage float64
}

// NumInternal is the number of internal (split) nodes, NumLeaves-1.
func (t *Tree) NumInternal() int { return t.NumLeaves - 1 }

// IsCategorical reports whether internal node n is a categorical split.
func (t *Tree) IsCategorical(n int) bool { return t.DecisionType[n]&DecisionCategorical != 0 }

// DefaultLeft reports whether internal node n sends missing values left.
func (t *Tree) DefaultLeft(n int) bool { return t.DecisionType[n]&DecisionDefaultLeft != 0 }

// Missing returns internal node n's missing type.
func (t *Tree) Missing(n int) MissingType {
	return MissingType(t.DecisionType[n]>>decisionMissingShift) & 3
}

// Categories returns the bitset words of categorical split node n.
func (t *Tree) Categories(n int) []uint32 {
	k := int(t.Threshold[n])
	return t.CatThreshold[t.CatBoundaries[k]:t.CatBoundaries[k+1]]
}
