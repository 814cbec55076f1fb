package signal

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

// specCase is one DFT or STFT node with its inputs, and the former
// (legacy) binder of the op beside the current one.
type specCase struct {
	op     string
	opset  int64
	attrs  []*ir.Attribute
	in     []*tensor.Tensor
	bind   ops.BindFunc
	legacy ops.BindFunc
}

func (c *specCase) String() string {
	s := fmt.Sprintf("%s-%d(", c.op, c.opset)
	for i, x := range c.in {
		if i > 0 {
			s += ", "
		}
		switch {
		case x == nil:
			s += "nil"
		case x.Len() == 1 && !x.DType().IsFloat():
			s += fmt.Sprint(x)
		default:
			s += fmt.Sprintf("%v%v", x.DType(), x.Shape())
		}
	}
	s += ")"
	for _, a := range c.attrs {
		s += fmt.Sprintf(" %s=%d", a.Name, a.I)
	}
	return s
}

// impl binds the case's node with bind, through a registry of its own.
func (c *specCase) impl(bind ops.BindFunc) (ops.Impl, error) {
	r := ops.NewRegistry()
	r.ClaimOpset("", 20)
	r.Register("", c.op, 1, bind)
	n := &ir.Node{OpType: c.op, Attrs: c.attrs, Outputs: []string{"y"}}
	for i, x := range c.in {
		name := ""
		if x != nil {
			name = fmt.Sprint("in", i)
		}
		n.Inputs = append(n.Inputs, name)
	}
	return r.Bind(&ops.Node{Node: n, Opset: c.opset})
}

func (c *specCase) planned(t testing.TB) *ops.Planned {
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

func (c *specCase) former() (*tensor.Tensor, error) {
	impl, err := c.impl(c.legacy)
	if err != nil {
		return nil, err
	}
	out, err := impl.Tensor(c.in)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// specRun is an executor's view of one planned step: the output spec and
// tensor, reused while the shape stays.
type specRun struct {
	specs [1]ops.OutSpec
	out   [1]*tensor.Tensor
}

// run infers and runs p on in; with garbage the output is first filled
// with bytes no transform produces, so that an unwritten element shows.
func (r *specRun) run(p *ops.Planned, in []*tensor.Tensor, garbage bool) error {
	if err := p.Infer(in, r.specs[:]); err != nil {
		return err
	}
	s := &r.specs[0]
	if o := r.out[0]; o == nil || o.DType() != s.DType || !o.Shape().Equal(s.Shape) {
		r.out[0] = tensor.New(s.DType, s.Shape...)
	}
	if garbage {
		b := r.out[0].Bytes()
		for i := range b {
			b[i] = 0xa5
		}
	}
	return p.Run(in, r.out[:])
}

// specSameBits reports how got differs from want. Any NaN matches any
// NaN: which NaN an operation on two NaNs returns depends on the
// compiler's operand order, which Go leaves open.
func specSameBits(got, want *tensor.Tensor) error {
	if got.DType() != want.DType() || !got.Shape().Equal(want.Shape()) {
		return fmt.Errorf("got %v%v, want %v%v", got.DType(), got.Shape(), want.DType(), want.Shape())
	}
	if string(got.Bytes()) == string(want.Bytes()) {
		return nil
	}
	g, _ := tensor.ToFloat64(got)
	w, _ := tensor.ToFloat64(want)
	for i := range g {
		if math.Float64bits(g[i]) != math.Float64bits(w[i]) && !(math.IsNaN(g[i]) && math.IsNaN(w[i])) {
			return fmt.Errorf("element %d is %v, want %v", i, g[i], w[i])
		}
	}
	return nil
}

func specRand(rng *rand.Rand, dt tensor.DType, shape ...int) *tensor.Tensor {
	vals := make([]float64, tensor.Shape(shape).NumElements())
	for i := range vals {
		vals[i] = rng.NormFloat64() * 3
		if rng.Intn(60) == 0 {
			vals[i] = []float64{math.NaN(), math.Inf(1), 0, math.Copysign(0, -1), 1e38}[rng.Intn(5)]
		}
	}
	y, err := tensor.FromFloat64(dt, shape, vals)
	if err != nil {
		panic(err)
	}
	return y
}

func specInt(name string, v int64) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrInt, I: v}
}

