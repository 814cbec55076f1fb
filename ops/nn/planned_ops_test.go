package nn

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/sinter-ml/sinter/internal/allocs"
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// Planned forms of Einsum, InstanceNormalization, LRN,
// MeanVarianceNormalization, LpPool, GlobalLpPool and Det: each must
// reproduce the former allocating kernel (planned_ref_test.go) bit for bit,
// write every output element, allocate nothing in a steady state, and stay
// correct when one bound kernel runs concurrently on two shapes.

// plnCase is one op on one set of inputs, with the kernel it had
// before it was planned.
type plnCase struct {
	name  string
	op    string
	opset int64
	attrs []*ir.Attribute
	in    []*tensor.Tensor
	ref   ops.BindFunc
	nOut  int // outputs; 0 means 1
}

func (c *plnCase) node() *ops.Node {
	n := &ops.Node{Node: &ir.Node{OpType: c.op, Attrs: c.attrs, Outputs: []string{"y"}}, Opset: c.opset}
	for i := 1; i < c.nOut; i++ {
		n.Outputs = append(n.Outputs, fmt.Sprint("y", i))
	}
	for i := range c.in {
		n.Inputs = append(n.Inputs, fmt.Sprint("in", i))
	}
	return n
}

func (c *plnCase) String() string {
	s := c.name
	for _, x := range c.in {
		s += fmt.Sprintf(" %v%v", x.DType(), x.Shape())
	}
	return s
}

// bind binds c's op and returns its planned form and allocating kernel.
func (c *plnCase) bind(t testing.TB) (*ops.Planned, ops.Kernel) {
	t.Helper()
	impl, err := registry().Bind(c.node())
	if err != nil {
		t.Fatalf("%v: bind: %v", c, err)
	}
	if impl.Planned == nil {
		t.Fatalf("%v: no planned form", c)
	}
	return impl.Planned, impl.Tensor
}

// former runs c's former kernel.
func (c *plnCase) former() ([]*tensor.Tensor, error) {
	k, err := c.ref(c.node())
	if err != nil {
		return nil, err
	}
	return k(c.in)
}

// plnRun is a planned kernel's outputs, reused between runs as an
// executor reuses its arena.
type plnRun struct {
	specs []ops.OutSpec
	outs  []*tensor.Tensor
}

// run infers, (re)makes outputs whose type or shape changed, fills them
// with garbage when garbage is set, and runs p into them.
func (r *plnRun) run(p *ops.Planned, in []*tensor.Tensor, nOut int, garbage bool) error {
	if r.specs == nil {
		r.specs = make([]ops.OutSpec, max(nOut, 1))
		r.outs = make([]*tensor.Tensor, max(nOut, 1))
	}
	if err := p.Infer(in, r.specs); err != nil {
		return err
	}
	for i, s := range r.specs {
		if o := r.outs[i]; o == nil || o.DType() != s.DType || !o.Shape().Equal(s.Shape) {
			r.outs[i] = tensor.New(s.DType, s.Shape...)
		}
		if garbage {
			plnGarbage(r.outs[i])
		}
	}
	return p.Run(in, r.outs)
}

// plnGarbage sets every byte of t to 0xff: NaN in every float dtype, -1
// or the maximum in the integer ones.
func plnGarbage(t *tensor.Tensor) {
	b := t.Bytes()
	for i := range b {
		b[i] = 0xff
	}
}

// plnSameBits reports whether got and want have the same dtype, shape and
// bytes, describing the first difference otherwise.
func plnSameBits(got, want *tensor.Tensor) error {
	if got.DType() != want.DType() || !got.Shape().Equal(want.Shape()) {
		return fmt.Errorf("got %v%v, want %v%v", got.DType(), got.Shape(), want.DType(), want.Shape())
	}
	g, w := got.Bytes(), want.Bytes()
	if bytes.Equal(g, w) {
		return nil
	}
	size := len(w) / max(want.Len(), 1)
	for i := range w {
		if g[i] != w[i] {
			e := i / size
			gv, _ := tensor.ToFloat64(got)
			wv, _ := tensor.ToFloat64(want)
			return fmt.Errorf("element %d of %d: got %v (% x), want %v (% x)", e, want.Len(),
				gv[e], g[e*size:(e+1)*size], wv[e], w[e*size:(e+1)*size])
		}
	}
	return nil
}

