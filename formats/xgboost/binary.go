package xgboost

import (
	"encoding/binary"
	"math"
	"strconv"
)

// Sizes of the legacy binary format's fixed structs (little-endian, as
// every XGBoost build that wrote them on x86/arm64).
const (
	learnerParamSize = 136 // LearnerModelParamLegacy
	gbtreeParamSize  = 160 // GBTreeModelParam
	treeParamSize    = 148 // TreeParam
	nodeSize         = 20  // RegTree::Node
	statSize         = 16  // RTreeNodeStat
	gblinearParam    = 136 // DeprecatedGBLinearModelParam
)

// binReader reads the legacy format's primitives with bounds checks.
type binReader struct {
	b []byte
	i int
}

func (r *binReader) errorf(format string, args ...any) error {
	return path("binary@"+strconv.Itoa(r.i)).errorf(format, args...)
}

func (r *binReader) take(n int) ([]byte, error) {
	if n < 0 || n > len(r.b)-r.i {
		return nil, r.errorf("need %d bytes, %d left", n, len(r.b)-r.i)
	}
	s := r.b[r.i : r.i+n]
	r.i += n
	return s, nil
}

// count reads a dmlc vector/string length (uint64) and checks that elem×n
// bytes remain.
func (r *binReader) count(elem int) (int, error) {
	s, err := r.take(8)
	if err != nil {
		return 0, err
	}
	n := binary.LittleEndian.Uint64(s)
	if n > uint64(len(r.b)-r.i)/uint64(elem) {
		return 0, r.errorf("length %d exceeds the input", n)
	}
	return int(n), nil
}

func (r *binReader) str() (string, error) {
	n, err := r.count(1)
	if err != nil {
		return "", err
	}
	s, _ := r.take(n)
	return string(s), nil
}

func (r *binReader) floats() ([]float32, error) {
	n, err := r.count(4)
	if err != nil {
		return nil, err
	}
	s, _ := r.take(4 * n)
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(s[4*i:]))
	}
	return out, nil
}

func i32(b []byte, off int) int32  { return int32(binary.LittleEndian.Uint32(b[off:])) }
func u32(b []byte, off int) uint32 { return binary.LittleEndian.Uint32(b[off:]) }
func f32(b []byte, off int) float32 {
	return math.Float32frombits(binary.LittleEndian.Uint32(b[off:]))
}

