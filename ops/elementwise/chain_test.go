package elementwise

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sinter-ml/sinter/internal/cpu"
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// chainReg binds every opset the chain's steps come from (Mish is 18, Gelu
// 20) and the sinter domain.
var chainReg = func() *ops.Registry {
	r := ops.NewRegistry()
	r.ClaimOpset("", 21)
	r.ClaimOpset("sinter", 1)
	Register(r)
	return r
}()

// chainCase is one chain step and the standalone operator computing it.
type chainCase struct {
	step    string
	p0, p1  float32
	swapped bool
	op      string // the ONNX (or sinter) operator
	opset   int64
	attrs   []*ir.Attribute
	c       *tensor.Tensor // a binary step's constant, or Clip's bounds
	hi      *tensor.Tensor
}

// chainCases returns a case for every step kind (binary ones in both
// operand orders, with ordinary and extreme constants).
func chainCases() []chainCase {
	var cs []chainCase
	for _, u := range plainUnary {
		cs = append(cs, chainCase{step: u.op, op: u.op, opset: u.sinces[len(u.sinces)-1]})
	}
	inf := float32(math.Inf(1))
	negZero := float32(math.Copysign(0, -1))
	cs = append(cs,
		chainCase{step: "Gelu", op: "Gelu", opset: 20},
		chainCase{step: "GeluTanh", op: "Gelu", opset: 20, attrs: []*ir.Attribute{strAttr("approximate", "tanh")}},
		chainCase{step: "LeakyRelu", p0: 0.1, op: "LeakyRelu", opset: 16, attrs: []*ir.Attribute{floatAttr("alpha", 0.1)}},
		chainCase{step: "Elu", p0: 0.7, op: "Elu", opset: 6, attrs: []*ir.Attribute{floatAttr("alpha", 0.7)}},
		chainCase{step: "Celu", p0: 1.3, op: "Celu", opset: 12, attrs: []*ir.Attribute{floatAttr("alpha", 1.3)}},
		chainCase{step: "ThresholdedRelu", p0: 0.4, op: "ThresholdedRelu", opset: 10, attrs: []*ir.Attribute{floatAttr("alpha", 0.4)}},
		chainCase{step: "HardSigmoid", p0: 0.25, p1: 0.4, op: "HardSigmoid", opset: 6,
			attrs: []*ir.Attribute{floatAttr("alpha", 0.25), floatAttr("beta", 0.4)}},
		chainCase{step: "HardSigmoid", p0: 1.0 / 6, p1: 0.5, op: "HardSigmoid", opset: 1,
			attrs: []*ir.Attribute{floatAttr("alpha", 1.0/6), floatAttr("beta", 0.5)}},
		chainCase{step: "Shrink", p0: 0.6, p1: 0.2, op: "Shrink", opset: 9,
			attrs: []*ir.Attribute{floatAttr("lambd", 0.6), floatAttr("bias", 0.2)}},
		chainCase{step: "Selu", p0: 1.5, p1: 1.1, op: "Selu", opset: 6,
			attrs: []*ir.Attribute{floatAttr("alpha", 1.5), floatAttr("gamma", 1.1)}},
		chainCase{step: "Clip", p0: -1.5, p1: 2, op: "Clip", opset: 13, c: tensor.Scalar(float32(-1.5)), hi: tensor.Scalar(float32(2))},
		chainCase{step: "Clip", p0: float32(math.Inf(-1)), p1: 6, op: "Clip", opset: 13, hi: tensor.Scalar(float32(6))},
		chainCase{step: "Clip", p0: 0, p1: inf, op: "Clip", opset: 13, c: tensor.Scalar(float32(0))},
	)
	for _, op := range []string{"Add", "Sub", "Mul", "Div", "Max", "Min"} {
		for _, c := range []float32{0.75, -3, 0, negZero, inf, 1e-40} {
			for _, sw := range []bool{false, true} {
				cs = append(cs, chainCase{step: op, p0: c, swapped: sw, op: op, opset: 14, c: tensor.Scalar(c)})
			}
		}
	}
	for _, p := range []float32{0, 1, 2, 3, -1, 0.5, -0.5, 4, -6, 1.7, -2.5, inf} {
		cs = append(cs, chainCase{step: "Pow", p0: p, op: "Pow", opset: 15, c: tensor.Scalar(p)})
	}
	// The compiler's forms of HardSwish and HardSigmoid.
	cs = append(cs,
		chainCase{step: "HardSwish", op: "sinter.HardSwish", opset: 1},
		chainCase{step: "HardSigmoid", p0: 0.2, p1: 0.5, op: "sinter.HardSigmoid", opset: 1},
	)
	return cs
}

