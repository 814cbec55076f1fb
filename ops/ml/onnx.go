package ml

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ir/ensemble"
	"github.com/sinter-ml/sinter/kernels/trees"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// floatsOrTensor reads a FLOATS attribute or its *_as_tensor twin (float or
// double). double reports the twin was double-typed.
func floatsOrTensor(n *ops.Node, name string) (vals []float64, double bool, err error) {
	t, err := n.TensorAttr(name + "_as_tensor")
	if err != nil {
		return nil, false, err
	}
	if t != nil {
		switch t.DType() {
		case tensor.Float64:
			return append([]float64(nil), t.Float64s()...), true, nil
		case tensor.Float32, tensor.Float16:
			v, err := tensor.ToFloat64(t)
			return v, false, err
		}
		return nil, false, fmt.Errorf("attribute %s_as_tensor has type %v", name, t.DType())
	}
	f, err := n.Floats(name)
	if err != nil {
		return nil, false, err
	}
	if f == nil {
		return nil, false, nil
	}
	out := make([]float64, len(f))
	for i, v := range f {
		out[i] = float64(v)
	}
	return out, false, nil
}

var onnxModes = map[string]ensemble.Op{
	"BRANCH_LEQ": ensemble.LE, "BRANCH_LT": ensemble.LT, "BRANCH_GTE": ensemble.GE, "BRANCH_GT": ensemble.GT,
	"BRANCH_EQ": ensemble.EQ, "BRANCH_NEQ": ensemble.NE, "LEAF": ensemble.Leaf,
}

var onnxPosts = map[string]ensemble.Post{
	"NONE": ensemble.None, "SOFTMAX": ensemble.Softmax, "LOGISTIC": ensemble.Logistic,
	"SOFTMAX_ZERO": ensemble.SoftmaxZero, "PROBIT": ensemble.Probit,
}

var onnxAggs = map[string]ensemble.Aggregate{
	"SUM": ensemble.Sum, "AVERAGE": ensemble.Average, "MIN": ensemble.Min, "MAX": ensemble.Max,
}

// onnxVote is one (tree, node) → (target, weight) entry.
type onnxVotes struct {
	tree, node, target []int64
	weight             []float64
}