// decodeBinary reads the legacy binary format:
//
//	["binf"] LearnerModelParamLegacy(136) string objective, string booster
//	gbtree/dart: GBTreeModelParam(160) num_trees × tree, int32 tree_info[num_trees]
//	             dart: vector<float> weight_drop (when num_trees > 0)
//	gblinear:    param(136) vector<float> weights
//	[vector<pair<string,string>> attributes, when contain_extra_attrs]
//
// a tree being TreeParam(148), num_nodes × Node(20), num_nodes × Stat(16).
// Strings and vectors are a uint64 count then the elements.
func decodeBinary(b []byte) (*Model, error) {
	r := &binReader{b: b}
	if len(b) >= 4 && string(b[:4]) == "binf" {
		r.i = 4
	}
	lp, err := r.take(learnerParamSize)
	if err != nil {
		return nil, err
	}
	m := &Model{Format: FormatBinary, NumParallelTree: 1}
	m.BaseScore = []float32{f32(lp, 0)}
	nf := u32(lp, 4)
	nc := i32(lp, 8)
	extraAttrs := i32(lp, 12) != 0
	major, minor := u32(lp, 20), u32(lp, 24)
	nt := u32(lp, 28)
	bfa := i32(lp, 32)
	if nf > maxCount || nc < 0 || nc > maxCount || nt > maxCount || major > 1000 || minor > 1000 {
		return nil, path("binary@4").errorf("implausible learner parameters (num_feature %d, num_class %d, num_target %d, version %d.%d)",
			nf, nc, nt, major, minor)
	}
	m.NumFeature, m.NumClass, m.NumTarget = int(nf), int(nc), int(nt)
	if m.NumTarget == 0 {
		// Written before num_target existed (reserved space was zero).
		m.NumTarget = 1
	}
	m.Version = [3]int{int(major), int(minor), 0}
	m.BaseScoreIsMargin = major < 1
	// boost_from_average came with 1.6 in reserved space: zero before.
	m.BoostFromAverage = bfa != 0
	if m.Objective, err = r.str(); err != nil {
		return nil, err
	}
	if m.Booster, err = r.str(); err != nil {
		return nil, err
	}
	switch m.Booster {
	case "gbtree", "dart":
		if err := m.readBinaryTrees(r); err != nil {
			return nil, err
		}
		if m.Booster == "dart" && len(m.Trees) > 0 {
			if m.WeightDrop, err = r.floats(); err != nil {
				return nil, err
			}
		}
	case "gblinear":
		if _, err := r.take(gblinearParam); err != nil {
			return nil, err
		}
		if m.LinearWeights, err = r.floats(); err != nil {
			return nil, err
		}
	default:
		return nil, r.errorf("%v: booster %q", ErrUnsupported, m.Booster)
	}
	if extraAttrs {
		n, err := r.count(16) // two empty strings at least
		if err != nil {
			return nil, err
		}
		m.Attributes = make(map[string]string, min(n, 64))
		for j := 0; j < n; j++ {
			k, err := r.str()
			if err != nil {
				return nil, err
			}
			v, err := r.str()
			if err != nil {
				return nil, err
			}
			m.Attributes[k] = v
		}
	}
	if r.i != len(r.b) {
		return nil, r.errorf("%d trailing bytes", len(r.b)-r.i)
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *Model) readBinaryTrees(r *binReader) error {
	gp, err := r.take(gbtreeParamSize)
	if err != nil {
		return err
	}
	numTrees := i32(gp, 0)
	if numTrees < 0 {
		return r.errorf("num_trees %d", numTrees)
	}
	// A tree takes at least its param, one node and one stat.
	if int64(numTrees) > int64(len(r.b)-r.i)/(treeParamSize+nodeSize+statSize) {
		return r.errorf("num_trees %d exceeds the input", numTrees)
	}
	if npt := i32(gp, 4); npt > 1 {
		// num_parallel_tree shares its slot with the old (always 1) num_roots.
		m.NumParallelTree = int(npt)
	}
	m.Trees = make([]*Tree, numTrees)
	for i := range m.Trees {
		t, err := readBinaryTree(r)
		if err != nil {
			return err
		}
		m.Trees[i] = t
	}
	info, err := r.take(4 * int(numTrees))
	if err != nil {
		return err
	}
	m.TreeInfo = make([]int, numTrees)
	for i := range m.TreeInfo {
		g := i32(info, 4*i)
		if g < 0 || g > maxCount {
			return r.errorf("tree_info[%d] = %d", i, g)
		}
		m.TreeInfo[i] = int(g)
	}
	return nil
}

func readBinaryTree(r *binReader) (*Tree, error) {
	tp, err := r.take(treeParamSize)
	if err != nil {
		return nil, err
	}
	n := i32(tp, 4)
	nf := i32(tp, 16)
	slv := i32(tp, 20)
	if n <= 0 || int64(n) > int64(len(r.b)-r.i)/(nodeSize+statSize) {
		return nil, r.errorf("tree with %d nodes in %d bytes", n, len(r.b)-r.i)
	}
	if nf < 0 || nf > maxCount {
		return nil, r.errorf("tree num_feature %d", nf)
	}
	if slv != 0 {
		return nil, r.errorf("%v: legacy leaf vectors (size_leaf_vector %d)", ErrUnsupported, slv)
	}
	t := &Tree{
		NumFeature:      int(nf),
		LeftChildren:    make([]int32, n),
		RightChildren:   make([]int32, n),
		Parents:         make([]int32, n),
		SplitIndices:    make([]int32, n),
		SplitConditions: make([]float32, n),
		DefaultLeft:     make([]bool, n),
		BaseWeights:     make([]float32, n),
		LossChanges:     make([]float32, n),
		SumHessian:      make([]float32, n),
	}
	nodes, _ := r.take(nodeSize * int(n))
	for i := 0; i < int(n); i++ {
		b := nodes[nodeSize*i:]
		t.Parents[i] = i32(b, 0) & math.MaxInt32
		t.LeftChildren[i] = i32(b, 4)
		t.RightChildren[i] = i32(b, 8)
		s := u32(b, 12)
		t.SplitIndices[i] = int32(s & math.MaxInt32)
		t.DefaultLeft[i] = s>>31 != 0
		t.SplitConditions[i] = f32(b, 16)
		if t.LeftChildren[i] < -1 {
			return nil, r.errorf("node %d: left child %d", i, t.LeftChildren[i])
		}
	}
	stats, _ := r.take(statSize * int(n))
	for i := 0; i < int(n); i++ {
		b := stats[statSize*i:]
		t.LossChanges[i] = f32(b, 0)
		t.SumHessian[i] = f32(b, 4)
		t.BaseWeights[i] = f32(b, 8)
	}
	return t, nil
}
