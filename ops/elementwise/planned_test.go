package elementwise

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// bind binds op at opset with nin inputs and nout outputs on pool.
func bind(t *testing.T, op string, opset int64, attrs []*ir.Attribute, nin, nout int, pool *parallel.Pool) ops.Impl {
	t.Helper()
	n := &ops.Node{Node: &ir.Node{OpType: op, Attrs: attrs}, Opset: opset, Pool: pool}
	for i := 0; i < nin; i++ {
		n.Inputs = append(n.Inputs, string(rune('a'+i)))
	}
	for i := 0; i < nout; i++ {
		n.Outputs = append(n.Outputs, string(rune('x'+i)))
	}
	impl, err := testReg.Bind(n)
	if err != nil {
		t.Fatalf("%s-%d: %v", op, opset, err)
	}
	return impl
}

// runPlanned runs impl's planned form the way the planned executor does:
// outputs allocated from Infer's specs and filled with garbage first.
func runPlanned(t *testing.T, impl ops.Impl, nout int, in ...*tensor.Tensor) ([]*tensor.Tensor, error) {
	t.Helper()
	p := impl.Planned
	if p == nil {
		t.Fatal("no planned form")
	}
	specs := make([]ops.OutSpec, nout)
	if err := p.Infer(in, specs); err != nil {
		return nil, err
	}
	out := make([]*tensor.Tensor, nout)
	for i, s := range specs {
		if p.View {
			if i == 0 {
				v, err := in[0].Reshape(s.Shape...)
				if err != nil {
					return nil, err
				}
				out[0] = v
			}
			continue
		}
		if !s.DType.Valid() {
			return nil, fmt.Errorf("no output %d (inferred type %v)", i, s.DType)
		}
		out[i] = tensor.New(s.DType, s.Shape...)
		b := out[i].Bytes()
		for k := range b {
			b[k] = byte(0xA5 + k*29)
		}
		if s.DType == tensor.Bool {
			for k := range b {
				b[k] &= 1
			}
		}
	}
	if p.View {
		return out, nil
	}
	return out, p.Run(in, out)
}

