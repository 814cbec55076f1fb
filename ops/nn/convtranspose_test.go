package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// bindConvT binds ConvTranspose (opset 11) with pool; the inputs at the
// positions in consts are graph constants (taken from in), as the compiler
// marks initializers.
func bindConvT(t testing.TB, pool *parallel.Pool, attrs []*ir.Attribute, in []*tensor.Tensor, consts ...int) ops.Impl {
	t.Helper()
	n := &ops.Node{Node: &ir.Node{OpType: "ConvTranspose", Attrs: attrs, Outputs: []string{"y"}}, Opset: 11, Pool: pool,
		Consts: make([]*tensor.Tensor, len(in))}
	for i := range in {
		n.Inputs = append(n.Inputs, fmt.Sprint("in", i))
	}
	for _, i := range consts {
		n.Consts[i] = in[i]
	}
	impl, err := registry().Bind(n)
	if err != nil {
		t.Fatal(err)
	}
	if impl.Planned == nil {
		t.Fatal("ConvTranspose has no planned form")
	}
	return impl
}

// plannedRun runs impl's planned form as the executor does: Infer into
// specs, then Run into out, reallocated (and NaN-filled, so that an
// element left unwritten shows) only when the inferred shape changes.
func plannedRun(impl ops.Impl, in []*tensor.Tensor, specs []ops.OutSpec, out []*tensor.Tensor) error {
	if err := impl.Planned.Infer(in, specs); err != nil {
		return err
	}
	if out[0] == nil || out[0].DType() != specs[0].DType || !out[0].Shape().Equal(specs[0].Shape) {
		out[0] = tensor.New(specs[0].DType, specs[0].Shape...)
		if specs[0].DType == tensor.Float32 {
			for i := range out[0].Float32s() {
				out[0].Float32s()[i] = float32(math.NaN())
			}
		}
	}
	return impl.Planned.Run(in, out)
}

func randF32(rng *rand.Rand, s ...int) *tensor.Tensor {
	x := tensor.New(tensor.Float32, s...)
	for i := range x.Float32s() {
		x.Float32s()[i] = float32(rng.NormFloat64())
	}
	return x
}

func to64T(x *tensor.Tensor) *tensor.Tensor {
	v := make([]float64, x.Len())
	for i, f := range x.Float32s() {
		v[i] = float64(f)
	}
	return tensor.From(v, x.Shape()...)
}

// convTCase is a float32 ConvTranspose: attributes, X's shape, W's shape,
// and whether it has a bias.
type convTCase struct {
	name   string
	attrs  []*ir.Attribute
	xs, ws []int
	bias   bool
}

var convTCases = []convTCase{
	// The DB head of PaddleOCR's detector: 2×2 stride 2, with a bias.
	{"2x2s2", []*ir.Attribute{intsattr("strides", 2, 2)}, []int{1, 24, 20, 20}, []int{24, 24, 2, 2}, true},
	{"2x2s2-to-1", []*ir.Attribute{intsattr("strides", 2, 2)}, []int{1, 24, 40, 40}, []int{24, 1, 2, 2}, true},
	{"3x3s2-grouped", []*ir.Attribute{iattr("group", 4), intsattr("strides", 2, 2), intsattr("pads", 1, 1, 1, 1), intsattr("output_padding", 1, 1)},
		[]int{2, 8, 9, 7}, []int{8, 3, 3, 3}, true},
	{"1d-same", []*ir.Attribute{sattr("auto_pad", "SAME_UPPER"), intsattr("strides", 3)}, []int{2, 4, 11}, []int{4, 5, 4}, false},
}

func (c convTCase) inputs(rng *rand.Rand) []*tensor.Tensor {
	in := []*tensor.Tensor{randF32(rng, c.xs...), randF32(rng, c.ws...)}
	if c.bias {
		group := 1
		for _, a := range c.attrs {
			if a.Name == "group" {
				group = int(a.I)
			}
		}
		in = append(in, randF32(rng, c.ws[1]*group))
	}
	return in
}

// TestConvTransposePlanned holds the planned float32 ConvTranspose (W
// constant and packed at bind time, or a run-time input; one thread or
// three) bit for bit to the same kernel with W unpacked on one thread,
// and to the float64 generic path within float32 rounding, writing every
// element of a NaN-filled output.
func TestConvTransposePlanned(t *testing.T) {
	three := parallel.New(parallel.Options{Threads: 3})
	defer three.Close()
	rng := rand.New(rand.NewPCG(21, 22))
	for _, c := range convTCases {
		in := c.inputs(rng)
		ref, err := bindConvT(t, nil, c.attrs, in).Tensor(in)
		if err != nil {
			t.Fatal(err)
		}
		in64 := make([]*tensor.Tensor, len(in))
		for i, x := range in {
			in64[i] = to64T(x)
		}
		want64, err := bindConvT(t, nil, c.attrs, in64).Tensor(in64)
		if err != nil {
			t.Fatal(err)
		}
		for _, pool := range []*parallel.Pool{nil, three} {
			for _, constW := range []bool{false, true} {
				var consts []int
				if constW {
					consts = []int{1, 2}[:len(in)-1]
				}
				impl := bindConvT(t, pool, c.attrs, in, consts...)
				specs, out := make([]ops.OutSpec, 1), make([]*tensor.Tensor, 1)
				if err := plannedRun(impl, in, specs, out); err != nil {
					t.Fatal(err)
				}
				what := fmt.Sprintf("%s, pool %v, constant W %v", c.name, pool != nil, constW)
				if !out[0].Shape().Equal(ref[0].Shape()) {
					t.Fatalf("%s: shape %v, want %v", what, out[0].Shape(), ref[0].Shape())
				}
				for i, v := range out[0].Float32s() {
					if w := ref[0].Float32s()[i]; !sameF32(v, w) {
						t.Fatalf("%s: y[%d] = %v, unpacked serial %v", what, i, v, w)
					}
					if w := want64[0].Float64s()[i]; math.Abs(float64(v)-w) > 1e-5*(1+math.Abs(w)) {
						t.Fatalf("%s: y[%d] = %v, float64 %v", what, i, v, w)
					}
				}
			}
		}
	}
}