func strAttr(name, v string) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrString, S: []byte(v)}
}

// chainData returns n float32s: normal values of several scales with every
// kind of special value mixed in (NaNs of two payloads, ±Inf, ±0,
// denormals, exp's range limits, huge values).
func chainData(r *rand.Rand, n int) []float32 {
	special := []float32{
		float32(math.NaN()), math.Float32frombits(0xffc00001), float32(math.Inf(1)), float32(math.Inf(-1)),
		0, float32(math.Copysign(0, -1)), 1e-40, -1e-40, math.Float32frombits(1), -math.Float32frombits(1),
		-87.33, -87.34, -88, -104, 88.37, 88.38, 89, 1e30, -1e30, 3, -3, 6, -6, 0.5, -0.5, 1, -1,
		math.MaxFloat32, -math.MaxFloat32, 0.125, -0.125,
	}
	x := make([]float32, n)
	for i := range x {
		switch r.IntN(8) {
		case 0:
			x[i] = special[r.IntN(len(special))]
		case 1:
			x[i] = float32(r.NormFloat64() * 40)
		case 2:
			x[i] = float32(r.NormFloat64() * 0.1)
		default:
			x[i] = float32(r.NormFloat64() * 3)
		}
	}
	return x
}

// chainNode returns an ElementwiseChain node of the cases' steps.
func chainNodeOf(cs []chainCase, rank int64) *ir.Node {
	n := &ir.Node{Domain: "sinter", OpType: "ElementwiseChain", Inputs: []string{"x"}, Outputs: []string{"y"}}
	var names [][]byte
	var params []float32
	var sw []int64
	for _, c := range cs {
		names = append(names, []byte(c.step))
		params = append(params, c.p0, c.p1)
		s := int64(0)
		if c.swapped {
			s = 1
		}
		sw = append(sw, s)
	}
	n.Attrs = []*ir.Attribute{
		{Name: "steps", Type: ir.AttrStrings, Strings: names},
		{Name: "params", Type: ir.AttrFloats, Floats: params},
		{Name: "swapped", Type: ir.AttrInts, Ints: sw},
		intAttr("rank", rank),
	}
	return n
}

func bindIn(t *testing.T, reg *ops.Registry, n *ir.Node, opset int64, pool *parallel.Pool) ops.Impl {
	t.Helper()
	impl, err := reg.Bind(&ops.Node{Node: n, Opset: opset, Pool: pool})
	if err != nil {
		t.Fatalf("%s: %v", n.OpType, err)
	}
	return impl
}

// runSeparately computes the cases' steps one operator at a time, each
// through its planned form, as an unfused program would.
func runSeparately(t *testing.T, cs []chainCase, x *tensor.Tensor, pool *parallel.Pool) *tensor.Tensor {
	t.Helper()
	for _, c := range cs {
		n := &ir.Node{OpType: c.op, Attrs: c.attrs, Outputs: []string{"y"}}
		if d, op, ok := strings.Cut(c.op, "."); ok {
			n.Domain, n.OpType = d, op
		}
		in := []*tensor.Tensor{x}
		switch {
		case c.op == "Clip":
			in = append(in, c.c, c.hi)
		case c.swapped:
			in = []*tensor.Tensor{c.c, x}
		case c.c != nil:
			in = append(in, c.c)
		}
		for i, t := range in {
			name := fmt.Sprint("in", i)
			if t == nil {
				name = ""
			}
			n.Inputs = append(n.Inputs, name)
		}
		for len(in) > 0 && in[len(in)-1] == nil {
			in, n.Inputs = in[:len(in)-1], n.Inputs[:len(n.Inputs)-1]
		}
		out, err := runPlanned(t, bindIn(t, chainReg, n, c.opset, pool), 1, in...)
		if err != nil {
			t.Fatalf("%s: %v", c.op, err)
		}
		x = out[0]
	}
	return x
}

