package compiler

import (
	"slices"
	"strconv"
	"strings"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
)

// Symbolic shape inference.
//
// inferShapes gives every value it can a shape whose dims are known sizes,
// named symbols or unknown, starting from the graph's declared inputs (whose
// dynamic axes carry names such as "batch" or "seq"), its initializers and
// its declared value types, and following each operator's shape rule. A dim
// derived from symbols is itself a symbol: Flatten of [batch, seq, 768]
// gives [batch*seq, 768], and a later Reshape to [-1, seq, 768] divides the
// product back out to [batch, seq, 768]. Two values with the same symbol
// in an axis have the same extent there in every run.
//
// Shape tensors are followed too: the value of Shape(x) is x's dims, and
// Gather, Slice, Squeeze, Unsqueeze, Concat and Cast of such values keep
// them, so a PyTorch-style Reshape(x, Concat(Shape(x)[0:2], [12, 64])) gets
// [batch, seq, 12, 64] rather than an unknown shape of rank 4.
//
// The result is an analysis: it never overrides a declared shape and is
// not fed back to kernels, which check and infer concrete shapes per run.
// An operator without a rule here leaves its outputs unknown, and every
// rule is conservative: when a dim cannot be proven it is unknown, never a
// guess.

// shapeInfo is what inference knows about one value.
type shapeInfo struct {
	dims []ir.Dim // nil with known false: rank unknown
	// value holds the elements of a small integer tensor (rank ≤ 1) as
	// dims, when every element is known or symbolic; scalar marks rank 0.
	value  []ir.Dim
	scalar bool
	hasVal bool
}

// Shapes maps value names to inferred shapes; an absent name has an
// unknown rank.
type Shapes map[string][]ir.Dim

// Shapes returns the shapes inferred for the compiled main graph's values
// (after optimisation, when on): an analysis for inspection and tests.
func (p *Program) Shapes() Shapes { return p.shapes }

// FormatShape writes dims as [batch,128,?].
func FormatShape(dims []ir.Dim) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, d := range dims {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(dimString(d))
	}
	b.WriteByte(']')
	return b.String()
}

func dimString(d ir.Dim) string {
	switch {
	case d.Known:
		return strconv.FormatInt(d.Value, 10)
	case d.Param != "":
		return d.Param
	default:
		return "?"
	}
}

// shapeInference carries the state of one inferShapes run.
type shapeInference struct {
	info   map[string]*shapeInfo
	consts map[string]*tensor.Tensor
}

// inferShapes infers the shapes of g's values; see the comment above.
func inferShapes(g *ir.Graph) Shapes {
	si := &shapeInference{info: map[string]*shapeInfo{}, consts: map[string]*tensor.Tensor{}}
	overridable := map[string]bool{}
	declare := func(v *ir.ValueInfo) {
		if v.Type != nil && v.Type.Kind == ir.KindTensor && v.Type.HasShape {
			si.info[v.Name] = &shapeInfo{dims: slices.Clone(v.Type.Shape)}
			if v.Type.Shape == nil {
				si.info[v.Name].dims = []ir.Dim{}
			}
		}
	}
	for _, v := range g.Inputs {
		overridable[v.Name] = true
		declare(v)
	}
	for _, in := range g.Initializers {
		if in.Tensor == nil || overridable[in.Name] {
			continue
		}
		si.consts[in.Name] = in.Tensor
		si.info[in.Name] = constInfo(in.Tensor)
	}
	for _, v := range g.ValueInfo {
		if si.info[v.Name] == nil {
			declare(v)
		}
	}
	for _, v := range g.Outputs {
		if si.info[v.Name] == nil {
			declare(v)
		}
	}
	// Nodes are in topological order after optimisation, but a model's own
	// order need not be: repeat until nothing new is learnt.
	for changed := true; changed; {
		changed = false
		for _, n := range g.Nodes {
			if len(n.Outputs) == 0 || n.Outputs[0] == "" {
				continue
			}
			done := true
			for _, o := range n.Outputs {
				if o != "" && si.info[o] == nil {
					done = false
				}
			}
			if done {
				continue
			}
			for k, out := range si.node(n) {
				if k < len(n.Outputs) && n.Outputs[k] != "" && out != nil && si.info[n.Outputs[k]] == nil {
					si.info[n.Outputs[k]] = out
					changed = true
				}
			}
		}
	}
	res := Shapes{}
	for name, in := range si.info {
		if in.dims != nil {
			res[name] = in.dims
		}
	}
	return res
}

