package xgboost

import (
	"fmt"
	"math"
)

// fromDocument reads a decoded JSON/UBJSON document into a Model. Both
// encodings carry the same schema (XGBoost's Json value tree).
func fromDocument(doc *value, format Format) (*Model, error) {
	m := &Model{Format: format, NumParallelTree: 1, NumTarget: 1}
	root, err := doc.object("$")
	if err != nil {
		return nil, err
	}
	if v := root.field("version"); v != nil {
		ver, err := v.int32s("$.version", 0, math.MaxInt32)
		if err != nil {
			return nil, err
		}
		if len(ver) != 3 {
			return nil, path("$.version").errorf("want 3 numbers, have %d", len(ver))
		}
		m.Version = [3]int{int(ver[0]), int(ver[1]), int(ver[2])}
	}
	lv, lp, err := root.need("$", "learner")
	if err != nil {
		return nil, err
	}
	if _, err := lv.object(lp); err != nil {
		return nil, err
	}

	// learner_model_param
	mp, mpp, err := lv.need(lp, "learner_model_param")
	if err != nil {
		return nil, err
	}
	if _, err := mp.object(mpp); err != nil {
		return nil, err
	}
	bs, bsp, err := mp.need(mpp, "base_score")
	if err != nil {
		return nil, err
	}
	bss, err := bs.text(bsp)
	if err != nil {
		return nil, err
	}
	if m.BaseScore, err = parseBaseScore(bsp, bss); err != nil {
		return nil, err
	}
	nf, nfp, err := mp.need(mpp, "num_feature")
	if err != nil {
		return nil, err
	}
	n, err := nf.integer(nfp, 0, maxCount)
	if err != nil {
		return nil, err
	}
	m.NumFeature = int(n)
	nc, ncp, err := mp.need(mpp, "num_class")
	if err != nil {
		return nil, err
	}
	if n, err = nc.integer(ncp, 0, maxCount); err != nil {
		return nil, err
	}
	m.NumClass = int(n)
	if v := mp.field("num_target"); v != nil {
		if n, err = v.integer(mpp.key("num_target"), 1, maxCount); err != nil {
			return nil, err
		}
		m.NumTarget = int(n)
	}
	m.BoostFromAverage = true
	if v := mp.field("boost_from_average"); v != nil {
		if n, err = v.integer(mpp.key("boost_from_average"), 0, 1); err != nil {
			return nil, err
		}
		m.BoostFromAverage = n != 0
	}

	// objective
	ov, op, err := lv.need(lp, "objective")
	if err != nil {
		return nil, err
	}
	if _, err := ov.object(op); err != nil {
		return nil, err
	}
	on, onp, err := ov.need(op, "name")
	if err != nil {
		return nil, err
	}
	if m.Objective, err = on.text(onp); err != nil {
		return nil, err
	}

	// attributes, feature names and types (all optional)
	if v := lv.field("attributes"); v != nil {
		ap := lp.key("attributes")
		if _, err := v.object(ap); err != nil {
			return nil, err
		}
		m.Attributes = make(map[string]string, len(v.obj))
		for _, kv := range v.obj {
			s, err := kv.val.text(ap.key(kv.key))
			if err != nil {
				return nil, err
			}
			m.Attributes[kv.key] = s
		}
	}
	if v := lv.field("feature_names"); v != nil {
		if m.FeatureNames, err = v.strings(lp.key("feature_names")); err != nil {
			return nil, err
		}
	}
	if v := lv.field("feature_types"); v != nil {
		if m.FeatureTypes, err = v.strings(lp.key("feature_types")); err != nil {
			return nil, err
		}
	}

	// gradient_booster
	gb, gbp, err := lv.need(lp, "gradient_booster")
	if err != nil {
		return nil, err
	}
	if _, err := gb.object(gbp); err != nil {
		return nil, err
	}
	gn, gnp, err := gb.need(gbp, "name")
	if err != nil {
		return nil, err
	}
	if m.Booster, err = gn.text(gnp); err != nil {
		return nil, err
	}
	switch m.Booster {
	case "gbtree":
		if err := m.readGBTree(gb, gbp); err != nil {
			return nil, err
		}
	case "dart":
		inner, ip, err := gb.need(gbp, "gbtree")
		if err != nil {
			return nil, err
		}
		if _, err := inner.object(ip); err != nil {
			return nil, err
		}
		if err := m.readGBTree(inner, ip); err != nil {
			return nil, err
		}
		wd, wdp, err := gb.need(gbp, "weight_drop")
		if err != nil {
			return nil, err
		}
		if m.WeightDrop, err = wd.float32s(wdp); err != nil {
			return nil, err
		}
	case "gblinear":
		mv, mvp, err := gb.need(gbp, "model")
		if err != nil {
			return nil, err
		}
		if _, err := mv.object(mvp); err != nil {
			return nil, err
		}
		w, wp, err := mv.need(mvp, "weights")
		if err != nil {
			return nil, err
		}
		if m.LinearWeights, err = w.float32s(wp); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w: %s: booster %q", ErrUnsupported, gnp, m.Booster)
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// readGBTree reads a gbtree object: {"model": {gbtree_model_param, tree_info, trees}}.
func (m *Model) readGBTree(gb *value, gbp path) error {
	mv, mp, err := gb.need(gbp, "model")
	if err != nil {
		return err
	}
	if _, err := mv.object(mp); err != nil {
		return err
	}
	pv, pp, err := mv.need(mp, "gbtree_model_param")
	if err != nil {
		return err
	}
	if _, err := pv.object(pp); err != nil {
		return err
	}
	nt, ntp, err := pv.need(pp, "num_trees")
	if err != nil {
		return err
	}
	numTrees, err := nt.integer(ntp, 0, math.MaxInt32)
	if err != nil {
		return err
	}
	if v := pv.field("num_parallel_tree"); v != nil {
		n, err := v.integer(pp.key("num_parallel_tree"), 1, math.MaxInt32)
		if err != nil {
			return err
		}
		m.NumParallelTree = int(n)
	}
	ti, tip, err := mv.need(mp, "tree_info")
	if err != nil {
		return err
	}
	info, err := ti.int32s(tip, 0, maxCount)
	if err != nil {
		return err
	}
	m.TreeInfo = make([]int, len(info))
	for i, g := range info {
		m.TreeInfo[i] = int(g)
	}
	tv, tp, err := mv.need(mp, "trees")
	if err != nil {
		return err
	}
	trees, err := tv.list(tp)
	if err != nil {
		return err
	}
	if int64(len(trees)) != numTrees {
		return pp.key("num_trees").errorf("%d, but %d trees stored", numTrees, len(trees))
	}
	m.Trees = make([]*Tree, len(trees))
	for i := range trees {
		t, err := readTree(&trees[i], tp.index(i))
		if err != nil {
			return err
		}
		m.Trees[i] = t
	}
	return nil
}

func readTree(v *value, p path) (*Tree, error) {
	if _, err := v.object(p); err != nil {
		return nil, err
	}
	t := &Tree{}
	tpv, tpp, err := v.need(p, "tree_param")
	if err != nil {
		return nil, err
	}
	if _, err := tpv.object(tpp); err != nil {
		return nil, err
	}
	nn, nnp, err := tpv.need(tpp, "num_nodes")
	if err != nil {
		return nil, err
	}
	numNodes, err := nn.integer(nnp, 1, math.MaxInt32)
	if err != nil {
		return nil, err
	}
	if f := tpv.field("num_feature"); f != nil {
		n, err := f.integer(tpp.key("num_feature"), 0, maxCount)
		if err != nil {
			return nil, err
		}
		t.NumFeature = int(n)
	}
	if f := tpv.field("size_leaf_vector"); f != nil {
		n, err := f.integer(tpp.key("size_leaf_vector"), 0, maxCount)
		if err != nil {
			return nil, err
		}
		t.SizeLeafVector = int(n)
	}

	ints := func(name string, lo, hi int64, required bool) ([]int32, error) {
		f := v.field(name)
		if f == nil {
			if required {
				return nil, p.key(name).errorf("missing")
			}
			return nil, nil
		}
		return f.int32s(p.key(name), lo, hi)
	}
	floats := func(name string, required bool) ([]float32, error) {
		f := v.field(name)
		if f == nil {
			if required {
				return nil, p.key(name).errorf("missing")
			}
			return nil, nil
		}
		return f.float32s(p.key(name))
	}
	if t.LeftChildren, err = ints("left_children", -1, math.MaxInt32, true); err != nil {
		return nil, err
	}
	if int64(len(t.LeftChildren)) != numNodes {
		return nil, nnp.errorf("%d, but left_children has %d entries", numNodes, len(t.LeftChildren))
	}
	if t.RightChildren, err = ints("right_children", math.MinInt32, math.MaxInt32, true); err != nil {
		return nil, err
	}
	if t.Parents, err = ints("parents", math.MinInt32, math.MaxInt32, false); err != nil {
		return nil, err
	}
	// Split indices are unsigned in XGBoost; deleted nodes carry 2^31-1.
	if t.SplitIndices, err = ints("split_indices", 0, math.MaxInt32, true); err != nil {
		return nil, err
	}
	if t.SplitConditions, err = floats("split_conditions", true); err != nil {
		return nil, err
	}
	if t.BaseWeights, err = floats("base_weights", false); err != nil {
		return nil, err
	}
	if t.LeafWeights, err = floats("leaf_weights", false); err != nil {
		return nil, err
	}
	if t.LossChanges, err = floats("loss_changes", false); err != nil {
		return nil, err
	}
	if t.SumHessian, err = floats("sum_hessian", false); err != nil {
		return nil, err
	}
	if t.DefaultLeft, err = readBools(v.field("default_left"), p.key("default_left")); err != nil {
		return nil, err
	}
	if st, err := ints("split_type", 0, 1, false); err != nil {
		return nil, err
	} else if st != nil {
		t.SplitType = make([]uint8, len(st))
		for i, x := range st {
			t.SplitType[i] = uint8(x)
		}
	}
	if t.Categories, err = ints("categories", 0, math.MaxInt32, false); err != nil {
		return nil, err
	}
	if t.CategoriesNodes, err = ints("categories_nodes", 0, math.MaxInt32, false); err != nil {
		return nil, err
	}
	if t.CategoriesSegments, err = ints("categories_segments", 0, math.MaxInt32, false); err != nil {
		return nil, err
	}
	if t.CategoriesSizes, err = ints("categories_sizes", 0, math.MaxInt32, false); err != nil {
		return nil, err
	}
	return t, nil
}

// readBools reads default_left: 0/1 numbers (XGBoost ≥ 1.3 writes a U8
// array) or JSON booleans (older writers).
func readBools(v *value, p path) ([]bool, error) {
	if v == nil {
		return nil, p.errorf("missing")
	}
	if v.kind == vArray {
		out := make([]bool, len(v.arr))
		for i := range v.arr {
			e := &v.arr[i]
			if e.kind != vBool {
				return nil, p.index(i).errorf("want a boolean, have %s", e.kind)
			}
			out[i] = e.num != 0
		}
		return out, nil
	}
	xs, err := v.int32s(p, 0, 1)
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(xs))
	for i, x := range xs {
		out[i] = x != 0
	}
	return out, nil
}
