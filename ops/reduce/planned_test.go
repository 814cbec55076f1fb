package reduce

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

// bindPlanned binds op at opset with attrs, nin inputs (those in consts
// seen as graph constants with the values in in) and nout outputs, on
// pool, and returns its implementation, which must offer the planned form.
func bindPlanned(t testing.TB, op string, opset int64, nin, nout int, attrs []*ir.Attribute, pool *parallel.Pool, in []*tensor.Tensor, consts ...int) ops.Impl {
	t.Helper()
	r := ops.NewRegistry()
	r.ClaimOpset("", 20)
	Register(r)
	n := &ir.Node{OpType: op, Attrs: attrs}
	for i := range nin {
		name := fmt.Sprint("in", i)
		if i < len(in) && in[i] == nil {
			name = ""
		}
		n.Inputs = append(n.Inputs, name)
	}
	for i := range nout {
		n.Outputs = append(n.Outputs, fmt.Sprint("out", i))
	}
	on := &ops.Node{Node: n, Opset: opset, Pool: pool, Consts: make([]*tensor.Tensor, nin)}
	for _, i := range consts {
		on.Consts[i] = in[i]
	}
	impl, err := r.Bind(on)
	if err != nil {
		t.Fatal(err)
	}
	if impl.Planned == nil {
		t.Fatalf("%s-%d has no planned form", op, opset)
	}
	return impl
}

// plannedOuts infers impl's outputs for in and allocates them, filled with
// NaN (float32) or 0x5a bytes, so that an element Run leaves unwritten
// shows.
func plannedOuts(impl ops.Impl, in []*tensor.Tensor, nout int) ([]ops.OutSpec, []*tensor.Tensor, error) {
	specs := make([]ops.OutSpec, nout)
	if err := impl.Planned.Infer(in, specs); err != nil {
		return nil, nil, err
	}
	out := make([]*tensor.Tensor, nout)
	for i, s := range specs {
		out[i] = tensor.New(s.DType, s.Shape...)
		if s.DType == tensor.Float32 {
			for j := range out[i].Float32s() {
				out[i].Float32s()[j] = float32(math.NaN())
			}
		} else if s.DType != tensor.String {
			for j := range out[i].Bytes() {
				out[i].Bytes()[j] = 0x5a
			}
		}
	}
	return specs, out, nil
}

func randF32(rng *rand.Rand, shape ...int) *tensor.Tensor {
	t := tensor.New(tensor.Float32, shape...)
	for i := range t.Float32s() {
		t.Float32s()[i] = float32(rng.NormFloat64())
	}
	return t
}

// plannedCase is one node run through both forms.
type plannedCase struct {
	op     string
	opset  int64
	attrs  []*ir.Attribute
	in     []*tensor.Tensor
	consts []int
	nout   int
}

