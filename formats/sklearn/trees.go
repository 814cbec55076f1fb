package sklearn

import (
	"math"

	"github.com/sinter-ml/sinter/formats/sklearn/pickle"
	"github.com/sinter-ml/sinter/ir/ensemble"
)

// skTree is a sklearn.tree._tree.Tree's arrays.
type skTree struct {
	n                   int
	left, right         []int64
	feature             []int64
	threshold           []float64
	nSamples            []float64
	missingLeft         []float64 // nil before scikit-learn 1.3
	outputs, maxClasses int
	values              []float64 // [n, outputs, maxClasses]
}

// readTree reads the tree_ of a fitted sklearn tree estimator.
func readTree(e est, nFeat int) (*skTree, error) {
	tv, err := e.get("tree_")
	if err != nil {
		return nil, err
	}
	to, ok := tv.(*pickle.Object)
	if !ok || to.Class.String() != "sklearn.tree._tree.Tree" {
		return nil, invalid("%s.tree_ is %s", e.name, pickle.TypeName(tv))
	}
	t := est{o: to, name: "Tree", b: e.b}
	if len(to.Args) < 3 {
		return nil, invalid("Tree is built from %d arguments, want 3", len(to.Args))
	}
	if nf, ok := pickle.ToInt(to.Args[0]); !ok || nf != int64(nFeat) {
		return nil, invalid("Tree has %s features, its estimator %d", pickle.TypeName(to.Args[0]), nFeat)
	}
	nodes, err := t.array("nodes")
	if err != nil {
		return nil, err
	}
	count, err := t.int("node_count")
	if err != nil {
		return nil, err
	}
	if count < 1 || count > ensemble.MaxTreeNodes || int64(nodes.Len()) != count || len(nodes.Shape) != 1 {
		return nil, invalid("Tree has node_count %d and %d nodes", count, nodes.Len())
	}
	if err := t.charge(8 * int(count)); err != nil {
		return nil, err
	}
	tr := &skTree{n: int(count)}
	col := func(name string) ([]float64, error) {
		c, err := nodes.Column(name)
		if err != nil {
			return nil, invalid("Tree nodes: %v", err)
		}
		return c, nil
	}
	var l, r, f []float64
	if l, err = col("left_child"); err != nil {
		return nil, err
	}
	if r, err = col("right_child"); err != nil {
		return nil, err
	}
	if f, err = col("feature"); err != nil {
		return nil, err
	}
	if tr.threshold, err = col("threshold"); err != nil {
		return nil, err
	}
	if tr.nSamples, err = col("n_node_samples"); err != nil {
		return nil, err
	}
	if nodes.HasField("missing_go_to_left") {
		if tr.missingLeft, err = col("missing_go_to_left"); err != nil {
			return nil, err
		}
	}
	tr.left, tr.right, tr.feature = ints(l), ints(r), ints(f)
	vals, err := t.array("values")
	if err != nil {
		return nil, err
	}
	if len(vals.Shape) != 3 || vals.Shape[0] != tr.n || vals.Shape[1] < 1 || vals.Shape[2] < 1 {
		return nil, invalid("Tree values have shape %v for %d nodes", vals.Shape, tr.n)
	}
	if err := t.charge(2 * vals.Len()); err != nil {
		return nil, err
	}
	tr.outputs, tr.maxClasses = vals.Shape[1], vals.Shape[2]
	if tr.values, err = vals.Float64s(); err != nil {
		return nil, err
	}
	return tr, nil
}

func ints(f []float64) []int64 {
	out := make([]int64, len(f))
	for i, v := range f {
		out[i] = int64(v)
	}
	return out
}

// isLeaf follows scikit-learn: a node is a leaf when its left child is TREE_LEAF (-1).
func (t *skTree) isLeaf(i int) bool { return t.left[i] == -1 }

// value returns values[i, o, c].
func (t *skTree) value(i, o, c int) float64 {
	return t.values[(i*t.outputs+o)*t.maxClasses+c]
}

