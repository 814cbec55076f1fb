package image

import (
	"fmt"
	"math"
	"math/rand"
	"sync"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// run resizes x into a new tensor: the allocating form, for tests and
// benchmarks that drive a resizeOp directly.
func (r *resizeOp) run(x, roiT, scalesT, sizesT *tensor.Tensor) (*tensor.Tensor, error) {
	var o ops.OutSpec
	if err := r.infer(x, roiT, scalesT, sizesT, &o); err != nil {
		return nil, err
	}
	y := tensor.New(o.DType, o.Shape...)
	if err := r.runInto(x, roiT, scalesT, sizesT, y); err != nil {
		return nil, err
	}
	return y, nil
}

// bindPlanned binds op-opset with attrs, nin declared inputs (those nil
// in in are omitted) and one output on pool, and checks it has a planned
// form.
func bindPlanned(t testing.TB, op string, opset int64, pool *parallel.Pool, in []*tensor.Tensor, attrs ...*ir.Attribute) ops.Impl {
	t.Helper()
	r := ops.NewRegistry()
	r.ClaimOpset("", 19)
	Register(r)
	n := &ir.Node{OpType: op, Attrs: attrs, Outputs: []string{"y"}}
	for i, v := range in {
		name := fmt.Sprint("in", i)
		if v == nil {
			name = ""
		}
		n.Inputs = append(n.Inputs, name)
	}
	impl, err := r.Bind(&ops.Node{Node: n, Opset: opset, Pool: pool})
	if err != nil {
		t.Fatal(err)
	}
	if impl.Planned == nil {
		t.Fatalf("%s-%d has no planned form", op, opset)
	}
	return impl
}

// garbage fills t with bytes no resize produces (NaN for float32), as an
// executor's reused arena holds: Run must write every element.
func garbage(t *tensor.Tensor) {
	switch t.DType() {
	case tensor.String:
		for i := range t.Strings() {
			t.Strings()[i] = "garbage"
		}
	case tensor.Float32:
		for i := range t.Float32s() {
			t.Float32s()[i] = float32(math.NaN())
		}
	default:
		for i := range t.Bytes() {
			t.Bytes()[i] = 0x5a
		}
	}
}

// runPlanned infers and runs impl's planned form on in into a new tensor
// filled with garbage.
func runPlanned(impl ops.Impl, in []*tensor.Tensor) (*tensor.Tensor, error) {
	specs := make([]ops.OutSpec, 1)
	if err := impl.Planned.Infer(in, specs); err != nil {
		return nil, err
	}
	y := tensor.New(specs[0].DType, specs[0].Shape...)
	garbage(y)
	if err := impl.Planned.Run(in, []*tensor.Tensor{y}); err != nil {
		return nil, err
	}
	return y, nil
}

// sameTensor reports whether a and b hold the same type, shape and bits.
func sameTensor(a, b *tensor.Tensor) bool {
	if a.DType() != b.DType() || !a.Shape().Equal(b.Shape()) {
		return false
	}
	if a.DType() == tensor.String {
		for i, s := range a.Strings() {
			if b.Strings()[i] != s {
				return false
			}
		}
		return true
	}
	return string(a.Bytes()) == string(b.Bytes())
}

func randTensor(rng *rand.Rand, dt tensor.DType, shape ...int) *tensor.Tensor {
	x := tensor.New(dt, shape...)
	switch dt {
	case tensor.Float32:
		for i := range x.Float32s() {
			x.Float32s()[i] = float32(rng.NormFloat64())
		}
	case tensor.String:
		for i := range x.Strings() {
			x.Strings()[i] = fmt.Sprint(rng.Intn(100))
		}
	default:
		for i := range x.Bytes() {
			x.Bytes()[i] = byte(rng.Intn(256))
		}
	}
	return x
}

// resizeCase is one Resize or Upsample node with its inputs.
type resizeCase struct {
	name  string
	op    string
	opset int64
	attrs []*ir.Attribute
	in    []*tensor.Tensor
}

func (c resizeCase) String() string {
	return fmt.Sprintf("%s (%s-%d on %v)", c.name, c.op, c.opset, c.in[0].Shape())
}

// TestResizePlannedAllocs checks that the planned form, run after run on
// the same shapes, allocates nothing: Infer reads scales and sizes in
// place, the axis plans come from the kernel's cache and the scratch from
// pools. It covers the float32 NCHW fast paths, on one goroutine and split
// over a pool, and the general paths (other ranks and types).
func TestResizePlannedAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	pool := parallel.New(parallel.Options{Threads: 4})
	defer pool.Close()
	rng := rand.New(rand.NewSource(3))
	img := randTensor(rng, tensor.Float32, 1, 24, 40, 40)
	scales2 := tensor.From([]float32{1, 1, 2, 2}, 4)
	linear := strAttr("mode", "linear")
	cases := []resizeCase{
		{"nearest scales", "Resize", 11, nil, []*tensor.Tensor{img, tensor.From([]float32{}, 0), scales2}},
		{"nearest asymmetric floor", "Resize", 13, []*ir.Attribute{strAttr("coordinate_transformation_mode", "asymmetric"), strAttr("nearest_mode", "floor")},
			[]*tensor.Tensor{img, nil, scales2}},
		{"nearest sizes", "Resize", 13, nil, []*tensor.Tensor{img, nil, nil, tensor.From([]int64{1, 24, 57, 31}, 4)}},
		{"upsample nearest", "Upsample", 9, nil, []*tensor.Tensor{img, scales2}},
		{"upsample-7 nearest", "Upsample", 7, []*ir.Attribute{{Name: "scales", Type: ir.AttrFloats, Floats: []float32{1, 1, 2, 2}}}, []*tensor.Tensor{img}},
		{"linear scales", "Resize", 13, []*ir.Attribute{linear}, []*tensor.Tensor{img, nil, scales2}},
		{"linear sizes", "Resize", 13, []*ir.Attribute{linear}, []*tensor.Tensor{img, nil, nil, tensor.From([]int32{1, 24, 23, 71}, 4)}},
		{"cubic", "Resize", 13, []*ir.Attribute{strAttr("mode", "cubic")}, []*tensor.Tensor{img, nil, scales2}},
		{"linear antialias axes", "Resize", 18, []*ir.Attribute{linear, intAttr("antialias", 1), {Name: "axes", Type: ir.AttrInts, Ints: []int64{2, 3}}},
			[]*tensor.Tensor{img, nil, tensor.From([]float32{0.4, 0.7}, 2)}},
		{"linear crop", "Resize", 13, []*ir.Attribute{linear, strAttr("coordinate_transformation_mode", "tf_crop_and_resize")},
			[]*tensor.Tensor{img, tensor.From([]float32{0, 0, -0.2, 0.1, 1, 1, 0.9, 1.3}, 8), nil, tensor.From([]int64{1, 24, 30, 50}, 4)}},
		// General paths: rank 3, and types other than float32.
		{"linear rank 3", "Resize", 13, []*ir.Attribute{linear}, []*tensor.Tensor{randTensor(rng, tensor.Float32, 6, 20, 30), nil, tensor.From([]float32{1, 1.5, 0.5}, 3)}},
		{"linear float16", "Resize", 13, []*ir.Attribute{linear}, []*tensor.Tensor{randTensor(rng, tensor.Float16, 1, 4, 10, 10), nil, scales2}},
		{"nearest int32 crop", "Resize", 13, []*ir.Attribute{strAttr("coordinate_transformation_mode", "tf_crop_and_resize")},
			[]*tensor.Tensor{randTensor(rng, tensor.Int32, 2, 9, 7), tensor.From([]float32{0, -0.3, 0.2, 1, 0.8, 1.4}, 6), nil, tensor.From([]int64{2, 12, 11}, 3)}},
	}
	for _, c := range cases {
		for _, p := range []*parallel.Pool{nil, pool} {
			impl := bindPlanned(t, c.op, c.opset, p, c.in, c.attrs...)
			specs := make([]ops.OutSpec, 1)
			if err := impl.Planned.Infer(c.in, specs); err != nil {
				t.Fatalf("%v: %v", c, err)
			}
			out := []*tensor.Tensor{tensor.New(specs[0].DType, specs[0].Shape...)}
			step := func() {
				if err := impl.Planned.Infer(c.in, specs); err != nil {
					t.Fatal(err)
				}
				if err := impl.Planned.Run(c.in, out); err != nil {
					t.Fatal(err)
				}
			}
			for range 3 {
				step() // build the plans, fill the pools
			}
			if a := testing.AllocsPerRun(20, step); a != 0 {
				t.Errorf("%v (pool %v): %v allocations per run", c, p != nil, a)
			}
		}
	}
}