// constInfo describes a constant tensor: its shape, and its elements when
// it is a small integer tensor that may describe a shape.
func constInfo(t *tensor.Tensor) *shapeInfo {
	in := &shapeInfo{dims: knownDims(t.Shape())}
	if t.Rank() <= 1 && t.Len() <= 64 && (t.DType() == tensor.Int64 || t.DType() == tensor.Int32) {
		in.value = make([]ir.Dim, t.Len())
		for i := range in.value {
			if t.DType() == tensor.Int64 {
				in.value[i] = known(t.Int64s()[i])
			} else {
				in.value[i] = known(int64(t.Int32s()[i]))
			}
		}
		in.hasVal, in.scalar = true, t.Rank() == 0
	}
	return in
}

func known(v int64) ir.Dim { return ir.Dim{Known: true, Value: v} }

func knownDims(s tensor.Shape) []ir.Dim {
	d := make([]ir.Dim, len(s))
	for i, v := range s {
		d[i] = known(int64(v))
	}
	return d
}

func unknownDims(rank int) []ir.Dim { return make([]ir.Dim, rank) }

// in returns what is known of input i of n, or nil.
func (si *shapeInference) in(n *ir.Node, i int) *shapeInfo {
	if i < len(n.Inputs) && n.Inputs[i] != "" {
		return si.info[n.Inputs[i]]
	}
	return nil
}

// dims returns input i's dims and whether its rank is known.
func (si *shapeInference) dims(n *ir.Node, i int) ([]ir.Dim, bool) {
	if in := si.in(n, i); in != nil && in.dims != nil {
		return in.dims, true
	}
	return nil, false
}

// ints returns input i's elements as integers when all are known.
func (si *shapeInference) ints(n *ir.Node, i int) ([]int64, bool) {
	in := si.in(n, i)
	if in == nil || !in.hasVal {
		return nil, false
	}
	out := make([]int64, len(in.value))
	for k, d := range in.value {
		if !d.Known {
			return nil, false
		}
		out[k] = d.Value
	}
	return out, true
}

func shaped(dims []ir.Dim) *shapeInfo { return &shapeInfo{dims: dims} }

// setValue attaches element values to a rank-0 or rank-1 result, but only
// when they agree with its shape: a malformed graph (a Squeeze of a
// 3-vector, a Reshape of one to [5]) must not leave a value that later
// rules index past its end.
func (in *shapeInfo) setValue(vals []ir.Dim) {
	switch {
	case len(in.dims) == 0 && len(vals) == 1:
		in.value, in.hasVal, in.scalar = vals, true, true
	case len(in.dims) == 1 && in.dims[0].Known && in.dims[0].Value == int64(len(vals)):
		in.value, in.hasVal, in.scalar = vals, true, false
	}
}

// intsAttrOrInput returns the integers of attribute name or, from the
// opset that moved it, of input i.
func (si *shapeInference) intsAttrOrInput(n *ir.Node, name string, i int) ([]int64, bool) {
	if a := n.Attr(name); a != nil {
		return a.Ints, true
	}
	if i < len(n.Inputs) && n.Inputs[i] != "" {
		return si.ints(n, i)
	}
	return nil, false
}

func attrInt64(n *ir.Node, name string, def int64) int64 {
	if a := n.Attr(name); a != nil {
		return a.I
	}
	return def
}

// normAxis maps a possibly negative axis into [0, rank), or reports false.
func normAxis(a int64, rank int) (int, bool) {
	if a < 0 {
		a += int64(rank)
	}
	if a < 0 || a >= int64(rank) {
		return 0, false
	}
	return int(a), true
}

