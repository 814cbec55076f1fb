package rnn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	kew "github.com/sinter-ml/sinter/kernels/elementwise"
	kgemm "github.com/sinter-ml/sinter/kernels/gemm"
	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// bound is a node bound for a test: its allocating kernel and planned form.
type bound struct {
	impl ops.Impl
	nout int
}

// bindNode binds op with attrs; consts marks the inputs (by position) the
// node sees as graph constants, taken from in. nout outputs are declared,
// omitted ones where skip says.
func bindNode(t testing.TB, op string, opset int64, attrs []*ir.Attribute, nout int, skip []bool, pool *parallel.Pool, in []*tensor.Tensor, consts ...int) bound {
	t.Helper()
	r := ops.NewRegistry()
	r.ClaimOpset("", 17)
	Register(r)
	n := &ir.Node{OpType: op, Attrs: attrs}
	for i, x := range in {
		name := fmt.Sprint("in", i)
		if x == nil {
			name = ""
		}
		n.Inputs = append(n.Inputs, name)
	}
	for i := range nout {
		name := fmt.Sprint("out", i)
		if i < len(skip) && skip[i] {
			name = ""
		}
		n.Outputs = append(n.Outputs, name)
	}
	on := &ops.Node{Node: n, Opset: opset, Pool: pool, Consts: make([]*tensor.Tensor, len(in))}
	for _, i := range consts {
		if i < len(in) {
			on.Consts[i] = in[i]
		}
	}
	impl, err := r.Bind(on)
	if err != nil {
		t.Fatal(err)
	}
	if impl.Planned == nil {
		t.Fatalf("%s has no planned form", op)
	}
	return bound{impl, nout}
}

// runPlanned runs the planned form into outputs filled with NaN (so that
// an element the kernel leaves unwritten shows), as the executor would.
func (b bound) runPlanned(in []*tensor.Tensor, wanted []bool) ([]*tensor.Tensor, error) {
	specs := make([]ops.OutSpec, b.nout)
	if err := b.impl.Planned.Infer(in, specs); err != nil {
		return nil, err
	}
	out := make([]*tensor.Tensor, b.nout)
	for i, s := range specs {
		if !wanted[i] {
			continue
		}
		out[i] = tensor.New(s.DType, s.Shape...)
		if s.DType == tensor.Float32 {
			for j := range out[i].Float32s() {
				out[i].Float32s()[j] = float32(math.NaN())
			}
		}
	}
	return out, b.impl.Planned.Run(in, out)
}

// rnnCase is one configuration of the differential test.
type rnnCase struct {
	op                  string
	dirs                string
	layout              int64
	seq, batch, in, hid int
	bias, h0, peep      bool
	lens                []int32
	clip                float32
	lbr, inputForget    bool
	acts                []string
}

func (c rnnCase) String() string {
	return fmt.Sprintf("%s/%s/layout%d/S%dB%dI%dH%d/bias%v,h0%v,peep%v,lens%v,clip%v,lbr%v,if%v,acts%v",
		c.op, c.dirs, c.layout, c.seq, c.batch, c.in, c.hid, c.bias, c.h0, c.peep, c.lens, c.clip, c.lbr, c.inputForget, c.acts)
}

func randT(rng *rand.Rand, scale float32, shape ...int) *tensor.Tensor {
	t := tensor.New(tensor.Float32, shape...)
	for i := range t.Float32s() {
		t.Float32s()[i] = scale * float32(rng.NormFloat64())
	}
	return t
}

func to64(t *tensor.Tensor) *tensor.Tensor {
	if t == nil || t.DType() != tensor.Float32 {
		return t
	}
	v := make([]float64, t.Len())
	for i, x := range t.Float32s() {
		v[i] = float64(x)
	}
	return tensor.From(v, t.Shape()...)
}