// identical reports the first element where a and b differ in any bit
// (NaN payloads included), or -1.
func identical(a, b *tensor.Tensor) int {
	if !a.Shape().Equal(b.Shape()) {
		return 0
	}
	x, y := a.Float32s(), b.Float32s()
	for i := range x {
		if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
			return i
		}
	}
	return -1
}

// TestChainMatchesSeparateOps is the chain's bit-identity invariant: for
// every step kind alone, and for random chains of them, the fused node
// gives exactly the bits the operators give one by one, at sizes around
// the vector widths, the block and the pool's chunking, inline and pooled,
// and also when its output is its input — on every kernel tier.
func TestChainMatchesSeparateOps(t *testing.T) {
	for _, tier := range cpu.Tiers() {
		t.Run(tier.String(), func(t *testing.T) {
			if err := cpu.SetTier(tier); err != nil {
				t.Fatal(err)
			}
			defer cpu.Reset()
			chainMatchesSeparateOps(t)
		})
	}
}

func chainMatchesSeparateOps(t *testing.T) {
	pool := parallel.New(parallel.Options{Threads: 3})
	defer pool.Close()
	r := rand.New(rand.NewPCG(21, 22))
	cases := chainCases()
	var chains [][]chainCase
	for _, c := range cases {
		chains = append(chains, []chainCase{c})
	}
	for range 40 {
		k := 2 + r.IntN(5)
		var ch []chainCase
		for range k {
			ch = append(ch, cases[r.IntN(len(cases))])
		}
		chains = append(chains, ch)
	}
	sizes := []int{1, 7, 16, 17, 255, 1024 + 9, 3*chainBlock + 37}
	for ci, ch := range chains {
		names := make([]string, len(ch))
		for i, c := range ch {
			names[i] = fmt.Sprintf("%s(%g,%g,%v)", c.step, c.p0, c.p1, c.swapped)
		}
		label := strings.Join(names, "→")
		n := sizes[ci%len(sizes)]
		if ci%5 == 0 {
			n = 2*fastChunk + 3*chainBlock + 5 // pooled
		}
		x := tensor.From(chainData(r, n), n)
		for _, p := range []*parallel.Pool{nil, pool} {
			want := runSeparately(t, ch, x, p)
			impl := bindIn(t, chainReg, chainNodeOf(ch, 0), 1, p)
			got, err := runPlanned(t, impl, 1, x)
			if err != nil {
				t.Fatalf("%s: %v", label, err)
			}
			if i := identical(got[0], want); i >= 0 {
				t.Fatalf("%s, %d elements, pool %v: element %d of f(%v) is %v (%#x), separately %v (%#x)", label, n, p != nil,
					i, x.Float32s()[i], got[0].Float32s()[i], math.Float32bits(got[0].Float32s()[i]),
					want.Float32s()[i], math.Float32bits(want.Float32s()[i]))
			}
			// In place: the output is the input's storage.
			y := x.Clone()
			if err := impl.Planned.Run([]*tensor.Tensor{y}, []*tensor.Tensor{y}); err != nil {
				t.Fatal(err)
			}
			if i := identical(y, want); i >= 0 {
				t.Fatalf("%s in place, %d elements: element %d differs", label, n, i)
			}
		}
	}
}

// TestChainShape checks that constants of higher rank raise the output's
// rank as broadcasting does, and that the chain refuses other types.
func TestChainShape(t *testing.T) {
	x := tensor.From([]float32{1, -2, 3, -4, 5}, 5)
	c := tensor.From([]float32{2}, 1, 1, 1)
	want := run(t, "Mul", 14, nil, x, c)[0]
	impl := bindIn(t, chainReg, chainNodeOf([]chainCase{{step: "Mul", p0: 2}}, 3), 1, nil)
	got, err := runPlanned(t, impl, 1, x)
	if err != nil {
		t.Fatal(err)
	}
	if !got[0].Shape().Equal(tensor.Shape{1, 1, 5}) || identical(got[0], want) >= 0 {
		t.Errorf("got %v %v, want %v %v", got[0].Shape(), got[0].Float32s(), want.Shape(), want.Float32s())
	}
	if _, err := runPlanned(t, impl, 1, tensor.From([]float64{1}, 1)); err == nil {
		t.Errorf("a float64 input was accepted")
	}
}