// node returns what can be inferred of n's outputs (nil entries unknown).
func (si *shapeInference) node(n *ir.Node) []*shapeInfo {
	x, xok := si.dims(n, 0)
	same := func() []*shapeInfo {
		if !xok {
			return nil
		}
		return []*shapeInfo{shaped(x)}
	}
	if n.Domain == SinterDomain {
		switch n.OpType {
		case "FusedConv":
			return si.conv(n, x, xok, false)
		case "FusedGemm":
			return si.gemm(n)
		case "FusedMatMul":
			return si.matmul(n, n.Attr("transB") != nil && n.Attr("transB").I != 0)
		case "Attention":
			return si.attention(n)
		case "ElementwiseChain":
			// Input 0's shape, padded with leading 1s to the chain's least
			// rank (a constant of higher rank broadcast against it).
			if !xok {
				return nil
			}
			pad := int(attrInt64(n, "rank", 0)) - len(x)
			if pad < 0 {
				pad = 0
			}
			out := make([]ir.Dim, 0, pad+len(x))
			for range pad {
				out = append(out, known(1))
			}
			return []*shapeInfo{shaped(append(out, x...))}
		default: // elementwise and normalisation operators: input 0's shape
			return same()
		}
	}
	if n.Domain != ir.DefaultDomain {
		return nil
	}
	switch op := n.OpType; op {
	case "Abs", "Acos", "Acosh", "Asin", "Asinh", "Atan", "Atanh", "Ceil", "Celu", "Clip", "Cos", "Cosh",
		"Elu", "Erf", "Exp", "Floor", "Gelu", "HardSigmoid", "HardSwish", "Identity", "IsInf", "IsNaN",
		"LeakyRelu", "Log", "LogSoftmax", "Mish", "Neg", "Not", "Reciprocal", "Relu", "Round", "Selu",
		"Shrink", "Sigmoid", "Sign", "Sin", "Sinh", "Softmax", "Softplus", "Softsign", "Sqrt", "Tan", "Tanh",
		"ThresholdedRelu", "Hardmax", "LRN", "InstanceNormalization", "MeanVarianceNormalization",
		"LpNormalization", "GroupNormalization", "CumSum", "Trilu", "ReverseSequence", "Dropout":
		return same()
	case "LayerNormalization", "BatchNormalization":
		return same() // output 0; the statistics outputs stay unknown
	case "Cast", "CastLike":
		if in := si.in(n, 0); in != nil {
			c := *in
			return []*shapeInfo{&c}
		}
	case "Add", "Sub", "Mul", "Div", "Pow", "Mod", "And", "Or", "Xor", "Equal", "Greater", "GreaterOrEqual",
		"Less", "LessOrEqual", "PRelu", "BitShift", "Max", "Min", "Mean", "Sum", "Where":
		return si.broadcastAll(n)
	case "MatMul", "MatMulInteger", "QLinearMatMul":
		if op != "MatMul" {
			return nil // their operands are interleaved with scales
		}
		return si.matmul(n, false)
	case "Gemm":
		return si.gemm(n)
	case "Conv":
		return si.conv(n, x, xok, false)
	case "MaxPool", "AveragePool", "LpPool":
		return si.conv(n, x, xok, true)
	case "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool":
		if !xok || len(x) < 2 {
			return nil
		}
		out := slices.Clone(x[:2])
		for range x[2:] {
			out = append(out, known(1))
		}
		return []*shapeInfo{shaped(out)}
	case "Shape":
		if !xok {
			return nil
		}
		start, end := attrInt64(n, "start", 0), attrInt64(n, "end", int64(len(x)))
		lo, hi := clampRange(start, end, len(x))
		res := shaped([]ir.Dim{known(int64(hi - lo))})
		res.setValue(slices.Clone(x[lo:hi]))
		return []*shapeInfo{res}
	case "Size":
		return []*shapeInfo{shaped([]ir.Dim{})}
	case "Constant":
		if a := n.Attr("value"); a != nil && a.T != nil {
			return []*shapeInfo{constInfo(a.T)}
		}
		if a := n.Attr("value_ints"); a != nil {
			v := make([]ir.Dim, len(a.Ints))
			for i, e := range a.Ints {
				v[i] = known(e)
			}
			res := shaped([]ir.Dim{known(int64(len(v)))})
			res.setValue(v)
			return []*shapeInfo{res}
		}
	case "ConstantOfShape":
		if in := si.in(n, 0); in != nil && in.hasVal {
			return []*shapeInfo{shaped(slices.Clone(in.value))}
		}
	case "Reshape":
		return si.reshape(n, x, xok)
	case "Flatten":
		if !xok {
			return nil
		}
		axis, ok := normAxis(attrInt64(n, "axis", 1), len(x)+1)
		if !ok {
			return nil
		}
		return []*shapeInfo{shaped([]ir.Dim{product(x[:axis]), product(x[axis:])})}
	case "Transpose":
		if !xok {
			return nil
		}
		perm := make([]int64, len(x))
		if a := n.Attr("perm"); a != nil {
			perm = a.Ints
		} else {
			for i := range perm {
				perm[i] = int64(len(x) - 1 - i)
			}
		}
		if len(perm) != len(x) {
			return nil
		}
		out := make([]ir.Dim, len(x))
		for i, p := range perm {
			if p < 0 || p >= int64(len(x)) {
				return nil
			}
			out[i] = x[p]
		}
		return []*shapeInfo{shaped(out)}
	case "Squeeze", "Unsqueeze":
		return si.squeeze(n, op == "Unsqueeze")
	case "Concat":
		return si.concat(n)
	case "Gather":
		return si.gather(n)
	case "Slice":
		return si.slice(n)
	case "Split":
		return si.split(n, x, xok)
	case "Expand":
		target, ok := si.valueOf(n, 1)
		if !xok || !ok {
			return nil
		}
		out, ok := broadcast(x, target)
		if !ok {
			return nil
		}
		return []*shapeInfo{shaped(out)}
	case "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
		"ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare", "ArgMax", "ArgMin":
		return si.reduce(n, x, xok, op == "ArgMax" || op == "ArgMin")
	case "Tile":
		reps, ok := si.ints(n, 1)
		if !xok || !ok || len(reps) != len(x) {
			return nil
		}
		out := make([]ir.Dim, len(x))
		for i, d := range x {
			out[i] = mulDims(d, known(reps[i]))
		}
		return []*shapeInfo{shaped(out)}
	case "Pad":
		pads, ok := si.intsAttrOrInput(n, "pads", 1)
		if !xok || !ok || len(pads) != 2*len(x) || len(n.Inputs) > 3 && n.Inputs[3] != "" {
			return nil
		}
		out := make([]ir.Dim, len(x))
		for i, d := range x {
			out[i] = addConst(d, pads[i]+pads[i+len(x)])
		}
		return []*shapeInfo{shaped(out)}
	}
	return nil
}

