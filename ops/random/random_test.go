package random

import (
	"math"
	"reflect"
	"sync"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// Expected values marked "numpy" were computed with numpy 1.24's legacy
// RandomState, which ONNX's reference implementation uses.

var testReg = func() *ops.Registry {
	r := ops.NewRegistry()
	r.ClaimOpset("", 17)
	Register(r)
	return r
}()

func bind(op string, opset int64, nin int, attrs ...*ir.Attribute) (ops.Kernel, error) {
	n := &ops.Node{Node: &ir.Node{OpType: op, Attrs: attrs, Outputs: []string{"y"}}, Opset: opset}
	for i := 0; i < nin; i++ {
		n.Inputs = append(n.Inputs, string(rune('a'+i)))
	}
	impl, err := testReg.Bind(n)
	if err != nil {
		return nil, err
	}
	return impl.Tensor, nil
}

func mustBind(t *testing.T, op string, opset int64, nin int, attrs ...*ir.Attribute) ops.Kernel {
	t.Helper()
	k, err := bind(op, opset, nin, attrs...)
	if err != nil {
		t.Fatalf("%s: bind: %v", op, err)
	}
	return k
}

func call(t *testing.T, k ops.Kernel, in ...*tensor.Tensor) *tensor.Tensor {
	t.Helper()
	out, err := k(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0] == nil {
		t.Fatalf("got %d outputs", len(out))
	}
	return out[0]
}

func intA(name string, v int64) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrInt, I: v}
}
func floatA(name string, v float32) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrFloat, F: v}
}
func shapeA(dims ...int64) *ir.Attribute {
	return &ir.Attribute{Name: "shape", Type: ir.AttrInts, Ints: dims}
}
func dtypeA(dt tensor.DType) *ir.Attribute { return intA("dtype", int64(dt)) }

