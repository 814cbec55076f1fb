package reduce

import (
	"fmt"
	"math"
	"slices"
	"sync/atomic"

	kew "github.com/sinter-ml/sinter/kernels/elementwise"
	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

type kind int

const (
	kSum kind = iota
	kMean
	kMax
	kMin
	kProd
	kL1
	kL2
	kLogSum
	kLogSumExp
	kSumSquare
)

var reduceOps = []struct {
	name   string
	k      kind
	sinces []int64
}{
	// From opset 18 every Reduce* but ReduceSum (which moved at 13) takes
	// its axes as an optional input; ReduceMax and ReduceMin accept bool
	// from 20.
	{"ReduceSum", kSum, []int64{1, 11, 13}},
	{"ReduceMean", kMean, []int64{1, 11, 13, 18}},
	{"ReduceMax", kMax, []int64{1, 11, 12, 13, 18, 20}},
	{"ReduceMin", kMin, []int64{1, 11, 12, 13, 18, 20}},
	{"ReduceProd", kProd, []int64{1, 11, 13, 18}},
	{"ReduceL1", kL1, []int64{1, 11, 13, 18}},
	{"ReduceL2", kL2, []int64{1, 11, 13, 18}},
	{"ReduceLogSum", kLogSum, []int64{1, 11, 13, 18}},
	{"ReduceLogSumExp", kLogSumExp, []int64{1, 11, 13, 18}},
	{"ReduceSumSquare", kSumSquare, []int64{1, 11, 13, 18}},
}

func registerReduce(r *ops.Registry) {
	for _, op := range reduceOps {
		k := op.k
		r.RegisterVersions("", op.name, op.sinces, func(n *ops.Node) (ops.Kernel, error) {
			return bindReduce(n, k)
		})
	}
}

// reducer is a bound Reduce* node.
type reducer struct {
	k    kind
	keep bool
	// axes is the axes attribute; axesIn is set when the axes come from
	// input 1 instead (ReduceSum from opset 13, the others from 18).
	axes   []int64
	axesIn bool
	noop   bool // noop_with_empty_axes
	pool   *parallel.Pool
	// last caches the geometry for the most recent input shape and axes:
	// entries are immutable, so concurrent runs share them and
	// steady-state runs resolve nothing.
	last atomic.Pointer[geomEntry]
}

// geomEntry is a resolved reduction of one input shape over one axes list.
type geomEntry struct {
	shape tensor.Shape
	axes  []int64
	g     *geom
}

func bindReduce(n *ops.Node, k kind) (ops.Kernel, error) {
	keep, err := keepdimsFlag(n)
	if err != nil {
		return nil, err
	}
	r := &reducer{k: k, keep: keep, pool: n.Pool}
	r.axesIn = k == kSum && n.Opset >= 13 || n.Opset >= 18
	if r.axesIn {
		nv, err := n.Int("noop_with_empty_axes", 0)
		if err != nil {
			return nil, err
		}
		r.noop = nv != 0
	} else if r.axes, err = n.Ints("axes"); err != nil {
		return nil, err
	}
	return n.Plan(&ops.Planned{Infer: r.infer, Run: r.run})
}

// sameAxes reports whether the axes in force (those of the tensor t, or
// attr when t is nil) equal cached.
func sameAxes(cached, attr []int64, t *tensor.Tensor) bool {
	if t == nil {
		return slices.Equal(cached, attr)
	}
	if t.Len() != len(cached) {
		return false
	}
	switch t.DType() {
	case tensor.Int64:
		for i, v := range t.Int64s() {
			if v != cached[i] {
				return false
			}
		}
	case tensor.Int32:
		for i, v := range t.Int32s() {
			if int64(v) != cached[i] {
				return false
			}
		}
	default:
		return false
	}
	return true
}

// geometry resolves the reduction of in[0] over the axes in force;
// identity is set (and g nil) when the node reduces nothing
// (noop_with_empty_axes with no axes).
func (r *reducer) geometry(in []*tensor.Tensor) (g *geom, identity bool, err error) {
	x := in[0]
	var at *tensor.Tensor
	if r.axesIn {
		at = ops.Input(in, 1)
	}
	naxes := len(r.axes)
	if at != nil {
		if dt := at.DType(); dt != tensor.Int64 && dt != tensor.Int32 {
			return nil, false, fmt.Errorf("axes: expected an int32 or int64 tensor, got %v", dt)
		}
		naxes = at.Len()
	}
	if naxes == 0 && r.noop {
		return nil, true, nil
	}
	if c := r.last.Load(); c != nil && c.shape.Equal(x.Shape()) && sameAxes(c.axes, r.axes, at) {
		return c.g, false, nil
	}
	ax := r.axes
	if at != nil {
		if ax, err = ops.Int64s(at); err != nil {
			return nil, false, fmt.Errorf("axes: %w", err)
		}
	}
	if g, err = newGeom(x.Shape(), ax, r.keep); err != nil {
		return nil, false, err
	}
	r.last.Store(&geomEntry{shape: x.Shape().Clone(), axes: ax, g: g})
	return g, false, nil
}

// supports reports whether the reduction computes element type dt.
func (k kind) supports(dt tensor.DType) bool {
	switch dt {
	case tensor.Float32, tensor.Float64, tensor.Float16, tensor.BFloat16,
		tensor.Int8, tensor.Int16, tensor.Int32, tensor.Int64,
		tensor.Uint8, tensor.Uint16, tensor.Uint32, tensor.Uint64:
		return true
	case tensor.Bool:
		// ReduceMax-20 and ReduceMin-20: any and all.
		return k == kMax || k == kMin
	}
	return false
}

func (r *reducer) infer(in []*tensor.Tensor, out []ops.OutSpec) error {
	if err := needInputs(in, 1); err != nil {
		return err
	}
	x := in[0]
	g, identity, err := r.geometry(in)
	if err != nil {
		return err
	}
	out[0].DType = x.DType()
	if identity {
		out[0].Shape = append(out[0].Shape[:0], x.Shape()...)
		return nil
	}
	if !r.k.supports(x.DType()) {
		return fmt.Errorf("unsupported input type %v", x.DType())
	}
	out[0].Shape = append(out[0].Shape[:0], g.outShape...)
	return nil
}

func (r *reducer) run(in, out []*tensor.Tensor) error {
	g, identity, err := r.geometry(in)
	if err != nil {
		return err
	}
	x, y := in[0], out[0]
	if identity {
		copyInto(y, x)
		return nil
	}
	if x.DType() == tensor.Float32 {
		r.run32(x.Float32s(), y.Float32s(), g)
		return nil
	}
	return reduceInto(r.k, x, g, y)
}

// run32 reduces float32 x into y: output elements that each fold one
// contiguous run of the input (reductions over trailing axes, such as
// ReduceMean over the last axis) row by row with the vector kernels, split
// over the pool; other geometries through the general fold.
func (r *reducer) run32(x, y []float32, g *geom) {
	if rows, width, ok := g.rows(); ok && width > 0 {
		runRows(r.pool, reduceRows, x, y, rows, width, r.k, 0)
		return
	}
	s := scratches.Get()
	for i, v := range reduceFloat(r.k, x, g, s) {
		y[i] = float32(v)
	}
	scratches.Put(s)
}

// reduceRows reduces rows [lo, hi) of j.x to one element each of j.y.
func reduceRows(j *rowJob, lo, hi int) {
	w := j.width
	for i := lo; i < hi; i++ {
		j.y[i] = reduceRow32(j.k, j.x[i*w:(i+1)*w])
	}
}

// reduceRow32 reduces one non-empty row.
func reduceRow32(k kind, x []float32) float32 {
	switch k {
	case kSum:
		return kew.Sum(x)
	case kMean:
		return kew.Sum(x) / float32(len(x))
	case kMax:
		return kew.Max(x)
	case kMin:
		return kew.Min(x)
	case kLogSum:
		return float32(math.Log(float64(kew.Sum(x))))
	case kLogSumExp:
		return logSumExp32(x)
	case kL1:
		return float32(sumAbs(x))
	case kL2:
		return float32(math.Sqrt(sumSquares(x)))
	case kSumSquare:
		return float32(sumSquares(x))
	}
	p := 1.0 // kProd
	for _, v := range x {
		p *= float64(v)
	}
	return float32(p)
}

// sumSquares returns Σx² in float64, over four independent chains.
func sumSquares(x []float32) float64 {
	var a [4]float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		a[0] += float64(v[0]) * float64(v[0])
		a[1] += float64(v[1]) * float64(v[1])
		a[2] += float64(v[2]) * float64(v[2])
		a[3] += float64(v[3]) * float64(v[3])
	}
	for ; i < len(x); i++ {
		a[0] += float64(x[i]) * float64(x[i])
	}
	return (a[0] + a[1]) + (a[2] + a[3])
}