// sameBits reports whether two tensors hold identical bytes (NaNs of any
// payload count as equal for float32).
func sameBits(a, b *tensor.Tensor) bool {
	if a.DType() != b.DType() || !a.Shape().Equal(b.Shape()) {
		return false
	}
	if a.DType() == tensor.Float32 {
		x, y := a.Float32s(), b.Float32s()
		for i := range x {
			if math.Float32bits(x[i]) != math.Float32bits(y[i]) && !(x[i] != x[i] && y[i] != y[i]) {
				return false
			}
		}
		return true
	}
	if a.DType() == tensor.String {
		x, y := a.Strings(), b.Strings()
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	x, y := a.Bytes(), b.Bytes()
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

// checkPlanned binds op with len(in) inputs and nout outputs and runs it
// both as the allocating kernel and, when it has one, through its planned
// form with garbage-filled outputs: both must fail or give the same
// outputs (Dropout's random masks excepted).
func checkPlanned(t *testing.T, op string, opset int64, attrs []*ir.Attribute, nout int, in ...*tensor.Tensor) {
	t.Helper()
	n := &ops.Node{Node: &ir.Node{OpType: op, Attrs: attrs}, Opset: opset}
	for i := range in {
		n.Inputs = append(n.Inputs, string(rune('a'+i)))
	}
	for i := 0; i < nout; i++ {
		n.Outputs = append(n.Outputs, string(rune('x'+i)))
	}
	impl, err := testReg.Bind(n)
	if err != nil || impl.Tensor == nil {
		return
	}
	want, errK := impl.Tensor(in)
	if impl.Planned == nil {
		return
	}
	got, errP := runPlanned(t, impl, nout, in...)
	if (errK == nil) != (errP == nil) {
		t.Fatalf("%s-%d %v: kernel error %v, planned error %v", op, opset, in, errK, errP)
	}
	if errK != nil || op == "Dropout" {
		return
	}
	for i := range want {
		if (want[i] == nil) != (got[i] == nil) || want[i] != nil && !sameBits(want[i], got[i]) {
			t.Fatalf("%s-%d %v: planned output %d differs from the kernel's", op, opset, in, i)
		}
	}
}

// randShape returns a random shape of rank ≤ 4 with dims in [1, 4] (and
// now and then 0).
func randShape(r *rand.Rand) tensor.Shape {
	s := make(tensor.Shape, r.IntN(5))
	for i := range s {
		s[i] = 1 + r.IntN(4)
		if r.IntN(40) == 0 {
			s[i] = 0
		}
	}
	return s
}

// broadcastable derives from os a shape that broadcasts to it: a suffix of
// it with some dims set to 1.
func broadcastable(r *rand.Rand, os tensor.Shape) tensor.Shape {
	s := append(tensor.Shape{}, os[r.IntN(len(os)+1):]...)
	for i := range s {
		if r.IntN(3) == 0 {
			s[i] = 1
		}
	}
	return s
}

// refIndex maps output element o of shape os to the element of an operand
// of shape s: the straightforward per-element index computation.
func refIndex(o int, os, s tensor.Shape) int {
	idx := 0
	stride := 1
	for j := len(os) - 1; j >= 0; j-- {
		i := o % os[j]
		o /= os[j]
		k := j - (len(os) - len(s))
		if k >= 0 {
			if s[k] != 1 {
				idx += i * stride
			}
			stride *= s[k]
		}
	}
	return idx
}

func randF32(r *rand.Rand, s tensor.Shape) *tensor.Tensor {
	x := tensor.New(tensor.Float32, s...)
	for i := range x.Float32s() {
		x.Float32s()[i] = float32(r.NormFloat64() * 3)
	}
	return x
}

// TestBroadcastMatchesReference checks the binary operators, Pow and Where
// over many shape pairs (both orders, and three-way for Where) against
// per-element index math, through the planned form with garbage-filled
// outputs, and the float32 kernels over arbitrary split points.
func TestBroadcastMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ref := map[string]func(a, b float32) float32{
		"Add": func(a, b float32) float32 { return a + b },
		"Sub": func(a, b float32) float32 { return a - b },
		"Mul": func(a, b float32) float32 { return a * b },
		"Div": func(a, b float32) float32 { return a / b },
		"Max": func(a, b float32) float32 { return max(a, b) },
		"Min": func(a, b float32) float32 { return min(a, b) },
		"Pow": func(a, b float32) float32 { return float32(math.Pow(float64(a), float64(b))) },
	}
	impls := map[string]ops.Impl{}
	for op := range ref {
		impls[op] = bind(t, op, 13, nil, 2, 1, nil)
	}
	where := bind(t, "Where", 16, nil, 3, 1, nil)
	addI := bind(t, "Add", 14, nil, 2, 1, nil)
	for trial := 0; trial < 600; trial++ {
		os := randShape(r)
		as, bs := broadcastable(r, os), broadcastable(r, os)
		if r.IntN(2) == 0 {
			as = os
		}
		if trial%2 == 1 {
			as, bs = bs, as
		}
		want, err := ops.BroadcastShape(as, bs)
		if err != nil {
			t.Fatal(err)
		}
		n := want.NumElements()
		a, b := randF32(r, as), randF32(r, bs)
		if r.IntN(4) == 0 {
			// A uniform tensor exponent takes Pow's fast path.
			for i := range b.Float32s() {
				b.Float32s()[i] = float32(r.IntN(7) - 3)
			}
		}
		for op, f := range ref {
			out, err := runPlanned(t, impls[op], 1, a, b)
			if err != nil {
				t.Fatalf("%s %v %v: %v", op, as, bs, err)
			}
			y := out[0]
			if !y.Shape().Equal(want) {
				t.Fatalf("%s %v %v: shape %v, want %v", op, as, bs, y.Shape(), want)
			}
			for o := 0; o < n; o++ {
				w := f(a.Float32s()[refIndex(o, want, as)], b.Float32s()[refIndex(o, want, bs)])
				g := y.Float32s()[o]
				if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
					t.Fatalf("%s %v %v: element %d = %v, want %v", op, as, bs, o, g, w)
				}
			}
		}
		// The float32 kernel split at arbitrary points.
		var bc bcast
		bc.init(want, as, bs)
		got := make([]float32, n)
		for lo := 0; lo < n; {
			hi := min(n, lo+1+r.IntN(7))
			arith32(bSub, &bc, lo, hi, got, a.Float32s(), b.Float32s())
			lo = hi
		}
		for o := range got {
			if w := a.Float32s()[refIndex(o, want, as)] - b.Float32s()[refIndex(o, want, bs)]; got[o] != w {
				t.Fatalf("split Sub %v %v: element %d = %v, want %v", as, bs, o, got[o], w)
			}
		}
		// An integer type through the generic path.
		ai, bi := tensor.New(tensor.Int32, as...), tensor.New(tensor.Int32, bs...)
		for i := range ai.Int32s() {
			ai.Int32s()[i] = r.Int32N(100)
		}
		for i := range bi.Int32s() {
			bi.Int32s()[i] = r.Int32N(100)
		}
		out, err := runPlanned(t, addI, 1, ai, bi)
		if err != nil {
			t.Fatal(err)
		}
		for o := 0; o < n; o++ {
			if w := ai.Int32s()[refIndex(o, want, as)] + bi.Int32s()[refIndex(o, want, bs)]; out[0].Int32s()[o] != w {
				t.Fatalf("int32 Add %v %v: element %d = %v, want %v", as, bs, o, out[0].Int32s()[o], w)
			}
		}
		// Where with a third shape.
		cs := broadcastable(r, os)
		c := tensor.New(tensor.Bool, cs...)
		for i := range c.Bools() {
			c.Bools()[i] = r.IntN(2) == 0
		}
		wshape, err := ops.BroadcastShape(cs, as, bs)
		if err != nil {
			t.Fatal(err)
		}
		out, err = runPlanned(t, where, 1, c, a, b)
		if err != nil {
			t.Fatal(err)
		}
		for o := 0; o < wshape.NumElements(); o++ {
			w := b.Float32s()[refIndex(o, wshape, bs)]
			if c.Bools()[refIndex(o, wshape, cs)] {
				w = a.Float32s()[refIndex(o, wshape, as)]
			}
			if out[0].Float32s()[o] != w {
				t.Fatalf("Where %v %v %v: element %d = %v, want %v", cs, as, bs, o, out[0].Float32s()[o], w)
			}
		}
	}
}