// TestConvTransposePlannedAllocs checks that a steady-state planned
// float32 ConvTranspose (Infer and Run, 2-D stride 2 with a bias, group 1
// and grouped, W constant or not, serially and on a pool) allocates
// nothing.
func TestConvTransposePlannedAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	two := parallel.New(parallel.Options{Threads: 2})
	defer two.Close()
	rng := rand.New(rand.NewPCG(23, 24))
	for _, c := range convTCases[:3] {
		in := c.inputs(rng)
		for _, pool := range []*parallel.Pool{nil, two} {
			for _, constW := range []bool{false, true} {
				var consts []int
				if constW {
					consts = []int{1, 2}
				}
				impl := bindConvT(t, pool, c.attrs, in, consts...)
				specs, out := make([]ops.OutSpec, 1), make([]*tensor.Tensor, 1)
				run := func() {
					if err := plannedRun(impl, in, specs, out); err != nil {
						t.Fatal(err)
					}
				}
				run() // warm up: plan, output, pooled buffers
				if got := testing.AllocsPerRun(20, run); got != 0 {
					t.Errorf("%s, pool %v, constant W %v: %v allocations per run, want 0", c.name, pool != nil, constW, got)
				}
			}
		}
	}
}

// TestConvTransposeConcurrent runs one bound ConvTranspose (constant W,
// on a pool) from several goroutines at once on two input shapes, so
// that the cached plan is replaced while other runs use it; every result
// must match a fresh kernel's. With -race it checks that runs share
// nothing mutable.
func TestConvTransposeConcurrent(t *testing.T) {
	pool := parallel.New(parallel.Options{Threads: 2})
	defer pool.Close()
	rng := rand.New(rand.NewPCG(25, 26))
	c := convTCases[2]
	w, b := randF32(rng, c.ws...), randF32(rng, c.ws[1]*4)
	ins := [][]*tensor.Tensor{
		{randF32(rng, 2, 8, 9, 7), w, b},
		{randF32(rng, 1, 8, 12, 16), w, b},
	}
	want := make([]*tensor.Tensor, len(ins))
	for i, in := range ins {
		out, err := bindConvT(t, nil, c.attrs, in, 1, 2).Tensor(in)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = out[0]
	}
	impl := bindConvT(t, pool, c.attrs, ins[0], 1, 2)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			specs, out := make([]ops.OutSpec, 1), make([]*tensor.Tensor, 1)
			for r := range 20 {
				i := (g + r) % len(ins)
				out[0] = nil // a fresh NaN-filled output each time
				if err := plannedRun(impl, ins[i], specs, out); err != nil {
					errs <- err
					return
				}
				if !out[0].Shape().Equal(want[i].Shape()) {
					errs <- fmt.Errorf("goroutine %d run %d: shape %v, want %v", g, r, out[0].Shape(), want[i].Shape())
					return
				}
				for j, v := range out[0].Float32s() {
					if !sameF32(v, want[i].Float32s()[j]) {
						errs <- fmt.Errorf("goroutine %d run %d: y[%d] = %v, fresh kernel %v", g, r, j, v, want[i].Float32s()[j])
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

// BenchmarkConvTransposeDBHead runs the two ConvTransposes of PaddleOCR's
// detector head at a 320×320 input (2×2 stride 2, constant W and bias) as
// a compiled program does: planned, into a reused output.
func BenchmarkConvTransposeDBHead(b *testing.B) {
	rng := rand.New(rand.NewPCG(27, 28))
	for _, th := range []int{1, 2} {
		pool := parallel.New(parallel.Options{Threads: th})
		for _, c := range []struct {
			name   string
			xs, ws []int
		}{{"24x80x80-to-24", []int{1, 24, 80, 80}, []int{24, 24, 2, 2}}, {"24x160x160-to-1", []int{1, 24, 160, 160}, []int{24, 1, 2, 2}}} {
			b.Run(fmt.Sprintf("%s/threads=%d", c.name, th), func(b *testing.B) {
				in := []*tensor.Tensor{randF32(rng, c.xs...), randF32(rng, c.ws...), randF32(rng, c.ws[1])}
				impl := bindConvT(b, pool, []*ir.Attribute{intsattr("strides", 2, 2)}, in, 1, 2)
				specs, out := make([]ops.OutSpec, 1), make([]*tensor.Tensor, 1)
				for b.Loop() {
					if err := plannedRun(impl, in, specs, out); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		pool.Close()
	}
}
