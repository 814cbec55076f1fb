package image

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

// smpCase is one GridSample or RoiAlign node with its inputs, and the
// former (legacy) binder of the op beside the current one.
type smpCase struct {
	op     string
	opset  int64
	attrs  []*ir.Attribute
	in     []*tensor.Tensor
	bind   ops.BindFunc
	legacy ops.BindFunc
}

func (c *smpCase) String() string {
	s := fmt.Sprintf("%s-%d(", c.op, c.opset)
	for i, x := range c.in {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%v%v", x.DType(), x.Shape())
	}
	s += ")"
	for _, a := range c.attrs {
		if a.Type == ir.AttrString {
			s += fmt.Sprintf(" %s=%s", a.Name, a.S)
		} else {
			s += fmt.Sprintf(" %s=%v", a.Name, a.I)
		}
	}
	return s
}

// impl binds the case's node with bind, through a registry of its own.
func (c *smpCase) impl(bind ops.BindFunc) (ops.Impl, error) {
	r := ops.NewRegistry()
	r.ClaimOpset("", 20)
	r.Register("", c.op, 1, bind)
	n := &ir.Node{OpType: c.op, Attrs: c.attrs, Outputs: []string{"y"}}
	for i := range c.in {
		n.Inputs = append(n.Inputs, fmt.Sprint("in", i))
	}
	return r.Bind(&ops.Node{Node: n, Opset: c.opset})
}

func (c *smpCase) planned(t testing.TB) *ops.Planned {
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

func (c *smpCase) former() (*tensor.Tensor, error) {
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

// smpRun is an executor's view of one planned step: the output spec and
// tensor, reused while the shape stays.
type smpRun struct {
	specs [1]ops.OutSpec
	out   [1]*tensor.Tensor
}

// run infers and runs p on in; with garbage the output is first filled
// with bytes no sampler produces, so that an unwritten element shows.
func (r *smpRun) run(p *ops.Planned, in []*tensor.Tensor, garbage bool) error {
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

// smpSameBits reports how got differs from want (any NaN matching any
// NaN: Go leaves open which NaN an operation on two NaNs returns).
func smpSameBits(got, want *tensor.Tensor) error {
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

// smpRand makes values uniform in ±scale with now and then a special one.
func smpRand(rng *rand.Rand, dt tensor.DType, scale float64, shape ...int) *tensor.Tensor {
	vals := make([]float64, tensor.Shape(shape).NumElements())
	for i := range vals {
		vals[i] = (rng.Float64()*2 - 1) * scale
		if rng.Intn(40) == 0 {
			vals[i] = []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), 1e30, -1e30, 1, -1}[rng.Intn(9)]
		}
	}
	y, err := tensor.FromFloat64(dt, shape, vals)
	if err != nil {
		panic(err)
	}
	return y
}

func smpStr(name, v string) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrString, S: []byte(v)}
}

// smpGridCase is a GridSample node of opset 16 or 20.
func smpGridCase(opset int64, mode, padding string, alignCorners int64, x, grid *tensor.Tensor) *smpCase {
	c := &smpCase{op: "GridSample", opset: opset, in: []*tensor.Tensor{x, grid},
		attrs: []*ir.Attribute{smpStr("mode", mode), smpStr("padding_mode", padding), intAttr("align_corners", alignCorners)}}
	c.bind, c.legacy = bindGridSample, legacyBindGridSample
	if opset >= 20 {
		c.bind, c.legacy = bindGridSample20, legacyBindGridSample20
	}
	return c
}

// smpRoiCase is a RoiAlign node of opset 10 or 16.
func smpRoiCase(opset int64, attrs []*ir.Attribute, x, rois, batch *tensor.Tensor) *smpCase {
	return &smpCase{op: "RoiAlign", opset: opset, attrs: attrs, in: []*tensor.Tensor{x, rois, batch},
		bind: bindRoiAlign(opset), legacy: legacyBindRoiAlign(opset)}
}

