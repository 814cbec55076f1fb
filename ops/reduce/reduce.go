package reduce

import (
	"fmt"
	"math"

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

func bindReduce(n *ops.Node, k kind) (ops.Kernel, error) {
	keep, err := keepdimsFlag(n)
	if err != nil {
		return nil, err
	}
	// ReduceSum takes its axes from an optional input from opset 13, the
	// others from opset 18.
	axesInput := k == kSum && n.Opset >= 13 || n.Opset >= 18
	var axes []int64
	noop := false
	if axesInput {
		nv, err := n.Int("noop_with_empty_axes", 0)
		if err != nil {
			return nil, err
		}
		noop = nv != 0
	} else {
		if axes, err = n.Ints("axes"); err != nil {
			return nil, err
		}
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := needInputs(in, 1); err != nil {
			return nil, err
		}
		x := in[0]
		ax := axes
		if axesInput && len(in) > 1 && in[1] != nil {
			var err error
			if ax, err = ops.Int64s(in[1]); err != nil {
				return nil, fmt.Errorf("axes: %w", err)
			}
		}
		if len(ax) == 0 && noop {
			return []*tensor.Tensor{x}, nil
		}
		g, err := newGeom(x.Shape(), ax, keep)
		if err != nil {
			return nil, err
		}
		y, err := reduceTensor(k, x, g)
		if err != nil {
			return nil, err
		}
		return []*tensor.Tensor{y}, nil
	}, nil
}

func reduceTensor(k kind, x *tensor.Tensor, g *geom) (*tensor.Tensor, error) {
	dt := x.DType()
	switch dt {
	case tensor.Float32:
		return floatOut(dt, g, reduceFloat(k, x.Float32s(), g)), nil
	case tensor.Float64:
		return floatOut(dt, g, reduceFloat(k, x.Float64s(), g)), nil
	case tensor.Float16, tensor.BFloat16:
		r := reduceFloat(k, widen(x), g)
		f := make([]float32, len(r))
		for i, v := range r {
			f[i] = float32(v)
		}
		return narrow(dt, f, g.outShape), nil
	case tensor.Int8:
		return reduceInt(k, tensor.Data[int8](x), g, dt, math.MinInt8, math.MaxInt8), nil
	case tensor.Int16:
		return reduceInt(k, tensor.Data[int16](x), g, dt, math.MinInt16, math.MaxInt16), nil
	case tensor.Int32:
		return reduceInt(k, tensor.Data[int32](x), g, dt, math.MinInt32, math.MaxInt32), nil
	case tensor.Int64:
		return reduceInt(k, tensor.Data[int64](x), g, dt, math.MinInt64, math.MaxInt64), nil
	case tensor.Uint8:
		return reduceInt(k, tensor.Data[uint8](x), g, dt, 0, math.MaxUint8), nil
	case tensor.Uint16:
		return reduceInt(k, tensor.Data[uint16](x), g, dt, 0, math.MaxUint16), nil
	case tensor.Uint32:
		return reduceInt(k, tensor.Data[uint32](x), g, dt, 0, math.MaxUint32), nil
	case tensor.Uint64:
		return reduceInt(k, tensor.Data[uint64](x), g, dt, 0, math.MaxUint64), nil
	case tensor.Bool:
		// ReduceMax-20 and ReduceMin-20: any and all (false and true when
		// nothing is reduced).
		if k == kMax || k == kMin {
			u := tensor.New(tensor.Uint8, x.Shape()...)
			copy(u.Bytes(), x.Bytes())
			r := reduceInt(k, u.Uint8s(), g, tensor.Uint8, 0, 1)
			return tensor.FromBytes(tensor.Bool, r.Shape(), r.Bytes())
		}
	}
	return nil, fmt.Errorf("unsupported input type %v", dt)
}

// floatOut stores float64 results in a new float32 or float64 tensor.
func floatOut(dt tensor.DType, g *geom, r []float64) *tensor.Tensor {
	t := tensor.New(dt, g.outShape...)
	if dt == tensor.Float32 {
		d := t.Float32s()
		for i, v := range r {
			d[i] = float32(v)
		}
	} else {
		copy(t.Float64s(), r)
	}
	return t
}

func fill[T any](s []T, v T) {
	for i := range s {
		s[i] = v
	}
}

// reduceFloat reduces float data, accumulating in float64.
func reduceFloat[T float32 | float64](k kind, in []T, g *geom) []float64 {
	out := make([]float64, g.nOut)
	switch k {
	case kSum, kMean, kLogSum:
		foldSum(g, in, out, false)
	case kSumSquare, kL2:
		foldSum(g, in, out, true)
	case kL1:
		fold(g, in, out, func(a float64, v T) float64 { return a + math.Abs(float64(v)) })
	case kProd:
		fill(out, 1)
		fold(g, in, out, func(a float64, v T) float64 { return a * float64(v) })
	case kMax:
		fill(out, math.Inf(-1))
		foldMax(g, in, out, true)
	case kMin:
		fill(out, math.Inf(1))
		foldMax(g, in, out, false)
	case kLogSumExp:
		acc := make([]lse, g.nOut)
		fill(acc, lse{m: math.Inf(-1)})
		fold(g, in, acc, func(a lse, v T) lse { return a.add(float64(v)) })
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

// reduceInt reduces integer data. Sums and products wrap as in the element
// type; the logarithmic and L2 reductions are computed in float64 and
// truncated.
func reduceInt[T integer](k kind, in []T, g *geom, dt tensor.DType, lo, hi T) *tensor.Tensor {
	t := tensor.New(dt, g.outShape...)
	out := tensor.Data[T](t)
	switch k {
	case kSum:
		fold(g, in, out, func(a T, v T) T { return a + v })
	case kSumSquare:
		fold(g, in, out, func(a T, v T) T { return a + v*v })
	case kL1:
		fold(g, in, out, func(a T, v T) T {
			if v < 0 {
				return a - v
			}
			return a + v
		})
	case kProd:
		fill(out, 1)
		fold(g, in, out, func(a T, v T) T { return a * v })
	case kMax:
		fill(out, lo)
		fold(g, in, out, func(a T, v T) T { return max(a, v) })
	case kMin:
		fill(out, hi)
		fold(g, in, out, func(a T, v T) T { return min(a, v) })
	case kMean:
		if lo < 0 {
			acc := make([]int64, g.nOut)
			fold(g, in, acc, func(a int64, v T) int64 { return a + int64(v) })
			if g.nRed > 0 {
				for i, a := range acc {
					out[i] = T(a / int64(g.nRed))
				}
			}
		} else {
			acc := make([]uint64, g.nOut)
			fold(g, in, acc, func(a uint64, v T) uint64 { return a + uint64(v) })
			if g.nRed > 0 {
				for i, a := range acc {
					out[i] = T(a / uint64(g.nRed))
				}
			}
		}
	default: // L2, LogSum, LogSumExp
		f := make([]float64, len(in))
		for i, v := range in {
			f[i] = float64(v)
		}
		for i, v := range reduceFloat(k, f, g) {
			out[i] = T(v)
		}
	}
	return t
}
