package elementwise

import (
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// Expected values below were computed with numpy 1.24 (see comments) or by
// hand from the ONNX specification.

var testReg = func() *ops.Registry {
	r := ops.NewRegistry()
	r.ClaimOpset("", 17)
	Register(r)
	return r
}()

func run(t *testing.T, op string, opset int64, attrs []*ir.Attribute, in ...*tensor.Tensor) []*tensor.Tensor {
	t.Helper()
	outs, err := tryRun(op, opset, attrs, 1, in...)
	if err != nil {
		t.Fatalf("%s-%d: %v", op, opset, err)
	}
	return outs
}

func tryRun(op string, opset int64, attrs []*ir.Attribute, nout int, in ...*tensor.Tensor) ([]*tensor.Tensor, error) {
	n := &ops.Node{Node: &ir.Node{OpType: op, Attrs: attrs}, Opset: opset}
	for i := range in {
		n.Inputs = append(n.Inputs, string(rune('a'+i)))
	}
	for i := 0; i < nout; i++ {
		n.Outputs = append(n.Outputs, string(rune('x'+i)))
	}
	impl, err := testReg.Bind(n)
	if err != nil {
		return nil, err
	}
	if impl.Value != nil { // Identity from opset 14
		vin := make([]ops.Value, len(in))
		for i, t := range in {
			if t != nil {
				vin[i] = t
			}
		}
		vout, err := impl.Value(vin)
		if err != nil {
			return nil, err
		}
		out := make([]*tensor.Tensor, len(vout))
		for i, v := range vout {
			t, ok := v.(*tensor.Tensor)
			if !ok {
				return nil, fmt.Errorf("output %d is %T, not a tensor", i, v)
			}
			out[i] = t
		}
		return out, nil
	}
	return impl.Tensor(in)
}

func intAttr(name string, v int64) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrInt, I: v}
}

func floatAttr(name string, v float32) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrFloat, F: v}
}

func check[T tensor.Elem](t *testing.T, got *tensor.Tensor, shape tensor.Shape, want []T) {
	t.Helper()
	if !got.Shape().Equal(shape) {
		t.Fatalf("shape %v, want %v", got.Shape(), shape)
	}
	g := tensor.Data[T](got)
	if !reflect.DeepEqual(g, want) {
		t.Fatalf("got %v, want %v", g, want)
	}
}

func TestMT19937MatchesNumpy(t *testing.T) {
	// np.random.seed(0); np.random.random_sample(5)
	want := []float64{0.5488135, 0.71518937, 0.60276338, 0.54488318, 0.4236548}
	m := newMT19937(0)
	for i, w := range want {
		if g := m.float64(); math.Abs(g-w) > 1e-8 {
			t.Fatalf("sample %d: %v, want %v", i, g, w)
		}
	}
	// np.random.seed(12345); random_sample(700)[623:627] (crosses a twist)
	m = newMT19937(12345)
	for i := 0; i < 623; i++ {
		m.float64()
	}
	for i, w := range []float64{0.79873835, 0.54463637, 0.19758737, 0.78412174} {
		if g := m.float64(); math.Abs(g-w) > 1e-8 {
			t.Fatalf("sample %d: %v, want %v", 623+i, g, w)
		}
	}
}

func TestCastDoubleToHalf(t *testing.T) {
	in := []float64{0.1, 1.0 / 3, 65519.99, 65520.0, 1e-8, 5.960464477539063e-08, 2.9802322387695312e-08,
		2.98023223876953125e-08 * 1.0000001, -2.5, 1e300, -1e300, 3.14159265358979}
	// np.array(in).astype(np.float16).view(np.uint16)
	want := []tensor.Float16Bits{0x2e66, 0x3555, 0x7bff, 0x7c00, 0, 1, 0, 1, 0xc100, 0x7c00, 0xfc00, 0x4248}
	out := run(t, "Cast", 13, []*ir.Attribute{intAttr("to", int64(tensor.Float16))}, tensor.From(in))[0]
	check(t, out, tensor.Shape{12}, want)
}