// TestBroadcastCollapse checks the levels a few typical shape pairs
// collapse to.
func TestBroadcastCollapse(t *testing.T) {
	for _, c := range []struct {
		os, a, b tensor.Shape
		dims     []int
		fa, fb   bool
	}{
		{tensor.Shape{2, 3, 4}, tensor.Shape{2, 3, 4}, tensor.Shape{2, 3, 4}, []int{24}, true, true},
		{tensor.Shape{2, 3, 4}, tensor.Shape{2, 3, 4}, tensor.Shape{}, []int{24}, true, false},
		{tensor.Shape{2, 3, 4}, tensor.Shape{1}, tensor.Shape{2, 3, 4}, []int{24}, false, true},
		{tensor.Shape{2, 3, 4}, tensor.Shape{2, 3, 4}, tensor.Shape{4}, []int{6, 4}, true, true},
		{tensor.Shape{1, 128, 64}, tensor.Shape{1, 128, 64}, tensor.Shape{1, 128, 1}, []int{128, 64}, true, false},
		{tensor.Shape{2, 5, 3, 3}, tensor.Shape{2, 5, 3, 3}, tensor.Shape{1, 5, 1, 1}, []int{2, 5, 9}, true, false},
		{tensor.Shape{4, 5}, tensor.Shape{4, 1}, tensor.Shape{1, 5}, []int{4, 5}, false, true},
		{tensor.Shape{}, tensor.Shape{}, tensor.Shape{1, 1}, []int{1}, false, false},
	} {
		var bc bcast
		bc.init(c.os, c.a, c.b)
		dim, _ := bc.levels()
		if len(dim) != len(c.dims) || bc.full[0] != c.fa || bc.full[1] != c.fb {
			t.Errorf("%v %v→%v: levels %v full %v, want %v %v %v", c.a, c.b, c.os, dim, bc.full, c.dims, c.fa, c.fb)
			continue
		}
		for i := range dim {
			if dim[i] != c.dims[i] {
				t.Errorf("%v %v→%v: levels %v, want %v", c.a, c.b, c.os, dim, c.dims)
			}
		}
	}
	// More levels than a bcast holds inline: alternate broadcast axes.
	os := tensor.Shape{2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}
	as := tensor.Shape{2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2}
	bs := tensor.Shape{1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1}
	var bc bcast
	bc.init(os, as, bs)
	if bc.rank != 11 || bc.ext == nil {
		t.Fatalf("rank %d ext %v", bc.rank, bc.ext != nil)
	}
	r := rand.New(rand.NewPCG(3, 4))
	a, b := randF32(r, as), randF32(r, bs)
	got := make([]float32, os.NumElements())
	arith32(bMul, &bc, 0, bc.n, got, a.Float32s(), b.Float32s())
	for o := range got {
		if w := a.Float32s()[refIndex(o, os, as)] * b.Float32s()[refIndex(o, os, bs)]; got[o] != w {
			t.Fatalf("element %d = %v, want %v", o, got[o], w)
		}
	}
}

