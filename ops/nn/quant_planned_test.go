package nn

import (
	"fmt"
	"math"
	"math/rand"
	"sync"
	"testing"

	"github.com/sinter-ml/sinter/internal/allocs"
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// quantCase is one node of a quantization op with its inputs, and the
// former (legacy) binder of the op beside the current one.
type quantCase struct {
	op     string
	opset  int64
	nout   int
	attrs  []*ir.Attribute
	in     []*tensor.Tensor
	bind   ops.BindFunc
	legacy ops.BindFunc
}

func (c *quantCase) String() string {
	s := fmt.Sprintf("%s-%d(", c.op, c.opset)
	for i, x := range c.in {
		if i > 0 {
			s += ", "
		}
		if x == nil {
			s += "nil"
		} else {
			s += fmt.Sprintf("%v%v", x.DType(), x.Shape())
		}
	}
	s += ")"
	for _, a := range c.attrs {
		s += fmt.Sprintf(" %s=%d%v", a.Name, a.I, a.Ints)
	}
	return s
}

// impl binds the case's node with bind (through a registry of its own, so
// that the op's current registration does not matter).
func (c *quantCase) impl(bind ops.BindFunc) (ops.Impl, error) {
	r := ops.NewRegistry()
	r.ClaimOpset("", 21)
	r.Register("", c.op, 1, bind)
	n := &ir.Node{OpType: c.op, Attrs: c.attrs}
	for i, x := range c.in {
		name := ""
		if x != nil {
			name = fmt.Sprint("in", i)
		}
		n.Inputs = append(n.Inputs, name)
	}
	for i := 0; i < c.nout; i++ {
		n.Outputs = append(n.Outputs, fmt.Sprint("out", i))
	}
	return r.Bind(&ops.Node{Node: n, Opset: c.opset})
}

// planned binds the current kernel and returns its planned form.
func (c *quantCase) planned(t testing.TB) *ops.Planned {
	t.Helper()
	impl, err := c.impl(c.bind)
	if err != nil {
		t.Fatalf("%v: %v", c, err)
	}
	if impl.Planned == nil {
		t.Fatalf("%v: no planned form", c)
	}
	return impl.Planned
}

// former runs the legacy kernel.
func (c *quantCase) former() ([]*tensor.Tensor, error) {
	impl, err := c.impl(c.legacy)
	if err != nil {
		return nil, err
	}
	return impl.Tensor(c.in)
}

// quantRun is an executor's view of one planned step: output specs and
// tensors reused from run to run while the shapes stay.
type quantRun struct {
	specs []ops.OutSpec
	outs  []*tensor.Tensor
}

// run infers and runs p on in; with garbage the outputs are first filled
// with bytes no kernel produces, so that an element Run leaves unwritten
// shows.
func (r *quantRun) run(p *ops.Planned, in []*tensor.Tensor, nout int, garbage bool) error {
	if len(r.specs) != nout {
		r.specs = make([]ops.OutSpec, nout)
		r.outs = make([]*tensor.Tensor, nout)
	}
	if err := p.Infer(in, r.specs); err != nil {
		return err
	}
	for i, s := range r.specs {
		if o := r.outs[i]; o == nil || o.DType() != s.DType || !o.Shape().Equal(s.Shape) {
			r.outs[i] = tensor.New(s.DType, s.Shape...)
		}
		if garbage {
			b := r.outs[i].Bytes()
			for j := range b {
				b[j] = 0xa5
			}
		}
	}
	return p.Run(in, r.outs)
}

// quantSameBits reports how got differs from want: type, shape or bits
// (any NaN matching any NaN).
func quantSameBits(got, want *tensor.Tensor) error {
	if got.DType() != want.DType() || !got.Shape().Equal(want.Shape()) {
		return fmt.Errorf("got %v%v, want %v%v", got.DType(), got.Shape(), want.DType(), want.Shape())
	}
	if string(got.Bytes()) == string(want.Bytes()) {
		return nil
	}
	if got.DType().IsFloat() {
		g, _ := tensor.ToFloat64(got)
		w, _ := tensor.ToFloat64(want)
		for i := range g {
			if math.Float64bits(g[i]) != math.Float64bits(w[i]) && !(math.IsNaN(g[i]) && math.IsNaN(w[i])) {
				return fmt.Errorf("element %d is %v, want %v", i, g[i], w[i])
			}
		}
		return nil
	}
	for i, b := range got.Bytes() {
		if b != want.Bytes()[i] {
			return fmt.Errorf("byte %d is %#x, want %#x", i, b, want.Bytes()[i])
		}
	}
	return nil
}

// quantRand makes a tensor of random values: any byte for 8-bit types,
// mostly small values for int32 and floats, with now and then a special
// one (NaN, ±Inf, ±0, a rounding tie, a huge value).
func quantRand(rng *rand.Rand, dt tensor.DType, shape ...int) *tensor.Tensor {
	x := tensor.New(dt, shape...)
	switch dt {
	case tensor.Uint8, tensor.Int8:
		for i := range x.Bytes() {
			x.Bytes()[i] = byte(rng.Intn(256))
		}
		return x
	case tensor.Int32:
		for i := range x.Int32s() {
			if rng.Intn(4) == 0 {
				x.Int32s()[i] = int32(rng.Uint32())
			} else {
				x.Int32s()[i] = int32(rng.Intn(2000) - 1000)
			}
		}
		return x
	}
	special := []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 1e30, -1e30, 0.5, 2.5, -2.5, 127.5, 255.5, -128.5}
	vals := make([]float64, x.Len())
	for i := range vals {
		switch rng.Intn(10) {
		case 0:
			vals[i] = special[rng.Intn(len(special))]
		case 1, 2:
			vals[i] = float64(rng.Intn(600) - 300)
		default:
			vals[i] = rng.NormFloat64() * 50
		}
	}
	y, err := tensor.FromFloat64(dt, x.Shape(), vals)
	if err != nil {
		panic(err)
	}
	return y
}