// smpRandomCases are random GridSample-16, GridSample-20 (1 to 3 spatial
// axes) and RoiAlign nodes over float and other element types, with
// points and rois inside, outside and not finite.
func smpRandomCases(rng *rand.Rand) []*smpCase {
	var cases []*smpCase
	xdts := []tensor.DType{tensor.Float32, tensor.Float32, tensor.Float64, tensor.Float16, tensor.Int32, tensor.Uint8}
	gdts := []tensor.DType{tensor.Float32, tensor.Float32, tensor.Float64, tensor.Float16}
	pads := []string{"zeros", "border", "reflection"}
	for range 400 {
		r := 2
		nd := rng.Intn(3) == 0
		if nd {
			r = 1 + rng.Intn(3)
		}
		xs, gs := []int{rng.Intn(3), 1 + rng.Intn(3)}, []int{0}
		gs[0] = xs[0]
		for range r {
			xs = append(xs, rng.Intn(6))
			gs = append(gs, rng.Intn(5))
		}
		gs = append(gs, r)
		x := smpRand(rng, xdts[rng.Intn(len(xdts))], 10, xs...)
		grid := smpRand(rng, gdts[rng.Intn(len(gdts))], 1.6, gs...)
		pad, ac := pads[rng.Intn(3)], int64(rng.Intn(2))
		if !nd {
			cases = append(cases, smpGridCase(16, []string{"bilinear", "nearest", "bicubic"}[rng.Intn(3)], pad, ac, x, grid))
		}
		cases = append(cases, smpGridCase(20, []string{"linear", "nearest", "cubic"}[rng.Intn(3)], pad, ac, x, grid))
	}
	fdts := []tensor.DType{tensor.Float32, tensor.Float32, tensor.Float64, tensor.Float16, tensor.BFloat16}
	for range 400 {
		N, C, H, W := 1+rng.Intn(3), 1+rng.Intn(3), rng.Intn(8), rng.Intn(8)
		nr := rng.Intn(4)
		rois := smpRand(rng, fdts[rng.Intn(len(fdts))], 6, nr, 4)
		if rng.Intn(4) != 0 {
			rd, _ := tensor.ToFloat64(rois)
			for i := range rd {
				rd[i] = math.Abs(rd[i])
			}
			rois, _ = tensor.FromFloat64(rois.DType(), rois.Shape(), rd)
		}
		var batch *tensor.Tensor
		if rng.Intn(2) == 0 {
			v := make([]int64, nr)
			for i := range v {
				v[i] = int64(rng.Intn(N + rng.Intn(2)))
			}
			batch = tensor.From(v, nr)
		} else {
			v := make([]int32, nr)
			for i := range v {
				v[i] = int32(rng.Intn(N))
			}
			batch = tensor.From(v, nr)
		}
		attrs := []*ir.Attribute{smpStr("mode", []string{"avg", "max"}[rng.Intn(2)]),
			intAttr("output_height", int64(1+rng.Intn(4))), intAttr("output_width", int64(1+rng.Intn(4))),
			intAttr("sampling_ratio", int64(rng.Intn(3))),
			{Name: "spatial_scale", Type: ir.AttrFloat, F: float32(rng.Float64() * 2)}}
		opset := []int64{10, 16}[rng.Intn(2)]
		if opset == 16 {
			attrs = append(attrs, smpStr("coordinate_transformation_mode", []string{"half_pixel", "output_half_pixel"}[rng.Intn(2)]))
		}
		cases = append(cases, smpRoiCase(opset, attrs, smpRand(rng, fdts[rng.Intn(len(fdts))], 10, N, C, H, W), rois, batch))
	}
	return cases
}