// clampRange resolves Shape's start/end (negative from the end, clamped).
func clampRange(start, end int64, rank int) (int, int) {
	r := int64(rank)
	if start < 0 {
		start += r
	}
	if end < 0 {
		end += r
	}
	start, end = min(max(start, 0), r), min(max(end, 0), r)
	if end < start {
		end = start
	}
	return int(start), int(end)
}

// valueOf returns input i's elements as dims (known or symbolic).
func (si *shapeInference) valueOf(n *ir.Node, i int) ([]ir.Dim, bool) {
	in := si.in(n, i)
	if in == nil || !in.hasVal || in.scalar {
		return nil, false
	}
	return in.value, true
}

// sameDim reports whether a and b are provably the same extent.
func sameDim(a, b ir.Dim) bool {
	if a.Known || b.Known {
		return a.Known && b.Known && a.Value == b.Value
	}
	return a.Param != "" && a.Param == b.Param
}

// broadcast applies numpy broadcasting to two shapes. A symbol against 1
// is the symbol; a symbol against a size n > 1 is n (it must be n, or 1,
// for the run to succeed); different symbols give an unknown dim.
func broadcast(a, b []ir.Dim) ([]ir.Dim, bool) {
	n := max(len(a), len(b))
	out := make([]ir.Dim, n)
	for i := 0; i < n; i++ {
		var da, db ir.Dim
		ha, hb := i-(n-len(a)) >= 0, i-(n-len(b)) >= 0
		if ha {
			da = a[i-(n-len(a))]
		}
		if hb {
			db = b[i-(n-len(b))]
		}
		switch {
		case !ha:
			out[i] = db
		case !hb:
			out[i] = da
		case da.Known && db.Known:
			switch {
			case da.Value == db.Value || db.Value == 1:
				out[i] = da
			case da.Value == 1:
				out[i] = db
			default:
				return nil, false // cannot broadcast: the run will fail
			}
		case da.Known && da.Value == 1:
			out[i] = db
		case db.Known && db.Value == 1:
			out[i] = da
		case da.Known:
			out[i] = da
		case db.Known:
			out[i] = db
		case sameDim(da, db):
			out[i] = da
		default:
			out[i] = ir.Dim{}
		}
	}
	return out, true
}

func (si *shapeInference) broadcastAll(n *ir.Node) []*shapeInfo {
	var out []ir.Dim
	for i := range n.Inputs {
		d, ok := si.dims(n, i)
		if !ok {
			return nil
		}
		if i == 0 {
			out = d
			continue
		}
		if out, ok = broadcast(out, d); !ok {
			return nil
		}
	}
	if out == nil {
		return nil
	}
	res := shaped(out)
	// Arithmetic on shape values: keep known results of Mul/Add/Sub/Div
	// of a shape value by a known scalar or same-length known vector.
	if op := n.OpType; len(n.Inputs) == 2 && (op == "Mul" || op == "Add" || op == "Sub" || op == "Div") {
		if vals, ok := si.arith(n, op); ok {
			res.setValue(vals)
		}
	}
	return []*shapeInfo{res}
}

// arith computes op elementwise on two shape values where that stays
// symbolic-exact: products with known factors, sums with known terms of
// known dims; anything else is unknown.
func (si *shapeInference) arith(n *ir.Node, op string) ([]ir.Dim, bool) {
	a, b := si.in(n, 0), si.in(n, 1)
	if a == nil || b == nil || !a.hasVal || !b.hasVal {
		return nil, false
	}
	la, lb := len(a.value), len(b.value)
	if la != lb && la != 1 && lb != 1 {
		return nil, false
	}
	out := make([]ir.Dim, max(la, lb))
	for i := range out {
		x, y := a.value[min(i, la-1)], b.value[min(i, lb-1)]
		switch {
		case op == "Mul":
			out[i] = mulDims(x, y)
		case op == "Div" && y.Known && y.Value != 0:
			out[i] = divDims(x, y)
		case x.Known && y.Known && op == "Add":
			out[i] = known(x.Value + y.Value)
		case x.Known && y.Known && op == "Sub":
			out[i] = known(x.Value - y.Value)
		default:
			out[i] = ir.Dim{}
		}
	}
	return out, true
}