// convertV3 builds an ensemble from TreeEnsembleRegressor/Classifier (v1,
// v3) attributes; votes come from the target_* or class_* attributes.
func convertV3(n *ops.Node, prefix string, nTargets int) (*ensemble.Ensemble, error) {
	ints := func(name string) []int64 {
		v, _ := n.Ints(name)
		return v
	}
	treeIDs, nodeIDs := ints("nodes_treeids"), ints("nodes_nodeids")
	feats, trueIDs, falseIDs := ints("nodes_featureids"), ints("nodes_truenodeids"), ints("nodes_falsenodeids")
	missing := ints("nodes_missing_value_tracks_true")
	modes, err := n.Strings("nodes_modes")
	if err != nil {
		return nil, err
	}
	values, double, err := floatsOrTensor(n, "nodes_values")
	if err != nil {
		return nil, err
	}
	nn := len(nodeIDs)
	if nn == 0 {
		return nil, fmt.Errorf("no tree nodes")
	}
	for _, c := range []struct {
		name string
		l    int
	}{{"nodes_treeids", len(treeIDs)}, {"nodes_modes", len(modes)}, {"nodes_featureids", len(feats)},
		{"nodes_truenodeids", len(trueIDs)}, {"nodes_falsenodeids", len(falseIDs)}} {
		if c.l != nn {
			return nil, fmt.Errorf("attribute %s has %d entries for %d nodes", c.name, c.l, nn)
		}
	}
	if values != nil && len(values) != nn {
		return nil, fmt.Errorf("attribute nodes_values has %d entries for %d nodes", len(values), nn)
	}
	if missing != nil && len(missing) != nn {
		return nil, fmt.Errorf("attribute nodes_missing_value_tracks_true has %d entries for %d nodes", len(missing), nn)
	}
	var v onnxVotes
	v.tree, v.node, v.target = ints(prefix+"_treeids"), ints(prefix+"_nodeids"), ints(prefix+"_ids")
	v.weight, _, err = floatsOrTensor(n, prefix+"_weights")
	if err != nil {
		return nil, err
	}
	nv := len(v.tree)
	if len(v.node) != nv || len(v.target) != nv || len(v.weight) != nv {
		return nil, fmt.Errorf("%s_* attributes differ in length", prefix)
	}

	type key struct{ tree, node int64 }
	pos := make(map[key]int, nn)
	var treeOrder []int64
	seenTree := map[int64]bool{}
	for i := 0; i < nn; i++ {
		k := key{treeIDs[i], nodeIDs[i]}
		if _, dup := pos[k]; dup {
			return nil, fmt.Errorf("tree %d node %d defined twice", k.tree, k.node)
		}
		pos[k] = i
		if !seenTree[treeIDs[i]] {
			seenTree[treeIDs[i]] = true
			treeOrder = append(treeOrder, treeIDs[i])
		}
	}
	// Leaf votes, in attribute order.
	votes := make(map[int][]ensemble.LeafValue)
	for i := 0; i < nv; i++ {
		p, ok := pos[key{v.tree[i], v.node[i]}]
		if !ok {
			return nil, fmt.Errorf("%s vote %d names missing node (tree %d, node %d)", prefix, i, v.tree[i], v.node[i])
		}
		if v.target[i] < 0 || v.target[i] >= int64(nTargets) {
			return nil, fmt.Errorf("%s vote %d: id %d out of range [0, %d)", prefix, i, v.target[i], nTargets)
		}
		votes[p] = append(votes[p], ensemble.LeafValue{Target: int32(v.target[i]), Value: v.weight[i]})
	}
	// The root of each tree is its node no other node points to.
	child := make([]bool, nn)
	ops := make([]ensemble.Op, nn)
	for i := 0; i < nn; i++ {
		op, ok := onnxModes[modes[i]]
		if !ok {
			return nil, fmt.Errorf("node mode %q unknown", modes[i])
		}
		ops[i] = op
		if op == ensemble.Leaf {
			continue
		}
		for _, c := range []int64{trueIDs[i], falseIDs[i]} {
			p, ok := pos[key{treeIDs[i], c}]
			if !ok {
				return nil, fmt.Errorf("tree %d node %d: child %d does not exist", treeIDs[i], nodeIDs[i], c)
			}
			child[p] = true
		}
	}
	roots := map[int64]int{}
	for i := 0; i < nn; i++ {
		if !child[i] {
			if _, dup := roots[treeIDs[i]]; dup {
				return nil, fmt.Errorf("tree %d has more than one root", treeIDs[i])
			}
			roots[treeIDs[i]] = i
		}
	}
	e := &ensemble.Ensemble{NumTargets: nTargets, Precision: ensemble.Float32, Accumulate: ensemble.AccumFloat32}
	if double {
		e.Precision, e.Accumulate = ensemble.Float64, ensemble.AccumFloat64
	}
	for i := 0; i < nn; i++ {
		if ops[i] != ensemble.Leaf && feats[i] >= int64(e.NumFeatures) {
			if feats[i] >= ensemble.MaxFeatures || feats[i] < 0 {
				return nil, fmt.Errorf("node %d: feature %d out of range", i, feats[i])
			}
			e.NumFeatures = int(feats[i]) + 1
		}
	}
	local := make([]int32, nn)
	for i := range local {
		local[i] = -1
	}
	for _, tid := range treeOrder {
		root, ok := roots[tid]
		if !ok {
			return nil, fmt.Errorf("tree %d has no root (cycle)", tid)
		}
		var nodes []ensemble.Node
		stack := []int{root}
		var order []int
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if local[p] >= 0 {
				return nil, fmt.Errorf("tree %d: node %d is reached twice", tid, nodeIDs[p])
			}
			local[p] = int32(len(order))
			order = append(order, p)
			if ops[p] != ensemble.Leaf {
				stack = append(stack, pos[key{tid, falseIDs[p]}], pos[key{tid, trueIDs[p]}])
			}
			if len(order) > nn {
				return nil, fmt.Errorf("tree %d is not a tree", tid)
			}
		}
		for _, p := range order {
			nd := ensemble.Node{Op: ops[p], ID: int32(nodeIDs[p])}
			if nd.Op == ensemble.Leaf {
				nd.Leaf = votes[p]
			} else {
				nd.Feature = int32(feats[p])
				if values != nil {
					nd.Threshold = values[p]
				}
				nd.True = local[pos[key{tid, trueIDs[p]}]]
				nd.False = local[pos[key{tid, falseIDs[p]}]]
				nd.Missing = ensemble.MissingIEEE
				if missing != nil && missing[p] != 0 {
					nd.Missing, nd.DefaultTrue = ensemble.MissingNaN, true
				}
			}
			nodes = append(nodes, nd)
		}
		e.Trees = append(e.Trees, ensemble.Tree{Nodes: nodes})
	}
	for p := range votes {
		if ops[p] != ensemble.Leaf {
			return nil, fmt.Errorf("a vote names tree %d node %d, which is not a leaf", treeIDs[p], nodeIDs[p])
		}
	}
	post, err := n.String("post_transform", "NONE")
	if err != nil {
		return nil, err
	}
	var ok bool
	if e.Post, ok = onnxPosts[post]; !ok {
		return nil, fmt.Errorf("post_transform %q unknown", post)
	}
	return e, nil
}