// plnSameOuts is plnSameBits for every output.
func plnSameOuts(got, want []*tensor.Tensor) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d outputs, want %d", len(got), len(want))
	}
	for i := range want {
		if err := plnSameBits(got[i], want[i]); err != nil {
			return fmt.Errorf("output %d: %w", i, err)
		}
	}
	return nil
}

// plnRand returns a tensor of dtype dt and shape s: normal values
// (rounded) for floats, small ones for integers.
func plnRand(rng *rand.Rand, dt tensor.DType, s ...int) *tensor.Tensor {
	t := tensor.New(dt, s...)
	n := t.Len()
	switch dt {
	case tensor.Float32:
		for i := range t.Float32s() {
			t.Float32s()[i] = float32(rng.NormFloat64())
		}
	case tensor.Float64:
		for i := range t.Float64s() {
			t.Float64s()[i] = rng.NormFloat64()
		}
	case tensor.Float16:
		d := tensor.Data[tensor.Float16Bits](t)
		for i := range d {
			d[i] = tensor.ToFloat16(float32(rng.NormFloat64()))
		}
	case tensor.BFloat16:
		d := tensor.Data[tensor.BFloat16Bits](t)
		for i := range d {
			d[i] = tensor.ToBFloat16(float32(rng.NormFloat64()))
		}
	case tensor.Int8:
		for i := range n {
			t.Int8s()[i] = int8(rng.IntN(7) - 3)
		}
	case tensor.Int16:
		for i := range n {
			tensor.Data[int16](t)[i] = int16(rng.IntN(7) - 3)
		}
	case tensor.Int32:
		for i := range n {
			t.Int32s()[i] = int32(rng.IntN(7) - 3)
		}
	case tensor.Int64:
		for i := range n {
			t.Int64s()[i] = int64(rng.IntN(7) - 3)
		}
	case tensor.Uint8:
		for i := range n {
			t.Uint8s()[i] = uint8(rng.IntN(6))
		}
	case tensor.Uint16:
		for i := range n {
			tensor.Data[uint16](t)[i] = uint16(rng.IntN(6))
		}
	case tensor.Uint32:
		for i := range n {
			tensor.Data[uint32](t)[i] = uint32(rng.IntN(6))
		}
	case tensor.Uint64:
		for i := range n {
			tensor.Data[uint64](t)[i] = uint64(rng.IntN(6))
		}
	default:
		panic(fmt.Sprint("plnRand: dtype ", dt))
	}
	return t
}

// plnSpecials sets about one element in six of the float32 tensor t to a
// NaN, an infinity or a zero of either sign.
func plnSpecials(rng *rand.Rand, t *tensor.Tensor) *tensor.Tensor {
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	for i := range t.Float32s() {
		if rng.IntN(6) == 0 {
			t.Float32s()[i] = specials[rng.IntN(len(specials))]
		}
	}
	return t
}

var plnFloatDTypes = []tensor.DType{tensor.Float32, tensor.Float64, tensor.Float16, tensor.BFloat16}

// ---- the cases ----