// matmul: numpy matmul with 1-D operands promoted and their axis dropped.
func (si *shapeInference) matmul(n *ir.Node, transB bool) []*shapeInfo {
	a, aok := si.dims(n, 0)
	b, bok := si.dims(n, 1)
	if !aok || !bok || len(a) == 0 || len(b) == 0 {
		return nil
	}
	if transB && len(b) >= 2 {
		b = slices.Clone(b)
		b[len(b)-1], b[len(b)-2] = b[len(b)-2], b[len(b)-1]
	}
	var m, nn []ir.Dim
	ab, bb := a, b
	if len(a) >= 2 {
		m, ab = a[len(a)-2:len(a)-1], a[:len(a)-2]
	} else {
		ab = nil
	}
	if len(b) >= 2 {
		nn, bb = b[len(b)-1:], b[:len(b)-2]
	} else {
		bb = nil
	}
	batch, ok := broadcast(ab, bb)
	if !ok {
		return nil
	}
	out := append(append(batch, m...), nn...)
	return []*shapeInfo{shaped(out)}
}

func (si *shapeInference) gemm(n *ir.Node) []*shapeInfo {
	a, aok := si.dims(n, 0)
	b, bok := si.dims(n, 1)
	if !aok || !bok || len(a) != 2 || len(b) != 2 {
		return nil
	}
	m, nn := a[0], b[1]
	if attrInt64(n, "transA", 0) != 0 {
		m = a[1]
	}
	if attrInt64(n, "transB", 0) != 0 {
		nn = b[0]
	}
	return []*shapeInfo{shaped([]ir.Dim{m, nn})}
}

// attention: sinter Attention(Q, K, V, mask?) is Softmax(Q·op(K))·V with
// the leading axes broadcast: [..., M, Nv].
func (si *shapeInference) attention(n *ir.Node) []*shapeInfo {
	q, qok := si.dims(n, 0)
	v, vok := si.dims(n, 2)
	if !qok || !vok || len(q) < 2 || len(v) < 2 {
		return nil
	}
	batch, ok := broadcast(q[:len(q)-2], v[:len(v)-2])
	if !ok {
		return nil
	}
	if k, kok := si.dims(n, 1); kok && len(k) >= 2 {
		if batch, ok = broadcast(batch, k[:len(k)-2]); !ok {
			return nil
		}
	} else {
		return nil
	}
	return []*shapeInfo{shaped(append(batch, q[len(q)-2], v[len(v)-1]))}
}

// conv covers Conv (pool false: channels from W) and the pools (channels
// from X): spatial extents are computed where the input's are known.
func (si *shapeInference) conv(n *ir.Node, x []ir.Dim, xok, pool bool) []*shapeInfo {
	if !xok || len(x) < 3 {
		return nil
	}
	sp := len(x) - 2
	out := make([]ir.Dim, len(x))
	out[0], out[1] = x[0], x[1]
	kernel := make([]int64, sp)
	if a := n.Attr("kernel_shape"); a != nil && len(a.Ints) == sp {
		copy(kernel, a.Ints)
	} else if pool {
		return nil
	}
	if !pool {
		w, wok := si.dims(n, 1)
		if !wok || len(w) != len(x) {
			return nil
		}
		out[1] = w[0]
		if n.Attr("kernel_shape") == nil {
			for i := range kernel {
				if !w[2+i].Known {
					return []*shapeInfo{shaped(append(out[:2], unknownDims(sp)...))}
				}
				kernel[i] = w[2+i].Value
			}
		}
	}
	ints := func(name string, def int64, n0 int) []int64 {
		v := make([]int64, n0)
		for i := range v {
			v[i] = def
		}
		if a := n.Attr(name); a != nil && len(a.Ints) == n0 {
			copy(v, a.Ints)
		}
		return v
	}
	strides, dil, pads := ints("strides", 1, sp), ints("dilations", 1, sp), ints("pads", 0, 2*sp)
	autoPad := ""
	if a := n.Attr("auto_pad"); a != nil {
		autoPad = string(a.S)
	}
	ceil := attrInt64(n, "ceil_mode", 0) != 0
	for i := 0; i < sp; i++ {
		d := x[2+i]
		if !d.Known {
			continue // unknown
		}
		ek := dil[i]*(kernel[i]-1) + 1
		var o int64
		switch autoPad {
		case "SAME_UPPER", "SAME_LOWER":
			o = (d.Value + strides[i] - 1) / strides[i]
		case "VALID":
			o = (d.Value-ek)/strides[i] + 1
		default:
			span := d.Value + pads[i] + pads[i+sp] - ek
			if span < 0 {
				continue
			}
			if ceil {
				o = (span+strides[i]-1)/strides[i] + 1
				if (o-1)*strides[i] >= d.Value+pads[i] {
					o-- // the last window would start in the end padding
				}
			} else {
				o = span/strides[i] + 1
			}
		}
		if o >= 0 {
			out[2+i] = known(o)
		}
	}
	res := []*shapeInfo{shaped(out)}
	if n.OpType == "MaxPool" && len(n.Outputs) > 1 {
		res = append(res, shaped(slices.Clone(out))) // indices
	}
	return res
}