func TestChainAttributeErrors(t *testing.T) {
	good := chainNodeOf([]chainCase{{step: "Relu"}, {step: "Add", p0: 1}}, 0)
	for name, edit := range map[string]func(n *ir.Node){
		"no steps":        func(n *ir.Node) { n.Attrs[0].Strings = nil; n.Attrs[1].Floats = nil; n.Attrs[2].Ints = nil },
		"short params":    func(n *ir.Node) { n.Attrs[1].Floats = n.Attrs[1].Floats[:3] },
		"short swapped":   func(n *ir.Node) { n.Attrs[2].Ints = n.Attrs[2].Ints[:1] },
		"unknown step":    func(n *ir.Node) { n.Attrs[0].Strings[0] = []byte("Frobnicate") },
		"swapped unary":   func(n *ir.Node) { n.Attrs[2].Ints[0] = 1 },
		"celu alpha zero": func(n *ir.Node) { n.Attrs[0].Strings[0] = []byte("Celu") },
		"bad rank":        func(n *ir.Node) { n.Attrs[3].I = -1 },
	} {
		n := *good
		n.Attrs = nil
		for _, a := range good.Attrs {
			c := *a
			c.Strings = append([][]byte(nil), a.Strings...)
			c.Floats = append([]float32(nil), a.Floats...)
			c.Ints = append([]int64(nil), a.Ints...)
			n.Attrs = append(n.Attrs, &c)
		}
		edit(&n)
		if _, err := chainReg.Bind(&ops.Node{Node: &n, Opset: 1}); err == nil {
			t.Errorf("%s: bound without error", name)
		}
	}
	if _, err := chainReg.Bind(&ops.Node{Node: good, Opset: 1}); err != nil {
		t.Errorf("good chain: %v", err)
	}
}

func TestChainRunAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	pool := parallel.New(parallel.Options{Threads: 2})
	defer pool.Close()
	ch := []chainCase{{step: "Mul", p0: 0.5}, {step: "Add", p0: 1, swapped: true}, {step: "Exp"}, {step: "Clip", p0: 0, p1: 6}}
	x := tensor.From(chainData(rand.New(rand.NewPCG(1, 2)), 1<<16), 1<<16)
	for _, p := range []*parallel.Pool{nil, pool} {
		impl := bindIn(t, chainReg, chainNodeOf(ch, 0), 1, p)
		out, err := runPlanned(t, impl, 1, x)
		if err != nil {
			t.Fatal(err)
		}
		specs, in := make([]ops.OutSpec, 1), []*tensor.Tensor{x}
		if a := testing.AllocsPerRun(20, func() {
			if err := impl.Planned.Infer(in, specs); err != nil {
				t.Fatal(err)
			}
			if err := impl.Planned.Run(in, out); err != nil {
				t.Fatal(err)
			}
		}); a != 0 {
			t.Errorf("pool %v: %.1f allocations per run", p != nil, a)
		}
	}
}

func TestChainBlockDividesChunks(t *testing.T) {
	if fastChunk%chainBlock != 0 || chainBlock%256 != 0 || chainBlock%expChunk != 0 || chainBlock%geluChunk != 0 {
		t.Fatalf("chainBlock %d must divide fastChunk %d and be a multiple of 256", chainBlock, fastChunk)
	}
}