func plannedCases(rng *rand.Rand) []plannedCase {
	x := randF32(rng, 3, 50, 40)
	x64 := tensor.New(tensor.Float64, 3, 5, 4)
	for i := range x64.Float64s() {
		x64.Float64s()[i] = rng.NormFloat64()
	}
	xi := tensor.From([]int32{5, -2, 7, 7, 0, 3, -9, 4, 1, 1, 2, 8}, 2, 3, 2)
	xb := tensor.From([]bool{true, false, false, false, true, true}, 3, 2)
	ax := func(v ...int64) *tensor.Tensor { return tensor.From(v) }
	var cs []plannedCase
	for _, op := range []string{"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"} {
		pos := randF32(rng, 4, 6, 5)
		for i, v := range pos.Float32s() {
			pos.Float32s()[i] = float32(math.Abs(float64(v))) + 0.5
		}
		for _, axes := range [][]int64{{-1}, {1}, {0, 2}, {1, 2}, nil} {
			cs = append(cs,
				plannedCase{op: op, opset: 13, attrs: []*ir.Attribute{intsAttr("axes", axes...)}, in: []*tensor.Tensor{pos}, nout: 1},
				plannedCase{op: op, opset: 18, attrs: []*ir.Attribute{intAttr("keepdims", 0)}, in: []*tensor.Tensor{pos, ax(axes...)}, consts: []int{1}, nout: 1},
				plannedCase{op: op, opset: 18, in: []*tensor.Tensor{x64, ax(axes...)}, nout: 1},
				plannedCase{op: op, opset: 18, in: []*tensor.Tensor{xi, ax(axes...)}, nout: 1},
			)
		}
	}
	cs = append(cs,
		plannedCase{op: "ReduceSum", opset: 13, attrs: []*ir.Attribute{intAttr("noop_with_empty_axes", 1)}, in: []*tensor.Tensor{x, ax()}, nout: 1},
		plannedCase{op: "ReduceMax", opset: 20, attrs: []*ir.Attribute{intAttr("keepdims", 0)}, in: []*tensor.Tensor{xb, ax(1)}, nout: 1},
		plannedCase{op: "ReduceMin", opset: 20, in: []*tensor.Tensor{xb, ax(0)}, nout: 1},
		plannedCase{op: "ReduceMean", opset: 13, attrs: []*ir.Attribute{intsAttr("axes", 1)}, in: []*tensor.Tensor{tensor.New(tensor.Float32, 2, 0, 3)}, nout: 1},
	)
	for _, op := range []string{"Softmax", "LogSoftmax", "Hardmax"} {
		for _, opset := range []int64{11, 13} {
			for _, axis := range []int64{-1, 0, 1, 2} {
				cs = append(cs,
					plannedCase{op: op, opset: opset, attrs: []*ir.Attribute{intAttr("axis", axis)}, in: []*tensor.Tensor{x}, nout: 1},
					plannedCase{op: op, opset: opset, attrs: []*ir.Attribute{intAttr("axis", axis)}, in: []*tensor.Tensor{x64}, nout: 1},
				)
			}
		}
	}
	for _, op := range []string{"ArgMax", "ArgMin"} {
		for _, axis := range []int64{-1, 0, 1} {
			cs = append(cs,
				plannedCase{op: op, opset: 13, attrs: []*ir.Attribute{intAttr("axis", axis)}, in: []*tensor.Tensor{x}, nout: 1},
				plannedCase{op: op, opset: 12, attrs: []*ir.Attribute{intAttr("axis", axis), intAttr("keepdims", 0), intAttr("select_last_index", 1)}, in: []*tensor.Tensor{xi}, nout: 1},
			)
		}
	}
	half := tensor.New(tensor.BFloat16, 3, 5, 4)
	for i := range tensor.Data[tensor.BFloat16Bits](half) {
		tensor.Data[tensor.BFloat16Bits](half)[i] = tensor.ToBFloat16(float32(rng.NormFloat64()))
	}
	xu := tensor.From([]uint16{5, 2, 7, 7, 0, 3, 9, 4, 1, 1, 2, 8}, 2, 3, 2)
	for _, axis := range []int64{-1, 1} {
		cs = append(cs,
			plannedCase{op: "Softmax", opset: 13, attrs: []*ir.Attribute{intAttr("axis", axis)}, in: []*tensor.Tensor{half}, nout: 1},
			plannedCase{op: "Hardmax", opset: 13, attrs: []*ir.Attribute{intAttr("axis", axis)}, in: []*tensor.Tensor{half}, nout: 1},
			plannedCase{op: "ReduceSum", opset: 13, attrs: []*ir.Attribute{intsAttr("axes", axis)}, in: []*tensor.Tensor{half}, nout: 1},
			plannedCase{op: "ArgMin", opset: 13, attrs: []*ir.Attribute{intAttr("axis", axis)}, in: []*tensor.Tensor{half}, nout: 1},
			plannedCase{op: "LpNormalization", opset: 1, attrs: []*ir.Attribute{intAttr("axis", axis)}, in: []*tensor.Tensor{half}, nout: 1},
			plannedCase{op: "ReduceMean", opset: 13, attrs: []*ir.Attribute{intsAttr("axes", axis)}, in: []*tensor.Tensor{xu}, nout: 1},
		)
	}
	cs = append(cs,
		plannedCase{op: "LpNormalization", opset: 1, attrs: []*ir.Attribute{intAttr("axis", 1), intAttr("p", 1)}, in: []*tensor.Tensor{x}, nout: 1},
		plannedCase{op: "LpNormalization", opset: 1, in: []*tensor.Tensor{tensor.New(tensor.Float32, 2, 3)}, nout: 1},
		plannedCase{op: "NegativeLogLikelihoodLoss", opset: 13, attrs: []*ir.Attribute{strAttr("reduction", "none")},
			in: []*tensor.Tensor{randF32(rng, 2, 3, 2), tensor.From([]int64{2, 1, 0, 2}, 2, 2)}, nout: 1},
		plannedCase{op: "SoftmaxCrossEntropyLoss", opset: 13, attrs: []*ir.Attribute{strAttr("reduction", "none"), intAttr("ignore_index", 1)},
			in: []*tensor.Tensor{randF32(rng, 2, 3, 2), tensor.From([]int32{2, 1, 0, 2}, 2, 2)}, nout: 2},
		plannedCase{op: "SoftmaxCrossEntropyLoss", opset: 13, in: []*tensor.Tensor{randF32(rng, 4, 5), tensor.From([]int64{2, 1, 0, 4})}, nout: 2},
	)
	return cs
}