// sumAbs returns Σ|x| in float64, over four independent chains.
func sumAbs(x []float32) float64 {
	var a [4]float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		a[0] += math.Abs(float64(v[0]))
		a[1] += math.Abs(float64(v[1]))
		a[2] += math.Abs(float64(v[2]))
		a[3] += math.Abs(float64(v[3]))
	}
	for ; i < len(x); i++ {
		a[0] += math.Abs(float64(x[i]))
	}
	return (a[0] + a[1]) + (a[2] + a[3])
}

// logSumExp32 returns log(Σ exp(x)) of a non-empty row: m + log(Σ exp(x −
// m)) with m the maximum (NaN when any element is NaN, ±Inf when m is).
func logSumExp32(x []float32) float32 {
	m := kew.Max(x)
	if m != m || math.IsInf(float64(m), 0) {
		return m
	}
	var s float64
	for _, v := range x {
		s += exp32(float64(v - m))
	}
	return m + float32(math.Log(s))
}

// reduceInto reduces x into y, for every supported type but float32
// (which run32 handles).
func reduceInto(k kind, x *tensor.Tensor, g *geom, y *tensor.Tensor) error {
	s := scratches.Get()
	defer scratches.Put(s)
	switch dt := x.DType(); dt {
	case tensor.Float64:
		copy(y.Float64s(), reduceFloat(k, x.Float64s(), g, s))
	case tensor.Float16, tensor.BFloat16:
		r := reduceFloat(k, s.widen(0, x), g, s)
		f := s.half(1, len(r))
		for i, v := range r {
			f[i] = float32(v)
		}
		tensor.StoreHalf(y, f)
	case tensor.Int8:
		reduceInt(k, tensor.Data[int8](x), tensor.Data[int8](y), g, s, math.MinInt8, math.MaxInt8)
	case tensor.Int16:
		reduceInt(k, tensor.Data[int16](x), tensor.Data[int16](y), g, s, math.MinInt16, math.MaxInt16)
	case tensor.Int32:
		reduceInt(k, tensor.Data[int32](x), tensor.Data[int32](y), g, s, math.MinInt32, math.MaxInt32)
	case tensor.Int64:
		reduceInt(k, tensor.Data[int64](x), tensor.Data[int64](y), g, s, math.MinInt64, math.MaxInt64)
	case tensor.Uint8:
		reduceInt(k, tensor.Data[uint8](x), tensor.Data[uint8](y), g, s, 0, math.MaxUint8)
	case tensor.Uint16:
		reduceInt(k, tensor.Data[uint16](x), tensor.Data[uint16](y), g, s, 0, math.MaxUint16)
	case tensor.Uint32:
		reduceInt(k, tensor.Data[uint32](x), tensor.Data[uint32](y), g, s, 0, math.MaxUint32)
	case tensor.Uint64:
		reduceInt(k, tensor.Data[uint64](x), tensor.Data[uint64](y), g, s, 0, math.MaxUint64)
	case tensor.Bool:
		if k != kMax && k != kMin {
			return fmt.Errorf("unsupported input type %v", dt)
		}
		// ReduceMax-20 and ReduceMin-20: any and all (false and true when
		// nothing is reduced), over the bytes 0 and 1.
		reduceInt(k, x.Bytes(), y.Bytes(), g, s, 0, 1)
	default:
		return fmt.Errorf("unsupported input type %v", dt)
	}
	return nil
}

