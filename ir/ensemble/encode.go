package ensemble

import (
	"fmt"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
)

// Flag bits of node_flags.
const (
	flagOpMask      = 0x0f
	flagMissShift   = 4
	flagMissMask    = 0x7
	flagDefaultTrue = 0x80
)

// ToNode validates e and encodes it as a "sinter.ml" TreeEnsemble node
// reading input and writing outputs (see the package documentation for the
// output order; "" omits one). The node's tensors do not alias e.
func ToNode(e *Ensemble, input string, outputs ...string) (*ir.Node, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	max := 3
	if e.Classes != nil {
		max = 4
	}
	if len(outputs) > max {
		return nil, fmt.Errorf("ensemble: this node has at most %d outputs, got %d", max, len(outputs))
	}
	n := &ir.Node{OpType: OpType, Domain: Domain, Inputs: []string{input}, Outputs: append([]string(nil), outputs...)}
	addInt := func(name string, v int64) {
		n.Attrs = append(n.Attrs, &ir.Attribute{Name: name, Type: ir.AttrInt, I: v})
	}
	addT := func(name string, t *tensor.Tensor) {
		n.Attrs = append(n.Attrs, &ir.Attribute{Name: name, Type: ir.AttrTensor, T: t})
	}
	addInt("n_features", int64(e.NumFeatures))
	addInt("n_targets", int64(e.NumTargets))
	addInt("precision", int64(e.Precision))
	addInt("accumulate", int64(e.Accumulate))
	addInt("aggregate", int64(e.Aggregate))
	addInt("post_transform", int64(e.Post))
	if e.PostScale != 0 && e.PostScale != 1 {
		addT("post_scale", tensor.From([]float64{e.PostScale}))
	}
	if e.BaseFirst {
		addInt("base_first", 1)
	}
	addInt("categories", int64(e.Categories))
	addInt("linear_nan", int64(e.LinearNaN))
	addInt("output_type", int64(e.OutputType))
	if e.BaseValues != nil {
		addT("base_values", tensor.From(append([]float64(nil), e.BaseValues...)))
	}
	if e.TreeWeights != nil {
		addT("tree_weights", tensor.From(append([]float64(nil), e.TreeWeights...)))
	}

	total := e.NumNodes()
	treeOff := make([]int64, 0, len(e.Trees)+1)
	flags := make([]uint8, 0, total)
	feat := make([]int32, 0, total)
	tr := make([]int32, 0, total)
	fa := make([]int32, 0, total)
	ids := make([]int32, 0, total)
	thr := make([]float64, 0, total)
	setOff := []int64{0}
	var setWords []uint32
	valOff := []int64{0}
	var vals []float64
	leafOff := []int64{0}
	var leafT []int32
	var leafV []float64
	linOff := []int64{0}
	var linT []int32
	var linC []float64
	linFO := []int64{0}
	var linF []int32
	var linK []float64
	hasLinear := false
	for ti := range e.Trees {
		treeOff = append(treeOff, int64(len(flags)))
		for ni := range e.Trees[ti].Nodes {
			nd := &e.Trees[ti].Nodes[ni]
			f := uint8(nd.Op) | uint8(nd.Missing)<<flagMissShift
			if nd.DefaultTrue {
				f |= flagDefaultTrue
			}
			flags = append(flags, f)
			ids = append(ids, nd.ID)
			if nd.Op == Leaf {
				feat = append(feat, 0)
				tr = append(tr, -1)
				fa = append(fa, -1)
				thr = append(thr, 0)
				for _, lv := range nd.Leaf {
					leafT = append(leafT, lv.Target)
					leafV = append(leafV, lv.Value)
				}
				leafOff = append(leafOff, int64(len(leafT)))
				for _, lt := range nd.Linear {
					hasLinear = true
					linT = append(linT, lt.Target)
					linC = append(linC, lt.Const)
					linF = append(linF, lt.Features...)
					linK = append(linK, lt.Coeffs...)
					linFO = append(linFO, int64(len(linF)))
				}
				linOff = append(linOff, int64(len(linT)))
				continue
			}
			feat = append(feat, nd.Feature)
			tr = append(tr, nd.True)
			fa = append(fa, nd.False)
			thr = append(thr, nd.Threshold)
			switch nd.Op {
			case InSet:
				setWords = append(setWords, nd.Cats...)
				setOff = append(setOff, int64(len(setWords)))
			case InValues:
				vals = append(vals, nd.Values...)
				valOff = append(valOff, int64(len(vals)))
			}
		}
	}
	treeOff = append(treeOff, int64(len(flags)))
	addT("tree_offsets", tensor.From(treeOff))
	addT("node_flags", tensor.From(flags))
	addT("node_feature", tensor.From(feat))
	addT("node_true", tensor.From(tr))
	addT("node_false", tensor.From(fa))
	addT("node_id", tensor.From(ids))
	addT("node_threshold", tensor.From(thr))
	if len(setOff) > 1 {
		addT("set_offsets", tensor.From(setOff))
		addT("set_words", tensor.From(nonNil(setWords)))
	}
	if len(valOff) > 1 {
		addT("values_offsets", tensor.From(valOff))
		addT("values", tensor.From(nonNil(vals)))
	}
	addT("leaf_offsets", tensor.From(leafOff))
	addT("leaf_targets", tensor.From(nonNil(leafT)))
	addT("leaf_values", tensor.From(nonNil(leafV)))
	if hasLinear {
		addT("linear_offsets", tensor.From(linOff))
		addT("linear_targets", tensor.From(linT))
		addT("linear_consts", tensor.From(linC))
		addT("linear_feat_offsets", tensor.From(linFO))
		addT("linear_features", tensor.From(nonNil(linF)))
		addT("linear_coeffs", tensor.From(nonNil(linK)))
	}
	if c := e.Classes; c != nil {
		if c.Strings != nil {
			ss := make([][]byte, len(c.Strings))
			for i, s := range c.Strings {
				ss[i] = []byte(s)
			}
			n.Attrs = append(n.Attrs, &ir.Attribute{Name: "classlabels_strings", Type: ir.AttrStrings, Strings: ss})
		} else {
			n.Attrs = append(n.Attrs, &ir.Attribute{Name: "classlabels_int64s", Type: ir.AttrInts, Ints: append([]int64(nil), c.Int64...)})
		}
	}
	return n, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// attrReader decodes attributes, remembering the first error.
type attrReader struct {
	n   *ir.Node
	err error
}

func (r *attrReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: attribute %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
}

func (r *attrReader) int(name string, def int64, lo, hi int64) int64 {
	a := r.n.Attr(name)
	if a == nil {
		return def
	}
	if a.Type != ir.AttrInt {
		r.fail("%q is %v, want int", name, a.Type)
		return def
	}
	if a.I < lo || a.I > hi {
		r.fail("%q = %d out of range [%d, %d]", name, a.I, lo, hi)
		return def
	}
	return a.I
}

// tensorOf returns the named tensor attribute as a 1-D []T (nil when absent
// and not required).
func tensorOf[T tensor.Elem](r *attrReader, name string, required bool) []T {
	a := r.n.Attr(name)
	if a == nil {
		if required {
			r.fail("%q is missing", name)
		}
		return nil
	}
	if a.Type != ir.AttrTensor || a.T == nil {
		r.fail("%q is %v, want tensor", name, a.Type)
		return nil
	}
	want := tensor.DTypeOf[T]()
	if a.T.DType() != want {
		r.fail("%q is a %v tensor, want %v", name, a.T.DType(), want)
		return nil
	}
	if a.T.Rank() > 1 {
		r.fail("%q has rank %d, want 1", name, a.T.Rank())
		return nil
	}
	return tensor.Data[T](a.T)
}

// checkOffsets verifies offs is non-decreasing from 0 with count+1 entries ending at total.
func checkOffsets(r *attrReader, name string, offs []int64, count, total int) {
	if r.err != nil {
		return
	}
	if len(offs) != count+1 {
		r.fail("%q has %d entries, want %d", name, len(offs), count+1)
		return
	}
	if offs[0] != 0 || offs[count] != int64(total) {
		r.fail("%q must run from 0 to %d", name, total)
		return
	}
	for i := 1; i < len(offs); i++ {
		if offs[i] < offs[i-1] {
			r.fail("%q decreases at %d", name, i)
			return
		}
	}
}

// FromNode decodes a "sinter.ml" TreeEnsemble node's attributes and
// validates the result. It never panics on malformed attributes. The
// returned Ensemble's slices may alias the node's tensors.
func FromNode(n *ir.Node) (*Ensemble, error) {
	r := &attrReader{n: n}
	e := &Ensemble{
		NumFeatures: int(r.int("n_features", -1, 0, MaxFeatures)),
		NumTargets:  int(r.int("n_targets", 1, 1, MaxTargets)),
		Precision:   Precision(r.int("precision", 0, 0, int64(numPrecision)-1)),
		Accumulate:  Accumulate(r.int("accumulate", 0, 0, int64(numAccum)-1)),
		Aggregate:   Aggregate(r.int("aggregate", 0, 0, int64(numAggregate)-1)),
		Post:        Post(r.int("post_transform", 0, 0, int64(numPost)-1)),
		BaseFirst:   r.int("base_first", 0, 0, 1) == 1,
		Categories:  Categories(r.int("categories", 0, 0, int64(numCategories)-1)),
		LinearNaN:   LinearNaN(r.int("linear_nan", 0, 0, int64(numLinearNaN)-1)),
		OutputType:  OutputType(r.int("output_type", 0, 0, int64(numOutputType)-1)),
	}
	if r.err == nil && n.Attr("n_features") == nil {
		r.fail("%q is missing", "n_features")
	}
	if ps := tensorOf[float64](r, "post_scale", false); ps != nil {
		if len(ps) != 1 {
			r.fail("%q needs one value", "post_scale")
		} else {
			e.PostScale = ps[0]
		}
	}
	if bv := tensorOf[float64](r, "base_values", false); bv != nil {
		e.BaseValues = bv
	}
	treeOff := tensorOf[int64](r, "tree_offsets", true)
	flags := tensorOf[uint8](r, "node_flags", true)
	feat := tensorOf[int32](r, "node_feature", true)
	tr := tensorOf[int32](r, "node_true", true)
	fa := tensorOf[int32](r, "node_false", true)
	ids := tensorOf[int32](r, "node_id", true)
	thr := tensorOf[float64](r, "node_threshold", true)
	setOff := tensorOf[int64](r, "set_offsets", false)
	setWords := tensorOf[uint32](r, "set_words", false)
	valOff := tensorOf[int64](r, "values_offsets", false)
	vals := tensorOf[float64](r, "values", false)
	leafOff := tensorOf[int64](r, "leaf_offsets", true)
	leafT := tensorOf[int32](r, "leaf_targets", true)
	leafV := tensorOf[float64](r, "leaf_values", true)
	linOff := tensorOf[int64](r, "linear_offsets", false)
	linT := tensorOf[int32](r, "linear_targets", false)
	linC := tensorOf[float64](r, "linear_consts", false)
	linFO := tensorOf[int64](r, "linear_feat_offsets", false)
	linF := tensorOf[int32](r, "linear_features", false)
	linK := tensorOf[float64](r, "linear_coeffs", false)
	if r.err != nil {
		return nil, r.err
	}
	if len(treeOff) == 0 {
		return nil, bad("attribute %q is empty", "tree_offsets")
	}
	nTrees := len(treeOff) - 1
	if nTrees > MaxTrees {
		return nil, bad("%d trees (limit %d)", nTrees, MaxTrees)
	}
	total := len(flags)
	checkOffsets(r, "tree_offsets", treeOff, nTrees, total)
	for _, l := range [][2]any{{"node_feature", len(feat)}, {"node_true", len(tr)}, {"node_false", len(fa)}, {"node_id", len(ids)}, {"node_threshold", len(thr)}} {
		if l[1].(int) != total {
			r.fail("%q has %d entries for %d nodes", l[0], l[1], total)
		}
	}
	if len(leafT) != len(leafV) {
		r.fail("%q and %q differ in length", "leaf_targets", "leaf_values")
	}
	if r.err != nil {
		return nil, r.err
	}
	nLeaves, nSets, nVals := 0, 0, 0
	for _, f := range flags {
		switch Op(f & flagOpMask) {
		case Leaf:
			nLeaves++
		case InSet:
			nSets++
		case InValues:
			nVals++
		}
	}
	checkOffsets(r, "leaf_offsets", leafOff, nLeaves, len(leafT))
	if nSets > 0 || setOff != nil {
		checkOffsets(r, "set_offsets", setOff, nSets, len(setWords))
	}
	if nVals > 0 || valOff != nil {
		checkOffsets(r, "values_offsets", valOff, nVals, len(vals))
	}
	if linOff != nil {
		nTerms := len(linT)
		checkOffsets(r, "linear_offsets", linOff, nLeaves, nTerms)
		if len(linC) != nTerms {
			r.fail("%q has %d entries for %d terms", "linear_consts", len(linC), nTerms)
		}
		if len(linF) != len(linK) {
			r.fail("%q and %q differ in length", "linear_features", "linear_coeffs")
		}
		checkOffsets(r, "linear_feat_offsets", linFO, nTerms, len(linF))
	}
	if r.err != nil {
		return nil, r.err
	}
	if w := tensorOf[float64](r, "tree_weights", false); w != nil {
		e.TreeWeights = w
	}
	if r.err != nil {
		return nil, r.err
	}

	// One backing array for all leaf values and one for linear terms, so
	// decoding a large model does not allocate per leaf.
	leaves := make([]LeafValue, len(leafT))
	for i := range leaves {
		leaves[i] = LeafValue{Target: leafT[i], Value: leafV[i]}
	}
	var terms []LinearTerm
	if linOff != nil {
		terms = make([]LinearTerm, len(linT))
		for i := range terms {
			lo, hi := linFO[i], linFO[i+1]
			terms[i] = LinearTerm{Target: linT[i], Const: linC[i], Features: linF[lo:hi:hi], Coeffs: linK[lo:hi:hi]}
		}
	}
	nodes := make([]Node, total)
	li, si, vi := 0, 0, 0
	for i := range nodes {
		f := flags[i]
		nd := &nodes[i]
		nd.Op = Op(f & flagOpMask)
		nd.Missing = Missing(f >> flagMissShift & flagMissMask)
		nd.DefaultTrue = f&flagDefaultTrue != 0
		nd.ID = ids[i]
		if nd.Op == Leaf {
			lo, hi := leafOff[li], leafOff[li+1]
			nd.Leaf = leaves[lo:hi:hi]
			if terms != nil {
				lo, hi = linOff[li], linOff[li+1]
				if hi > lo {
					nd.Linear = terms[lo:hi:hi]
				}
			}
			li++
			continue
		}
		nd.Feature, nd.True, nd.False, nd.Threshold = feat[i], tr[i], fa[i], thr[i]
		switch nd.Op {
		case InSet:
			lo, hi := setOff[si], setOff[si+1]
			nd.Cats = setWords[lo:hi:hi]
			si++
		case InValues:
			lo, hi := valOff[vi], valOff[vi+1]
			nd.Values = vals[lo:hi:hi]
			vi++
		}
	}
	e.Trees = make([]Tree, nTrees)
	for t := range e.Trees {
		e.Trees[t].Nodes = nodes[treeOff[t]:treeOff[t+1]:treeOff[t+1]]
	}
	if a := n.Attr("classlabels_int64s"); a != nil {
		if a.Type != ir.AttrInts {
			return nil, bad("attribute %q is %v, want ints", a.Name, a.Type)
		}
		e.Classes = &Classes{Int64: nonNil(a.Ints)}
	}
	if a := n.Attr("classlabels_strings"); a != nil {
		if a.Type != ir.AttrStrings {
			return nil, bad("attribute %q is %v, want strings", a.Name, a.Type)
		}
		if e.Classes != nil {
			return nil, bad("both int64 and string class labels")
		}
		ss := make([]string, len(a.Strings))
		for i, s := range a.Strings {
			ss[i] = string(s)
		}
		e.Classes = &Classes{Strings: ss}
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return e, nil
}

// Model wraps e in a whole ir.Model whose graph is one TreeEnsemble node.
// The input is named o.Input ("X" by default), typed o.InputType (Float32
// by default) with shape [N, NumFeatures]; outputs are named as in o.Outputs,
// by default "Y" for a regressor and "label", "probabilities" for a
// classifier (see the package documentation for the output order).
func Model(e *Ensemble, o ModelOptions) (*ir.Model, error) {
	in := o.Input
	if in == "" {
		in = "X"
	}
	it := o.InputType
	if it == tensor.Undefined {
		it = tensor.Float32
	}
	switch it {
	case tensor.Float32, tensor.Float64, tensor.Int32, tensor.Int64:
	default:
		return nil, fmt.Errorf("ensemble: input type %v not supported", it)
	}
	outs := o.Outputs
	if outs == nil {
		if e != nil && e.Classes != nil {
			outs = []string{"label", "probabilities"}
		} else {
			outs = []string{"Y"}
		}
	}
	node, err := ToNode(e, in, outs...)
	if err != nil {
		return nil, err
	}
	node.Name = o.NodeName
	batch := ir.Dim{Param: "N"}
	if o.Batch > 0 {
		batch = ir.Dim{Value: int64(o.Batch), Known: true}
	}
	known := func(v int) ir.Dim { return ir.Dim{Value: int64(v), Known: true} }
	ot := tensor.Float32
	if e.OutputType == OutFloat64 {
		ot = tensor.Float64
	}
	g := &ir.Graph{
		Name:   "tree_ensemble",
		Nodes:  []*ir.Node{node},
		Inputs: []*ir.ValueInfo{{Name: in, Type: &ir.Type{Kind: ir.KindTensor, Elem: it, HasShape: true, Shape: []ir.Dim{batch, known(e.NumFeatures)}}}},
	}
	width := e.NumTargets
	for i, name := range outs {
		if name == "" {
			continue
		}
		var t *ir.Type
		switch outputKind(e.Classes != nil, i) {
		case outLabel:
			lt := tensor.Int64
			if e.Classes.Strings != nil {
				lt = tensor.String
			}
			t = &ir.Type{Kind: ir.KindTensor, Elem: lt, HasShape: true, Shape: []ir.Dim{batch}}
		case outProba:
			t = &ir.Type{Kind: ir.KindTensor, Elem: ot, HasShape: true, Shape: []ir.Dim{batch, known(e.NumClasses())}}
		case outPred, outMargin:
			t = &ir.Type{Kind: ir.KindTensor, Elem: ot, HasShape: true, Shape: []ir.Dim{batch, known(width)}}
		case outLeaves:
			t = &ir.Type{Kind: ir.KindTensor, Elem: tensor.Int64, HasShape: true, Shape: []ir.Dim{batch, known(len(e.Trees))}}
		}
		g.Outputs = append(g.Outputs, &ir.ValueInfo{Name: name, Type: t})
	}
	if len(g.Outputs) == 0 {
		return nil, fmt.Errorf("ensemble: model needs at least one output")
	}
	producer := o.Producer
	if producer == "" {
		producer = "sinter"
	}
	return &ir.Model{
		IRVersion:    8,
		ProducerName: producer,
		Opsets:       map[string]int64{Domain: Version},
		Graph:        g,
	}, nil
}

// ModelOptions configures Model. The zero value is usable.
type ModelOptions struct {
	Input     string
	InputType tensor.DType
	// Outputs names the node's outputs in order ("" skips one); nil picks the defaults.
	Outputs []string
	// Batch fixes the batch dimension (0: symbolic "N").
	Batch    int
	NodeName string
	Producer string
}

// Output kinds, by position.
const (
	outPred = iota
	outLabel
	outProba
	outMargin
	outLeaves
	outNone
)

func outputKind(classifier bool, i int) int {
	if classifier {
		switch i {
		case 0:
			return outLabel
		case 1:
			return outProba
		case 2:
			return outMargin
		case 3:
			return outLeaves
		}
		return outNone
	}
	switch i {
	case 0:
		return outPred
	case 1:
		return outMargin
	case 2:
		return outLeaves
	}
	return outNone
}

// Output positions of the node, for kernels.
const (
	// Regressor outputs.
	RegY, RegMargin, RegLeaves = 0, 1, 2
	// Classifier outputs.
	ClsLabel, ClsProba, ClsMargin, ClsLeaves = 0, 1, 2, 3
)
