package sklearn

import (
	"fmt"
	"slices"

	"github.com/sinter-ml/sinter/formats/sklearn/pickle"
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ir/ensemble"
	"github.com/sinter-ml/sinter/tensor"
)

// Model kinds.
const (
	classifier = iota + 1
	regressor
	outlier
	transformer
)

// model is a converted estimator before it becomes a graph.
type model struct {
	kind  int
	nFeat int
	// Exactly one of ens and lin is set (neither for a lone transformer).
	ens   *ensemble.Ensemble
	lin   *linear
	steps []*scaler
	// hasDecision: the estimator has decision_function; vectorDecision: it is [N].
	hasDecision, vectorDecision bool
	// vectorY: a regressor's predict is [N].
	vectorY                   bool
	iforestDen, iforestOffset float64
}

// Convert turns an unpickled estimator into an ir.Model.
func Convert(v pickle.Value, o Options) (*ir.Model, error) {
	return convert(v, o, defaultBudget)
}

// defaultBudget bounds the array cells Convert decodes when the input size
// is unknown.
const defaultBudget = 1 << 31

// budget counts the array cells conversion may still decode. Pickles can
// refer to one object many times (a forest whose estimators_ lists the same
// tree a million times costs two bytes per reference), so decoding is
// charged against a budget proportional to the input size.
type budget struct{ left int64 }

func (b *budget) charge(cells int) error {
	b.left -= int64(cells)
	if b.left < 0 {
		return fmt.Errorf("%w: the model decodes to far more data than the file holds (shared objects?)", pickle.ErrLimit)
	}
	return nil
}

func convert(v pickle.Value, o Options, cells int64) (*ir.Model, error) {
	m, err := convertEstimator(v, 0, &budget{left: cells})
	if err != nil {
		return nil, err
	}
	return m.graph(o)
}

func convertEstimator(v pickle.Value, depth int, b *budget) (*model, error) {
	e, ok := asEst(v)
	if !ok {
		return nil, unsupported("the pickle holds a %s, not an estimator", pickle.TypeName(v))
	}
	e.b = b
	switch e.name {
	case "DecisionTreeClassifier", "ExtraTreeClassifier", "RandomForestClassifier", "ExtraTreesClassifier":
		return treeClassifier(e)
	case "DecisionTreeRegressor", "ExtraTreeRegressor", "RandomForestRegressor", "ExtraTreesRegressor":
		return treeRegressor(e)
	case "GradientBoostingClassifier", "GradientBoostingRegressor":
		return gradientBoosting(e)
	case "HistGradientBoostingClassifier", "HistGradientBoostingRegressor":
		return histGradientBoosting(e)
	case "IsolationForest":
		return isolationForest(e)
	case "LogisticRegression", "LinearRegression", "Ridge":
		return linearModel(e)
	case "StandardScaler", "MinMaxScaler":
		s, n, err := readScaler(e, 0)
		if err != nil {
			return nil, err
		}
		return &model{kind: transformer, nFeat: n, steps: []*scaler{s}}, nil
	case "Pipeline":
		if depth > 0 {
			return nil, unsupported("nested Pipeline")
		}
		return pipeline(e, b)
	}
	return nil, unsupported("estimator %s", e.o.Class)
}

func pipeline(e est, b *budget) (*model, error) {
	sv, err := e.get("steps")
	if err != nil {
		return nil, err
	}
	steps, ok := items(sv)
	if !ok || len(steps) == 0 {
		return nil, invalid("Pipeline.steps is %s", pickle.TypeName(sv))
	}
	var pre []est
	var last pickle.Value
	for i, st := range steps {
		pair, ok := items(st)
		if !ok || len(pair) != 2 {
			return nil, invalid("Pipeline step %d is %s", i, pickle.TypeName(st))
		}
		v := pair[1]
		if s, ok := v.(string); (ok && s == "passthrough") || v == nil {
			if i == len(steps)-1 {
				return nil, unsupported("Pipeline ending in passthrough")
			}
			continue
		}
		if i == len(steps)-1 {
			last = v
			break
		}
		se, ok := asEst(v)
		if !ok {
			return nil, invalid("Pipeline step %d is %s", i, pickle.TypeName(v))
		}
		se.b = b
		pre = append(pre, se)
	}
	m, err := convertEstimator(last, 1, b)
	if err != nil {
		return nil, err
	}
	var scalers []*scaler
	nFeat := 0
	first := 0
	for i, se := range pre {
		if se.name != "StandardScaler" && se.name != "MinMaxScaler" {
			return nil, unsupported("Pipeline step %s (only StandardScaler and MinMaxScaler may precede the model)", se.o.Class)
		}
		s, n, err := readScaler(se, nFeat)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			first = n
		}
		nFeat = n
		scalers = append(scalers, s)
	}
	if len(scalers) > 0 {
		if nFeat != m.nFeat {
			return nil, invalid("Pipeline scalers give %d features, the model expects %d", nFeat, m.nFeat)
		}
		m.nFeat = first
	}
	m.steps = append(scalers, m.steps...)
	return m, nil
}