func plnEinsumCases(rng *rand.Rand) []*plnCase {
	type form struct {
		eq     string
		shapes [][]int
	}
	forms := []form{
		{"bchw,oc->bohw", [][]int{{2, 3, 4, 5}, {6, 3}}},
		{"bcij,bckj->bcik", [][]int{{2, 3, 4, 5}, {2, 3, 6, 5}}},
		{"bcii->bc", [][]int{{2, 3, 4, 4}}},
		{"bhqd,bhkd->bhqk", [][]int{{2, 4, 7, 8}, {2, 4, 9, 8}}},
		{"bhqk,bhkd->bqhd", [][]int{{2, 4, 7, 9}, {2, 4, 9, 8}}},
		{"...ij,jk->...ik", [][]int{{2, 3, 4, 5}, {5, 6}}},
		{"...ij,jk->...ik", [][]int{{4, 5}, {5, 6}}},
		{"i,j->ij", [][]int{{4}, {3}}},
		{"ij,ij->", [][]int{{3, 4}, {3, 4}}},
		{"bij->jbi", [][]int{{2, 3, 4}}},
		{"bii->bi", [][]int{{2, 4, 4}}},
		{"bij,bkj->ik", [][]int{{2, 3, 4}, {2, 5, 4}}},
		{"ij,jk", [][]int{{3, 4}, {4, 2}}},
		{"ii", [][]int{{5, 5}}},
		{"ij->ij", [][]int{{3, 4}}},
		{"ij", [][]int{{3, 4}}},
		{"ji", [][]int{{3, 4}}},
		{"i,i", [][]int{{6}, {6}}},
		{"ij->", [][]int{{3, 4}}},
		{"ij->j", [][]int{{3, 4}}},
		{"iij->j", [][]int{{3, 3, 4}}},
		{"ij,jk,kl->il", [][]int{{2, 3}, {3, 4}, {4, 5}}},
		{"ij,jk,kl->li", [][]int{{2, 3}, {3, 4}, {4, 5}}},
		{"ab,cd,ef->", [][]int{{2, 3}, {3, 4}, {4, 5}}},
		{"...i,...i->...i", [][]int{{1, 3, 4}, {2, 1, 4}}},
		{"...i,...i->...", [][]int{{2, 3, 4}, {3, 4}}},
		{"b...i,bi->b...", [][]int{{2, 3, 5, 4}, {2, 4}}},
		{"ij,jk->ik", [][]int{{1, 4}, {4, 3}}},
		{"ij,kj->ikj", [][]int{{3, 1}, {2, 5}}},
		{"ij,jk->ik", [][]int{{0, 3}, {3, 4}}},
		{"ij,jk->ik", [][]int{{2, 0}, {0, 3}}},
		{"ij,jk->ki", [][]int{{2, 0}, {0, 3}}},
		{"Ab,bA->A", [][]int{{3, 4}, {4, 3}}},
		{"bn,anm,bm->ba", [][]int{{2, 3}, {4, 3, 5}, {2, 5}}},
		{"...", [][]int{{2, 3}}},
		{"i->", [][]int{{0}}},
		{"->", [][]int{{}}},
		{",i->i", [][]int{{}, {3}}},
		{"ij,jk->ik", [][]int{{2, 3}, {4, 5}}}, // size mismatch: an error
	}
	dts := []tensor.DType{tensor.Float32, tensor.Float64, tensor.Float16, tensor.BFloat16,
		tensor.Int8, tensor.Int16, tensor.Int32, tensor.Int64, tensor.Uint8, tensor.Uint16, tensor.Uint32, tensor.Uint64}
	var cs []*plnCase
	for _, f := range forms {
		for _, dt := range dts {
			c := &plnCase{name: "Einsum " + f.eq, op: "Einsum", opset: 12, attrs: []*ir.Attribute{sattr("equation", f.eq)}, ref: legacyBindEinsum}
			for _, s := range f.shapes {
				c.in = append(c.in, plnRand(rng, dt, s...))
			}
			cs = append(cs, c)
		}
	}
	return cs
}