// inputs makes the case's inputs and attributes.
func (c rnnCase) inputs(rng *rand.Rand) ([]*tensor.Tensor, []*ir.Attribute) {
	G := map[string]int{"RNN": 1, "GRU": 3, "LSTM": 4}[c.op]
	D := 1
	if c.dirs == "bidirectional" {
		D = 2
	}
	H := c.hid
	xs := []int{c.seq, c.batch, c.in}
	st := []int{D, c.batch, H}
	if c.layout == 1 {
		xs = []int{c.batch, c.seq, c.in}
		st = []int{c.batch, D, H}
	}
	in := []*tensor.Tensor{randT(rng, 1, xs...), randT(rng, 0.3, D, G*H, c.in), randT(rng, 0.3, D, G*H, H)}
	in = append(in, nil, nil, nil, nil, nil)
	if c.bias {
		in[inB] = randT(rng, 0.3, D, 2*G*H)
	}
	if c.lens != nil {
		in[inSeqLens] = tensor.From(c.lens)
	}
	if c.h0 {
		in[inH] = randT(rng, 0.5, st...)
		if c.op == "LSTM" {
			in[inC] = randT(rng, 0.5, st...)
		}
	}
	if c.peep {
		in[inP] = randT(rng, 0.3, D, 3*H)
	}
	n := 3
	if c.op == "LSTM" {
		n = 8
	}
	for n > 3 && in[n-1] == nil {
		n--
	}
	in = in[:n]
	attrs := []*ir.Attribute{
		{Name: "hidden_size", Type: ir.AttrInt, I: int64(H)},
		{Name: "direction", Type: ir.AttrString, S: []byte(c.dirs)},
		{Name: "layout", Type: ir.AttrInt, I: c.layout},
	}
	if c.clip > 0 {
		attrs = append(attrs, &ir.Attribute{Name: "clip", Type: ir.AttrFloat, F: c.clip})
	}
	if c.lbr {
		attrs = append(attrs, &ir.Attribute{Name: "linear_before_reset", Type: ir.AttrInt, I: 1})
	}
	if c.inputForget {
		attrs = append(attrs, &ir.Attribute{Name: "input_forget", Type: ir.AttrInt, I: 1})
	}
	if c.acts != nil {
		a := &ir.Attribute{Name: "activations", Type: ir.AttrStrings}
		for _, s := range c.acts {
			a.Strings = append(a.Strings, []byte(s))
		}
		attrs = append(attrs, a)
	}
	return in, attrs
}

func rnnCases() []rnnCase {
	var cs []rnnCase
	for _, op := range []string{"RNN", "GRU", "LSTM"} {
		for _, dirs := range []string{"forward", "reverse", "bidirectional"} {
			for layout := range int64(2) {
				cs = append(cs,
					rnnCase{op: op, dirs: dirs, layout: layout, seq: 5, batch: 1, in: 7, hid: 9, bias: true},
					rnnCase{op: op, dirs: dirs, layout: layout, seq: 4, batch: 3, in: 5, hid: 20, bias: true, h0: true, peep: op == "LSTM", lens: []int32{4, 1, 3}},
					rnnCase{op: op, dirs: dirs, layout: layout, seq: 3, batch: 2, in: 4, hid: 6, lens: []int32{3, 3}, clip: 0.7},
				)
			}
		}
	}
	cs = append(cs,
		rnnCase{op: "GRU", dirs: "bidirectional", seq: 6, batch: 2, in: 8, hid: 33, bias: true, h0: true, lbr: true},
		rnnCase{op: "GRU", dirs: "forward", seq: 6, batch: 2, in: 8, hid: 5, lbr: true, lens: []int32{0, 6}},
		rnnCase{op: "GRU", dirs: "reverse", seq: 4, batch: 1, in: 3, hid: 4, bias: true, acts: []string{"HardSigmoid", "Softsign"}},
		rnnCase{op: "LSTM", dirs: "forward", seq: 5, batch: 2, in: 6, hid: 7, bias: true, peep: true, inputForget: true},
		rnnCase{op: "LSTM", dirs: "bidirectional", seq: 5, batch: 2, in: 6, hid: 7, bias: true, inputForget: true, clip: 0.5},
		rnnCase{op: "LSTM", dirs: "reverse", seq: 3, batch: 2, in: 4, hid: 5, acts: []string{"HardSigmoid", "Relu", "Softsign"}},
		rnnCase{op: "RNN", dirs: "bidirectional", seq: 4, batch: 2, in: 3, hid: 5, bias: true, acts: []string{"Relu", "Tanh"}},
		rnnCase{op: "LSTM", dirs: "bidirectional", seq: 0, batch: 2, in: 3, hid: 4, h0: true},
		rnnCase{op: "LSTM", dirs: "forward", seq: 3, batch: 2, in: 0, hid: 4, bias: true},
		rnnCase{op: "LSTM", dirs: "bidirectional", seq: 16, batch: 1, in: 40, hid: 48, bias: true},
	)
	return cs
}

// TestFloat32MatchesReference runs every configuration through the float32
// path (with its inputs at run time, and with W, R and B as constants,
// serially and on a pool) and compares it with the float64 recurrence.
func TestFloat32MatchesReference(t *testing.T) {
	pool := parallel.New(parallel.Options{Threads: 3})
	defer pool.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range rnnCases() {
		in, attrs := c.inputs(rng)
		nout := 2
		if c.op == "LSTM" {
			nout = 3
		}
		in64 := make([]*tensor.Tensor, len(in))
		for i, x := range in {
			in64[i] = to64(x)
		}
		ref := bindNode(t, c.op, 14, attrs, nout, nil, nil, in64)
		want, err := ref.impl.Tensor(in64)
		if err != nil {
			t.Fatalf("%v: reference: %v", c, err)
		}
		all := []bool{true, true, true}
		for _, v := range []struct {
			name   string
			pool   *parallel.Pool
			consts []int
		}{{"inputs", nil, nil}, {"consts", nil, []int{inW, inR, inB}}, {"pool", pool, []int{inW, inR, inB}}} {
			b := bindNode(t, c.op, 14, attrs, nout, nil, v.pool, in, v.consts...)
			for round := range 2 {
				got, err := b.runPlanned(in, all[:nout])
				if err != nil {
					t.Fatalf("%v %s: %v", c, v.name, err)
				}
				for i := range nout {
					if msg := compare(got[i], want[i], 2e-5); msg != "" {
						t.Fatalf("%v %s round %d output %d: %s", c, v.name, round, i, msg)
					}
				}
			}
		}
	}
}