// TestSamplePlannedMatchesLegacy runs random nodes through the planned
// kernel (into garbage-filled outputs, twice) and its allocating form:
// each must fail when the former kernel failed and otherwise reproduce
// its bits.
func TestSamplePlannedMatchesLegacy(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	ok := map[string]int{}
	for _, c := range smpRandomCases(rng) {
		if _, lerr := c.impl(c.legacy); lerr != nil {
			// Refused at binding: the current binder must refuse too.
			if _, err := c.impl(c.bind); err == nil {
				t.Errorf("%v: binds, the former binder refused: %v", c, lerr)
			}
			continue
		}
		want, werr := c.former()
		p := c.planned(t)
		var r smpRun
		err := r.run(p, c.in, true)
		if (err != nil) != (werr != nil) {
			t.Errorf("%v: planned error %v, former error %v", c, err, werr)
			continue
		}
		if err != nil {
			continue
		}
		ok[fmt.Sprint(c.op, c.opset)]++
		if e := smpSameBits(r.out[0], want); e != nil {
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
	for _, k := range []string{"GridSample16", "GridSample20", "RoiAlign10", "RoiAlign16"} {
		if ok[k] < 100 {
			t.Errorf("%s: only %d valid random cases", k, ok[k])
		}
	}
}

// smpSteadyCases are typical float32 nodes at size s (s and s+1 give the
// two shapes of the concurrency test).
func smpSteadyCases(s int) []*smpCase {
	rng := rand.New(rand.NewSource(int64(s)))
	f32 := tensor.Float32
	x := smpRand(rng, f32, 5, 2, 4, s, s+2)
	grid := smpRand(rng, f32, 1.2, 2, 7, s-3, 2)
	var cases []*smpCase
	for _, mode := range []string{"bilinear", "nearest", "bicubic"} {
		for _, pad := range []string{"zeros", "border", "reflection"} {
			cases = append(cases, smpGridCase(16, mode, pad, int64(len(cases)%2), x, grid))
		}
	}
	x5 := smpRand(rng, f32, 5, 1, 3, 4, s, 5)
	grid5 := smpRand(rng, f32, 1.2, 1, 3, s-2, 4, 3)
	cases = append(cases,
		smpGridCase(20, "linear", "border", 0, x, grid),
		smpGridCase(20, "linear", "zeros", 1, x5, grid5),
		smpGridCase(20, "nearest", "reflection", 0, x5, grid5))
	rois := tensor.From([]float32{0, 0, 5, 6, 1.5, 2, 8, 7, 3, 1, 4, 9}[:4*(s%3+1)], s%3+1, 4)
	batch := tensor.From([]int64{0, 1, 1}[:s%3+1], s%3+1)
	cases = append(cases,
		smpRoiCase(16, []*ir.Attribute{intAttr("output_height", 3), intAttr("output_width", 4), intAttr("sampling_ratio", 2)}, x, rois, batch),
		smpRoiCase(10, []*ir.Attribute{smpStr("mode", "max"), intAttr("output_height", 2), intAttr("output_width", 2),
			{Name: "spatial_scale", Type: ir.AttrFloat, F: 0.5}}, x, rois, tensor.From([]int32{0, 1, 0}[:s%3+1], s%3+1)))
	return cases
}

// TestSamplePlannedSteadyStateAllocatesNothing runs Infer and Run again
// on the shapes of the previous run and counts allocations.
func TestSamplePlannedSteadyStateAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	for _, c := range smpSteadyCases(9) {
		p := c.planned(t)
		var r smpRun
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

// TestSamplePlannedConcurrentShapes runs each bound kernel from several
// goroutines on two shapes at once (meant for -race): every result must
// match the former kernel's.
func TestSamplePlannedConcurrentShapes(t *testing.T) {
	small, large := smpSteadyCases(7), smpSteadyCases(8)
	for ci := range small {
		pair := [2]*smpCase{small[ci], large[ci]}
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
				var r [2]smpRun
				for it := range 20 {
					i := (g + it) % 2
					if err := r[i].run(p, pair[i].in, true); err != nil {
						errs <- fmt.Errorf("%v: %v", pair[i], err)
						return
					}
					if err := smpSameBits(r[i].out[0], want[i]); err != nil {
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