// TestResizePlannedConcurrent runs one bound kernel from several
// goroutines at once on more signatures than its cache holds, so that
// entries are built, shared and replaced while other runs read them; every
// result must equal a fresh single-threaded kernel's, bit for bit. Run it
// with -race.
func TestResizePlannedConcurrent(t *testing.T) {
	pool := parallel.New(parallel.Options{Threads: 4})
	defer pool.Close()
	rng := rand.New(rand.NewSource(4))
	// Signatures share input shapes (told apart by scales) and scales
	// (told apart by shapes).
	shapes := [][]int{{1, 3, 17, 23}, {2, 5, 9, 12}, {1, 3, 17, 23}, {1, 4, 6, 6}, {2, 5, 9, 12}, {1, 8, 16, 16}}
	scales := [][]float32{{1, 1, 2, 2}, {1, 1, 1.5, 0.75}, {1, 1, 0.5, 3}, {1, 1, 2.5, 2.5}, {1, 1, 2, 2}, {1, 1, 1, 0.6}}
	for _, mode := range []string{"nearest", "linear", "cubic"} {
		for _, p := range []*parallel.Pool{nil, pool} {
			attrs := []*ir.Attribute{strAttr("mode", mode)}
			var ins [][]*tensor.Tensor
			for i, s := range shapes {
				ins = append(ins, []*tensor.Tensor{randTensor(rng, tensor.Float32, s...), nil, tensor.From(scales[i], 4)})
			}
			want := make([]*tensor.Tensor, len(ins))
			for i, in := range ins {
				fresh := bindPlanned(t, "Resize", 13, nil, in, attrs...)
				y, err := fresh.Tensor(in)
				if err != nil {
					t.Fatal(err)
				}
				want[i] = y[0]
			}
			shared := bindPlanned(t, "Resize", 13, p, ins[0], attrs...)
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for g := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for it := range 30 {
						i := (g + it) % len(ins)
						if g%2 == 1 {
							i = (g * it) % len(ins)
						}
						y, err := runPlanned(shared, ins[i])
						if err == nil && !sameTensor(y, want[i]) {
							err = fmt.Errorf("%s on %v (pool %v): result differs from a fresh single-threaded run", mode, shapes[i], p != nil)
						}
						if err != nil {
							errs <- err
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
}

// TestResizePlannedMatchesKernel runs random Resize nodes of every opset
// through the planned form, into outputs full of garbage, and through the
// allocating kernel, which must agree bit for bit, also when the plans
// come from the cache or when a new signature must not hit it.
func TestResizePlannedMatchesKernel(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	ctms := []string{"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize", "tf_half_pixel_for_nn", "half_pixel_symmetric"}
	dts := []tensor.DType{tensor.Float32, tensor.Float32, tensor.Float64, tensor.Float16, tensor.Int32, tensor.Uint8, tensor.String}
	runs := 0
	for iter := 0; iter < 1500; iter++ {
		opset := []int64{10, 11, 13, 18, 19}[rng.Intn(5)]
		rank := 1 + rng.Intn(4)
		shape := make([]int, rank)
		for i := range shape {
			shape[i] = 1 + rng.Intn(7)
		}
		dt := dts[rng.Intn(len(dts))]
		x := randTensor(rng, dt, shape...)
		mode := []string{"nearest", "linear", "cubic"}[rng.Intn(3)]
		if dt == tensor.String || (opset == 10 && mode == "cubic") {
			mode = "nearest"
		}
		attrs := []*ir.Attribute{strAttr("mode", mode)}
		ctm := ctms[rng.Intn(len(ctms))]
		if opset < 19 && ctm == "half_pixel_symmetric" {
			ctm = "asymmetric"
		}
		nax := rank
		if opset >= 11 {
			attrs = append(attrs, strAttr("coordinate_transformation_mode", ctm),
				strAttr("nearest_mode", []string{"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}[rng.Intn(4)]),
				intAttr("exclude_outside", int64(rng.Intn(2))),
				&ir.Attribute{Name: "extrapolation_value", Type: ir.AttrFloat, F: float32(rng.NormFloat64())})
		}
		if opset >= 18 {
			attrs = append(attrs, intAttr("antialias", int64(rng.Intn(2))),
				strAttr("keep_aspect_ratio_policy", []string{"stretch", "not_larger", "not_smaller"}[rng.Intn(3)]))
			if rng.Intn(2) == 0 {
				axes := []int64{int64(rank - 1)}
				if rank > 1 && rng.Intn(2) == 0 {
					axes = append(axes, -2)
				}
				nax = len(axes)
				attrs = append(attrs, &ir.Attribute{Name: "axes", Type: ir.AttrInts, Ints: axes})
			}
		}
		useSizes := opset > 10 && rng.Intn(2) == 0
		inputs := func() []*tensor.Tensor {
			sc := make([]float32, nax)
			sz := make([]int64, nax)
			roi := make([]float32, 2*nax)
			for i := range nax {
				sc[i] = []float32{1, 2, 3, 0.5, float32(0.3 + 2*rng.Float64())}[rng.Intn(5)]
				sz[i] = int64(1 + rng.Intn(12))
				roi[i], roi[nax+i] = float32(rng.Float64()*0.6-0.3), float32(0.5+rng.Float64()*0.8)
			}
			switch {
			case opset == 10:
				return []*tensor.Tensor{x, tensor.From(sc, nax)}
			case useSizes:
				return []*tensor.Tensor{x, tensor.From(roi, 2*nax), nil, tensor.From(sz, nax)}
			}
			return []*tensor.Tensor{x, tensor.From(roi, 2*nax), tensor.From(sc, nax)}
		}
		// The kernel runs one input twice (the second run takes the cached
		// plans), then another input for the same x: that one must not be
		// served plans cached for the first, so it is held to a fresh kernel.
		impl := bindPlanned(t, "Resize", opset, nil, inputs(), attrs...)
		in := inputs()
		for rep := range 3 {
			ref := impl
			if rep == 2 {
				in = inputs()
				ref = bindPlanned(t, "Resize", opset, nil, in, attrs...)
			}
			want, err := ref.Tensor(in)
			got, gerr := runPlanned(impl, in)
			if (err == nil) != (gerr == nil) {
				t.Fatalf("iter %d: kernel error %v, planned error %v", iter, err, gerr)
			}
			if err != nil {
				continue
			}
			if !sameTensor(got, want[0]) {
				t.Fatalf("iter %d run %d (Resize-%d %s %s on %v%v): planned result differs from the kernel's", iter, rep, opset, mode, ctm, dt, shape)
			}
			runs++
		}
	}
	if runs < 3000 {
		t.Fatalf("only %d planned runs succeeded", runs)
	}
}