// TestInPlaceMatchesOutOfPlace runs every kernel that offers
// ops.Planned.InPlace with its output aliasing each input it offers, for
// several element types and shapes (the other operand broadcast or not),
// and compares with the ordinary run.
func TestInPlaceMatchesOutOfPlace(t *testing.T) {
	pool := parallel.New(parallel.Options{Threads: 3})
	defer pool.Close()
	r := rand.New(rand.NewPCG(31, 32))
	type tc struct {
		op    string
		opset int64
		attrs []*ir.Attribute
		in    []*tensor.Tensor
	}
	var cases []tc
	for _, n := range []int{5, 2*fastChunk + 77} {
		x := tensor.From(chainData(r, 2*n), 2, n)
		y := tensor.From(chainData(r, 2*n), 2, n)
		row := tensor.From(chainData(r, n), n)
		col := tensor.From(chainData(r, 2), 2, 1)
		for _, u := range plainUnary {
			cases = append(cases, tc{u.op, u.sinces[len(u.sinces)-1], nil, []*tensor.Tensor{x}})
		}
		for _, op := range []string{"Add", "Sub", "Mul", "Div", "Max", "Min", "Sum", "Mean"} {
			cases = append(cases, tc{op, 14, nil, []*tensor.Tensor{x, y}}, tc{op, 14, nil, []*tensor.Tensor{x, row}},
				tc{op, 14, nil, []*tensor.Tensor{col, x}}, tc{op, 14, nil, []*tensor.Tensor{tensor.Scalar(float32(2)), x}})
		}
		cases = append(cases,
			tc{"Sum", 13, nil, []*tensor.Tensor{x, y, row}}, tc{"Max", 13, nil, []*tensor.Tensor{y, x, col}},
			tc{"Pow", 15, nil, []*tensor.Tensor{x, tensor.Scalar(float32(3))}}, tc{"Pow", 15, nil, []*tensor.Tensor{x, y}},
			tc{"Pow", 15, nil, []*tensor.Tensor{x, tensor.Scalar(int64(2))}},
			tc{"Clip", 13, nil, []*tensor.Tensor{x, tensor.Scalar(float32(-1)), tensor.Scalar(float32(1))}},
			tc{"PRelu", 16, nil, []*tensor.Tensor{x, col}},
			tc{"LeakyRelu", 16, nil, []*tensor.Tensor{x}}, tc{"Gelu", 20, nil, []*tensor.Tensor{x}},
		)
		for _, dt := range []tensor.DType{tensor.Float64, tensor.Float16, tensor.Int32} {
			xc, err := castTensor(x, dt)
			if err != nil {
				t.Fatal(err)
			}
			yc, _ := castTensor(y, dt)
			cases = append(cases, tc{"Add", 14, nil, []*tensor.Tensor{xc, yc}}, tc{"Mul", 14, nil, []*tensor.Tensor{yc, xc}},
				tc{"Abs", 13, nil, []*tensor.Tensor{xc}}, tc{"Neg", 13, nil, []*tensor.Tensor{xc}},
				tc{"Max", 13, nil, []*tensor.Tensor{xc, yc, yc}}, tc{"Clip", 13, nil, []*tensor.Tensor{xc}})
		}
	}
	checked := 0
	for _, c := range cases {
		for _, p := range []*parallel.Pool{nil, pool} {
			impl := bindIn(t, chainReg, opNode(c.op, c.attrs, len(c.in)), c.opset, p)
			if impl.Planned.InPlace == 0 {
				t.Fatalf("%s offers no input in place", c.op)
			}
			want, err := runPlanned(t, impl, 1, c.in...)
			if err != nil {
				continue // an op undefined on this type
			}
			for k, x := range c.in {
				if !impl.Planned.InPlaceOK(k) || x.Len() != want[0].Len() || x.DType() != want[0].DType() {
					continue
				}
				in := append([]*tensor.Tensor(nil), c.in...)
				in[k] = x.Clone()
				out, err := in[k].Reshape(want[0].Shape()...)
				if err != nil {
					t.Fatal(err)
				}
				if err := impl.Planned.Run(in, []*tensor.Tensor{out}); err != nil {
					t.Fatalf("%s in place on input %d: %v", c.op, k, err)
				}
				if !sameBits(out, want[0]) {
					t.Fatalf("%s %v (pool %v) in place on input %d differs from the ordinary run", c.op, x.DType(), p != nil, k)
				}
				checked++
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d in-place runs checked", checked)
	}
}

// opNode returns a default-domain node of op with nin inputs, one output.
func opNode(op string, attrs []*ir.Attribute, nin int) *ir.Node {
	n := &ir.Node{OpType: op, Attrs: attrs, Outputs: []string{"y"}}
	for i := range nin {
		n.Inputs = append(n.Inputs, fmt.Sprint("in", i))
	}
	return n
}