func plnNormCases(rng *rand.Rand) []*plnCase {
	var cs []*plnCase
	for _, dt := range plnFloatDTypes {
		for _, s := range [][]int{{2, 3, 4, 5}, {1, 4, 7}, {2, 3}, {2, 3, 0}, {1, 2, 3, 2, 2}} {
			for _, eps := range []float32{1e-5, 1e-2} {
				c := &plnCase{name: "InstanceNormalization", op: "InstanceNormalization", opset: 6,
					attrs: []*ir.Attribute{fattr("epsilon", eps)}, ref: legacyBindInstanceNorm}
				c.in = []*tensor.Tensor{plnRand(rng, dt, s...), plnRand(rng, dt, s[1]), plnRand(rng, dt, s[1])}
				cs = append(cs, c)
			}
		}
		for _, s := range [][]int{{2, 5, 3, 4}, {1, 3}, {1, 7, 6}, {3, 4, 0, 2}} {
			for _, at := range [][]*ir.Attribute{
				{iattr("size", 3)},
				{iattr("size", 5), fattr("alpha", 1e-2), fattr("beta", 0.5), fattr("bias", 2)},
				{iattr("size", 2), fattr("alpha", 0.3)},
				{iattr("size", 1)},
			} {
				cs = append(cs, &plnCase{name: "LRN", op: "LRN", opset: 13, attrs: at, ref: legacyBindLRN,
					in: []*tensor.Tensor{plnRand(rng, dt, s...)}})
			}
		}
		for _, f := range []struct {
			axes  []int64
			shape []int
		}{
			{nil, []int{2, 3, 4, 5}},
			{nil, []int{3, 2, 1, 6}},
			{[]int64{1}, []int{2, 3, 4, 5}},
			{[]int64{0, 1, 2, 3}, []int{2, 3, 4, 5}},
			{[]int64{-1}, []int{2, 3, 4, 5}},
			{[]int64{2, 3}, []int{3, 4, 2, 5}},
			{[]int64{0}, []int{6, 5}},
			{[]int64{1, 1}, []int{6, 5}},
			{[]int64{}, []int{4, 5}},
			{[]int64{}, []int{}},
			{nil, []int{0, 3, 2, 2}},
			{[]int64{4}, []int{2, 3, 4, 5}}, // out of range: an error
		} {
			c := &plnCase{name: "MeanVarianceNormalization", op: "MeanVarianceNormalization", opset: 13, ref: legacyBindMVN,
				in: []*tensor.Tensor{plnRand(rng, dt, f.shape...)}}
			if f.axes != nil {
				c.attrs = []*ir.Attribute{intsattr("axes", f.axes...)}
			}
			cs = append(cs, c)
		}
	}
	// Inputs with NaNs, infinities and signed zeros.
	for range 2 {
		x := plnSpecials(rng, plnRand(rng, tensor.Float32, 2, 4, 3, 5))
		cs = append(cs,
			&plnCase{name: "InstanceNormalization", op: "InstanceNormalization", opset: 6, ref: legacyBindInstanceNorm,
				in: []*tensor.Tensor{x, plnRand(rng, tensor.Float32, 4), plnRand(rng, tensor.Float32, 4)}},
			&plnCase{name: "LRN", op: "LRN", opset: 13, attrs: []*ir.Attribute{iattr("size", 3)}, ref: legacyBindLRN,
				in: []*tensor.Tensor{x}},
			&plnCase{name: "MeanVarianceNormalization", op: "MeanVarianceNormalization", opset: 13, ref: legacyBindMVN,
				in: []*tensor.Tensor{x}})
	}
	// Scale and bias of another float dtype than the input.
	cs = append(cs,
		&plnCase{name: "InstanceNormalization", op: "InstanceNormalization", opset: 6, ref: legacyBindInstanceNorm,
			in: []*tensor.Tensor{plnRand(rng, tensor.Float32, 2, 3, 5), plnRand(rng, tensor.Float64, 3), plnRand(rng, tensor.Float16, 3)}},
		&plnCase{name: "InstanceNormalization", op: "InstanceNormalization", opset: 6, ref: legacyBindInstanceNorm,
			in: []*tensor.Tensor{plnRand(rng, tensor.Float64, 2, 3, 5), plnRand(rng, tensor.Float32, 3), plnRand(rng, tensor.BFloat16, 3)}})
	return cs
}