// quantScale makes random scales: mostly positive, now and then 0,
// negative or tiny.
func quantScale(rng *rand.Rand, dt tensor.DType, shape ...int) *tensor.Tensor {
	vals := make([]float64, tensor.Shape(shape).NumElements())
	for i := range vals {
		switch rng.Intn(12) {
		case 0:
			vals[i] = 0
		case 1:
			vals[i] = -rng.Float64()
		case 2:
			vals[i] = 1e-30
		default:
			vals[i] = rng.Float64()*3 + 0.001
		}
	}
	y, err := tensor.FromFloat64(dt, shape, vals)
	if err != nil {
		panic(err)
	}
	return y
}

// quantRandomCases are random nodes of every op, valid and not.
func quantRandomCases(rng *rand.Rand) []*quantCase {
	var cases []*quantCase
	floats := []tensor.DType{tensor.Float32, tensor.Float32, tensor.Float32, tensor.Float64, tensor.Float16, tensor.BFloat16}
	for range 300 {
		rank := rng.Intn(5)
		xs := make([]int, rank)
		for i := range xs {
			xs[i] = 1 + rng.Intn(5)
			if rng.Intn(8) == 0 {
				xs[i] = 0
			}
		}
		axis := int64(1)
		var attrs []*ir.Attribute
		if rng.Intn(3) != 0 {
			axis = int64(rng.Intn(2*max(rank, 1)+1) - max(rank, 1))
			attrs = append(attrs, iattr("axis", axis))
		}
		opset := []int64{10, 13}[rng.Intn(2)]
		scShape := []int{}
		if ax := axis + int64(rank)*int64(b2i(axis < 0)); rank > 0 && rng.Intn(2) == 0 {
			if ax >= 0 && ax < int64(rank) {
				scShape = []int{xs[ax]}
			} else {
				scShape = []int{3}
			}
		} else if rng.Intn(3) == 0 {
			scShape = []int{1}
		}
		xdt := floats[rng.Intn(len(floats))]
		if rng.Intn(5) == 0 {
			xdt = tensor.Int32
		}
		sc := quantScale(rng, floats[rng.Intn(len(floats))], scShape...)
		in := []*tensor.Tensor{quantRand(rng, xdt, xs...), sc}
		switch rng.Intn(4) {
		case 1:
			in = append(in, quantRand(rng, tensor.Uint8, scShape...))
		case 2:
			in = append(in, quantRand(rng, tensor.Int8, scShape...))
		case 3:
			in = append(in, nil)
		}
		cases = append(cases, &quantCase{op: "QuantizeLinear", opset: opset, nout: 1, attrs: attrs, in: in,
			bind: bindQuantizeLinear, legacy: qrefBindQuantizeLinear})

		qdt := []tensor.DType{tensor.Uint8, tensor.Int8, tensor.Int32}[rng.Intn(3)]
		in = []*tensor.Tensor{quantRand(rng, qdt, xs...), sc}
		switch rng.Intn(4) {
		case 1:
			in = append(in, quantRand(rng, qdt, scShape...))
		case 2:
			in = append(in, nil)
		case 3:
			in[0] = quantRand(rng, tensor.Float32, xs...) // a type it refuses
		}
		cases = append(cases, &quantCase{op: "DequantizeLinear", opset: opset, nout: 1, attrs: attrs, in: in,
			bind: bindDequantizeLinear, legacy: qrefBindDequantizeLinear})

		x := quantRand(rng, floats[rng.Intn(len(floats))], xs...)
		if rng.Intn(8) == 0 {
			clear(x.Bytes())
		}
		cases = append(cases, &quantCase{op: "DynamicQuantizeLinear", opset: 11, nout: 3, in: []*tensor.Tensor{x},
			bind: bindDynamicQuantizeLinear, legacy: qrefBindDynamicQuantizeLinear})
	}
	cases = append(cases, quantConvCases(rng, 300)...)
	cases = append(cases, quantMatMulCases(rng, 300)...)
	return cases
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// quantConvCases are random ConvInteger and QLinearConv nodes over 1 to 3
// spatial axes, with groups, strides, dilations, padding and zero points
// per tensor or per output channel.
func quantConvCases(rng *rand.Rand, count int) []*quantCase {
	var cases []*quantCase
	pads := []string{"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"}
	q8 := []tensor.DType{tensor.Uint8, tensor.Int8}
	ints := func(n, lo, hi int) []int64 {
		v := make([]int64, n)
		for i := range v {
			v[i] = int64(lo + rng.Intn(hi-lo+1))
		}
		return v
	}
	for range count {
		d := 1 + rng.Intn(3)
		group, cg, mg := 1+rng.Intn(3), 1+rng.Intn(3), 1+rng.Intn(3)
		xs := []int{rng.Intn(3), cg * group}
		ws := []int{mg * group, cg}
		if rng.Intn(20) == 0 {
			ws[1]++
		}
		for range d {
			xs = append(xs, rng.Intn(8))
			ws = append(ws, 1+rng.Intn(3))
		}
		attrs := []*ir.Attribute{sattr("auto_pad", pads[rng.Intn(4)]), iattr("group", int64(group))}
		if rng.Intn(2) == 0 {
			attrs = append(attrs, intsattr("strides", ints(d, 1, 3)...))
		}
		if rng.Intn(2) == 0 {
			attrs = append(attrs, intsattr("dilations", ints(d, 1, 3)...))
		}
		if rng.Intn(2) == 0 {
			attrs = append(attrs, intsattr("pads", ints(2*d, 0, 3)...))
		}
		xdt, wdt := q8[rng.Intn(2)], q8[rng.Intn(2)]
		x, w := quantRand(rng, xdt, xs...), quantRand(rng, wdt, ws...)
		var xzp, wzp *tensor.Tensor
		if rng.Intn(3) != 0 {
			xzp = quantRand(rng, xdt)
		}
		switch rng.Intn(4) {
		case 1:
			wzp = quantRand(rng, wdt)
		case 2, 3:
			wzp = quantRand(rng, wdt, ws[0])
		}
		in := []*tensor.Tensor{x, w, xzp, wzp}
		for len(in) > 2 && in[len(in)-1] == nil && rng.Intn(2) == 0 {
			in = in[:len(in)-1]
		}
		cases = append(cases, &quantCase{op: "ConvInteger", opset: 10, nout: 1, attrs: attrs, in: in,
			bind: bindConvInteger, legacy: qrefBindConvInteger})

		if xzp == nil {
			xzp = quantRand(rng, xdt)
		}
		if wzp == nil {
			wzp = quantRand(rng, wdt)
		}
		wsc := quantScale(rng, tensor.Float32)
		if rng.Intn(2) == 0 {
			wsc = quantScale(rng, tensor.Float32, ws[0])
		}
		xsc := tensor.Scalar(float32(rng.Float64()*0.1 + 0.001))
		ysc := tensor.Scalar(float32(rng.Float64()*20 + 0.5))
		in = []*tensor.Tensor{x, xsc, xzp, w, wsc, wzp, ysc, quantRand(rng, q8[rng.Intn(2)])}
		if rng.Intn(2) == 0 {
			in = append(in, quantRand(rng, tensor.Int32, ws[0]))
		}
		cases = append(cases, &quantCase{op: "QLinearConv", opset: 10, nout: 1, attrs: attrs, in: in,
			bind: bindQLinearConv, legacy: qrefBindQLinearConv})
	}
	return cases
}

// quantMatMulCases are random MatMulInteger and QLinearMatMul nodes:
// operands of rank 1 to 4 with broadcast batches, zero points and scales
// per tensor, row, column or any broadcast.
func quantMatMulCases(rng *rand.Rand, count int) []*quantCase {
	var cases []*quantCase
	q8 := []tensor.DType{tensor.Uint8, tensor.Int8}
	for range count {
		m, k, n := rng.Intn(6), rng.Intn(6), rng.Intn(6)
		ar, br := 1+rng.Intn(4), 1+rng.Intn(4)
		var as, bs []int
		for range ar - 2 {
			as = append(as, 1+rng.Intn(3))
		}
		for range br - 2 {
			bs = append(bs, 1+rng.Intn(3))
		}
		if rng.Intn(2) == 0 && len(as) > 0 && len(bs) > 0 {
			bs[len(bs)-1] = as[len(as)-1]
		}
		if ar >= 2 {
			as = append(as, m, k)
		} else {
			as = append(as, k)
		}
		if br >= 2 {
			bs = append(bs, k, n)
		} else {
			bs = append(bs, k)
		}
		if rng.Intn(20) == 0 {
			bs[0]++
		}
		adt, bdt := q8[rng.Intn(2)], q8[rng.Intn(2)]
		a, b := quantRand(rng, adt, as...), quantRand(rng, bdt, bs...)
		zp := func(x *tensor.Tensor, perRow bool) *tensor.Tensor {
			xs, dt := x.Shape(), x.DType()
			if rng.Intn(25) == 0 {
				dt = q8[rng.Intn(2)]
			}
			switch rng.Intn(6) {
			case 0:
				return nil
			case 1:
				return quantRand(rng, dt)
			case 2:
				if perRow && len(xs) >= 2 {
					return quantRand(rng, dt, xs[len(xs)-2])
				}
				return quantRand(rng, dt, xs[len(xs)-1])
			case 3:
				return quantRand(rng, dt, xs[len(xs)-1])
			case 4:
				s := make([]int, len(xs))
				for i := range s {
					s[i] = 1
					if rng.Intn(2) == 0 {
						s[i] = xs[i]
					}
				}
				return quantRand(rng, dt, s...)
			}
			return quantRand(rng, dt, 1)
		}
		azp, bzp := zp(a, true), zp(b, false)
		cases = append(cases, &quantCase{op: "MatMulInteger", opset: 10, nout: 1, in: []*tensor.Tensor{a, b, azp, bzp},
			bind: bindMatMulInteger, legacy: qrefBindMatMulInteger})

		if azp == nil {
			azp = quantRand(rng, adt)
		}
		if bzp == nil {
			bzp = quantRand(rng, bdt)
		}
		sc := func(x *tensor.Tensor, perRow bool) *tensor.Tensor {
			xs := x.Shape()
			switch rng.Intn(5) {
			case 0, 1:
				return quantScale(rng, tensor.Float32)
			case 2:
				if len(xs) < 2 {
					return quantScale(rng, tensor.Float32, 1)
				}
				if perRow {
					return quantScale(rng, tensor.Float32, xs[len(xs)-2])
				}
				return quantScale(rng, tensor.Float32, xs[len(xs)-1])
			case 3:
				if len(xs) >= 2 && perRow {
					return quantScale(rng, tensor.Float32, xs[len(xs)-2], 1)
				}
				if len(xs) >= 2 {
					return quantScale(rng, tensor.Float32, 1, xs[len(xs)-1])
				}
				return quantScale(rng, tensor.Float32, 1)
			}
			return quantScale(rng, tensor.Float32, 1+rng.Intn(4))
		}
		ys := tensor.Scalar(float32(rng.Float64()*50 + 0.5))
		in := []*tensor.Tensor{a, sc(a, true), azp, b, sc(b, false), bzp, ys, quantRand(rng, q8[rng.Intn(2)])}
		cases = append(cases, &quantCase{op: "QLinearMatMul", opset: []int64{10, 21}[rng.Intn(2)], nout: 1, in: in,
			bind: bindQLinearMatMul, legacy: qrefBindQLinearMatMul})
	}
	return cases
}

// TestQuantPlannedMatchesLegacy runs random nodes of every op through the
// planned kernel (into garbage-filled outputs, twice) and its allocating
// form: each must fail when the former kernel failed and otherwise
// reproduce its bits.
func TestQuantPlannedMatchesLegacy(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	ok := map[string]int{}
	for _, c := range quantRandomCases(rng) {
		if _, lerr := c.impl(c.legacy); lerr != nil {
			// Refused at binding: the current binder must refuse too.
			if _, err := c.impl(c.bind); err == nil {
				t.Errorf("%v: binds, the former binder refused: %v", c, lerr)
			}
			continue
		}
		want, werr := c.former()
		p := c.planned(t)
		var r quantRun
		err := r.run(p, c.in, c.nout, true)
		if (err != nil) != (werr != nil) {
			t.Errorf("%v: planned error %v, former error %v", c, err, werr)
			continue
		}
		if err != nil {
			continue
		}
		ok[c.op]++
		for i := range want {
			if e := quantSameBits(r.outs[i], want[i]); e != nil {
				t.Errorf("%v: output %d: %v", c, i, e)
			}
		}
		if err := r.run(p, c.in, c.nout, true); err != nil {
			t.Errorf("%v: second run: %v", c, err)
		} else if e := quantSameBits(r.outs[0], want[0]); e != nil {
			t.Errorf("%v: second run: %v", c, e)
		}
		impl, err := c.impl(c.bind)
		if err != nil {
			t.Fatal(err)
		}
		got, err := impl.Tensor(c.in)
		if err != nil {
			t.Errorf("%v: allocating form: %v", c, err)
			continue
		}
		for i := range want {
			if e := quantSameBits(got[i], want[i]); e != nil {
				t.Errorf("%v: allocating form, output %d: %v", c, i, e)
			}
		}
	}
	for _, op := range []string{"QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "ConvInteger", "QLinearConv", "MatMulInteger", "QLinearMatMul"} {
		if ok[op] < 50 {
			t.Errorf("%s: only %d valid random cases", op, ok[op])
		}
	}
}

// quantSteadyCases are typical nodes of each op (float32 values, uint8 and
// int8 quantized ones) at size s: s and s+1 give the two shapes of the
// concurrency test.
func quantSteadyCases(s int) []*quantCase {
	rng := rand.New(rand.NewSource(int64(s)))
	f32, u8, i8 := tensor.Float32, tensor.Uint8, tensor.Int8
	x := quantRand(rng, f32, 1, 8, s, s)
	perCh := quantScale(rng, f32, 8)
	w := quantRand(rng, i8, 16, 8, 3, 3)
	conv := []*ir.Attribute{intsattr("pads", 1, 1, 1, 1), intsattr("strides", 2, 1)}
	return []*quantCase{
		{op: "QuantizeLinear", opset: 13, nout: 1, in: []*tensor.Tensor{x, tensor.Scalar(float32(0.05)), tensor.Scalar(uint8(128))},
			bind: bindQuantizeLinear, legacy: qrefBindQuantizeLinear},
		{op: "QuantizeLinear", opset: 13, nout: 1, in: []*tensor.Tensor{x, perCh, quantRand(rng, i8, 8)},
			bind: bindQuantizeLinear, legacy: qrefBindQuantizeLinear},
		{op: "QuantizeLinear", opset: 10, nout: 1, in: []*tensor.Tensor{quantRand(rng, tensor.Int32, 4, s), tensor.Scalar(float32(3))},
			bind: bindQuantizeLinear, legacy: qrefBindQuantizeLinear},
		{op: "DequantizeLinear", opset: 13, nout: 1, in: []*tensor.Tensor{quantRand(rng, u8, 1, 8, s, s), tensor.Scalar(float32(0.05)), tensor.Scalar(uint8(3))},
			bind: bindDequantizeLinear, legacy: qrefBindDequantizeLinear},
		{op: "DequantizeLinear", opset: 13, nout: 1, attrs: []*ir.Attribute{iattr("axis", 1)}, in: []*tensor.Tensor{quantRand(rng, i8, 2, 8, s), perCh, quantRand(rng, i8, 8)},
			bind: bindDequantizeLinear, legacy: qrefBindDequantizeLinear},
		{op: "DequantizeLinear", opset: 13, nout: 1, in: []*tensor.Tensor{quantRand(rng, tensor.Int32, s, 16), tensor.Scalar(float32(0.001))},
			bind: bindDequantizeLinear, legacy: qrefBindDequantizeLinear},
		{op: "DynamicQuantizeLinear", opset: 11, nout: 3, in: []*tensor.Tensor{quantRand(rng, f32, s, 100)},
			bind: bindDynamicQuantizeLinear, legacy: qrefBindDynamicQuantizeLinear},
		{op: "ConvInteger", opset: 10, nout: 1, attrs: conv,
			in:   []*tensor.Tensor{quantRand(rng, u8, 1, 8, s, s), w, tensor.Scalar(uint8(7)), quantRand(rng, i8, 16)},
			bind: bindConvInteger, legacy: qrefBindConvInteger},
		{op: "ConvInteger", opset: 10, nout: 1, attrs: []*ir.Attribute{iattr("group", 2)},
			in:   []*tensor.Tensor{quantRand(rng, i8, 2, 8, s, s), quantRand(rng, i8, 6, 4, 1, 1)},
			bind: bindConvInteger, legacy: qrefBindConvInteger},
		{op: "QLinearConv", opset: 10, nout: 1, attrs: conv,
			in: []*tensor.Tensor{quantRand(rng, u8, 1, 8, s, s), tensor.Scalar(float32(0.02)), tensor.Scalar(uint8(128)),
				w, quantScale(rng, f32, 16), tensor.Scalar(int8(0)), tensor.Scalar(float32(0.3)), tensor.Scalar(uint8(100)),
				quantRand(rng, tensor.Int32, 16)},
			bind: bindQLinearConv, legacy: qrefBindQLinearConv},
		{op: "MatMulInteger", opset: 10, nout: 1,
			in:   []*tensor.Tensor{quantRand(rng, u8, s, 24), quantRand(rng, u8, 24, 16), quantRand(rng, u8, s), quantRand(rng, u8, 16)},
			bind: bindMatMulInteger, legacy: qrefBindMatMulInteger},
		{op: "MatMulInteger", opset: 10, nout: 1,
			in:   []*tensor.Tensor{quantRand(rng, i8, 2, 1, s, 5), quantRand(rng, u8, 3, 5, 6), tensor.Scalar(int8(-3))},
			bind: bindMatMulInteger, legacy: qrefBindMatMulInteger},
		{op: "QLinearMatMul", opset: 10, nout: 1,
			in: []*tensor.Tensor{quantRand(rng, u8, s, 24), tensor.Scalar(float32(0.02)), tensor.Scalar(uint8(128)),
				quantRand(rng, i8, 24, 16), tensor.Scalar(float32(0.01)), tensor.Scalar(int8(1)), tensor.Scalar(float32(0.1)), tensor.Scalar(uint8(120))},
			bind: bindQLinearMatMul, legacy: qrefBindQLinearMatMul},
		{op: "QLinearMatMul", opset: 10, nout: 1,
			in: []*tensor.Tensor{quantRand(rng, i8, 2, s, 24), quantScale(rng, f32, s), quantRand(rng, i8, s),
				quantRand(rng, i8, 24, 16), quantScale(rng, f32, 16), quantRand(rng, i8, 16), tensor.Scalar(float32(0.1)), tensor.Scalar(int8(-1))},
			bind: bindQLinearMatMul, legacy: qrefBindQLinearMatMul},
	}
}

// TestQuantPlannedSteadyStateAllocatesNothing runs Infer and Run again on
// the shapes of the previous run and counts allocations.
func TestQuantPlannedSteadyStateAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	for _, c := range quantSteadyCases(10) {
		if _, err := c.former(); err != nil {
			t.Fatalf("%v: %v", c, err)
		}
		p := c.planned(t)
		var r quantRun
		for range 3 {
			if err := r.run(p, c.in, c.nout, false); err != nil {
				t.Fatalf("%v: %v", c, err)
			}
		}
		// One allocation in total is tolerated: the Go runtime very rarely
		// allocates for its own bookkeeping during a loop.
		if n := allocs.InRuns(t, 20, func() error { return r.run(p, c.in, c.nout, false) }); n > 1 {
			t.Errorf("%v: %d allocations in 20 steady-state runs, want 0", c, n)
		}
	}
}

// TestQuantPlannedConcurrentShapes runs each bound kernel from several
// goroutines on two shapes at once (meant for -race): every result must
// match the former kernel's.
func TestQuantPlannedConcurrentShapes(t *testing.T) {
	small, large := quantSteadyCases(6), quantSteadyCases(7)
	for ci := range small {
		pair := [2]*quantCase{small[ci], large[ci]}
		var want [2][]*tensor.Tensor
		for i, c := range pair {
			w, err := c.former()
			if err != nil {
				t.Fatalf("%v: %v", c, err)
			}
			want[i] = w
		}
		p := pair[0].planned(t)
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var r [2]quantRun
				for it := range 20 {
					i := (g + it) % 2
					c := pair[i]
					if err := r[i].run(p, c.in, c.nout, true); err != nil {
						errs <- fmt.Errorf("%v: %v", c, err)
						return
					}
					for o := range want[i] {
						if err := quantSameBits(r[i].outs[o], want[i][o]); err != nil {
							errs <- fmt.Errorf("%v: output %d: %v", c, o, err)
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
}