func fill[T any](s []T, v T) {
	for i := range s {
		s[i] = v
	}
}

// reduceFloat reduces float data, accumulating in float64, and returns the
// results in s's memory.
func reduceFloat[T float32 | float64](k kind, in []T, g *geom, s *scratch) []float64 {
	s.f64 = growSlice(s.f64, g.nOut)
	s.idx = growSlice(s.idx, len(g.dims))
	out, idx := s.f64, s.idx
	switch k {
	case kSum, kMean, kLogSum:
		clear(out)
		foldSum(g, in, out, idx, false)
	case kSumSquare, kL2:
		clear(out)
		foldSum(g, in, out, idx, true)
	case kL1:
		clear(out)
		fold(g, in, out, idx, func(a float64, v T) float64 { return a + math.Abs(float64(v)) })
	case kProd:
		fill(out, 1)
		fold(g, in, out, idx, func(a float64, v T) float64 { return a * float64(v) })
	case kMax:
		fill(out, math.Inf(-1))
		foldMax(g, in, out, idx, true)
	case kMin:
		fill(out, math.Inf(1))
		foldMax(g, in, out, idx, false)
	case kLogSumExp:
		s.lse = growSlice(s.lse, g.nOut)
		acc := s.lse
		fill(acc, lse{m: math.Inf(-1)})
		fold(g, in, acc, idx, func(a lse, v T) lse { return a.add(float64(v)) })
		for i, a := range acc {
			out[i] = a.value()
		}
		return out
	}
	switch k {
	case kMean:
		n := float64(g.nRed)
		for i := range out {
			out[i] /= n
		}
	case kL2:
		for i := range out {
			out[i] = math.Sqrt(out[i])
		}
	case kLogSum:
		for i := range out {
			out[i] = math.Log(out[i])
		}
	}
	return out
}