// specRandomCases are random DFT-17, DFT-20 and STFT nodes over every
// float type, real and complex input, radix-2, direct and Bluestein
// lengths, valid and not.
func specRandomCases(rng *rand.Rand) []*specCase {
	dts := []tensor.DType{tensor.Float32, tensor.Float32, tensor.Float64, tensor.Float16, tensor.BFloat16}
	lens := []int{0, 1, 2, 3, 5, 8, 16, 31, 64, 65, 100, 128, 129}
	var cases []*specCase
	for range 300 {
		rank := 2 + rng.Intn(3)
		s := make([]int, rank)
		for i := range s[:rank-1] {
			s[i] = 1 + rng.Intn(3)
		}
		axis := rng.Intn(rank - 1)
		s[axis] = lens[rng.Intn(len(lens))]
		s[rank-1] = 1 + rng.Intn(2)
		if rng.Intn(30) == 0 {
			s[rank-1] = 3
		}
		var attrs []*ir.Attribute
		if rng.Intn(2) == 0 {
			attrs = append(attrs, specInt("inverse", 1))
		}
		if rng.Intn(2) == 0 {
			attrs = append(attrs, specInt("onesided", 1))
		}
		in := []*tensor.Tensor{specRand(rng, dts[rng.Intn(len(dts))], s...)}
		switch rng.Intn(4) {
		case 1:
			in = append(in, tensor.Scalar(int64(lens[1+rng.Intn(len(lens)-1)])))
		case 2:
			in = append(in, tensor.From([]int32{int32(lens[1+rng.Intn(len(lens)-1)])}, 1))
		case 3:
			in = append(in, nil)
		}
		ax := int64(axis - rng.Intn(2)*rank)
		cases = append(cases, &specCase{op: "DFT", opset: 17, attrs: append(attrs, specInt("axis", ax)), in: in,
			bind: bindDFT, legacy: legacyBindDFT})
		in20 := append(in[:1:1], ops.Input(in, 1))
		if rng.Intn(4) != 0 {
			in20 = append(in20, tensor.Scalar(ax))
		}
		cases = append(cases, &specCase{op: "DFT", opset: 20, attrs: attrs, in: in20, bind: bindDFT20, legacy: legacyBindDFT20})

		n := lens[rng.Intn(len(lens))]
		sig := specRand(rng, dts[rng.Intn(len(dts))], rng.Intn(3), n, 1+rng.Intn(2))
		in = []*tensor.Tensor{sig, tensor.Scalar(int64(1 + rng.Intn(20)))}
		if rng.Intn(10) == 0 {
			in[1] = tensor.Scalar(int64(rng.Intn(3) - 1))
		}
		fl := 1 + rng.Intn(n+1)
		switch rng.Intn(3) {
		case 0:
			in = append(in, nil, tensor.Scalar(int64(fl)))
		case 1:
			in = append(in, specRand(rng, dts[rng.Intn(len(dts))], fl))
		case 2:
			in = append(in, specRand(rng, dts[rng.Intn(len(dts))], fl), tensor.From([]int32{int32(fl)}, 1))
		}
		var sattrs []*ir.Attribute
		if rng.Intn(2) == 0 {
			sattrs = append(sattrs, specInt("onesided", int64(rng.Intn(2))))
		}
		cases = append(cases, &specCase{op: "STFT", opset: 17, attrs: sattrs, in: in, bind: bindSTFT, legacy: legacyBindSTFT})
	}
	return cases
}

// TestSpectralPlannedMatchesLegacy runs random nodes through the planned
// kernel (into garbage-filled outputs, twice) and its allocating form:
// each must fail when the former kernel failed and otherwise reproduce
// its bits.
func TestSpectralPlannedMatchesLegacy(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	ok := map[string]int{}
	for _, c := range specRandomCases(rng) {
		if _, lerr := c.impl(c.legacy); lerr != nil {
			// Refused at binding: the current binder must refuse too.
			if _, err := c.impl(c.bind); err == nil {
				t.Errorf("%v: binds, the former binder refused: %v", c, lerr)
			}
			continue
		}
		want, werr := c.former()
		p := c.planned(t)
		var r specRun
		err := r.run(p, c.in, true)
		if (err != nil) != (werr != nil) {
			t.Errorf("%v: planned error %v, former error %v", c, err, werr)
			continue
		}
		if err != nil {
			continue
		}
		ok[fmt.Sprint(c.op, c.opset)]++
		if e := specSameBits(r.out[0], want); e != nil {
			t.Errorf("%v: %v", c, e)
			continue
		}
		got := r.out[0].Clone()
		if err := r.run(p, c.in, true); err != nil {
			t.Errorf("%v: second run: %v", c, err)
		} else if string(r.out[0].Bytes()) != string(got.Bytes()) {
			t.Errorf("%v: second run differs", c)
		}
		impl, err := c.impl(c.bind)
		if err != nil {
			t.Fatal(err)
		}
		if y, err := impl.Tensor(c.in); err != nil {
			t.Errorf("%v: allocating form: %v", c, err)
		} else if string(y[0].Bytes()) != string(got.Bytes()) {
			t.Errorf("%v: allocating form differs from the planned one", c)
		}
	}
	for _, k := range []string{"DFT17", "DFT20", "STFT17"} {
		if ok[k] < 100 {
			t.Errorf("%s: only %d valid random cases", k, ok[k])
		}
	}
}

