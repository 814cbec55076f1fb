package reduce

import (
	"math"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func intAttr(name string, v int64) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrInt, I: v}
}

func intsAttr(name string, v ...int64) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrInts, Ints: v}
}

func strAttr(name, v string) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrString, S: []byte(v)}
}

func floatAttr32(name string, v float32) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrFloat, F: v}
}

// run binds op at opset with attrs and runs it on in.
func run(t *testing.T, domain, op string, opset int64, nin, nout int, attrs []*ir.Attribute, in ...*tensor.Tensor) []*tensor.Tensor {
	t.Helper()
	out, err := tryRun(domain, op, opset, nin, nout, attrs, in...)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return out
}

func tryRun(domain, op string, opset int64, nin, nout int, attrs []*ir.Attribute, in ...*tensor.Tensor) ([]*tensor.Tensor, error) {
	r := ops.NewRegistry()
	r.ClaimOpset("", 17)
	r.ClaimOpset(TrainingDomain, 1)
	Register(r)
	n := &ir.Node{OpType: op, Domain: domain, Attrs: attrs}
	for i := 0; i < nin; i++ {
		name := "x"
		if i < len(in) && in[i] == nil {
			name = ""
		}
		n.Inputs = append(n.Inputs, name)
	}
	for i := 0; i < nout; i++ {
		n.Outputs = append(n.Outputs, "y")
	}
	impl, err := r.Bind(&ops.Node{Node: n, Opset: opset})
	if err != nil {
		return nil, err
	}
	return impl.Tensor(in)
}

func checkF32(t *testing.T, got *tensor.Tensor, shape tensor.Shape, want []float32, tol float64) {
	t.Helper()
	if got.DType() != tensor.Float32 || !got.Shape().Equal(shape) {
		t.Fatalf("got %v, want float32%v", got, shape)
	}
	g := got.Float32s()
	for i := range want {
		w := float64(want[i])
		if d := math.Abs(float64(g[i]) - w); !(d <= tol*(1+math.Abs(w))) && !(math.IsInf(w, 0) && float64(g[i]) == w) {
			t.Fatalf("element %d: got %v, want %v (all %v)", i, g[i], want[i], g)
		}
	}
}

// data is arange(12) reshaped to [3, 2, 2] as float32.
func data() *tensor.Tensor {
	v := make([]float32, 12)
	for i := range v {
		v[i] = float32(i + 1)
	}
	return tensor.From(v, 3, 2, 2)
}

func TestReduceSum(t *testing.T) {
	// numpy: np.sum(arange(1,13).reshape(3,2,2), axis=1, keepdims=True)
	out := run(t, "", "ReduceSum", 11, 1, 1, []*ir.Attribute{intsAttr("axes", 1)}, data())
	checkF32(t, out[0], tensor.Shape{3, 1, 2}, []float32{4, 6, 12, 14, 20, 22}, 0)
	// opset 13 axes input, negative axis, keepdims=0: sum over axes (0, 2)
	out = run(t, "", "ReduceSum", 13, 2, 1, []*ir.Attribute{intAttr("keepdims", 0)}, data(), tensor.From([]int64{-3, 2}))
	checkF32(t, out[0], tensor.Shape{2}, []float32{1 + 2 + 5 + 6 + 9 + 10, 3 + 4 + 7 + 8 + 11 + 12}, 0)
	// empty axes: reduce all, or no-op with noop_with_empty_axes.
	out = run(t, "", "ReduceSum", 13, 1, 1, nil, data())
	checkF32(t, out[0], tensor.Shape{1, 1, 1}, []float32{78}, 0)
	out = run(t, "", "ReduceSum", 13, 2, 1, []*ir.Attribute{intAttr("noop_with_empty_axes", 1)}, data(), tensor.From([]int64{}))
	checkF32(t, out[0], tensor.Shape{3, 2, 2}, data().Float32s(), 0)
	if _, err := tryRun("", "ReduceSum", 13, 2, 1, nil, data(), tensor.From([]int64{3})); err == nil {
		t.Fatal("out-of-range axis accepted")
	}
	if _, err := tryRun("", "ReduceSum", 13, 2, 1, nil, data(), tensor.From([]int64{1, -2})); err == nil {
		t.Fatal("repeated axis accepted")
	}
}

func TestReduceKinds(t *testing.T) {
	x := tensor.From([]float32{1, -2, 3, 4, -5, 6}, 2, 3)
	ax := []*ir.Attribute{intsAttr("axes", -1), intAttr("keepdims", 0)}
	cases := []struct {
		op   string
		want []float32
	}{
		{"ReduceMean", []float32{2.0 / 3, 5.0 / 3}},
		{"ReduceMax", []float32{3, 6}},
		{"ReduceMin", []float32{-2, -5}},
		{"ReduceProd", []float32{-6, -120}},
		{"ReduceL1", []float32{6, 15}},
		{"ReduceL2", []float32{float32(math.Sqrt(14)), float32(math.Sqrt(77))}},
		{"ReduceSumSquare", []float32{14, 77}},
		{"ReduceLogSum", []float32{float32(math.Log(2)), float32(math.Log(5))}},
		// numpy: np.log(np.sum(np.exp(x), axis=1))
		{"ReduceLogSumExp", []float32{3.13284523, 6.12694272}},
	}
	for _, c := range cases {
		out := run(t, "", c.op, 13, 1, 1, ax, x)
		checkF32(t, out[0], tensor.Shape{2}, c.want, 1e-6)
	}
}

