package nn

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

// bindOn binds op (opset 17, one output) with the worker pool pool.
func bindOn(t *testing.T, pool *parallel.Pool, op string, attrs []*ir.Attribute) ops.Impl {
	t.Helper()
	n := &ops.Node{Node: &ir.Node{OpType: op, Attrs: attrs, Inputs: []string{"x"}, Outputs: []string{"y"}}, Opset: 17, Pool: pool}
	impl, err := registry().Bind(n)
	if err != nil {
		t.Fatal(err)
	}
	return impl
}

// poolInput returns float32 data of shape s with NaNs, infinities and
// zeros of both signs mixed in.
func poolInput(rng *rand.Rand, s ...int) *tensor.Tensor {
	x := tensor.New(tensor.Float32, s...)
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	for i := range x.Float32s() {
		v := float32(rng.NormFloat64())
		if rng.IntN(6) == 0 {
			v = specials[rng.IntN(len(specials))]
		}
		x.Float32s()[i] = v
	}
	return x
}

func sameF32(a, b float32) bool {
	if a != a || b != b {
		return a != a && b != b
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

// TestPoolFastPathMatchesGeneral runs MaxPool and AveragePool on float32
// 2-D inputs through kernels/pool, on one thread and on three, and holds
// every output bit to the general loops run on the same plan.
func TestPoolFastPathMatchesGeneral(t *testing.T) {
	one := parallel.New(parallel.Options{Threads: 1})
	defer one.Close()
	three := parallel.New(parallel.Options{Threads: 3})
	defer three.Close()
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := range 300 {
		kh, kw := 1+rng.IntN(4), 1+rng.IntN(4)
		h, w := 1+rng.IntN(30), 1+rng.IntN(30)
		attrs := []*ir.Attribute{intsattr("kernel_shape", int64(kh), int64(kw)),
			intsattr("strides", 1+rng.Int64N(3), 1+rng.Int64N(3)), iattr("ceil_mode", rng.Int64N(2))}
		switch rng.IntN(3) {
		case 0:
			attrs = append(attrs, intsattr("pads", rng.Int64N(int64(kh)), rng.Int64N(int64(kw)), rng.Int64N(int64(kh)), rng.Int64N(int64(kw))))
		case 1:
			attrs = append(attrs, sattr("auto_pad", []string{"SAME_UPPER", "SAME_LOWER", "VALID"}[rng.IntN(3)]))
		}
		// Batches big enough to split over three threads now and then.
		x := poolInput(rng, 1+rng.IntN(3), 1+rng.IntN(40), h, w)
		for _, op := range []string{"MaxPool", "AveragePool", "AveragePool with pad"} {
			name := op
			at := attrs
			if op == "AveragePool with pad" {
				name = "AveragePool"
				at = append(append([]*ir.Attribute{}, attrs...), iattr("count_include_pad", 1))
			}
			a, err := parseWindowAttrs(&ops.Node{Node: &ir.Node{OpType: name, Attrs: at}}, name, false)
			if err != nil {
				t.Fatal(err)
			}
			a.ceilMode = attrs[2].I != 0
			p, err := planPool(a, x.Shape())
			if err != nil {
				continue // a window larger than the padded input
			}
			var want []float32
			if name == "MaxPool" {
				want = make([]float32, p.out.NumElements())
				maxPool(p, x.Float32s(), want, nil, false, float32(math.Inf(-1)))
			} else {
				want = avgPool[float32](p, x, len(at) > len(attrs), 0).Float32s()
			}
			for _, pool := range []*parallel.Pool{one, three} {
				out, err := bindOn(t, pool, name, at).Tensor([]*tensor.Tensor{x})
				if err != nil {
					t.Fatalf("trial %d %s: %v", trial, op, err)
				}
				if !out[0].Shape().Equal(p.out) {
					t.Fatalf("trial %d %s: shape %v, want %v", trial, op, out[0].Shape(), p.out)
				}
				for i, v := range out[0].Float32s() {
					if !sameF32(v, want[i]) {
						t.Fatalf("trial %d %s %v on %v, %d threads: out %d = %v, general loop %v",
							trial, op, fmtAttrs(at), x.Shape(), pool.Threads(), i, v, want[i])
					}
				}
			}
		}
	}
}

func fmtAttrs(at []*ir.Attribute) string {
	s := ""
	for _, a := range at {
		switch a.Type {
		case ir.AttrInt:
			s += fmt.Sprintf("%s=%d ", a.Name, a.I)
		case ir.AttrInts:
			s += fmt.Sprintf("%s=%v ", a.Name, a.Ints)
		case ir.AttrString:
			s += fmt.Sprintf("%s=%s ", a.Name, a.S)
		}
	}
	return s
}

// TestGlobalPoolFastPath holds GlobalMaxPool's bits and GlobalAveragePool's
// values to the general loop, on one thread and on three.
func TestGlobalPoolFastPath(t *testing.T) {
	one := parallel.New(parallel.Options{Threads: 1})
	defer one.Close()
	three := parallel.New(parallel.Options{Threads: 3})
	defer three.Close()
	rng := rand.New(rand.NewPCG(13, 14))
	for _, s := range [][]int{{2, 3}, {1, 1, 1, 1}, {2, 5, 0, 3}, {2, 7, 9, 11}, {1, 3, 4, 5, 6}, {4, 700, 7, 7}} {
		x := poolInput(rng, s...)
		for _, kind := range []globalKind{globalAvg, globalMax} {
			op := map[globalKind]string{globalAvg: "GlobalAveragePool", globalMax: "GlobalMaxPool"}[kind]
			want := globalPool[float32](x, kind, 0)
			for _, pool := range []*parallel.Pool{one, three} {
				out, err := bindOn(t, pool, op, nil).Tensor([]*tensor.Tensor{x})
				if err != nil {
					t.Fatal(err)
				}
				if !out[0].Shape().Equal(want.Shape()) {
					t.Fatalf("%s %v: shape %v, want %v", op, s, out[0].Shape(), want.Shape())
				}
				for i, v := range out[0].Float32s() {
					w := want.Float32s()[i]
					ok := sameF32(v, w)
					if kind == globalAvg && !math.IsNaN(float64(w)) && !math.IsInf(float64(w), 0) {
						ok = math.Abs(float64(v-w)) <= 1e-5*(1+math.Abs(float64(w)))
					}
					if !ok {
						t.Fatalf("%s %v, %d threads: plane %d = %v, general loop %v", op, s, pool.Threads(), i, v, w)
					}
				}
			}
		}
	}
}

// BenchmarkPoolOps runs the pools of the zoo resnet (batch 2) and of a
// ResNet-50 tail on one thread, output allocation included.
func BenchmarkPoolOps(b *testing.B) {
	one := parallel.New(parallel.Options{Threads: 1})
	defer one.Close()
	for _, c := range []struct {
		name  string
		op    string
		attrs []*ir.Attribute
		shape []int
	}{
		{"MaxPool_3x3s2p1_2x16x64x64", "MaxPool", []*ir.Attribute{intsattr("kernel_shape", 3, 3), intsattr("strides", 2, 2), intsattr("pads", 1, 1, 1, 1)}, []int{2, 16, 64, 64}},
		{"MaxPool_3x3s2p1_1x64x112x112", "MaxPool", []*ir.Attribute{intsattr("kernel_shape", 3, 3), intsattr("strides", 2, 2), intsattr("pads", 1, 1, 1, 1)}, []int{1, 64, 112, 112}},
		{"AveragePool_3x3s1p1_cip_1x64x56x56", "AveragePool", []*ir.Attribute{intsattr("kernel_shape", 3, 3), intsattr("pads", 1, 1, 1, 1), iattr("count_include_pad", 1)}, []int{1, 64, 56, 56}},
		{"GlobalAveragePool_2x512x7x7", "GlobalAveragePool", nil, []int{2, 512, 7, 7}},
		{"GlobalMaxPool_2x512x7x7", "GlobalMaxPool", nil, []int{2, 512, 7, 7}},
	} {
		b.Run(c.name, func(b *testing.B) {
			n := &ops.Node{Node: &ir.Node{OpType: c.op, Attrs: c.attrs, Inputs: []string{"x"}, Outputs: []string{"y"}}, Opset: 17, Pool: one}
			impl, err := registry().Bind(n)
			if err != nil {
				b.Fatal(err)
			}
			x := filled(c.shape...)
			in := []*tensor.Tensor{x}
			for b.Loop() {
				if _, err := impl.Tensor(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