// specSteadyCases are typical float32 nodes at size s (s and s+1 give the
// two shapes of the concurrency test).
func specSteadyCases(s int) []*specCase {
	rng := rand.New(rand.NewSource(int64(s)))
	f32 := tensor.Float32
	return []*specCase{
		{op: "DFT", opset: 17, attrs: []*ir.Attribute{specInt("onesided", 1)}, in: []*tensor.Tensor{specRand(rng, f32, 2, 256, 1)},
			bind: bindDFT, legacy: legacyBindDFT},
		{op: "DFT", opset: 17, attrs: []*ir.Attribute{specInt("inverse", 1)}, in: []*tensor.Tensor{specRand(rng, f32, 2, 90+s, 2)},
			bind: bindDFT, legacy: legacyBindDFT},
		{op: "DFT", opset: 17, attrs: []*ir.Attribute{specInt("axis", 2)}, in: []*tensor.Tensor{specRand(rng, f32, 3, 4, 20+s, 2), tensor.Scalar(int64(30))},
			bind: bindDFT, legacy: legacyBindDFT},
		{op: "DFT", opset: 20, in: []*tensor.Tensor{specRand(rng, f32, 2, 8*s, 1), nil, tensor.Scalar(int64(1))},
			bind: bindDFT20, legacy: legacyBindDFT20},
		{op: "STFT", opset: 17, in: []*tensor.Tensor{specRand(rng, f32, 1, 400*s, 1), tensor.Scalar(int64(128)), specRand(rng, f32, 256)},
			bind: bindSTFT, legacy: legacyBindSTFT},
		{op: "STFT", opset: 17, attrs: []*ir.Attribute{specInt("onesided", 0)},
			in:   []*tensor.Tensor{specRand(rng, f32, 2, 40*s, 2), tensor.Scalar(int64(7)), nil, tensor.Scalar(int64(30))},
			bind: bindSTFT, legacy: legacyBindSTFT},
	}
}

// TestSpectralPlannedSteadyStateAllocatesNothing runs Infer and Run again
// on the shapes of the previous run and counts allocations.
func TestSpectralPlannedSteadyStateAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	for _, c := range specSteadyCases(10) {
		p := c.planned(t)
		var r specRun
		for range 3 {
			if err := r.run(p, c.in, false); err != nil {
				t.Fatalf("%v: %v", c, err)
			}
		}
		// One allocation in total is tolerated: the Go runtime very rarely
		// allocates for its own bookkeeping during a loop.
		if n := allocs.InRuns(t, 20, func() error { return r.run(p, c.in, false) }); n > 1 {
			t.Errorf("%v: %d allocations in 20 steady-state runs, want 0", c, n)
		}
	}
}

// TestSpectralPlannedConcurrentShapes runs each bound kernel from several
// goroutines on two shapes at once (meant for -race): every result must
// match the former kernel's.
func TestSpectralPlannedConcurrentShapes(t *testing.T) {
	small, large := specSteadyCases(3), specSteadyCases(4)
	for ci := range small {
		pair := [2]*specCase{small[ci], large[ci]}
		var want [2]*tensor.Tensor
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
				var r [2]specRun
				for it := range 20 {
					i := (g + it) % 2
					if err := r[i].run(p, pair[i].in, true); err != nil {
						errs <- fmt.Errorf("%v: %v", pair[i], err)
						return
					}
					if err := specSameBits(r[i].out[0], want[i]); err != nil {
						errs <- fmt.Errorf("%v: %v", pair[i], err)
						return
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