func TestReduceMiddleAxes(t *testing.T) {
	// [2,3,2] reduced over axis 1: inner extent 2 exercises the strided path.
	x := tensor.From([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 2, 3, 2)
	out := run(t, "", "ReduceMax", 13, 1, 1, []*ir.Attribute{intsAttr("axes", 1)}, x)
	if g := out[0].Float64s(); !out[0].Shape().Equal(tensor.Shape{2, 1, 2}) || g[0] != 5 || g[1] != 6 || g[2] != 11 || g[3] != 12 {
		t.Fatalf("got %v %v", out[0].Shape(), g)
	}
	// axes 0 and 2 of [2,3,2] (non-adjacent): sums per middle index.
	out = run(t, "", "ReduceSum", 11, 1, 1, []*ir.Attribute{intsAttr("axes", 0, 2), intAttr("keepdims", 0)}, x)
	if g := out[0].Float64s(); !out[0].Shape().Equal(tensor.Shape{3}) || g[0] != 1+2+7+8 || g[1] != 3+4+9+10 || g[2] != 5+6+11+12 {
		t.Fatalf("got %v %v", out[0].Shape(), g)
	}
}

func TestReduceEmpty(t *testing.T) {
	x := tensor.New(tensor.Float32, 2, 0, 3)
	ax := []*ir.Attribute{intsAttr("axes", 1)}
	for op, want := range map[string]float32{
		"ReduceSum": 0, "ReduceProd": 1, "ReduceMax": float32(math.Inf(-1)), "ReduceMin": float32(math.Inf(1)),
		"ReduceLogSumExp": float32(math.Inf(-1)), "ReduceLogSum": float32(math.Inf(-1)), "ReduceL2": 0,
	} {
		out := run(t, "", op, 12, 1, 1, ax, x)
		w := []float32{want, want, want, want, want, want}
		checkF32(t, out[0], tensor.Shape{2, 1, 3}, w, 0)
	}
	out := run(t, "", "ReduceMean", 13, 1, 1, ax, x)
	if v := out[0].Float32s()[0]; v == v {
		t.Fatalf("mean of empty = %v, want NaN", v)
	}
	// Reducing a non-empty axis of an empty tensor gives an empty result.
	out = run(t, "", "ReduceSum", 11, 1, 1, []*ir.Attribute{intsAttr("axes", 2)}, x)
	if !out[0].Shape().Equal(tensor.Shape{2, 0, 1}) {
		t.Fatalf("shape %v", out[0].Shape())
	}
}

func TestReduceInts(t *testing.T) {
	x := tensor.From([]int32{7, -3, 2, 5}, 2, 2)
	out := run(t, "", "ReduceMean", 13, 1, 1, []*ir.Attribute{intAttr("keepdims", 0)}, x)
	if g := out[0].Int32s(); out[0].Rank() != 0 || g[0] != 2 { // 11/4 truncated
		t.Fatalf("mean %v %v", out[0].Shape(), g)
	}
	out = run(t, "", "ReduceMax", 12, 1, 1, []*ir.Attribute{intsAttr("axes", 0)}, tensor.From([]int8{-7, -3, -2, -5}, 2, 2))
	if g := out[0].Int8s(); g[0] != -2 || g[1] != -3 {
		t.Fatalf("max %v", g)
	}
	out = run(t, "", "ReduceL2", 13, 1, 1, []*ir.Attribute{intsAttr("axes", 1)}, tensor.From([]int64{3, 4, 1, 1}, 2, 2))
	if g := out[0].Int64s(); g[0] != 5 || g[1] != 1 {
		t.Fatalf("l2 %v", g)
	}
}

func TestReduceHalf(t *testing.T) {
	v := []tensor.Float16Bits{tensor.ToFloat16(1.5), tensor.ToFloat16(2.5), tensor.ToFloat16(-1)}
	out := run(t, "", "ReduceSum", 13, 1, 1, nil, tensor.From(v, 3))
	if g := tensor.Data[tensor.Float16Bits](out[0]); out[0].DType() != tensor.Float16 || g[0].Float32() != 3 {
		t.Fatalf("got %v", out[0])
	}
}

func TestReduceNaN(t *testing.T) {
	nan := float32(math.NaN())
	x := tensor.From([]float32{1, nan, 3, 4, 5, 6}, 2, 3)
	// Axis 0 (strided path): only column 1 sees the NaN.
	// Axis 1 (contiguous path): only row 0 sees the NaN.
	wantNaN := map[int64][]bool{0: {false, true, false}, 1: {true, false}}
	for axis, want := range wantNaN {
		for _, op := range []string{"ReduceMax", "ReduceMin"} {
			out := run(t, "", op, 13, 1, 1, []*ir.Attribute{intsAttr("axes", axis), intAttr("keepdims", 0)}, x)
			for i, v := range out[0].Float32s() {
				if (v != v) != want[i] {
					t.Fatalf("%s axis %d: got %v", op, axis, out[0].Float32s())
				}
			}
		}
	}
}

// TestConcurrentRun runs one bound kernel from several goroutines; with
// -race it checks that kernels keep no per-run state in their closures.
func TestConcurrentRun(t *testing.T) {
	r := ops.NewRegistry()
	r.ClaimOpset("", 17)
	Register(r)
	n := &ir.Node{OpType: "ReduceSum", Inputs: []string{"x", "axes"}, Outputs: []string{"y"}}
	impl, err := r.Bind(&ops.Node{Node: n, Opset: 13})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	for range 4 {
		go func() {
			var err error
			for range 50 {
				if _, err = impl.Tensor([]*tensor.Tensor{data(), tensor.From([]int64{1})}); err != nil {
					break
				}
			}
			done <- err
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