// powInputs returns float32 values covering special values, every binade
// (subnormals to the largest finite) and random bit patterns.
func powInputs() []float32 {
	xs := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 2, -2, 0.5, -0.5, 3, -3,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
		1.1754942e-38, 1e-20, 1e20, 1e-10, 1e10, 0.1, 1.0000001, 0.99999994}
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 20000; i++ {
		xs = append(xs, math.Float32frombits(r.Uint32()))
	}
	for e := -149; e <= 127; e++ {
		m := float32(math.Ldexp(1+r.Float64(), e))
		xs = append(xs, m, -m)
	}
	return xs
}

// TestPowFastPathsMatchMathPow holds every exponent shortcut to
// float32(math.Pow(float64(x), p)), bit for bit.
func TestPowFastPathsMatchMathPow(t *testing.T) {
	xs := powInputs()
	got := make([]float32, len(xs))
	for _, p := range []float64{0, 1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6, 0.5, -0.5, 7, -7, 1.5, 2.5, -0.25, 1e3,
		math.Inf(1), math.Inf(-1), math.NaN(), math.Copysign(0, -1)} {
		powRun32(got, xs, p)
		for i, x := range xs {
			w := float32(math.Pow(float64(x), p))
			if math.Float32bits(got[i]) != math.Float32bits(w) && !(got[i] != got[i] && w != w) {
				t.Fatalf("Pow(%v (%#x), %v) = %v (%#x), want %v (%#x)", x, math.Float32bits(x), p,
					got[i], math.Float32bits(got[i]), w, math.Float32bits(w))
			}
		}
	}
}

// TestPlannedMatchesKernel runs every float32-capable operator of the
// family through its planned form (outputs holding garbage) and through
// the allocating kernel, which must agree.
func TestPlannedMatchesKernel(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	x := randF32(r, tensor.Shape{3, 4, 5})
	y := randF32(r, tensor.Shape{4, 1})
	for _, info := range testReg.List() {
		for _, opset := range info.Sinces {
			if opset > 17 {
				continue
			}
			for nin := 1; nin <= 3; nin++ {
				in := []*tensor.Tensor{x, y, x}[:nin]
				n := &ops.Node{Node: &ir.Node{OpType: info.Op}, Opset: opset}
				for i := 0; i < nin; i++ {
					n.Inputs = append(n.Inputs, string(rune('a'+i)))
				}
				n.Outputs = []string{"y"}
				impl, err := testReg.Bind(n)
				if err != nil || impl.Planned == nil || impl.Tensor == nil {
					continue // value kernels' planned forms are tested through programs
				}
				want, errK := impl.Tensor(in)
				got, errP := runPlanned(t, impl, 1, in...)
				if (errK == nil) != (errP == nil) {
					t.Fatalf("%s-%d/%d: kernel %v, planned %v", info.Op, opset, nin, errK, errP)
				}
				if errK == nil && !sameBits(want[0], got[0]) {
					t.Fatalf("%s-%d/%d: planned output differs from the kernel's", info.Op, opset, nin)
				}
			}
		}
	}
}