// TestPlannedMatchesKernel runs every case through the planned form, into
// outputs holding garbage, twice (serially and on a pool), and compares it
// with the allocating kernel.
func TestPlannedMatchesKernel(t *testing.T) {
	pool := parallel.New(parallel.Options{Threads: 3})
	defer pool.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range plannedCases(rng) {
		name := fmt.Sprintf("%s-%d %v %v", c.op, c.opset, c.attrs, c.in[0].Shape())
		ref := bindPlanned(t, c.op, c.opset, len(c.in), c.nout, c.attrs, nil, c.in)
		want, err := ref.Tensor(c.in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, p := range []*parallel.Pool{nil, pool} {
			impl := bindPlanned(t, c.op, c.opset, len(c.in), c.nout, c.attrs, p, c.in, c.consts...)
			for round := range 2 {
				specs, out, err := plannedOuts(impl, c.in, c.nout)
				if err != nil {
					t.Fatalf("%s: infer: %v", name, err)
				}
				if err := impl.Planned.Run(c.in, out); err != nil {
					t.Fatalf("%s: run: %v", name, err)
				}
				for i := range c.nout {
					if specs[i].DType != want[i].DType() || !specs[i].Shape.Equal(want[i].Shape()) {
						t.Fatalf("%s: inferred %v%v, kernel gives %v", name, specs[i].DType, specs[i].Shape, want[i])
					}
					if err := same(out[i], want[i]); err != nil {
						t.Fatalf("%s round %d output %d: %v", name, round, i, err)
					}
				}
			}
		}
	}
}

// same compares two tensors of equal type and shape: exactly, except
// float32 and float64 to a relative 1e-6 (NaN matches NaN).
func same(got, want *tensor.Tensor) error {
	switch want.DType() {
	case tensor.Float32, tensor.Float64:
		g, _ := tensor.ToFloat64(got)
		w, _ := tensor.ToFloat64(want)
		for i := range w {
			if g[i] != w[i] && !(g[i] != g[i] && w[i] != w[i]) && !(math.Abs(g[i]-w[i]) <= 1e-6*(1+math.Abs(w[i]))) {
				return fmt.Errorf("element %d: %v, want %v", i, g[i], w[i])
			}
		}
		return nil
	}
	if string(got.Bytes()) != string(want.Bytes()) {
		return fmt.Errorf("got %v, want %v", got, want)
	}
	return nil
}

// TestPlannedAllocs checks that steady-state float32 planned runs (Infer
// then Run, after one warm-up) allocate nothing, serially and with rows
// split over a pool.
func TestPlannedAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	pool := parallel.New(parallel.Options{Threads: 2})
	defer pool.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	logits := randF32(rng, 64, 1000)
	hidden := randF32(rng, 1, 128, 768)
	img := randF32(rng, 2, 8, 16, 16)
	last := []*ir.Attribute{intsAttr("axes", -1)}
	half := tensor.New(tensor.Float16, 8, 100)
	for i := range tensor.Data[tensor.Float16Bits](half) {
		tensor.Data[tensor.Float16Bits](half)[i] = tensor.ToFloat16(float32(rng.NormFloat64()))
	}
	ints := tensor.From([]int32{5, -2, 7, 7, 0, 3, -9, 4, 1, 1, 2, 8}, 3, 4)
	uints := tensor.From([]uint8{5, 2, 7, 7, 0, 3, 9, 4, 1, 1, 2, 8}, 2, 6)
	cases := []plannedCase{
		{op: "Softmax", opset: 13, in: []*tensor.Tensor{logits}, nout: 1},
		{op: "LogSoftmax", opset: 13, in: []*tensor.Tensor{logits}, nout: 1},
		{op: "Softmax", opset: 13, attrs: []*ir.Attribute{intAttr("axis", 1)}, in: []*tensor.Tensor{img}, nout: 1},
		{op: "Hardmax", opset: 13, in: []*tensor.Tensor{logits}, nout: 1},
		{op: "ReduceMean", opset: 13, attrs: last, in: []*tensor.Tensor{hidden}, nout: 1},
		{op: "ReduceMean", opset: 18, in: []*tensor.Tensor{hidden, tensor.From([]int64{-1})}, consts: []int{1}, nout: 1},
		{op: "ReduceMean", opset: 18, in: []*tensor.Tensor{hidden, tensor.From([]int64{-1})}, nout: 1},
		{op: "ReduceSum", opset: 13, in: []*tensor.Tensor{img, tensor.From([]int64{1})}, nout: 1},
		{op: "ReduceMax", opset: 13, attrs: []*ir.Attribute{intsAttr("axes", 2, 3)}, in: []*tensor.Tensor{img}, nout: 1},
		{op: "ReduceLogSumExp", opset: 13, attrs: []*ir.Attribute{intsAttr("axes", 0, 2)}, in: []*tensor.Tensor{img}, nout: 1},
		{op: "ReduceLogSumExp", opset: 13, attrs: last, in: []*tensor.Tensor{logits}, nout: 1},
		{op: "ArgMax", opset: 13, attrs: []*ir.Attribute{intAttr("axis", -1)}, in: []*tensor.Tensor{logits}, nout: 1},
		{op: "ArgMax", opset: 13, attrs: []*ir.Attribute{intAttr("axis", 1)}, in: []*tensor.Tensor{img}, nout: 1},
		{op: "LpNormalization", opset: 1, in: []*tensor.Tensor{hidden}, nout: 1},
		// Half precision (widened into scratch) and integer reductions
		// computed in float64 or summed wide.
		{op: "Softmax", opset: 13, in: []*tensor.Tensor{half}, nout: 1},
		{op: "ReduceSum", opset: 13, attrs: last, in: []*tensor.Tensor{half}, nout: 1},
		{op: "ArgMax", opset: 13, in: []*tensor.Tensor{half}, nout: 1},
		{op: "LpNormalization", opset: 1, in: []*tensor.Tensor{half}, nout: 1},
		{op: "ReduceL2", opset: 13, attrs: last, in: []*tensor.Tensor{ints}, nout: 1},
		{op: "ReduceMean", opset: 13, attrs: last, in: []*tensor.Tensor{ints}, nout: 1},
		{op: "ReduceMean", opset: 13, attrs: last, in: []*tensor.Tensor{uints}, nout: 1},
	}
	for _, c := range cases {
		for _, p := range []*parallel.Pool{nil, pool} {
			impl := bindPlanned(t, c.op, c.opset, len(c.in), c.nout, c.attrs, p, c.in, c.consts...)
			specs, out, err := plannedOuts(impl, c.in, c.nout)
			if err != nil {
				t.Fatal(err)
			}
			step := func() {
				if err := impl.Planned.Infer(c.in, specs); err != nil {
					t.Fatal(err)
				}
				if err := impl.Planned.Run(c.in, out); err != nil {
					t.Fatal(err)
				}
			}
			step() // warm up
			if a := testing.AllocsPerRun(20, step); a != 0 {
				t.Errorf("%s-%d %v on %v (pool %v): %v allocations per run", c.op, c.opset, c.attrs, c.in[0].Shape(), p != nil, a)
			}
		}
	}
}