func (si *shapeInference) reshape(n *ir.Node, x []ir.Dim, xok bool) []*shapeInfo {
	target, ok := si.valueOf(n, 1)
	if !ok {
		if d, dok := si.dims(n, 1); dok && len(d) == 1 && d[0].Known {
			return []*shapeInfo{shaped(unknownDims(int(d[0].Value)))} // rank only
		}
		return nil
	}
	allowZero := attrInt64(n, "allowzero", 0) != 0
	out := make([]ir.Dim, len(target))
	infer := -1
	for i, d := range target {
		switch {
		case d.Known && d.Value == 0 && !allowZero:
			if !xok || i >= len(x) {
				return nil
			}
			out[i] = x[i]
		case d.Known && d.Value == -1:
			if infer >= 0 {
				return nil
			}
			infer = i
		default:
			out[i] = d
		}
	}
	if infer >= 0 {
		out[infer] = ir.Dim{}
		if xok {
			rest := make([]ir.Dim, 0, len(out))
			for i, d := range out {
				if i != infer {
					rest = append(rest, d)
				}
			}
			if q, ok := divTerms(termOf(x), termOf(rest)); ok {
				out[infer] = q.dim()
			}
		}
	}
	res := shaped(out)
	if in := si.in(n, 0); in != nil && in.hasVal {
		res.setValue(in.value)
	}
	return []*shapeInfo{res}
}

func (si *shapeInference) squeeze(n *ir.Node, unsqueeze bool) []*shapeInfo {
	x, xok := si.dims(n, 0)
	axes, aok := si.intsAttrOrInput(n, "axes", 1)
	in := si.in(n, 0)
	var res *shapeInfo
	switch {
	case !xok:
		return nil
	case unsqueeze:
		if !aok {
			return nil
		}
		rank := len(x) + len(axes)
		mark := make([]bool, rank)
		for _, a := range axes {
			ax, ok := normAxis(a, rank)
			if !ok || mark[ax] {
				return nil
			}
			mark[ax] = true
		}
		out := make([]ir.Dim, 0, rank)
		k := 0
		for i := 0; i < rank; i++ {
			if mark[i] {
				out = append(out, known(1))
			} else {
				out = append(out, x[k])
				k++
			}
		}
		res = shaped(out)
	default:
		drop := make([]bool, len(x))
		if aok && len(axes) > 0 {
			for _, a := range axes {
				ax, ok := normAxis(a, len(x))
				if !ok {
					return nil
				}
				drop[ax] = true
			}
		} else {
			for i, d := range x {
				if !d.Known {
					return nil // which axes go depends on the run
				}
				drop[i] = d.Value == 1
			}
		}
		out := []ir.Dim{}
		for i, d := range x {
			if !drop[i] {
				out = append(out, d)
			}
		}
		res = shaped(out)
	}
	if in != nil && in.hasVal {
		res.setValue(in.value)
	}
	return []*shapeInfo{res}
}

func (si *shapeInference) concat(n *ir.Node) []*shapeInfo {
	var out []ir.Dim
	var vals []ir.Dim
	haveVals := true
	axis := attrInt64(n, "axis", 0)
	ax := -1
	for i := range n.Inputs {
		d, ok := si.dims(n, i)
		if !ok {
			return nil
		}
		if in := si.in(n, i); in == nil || !in.hasVal {
			haveVals = false
		} else {
			vals = append(vals, in.value...)
		}
		if i == 0 {
			var aok bool
			if ax, aok = normAxis(axis, len(d)); !aok {
				return nil
			}
			out = slices.Clone(d)
			continue
		}
		if len(d) != len(out) {
			return nil
		}
		out[ax] = addDims(out[ax], d[ax])
		for k := range out {
			if k != ax && !out[k].Known && d[k].Known {
				out[k] = d[k] // the inputs agree off the axis
			}
		}
	}
	if out == nil {
		return nil
	}
	res := shaped(out)
	if haveVals {
		res.setValue(vals)
	}
	return []*shapeInfo{res}
}