// TestPlannedRunAllocatesNothing holds the float32 planned Run of the hot
// operators to zero allocations, inline and split over a pool.
func TestPlannedRunAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	pool := parallel.New(parallel.Options{Threads: 2})
	defer pool.Close()
	r := rand.New(rand.NewPCG(9, 10))
	for _, size := range []int{64, 1 << 16} {
		x := randF32(r, tensor.Shape{2, size})
		row := randF32(r, tensor.Shape{size})
		col := randF32(r, tensor.Shape{2, 1})
		cond := tensor.New(tensor.Bool, 2, size)
		for i := range cond.Bools() {
			cond.Bools()[i] = i%3 == 0
		}
		for _, c := range []struct {
			op    string
			opset int64
			in    []*tensor.Tensor
		}{
			{"Add", 14, []*tensor.Tensor{x, row}},
			{"Add", 14, []*tensor.Tensor{x, x}},
			{"Mul", 14, []*tensor.Tensor{x, col}},
			{"Mul", 14, []*tensor.Tensor{tensor.Scalar(float32(2)), x}},
			{"Where", 16, []*tensor.Tensor{cond, x, col}},
			{"Pow", 15, []*tensor.Tensor{x, tensor.Scalar(float32(2))}},
			{"Pow", 15, []*tensor.Tensor{x, tensor.Scalar(float32(3))}},
			{"Pow", 15, []*tensor.Tensor{x, tensor.Scalar(int64(2))}},
			{"Erf", 13, []*tensor.Tensor{x}},
			{"HardSwish", 14, []*tensor.Tensor{x}},
			{"HardSigmoid", 6, []*tensor.Tensor{x}},
			{"Sigmoid", 13, []*tensor.Tensor{x}},
			{"Sqrt", 13, []*tensor.Tensor{x}},
			{"Clip", 13, []*tensor.Tensor{x, tensor.Scalar(float32(-1)), tensor.Scalar(float32(1))}},
			{"PRelu", 16, []*tensor.Tensor{x, col}},
			{"Sum", 13, []*tensor.Tensor{x, row, col}},
			{"Less", 13, []*tensor.Tensor{x, row}},
			{"Cast", 13, []*tensor.Tensor{x}},
		} {
			for _, p := range []*parallel.Pool{nil, pool} {
				var attrs []*ir.Attribute
				if c.op == "Cast" {
					attrs = []*ir.Attribute{intAttr("to", int64(tensor.Float16))}
				}
				impl := bind(t, c.op, c.opset, attrs, len(c.in), 1, p)
				out, err := runPlanned(t, impl, 1, c.in...)
				if err != nil {
					t.Fatalf("%s: %v", c.op, err)
				}
				specs := make([]ops.OutSpec, 1)
				allocs := testing.AllocsPerRun(20, func() {
					if err := impl.Planned.Infer(c.in, specs); err != nil {
						t.Fatal(err)
					}
					if err := impl.Planned.Run(c.in, out); err != nil {
						t.Fatal(err)
					}
				})
				if allocs != 0 {
					t.Errorf("%s %d elements (pool %v): %.1f allocations per run", c.op, x.Len(), p != nil, allocs)
				}
			}
		}
	}
}

// TestUnaryFloat32WithinTolerance compares the float32 unary kernels with
// the operators computed in float64, within the conformance tolerance.
func TestUnaryFloat32WithinTolerance(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	xs := make([]float32, 4096)
	for i := range xs {
		xs[i] = float32(r.NormFloat64() * 4)
	}
	xs = append(xs, 0, float32(math.Copysign(0, -1)), 3, -3, 6, -6, 1e-30, -1e-30, 80, -80,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()))
	got := make([]float32, len(xs))
	for kind := uAbs; kind <= uGeluTanh; kind++ {
		op := unaryOp{kind: kind, alpha: 0.2, beta: 0.5, gamma: 1.05}
		if kind == uCelu || kind == uElu || kind == uShrink || kind == uThresholdedRelu {
			op.alpha = 1
		}
		unary32(op)(got, xs)
		f := op.float64Fn()
		for i, x := range xs {
			w := float64(float32(f(float64(x))))
			g := float64(got[i])
			if w != w || g != g {
				if (w != w) != (g != g) {
					t.Fatalf("kind %d: f(%v) = %v, want %v", kind, x, g, w)
				}
				continue
			}
			if math.IsInf(w, 0) || math.IsInf(g, 0) {
				if w != g {
					t.Fatalf("kind %d: f(%v) = %v, want %v", kind, x, g, w)
				}
				continue
			}
			if math.Abs(g-w) > 1e-6+1e-4*math.Abs(w) {
				t.Fatalf("kind %d: f(%v) = %v, want %v", kind, x, g, w)
			}
		}
	}
}