// TestPlannedErrors checks that bad axes and inputs give errors from Infer
// (and from the allocating kernel), never panics.
func TestPlannedErrors(t *testing.T) {
	x := randF32(rand.New(rand.NewPCG(5, 6)), 2, 3, 4)
	cases := []plannedCase{
		{op: "Softmax", opset: 13, attrs: []*ir.Attribute{intAttr("axis", 3)}, in: []*tensor.Tensor{x}},
		{op: "Softmax", opset: 13, attrs: []*ir.Attribute{intAttr("axis", -4)}, in: []*tensor.Tensor{x}},
		{op: "LogSoftmax", opset: 11, attrs: []*ir.Attribute{intAttr("axis", 4)}, in: []*tensor.Tensor{x}},
		{op: "Hardmax", opset: 13, in: []*tensor.Tensor{tensor.From([]int32{1, 2})}},
		{op: "Softmax", opset: 13, in: []*tensor.Tensor{nil}},
		{op: "ReduceMean", opset: 13, attrs: []*ir.Attribute{intsAttr("axes", 3)}, in: []*tensor.Tensor{x}},
		{op: "ReduceMean", opset: 13, attrs: []*ir.Attribute{intsAttr("axes", 1, -2)}, in: []*tensor.Tensor{x}},
		{op: "ReduceMean", opset: 18, in: []*tensor.Tensor{x, tensor.From([]int64{-4})}},
		{op: "ReduceSum", opset: 13, in: []*tensor.Tensor{x, tensor.From([]float32{1})}},
		{op: "ReduceSum", opset: 13, in: []*tensor.Tensor{tensor.FromStrings([]string{"a"}, 1), tensor.From([]int64{0})}},
		{op: "ReduceSum", opset: 13, in: []*tensor.Tensor{tensor.From([]bool{true}), tensor.From([]int64{0})}},
		{op: "ArgMax", opset: 13, attrs: []*ir.Attribute{intAttr("axis", 3)}, in: []*tensor.Tensor{x}},
		{op: "ArgMin", opset: 13, attrs: []*ir.Attribute{intAttr("axis", 1)}, in: []*tensor.Tensor{tensor.New(tensor.Float32, 2, 0)}},
		{op: "ArgMax", opset: 13, in: []*tensor.Tensor{tensor.From([]bool{true})}},
		{op: "LpNormalization", opset: 1, attrs: []*ir.Attribute{intAttr("axis", 3)}, in: []*tensor.Tensor{x}},
		{op: "NegativeLogLikelihoodLoss", opset: 13, in: []*tensor.Tensor{x, tensor.From([]int64{0, 1}, 2)}},
		{op: "NegativeLogLikelihoodLoss", opset: 13, in: []*tensor.Tensor{x, tensor.From([]float32{0, 1, 0, 1, 0, 1, 0, 1}, 2, 4)}},
	}
	for _, c := range cases {
		name := fmt.Sprintf("%s-%d %v %v", c.op, c.opset, c.attrs, c.in)
		impl := bindPlanned(t, c.op, c.opset, len(c.in), 1, c.attrs, nil, c.in)
		if _, _, err := plannedOuts(impl, c.in, 1); err == nil {
			t.Errorf("%s: Infer accepted it", name)
		}
		if _, err := impl.Tensor(c.in); err == nil {
			t.Errorf("%s: kernel accepted it", name)
		}
	}
}
