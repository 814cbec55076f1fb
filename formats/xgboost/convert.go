package xgboost

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ir/ensemble"
)

// maxCategory is XGBoost's bound on category values: a value ≥ 2^24 (or
// < 0) is an invalid category and goes left, so listed categories beyond it
// can never match and are dropped from the bitsets.
const maxCategory = 1 << 24

// Ensemble converts m to Sinter's canonical tree ensemble, reproducing
// XGBoost's prediction semantics:
//
//   - features and thresholds are compared in float32, x < threshold goes
//     left; NaN follows default_left;
//   - a categorical split sends categories in its set right; negative,
//     non-listed and ≥ 2^24 values go left; NaN follows default_left;
//   - the margin starts at base_score mapped through the objective's inverse
//     link and adds tree outputs in tree order in float32 (DART: each
//     tree's output times its weight_drop);
//   - the objective's transform gives predictions: sigmoid, exp, softmax,
//     hinge step, identity. multi:softmax becomes a classifier with labels
//     0..K-1 whose label output is XGBoost's class index;
//   - leaf ids are XGBoost node ids (pred_leaf). Deleted (unreachable) nodes
//     are dropped; ids of the others are kept.
//
// gblinear becomes one single-leaf tree whose leaf holds one linear term per
// output group (NaN features skipped, as XGBoost skips missing entries);
// the base margin is folded into the term's constant so that the float32
// sum runs in XGBoost's order.
func (m *Model) Ensemble() (*ensemble.Ensemble, error) {
	e, err := m.ensemble()
	if err != nil {
		return nil, fmt.Errorf("xgboost: %w", err)
	}
	return e, nil
}

func (m *Model) ensemble() (*ensemble.Ensemble, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}
	obj, err := lookupObjective(m.Objective)
	if err != nil {
		return nil, err
	}
	groups := m.Groups()
	e := &ensemble.Ensemble{
		NumFeatures: m.NumFeature,
		NumTargets:  groups,
		Precision:   ensemble.Float32,
		Accumulate:  ensemble.AccumFloat32,
		Aggregate:   ensemble.Sum,
		BaseFirst:   true,
		Categories:  ensemble.CatNonNegative,
		LinearNaN:   ensemble.LinearNaNSkip,
		OutputType:  ensemble.OutFloat32,
	}
	base := make([]float32, groups)
	for g := range base {
		s := m.BaseScore[0]
		if len(m.BaseScore) == groups {
			s = m.BaseScore[g]
		}
		if m.BaseScoreIsMargin && obj.transform != transformSoftmax && obj.transform != transformArgmax {
			// Pre-1.0 binary models stored a margin: XGBoost maps it back to
			// response space (multi:* excepted) and then forward again.
			s = obj.responseOfMargin(s)
		}
		if base[g], err = obj.marginOfBase(s); err != nil {
			return nil, err
		}
	}
	switch obj.transform {
	case transformIdentity:
		e.Post = ensemble.None
	case transformSigmoid:
		e.Post = ensemble.Logistic
	case transformExp:
		e.Post = ensemble.Exp
	case transformHinge:
		e.Post = ensemble.Step
	case transformSoftmax, transformArgmax:
		e.Post = ensemble.Softmax
	}
	if obj.transform == transformArgmax {
		if groups < 2 {
			return nil, fmt.Errorf("%w: %s with %d classes", ErrInvalid, m.Objective, groups)
		}
		labels := make([]int64, groups)
		for i := range labels {
			labels[i] = int64(i)
		}
		e.Classes = &ensemble.Classes{Int64: labels}
	}

	if m.Booster == "gblinear" {
		leaf := ensemble.Node{Op: ensemble.Leaf}
		for g := 0; g < groups; g++ {
			lt := ensemble.LinearTerm{
				Target:   int32(g),
				Const:    float64(m.LinearWeights[m.NumFeature*groups+g] + base[g]),
				Features: make([]int32, m.NumFeature),
				Coeffs:   make([]float64, m.NumFeature),
			}
			for f := 0; f < m.NumFeature; f++ {
				lt.Features[f] = int32(f)
				lt.Coeffs[f] = float64(m.LinearWeights[f*groups+g])
			}
			leaf.Linear = append(leaf.Linear, lt)
		}
		e.Trees = []ensemble.Tree{{Nodes: []ensemble.Node{leaf}}}
		return e, e.Validate()
	}

	e.BaseValues = make([]float64, groups)
	for g, b := range base {
		e.BaseValues[g] = float64(b)
	}
	if m.Booster == "dart" {
		e.TreeWeights = make([]float64, len(m.WeightDrop))
		for i, w := range m.WeightDrop {
			if !isFinite32(w) {
				return nil, fmt.Errorf("%w: weight_drop[%d] = %v", ErrInvalid, i, w)
			}
			e.TreeWeights[i] = float64(w)
		}
	}
	budget := m.bitsetBudget()
	e.Trees = make([]ensemble.Tree, len(m.Trees))
	for i, t := range m.Trees {
		nodes, err := convertTree(t, m.TreeInfo[i], &budget)
		if err != nil {
			return nil, fmt.Errorf("%w: tree %d: %v", ErrInvalid, i, err)
		}
		e.Trees[i].Nodes = nodes
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return e, nil
}

// bitsetBudget bounds the category bitset words all trees may allocate: a
// set's size follows its largest category, not its length, so a tiny
// hostile model could otherwise ask for 2^19 words (2 MiB) per node. One
// set of any legal size always fits; beyond that, 8 words per input byte.
func (m *Model) bitsetBudget() int {
	n := m.size
	if n == 0 {
		// Built by hand: be generous but finite.
		for _, t := range m.Trees {
			n += 4*len(t.Categories) + 20*len(t.LeftChildren)
		}
	}
	return maxCategory/32 + 8*n
}