// legacyBindAveragePool is AveragePool on the former general loops (the
// planned kernel's general path; its float32 2-D path is tested in
// pool_fast_test.go).
func legacyBindAveragePool(n *ops.Node) (ops.Kernel, error) {
	a, err := parseWindowAttrs(n, "AveragePool", false)
	if err != nil {
		return nil, err
	}
	cm, err := n.Int("ceil_mode", 0)
	if err != nil {
		return nil, err
	}
	a.ceilMode = cm != 0
	cip, err := n.Int("count_include_pad", 0)
	if err != nil {
		return nil, err
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		p, err := planPool(a, in[0].Shape())
		if err != nil {
			return nil, err
		}
		if in[0].DType() == tensor.Float64 {
			return []*tensor.Tensor{legacyAvgPool[float64](p, in[0], cip != 0, 0)}, nil
		}
		return []*tensor.Tensor{legacyAvgPool[float32](p, in[0], cip != 0, 0)}, nil
	}, nil
}

// legacyBindGlobalPool is a global pool on the former general loop.
func legacyBindGlobalPool(kind globalKind) ops.BindFunc {
	return func(n *ops.Node) (ops.Kernel, error) {
		lp := 0.0
		if kind == globalLp {
			var err error
			if lp, err = lpAttr(n); err != nil {
				return nil, err
			}
		}
		return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			if in[0].DType() == tensor.Float64 {
				return []*tensor.Tensor{legacyGlobalPool[float64](in[0], kind, lp)}, nil
			}
			return []*tensor.Tensor{legacyGlobalPool[float32](in[0], kind, lp)}, nil
		}, nil
	}
}

// legacyBindMaxPool is MaxPool on the former general loops (which the
// float32 2-D kernel matches bit for bit: pool_fast_test.go).
func legacyBindMaxPool(n *ops.Node) (ops.Kernel, error) {
	a, err := parseWindowAttrs(n, "MaxPool", false)
	if err != nil {
		return nil, err
	}
	cm, err := n.Int("ceil_mode", 0)
	if err != nil {
		return nil, err
	}
	a.ceilMode = cm != 0
	so, err := n.Int("storage_order", 0)
	if err != nil {
		return nil, err
	}
	wantIdx := n.HasOutput(1)
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		p, err := planPool(a, x.Shape())
		if err != nil {
			return nil, err
		}
		outs := []*tensor.Tensor{tensor.New(x.DType(), p.out...)}
		var idx []int64
		if wantIdx {
			outs = append(outs, tensor.New(tensor.Int64, p.out...))
			idx = outs[1].Int64s()
		}
		switch x.DType() {
		case tensor.Float32:
			legacyMaxPool(p, x.Float32s(), outs[0].Float32s(), idx, so == 1, float32(math.Inf(-1)))
		case tensor.Float16, tensor.BFloat16:
			yd := make([]float32, p.out.NumElements())
			legacyMaxPool(p, asF32(x), yd, idx, so == 1, float32(math.Inf(-1)))
			outs[0] = newFloat(x.DType(), p.out, yd)
		case tensor.Float64:
			legacyMaxPool(p, x.Float64s(), outs[0].Float64s(), idx, so == 1, math.Inf(-1))
		case tensor.Int8:
			legacyMaxPool(p, x.Int8s(), outs[0].Int8s(), idx, so == 1, math.MinInt8)
		case tensor.Uint8:
			legacyMaxPool(p, x.Uint8s(), outs[0].Uint8s(), idx, so == 1, 0)
		}
		return outs, nil
	}, nil
}