func TestCastStrings(t *testing.T) {
	f := tensor.From([]float32{0, float32(math.Copysign(0, -1)), 1, 100, 1e-4, 9.9e-5, 1e-5, 1.5e-7, 1e15, 1e16,
		123456789, 3.4e38, float32(math.Inf(1)), float32(math.NaN()), 0.1, 1.0 / 3})
	out := run(t, "Cast", 13, []*ir.Attribute{intAttr("to", int64(tensor.String))}, f)[0]
	// np.array(..., dtype=np.float32).astype(str)
	want := []string{"0.0", "-0.0", "1.0", "100.0", "1e-04", "9.9e-05", "1e-05", "1.5e-07", "1000000000000000.0",
		"1e+16", "123456790.0", "3.4e+38", "inf", "nan", "0.1", "0.33333334"}
	if !reflect.DeepEqual(out.Strings(), want) {
		t.Fatalf("got %q\nwant %q", out.Strings(), want)
	}
	h := tensor.From([]tensor.Float16Bits{tensor.ToFloat16(0.1), tensor.ToFloat16(1e-4), tensor.ToFloat16(65504), tensor.ToFloat16(2.5e-5)})
	out = run(t, "Cast", 13, []*ir.Attribute{intAttr("to", int64(tensor.String))}, h)[0]
	want = []string{"0.1", "0.0001", "65500.0", "2.5e-05"}
	if !reflect.DeepEqual(out.Strings(), want) {
		t.Fatalf("got %q, want %q", out.Strings(), want)
	}
	s := tensor.FromStrings([]string{"1e-5", "100.5", "INF", "-inf", "+INF", "NaN"})
	out = run(t, "Cast", 13, []*ir.Attribute{intAttr("to", int64(tensor.Float32))}, s)[0]
	g := out.Float32s()
	if g[0] != 1e-5 || g[1] != 100.5 || !math.IsInf(float64(g[2]), 1) || !math.IsInf(float64(g[3]), -1) ||
		!math.IsInf(float64(g[4]), 1) || g[5] == g[5] {
		t.Fatalf("got %v", g)
	}
	out = run(t, "Cast", 13, []*ir.Attribute{intAttr("to", int64(tensor.Int32))}, tensor.FromStrings([]string{"-12", "100.5"}))[0]
	check(t, out, tensor.Shape{2}, []int32{-12, 100})
}

func TestCastNumeric(t *testing.T) {
	out := run(t, "Cast", 13, []*ir.Attribute{intAttr("to", int64(tensor.Int8))}, tensor.From([]float32{-2.7, 2.7, 300}))[0]
	check(t, out, tensor.Shape{3}, []int8{-2, 2, 44}) // truncation, then wrap: 300 mod 256 = 44
	out = run(t, "Cast", 13, []*ir.Attribute{intAttr("to", int64(tensor.Bool))}, tensor.From([]int64{0, -3, 5}))[0]
	check(t, out, tensor.Shape{3}, []bool{false, true, true})
	out = run(t, "Cast", 1, []*ir.Attribute{{Name: "to", Type: ir.AttrString, S: []byte("DOUBLE")}}, tensor.From([]bool{true, false}))[0]
	check(t, out, tensor.Shape{2}, []float64{1, 0})
	out = run(t, "CastLike", 15, nil, tensor.From([]uint8{255, 1}), tensor.Scalar(int16(0)))[0]
	check(t, out, tensor.Shape{2}, []int16{255, 1})
}

func TestModAndDiv(t *testing.T) {
	a := tensor.From([]int32{-7, 7, -7, 7})
	b := tensor.From([]int32{2, -2, -2, 2})
	// np.mod / np.fmod
	check(t, run(t, "Mod", 13, nil, a, b)[0], tensor.Shape{4}, []int32{1, -1, -1, 1})
	check(t, run(t, "Mod", 13, []*ir.Attribute{intAttr("fmod", 1)}, a, b)[0], tensor.Shape{4}, []int32{-1, 1, -1, 1})
	check(t, run(t, "Div", 14, nil, a, b)[0], tensor.Shape{4}, []int32{-3, -3, 3, 3})
	fa := tensor.From([]float32{-4.3, 4.3, -4.3, 4.3})
	fb := tensor.From([]float32{2.1, -2.1, -2.1, 2.1})
	check(t, run(t, "Mod", 13, []*ir.Attribute{intAttr("fmod", 1)}, fa, fb)[0], tensor.Shape{4},
		[]float32{-0.10000038, 0.10000038, -0.10000038, 0.10000038})
	check(t, run(t, "Mod", 13, nil, fa, fb)[0], tensor.Shape{4},
		[]float32{1.9999995, -1.9999995, -0.10000038, 0.10000038})
	// integer division by zero must not panic
	if _, err := tryRun("Div", 14, nil, 1, tensor.From([]int64{1}), tensor.From([]int64{0})); err != nil {
		t.Fatal(err)
	}
}