// TestPoolMatchesInline checks that splitting the float32 kernels over a
// pool gives the same bits as running them on one goroutine.
func TestPoolMatchesInline(t *testing.T) {
	pool := parallel.New(parallel.Options{Threads: 3})
	defer pool.Close()
	r := rand.New(rand.NewPCG(13, 14))
	x := randF32(r, tensor.Shape{3, 40000})
	row := randF32(r, tensor.Shape{40000})
	col := randF32(r, tensor.Shape{3, 1})
	for _, c := range []struct {
		op    string
		opset int64
		in    []*tensor.Tensor
	}{
		{"Add", 14, []*tensor.Tensor{x, row}},
		{"Div", 14, []*tensor.Tensor{col, x}},
		{"Max", 13, []*tensor.Tensor{x, row, col}},
		{"Pow", 15, []*tensor.Tensor{x, tensor.Scalar(float32(3))}},
		{"Sigmoid", 13, []*tensor.Tensor{x}},
		{"Erf", 13, []*tensor.Tensor{x}},
		{"HardSwish", 14, []*tensor.Tensor{x}},
		{"Clip", 13, []*tensor.Tensor{x, tensor.Scalar(float32(-1))}},
		{"PRelu", 16, []*tensor.Tensor{x, col}},
	} {
		want, err := runPlanned(t, bind(t, c.op, c.opset, nil, len(c.in), 1, nil), 1, c.in...)
		if err != nil {
			t.Fatalf("%s: %v", c.op, err)
		}
		got, err := runPlanned(t, bind(t, c.op, c.opset, nil, len(c.in), 1, pool), 1, c.in...)
		if err != nil {
			t.Fatalf("%s: %v", c.op, err)
		}
		if !sameBits(want[0], got[0]) {
			t.Errorf("%s: the pooled run differs from the inline one", c.op)
		}
	}
}

// castTo returns x (float32) converted to dtype dt as Cast does.
func castTo(t *testing.T, x *tensor.Tensor, dt tensor.DType) *tensor.Tensor {
	t.Helper()
	y, err := castTensor(x, dt)
	if err != nil {
		t.Fatal(err)
	}
	return y
}