func (si *shapeInference) gather(n *ir.Node) []*shapeInfo {
	x, xok := si.dims(n, 0)
	idx, iok := si.dims(n, 1)
	if !xok || !iok {
		return nil
	}
	ax, ok := normAxis(attrInt64(n, "axis", 0), len(x))
	if !ok {
		return nil
	}
	out := append(append(slices.Clone(x[:ax]), idx...), x[ax+1:]...)
	res := shaped(out)
	// Gathering from a shape value with constant indices.
	if in := si.in(n, 0); in != nil && in.hasVal && len(x) == 1 {
		if ids, ok := si.ints(n, 1); ok {
			vals := make([]ir.Dim, len(ids))
			for i, id := range ids {
				j, ok := normAxis(id, len(in.value))
				if !ok {
					return []*shapeInfo{res}
				}
				vals[i] = in.value[j]
			}
			res.setValue(vals)
		}
	}
	return []*shapeInfo{res}
}

func (si *shapeInference) slice(n *ir.Node) []*shapeInfo {
	x, xok := si.dims(n, 0)
	if !xok {
		return nil
	}
	var starts, ends, axes, steps []int64
	var ok bool
	if a := n.Attr("starts"); a != nil { // opset < 10
		starts, ends = a.Ints, nil
		if e := n.Attr("ends"); e != nil {
			ends = e.Ints
		}
		if ax := n.Attr("axes"); ax != nil {
			axes = ax.Ints
		}
	} else {
		if starts, ok = si.ints(n, 1); !ok {
			return []*shapeInfo{shaped(unknownDims(len(x)))}
		}
		if ends, ok = si.ints(n, 2); !ok {
			return []*shapeInfo{shaped(unknownDims(len(x)))}
		}
		if len(n.Inputs) > 3 && n.Inputs[3] != "" {
			if axes, ok = si.ints(n, 3); !ok {
				return []*shapeInfo{shaped(unknownDims(len(x)))}
			}
		}
		if len(n.Inputs) > 4 && n.Inputs[4] != "" {
			if steps, ok = si.ints(n, 4); !ok {
				return []*shapeInfo{shaped(unknownDims(len(x)))}
			}
		}
	}
	if len(ends) != len(starts) || axes != nil && len(axes) != len(starts) || steps != nil && len(steps) != len(starts) {
		return nil
	}
	out := slices.Clone(x)
	in := si.in(n, 0)
	var vals []ir.Dim
	valsOK := in != nil && in.hasVal && len(x) == 1 && x[0].Known && x[0].Value == int64(len(in.value))
	if valsOK {
		vals = in.value
	}
	for i := range starts {
		a := int64(i)
		if axes != nil {
			a = axes[i]
		}
		ax, ok := normAxis(a, len(x))
		if !ok {
			return nil
		}
		step := int64(1)
		if steps != nil {
			step = steps[i]
		}
		d := x[ax]
		if !d.Known {
			// Unknown extent: only a slice of everything keeps it.
			if step == 1 && starts[i] == 0 && ends[i] >= 1<<31-1 {
				continue
			}
			out[ax] = ir.Dim{}
			valsOK = false
			continue
		}
		lo, hi, cnt, ok := sliceRange(starts[i], ends[i], step, d.Value)
		if !ok {
			return nil
		}
		out[ax] = known(cnt)
		if valsOK && step == 1 {
			vals = vals[lo:hi]
		} else {
			valsOK = false
		}
	}
	res := shaped(out)
	if valsOK {
		res.setValue(slices.Clone(vals))
	}
	return []*shapeInfo{res}
}

// sliceRange resolves one axis of Slice over an extent of dim: the first
// and end index (for step 1) and the element count.
func sliceRange(start, end, step, dim int64) (int64, int64, int64, bool) {
	if step == 0 {
		return 0, 0, 0, false
	}
	clamp := func(v, lo, hi int64) int64 { return min(max(v, lo), hi) }
	if start < 0 {
		start += dim
	}
	if end < 0 {
		end += dim
	}
	var cnt int64
	if step > 0 {
		start, end = clamp(start, 0, dim), clamp(end, 0, dim)
		if end > start {
			cnt = (end - start + step - 1) / step
		}
	} else {
		start, end = clamp(start, 0, dim-1), clamp(end, -1, dim-1)
		if start > end {
			cnt = (start - end - step - 1) / -step
		}
	}
	if step == 1 && cnt == 0 {
		end = start
	}
	return start, end, cnt, true
}