func plnPoolCases(rng *rand.Rand) []*plnCase {
	var cs []*plnCase
	windows := []struct {
		shape []int
		attrs []*ir.Attribute
	}{
		{[]int{2, 3, 7, 8}, []*ir.Attribute{intsattr("kernel_shape", 2, 3), intsattr("strides", 2, 2)}},
		{[]int{1, 2, 6, 6}, []*ir.Attribute{intsattr("kernel_shape", 3, 3), intsattr("pads", 1, 1, 1, 1)}},
		{[]int{1, 2, 9, 7}, []*ir.Attribute{intsattr("kernel_shape", 3, 2), intsattr("pads", 0, 1, 2, 0), intsattr("strides", 2, 1), intsattr("dilations", 2, 1)}},
		{[]int{2, 2, 10}, []*ir.Attribute{intsattr("kernel_shape", 3), intsattr("strides", 2), sattr("auto_pad", "SAME_UPPER")}},
		{[]int{1, 2, 4, 5, 6}, []*ir.Attribute{intsattr("kernel_shape", 2, 2, 3), intsattr("pads", 1, 0, 1, 1, 1, 0)}},
		{[]int{1, 1, 5, 5}, []*ir.Attribute{intsattr("kernel_shape", 2, 2), sattr("auto_pad", "SAME_LOWER")}},
		{[]int{0, 2, 5, 5}, []*ir.Attribute{intsattr("kernel_shape", 2, 2)}},
		{[]int{1, 2, 2, 2}, []*ir.Attribute{intsattr("kernel_shape", 3, 3)}}, // window larger than the input: an error
	}
	for _, dt := range plnFloatDTypes {
		for _, w := range windows {
			for _, p := range []int64{1, 2, 3} {
				cs = append(cs, &plnCase{name: "LpPool", op: "LpPool", opset: 11, ref: legacyBindLpPool,
					attrs: append([]*ir.Attribute{iattr("p", p)}, w.attrs...), in: []*tensor.Tensor{plnRand(rng, dt, w.shape...)}})
			}
			cs = append(cs, &plnCase{name: "LpPool", op: "LpPool", opset: 1, ref: legacyBindLpPool,
				attrs: append([]*ir.Attribute{fattr("p", 1.5)}, w.attrs...), in: []*tensor.Tensor{plnRand(rng, dt, w.shape...)}})
			if dt != tensor.Float32 || len(w.shape) != 4 {
				for _, cip := range []int64{0, 1} {
					cs = append(cs, &plnCase{name: "AveragePool", op: "AveragePool", opset: 11, ref: legacyBindAveragePool,
						attrs: append([]*ir.Attribute{iattr("count_include_pad", cip), iattr("ceil_mode", cip)}, w.attrs...),
						in:    []*tensor.Tensor{plnRand(rng, dt, w.shape...)}})
				}
			}
		}
		for _, s := range [][]int{{2, 3, 4, 5}, {2, 3}, {1, 2, 3, 4, 5}, {2, 3, 0, 4}, {0, 3, 2, 2}} {
			for _, p := range []int64{1, 2, 3} {
				cs = append(cs, &plnCase{name: "GlobalLpPool", op: "GlobalLpPool", opset: 2, ref: legacyBindGlobalPool(globalLp),
					attrs: []*ir.Attribute{iattr("p", p)}, in: []*tensor.Tensor{plnRand(rng, dt, s...)}})
			}
			if dt != tensor.Float32 {
				cs = append(cs,
					&plnCase{name: "GlobalAveragePool", op: "GlobalAveragePool", opset: 1, ref: legacyBindGlobalPool(globalAvg),
						in: []*tensor.Tensor{plnRand(rng, dt, s...)}},
					&plnCase{name: "GlobalMaxPool", op: "GlobalMaxPool", opset: 1, ref: legacyBindGlobalPool(globalMax),
						in: []*tensor.Tensor{plnRand(rng, dt, s...)}})
			}
		}
	}
	// MaxPool's general loops: other dtypes, ranks and dilations, and
	// indices in either storage order.
	for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64, tensor.Float16, tensor.BFloat16, tensor.Int8, tensor.Uint8} {
		for _, w := range windows {
			for _, at := range [][]*ir.Attribute{nil, {iattr("storage_order", 1)}, {iattr("ceil_mode", 1)}} {
				for nOut := 1; nOut <= 2; nOut++ {
					x := plnRand(rng, dt, w.shape...)
					if dt == tensor.Float32 {
						x = plnSpecials(rng, x)
					}
					cs = append(cs, &plnCase{name: "MaxPool", op: "MaxPool", opset: 12, ref: legacyBindMaxPool, nOut: nOut,
						attrs: append(append([]*ir.Attribute{}, at...), w.attrs...), in: []*tensor.Tensor{x}})
				}
			}
		}
	}
	// Too many taps for a window table: the general loops walk the taps.
	for _, w := range []struct {
		shape []int
		attrs []*ir.Attribute
	}{
		{[]int{1, 1, 200, 200}, []*ir.Attribute{intsattr("kernel_shape", 3, 3), intsattr("pads", 1, 0, 1, 2)}},
		{[]int{1, 1, 40, 40, 40}, []*ir.Attribute{intsattr("kernel_shape", 2, 3, 2), intsattr("strides", 1, 1, 2)}},
	} {
		cs = append(cs, &plnCase{name: "MaxPool", op: "MaxPool", opset: 12, ref: legacyBindMaxPool, nOut: 2,
			attrs: w.attrs, in: []*tensor.Tensor{plnRand(rng, tensor.Float32, w.shape...)}})
		for _, p := range []int64{1, 2} {
			cs = append(cs, &plnCase{name: "LpPool", op: "LpPool", opset: 11, ref: legacyBindLpPool,
				attrs: append([]*ir.Attribute{iattr("p", p)}, w.attrs...), in: []*tensor.Tensor{plnRand(rng, tensor.Float32, w.shape...)}})
		}
		cs = append(cs, &plnCase{name: "AveragePool", op: "AveragePool", opset: 11, ref: legacyBindAveragePool,
			attrs: append([]*ir.Attribute{iattr("count_include_pad", 1)}, w.attrs...), in: []*tensor.Tensor{plnRand(rng, tensor.Float64, w.shape...)}})
	}
	for range 2 {
		x := plnSpecials(rng, plnRand(rng, tensor.Float32, 2, 3, 7, 8))
		cs = append(cs,
			&plnCase{name: "LpPool", op: "LpPool", opset: 11, ref: legacyBindLpPool,
				attrs: append([]*ir.Attribute{iattr("p", 2)}, windows[1].attrs...), in: []*tensor.Tensor{x}},
			&plnCase{name: "GlobalLpPool", op: "GlobalLpPool", opset: 2, ref: legacyBindGlobalPool(globalLp),
				attrs: []*ir.Attribute{iattr("p", 3)}, in: []*tensor.Tensor{x}})
	}
	return cs
}

