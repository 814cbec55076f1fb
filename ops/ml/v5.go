package ml

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ir/ensemble"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// v5 enums.
var v5Modes = [...]ensemble.Op{ensemble.LE, ensemble.LT, ensemble.GE, ensemble.GT, ensemble.EQ, ensemble.NE, ensemble.InValues}
var v5Posts = [...]ensemble.Post{ensemble.None, ensemble.Softmax, ensemble.Logistic, ensemble.SoftmaxZero, ensemble.Probit}
var v5Aggs = [...]ensemble.Aggregate{ensemble.Average, ensemble.Sum, ensemble.Min, ensemble.Max}

func tensorFloats(n *ops.Node, name string, required bool) ([]float64, tensor.DType, error) {
	t, err := n.TensorAttr(name)
	if err != nil {
		return nil, 0, err
	}
	if t == nil {
		if required {
			return nil, 0, fmt.Errorf("attribute %s is missing", name)
		}
		return nil, 0, nil
	}
	if !t.DType().IsFloat() {
		return nil, 0, fmt.Errorf("attribute %s has type %v", name, t.DType())
	}
	v, err := tensor.ToFloat64(t)
	return v, t.DType(), err
}

// bindTreeEnsembleV5 converts ai.onnx.ml TreeEnsemble (v5).
func bindTreeEnsembleV5(n *ops.Node) (ops.Kernel, error) {
	ints := func(name string) []int64 {
		v, _ := n.Ints(name)
		return v
	}
	roots := ints("tree_roots")
	feats := ints("nodes_featureids")
	trueIDs, falseIDs := ints("nodes_truenodeids"), ints("nodes_falsenodeids")
	trueLeaf, falseLeaf := ints("nodes_trueleafs"), ints("nodes_falseleafs")
	missing := ints("nodes_missing_value_tracks_true")
	leafTargets := ints("leaf_targetids")
	modesT, err := n.TensorAttr("nodes_modes")
	if err != nil {
		return nil, err
	}
	if modesT == nil || (modesT.DType() != tensor.Uint8 && modesT.DType() != tensor.Int32) {
		return nil, fmt.Errorf("attribute nodes_modes must be a uint8 tensor")
	}
	modes, err := tensor.ToFloat64(modesT)
	if err != nil {
		return nil, err
	}
	splits, splitType, err := tensorFloats(n, "nodes_splits", true)
	if err != nil {
		return nil, err
	}
	weights, _, err := tensorFloats(n, "leaf_weights", true)
	if err != nil {
		return nil, err
	}
	members, _, err := tensorFloats(n, "membership_values", false)
	if err != nil {
		return nil, err
	}
	nn := len(feats)
	for _, c := range []struct {
		name string
		l    int
	}{{"nodes_splits", len(splits)}, {"nodes_modes", len(modes)}, {"nodes_truenodeids", len(trueIDs)},
		{"nodes_falsenodeids", len(falseIDs)}, {"nodes_trueleafs", len(trueLeaf)}, {"nodes_falseleafs", len(falseLeaf)}} {
		if c.l != nn {
			return nil, fmt.Errorf("attribute %s has %d entries for %d nodes", c.name, c.l, nn)
		}
	}
	if missing != nil && len(missing) != nn {
		return nil, fmt.Errorf("attribute nodes_missing_value_tracks_true has %d entries for %d nodes", len(missing), nn)
	}
	if len(leafTargets) != len(weights) {
		return nil, fmt.Errorf("leaf_targetids and leaf_weights differ in length")
	}
	nt, err := n.Int("n_targets", 1)
	if err != nil {
		return nil, err
	}
	if nt < 1 || nt > ensemble.MaxTargets {
		return nil, fmt.Errorf("n_targets %d out of range", nt)
	}
	agg, err := n.Int("aggregate_function", 1)
	if err != nil {
		return nil, err
	}
	post, err := n.Int("post_transform", 0)
	if err != nil {
		return nil, err
	}
	if agg < 0 || int(agg) >= len(v5Aggs) || post < 0 || int(post) >= len(v5Posts) {
		return nil, fmt.Errorf("aggregate_function %d or post_transform %d out of range", agg, post)
	}
	e := &ensemble.Ensemble{NumTargets: int(nt), Aggregate: v5Aggs[agg], Post: v5Posts[post],
		Precision: ensemble.Float32, Accumulate: ensemble.AccumFloat32}
	if splitType == tensor.Float64 {
		e.Precision, e.Accumulate, e.OutputType = ensemble.Float64, ensemble.AccumFloat64, ensemble.OutFloat64
	}
	// Membership sets: the k-th MEMBER node takes the k-th NaN-separated run.
	var sets [][]float64
	var cur []float64
	for _, v := range members {
		if math.IsNaN(v) {
			sets = append(sets, cur)
			cur = nil
			continue
		}
		cur = append(cur, v)
	}
	if len(cur) > 0 {
		sets = append(sets, cur)
	}
	setOf := make([]int, nn)
	k := 0
	for i := 0; i < nn; i++ {
		m := int(modes[i])
		if m < 0 || m >= len(v5Modes) || float64(m) != modes[i] {
			return nil, fmt.Errorf("node %d: mode %v unknown", i, modes[i])
		}
		if v5Modes[m] == ensemble.InValues {
			if k >= len(sets) {
				return nil, fmt.Errorf("membership_values has too few sets")
			}
			setOf[i] = k
			k++
		}
		if feats[i] < 0 || feats[i] >= ensemble.MaxFeatures {
			return nil, fmt.Errorf("node %d: feature %d out of range", i, feats[i])
		}
		e.NumFeatures = max(e.NumFeatures, int(feats[i])+1)
	}
	// Walk each tree from its root; interior nodes may be used once, leaves
	// are copied at each reference.
	used := make([]bool, nn)
	for ti, root := range roots {
		if root < 0 || root >= int64(nn) {
			return nil, fmt.Errorf("tree %d: root %d out of range", ti, root)
		}
		var nodes []ensemble.Node
		type ref struct {
			idx    int64
			leaf   bool
			parent int
			isTrue bool
		}
		stack := []ref{{idx: root, parent: -1}}
		// A single-node tree is a split whose two branches name the same leaf.
		if trueLeaf[root] != 0 && falseLeaf[root] != 0 && trueIDs[root] == falseIDs[root] {
			stack = []ref{{idx: trueIDs[root], leaf: true, parent: -1}}
		}
		for len(stack) > 0 {
			r := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			here := int32(len(nodes))
			if r.parent >= 0 {
				if r.isTrue {
					nodes[r.parent].True = here
				} else {
					nodes[r.parent].False = here
				}
			}
			if r.leaf {
				if r.idx < 0 || r.idx >= int64(len(weights)) {
					return nil, fmt.Errorf("tree %d: leaf %d out of range", ti, r.idx)
				}
				t := leafTargets[r.idx]
				if t < 0 || t >= nt {
					return nil, fmt.Errorf("leaf %d: target %d out of range", r.idx, t)
				}
				nodes = append(nodes, ensemble.Node{Op: ensemble.Leaf, ID: int32(r.idx), Leaf: []ensemble.LeafValue{{Target: int32(t), Value: weights[r.idx]}}})
				continue
			}
			i := r.idx
			if i < 0 || i >= int64(nn) {
				return nil, fmt.Errorf("tree %d: node %d out of range", ti, i)
			}
			if used[i] {
				return nil, fmt.Errorf("node %d is reached twice", i)
			}
			used[i] = true
			nd := ensemble.Node{Op: v5Modes[int(modes[i])], Feature: int32(feats[i]), Threshold: splits[i], ID: int32(i), Missing: ensemble.MissingIEEE}
			if nd.Op == ensemble.InValues {
				nd.Values, nd.Threshold = sets[setOf[i]], 0
			}
			if missing != nil && missing[i] != 0 {
				nd.Missing, nd.DefaultTrue = ensemble.MissingNaN, true
			}
			p := len(nodes)
			nodes = append(nodes, nd)
			stack = append(stack, ref{falseIDs[i], falseLeaf[i] != 0, p, false}, ref{trueIDs[i], trueLeaf[i] != 0, p, true})
			if len(nodes) > nn+len(weights)+1 {
				return nil, fmt.Errorf("tree %d is not a tree", ti)
			}
		}
		e.Trees = append(e.Trees, ensemble.Tree{Nodes: nodes})
	}
	padAverage(e)
	return regressorKernel(e, n)
}