// compare checks a float32 result against a float64 reference.
func compare(got, want *tensor.Tensor, tol float64) string {
	if !got.Shape().Equal(want.Shape()) {
		return fmt.Sprintf("shape %v, want %v", got.Shape(), want.Shape())
	}
	w := want.Float64s()
	for i, g := range got.Float32s() {
		if d := math.Abs(float64(g) - w[i]); !(d <= tol*(1+math.Abs(w[i]))) {
			return fmt.Sprintf("element %d: %v, want %v", i, g, w[i])
		}
	}
	return ""
}

func TestOmittedOutputsPlanned(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	c := rnnCase{op: "LSTM", dirs: "bidirectional", seq: 4, batch: 2, in: 3, hid: 5, bias: true, lens: []int32{4, 2}}
	in, attrs := c.inputs(rng)
	full := bindNode(t, "LSTM", 14, attrs, 3, nil, nil, in)
	want, err := full.runPlanned(in, []bool{true, true, true})
	if err != nil {
		t.Fatal(err)
	}
	for _, skip := range [][]bool{{true, false, false}, {false, true, false}, {true, true, false}, {true, false, true}} {
		b := bindNode(t, "LSTM", 14, attrs, 3, skip, nil, in, inW, inR)
		wanted := []bool{!skip[0], !skip[1], !skip[2]}
		got, err := b.runPlanned(in, wanted)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if !wanted[i] {
				continue
			}
			if msg := compare(got[i], to64(want[i]), 0); msg != "" {
				t.Fatalf("skip %v output %d: %s", skip, i, msg)
			}
		}
	}
}

// TestBadInputs checks that malformed inputs give errors, not panics, in
// both Infer and the allocating kernel.
func TestBadInputs(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	c := rnnCase{op: "LSTM", dirs: "bidirectional", seq: 3, batch: 2, in: 4, hid: 5, bias: true, h0: true, peep: true, lens: []int32{3, 2}}
	good, attrs := c.inputs(rng)
	f64 := func(n int) *tensor.Tensor { return tensor.From(make([]float64, n), n) }
	cases := map[string]func(in []*tensor.Tensor){
		"missing R":       func(in []*tensor.Tensor) { in[inR] = nil },
		"X rank 2":        func(in []*tensor.Tensor) { in[inX] = randT(rng, 1, 3, 8) },
		"X int":           func(in []*tensor.Tensor) { in[inX] = tensor.New(tensor.Int32, 3, 2, 4) },
		"W wrong":         func(in []*tensor.Tensor) { in[inW] = randT(rng, 1, 2, 20, 3) },
		"R wrong":         func(in []*tensor.Tensor) { in[inR] = randT(rng, 1, 1, 20, 5) },
		"B wrong":         func(in []*tensor.Tensor) { in[inB] = randT(rng, 1, 2, 20) },
		"B rank 1":        func(in []*tensor.Tensor) { in[inB] = randT(rng, 1, 80) },
		"h0 wrong":        func(in []*tensor.Tensor) { in[inH] = randT(rng, 1, 2, 5, 2) },
		"c0 wrong":        func(in []*tensor.Tensor) { in[inC] = randT(rng, 1, 2, 2) },
		"P wrong":         func(in []*tensor.Tensor) { in[inP] = randT(rng, 1, 2, 14) },
		"lens too long":   func(in []*tensor.Tensor) { in[inSeqLens] = tensor.From([]int32{4, 2}) },
		"lens negative":   func(in []*tensor.Tensor) { in[inSeqLens] = tensor.From([]int64{-1, 2}) },
		"lens count":      func(in []*tensor.Tensor) { in[inSeqLens] = tensor.From([]int32{3}) },
		"lens float":      func(in []*tensor.Tensor) { in[inSeqLens] = tensor.From([]float32{3, 2}) },
		"W float64":       func(in []*tensor.Tensor) { in[inW] = f64(120) },
		"hidden mismatch": func(in []*tensor.Tensor) { in[inR] = randT(rng, 1, 2, 24, 6) },
	}
	for name, mutate := range cases {
		in := append([]*tensor.Tensor(nil), good...)
		mutate(in)
		b := bindNode(t, "LSTM", 14, attrs, 3, nil, nil, good, inW, inR, inB)
		if _, err := b.runPlanned(in, []bool{true, true, true}); err == nil {
			t.Errorf("%s: planned run accepted it", name)
		}
		if _, err := b.impl.Tensor(in); err == nil {
			t.Errorf("%s: kernel accepted it", name)
		}
	}
}