// builder accumulates a graph.
type builder struct {
	g *ir.Graph
	k int
}

func (b *builder) name(prefix string) string {
	b.k++
	return fmt.Sprintf("%s_%d", prefix, b.k)
}

func (b *builder) konst(t *tensor.Tensor) string {
	n := b.name("c")
	b.g.Initializers = append(b.g.Initializers, &ir.Initializer{Name: n, Tensor: t})
	return n
}

func (b *builder) op(op string, ins []string, attrs ...*ir.Attribute) string {
	out := b.name(op)
	b.g.Nodes = append(b.g.Nodes, &ir.Node{Name: out, OpType: op, Inputs: ins, Outputs: []string{out}, Attrs: attrs})
	return out
}

func intAttr(name string, v int64) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrInt, I: v}
}

func (m *model) allowed(out Output) bool {
	switch out {
	case Predict:
		return true
	case Probabilities:
		return m.kind == classifier
	case DecisionFunction:
		return m.hasDecision
	case ScoreSamples:
		return m.kind == outlier
	case Leaves:
		return m.ens != nil
	}
	return false
}

func (m *model) graph(o Options) (*ir.Model, error) {
	outs := o.Outputs
	if outs == nil {
		switch m.kind {
		case classifier:
			outs = []Output{Predict, Probabilities}
		case outlier:
			outs = []Output{Predict, ScoreSamples}
		default:
			outs = []Output{Predict}
		}
	}
	if len(o.Names) > len(outs) {
		return nil, fmt.Errorf("sklearn: %d names for %d outputs", len(o.Names), len(outs))
	}
	names := make([]string, len(outs))
	for i, out := range outs {
		if out >= numOutputs {
			return nil, fmt.Errorf("sklearn: unknown output %d", out)
		}
		if slices.Index(outs, out) != i {
			return nil, fmt.Errorf("sklearn: output %v requested twice", out)
		}
		if !m.allowed(out) {
			return nil, fmt.Errorf("%w: this model has no %v output", ErrUnsupported, out)
		}
		names[i] = out.String()
		if out == Predict {
			names[i] = "Y"
			if m.kind == classifier || m.kind == outlier {
				names[i] = "label"
			}
		}
		if i < len(o.Names) && o.Names[i] != "" {
			names[i] = o.Names[i]
		}
	}
	for i := range names {
		if slices.Index(names, names[i]) != i {
			return nil, fmt.Errorf("sklearn: output name %q used twice", names[i])
		}
	}
	in := o.Input
	if in == "" {
		in = "X"
	}
	if slices.Contains(names, in) {
		return nil, fmt.Errorf("sklearn: output name %q is the input's", in)
	}
	it := o.InputType
	if it == tensor.Undefined {
		it = tensor.Float32
	}
	if it != tensor.Float32 && it != tensor.Float64 {
		return nil, fmt.Errorf("sklearn: input type %v not supported (float32 or float64)", it)
	}
	b := &builder{g: &ir.Graph{Name: "sklearn"}}
	batch := ir.Dim{Param: "N"}
	known := func(v int) ir.Dim { return ir.Dim{Value: int64(v), Known: true} }
	b.g.Inputs = []*ir.ValueInfo{{Name: in, Type: &ir.Type{Kind: ir.KindTensor, Elem: it, HasShape: true, Shape: []ir.Dim{batch, known(m.nFeat)}}}}

	x := in
	if len(m.steps) > 0 || m.lin != nil {
		if it != tensor.Float64 {
			x = b.op("Cast", []string{x}, intAttr("to", 11))
		}
		for _, s := range m.steps {
			x = s.emit(b, x)
		}
	}
	// values[out] is the internal name of each output; shapes[out] its type.
	values := map[Output]string{}
	types := map[Output]*ir.Type{}
	ft := tensor.Float64
	vec := func(e tensor.DType) *ir.Type {
		return &ir.Type{Kind: ir.KindTensor, Elem: e, HasShape: true, Shape: []ir.Dim{batch}}
	}
	mat := func(e tensor.DType, w int) *ir.Type {
		return &ir.Type{Kind: ir.KindTensor, Elem: e, HasShape: true, Shape: []ir.Dim{batch, known(w)}}
	}
	want := func(out Output) bool { return slices.Contains(outs, out) }
	squeeze := func(v string) string {
		return b.op("Squeeze", []string{v, b.konst(tensor.From([]int64{1}))})
	}
	var classes *ensemble.Classes
	usesEnsemble := false
	switch {
	case m.ens != nil:
		usesEnsemble = true
		e := m.ens
		classes = e.Classes
		var nodeOuts []string
		label, proba, margin, leaves, y := "", "", "", "", ""
		if want(Leaves) {
			leaves = b.name("leaves")
		}
		needMargin := want(DecisionFunction) || m.kind == outlier
		if needMargin {
			margin = b.name("margin")
		}
		switch m.kind {
		case classifier:
			if want(Predict) {
				label = b.name("label")
			}
			if want(Probabilities) {
				proba = b.name("proba")
			}
			nodeOuts = []string{label, proba, margin, leaves}
		default:
			if want(Predict) && m.kind == regressor {
				y = b.name("y")
			}
			nodeOuts = []string{y, margin, leaves}
		}
		for len(nodeOuts) > 0 && nodeOuts[len(nodeOuts)-1] == "" {
			nodeOuts = nodeOuts[:len(nodeOuts)-1]
		}
		if o.Float32Output && m.kind != outlier {
			e.OutputType = ensemble.OutFloat32
			ft = tensor.Float32
		}
		node, err := ensemble.ToNode(e, x, nodeOuts...)
		if err != nil {
			return nil, fmt.Errorf("sklearn: %w", err)
		}
		node.Name = "tree_ensemble"
		b.g.Nodes = append(b.g.Nodes, node)
		values[Leaves], types[Leaves] = leaves, mat(tensor.Int64, len(e.Trees))
		switch m.kind {
		case classifier:
			values[Predict], types[Predict] = label, vec(labelType(classes))
			values[Probabilities], types[Probabilities] = proba, mat(ft, classes.Len())
			if want(DecisionFunction) {
				if m.vectorDecision {
					values[DecisionFunction], types[DecisionFunction] = squeeze(margin), vec(ft)
				} else {
					values[DecisionFunction], types[DecisionFunction] = margin, mat(ft, e.NumTargets)
				}
			}
		case regressor:
			if want(Predict) {
				if m.vectorY {
					values[Predict], types[Predict] = squeeze(y), vec(ft)
				} else {
					values[Predict], types[Predict] = y, mat(ft, e.NumTargets)
				}
			}
		case outlier:
			q := b.op("Div", []string{margin, b.konst(tensor.Scalar(m.iforestDen))})
			q = b.op("Neg", []string{q})
			p := b.op("Pow", []string{b.konst(tensor.Scalar(2.0)), q})
			score := squeeze(b.op("Neg", []string{p}))
			dec := b.op("Sub", []string{score, b.konst(tensor.Scalar(m.iforestOffset))})
			neg := b.op("Less", []string{dec, b.konst(tensor.Scalar(0.0))})
			pred := b.op("Where", []string{neg, b.konst(tensor.Scalar(int64(-1))), b.konst(tensor.Scalar(int64(1)))})
			values[Predict], types[Predict] = pred, vec(tensor.Int64)
			values[ScoreSamples], types[ScoreSamples] = score, vec(tensor.Float64)
			values[DecisionFunction], types[DecisionFunction] = dec, vec(tensor.Float64)
		}
	case m.lin != nil:
		l := m.lin
		classes = l.classes
		var d string
		if l.vector {
			d = b.op("MatMul", []string{x, b.konst(tensor.From(append([]float64(nil), l.coef...)))})
			d = b.op("Add", []string{d, b.konst(tensor.Scalar(l.intercept[0]))})
		} else {
			wt := make([]float64, len(l.coef))
			for r := range l.outs {
				for c := range m.nFeat {
					wt[c*l.outs+r] = l.coef[r*m.nFeat+c]
				}
			}
			d = b.op("MatMul", []string{x, b.konst(tensor.From(wt, m.nFeat, l.outs))})
			d = b.op("Add", []string{d, b.konst(tensor.From(append([]float64(nil), l.intercept...)))})
		}
		dt := mat(tensor.Float64, l.outs)
		if l.vector {
			dt = vec(tensor.Float64)
		}
		if !l.logistic {
			values[Predict], types[Predict] = d, dt
			break
		}
		values[DecisionFunction], types[DecisionFunction] = d, dt
		nc := classes.Len()
		var idx, proba string
		switch l.rule {
		case logitOVRBinary, logitMultiBinary:
			col := b.op("Unsqueeze", []string{d, b.konst(tensor.From([]int64{1}))})
			if l.rule == logitOVRBinary {
				p1 := b.op("Sigmoid", []string{col})
				p0 := b.op("Sub", []string{b.konst(tensor.Scalar(1.0)), p1})
				proba = b.op("Concat", []string{p0, p1}, intAttr("axis", 1))
			} else {
				both := b.op("Concat", []string{b.op("Neg", []string{col}), col}, intAttr("axis", 1))
				proba = b.op("Softmax", []string{both}, intAttr("axis", 1))
			}
			pos := b.op("Greater", []string{d, b.konst(tensor.Scalar(0.0))})
			idx = b.op("Cast", []string{pos}, intAttr("to", 7))
		case logitMultinomial:
			proba = b.op("Softmax", []string{d}, intAttr("axis", 1))
			idx = b.op("ArgMax", []string{d}, intAttr("axis", 1), intAttr("keepdims", 0))
		case logitOVR:
			p := b.op("Sigmoid", []string{d})
			s := b.op("ReduceSum", []string{p, b.konst(tensor.From([]int64{1}))}, intAttr("keepdims", 1))
			proba = b.op("Div", []string{p, s})
			idx = b.op("ArgMax", []string{d}, intAttr("axis", 1), intAttr("keepdims", 0))
		}
		values[Probabilities], types[Probabilities] = proba, mat(tensor.Float64, nc)
		var ct *tensor.Tensor
		if classes.Strings != nil {
			ct = tensor.FromStrings(append([]string(nil), classes.Strings...), nc)
		} else {
			ct = tensor.From(append([]int64(nil), classes.Int64...))
		}
		values[Predict] = b.op("Gather", []string{b.konst(ct), idx}, intAttr("axis", 0))
		types[Predict] = vec(labelType(classes))
	default:
		values[Predict], types[Predict] = x, mat(tensor.Float64, m.nFeat)
	}
	for i, out := range outs {
		v := values[out]
		t := types[out]
		if v == "" || t == nil {
			return nil, fmt.Errorf("sklearn: internal error: output %v not built", out)
		}
		if o.Float32Output && t.Elem == tensor.Float64 {
			v = b.op("Cast", []string{v}, intAttr("to", 1))
			c := *t
			c.Elem = tensor.Float32
			t = &c
		}
		b.g.Nodes = append(b.g.Nodes, &ir.Node{Name: "output_" + names[i], OpType: "Identity", Inputs: []string{v}, Outputs: []string{names[i]}})
		b.g.Outputs = append(b.g.Outputs, &ir.ValueInfo{Name: names[i], Type: t})
	}
	opsets := map[string]int64{ir.DefaultDomain: 13}
	if usesEnsemble {
		opsets[ensemble.Domain] = ensemble.Version
	}
	return &ir.Model{IRVersion: 8, ProducerName: "sinter-sklearn", Opsets: opsets, Graph: b.g}, nil
}

func labelType(c *ensemble.Classes) tensor.DType {
	if c != nil && c.Strings != nil {
		return tensor.String
	}
	return tensor.Int64
}

// emit appends the scaler's operations on float64 x.
func (s *scaler) emit(b *builder, x string) string {
	vecK := func(v []float64) string { return b.konst(tensor.From(append([]float64(nil), v...))) }
	if s.standard {
		if s.mean != nil {
			x = b.op("Sub", []string{x, vecK(s.mean)})
		}
		if s.scale != nil {
			x = b.op("Div", []string{x, vecK(s.scale)})
		}
		return x
	}
	x = b.op("Mul", []string{x, vecK(s.scale)})
	x = b.op("Add", []string{x, vecK(s.min)})
	if s.clip {
		x = b.op("Clip", []string{x, b.konst(tensor.Scalar(s.lo)), b.konst(tensor.Scalar(s.hi))})
	}
	return x
}