func values(t *testing.T, x *tensor.Tensor) []float64 {
	t.Helper()
	v, err := tensor.ToFloat64(x)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func checkClose(t *testing.T, got *tensor.Tensor, want []float64, tol float64) {
	t.Helper()
	g := values(t, got)
	if len(g) != len(want) {
		t.Fatalf("got %d values, want %d", len(g), len(want))
	}
	for i := range g {
		if math.Abs(g[i]-want[i]) > tol*max(1, math.Abs(want[i])) {
			t.Fatalf("element %d: got %v, want %v (all: %v)", i, g[i], want[i], g)
		}
	}
}

func meanVar(v []float64) (float64, float64) {
	var s, s2 float64
	for _, x := range v {
		s += x
	}
	m := s / float64(len(v))
	for _, x := range v {
		s2 += (x - m) * (x - m)
	}
	return m, s2 / float64(len(v))
}

func TestRandomNormalMatchesNumpy(t *testing.T) {
	k := mustBind(t, "RandomNormal", 1, 0, shapeA(2, 2), floatA("mean", 1.5), floatA("scale", 2.5), floatA("seed", 5))
	y := call(t, k)
	if y.DType() != tensor.Float32 || !y.Shape().Equal(tensor.Shape{2, 2}) {
		t.Fatalf("got %v", y)
	}
	// numpy: (RandomState(5).randn(4) * 2.5 + 1.5).astype(np.float32)
	checkClose(t, y, []float64{2.6030688, 0.6728246, 7.576928, 0.8697697}, 1e-6)
}

func TestRandomUniformMatchesNumpy(t *testing.T) {
	k := mustBind(t, "RandomUniform", 1, 0, shapeA(5), floatA("low", -2), floatA("high", 3), floatA("seed", 9))
	// numpy: (RandomState(9).rand(5) * (3.0 - -2.0) + -2.0).astype(np.float32)
	checkClose(t, call(t, k), []float64{-1.9481292, 0.50937295, 0.47886646, -1.3308524, -1.2894446}, 1e-6)

	// double output keeps float32 attributes widened exactly, as numpy does:
	// RandomState(9).rand(5) * (f32(0.7) - f32(0.1)) + f32(0.1)
	k = mustBind(t, "RandomUniform", 1, 0, shapeA(5), floatA("low", 0.1), floatA("high", 0.7),
		floatA("seed", 9), dtypeA(tensor.Float64))
	checkClose(t, call(t, k), []float64{0.10622449, 0.40112475, 0.39746397, 0.18029772, 0.18526665}, 1e-7)
}

func TestBernoulliMatchesNumpy(t *testing.T) {
	// x = RandomState(0).uniform(0, 1, 10); numpy: RandomState(0).binomial(1, p=x)
	// — with these inputs the seeded draws equal x itself, so the outcomes
	// turn on numpy's exact comparisons (U > 1−p for p ≤ ½, U ≤ p above).
	x64 := []float64{0.5488135039273248, 0.7151893663724195, 0.6027633760716439, 0.5448831829968969,
		0.4236547993389047, 0.6458941130666561, 0.4375872112626925, 0.8917730007820798,
		0.9636627605010293, 0.3834415188257777}
	k := mustBind(t, "Bernoulli", 15, 1, floatA("seed", 0))
	y := call(t, k, tensor.From(x64))
	if y.DType() != tensor.Float64 {
		t.Fatalf("dtype %v, want float64 (the input's)", y.DType())
	}
	checkClose(t, y, []float64{1, 1, 1, 1, 0, 1, 0, 1, 1, 0}, 0)

	x32 := make([]float32, len(x64))
	for i, v := range x64 {
		x32[i] = float32(v)
	}
	// numpy: RandomState(0).binomial(1, p=x.astype(np.float32))
	checkClose(t, call(t, k, tensor.From(x32)), []float64{1, 0, 0, 1, 0, 0, 0, 0, 0, 0}, 0)
}

func TestSeededRunsRepeat(t *testing.T) {
	probs := tensor.From([]float32{0.1, 0.5, 0.9, 0.3, 0.7, 0.2}, 2, 3)
	cases := []struct {
		op    string
		opset int64
		in    []*tensor.Tensor
		attrs []*ir.Attribute
	}{
		{"RandomNormal", 1, nil, []*ir.Attribute{shapeA(3, 4)}},
		{"RandomUniform", 1, nil, []*ir.Attribute{shapeA(3, 4)}},
		{"RandomNormalLike", 1, []*tensor.Tensor{probs}, nil},
		{"RandomUniformLike", 1, []*tensor.Tensor{probs}, nil},
		{"Bernoulli", 15, []*tensor.Tensor{tensor.New(tensor.Float32, 64)}, nil},
		{"Multinomial", 7, []*tensor.Tensor{probs}, []*ir.Attribute{intA("sample_size", 20)}},
	}
	for _, c := range cases {
		// Bernoulli over p = 0.5 everywhere, so both outcomes are possible.
		if c.op == "Bernoulli" {
			for i := range c.in[0].Float32s() {
				c.in[0].Float32s()[i] = 0.5
			}
		}
		seeded := mustBind(t, c.op, c.opset, len(c.in), append(c.attrs, floatA("seed", 1234))...)
		a, b := call(t, seeded, c.in...), call(t, seeded, c.in...)
		if !reflect.DeepEqual(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: seeded runs differ", c.op)
		}
		other := mustBind(t, c.op, c.opset, len(c.in), append(c.attrs, floatA("seed", 4321))...)
		if reflect.DeepEqual(a.Bytes(), call(t, other, c.in...).Bytes()) {
			t.Errorf("%s: different seeds gave the same values", c.op)
		}
		unseeded := mustBind(t, c.op, c.opset, len(c.in), c.attrs...)
		if reflect.DeepEqual(call(t, unseeded, c.in...).Bytes(), call(t, unseeded, c.in...).Bytes()) {
			t.Errorf("%s: unseeded runs repeat", c.op)
		}
	}
}

func TestSeedOutsideNumpyRange(t *testing.T) {
	// numpy rejects such seeds; Sinter still seeds deterministically.
	for _, s := range []float32{-1, 1e20, float32(math.Inf(-1))} {
		k := mustBind(t, "RandomUniform", 1, 0, shapeA(8), floatA("seed", s))
		if a, b := call(t, k), call(t, k); !reflect.DeepEqual(a.Float32s(), b.Float32s()) {
			t.Errorf("seed %v: runs differ", s)
		}
	}
	// A NaN seed counts as no seed.
	k := mustBind(t, "RandomUniform", 1, 0, shapeA(8), floatA("seed", float32(math.NaN())))
	if a, b := call(t, k), call(t, k); reflect.DeepEqual(a.Float32s(), b.Float32s()) {
		t.Error("NaN seed: runs repeat")
	}
}

func TestShapesAndDTypes(t *testing.T) {
	for _, dt := range []tensor.DType{tensor.Float16, tensor.Float32, tensor.Float64} {
		for _, op := range []string{"RandomNormal", "RandomUniform"} {
			y := call(t, mustBind(t, op, 1, 0, shapeA(2, 0, 3), dtypeA(dt)))
			if y.DType() != dt || !y.Shape().Equal(tensor.Shape{2, 0, 3}) {
				t.Errorf("%s dtype %v: got %v", op, dt, y)
			}
			y = call(t, mustBind(t, op, 1, 0, shapeA(), dtypeA(dt)))
			if y.DType() != dt || y.Rank() != 0 || y.Len() != 1 {
				t.Errorf("%s dtype %v scalar: got %v", op, dt, y)
			}
		}
	}
	// Default dtype is float.
	if y := call(t, mustBind(t, "RandomNormal", 1, 0, shapeA(4))); y.DType() != tensor.Float32 {
		t.Errorf("RandomNormal default dtype %v", y.DType())
	}
	// -Like: shape from the input, dtype from the input unless set.
	half := tensor.New(tensor.Float16, 3, 1, 2)
	ints := tensor.New(tensor.Int64, 5, 2)
	strs := tensor.FromStrings([]string{"a", "b"})
	for _, op := range []string{"RandomNormalLike", "RandomUniformLike"} {
		y := call(t, mustBind(t, op, 1, 1), half)
		if y.DType() != tensor.Float16 || !y.Shape().Equal(half.Shape()) {
			t.Errorf("%s: got %v for %v", op, y, half)
		}
		for _, in := range []*tensor.Tensor{ints, strs} {
			y = call(t, mustBind(t, op, 1, 1, dtypeA(tensor.Float64)), in)
			if y.DType() != tensor.Float64 || !y.Shape().Equal(in.Shape()) {
				t.Errorf("%s dtype double: got %v for %v", op, y, in)
			}
			if _, err := mustBind(t, op, 1, 1)([]*tensor.Tensor{in}); err == nil {
				t.Errorf("%s: %v input without dtype: no error", op, in)
			}
		}
		if _, err := mustBind(t, op, 1, 1)([]*tensor.Tensor{nil}); err == nil {
			t.Errorf("%s: missing input: no error", op)
		}
	}
}

func TestBindErrors(t *testing.T) {
	bad := []struct {
		op    string
		opset int64
		nin   int
		attrs []*ir.Attribute
	}{
		{"RandomNormal", 1, 0, nil}, // shape is required
		{"RandomUniform", 1, 0, nil},
		{"RandomNormal", 1, 0, []*ir.Attribute{shapeA(2, -1)}},
		{"RandomUniform", 1, 0, []*ir.Attribute{shapeA(1<<30, 1<<30, 1<<30)}},
		{"RandomNormal", 1, 0, []*ir.Attribute{shapeA(2), dtypeA(tensor.Int32)}},
		{"RandomUniform", 1, 0, []*ir.Attribute{shapeA(2), dtypeA(tensor.BFloat16)}},
		{"RandomUniform", 1, 0, []*ir.Attribute{shapeA(2), intA("dtype", 99)}},
		{"RandomUniform", 1, 0, []*ir.Attribute{shapeA(2), intA("dtype", 0)}},
		{"RandomNormalLike", 1, 1, []*ir.Attribute{dtypeA(tensor.Bool)}},
		{"RandomUniformLike", 1, 1, []*ir.Attribute{dtypeA(tensor.String)}},
		{"RandomUniform", 1, 0, []*ir.Attribute{shapeA(2), intA("seed", 3)}}, // seed is a float
		{"RandomUniform", 1, 0, []*ir.Attribute{shapeA(2), intA("low", 0)}},
		{"Multinomial", 7, 1, []*ir.Attribute{dtypeA(tensor.Float32)}},
		{"Multinomial", 7, 1, []*ir.Attribute{dtypeA(tensor.Int16)}},
		{"Multinomial", 7, 1, []*ir.Attribute{intA("sample_size", -1)}},
		{"Bernoulli", 15, 1, []*ir.Attribute{dtypeA(tensor.String)}},
	}
	for _, c := range bad {
		if _, err := bind(c.op, c.opset, c.nin, c.attrs...); err == nil {
			t.Errorf("%s %v: no bind error", c.op, c.attrs)
		}
	}
	// Versions before the operator existed.
	if _, err := bind("Bernoulli", 14, 1); err == nil {
		t.Error("Bernoulli-14 bound")
	}
	if _, err := bind("Multinomial", 6, 1); err == nil {
		t.Error("Multinomial-6 bound")
	}
}

func TestNormalMoments(t *testing.T) {
	const n = 200000
	for _, c := range []struct{ mean, scale float32 }{{0, 1}, {3, 0.5}, {-10, 4}} {
		k := mustBind(t, "RandomNormal", 1, 0, shapeA(n), floatA("mean", c.mean), floatA("scale", c.scale),
			floatA("seed", 7), dtypeA(tensor.Float64))
		v := values(t, call(t, k))
		m, s2 := meanVar(v)
		sd := float64(c.scale)
		// the sample mean's standard error is sd/√n ≈ 0.0022·sd; allow 5×.
		if math.Abs(m-float64(c.mean)) > 5*sd/math.Sqrt(n) {
			t.Errorf("N(%v, %v): mean %v", c.mean, c.scale, m)
		}
		if math.Abs(math.Sqrt(s2)/sd-1) > 0.01 {
			t.Errorf("N(%v, %v): std %v", c.mean, c.scale, math.Sqrt(s2))
		}
		// about 68.3% within one standard deviation
		within := 0
		for _, x := range v {
			if math.Abs(x-float64(c.mean)) < sd {
				within++
			}
		}
		if f := float64(within) / n; math.Abs(f-0.6827) > 0.005 {
			t.Errorf("N(%v, %v): %v within 1σ", c.mean, c.scale, f)
		}
	}
}

func TestUniformRangeAndMoments(t *testing.T) {
	const n = 200000
	for _, dt := range []tensor.DType{tensor.Float16, tensor.Float32, tensor.Float64} {
		for _, c := range []struct{ low, high float32 }{{0, 1}, {-3, 5}, {10, 10.5}} {
			like := tensor.New(tensor.Float32, n/100, 100)
			k := mustBind(t, "RandomUniformLike", 1, 1, floatA("low", c.low), floatA("high", c.high),
				floatA("seed", 11), dtypeA(dt))
			v := values(t, call(t, k, like))
			lo, hi := float64(c.low), float64(c.high)
			for i, x := range v {
				// rounding to the output type may reach high, never pass it
				if x < lo || x > hi {
					t.Fatalf("%v U(%v, %v): element %d = %v out of range", dt, lo, hi, i, x)
				}
			}
			m, s2 := meanVar(v)
			w := hi - lo
			if math.Abs(m-(lo+hi)/2) > 0.005*w {
				t.Errorf("%v U(%v, %v): mean %v", dt, lo, hi, m)
			}
			if dt != tensor.Float16 || w < 5 { // float16 steps are coarse
				if math.Abs(s2/(w*w/12)-1) > 0.02 {
					t.Errorf("%v U(%v, %v): variance %v, want %v", dt, lo, hi, s2, w*w/12)
				}
			}
		}
	}
}

func TestBernoulli(t *testing.T) {
	// p of 0 and 1 are certain.
	p := tensor.From([]float64{0, 1, 1, 0, 0, 1}, 2, 3)
	for _, dt := range []tensor.DType{tensor.Bool, tensor.Int64, tensor.Uint8, tensor.Float16, tensor.BFloat16, tensor.Float32} {
		y := call(t, mustBind(t, "Bernoulli", 15, 1, dtypeA(dt)), p)
		if y.DType() != dt || !y.Shape().Equal(tensor.Shape{2, 3}) {
			t.Fatalf("dtype %v: got %v", dt, y)
		}
		checkClose(t, y, []float64{0, 1, 1, 0, 0, 1}, 0)
	}
	// Frequencies match p.
	const n = 100000
	for _, pi := range []float32{0.05, 0.3, 0.5, 0.8} {
		x := make([]float32, n)
		for i := range x {
			x[i] = pi
		}
		y := call(t, mustBind(t, "Bernoulli", 15, 1, floatA("seed", 3)), tensor.From(x))
		if y.DType() != tensor.Float32 {
			t.Fatalf("dtype %v, want float32 (the input's)", y.DType())
		}
		m, _ := meanVar(values(t, y))
		se := math.Sqrt(float64(pi) * (1 - float64(pi)) / n)
		if math.Abs(m-float64(pi)) > 5*se {
			t.Errorf("p=%v: frequency %v", pi, m)
		}
	}
	// Bad inputs.
	k := mustBind(t, "Bernoulli", 15, 1)
	for _, in := range []*tensor.Tensor{
		tensor.From([]float32{0.5, 1.5}),
		tensor.From([]float32{-0.1}),
		tensor.From([]float64{math.NaN()}),
		tensor.From([]int64{0, 1}),
		nil,
	} {
		if _, err := k([]*tensor.Tensor{in}); err == nil {
			t.Errorf("input %v: no error", in)
		}
	}
}

func TestMultinomial(t *testing.T) {
	const samples = 100000
	probs := [][]float64{{0.1, 0.2, 0.7, 0}, {0.25, 0.25, 0.25, 0.25}}
	logits := make([]float32, 0, 8)
	for _, row := range probs {
		for _, p := range row {
			logits = append(logits, float32(math.Log(p))+3) // unnormalised: any offset
		}
	}
	x := tensor.From(logits, 2, 4)
	y := call(t, mustBind(t, "Multinomial", 7, 1, intA("sample_size", samples), floatA("seed", 2)), x)
	if y.DType() != tensor.Int32 || !y.Shape().Equal(tensor.Shape{2, samples}) {
		t.Fatalf("got %v", y)
	}
	got := y.Int32s()
	for b, row := range probs {
		count := make([]int, len(row))
		for _, c := range got[b*samples : (b+1)*samples] {
			if c < 0 || int(c) >= len(row) {
				t.Fatalf("batch %d: class %d out of range", b, c)
			}
			count[c]++
		}
		for c, p := range row {
			f := float64(count[c]) / samples
			if se := math.Sqrt(p * (1 - p) / samples); math.Abs(f-p) > 5*se+1e-12 {
				t.Errorf("batch %d class %d: frequency %v, want %v", b, c, f, p)
			}
		}
	}

	// int64, float16 and float64 inputs; +Inf logits take all the mass.
	inf := math.Inf(1)
	x64 := tensor.From([]float64{0, inf, 5, inf}, 1, 4)
	y = call(t, mustBind(t, "Multinomial", 7, 1, intA("sample_size", 1000), dtypeA(tensor.Int64)), x64)
	if y.DType() != tensor.Int64 {
		t.Fatalf("dtype %v", y.DType())
	}
	seen := map[int64]int{}
	for _, c := range y.Int64s() {
		seen[c]++
	}
	if len(seen) != 2 || seen[1] == 0 || seen[3] == 0 {
		t.Errorf("+Inf logits: counts %v", seen)
	}
	h := tensor.New(tensor.Float16, 3, 2) // all-equal logits
	y = call(t, mustBind(t, "Multinomial", 7, 1), h)
	if !y.Shape().Equal(tensor.Shape{3, 1}) {
		t.Errorf("float16: got %v", y)
	}
	// Empty batch and zero samples.
	y = call(t, mustBind(t, "Multinomial", 7, 1, intA("sample_size", 4)), tensor.New(tensor.Float32, 0, 3))
	if !y.Shape().Equal(tensor.Shape{0, 4}) {
		t.Errorf("empty batch: got %v", y)
	}
	y = call(t, mustBind(t, "Multinomial", 7, 1, intA("sample_size", 0)), tensor.New(tensor.Float32, 2, 3))
	if !y.Shape().Equal(tensor.Shape{2, 0}) {
		t.Errorf("no samples: got %v", y)
	}

	// Bad inputs.
	k := mustBind(t, "Multinomial", 7, 1, intA("sample_size", 3))
	ninf := float32(math.Inf(-1))
	for _, in := range []*tensor.Tensor{
		tensor.From([]float32{1, 2, 3}),                      // rank 1
		tensor.New(tensor.Float32, 1, 2, 3),                  // rank 3
		tensor.New(tensor.Float32, 2, 0),                     // no classes
		tensor.From([]float32{1, float32(math.NaN())}, 1, 2), // NaN
		tensor.From([]float32{ninf, ninf}, 1, 2),             // no mass
		tensor.From([]int32{1, 2}, 1, 2),                     // not float
		nil,
	} {
		if _, err := k([]*tensor.Tensor{in}); err == nil {
			t.Errorf("input %v: no error", in)
		}
	}
}

// TestConcurrentCalls runs each kernel from many goroutines at once (run the
// tests with -race): seeded kernels must give every caller the same values.
func TestConcurrentCalls(t *testing.T) {
	probs := tensor.From([]float32{0.2, 0.4, 0.6, 0.8}, 2, 2)
	kernels := []struct {
		k  ops.Kernel
		in []*tensor.Tensor
	}{
		{mustBind(t, "RandomNormal", 1, 0, shapeA(64), floatA("seed", 1)), nil},
		{mustBind(t, "RandomUniformLike", 1, 1, floatA("seed", 1)), []*tensor.Tensor{probs}},
		{mustBind(t, "Bernoulli", 15, 1, floatA("seed", 1)), []*tensor.Tensor{probs}},
		{mustBind(t, "Multinomial", 7, 1, intA("sample_size", 16), floatA("seed", 1)), []*tensor.Tensor{probs}},
	}
	for _, c := range kernels {
		want := call(t, c.k, c.in...)
		var wg sync.WaitGroup
		errs := make(chan string, 16)
		for g := 0; g < 16; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out, err := c.k(c.in)
				if err != nil {
					errs <- err.Error()
					return
				}
				if !reflect.DeepEqual(out[0].Bytes(), want.Bytes()) {
					errs <- "seeded concurrent call gave different values"
				}
			}()
		}
		unseeded := mustBind(t, "RandomUniform", 1, 0, shapeA(16))
		for g := 0; g < 16; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := unseeded(nil); err != nil {
					errs <- err.Error()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	}
}