// toEnsemble converts t into an ensemble tree; leaf gives a leaf's
// contributions; featMap (nil: identity) maps the tree's feature indices
// to the model's.
func (t *skTree) toEnsemble(nFeat int, featMap []int64, leaf func(i int) []ensemble.LeafValue) (ensemble.Tree, error) {
	nodes := make([]ensemble.Node, t.n)
	for i := range nodes {
		nd := &nodes[i]
		nd.ID = int32(i)
		if t.isLeaf(i) {
			nd.Op = ensemble.Leaf
			nd.Leaf = leaf(i)
			continue
		}
		f := t.feature[i]
		if featMap != nil {
			if f < 0 || f >= int64(len(featMap)) {
				return ensemble.Tree{}, invalid("tree node %d tests feature %d of %d", i, f, len(featMap))
			}
			f = featMap[f]
		}
		if f < 0 || f >= int64(nFeat) {
			return ensemble.Tree{}, invalid("tree node %d tests feature %d of %d", i, f, nFeat)
		}
		if t.left[i] < 0 || t.left[i] >= int64(t.n) || t.right[i] < 0 || t.right[i] >= int64(t.n) {
			return ensemble.Tree{}, invalid("tree node %d has children %d, %d of %d nodes", i, t.left[i], t.right[i], t.n)
		}
		if math.IsNaN(t.threshold[i]) {
			return ensemble.Tree{}, invalid("tree node %d has a NaN threshold", i)
		}
		nd.Op = ensemble.LE
		nd.Feature = int32(f)
		nd.Threshold = t.threshold[i]
		nd.True, nd.False = int32(t.left[i]), int32(t.right[i])
		nd.Missing = ensemble.MissingIEEE
		if t.missingLeft != nil {
			nd.Missing = ensemble.MissingNaN
			nd.DefaultTrue = t.missingLeft[i] != 0
		}
	}
	return ensemble.Tree{Nodes: nodes}, nil
}

// classifierLeaf gives predict_proba's leaf rows: value / sum (a zero sum
// divides by 1), one target per class.
func (t *skTree) classifierLeaf(nClasses int) func(i int) []ensemble.LeafValue {
	return func(i int) []ensemble.LeafValue {
		sum := 0.0
		for c := range nClasses {
			sum += t.value(i, 0, c)
		}
		if sum == 0 {
			sum = 1
		}
		lv := make([]ensemble.LeafValue, nClasses)
		for c := range lv {
			lv[c] = ensemble.LeafValue{Target: int32(c), Value: t.value(i, 0, c) / sum}
		}
		return lv
	}
}

// regressorLeaf gives one value per output.
func (t *skTree) regressorLeaf() func(i int) []ensemble.LeafValue {
	return func(i int) []ensemble.LeafValue {
		lv := make([]ensemble.LeafValue, t.outputs)
		for o := range lv {
			lv[o] = ensemble.LeafValue{Target: int32(o), Value: t.value(i, o, 0)}
		}
		return lv
	}
}

var treeClassifiers = map[string]bool{"DecisionTreeClassifier": true, "ExtraTreeClassifier": true}
var treeRegressors = map[string]bool{"DecisionTreeRegressor": true, "ExtraTreeRegressor": true}

// forestTrees returns a tree model's trees: itself, or its estimators_.
func forestTrees(e est) ([]est, error) {
	if treeClassifiers[e.name] || treeRegressors[e.name] {
		return []est{e}, nil
	}
	v, err := e.get("estimators_")
	if err != nil {
		return nil, err
	}
	list, ok := items(v)
	if !ok || len(list) == 0 || len(list) > ensemble.MaxTrees {
		return nil, invalid("%s.estimators_ is %s", e.name, pickle.TypeName(v))
	}
	out := make([]est, len(list))
	for i, it := range list {
		t, ok := e.child(it)
		if !ok {
			return nil, invalid("%s.estimators_[%d] is %s", e.name, i, pickle.TypeName(it))
		}
		out[i] = t
	}
	return out, nil
}