func TestPowMixed(t *testing.T) {
	check(t, run(t, "Pow", 15, nil, tensor.From([]int64{2, -3, 5}), tensor.From([]int64{10, 3, 0}))[0],
		tensor.Shape{3}, []int64{1024, -27, 1})
	check(t, run(t, "Pow", 15, nil, tensor.From([]int32{2, 3}), tensor.From([]float32{0.5, 2}))[0],
		tensor.Shape{2}, []int32{1, 9})
	check(t, run(t, "Pow", 15, nil, tensor.From([]float32{2, 3}), tensor.From([]int64{3, 2}))[0],
		tensor.Shape{2}, []float32{8, 9})
	if _, err := tryRun("Pow", 7, nil, 1, tensor.From([]float32{2}), tensor.From([]int64{3})); err == nil {
		t.Fatal("Pow-7 accepted mixed types")
	}
}

func TestBroadcasting(t *testing.T) {
	a := tensor.From([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b := tensor.From([]float32{10, 20, 30}, 3)
	check(t, run(t, "Add", 14, nil, a, b)[0], tensor.Shape{2, 3}, []float32{11, 22, 33, 14, 25, 36})
	c := tensor.From([]float32{10, 20}, 2, 1)
	check(t, run(t, "Sub", 14, nil, b, c)[0], tensor.Shape{2, 3}, []float32{0, 10, 20, -10, 0, 10})
	// legacy: B of shape [2] aligned at axis 0 of A [2,3]
	leg := run(t, "Mul", 6, []*ir.Attribute{intAttr("broadcast", 1), intAttr("axis", 0)}, a, tensor.From([]float32{1, 10}))[0]
	check(t, leg, tensor.Shape{2, 3}, []float32{1, 2, 3, 40, 50, 60})
	if _, err := tryRun("Add", 14, nil, 1, a, tensor.From([]float32{1, 2}, 2)); err == nil {
		t.Fatal("unbroadcastable shapes accepted")
	}
	if _, err := tryRun("Add", 14, nil, 1, a, tensor.From([]int32{1})); err == nil {
		t.Fatal("mixed types accepted")
	}
	// empty and scalar
	e := run(t, "Add", 14, nil, tensor.New(tensor.Float32, 0, 3), tensor.Scalar(float32(1)))[0]
	check(t, e, tensor.Shape{0, 3}, []float32{})
	check(t, run(t, "Greater", 13, nil, a, tensor.Scalar(float32(3)))[0], tensor.Shape{2, 3},
		[]bool{false, false, false, true, true, true})
}

func TestVariadic(t *testing.T) {
	a := tensor.From([]float32{3, 2, 1})
	b := tensor.From([]float32{1, 4, 4})
	c := tensor.From([]float32{2, 5, 3})
	check(t, run(t, "Sum", 13, nil, a, b, c)[0], tensor.Shape{3}, []float32{6, 11, 8})
	check(t, run(t, "Mean", 13, nil, a, b, c)[0], tensor.Shape{3}, []float32{2, 11.0 / 3, 8.0 / 3})
	check(t, run(t, "Max", 13, nil, a, tensor.Scalar(float32(2.5)))[0], tensor.Shape{3}, []float32{3, 2.5, 2.5})
	check(t, run(t, "Min", 13, nil, tensor.From([]int32{3, -2}), tensor.From([]int32{1}))[0], tensor.Shape{2}, []int32{1, -2})
}

func TestUnary(t *testing.T) {
	x := tensor.From([]float32{0.5, 1.5, 2.5, -0.5, -1.5, 2.3, -2.7})
	// np.round
	check(t, run(t, "Round", 11, nil, x)[0], tensor.Shape{7}, []float32{0, 2, 2, float32(math.Copysign(0, -1)), -2, 2, -3})
	check(t, run(t, "Abs", 13, nil, tensor.From([]int8{-128, -3, 4}))[0], tensor.Shape{3}, []int8{-128, 3, 4})
	check(t, run(t, "Relu", 14, nil, tensor.From([]int32{-3, 4}))[0], tensor.Shape{2}, []int32{0, 4})
	check(t, run(t, "Sign", 13, nil, tensor.From([]float64{-2, 0, 3}))[0], tensor.Shape{3}, []float64{-1, 0, 1})
	check(t, run(t, "IsInf", 10, []*ir.Attribute{intAttr("detect_negative", 0)},
		tensor.From([]float32{float32(math.Inf(-1)), float32(math.Inf(1)), 1}))[0], tensor.Shape{3}, []bool{false, true, false})
	check(t, run(t, "LeakyRelu", 16, []*ir.Attribute{floatAttr("alpha", 0.5)}, tensor.From([]float32{-2, 3}))[0],
		tensor.Shape{2}, []float32{-1, 3})
	check(t, run(t, "Shrink", 9, []*ir.Attribute{floatAttr("lambd", 1.5), floatAttr("bias", 1)},
		tensor.From([]float32{-2, -1, 0, 1, 2}))[0], tensor.Shape{5}, []float32{-1, 0, 0, 0, 1})
	// float16 computed in float32 and rounded back: sqrt(2) -> 0x3da8
	h := run(t, "Sqrt", 13, nil, tensor.From([]tensor.Float16Bits{tensor.ToFloat16(2)}, 1))[0]
	check(t, h, tensor.Shape{1}, []tensor.Float16Bits{0x3da8})
	if _, err := tryRun("Sqrt", 13, nil, 1, tensor.From([]int32{4})); err == nil {
		t.Fatal("Sqrt accepted int32")
	}
}

func TestClipPReluWhere(t *testing.T) {
	x := tensor.From([]int8{-128, -5, 0, 5, 127})
	check(t, run(t, "Clip", 13, nil, x, tensor.Scalar(int8(-3)), tensor.Scalar(int8(4)))[0], tensor.Shape{5}, []int8{-3, -3, 0, 4, 4})
	check(t, run(t, "Clip", 13, nil, x, nil, tensor.Scalar(int8(4)))[0], tensor.Shape{5}, []int8{-128, -5, 0, 4, 4})
	check(t, run(t, "Clip", 6, []*ir.Attribute{floatAttr("min", -1)}, tensor.From([]float32{-2, 0.5, 2}))[0],
		tensor.Shape{3}, []float32{-1, 0.5, 2})
	xs := tensor.From([]float32{-1, 2, -3, 4}, 2, 2)
	check(t, run(t, "PRelu", 16, nil, xs, tensor.From([]float32{0.5, 2}))[0], tensor.Shape{2, 2}, []float32{-0.5, 2, -1.5, 4})
	if _, err := tryRun("PRelu", 16, nil, 1, tensor.From([]float32{1, 2}), xs); err == nil {
		t.Fatal("PRelu broadcast the input to the slope's shape")
	}
	cond := tensor.From([]bool{true, false}, 2, 1)
	w := run(t, "Where", 16, nil, cond, tensor.FromStrings([]string{"a", "b"}), tensor.FromStrings([]string{"z"}))[0]
	if !reflect.DeepEqual(w.Strings(), []string{"a", "b", "z", "z"}) || !w.Shape().Equal(tensor.Shape{2, 2}) {
		t.Fatalf("Where got %v %q", w.Shape(), w.Strings())
	}
}

func TestDropout(t *testing.T) {
	x := tensor.From([]float32{1, -2, 3, 4, 5})
	outs, err := tryRun("Dropout", 13, nil, 2, x)
	if err != nil {
		t.Fatal(err)
	}
	check(t, outs[0], tensor.Shape{5}, []float32{1, -2, 3, 4, 5})
	check(t, outs[1], tensor.Shape{5}, []bool{true, true, true, true, true})
	// np.random.seed(0); np.random.uniform(0, 1, 5) >= 0.6 -> [F, T, T, F, F]; scale 2.5
	outs, err = tryRun("Dropout", 13, []*ir.Attribute{intAttr("seed", 0)}, 2, x, tensor.Scalar(float32(0.6)), tensor.Scalar(true))
	if err != nil {
		t.Fatal(err)
	}
	check(t, outs[1], tensor.Shape{5}, []bool{false, true, true, false, false})
	g := outs[0].Float32s()
	if g[0] != 0 || g[1] != -2*float32(1/(1-float32(0.6))) || g[3] != 0 {
		t.Fatalf("got %v", g)
	}
}

// TestNoPanics feeds every operator of the family inputs of every dtype,
// rank and count; kernels may refuse them but must never panic, and a
// planned form must agree with the allocating kernel.
func TestNoPanics(t *testing.T) {
	dtypes := []tensor.DType{tensor.Float32, tensor.Float64, tensor.Float16, tensor.BFloat16, tensor.Int8, tensor.Int16,
		tensor.Int32, tensor.Int64, tensor.Uint8, tensor.Uint16, tensor.Uint32, tensor.Uint64, tensor.Bool, tensor.String}
	shapes := []tensor.Shape{{}, {2, 3}, {3}, {0, 3}, {2, 1}}
	mk := func(dt tensor.DType, s tensor.Shape, seed int) *tensor.Tensor {
		x := tensor.New(dt, s...)
		if dt == tensor.String {
			for i := range x.Strings() {
				x.Strings()[i] = []string{"1.5", "-2", "inf", "x"}[(i+seed)%4]
			}
			return x
		}
		b := x.Bytes()
		for i := range b {
			b[i] = byte(i*37 + seed*11)
			if dt == tensor.Bool {
				b[i] &= 1
			}
		}
		return x
	}
	type variant struct {
		op    string
		attrs []*ir.Attribute
	}
	var variants []variant
	for _, info := range testReg.List() {
		variants = append(variants, variant{info.Op, nil})
	}
	for _, dt := range dtypes {
		variants = append(variants, variant{"Cast", []*ir.Attribute{intAttr("to", int64(dt))}})
	}
	variants = append(variants,
		variant{"BitShift", []*ir.Attribute{{Name: "direction", Type: ir.AttrString, S: []byte("LEFT")}}},
		variant{"Mod", []*ir.Attribute{intAttr("fmod", 1)}},
		variant{"Add", []*ir.Attribute{intAttr("broadcast", 1), intAttr("axis", 1)}},
		variant{"Add", []*ir.Attribute{intAttr("broadcast", 1), intAttr("axis", -7)}})
	opsets := map[string][]int64{}
	for _, info := range testReg.List() {
		opsets[info.Op] = info.Sinces
	}
	for _, v := range variants {
		for _, opset := range opsets[v.op] {
			if opset > 17 {
				continue
			}
			for nin := 1; nin <= 3; nin++ {
				for _, dt := range dtypes {
					for _, dt2 := range []tensor.DType{dt, tensor.Int64, tensor.Float32, tensor.Bool} {
						for si, s := range shapes {
							in := make([]*tensor.Tensor, nin)
							for k := range in {
								d, sh := dt, s
								if k > 0 {
									d, sh = dt2, shapes[(si+k)%len(shapes)]
								}
								in[k] = mk(d, sh, k)
							}
							func() {
								defer func() {
									if r := recover(); r != nil {
										t.Fatalf("%s-%d %v inputs %v: panic: %v", v.op, opset, v.attrs, in, r)
									}
								}()
								checkPlanned(t, v.op, opset, v.attrs, 2, in...)
							}()
						}
					}
				}
			}
		}
	}
}

func TestHugeBroadcastIsAnError(t *testing.T) {
	big := tensor.Shape{1 << 21, 1}
	x, err := tensor.FromBytes(tensor.Uint8, big, make([]byte, 1<<21))
	if err != nil {
		t.Fatal(err)
	}
	y, _ := x.Reshape(1, 1<<21)
	if _, err := tryRun("Add", 14, nil, 1, x, y); err == nil {
		t.Fatal("2^42-element broadcast accepted")
	}
}