// TestPlannedHalfAndIntegers runs operators on float16, bfloat16, float64
// and integer inputs through their planned form, with outputs holding
// garbage. Half-precision results must be the float32 operator's on the
// decoded inputs, rounded once; float64 and integer results must match the
// operator computed element by element. Steady-state runs allocate
// nothing.
func TestPlannedHalfAndIntegers(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	x := randF32(r, tensor.Shape{3, 4, 5})
	y := randF32(r, tensor.Shape{4, 1})
	lo, hi := tensor.Scalar(float32(-1)), tensor.Scalar(float32(2))
	type opCase struct {
		op    string
		opset int64
		in    []*tensor.Tensor // float32 originals
	}
	floatOps := []opCase{
		{"Add", 14, []*tensor.Tensor{x, y}}, {"Sub", 14, []*tensor.Tensor{y, x}}, {"Mul", 14, []*tensor.Tensor{x, x}},
		{"Div", 14, []*tensor.Tensor{x, y}}, {"Max", 13, []*tensor.Tensor{x, y}}, {"Sum", 13, []*tensor.Tensor{x, y, x}},
		{"Mean", 13, []*tensor.Tensor{x, y}}, {"Clip", 13, []*tensor.Tensor{x, lo, hi}}, {"PRelu", 16, []*tensor.Tensor{x, y}},
		{"Pow", 15, []*tensor.Tensor{x, y}}, {"Sigmoid", 13, []*tensor.Tensor{x}}, {"Neg", 13, []*tensor.Tensor{x}},
		{"Sqrt", 13, []*tensor.Tensor{x}}, {"Less", 13, []*tensor.Tensor{x, y}}, {"Equal", 13, []*tensor.Tensor{x, x}},
		{"IsNaN", 13, []*tensor.Tensor{x}},
	}
	for _, dt := range []tensor.DType{tensor.Float16, tensor.BFloat16} {
		for _, c := range floatOps {
			in := make([]*tensor.Tensor, len(c.in))
			dec := make([]*tensor.Tensor, len(c.in)) // in, decoded to float32
			for i, v := range c.in {
				in[i] = castTo(t, v, dt)
				dec[i] = castTo(t, in[i], tensor.Float32)
			}
			impl := bind(t, c.op, c.opset, nil, len(in), 1, nil)
			got, err := runPlanned(t, impl, 1, in...)
			if err != nil {
				t.Fatalf("%s %v: %v", c.op, dt, err)
			}
			want, err := runPlanned(t, impl, 1, dec...)
			if err != nil {
				t.Fatalf("%s float32: %v", c.op, err)
			}
			w := want[0]
			if w.DType() == tensor.Float32 {
				w = castTo(t, w, dt)
			}
			if !sameBits(got[0], w) {
				t.Errorf("%s %v: planned output differs from the float32 operator's, rounded", c.op, dt)
			}
			checkNoAllocs(t, fmt.Sprintf("%s %v", c.op, dt), impl, in, got)
		}
	}

	ints := tensor.From([]int64{-7, -3, -1, 0, 1, 2, 5, 9, 100, -100, 3, 4}, 3, 4)
	divs := tensor.From([]int64{3, -2, 5, 7}, 4)
	type intCase struct {
		op  string
		in  []*tensor.Tensor
		ref func(a, b int64) int64
	}
	for _, dt := range []tensor.DType{tensor.Float64, tensor.Int8, tensor.Int32, tensor.Int64, tensor.Uint8, tensor.Uint32} {
		unsigned := dt == tensor.Uint8 || dt == tensor.Uint32
		for _, c := range []intCase{
			{"Add", []*tensor.Tensor{ints, divs}, func(a, b int64) int64 { return a + b }},
			{"Sub", []*tensor.Tensor{ints, divs}, func(a, b int64) int64 { return a - b }},
			{"Mul", []*tensor.Tensor{ints, divs}, func(a, b int64) int64 { return a * b }},
			{"Max", []*tensor.Tensor{ints, divs}, func(a, b int64) int64 { return max(a, b) }},
			{"Abs", []*tensor.Tensor{ints}, func(a, _ int64) int64 { return max(a, -a) }},
			{"Relu", []*tensor.Tensor{ints}, func(a, _ int64) int64 { return max(a, 0) }},
		} {
			if unsigned && (c.op == "Abs" || c.op == "Relu" || c.op == "Sub") {
				continue // negative values wrap: not this reference
			}
			opset := int64(14)
			if c.op == "Max" || c.op == "Abs" {
				opset = 13
			}
			in := make([]*tensor.Tensor, len(c.in))
			src := make([]*tensor.Tensor, len(c.in))
			for i, v := range c.in {
				if unsigned {
					w := tensor.New(tensor.Int64, v.Shape()...)
					for j, n := range v.Int64s() {
						w.Int64s()[j] = max(n, -n)
					}
					v = w
				}
				src[i] = v
				in[i] = castTo(t, v, dt)
			}
			impl := bind(t, c.op, opset, nil, len(in), 1, nil)
			got, err := runPlanned(t, impl, 1, in...)
			if err != nil {
				t.Fatalf("%s %v: %v", c.op, dt, err)
			}
			want := tensor.New(tensor.Int64, 3, 4)
			a := src[0].Int64s()
			for i := range want.Int64s() {
				var b int64
				if len(src) > 1 {
					b = src[1].Int64s()[i%4]
				}
				want.Int64s()[i] = c.ref(a[i], b)
			}
			if !sameBits(got[0], castTo(t, want, dt)) {
				t.Errorf("%s %v: %v, want %v", c.op, dt, castTo(t, got[0], tensor.Int64).Int64s(), want.Int64s())
			}
			checkNoAllocs(t, fmt.Sprintf("%s %v", c.op, dt), impl, in, got)
		}
	}
}

// checkNoAllocs holds impl's planned Infer and Run on in into out to zero
// allocations once warm.
func checkNoAllocs(t *testing.T, name string, impl ops.Impl, in, out []*tensor.Tensor) {
	t.Helper()
	if raceEnabled {
		return
	}
	specs := make([]ops.OutSpec, 1)
	step := func() {
		if err := impl.Planned.Infer(in, specs); err != nil {
			t.Fatal(err)
		}
		if err := impl.Planned.Run(in, out); err != nil {
			t.Fatal(err)
		}
	}
	step()
	if a := testing.AllocsPerRun(20, step); a != 0 {
		t.Errorf("%s: %.1f allocations per run, want 0", name, a)
	}
}