// treeClassifier converts DecisionTree/ExtraTree classifiers and their forests.
func treeClassifier(e est) (*model, error) {
	nFeat, err := nFeatures(e)
	if err != nil {
		return nil, err
	}
	classes, err := classesOf(e)
	if err != nil {
		return nil, err
	}
	if e.has("n_outputs_") {
		if n, _ := e.int("n_outputs_"); n != 1 {
			return nil, unsupported("%s with %d outputs", e.name, n)
		}
	}
	k := classes.Len()
	if k < 2 {
		return nil, unsupported("%s with one class", e.name)
	}
	trees, err := forestTrees(e)
	if err != nil {
		return nil, err
	}
	ens := &ensemble.Ensemble{NumFeatures: nFeat, NumTargets: k, Precision: ensemble.Float32Input,
		Accumulate: ensemble.AccumFloat64, Aggregate: ensemble.Sum, OutputType: ensemble.OutFloat64, Classes: classes}
	if len(trees) > 1 || !(treeClassifiers[e.name]) {
		ens.Aggregate = ensemble.Average
	}
	for i, te := range trees {
		t, err := readTree(te, nFeat)
		if err != nil {
			return nil, err
		}
		if t.outputs != 1 || t.maxClasses != k {
			return nil, invalid("tree %d has %d outputs of %d classes, the model %d classes", i, t.outputs, t.maxClasses, k)
		}
		et, err := t.toEnsemble(nFeat, nil, t.classifierLeaf(k))
		if err != nil {
			return nil, err
		}
		ens.Trees = append(ens.Trees, et)
	}
	return &model{kind: classifier, nFeat: nFeat, ens: ens}, nil
}

// treeRegressor converts DecisionTree/ExtraTree regressors and their forests.
func treeRegressor(e est) (*model, error) {
	nFeat, err := nFeatures(e)
	if err != nil {
		return nil, err
	}
	trees, err := forestTrees(e)
	if err != nil {
		return nil, err
	}
	ens := &ensemble.Ensemble{NumFeatures: nFeat, Precision: ensemble.Float32Input,
		Accumulate: ensemble.AccumFloat64, Aggregate: ensemble.Sum, OutputType: ensemble.OutFloat64}
	if len(trees) > 1 || !treeRegressors[e.name] {
		ens.Aggregate = ensemble.Average
	}
	for i, te := range trees {
		t, err := readTree(te, nFeat)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			ens.NumTargets = t.outputs
		}
		if t.outputs != ens.NumTargets || t.maxClasses != 1 {
			return nil, invalid("tree %d has %d outputs × %d, want %d × 1", i, t.outputs, t.maxClasses, ens.NumTargets)
		}
		et, err := t.toEnsemble(nFeat, nil, t.regressorLeaf())
		if err != nil {
			return nil, err
		}
		ens.Trees = append(ens.Trees, et)
	}
	return &model{kind: regressor, nFeat: nFeat, ens: ens, vectorY: ens.NumTargets == 1}, nil
}