func (si *shapeInference) split(n *ir.Node, x []ir.Dim, xok bool) []*shapeInfo {
	if !xok {
		return nil
	}
	ax, ok := normAxis(attrInt64(n, "axis", 0), len(x))
	if !ok {
		return nil
	}
	parts := len(n.Outputs)
	sizes, sok := si.intsAttrOrInput(n, "split", 1)
	if !sok || len(sizes) == 0 {
		if !x[ax].Known {
			return nil
		}
		d := x[ax].Value
		per := (d + int64(parts) - 1) / int64(parts)
		sizes = make([]int64, parts)
		for i := range sizes {
			sizes[i] = min(per, max(d-int64(i)*per, 0))
		}
		if n.Attr("num_outputs") == nil && d%int64(parts) != 0 {
			return nil
		}
	}
	if len(sizes) != parts {
		return nil
	}
	res := make([]*shapeInfo, parts)
	for i, s := range sizes {
		out := slices.Clone(x)
		out[ax] = known(s)
		res[i] = shaped(out)
	}
	return res
}

func (si *shapeInference) reduce(n *ir.Node, x []ir.Dim, xok, arg bool) []*shapeInfo {
	if !xok {
		return nil
	}
	keep := attrInt64(n, "keepdims", 1) != 0
	var axes []int64
	if arg {
		axes = []int64{attrInt64(n, "axis", 0)}
	} else if a, ok := si.intsAttrOrInput(n, "axes", 1); ok {
		axes = a
	} else if len(n.Inputs) > 1 && n.Inputs[1] != "" {
		return nil // axes computed at run time
	}
	mark := make([]bool, len(x))
	if len(axes) == 0 {
		if attrInt64(n, "noop_with_empty_axes", 0) != 0 {
			return []*shapeInfo{shaped(x)}
		}
		for i := range mark {
			mark[i] = true
		}
	}
	for _, a := range axes {
		ax, ok := normAxis(a, len(x))
		if !ok {
			return nil
		}
		mark[ax] = true
	}
	out := []ir.Dim{}
	for i, d := range x {
		switch {
		case !mark[i]:
			out = append(out, d)
		case keep:
			out = append(out, known(1))
		}
	}
	return []*shapeInfo{shaped(out)}
}

// Products of dims, for Flatten, Reshape's -1 and shape arithmetic: a
// coefficient times a multiset of symbols. A symbol made here is the
// product's canonical spelling ("batch*seq", "2*seq"), so products of
// products stay comparable.
type term struct {
	coef int64
	syms []string // sorted
	ok   bool
}

// termOf multiplies dims; ok is false when any dim is unknown.
func termOf(dims []ir.Dim) term {
	t := term{coef: 1, ok: true}
	for _, d := range dims {
		t = t.mul(d)
	}
	return t
}

func (t term) mul(d ir.Dim) term {
	if !t.ok {
		return t
	}
	switch {
	case d.Known:
		t.coef *= d.Value
	case d.Param != "":
		for _, f := range strings.Split(d.Param, "*") {
			if v, err := strconv.ParseInt(f, 10, 64); err == nil {
				t.coef *= v
			} else {
				t.syms = append(slices.Clone(t.syms), f)
			}
		}
		slices.Sort(t.syms)
	default:
		return term{}
	}
	return t
}

// divTerms returns a/b when b divides a exactly.
func divTerms(a, b term) (term, bool) {
	if !a.ok || !b.ok || b.coef == 0 || a.coef%b.coef != 0 {
		return term{}, false
	}
	rest := slices.Clone(a.syms)
	for _, s := range b.syms {
		i := slices.Index(rest, s)
		if i < 0 {
			return term{}, false
		}
		rest = slices.Delete(rest, i, i+1)
	}
	return term{coef: a.coef / b.coef, syms: rest, ok: true}, true
}

func (t term) dim() ir.Dim {
	if !t.ok {
		return ir.Dim{}
	}
	if len(t.syms) == 0 {
		return known(t.coef)
	}
	if t.coef == 0 {
		return known(0)
	}
	parts := t.syms
	if t.coef != 1 {
		parts = append([]string{strconv.FormatInt(t.coef, 10)}, parts...)
	}
	return ir.Dim{Param: strings.Join(parts, "*")}
}

func product(dims []ir.Dim) ir.Dim { return termOf(dims).dim() }

func mulDims(a, b ir.Dim) ir.Dim { return termOf([]ir.Dim{a, b}).dim() }

func divDims(a, b ir.Dim) ir.Dim {
	if q, ok := divTerms(termOf([]ir.Dim{a}), termOf([]ir.Dim{b})); ok {
		return q.dim()
	}
	return ir.Dim{}
}

// addDims adds two extents: exact when both are known, unknown otherwise.
func addDims(a, b ir.Dim) ir.Dim {
	if a.Known && b.Known {
		return known(a.Value + b.Value)
	}
	return ir.Dim{}
}

func addConst(a ir.Dim, c int64) ir.Dim {
	if c == 0 {
		return a
	}
	if a.Known {
		return known(a.Value + c)
	}
	return ir.Dim{}
}