func plnDetCases(rng *rand.Rand) []*plnCase {
	var cs []*plnCase
	for _, dt := range plnFloatDTypes {
		for _, s := range [][]int{{3, 3}, {2, 4, 4}, {2, 2, 1, 1}, {5, 5}, {2, 0, 0}, {0, 3, 3}, {2, 6, 6}, {2, 3}} {
			cs = append(cs, &plnCase{name: "Det", op: "Det", opset: 11, ref: legacyBindDet, in: []*tensor.Tensor{plnRand(rng, dt, s...)}})
		}
		// Singular: a zero row, and two equal rows.
		x := plnRand(rng, dt, 2, 3, 3)
		b := x.Bytes()
		size := len(b) / x.Len()
		clear(b[3*size : 6*size])
		copy(b[12*size:15*size], b[15*size:18*size])
		cs = append(cs, &plnCase{name: "Det", op: "Det", opset: 11, ref: legacyBindDet, in: []*tensor.Tensor{x}})
	}
	return cs
}

// ---- the tests ----

func plnAllCases() []*plnCase {
	rng := rand.New(rand.NewPCG(21, 22))
	var cs []*plnCase
	cs = append(cs, plnEinsumCases(rng)...)
	cs = append(cs, plnNormCases(rng)...)
	cs = append(cs, plnPoolCases(rng)...)
	cs = append(cs, plnDetCases(rng)...)
	return cs
}