// gradientBoosting converts GradientBoostingClassifier/Regressor.
func gradientBoosting(e est) (*model, error) {
	nFeat, err := nFeatures(e)
	if err != nil {
		return nil, err
	}
	lr, err := e.float("learning_rate")
	if err != nil {
		return nil, err
	}
	ev, err := e.array("estimators_")
	if err != nil {
		return nil, err
	}
	if len(ev.Shape) != 2 || ev.Shape[0] < 1 || ev.Shape[1] < 1 {
		return nil, invalid("%s.estimators_ has shape %v", e.name, ev.Shape)
	}
	stages, k := ev.Shape[0], ev.Shape[1]
	list, ok := items(ev)
	if !ok {
		return nil, invalid("%s.estimators_ is not an object array", e.name)
	}
	m := &model{nFeat: nFeat, hasDecision: true}
	ens := &ensemble.Ensemble{NumFeatures: nFeat, NumTargets: k, Precision: ensemble.Float32Input,
		Accumulate: ensemble.AccumFloat64, Aggregate: ensemble.Sum, BaseFirst: true, OutputType: ensemble.OutFloat64}
	lossName := ""
	if lv, ok := pickle.Attr(e.o, "_loss"); ok {
		if lo, ok := asEst(lv); ok {
			lossName = lo.name
		}
	}
	if lossName == "" {
		lossName = e.strOr("loss", "")
	}
	if e.name == "GradientBoostingClassifier" {
		m.kind = classifier
		if ens.Classes, err = classesOf(e); err != nil {
			return nil, err
		}
		nc := ens.Classes.Len()
		switch lossName {
		case "BinomialDeviance", "ExponentialLoss", "log_loss", "deviance", "exponential":
			if nc != 2 || k != 1 {
				return nil, invalid("%s: binary loss with %d classes and %d trees per stage", e.name, nc, k)
			}
			ens.Post = ensemble.Logistic
			if lossName == "ExponentialLoss" || lossName == "exponential" {
				ens.PostScale = 2
			}
			m.vectorDecision = true
		case "MultinomialDeviance":
			if nc != k || k < 3 {
				return nil, invalid("%s: multinomial loss with %d classes and %d trees per stage", e.name, nc, k)
			}
			ens.Post = ensemble.Softmax
		default:
			return nil, unsupported("%s loss %q", e.name, lossName)
		}
	} else {
		m.kind = regressor
		m.vectorY = k == 1
		switch lossName {
		case "LeastSquaresError", "LeastAbsoluteError", "HuberLossFunction", "QuantileLossFunction",
			"squared_error", "absolute_error", "huber", "quantile":
		default:
			return nil, unsupported("%s loss %q", e.name, lossName)
		}
		if k != 1 {
			return nil, invalid("%s with %d trees per stage", e.name, k)
		}
	}
	if ens.BaseValues, err = gbInit(e, m.kind, k, lossName); err != nil {
		return nil, err
	}
	ens.TreeWeights = make([]float64, 0, stages*k)
	for s := range stages {
		for j := range k {
			te, ok := e.child(list[s*k+j])
			if !ok {
				return nil, invalid("%s.estimators_[%d, %d] is %s", e.name, s, j, pickle.TypeName(list[s*k+j]))
			}
			t, err := readTree(te, nFeat)
			if err != nil {
				return nil, err
			}
			if t.outputs != 1 || t.maxClasses != 1 {
				return nil, invalid("stage %d tree %d has values %d × %d", s, j, t.outputs, t.maxClasses)
			}
			target := int32(j)
			et, err := t.toEnsemble(nFeat, nil, func(i int) []ensemble.LeafValue {
				return []ensemble.LeafValue{{Target: target, Value: t.value(i, 0, 0)}}
			})
			if err != nil {
				return nil, err
			}
			ens.Trees = append(ens.Trees, et)
			ens.TreeWeights = append(ens.TreeWeights, lr)
		}
	}
	m.ens = ens
	return m, nil
}

// gbInit gives the raw predictions of a gradient-boosting model's init
// estimator (scikit-learn's _raw_predict_init).
func gbInit(e est, kind, k int, lossName string) ([]float64, error) {
	iv, err := e.get("init_")
	if err != nil {
		return nil, err
	}
	if s, ok := iv.(string); ok && s == "zero" {
		return make([]float64, k), nil
	}
	ie, ok := e.child(iv)
	if !ok {
		return nil, unsupported("%s.init_ is %s", e.name, pickle.TypeName(iv))
	}
	switch ie.name {
	case "DummyRegressor":
		if kind != regressor {
			return nil, unsupported("%s with init %s", e.name, ie.name)
		}
		c, _, err := ie.floats("constant_")
		if err != nil {
			return nil, err
		}
		if len(c) != 1 {
			return nil, unsupported("DummyRegressor init with %d outputs", len(c))
		}
		return c, nil
	case "DummyClassifier":
		if kind != classifier {
			return nil, unsupported("%s with init %s", e.name, ie.name)
		}
		strategy := ie.strOr("_strategy", ie.strOr("strategy", "prior"))
		if strategy != "prior" {
			return nil, unsupported("DummyClassifier init with strategy %q", strategy)
		}
		p, _, err := ie.floats("class_prior_")
		if err != nil {
			return nil, err
		}
		eps := float64(math.Nextafter32(1, 2) - 1) // np.finfo(np.float32).eps
		clip := func(v float64) float64 { return math.Min(math.Max(v, eps), 1-eps) }
		switch lossName {
		case "BinomialDeviance", "log_loss", "deviance":
			if len(p) != 2 {
				return nil, invalid("binary prior of %d classes", len(p))
			}
			q := clip(p[1])
			return []float64{math.Log(q / (1 - q))}, nil
		case "ExponentialLoss", "exponential":
			if len(p) != 2 {
				return nil, invalid("binary prior of %d classes", len(p))
			}
			q := clip(p[1])
			return []float64{0.5 * math.Log(q/(1-q))}, nil
		case "MultinomialDeviance":
			if len(p) != k {
				return nil, invalid("prior of %d classes for %d", len(p), k)
			}
			out := make([]float64, k)
			for i := range out {
				out[i] = math.Log(clip(p[i]))
			}
			return out, nil
		}
	}
	return nil, unsupported("%s init estimator %s", e.name, ie.name)
}