// lse accumulates log(sum(exp(x))) in one pass: the running maximum m and
// the sum s of exp(x - m).
type lse struct{ m, s float64 }

func (a lse) add(v float64) lse {
	switch {
	case v != v || a.m != a.m:
		return lse{m: math.NaN(), s: 1}
	case math.IsInf(v, -1):
		return a
	case v > a.m:
		if math.IsInf(v, 1) {
			return lse{m: v, s: 1}
		}
		return lse{m: v, s: a.s*math.Exp(a.m-v) + 1}
	case v == a.m:
		return lse{m: a.m, s: a.s + 1}
	}
	return lse{m: a.m, s: a.s + math.Exp(v-a.m)}
}

func (a lse) value() float64 {
	if a.s == 0 {
		return math.Inf(-1)
	}
	return a.m + math.Log(a.s)
}

type integer interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// reduceInt reduces integer data into out. Sums and products wrap as in
// the element type; the logarithmic and L2 reductions are computed in
// float64 and truncated.
func reduceInt[T integer](k kind, in, out []T, g *geom, s *scratch, lo, hi T) {
	idx := growSlice(s.idx, len(g.dims))
	s.idx = idx
	switch k {
	case kSum:
		clear(out)
		fold(g, in, out, idx, func(a T, v T) T { return a + v })
	case kSumSquare:
		clear(out)
		fold(g, in, out, idx, func(a T, v T) T { return a + v*v })
	case kL1:
		clear(out)
		fold(g, in, out, idx, func(a T, v T) T {
			if v < 0 {
				return a - v
			}
			return a + v
		})
	case kProd:
		fill(out, 1)
		fold(g, in, out, idx, func(a T, v T) T { return a * v })
	case kMax:
		fill(out, lo)
		fold(g, in, out, idx, func(a T, v T) T { return max(a, v) })
	case kMin:
		fill(out, hi)
		fold(g, in, out, idx, func(a T, v T) T { return min(a, v) })
	case kMean:
		clear(out)
		if lo < 0 {
			s.sumI = growSlice(s.sumI, g.nOut)
			acc := s.sumI
			clear(acc)
			fold(g, in, acc, idx, func(a int64, v T) int64 { return a + int64(v) })
			if g.nRed > 0 {
				for i, a := range acc {
					out[i] = T(a / int64(g.nRed))
				}
			}
		} else {
			s.sumU = growSlice(s.sumU, g.nOut)
			acc := s.sumU
			clear(acc)
			fold(g, in, acc, idx, func(a uint64, v T) uint64 { return a + uint64(v) })
			if g.nRed > 0 {
				for i, a := range acc {
					out[i] = T(a / uint64(g.nRed))
				}
			}
		}
	default: // L2, LogSum, LogSumExp
		s.in64 = growSlice(s.in64, len(in))
		f := s.in64
		for i, v := range in {
			f[i] = float64(v)
		}
		for i, v := range reduceFloat(k, f, g, s) {
			out[i] = T(v)
		}
	}
}