func bindOnnxRegressor(n *ops.Node) (ops.Kernel, error) {
	nt, err := n.Int("n_targets", 1)
	if err != nil {
		return nil, err
	}
	if nt < 1 || nt > ensemble.MaxTargets {
		return nil, fmt.Errorf("n_targets %d out of range", nt)
	}
	e, err := convertV3(n, "target", int(nt))
	if err != nil {
		return nil, err
	}
	agg, err := n.String("aggregate_function", "SUM")
	if err != nil {
		return nil, err
	}
	var ok bool
	if e.Aggregate, ok = onnxAggs[agg]; !ok {
		return nil, fmt.Errorf("aggregate_function %q unknown", agg)
	}
	padAverage(e)
	base, _, err := floatsOrTensor(n, "base_values")
	if err != nil {
		return nil, err
	}
	if len(base) > 0 {
		if len(base) != int(nt) {
			return nil, fmt.Errorf("%d base values for %d targets", len(base), nt)
		}
		e.BaseValues = base
	}
	return regressorKernel(e, n)
}

// padAverage makes an ensemble built from an ONNX AVERAGE node divide every
// target by the number of trees, as ONNX Runtime does: ensemble.Average
// divides each target by the trees that feed it, so each tree gets a zero
// vote for every target it does not feed (adding +0 to a sum that starts at
// +0 changes nothing).
func padAverage(e *ensemble.Ensemble) {
	if e.Aggregate != ensemble.Average {
		return
	}
	feeds := make([]bool, e.NumTargets)
	for ti := range e.Trees {
		nodes := e.Trees[ti].Nodes
		clear(feeds)
		first := -1
		for ni := range nodes {
			if nodes[ni].Op != ensemble.Leaf {
				continue
			}
			if first < 0 {
				first = ni
			}
			for _, lv := range nodes[ni].Leaf {
				feeds[lv.Target] = true
			}
			for _, lt := range nodes[ni].Linear {
				feeds[lt.Target] = true
			}
		}
		leaf := &nodes[first]
		for j, f := range feeds {
			if !f {
				leaf.Leaf = append(leaf.Leaf[:len(leaf.Leaf):len(leaf.Leaf)], ensemble.LeafValue{Target: int32(j)})
			}
		}
	}
}