// kernelAllocs is how many allocations one call of kernels/gemm and one
// of kernels/elementwise's Sigmoid or Tanh make (the recurrence allocates
// nothing of its own; see TestLSTMAllocs).
func kernelAllocs() (gemm, act float64) {
	a, b, c := make([]float32, 8*8), make([]float32, 8*8), make([]float32, 8*8)
	o := kgemm.Options{Pool: serial}
	kgemm.SgemmWith(o, false, false, 1, 8, 8, 1, a, 8, b, 8, 1, c, 8)
	gemm = testing.AllocsPerRun(50, func() { kgemm.SgemmWith(o, false, false, 1, 8, 8, 1, a, 8, b, 8, 1, c, 8) })
	act = max(testing.AllocsPerRun(50, func() { kew.Sigmoid(a, a) }), testing.AllocsPerRun(50, func() { kew.Tanh(a, a) }))
	return gemm, act
}

// TestLSTMAllocs checks that a steady-state float32 planned LSTM (Infer
// and Run, constant weights, bidirectional, serially and on a pool)
// allocates nothing beyond what the kernels it calls allocate per call:
// kernels/gemm for the input projection and once per step and direction,
// and kernels/elementwise's Sigmoid once and Tanh twice per step and
// direction. With allocation-free kernels it allocates nothing.
func TestLSTMAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	pool := parallel.New(parallel.Options{Threads: 2})
	defer pool.Close()
	rng := rand.New(rand.NewPCG(7, 8))
	c := rnnCase{op: "LSTM", dirs: "bidirectional", seq: 8, batch: 1, in: 16, hid: 32, bias: true}
	in, attrs := c.inputs(rng)
	gemm, act := kernelAllocs()
	steps := c.seq * 2
	want := float64(1+steps)*gemm + float64(3*steps)*act
	for _, p := range []*parallel.Pool{nil, pool} {
		b := bindNode(t, "LSTM", 14, attrs, 3, nil, p, in, inW, inR, inB)
		specs := make([]ops.OutSpec, 3)
		if err := b.impl.Planned.Infer(in, specs); err != nil {
			t.Fatal(err)
		}
		out := make([]*tensor.Tensor, 3)
		for i, s := range specs {
			out[i] = tensor.New(s.DType, s.Shape...)
		}
		step := func() {
			if err := b.impl.Planned.Infer(in, specs); err != nil {
				t.Fatal(err)
			}
			if err := b.impl.Planned.Run(in, out); err != nil {
				t.Fatal(err)
			}
		}
		step() // warm up
		got := testing.AllocsPerRun(20, step)
		if got > want {
			t.Errorf("pool %v: %.1f allocations per run, want ≤ %v", p != nil, got, want)
		}
		if want > 0 {
			t.Logf("the kernels allocate per call: gemm %v, Sigmoid/Tanh %v; the LSTM %v per run", gemm, act, got)
		}
	}
}

// TestConcurrentRuns runs one bound LSTM (constant weights, on a pool)
// from several goroutines at once; with -race it checks that runs share
// nothing mutable.
func TestConcurrentRuns(t *testing.T) {
	pool := parallel.New(parallel.Options{Threads: 2})
	defer pool.Close()
	rng := rand.New(rand.NewPCG(11, 12))
	c := rnnCase{op: "LSTM", dirs: "bidirectional", seq: 6, batch: 2, in: 5, hid: 40, bias: true, h0: true}
	ins := make([][]*tensor.Tensor, 4)
	var attrs []*ir.Attribute
	for i := range ins {
		ins[i], attrs = c.inputs(rng)
		ins[i][inW], ins[i][inR], ins[i][inB] = ins[0][inW], ins[0][inR], ins[0][inB]
	}
	b := bindNode(t, "LSTM", 14, attrs, 3, nil, pool, ins[0], inW, inR, inB)
	want := make([][]*tensor.Tensor, len(ins))
	for i, in := range ins {
		var err error
		if want[i], err = b.impl.Tensor(in); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error)
	for g := range 4 {
		go func() {
			for r := range 20 {
				in := ins[(g+r)%len(ins)]
				got, err := b.impl.Tensor(in)
				if err == nil {
					for i := range got {
						if msg := compare(got[i], to64(want[(g+r)%len(ins)][i]), 0); msg != "" {
							err = fmt.Errorf("output %d: %s", i, msg)
						}
					}
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