// histGradientBoosting converts HistGradientBoostingClassifier/Regressor.
func histGradientBoosting(e est) (*model, error) {
	nFeat, err := nFeatures(e)
	if err != nil {
		return nil, err
	}
	k64, err := e.int("n_trees_per_iteration_")
	if err != nil {
		return nil, err
	}
	if k64 < 1 || k64 > ensemble.MaxTargets {
		return nil, invalid("%s has %d trees per iteration", e.name, k64)
	}
	k := int(k64)
	base, _, err := e.floats("_baseline_prediction")
	if err != nil {
		return nil, err
	}
	if len(base) != k {
		return nil, invalid("%s baseline has %d values for %d trees per iteration", e.name, len(base), k)
	}
	ens := &ensemble.Ensemble{NumFeatures: nFeat, NumTargets: k, Precision: ensemble.Float64,
		Accumulate: ensemble.AccumFloat64, Aggregate: ensemble.Sum, BaseFirst: true, BaseValues: base,
		Categories: ensemble.CatNegativeMissing, OutputType: ensemble.OutFloat64}
	m := &model{nFeat: nFeat, ens: ens}
	lossName := ""
	if lv, ok := pickle.Attr(e.o, "_loss"); ok {
		if lo, ok := asEst(lv); ok {
			lossName = lo.name
		}
	}
	if e.name == "HistGradientBoostingClassifier" {
		m.kind, m.hasDecision = classifier, true
		if ens.Classes, err = classesOf(e); err != nil {
			return nil, err
		}
		nc := ens.Classes.Len()
		switch {
		case k == 1 && nc == 2 && (lossName == "HalfBinomialLoss" || lossName == ""):
			ens.Post = ensemble.Logistic
			m.vectorDecision = true
		case k == nc && k > 2 && (lossName == "HalfMultinomialLoss" || lossName == ""):
			ens.Post = ensemble.Softmax
		default:
			return nil, unsupported("%s loss %q with %d classes and %d trees per iteration", e.name, lossName, nc, k)
		}
	} else {
		m.kind = regressor
		m.vectorY = k == 1
		switch lossName {
		case "HalfSquaredError", "AbsoluteError", "PinballLoss", "HalfTweedieLossIdentity":
		case "HalfPoissonLoss", "HalfGammaLoss", "HalfTweedieLoss":
			ens.Post = ensemble.Exp
		default:
			return nil, unsupported("%s loss %q", e.name, lossName)
		}
	}
	known, err := knownCategories(e, nFeat)
	if err != nil {
		return nil, err
	}
	pv, err := e.get("_predictors")
	if err != nil {
		return nil, err
	}
	iters, ok := items(pv)
	if !ok {
		return nil, invalid("%s._predictors is %s", e.name, pickle.TypeName(pv))
	}
	for it, iv := range iters {
		preds, ok := items(iv)
		if !ok || len(preds) != k {
			return nil, invalid("%s._predictors[%d] is not a list of %d predictors", e.name, it, k)
		}
		for j, p := range preds {
			pe, ok := e.child(p)
			if !ok || pe.name != "TreePredictor" {
				return nil, invalid("%s._predictors[%d][%d] is %s", e.name, it, j, pickle.TypeName(p))
			}
			t, err := hgbTree(pe, nFeat, int32(j), known)
			if err != nil {
				return nil, err
			}
			ens.Trees = append(ens.Trees, t)
			if len(ens.Trees) > ensemble.MaxTrees {
				return nil, invalid("too many trees")
			}
		}
	}
	return m, nil
}