// TestPlannedMatchesFormer holds each planned kernel, run into garbage,
// and its allocating form to the former kernel bit for bit.
func TestPlannedMatchesFormer(t *testing.T) {
	for _, c := range plnAllCases() {
		want, werr := c.former()
		p, k := c.bind(t)
		var r plnRun
		err := r.run(p, c.in, c.nOut, true)
		if (err != nil) != (werr != nil) {
			t.Errorf("%v: planned error %v, former error %v", c, err, werr)
			continue
		}
		if err != nil {
			continue
		}
		if e := plnSameOuts(r.outs, want); e != nil {
			t.Errorf("%v: planned: %v", c, e)
			continue
		}
		// Again into the same (garbage-filled) outputs: a cached plan.
		if err := r.run(p, c.in, c.nOut, true); err != nil {
			t.Errorf("%v: second run: %v", c, err)
		} else if e := plnSameOuts(r.outs, want); e != nil {
			t.Errorf("%v: second run: %v", c, e)
		}
		got, err := k(c.in)
		if err != nil {
			t.Errorf("%v: allocating form: %v", c, err)
		} else if e := plnSameOuts(got, want); e != nil {
			t.Errorf("%v: allocating form: %v", c, e)
		}
	}
}

// TestPlannedSteadyStateAllocatesNothing runs Infer and Run on the shapes
// of the previous run and counts allocations.
func TestPlannedSteadyStateAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	for _, c := range plnAllCases() {
		if _, err := c.former(); err != nil {
			continue
		}
		p, _ := c.bind(t)
		var r plnRun
		for range 3 {
			if err := r.run(p, c.in, c.nOut, false); err != nil {
				t.Fatalf("%v: %v", c, err)
			}
		}
		if n := allocs.InRuns(t, 20, func() error { return r.run(p, c.in, c.nOut, false) }); n != 0 {
			t.Errorf("%v: %d allocations in 20 steady-state runs, want 0", c, n)
		}
	}
}

// TestPlannedConcurrentShapes runs each bound kernel from several
// goroutines on two shapes at once (meant for -race): every result must
// match the former kernel's.
func TestPlannedConcurrentShapes(t *testing.T) {
	pairs := map[string][2]*plnCase{}
	var order []string
	for _, c := range plnAllCases() {
		if len(c.in) == 0 || c.in[0].DType() != tensor.Float32 {
			continue
		}
		if _, err := c.former(); err != nil {
			continue
		}
		key := c.name
		for _, a := range c.attrs {
			key += fmt.Sprintf(" %v", a)
		}
		pr := pairs[key]
		switch {
		case pr[0] == nil:
			pr[0] = c
			order = append(order, key)
		case pr[1] == nil && !plnSameShapes(pr[0].in, c.in):
			pr[1] = c
		}
		pairs[key] = pr
	}
	tested := 0
	for _, key := range order {
		pr := pairs[key]
		if pr[1] == nil {
			continue
		}
		tested++
		var want [2][]*tensor.Tensor
		for i, c := range pr {
			w, err := c.former()
			if err != nil {
				t.Fatal(err)
			}
			want[i] = w
		}
		p, _ := pr[0].bind(t)
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var r [2]plnRun
				for it := range 30 {
					i := (g + it) % 2
					if err := r[i].run(p, pr[i].in, pr[i].nOut, true); err != nil {
						errs <- fmt.Errorf("%v: %v", pr[i], err)
						return
					}
					if err := plnSameOuts(r[i].outs, want[i]); err != nil {
						errs <- fmt.Errorf("%v: %v", pr[i], err)
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
	if tested == 0 {
		t.Fatal("no op has cases of two shapes")
	}
}

func plnSameShapes(a, b []*tensor.Tensor) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Shape().Equal(b[i].Shape()) {
			return false
		}
	}
	return true
}
