package lightgbm

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ir/ensemble"
	"github.com/sinter-ml/sinter/tensor"
)

// Ensemble converts the model into Sinter's canonical tree ensemble with
// LightGBM's prediction semantics: float64 comparisons and accumulation,
// LE splits with the node's missing type, categorical bitsets (NaN and
// negative values go right, other values are truncated toward zero),
// linear leaves falling back to leaf_value on NaN, tree i adding to target
// i % NumTreePerIteration, the objective's output transform, and for
// random forests (average_output) the mean over iterations.
//
// Leaf IDs are LightGBM's leaf numbers, so the ensemble's leaf-index output
// matches LightGBM's pred_leaf. Nodes are laid out in pre-order with each
// split's left (True) child right after it.
//
// The margin of a random-forest ensemble is the mean over iterations;
// LightGBM's raw score for such models is the plain sum (Decode's RawScore
// output reproduces that). Bitsets and linear coefficients alias m.
func (m *Model) Ensemble() (*ensemble.Ensemble, error) {
	return m.toEnsemble(false)
}

// toEnsemble converts m; with rawSum it builds the plain sum of the trees
// without transform (LightGBM's raw score, also for random forests).
func (m *Model) toEnsemble(rawSum bool) (*ensemble.Ensemble, error) {
	k := m.NumTreePerIteration
	if k < 1 || len(m.Trees)%k != 0 {
		return nil, fmt.Errorf("%w: %d trees for %d trees per iteration", ErrInvalid, len(m.Trees), k)
	}
	if len(m.Trees) == 0 {
		return nil, fmt.Errorf("%w: model has no trees", ErrUnsupported)
	}
	e := &ensemble.Ensemble{
		NumFeatures: m.NumFeatures(),
		NumTargets:  k,
		Precision:   ensemble.Float64,
		Accumulate:  ensemble.AccumFloat64,
		Aggregate:   ensemble.Sum,
		Categories:  ensemble.CatTruncate,
		LinearNaN:   ensemble.LinearNaNFallback,
		OutputType:  ensemble.OutFloat64,
		Trees:       make([]ensemble.Tree, len(m.Trees)),
	}
	if !rawSum {
		switch m.Objective.Transform {
		case TransformIdentity:
			e.Post = ensemble.None
		case TransformSigmoid:
			e.Post = ensemble.Logistic
			e.PostScale = m.Objective.Sigmoid
		case TransformSoftmax:
			e.Post = ensemble.Softmax
		case TransformExp:
			e.Post = ensemble.Exp
		case TransformLog1pExp:
			e.Post = ensemble.Softplus
		case TransformSquare:
			e.Post = ensemble.SignSquare
		default:
			return nil, fmt.Errorf("%w: transform %v", ErrUnsupported, m.Objective.Transform)
		}
		if m.AverageOutput {
			// Each class's sum over its trees divided by the number of
			// iterations: ensemble.Average divides each target by the
			// trees feeding it (len(Trees)/k here).
			e.Aggregate = ensemble.Average
		}
	}
	// One backing array for all nodes, leaf values and linear terms.
	total, leaves, linear := 0, 0, 0
	for _, t := range m.Trees {
		total += 2*t.NumLeaves - 1
		leaves += t.NumLeaves
		if t.IsLinear {
			linear += t.NumLeaves
		}
	}
	nodes := make([]ensemble.Node, 0, total)
	vals := make([]ensemble.LeafValue, 0, leaves)
	terms := make([]ensemble.LinearTerm, 0, linear)
	type item struct {
		ref    int32 // LightGBM child reference: >= 0 node, < 0 leaf ^ref
		parent int32 // index of the parent in the tree's nodes, -1 for the root
		left   bool
	}
	var stack []item
	for ti, t := range m.Trees {
		target := int32(ti % k)
		start := len(nodes)
		stack = append(stack[:0], item{ref: 0, parent: -1})
		if t.NumLeaves == 1 {
			stack[0].ref = ^0
		}
		for len(stack) > 0 {
			it := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			idx := int32(len(nodes) - start)
			if it.parent >= 0 {
				p := &nodes[start+int(it.parent)]
				if it.left {
					p.True = idx
				} else {
					p.False = idx
				}
			}
			if it.ref < 0 {
				l := ^it.ref
				vals = append(vals, ensemble.LeafValue{Target: target, Value: t.LeafValue[l]})
				nd := ensemble.Node{Op: ensemble.Leaf, ID: l, Leaf: vals[len(vals)-1:]}
				if t.IsLinear {
					terms = append(terms, ensemble.LinearTerm{Target: target, Const: t.LeafConst[l],
						Features: nonNil(t.LeafFeatures[l]), Coeffs: nonNil(t.LeafCoeff[l])})
					nd.Linear = terms[len(terms)-1:]
				}
				nodes = append(nodes, nd)
				continue
			}
			n := it.ref
			nd := ensemble.Node{Feature: t.SplitFeature[n], ID: -1}
			if t.IsCategorical(int(n)) {
				// LightGBM sends NaN right whatever the missing type, and
				// categories outside the bitset right.
				nd.Op = ensemble.InSet
				nd.Missing = ensemble.MissingIEEE
				nd.Cats = t.Categories(int(n))
			} else {
				nd.Op = ensemble.LE
				nd.Threshold = t.Threshold[n]
				nd.DefaultTrue = t.DefaultLeft(int(n))
				switch t.Missing(int(n)) {
				case MissingNone:
					nd.Missing = ensemble.MissingAsZero
				case MissingZero:
					nd.Missing = ensemble.MissingZero
				case MissingNaN:
					nd.Missing = ensemble.MissingNaN
				}
			}
			nodes = append(nodes, nd)
			stack = append(stack,
				item{ref: t.RightChild[n], parent: idx, left: false},
				item{ref: t.LeftChild[n], parent: idx, left: true})
		}
		e.Trees[ti].Nodes = nodes[start:len(nodes):len(nodes)]
	}
	if err := e.Validate(); err != nil {
		return nil, fmt.Errorf("lightgbm: converted ensemble: %w", err)
	}
	return e, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Output selects one output of a decoded model.
type Output uint8

// Outputs Decode can give a model.
const (
	// Prediction is LightGBM's predict(): the objective's transform of the
	// raw score (mean over iterations for random forests), [N, K] where K is
	// num_class for multiclass objectives and 1 otherwise. Default name "Y".
	Prediction Output = iota
	// RawScore is predict(raw_score=True): the sum of the trees' outputs per
	// class, [N, K] (for random forests the plain sum, as LightGBM). Default
	// name "margin".
	RawScore
	// LeafIndex is predict(pred_leaf=True): the leaf each row reaches in
	// each tree, [N, trees] int64. Default name "leaves".
	LeafIndex
	// Label is the class of the largest probability, [N] int64 (classes 0…K-1,
	// binary 0 and 1). Binary, multiclass and multiclassova models only;
	// excludes Prediction. Default name "label".
	Label
	// Probabilities are the class probabilities, [N, C] ([1-p, p] for
	// binary models, as scikit-learn's predict_proba). Binary, multiclass
	// and multiclassova models only; excludes Prediction. Default name
	// "probabilities".
	Probabilities
)

var outputNames = [...]string{"Y", "margin", "leaves", "label", "probabilities"}

func (o Output) String() string {
	if int(o) < len(outputNames) {
		return outputNames[o]
	}
	return fmt.Sprintf("output(%d)", uint8(o))
}

// Options configures Decode and Model.IR. The zero value gives one float64
// input "X" [N, features] and one float64 output "Y", LightGBM's prediction.
type Options struct {
	// Outputs lists the graph's outputs in order (each at most once); nil
	// means {Prediction}.
	Outputs []Output
	// Names overrides the outputs' default names, by position in Outputs.
	Names []string
	// Input names the graph input ("X" by default).
	Input string
	// InputType is the input's element type: Float64 (default, LightGBM's
	// own precision) or Float32, Int32, Int64 (widened exactly).
	InputType tensor.DType
	// Float32Output stores scores as float32 instead of float64.
	Float32Output bool
}

// Decode parses a LightGBM text model and builds an ir.Model with one
// canonical tree-ensemble node (two for a random forest asked for both its
// RawScore and another output, since LightGBM's raw score of such models
// is a sum while its prediction uses the mean).
func Decode(b []byte, o Options) (*ir.Model, error) {
	m, err := Parse(b)
	if err != nil {
		return nil, err
	}
	return m.IR(o)
}

// IR builds the ir.Model Decode returns for m.
func (m *Model) IR(o Options) (*ir.Model, error) {
	outs := o.Outputs
	if outs == nil {
		outs = []Output{Prediction}
	}
	if len(o.Names) > len(outs) {
		return nil, fmt.Errorf("lightgbm: %d names for %d outputs", len(o.Names), len(outs))
	}
	var want [len(outputNames)]bool
	names := make([]string, len(outs))
	for i, out := range outs {
		if int(out) >= len(outputNames) {
			return nil, fmt.Errorf("lightgbm: unknown output %d", out)
		}
		if want[out] {
			return nil, fmt.Errorf("lightgbm: output %v requested twice", out)
		}
		want[out] = true
		names[i] = out.String()
		if i < len(o.Names) && o.Names[i] != "" {
			names[i] = o.Names[i]
		}
	}
	for i := range names {
		for j := range i {
			if names[i] == names[j] {
				return nil, fmt.Errorf("lightgbm: output name %q used twice", names[i])
			}
		}
	}
	nameOf := func(out Output) string {
		if !want[out] {
			return ""
		}
		return names[slices.Index(outs, out)]
	}
	classifier := want[Label] || want[Probabilities]
	if classifier {
		if want[Prediction] {
			return nil, fmt.Errorf("lightgbm: Prediction and Label/Probabilities exclude each other; ask for Probabilities")
		}
		if !m.Objective.Classifier() {
			return nil, fmt.Errorf("%w: objective %q is not a classifier's", ErrUnsupported, m.Objective)
		}
	}
	// The main node serves everything except, for random forests, the raw
	// score, which gets a plain-sum node of its own.
	separateRaw := want[RawScore] && m.AverageOutput
	e, err := m.toEnsemble(false)
	if err != nil {
		return nil, err
	}
	if o.Float32Output {
		e.OutputType = ensemble.OutFloat32
	}
	if classifier {
		n := e.NumTargets
		if n == 1 {
			n = 2
		}
		labels := make([]int64, n)
		for i := range labels {
			labels[i] = int64(i)
		}
		e.Classes = &ensemble.Classes{Int64: labels}
	}
	raw := nameOf(RawScore)
	if separateRaw {
		raw = ""
	}
	var nodeOuts []string
	if classifier {
		nodeOuts = []string{nameOf(Label), nameOf(Probabilities), raw, nameOf(LeafIndex)}
	} else {
		nodeOuts = []string{nameOf(Prediction), raw, nameOf(LeafIndex)}
	}
	for len(nodeOuts) > 0 && nodeOuts[len(nodeOuts)-1] == "" {
		nodeOuts = nodeOuts[:len(nodeOuts)-1]
	}
	inType := o.InputType
	if inType == tensor.Undefined {
		inType = tensor.Float64
	}
	mo := ensemble.ModelOptions{Input: o.Input, InputType: inType, Producer: "lightgbm", NodeName: "lightgbm"}
	var model *ir.Model
	if len(nodeOuts) > 0 {
		mo.Outputs = nodeOuts
		if model, err = ensemble.Model(e, mo); err != nil {
			return nil, err
		}
	}
	if separateRaw {
		re, err := m.toEnsemble(true)
		if err != nil {
			return nil, err
		}
		re.OutputType = e.OutputType
		if model == nil {
			mo.Outputs = []string{raw}
			mo.NodeName = "lightgbm_raw"
			if model, err = ensemble.Model(re, mo); err != nil {
				return nil, err
			}
		} else {
			rawName := nameOf(RawScore)
			node, err := ensemble.ToNode(re, model.Graph.Inputs[0].Name, "", rawName)
			if err != nil {
				return nil, err
			}
			node.Name = "lightgbm_raw"
			model.Graph.Nodes = append(model.Graph.Nodes, node)
			// Type the extra output like the main node's outputs.
			sub, err := ensemble.Model(re, ensemble.ModelOptions{Input: model.Graph.Inputs[0].Name, InputType: inType, Outputs: []string{"", rawName}})
			if err != nil {
				return nil, err
			}
			model.Graph.Outputs = append(model.Graph.Outputs, sub.Graph.Outputs...)
		}
	}
	// Put the graph outputs in the order asked for.
	ordered := make([]*ir.ValueInfo, 0, len(names))
	for _, name := range names {
		for _, vi := range model.Graph.Outputs {
			if vi.Name == name {
				ordered = append(ordered, vi)
			}
		}
	}
	if len(ordered) != len(names) {
		return nil, fmt.Errorf("lightgbm: internal error: %d of %d outputs built", len(ordered), len(names))
	}
	model.Graph.Outputs = ordered
	model.Graph.Name = "lightgbm"
	if m.Version != "" {
		model.ProducerVersion = m.Version
	}
	model.Metadata = append(model.Metadata,
		ir.KeyValue{Key: "lightgbm.objective", Value: m.Objective.String()},
		ir.KeyValue{Key: "lightgbm.feature_names", Value: strings.Join(m.FeatureNames, " ")})
	return model, nil
}