// knownCategories gives, per categorical feature, the bitset of the
// categories seen in training (_bin_mapper.bin_thresholds_ holds them).
func knownCategories(e est, nFeat int) (map[int32][]uint32, error) {
	bv, ok := pickle.Attr(e.o, "_bin_mapper")
	if !ok {
		return nil, nil
	}
	bm, ok := e.child(bv)
	if !ok || !bm.has("is_categorical_") {
		return nil, nil
	}
	isCat, _, err := bm.floats("is_categorical_")
	if err != nil {
		return nil, err
	}
	if len(isCat) != nFeat {
		return nil, invalid("_BinMapper.is_categorical_ has %d entries for %d features", len(isCat), nFeat)
	}
	tv, err := bm.get("bin_thresholds_")
	if err != nil {
		return nil, err
	}
	thr, ok := items(tv)
	if !ok || len(thr) != nFeat {
		return nil, invalid("_BinMapper.bin_thresholds_ is %s", pickle.TypeName(tv))
	}
	out := map[int32][]uint32{}
	for f, c := range isCat {
		if c == 0 {
			continue
		}
		a, ok := thr[f].(*pickle.Array)
		if !ok {
			return nil, invalid("_BinMapper.bin_thresholds_[%d] is %s", f, pickle.TypeName(thr[f]))
		}
		cats, err := a.Float64s()
		if err != nil {
			return nil, err
		}
		bits := make([]uint32, 8)
		for _, v := range cats {
			if v < 0 || v >= 256 || v != math.Trunc(v) {
				return nil, invalid("known category %v of feature %d", v, f)
			}
			bits = ensemble.SetBit(bits, int(v))
		}
		out[int32(f)] = bits
	}
	return out, nil
}

// hgbTree converts one TreePredictor. Categorical splits send unknown
// categories (those not seen in training) where missing values go, as
// scikit-learn does: when that is left, they join the left set.
func hgbTree(p est, nFeat int, target int32, known map[int32][]uint32) (ensemble.Tree, error) {
	nodes, err := p.array("nodes")
	if err != nil {
		return ensemble.Tree{}, err
	}
	n := nodes.Len()
	if n < 1 || n > ensemble.MaxTreeNodes || len(nodes.Shape) != 1 {
		return ensemble.Tree{}, invalid("TreePredictor with %d nodes", n)
	}
	if err := p.charge(12 * n); err != nil {
		return ensemble.Tree{}, err
	}
	cols := map[string][]float64{}
	for _, name := range []string{"value", "feature_idx", "num_threshold", "missing_go_to_left", "left", "right", "is_leaf", "is_categorical", "bitset_idx"} {
		if name == "is_categorical" || name == "bitset_idx" {
			if !nodes.HasField(name) {
				cols[name] = make([]float64, n)
				continue
			}
		}
		c, err := nodes.Column(name)
		if err != nil {
			return ensemble.Tree{}, invalid("TreePredictor nodes: %v", err)
		}
		cols[name] = c
	}
	var bitsets []int64
	nSets := 0
	if p.has("raw_left_cat_bitsets") {
		a, err := p.array("raw_left_cat_bitsets")
		if err != nil {
			return ensemble.Tree{}, err
		}
		if len(a.Shape) != 2 || a.Shape[1] != 8 {
			return ensemble.Tree{}, invalid("raw_left_cat_bitsets has shape %v", a.Shape)
		}
		if bitsets, err = a.Int64s(); err != nil {
			return ensemble.Tree{}, err
		}
		nSets = a.Shape[0]
	}
	out := make([]ensemble.Node, n)
	for i := range out {
		nd := &out[i]
		nd.ID = int32(i)
		if cols["is_leaf"][i] != 0 {
			nd.Op = ensemble.Leaf
			nd.Leaf = []ensemble.LeafValue{{Target: target, Value: cols["value"][i]}}
			continue
		}
		f := cols["feature_idx"][i]
		l, r := cols["left"][i], cols["right"][i]
		if f < 0 || f >= float64(nFeat) || l < 0 || l >= float64(n) || r < 0 || r >= float64(n) {
			return ensemble.Tree{}, invalid("TreePredictor node %d: feature %v, children %v, %v", i, f, l, r)
		}
		nd.Feature, nd.True, nd.False = int32(f), int32(l), int32(r)
		nd.Missing = ensemble.MissingNaN
		nd.DefaultTrue = cols["missing_go_to_left"][i] != 0
		if cols["is_categorical"][i] != 0 {
			b := int(cols["bitset_idx"][i])
			if b < 0 || b >= nSets {
				return ensemble.Tree{}, invalid("TreePredictor node %d: bitset %d of %d", i, b, nSets)
			}
			nd.Op = ensemble.InSet
			nd.Cats = make([]uint32, 8)
			kc, ok := known[nd.Feature]
			if !ok {
				return ensemble.Tree{}, invalid("TreePredictor node %d splits feature %d, which is not categorical", i, nd.Feature)
			}
			for w := range 8 {
				nd.Cats[w] = uint32(bitsets[b*8+w])
				if nd.DefaultTrue {
					nd.Cats[w] |= ^kc[w]
				}
			}
			continue
		}
		thr := cols["num_threshold"][i]
		if math.IsNaN(thr) {
			return ensemble.Tree{}, invalid("TreePredictor node %d has a NaN threshold", i)
		}
		nd.Op = ensemble.LE
		nd.Threshold = thr
	}
	return ensemble.Tree{Nodes: out}, nil
}