// convertTree renumbers the reachable nodes of t in pre-order (true child
// first, so it sits next to its parent) and maps each to a canonical node.
func convertTree(t *Tree, group int, budget *int) ([]ensemble.Node, error) {
	n := t.NumNodes()
	index := make([]int32, n) // XGBoost id → new index + 1
	order := make([]int32, 0, n)
	stack := []int32{0}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if index[i] != 0 {
			return nil, fmt.Errorf("node %d reached twice", i)
		}
		order = append(order, i)
		index[i] = int32(len(order))
		if t.IsLeaf(int(i)) {
			continue
		}
		l, r := t.LeftChildren[i], t.RightChildren[i]
		if t.IsCategorical(int(i)) {
			// True (in the set) is the right child: visit it first.
			stack = append(stack, l, r)
		} else {
			stack = append(stack, r, l)
		}
	}
	out := make([]ensemble.Node, len(order))
	for k, i := range order {
		nd := &out[k]
		nd.ID = i
		if t.IsLeaf(int(i)) {
			nd.Op = ensemble.Leaf
			vals := t.LeafValue(int(i))
			if len(vals) == 1 {
				nd.Leaf = []ensemble.LeafValue{{Target: int32(group), Value: float64(vals[0])}}
			} else {
				nd.Leaf = make([]ensemble.LeafValue, len(vals))
				for j, v := range vals {
					nd.Leaf[j] = ensemble.LeafValue{Target: int32(j), Value: float64(v)}
				}
			}
			continue
		}
		l, r := index[t.LeftChildren[i]]-1, index[t.RightChildren[i]]-1
		nd.Feature = t.SplitIndices[i]
		nd.Missing = ensemble.MissingNaN
		dl := t.DefaultLeft[i]
		if t.IsCategorical(int(i)) {
			nd.Op = ensemble.InSet
			nd.True, nd.False = r, l
			nd.DefaultTrue = !dl
			for _, c := range t.NodeCategories(int(i)) {
				if c >= maxCategory {
					continue
				}
				if need := int(c)>>5 + 1 - len(nd.Cats); need > 0 {
					if *budget -= need; *budget < 0 {
						return nil, fmt.Errorf("category bitsets larger than the model justifies")
					}
				}
				nd.Cats = ensemble.SetBit(nd.Cats, int(c))
			}
			continue
		}
		th := t.SplitConditions[i]
		if math.IsNaN(float64(th)) {
			return nil, fmt.Errorf("node %d: NaN threshold on a numeric split", i)
		}
		nd.Op = ensemble.LT
		nd.Threshold = float64(th)
		nd.True, nd.False = l, r
		nd.DefaultTrue = dl
	}
	return out, nil
}

// Output selects what an IR model built by IRModel returns.
type Output int

// Outputs, in the order the IR model lists them.
const (
	// OutputPrediction is XGBoost's predict(): the transformed score
	// ([N, groups] float32), or for multi:softmax the class index ([N] int64).
	OutputPrediction Output = iota
	// OutputMargin is predict(output_margin=True): [N, groups] float32.
	OutputMargin
	// OutputLeaf is predict(pred_leaf=True): [N, trees] int64 node ids.
	OutputLeaf
)

// Output names in the IR model.
const (
	NamePrediction = "prediction"
	NameMargin     = "margin"
	NameLeaf       = "leaf"
	NameInput      = "X"
)

// IRModel converts m to an ir.Model with one canonical TreeEnsemble node
// reading "X" ([N, NumFeature] float32) and producing the requested outputs
// (all three when none are given) named NamePrediction, NameMargin and
// NameLeaf.
func (m *Model) IRModel(outputs ...Output) (*ir.Model, error) {
	e, err := m.Ensemble()
	if err != nil {
		return nil, err
	}
	if len(outputs) == 0 {
		outputs = []Output{OutputPrediction, OutputMargin, OutputLeaf}
	}
	var want [3]bool
	for _, o := range outputs {
		if o < OutputPrediction || o > OutputLeaf {
			return nil, fmt.Errorf("xgboost: unknown output %d", o)
		}
		want[o] = true
	}
	name := func(o Output, n string) string {
		if want[o] {
			return n
		}
		return ""
	}
	var names []string
	if e.Classes != nil {
		// label, probabilities, margin, leaves
		names = []string{name(OutputPrediction, NamePrediction), "", name(OutputMargin, NameMargin), name(OutputLeaf, NameLeaf)}
	} else {
		names = []string{name(OutputPrediction, NamePrediction), name(OutputMargin, NameMargin), name(OutputLeaf, NameLeaf)}
	}
	for len(names) > 0 && names[len(names)-1] == "" {
		names = names[:len(names)-1]
	}
	im, err := ensemble.Model(e, ensemble.ModelOptions{
		Input:    NameInput,
		Outputs:  names,
		NodeName: "xgboost",
		Producer: "xgboost",
	})
	if err != nil {
		return nil, fmt.Errorf("xgboost: %w", err)
	}
	if v := m.Version; v != [3]int{} {
		im.ProducerVersion = fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2])
	}
	im.Metadata = append(im.Metadata,
		ir.KeyValue{Key: "xgboost.objective", Value: m.Objective},
		ir.KeyValue{Key: "xgboost.booster", Value: m.Booster},
		ir.KeyValue{Key: "xgboost.format", Value: m.Format.String()})
	return im, nil
}