// regressorKernel runs e and returns its predictions as the node's one
// float32 output (or the output type e declares).
func regressorKernel(e *ensemble.Ensemble, n *ops.Node) (ops.Kernel, error) {
	m, err := trees.Compile(e, trees.Options{Parallel: Parallel})
	if err != nil {
		return nil, err
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			rows, err := treeRows(in[0], e.NumFeatures, true)
			if err != nil {
				return err
			}
			out[0].DType = floatType(e)
			out[0].Shape = append(out[0].Shape[:0], rows, e.NumTargets)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			w := getWork()
			defer putWork(w)
			x, err := w.wideRowsOf(in[0], e.NumFeatures)
			if err != nil {
				return err
			}
			floatsOf(out[0], &w.out.Pred32, &w.out.Pred64)
			return m.Run(x, &w.out)
		},
	})
}

func bindOnnxClassifier(n *ops.Node) (ops.Kernel, error) {
	intLabels, err := n.Ints("classlabels_int64s")
	if err != nil {
		return nil, err
	}
	strLabels, err := n.Strings("classlabels_strings")
	if err != nil {
		return nil, err
	}
	if (intLabels == nil) == (strLabels == nil) {
		return nil, fmt.Errorf("exactly one of classlabels_int64s and classlabels_strings must be set")
	}
	nc := len(intLabels) + len(strLabels)
	if nc < 1 {
		return nil, fmt.Errorf("no class labels")
	}
	e, err := convertV3(n, "class", nc)
	if err != nil {
		return nil, err
	}
	base, doubleBase, err := floatsOrTensor(n, "base_values")
	if err != nil {
		return nil, err
	}
	if !doubleBase {
		// ONNX Runtime adds float base values in float; double ones
		// (base_values_as_tensor) in double.
		for i, b := range base {
			base[i] = f32(b)
		}
	}
	if len(base) > nc {
		return nil, fmt.Errorf("%d base values for %d classes", len(base), nc)
	}
	f := &ortClassifier{post: e.Post, base: base, nc: nc, has: make([]bool, nc), allPos: true}
	for _, t := range e.Trees {
		for _, nd := range t.Nodes {
			for _, lv := range nd.Leaf {
				f.has[lv.Target] = true
				if lv.Value < 0 {
					f.allPos = false
				}
			}
		}
	}
	used := 0
	for _, h := range f.has {
		if h {
			used++
		}
	}
	f.binaryCase = nc == 2 && used == 1
	// The kernel computes raw per-class sums; ONNX Runtime's classifier
	// finalisation (base values, binary special cases, transforms) follows.
	e.Post = ensemble.None
	if nc == 1 {
		return nil, fmt.Errorf("a classifier needs at least 2 classes")
	}
	m, err := trees.Compile(e, trees.Options{Parallel: Parallel})
	if err != nil {
		return nil, err
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			rows, err := treeRows(in[0], e.NumFeatures, true)
			if err != nil {
				return err
			}
			out[0].DType = tensor.Int64
			if strLabels != nil {
				out[0].DType = tensor.String
			}
			out[0].Shape = append(out[0].Shape[:0], rows)
			if len(out) > 1 {
				out[1].DType = tensor.Float32
				out[1].Shape = append(out[1].Shape[:0], rows, nc)
			}
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			w := getWork()
			defer putWork(w)
			x, err := w.wideRowsOf(in[0], e.NumFeatures)
			if err != nil {
				return err
			}
			rows := x.Rows
			margin := grow(&w.margin, rows*nc)
			w.out.Margin64 = margin
			if err := m.Run(x, &w.out); err != nil {
				return err
			}
			var p []float32
			if len(out) > 1 && out[1] != nil {
				p = out[1].Float32s()
			} else {
				p = grow(&w.proba, rows*nc)
			}
			clear(p) // finalize may leave the second of two classes alone
			cls := grow(&w.cls, rows)
			for r := 0; r < rows; r++ {
				cls[r] = int32(f.finalize(w, margin[r*nc:(r+1)*nc], p[r*nc:(r+1)*nc]))
			}
			if out[0] != nil {
				labelsInto(out[0], intLabels, strLabels, cls)
			}
			return nil
		},
	})
}