// averagePathLength is scikit-learn's _average_path_length for one count.
func averagePathLength(n float64) float64 {
	switch {
	case n <= 1:
		return 0
	case n == 2:
		return 1
	}
	const eulerGamma = 0.5772156649015329
	return 2.0*(math.Log(n-1.0)+eulerGamma) - 2.0*(n-1.0)/n
}

// isolationForest converts IsolationForest: each leaf holds scikit-learn's
// per-tree path length (nodes on the path + c(n_samples) − 1); the tree
// node sums them and the graph applies −2^(−sum / (trees · c(max_samples))).
func isolationForest(e est) (*model, error) {
	nFeat, err := nFeatures(e)
	if err != nil {
		return nil, err
	}
	trees, err := forestTrees(e)
	if err != nil {
		return nil, err
	}
	maxSamples, err := e.float("max_samples_")
	if err != nil {
		if maxSamples, err = e.float("_max_samples"); err != nil {
			return nil, err
		}
	}
	offset, err := e.float("offset_")
	if err != nil {
		return nil, err
	}
	subsample := false
	if e.has("_max_features") {
		mf, err := e.int("_max_features")
		if err != nil {
			return nil, err
		}
		subsample = mf != int64(nFeat)
	}
	var feats []pickle.Value
	if subsample {
		fv, err := e.get("estimators_features_")
		if err != nil {
			return nil, err
		}
		var ok bool
		if feats, ok = items(fv); !ok || len(feats) != len(trees) {
			return nil, invalid("IsolationForest.estimators_features_ does not match its trees")
		}
	}
	ens := &ensemble.Ensemble{NumFeatures: nFeat, NumTargets: 1, Precision: ensemble.Float32Input,
		Accumulate: ensemble.AccumFloat64, Aggregate: ensemble.Sum, OutputType: ensemble.OutFloat64}
	for i, te := range trees {
		var fmap []int64
		if subsample {
			fa, ok := feats[i].(*pickle.Array)
			if !ok {
				return nil, invalid("estimators_features_[%d] is %s", i, pickle.TypeName(feats[i]))
			}
			if fmap, err = fa.Int64s(); err != nil {
				return nil, err
			}
		}
		treeFeat := nFeat
		if fmap != nil {
			treeFeat = len(fmap)
		}
		t, err := readTree(te, treeFeat)
		if err != nil {
			return nil, err
		}
		depth := nodeDepths(t)
		if depth == nil {
			return nil, invalid("IsolationForest tree %d is not a tree", i)
		}
		et, err := t.toEnsemble(nFeat, fmap, func(j int) []ensemble.LeafValue {
			v := float64(depth[j]+1) + averagePathLength(t.nSamples[j]) - 1.0
			return []ensemble.LeafValue{{Target: 0, Value: v}}
		})
		if err != nil {
			return nil, err
		}
		ens.Trees = append(ens.Trees, et)
	}
	den := float64(len(trees)) * averagePathLength(maxSamples)
	if den == 0 {
		return nil, unsupported("IsolationForest with max_samples_ = %v", maxSamples)
	}
	return &model{kind: outlier, nFeat: nFeat, ens: ens, iforestDen: den, iforestOffset: offset, hasDecision: true}, nil
}

// nodeDepths gives each node's depth (root 0), or nil if the children do
// not form a tree rooted at 0.
func nodeDepths(t *skTree) []int {
	d := make([]int, t.n)
	seen := make([]bool, t.n)
	stack := []int{0}
	seen[0] = true
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if t.isLeaf(i) {
			continue
		}
		for _, c := range []int64{t.left[i], t.right[i]} {
			if c < 0 || c >= int64(t.n) || seen[c] {
				return nil
			}
			seen[c] = true
			d[c] = d[i] + 1
			stack = append(stack, int(c))
		}
	}
	return d
}