// ortClassifier reproduces ONNX Runtime's TreeEnsembleClassifier
// finalisation. has[c] (some leaf votes for class c) stands in for ONNX
// Runtime's per-row "has score" flags.
type ortClassifier struct {
	post       ensemble.Post
	base       []float64
	nc         int
	has        []bool
	allPos     bool
	binaryCase bool
}

func f32(v float64) float64 { return float64(float32(v)) }

// finalize turns one row of raw class sums s into probabilities z and
// returns the predicted class index, with w's memory as scratch.
func (f *ortClassifier) finalize(w *work, s []float64, z []float32) int {
	var hasBuf [2]bool
	if f.nc > 2 {
		has := grow(&w.has, f.nc)
		copy(has, f.has)
		for k, b := range f.base {
			if !has[k] {
				has[k], s[k] = true, b
			} else {
				s[k] = f32(s[k] + b)
			}
		}
		best := -1
		for k, v := range s {
			if has[k] && (best < 0 || v > s[best]) {
				best = k
			}
		}
		if best < 0 {
			best = 0
		}
		writeScores(f.post, s, z, grow(&w.tmp, len(s)))
		return best
	}
	has := hasBuf[:]
	copy(has, f.has)
	s0, s1 := s[0], s[1]
	n := 2
	wr := -1
	switch len(f.base) {
	case 2:
		if has[1] {
			s1 = f32(f.base[1] + s0)
			s0 = -s1
		} else {
			s1 = f32(s1 + f.base[1])
			s0 = f32(s0 + f.base[0])
		}
	case 1:
		s0 = f32(s0 + f.base[0])
		if !has[1] {
			n = 1
		}
	case 0:
		wr = 3
		if !has[1] {
			n = 1
		}
	}
	pos := 0.0
	switch {
	case n == 2 && has[1]:
		pos = s1
	case has[0]:
		pos = s0
	}
	label := 0
	if f.binaryCase {
		switch {
		case f.allPos && pos > 0.5:
			wr, label = 0, 1
		case f.allPos:
			wr, label = 1, 0
		case pos > 0:
			wr, label = 2, 1
		default:
			wr, label = 3, 0
		}
	} else if pos > 0 {
		label = 1
	}
	if n == 2 {
		s2 := [2]float64{s0, s1}
		writeScores(f.post, s2[:], z, grow(&w.tmp, 2))
		return label
	}
	if f.post == ensemble.Probit {
		z[0] = float32(ensemble.Probit1(s0))
		return label
	}
	switch wr {
	case 0, 1:
		z[0], z[1] = float32(1-s0), float32(s0)
	case 2, 3:
		if f.post == ensemble.Logistic {
			z[0], z[1] = float32(ortLogistic(-s0)), float32(ortLogistic(s0))
		} else if wr == 2 {
			z[0], z[1] = float32(-s0), float32(s0)
		} else {
			z[0], z[1] = float32(s0), float32(-s0)
		}
	default:
		z[0] = float32(s0)
	}
	return label
}

// ortLogistic is ONNX Runtime's logistic: 1/(1+e^−|x|), mirrored for x < 0.
func ortLogistic(x float64) float64 {
	// float32 steps, as ONNX Runtime computes it with expf.
	e := float32(math.Exp(-math.Abs(float64(float32(x)))))
	v := 1 / (1 + e)
	if x < 0 {
		return float64(1 - v)
	}
	return float64(v)
}

// writeScores applies an ONNX post transform to a row of ≥ 2 scores,
// with tmp (len(s) values) as working memory.
func writeScores(p ensemble.Post, s []float64, z []float32, tmp []float64) {
	if p == ensemble.Logistic {
		for k, v := range s {
			z[k] = float32(ortLogistic(v))
		}
		return
	}
	out := tmp[:len(s)]
	ensemble.ApplyPost(p, 1, s, out)
	for k, v := range out {
		z[k] = float32(v)
	}
}
