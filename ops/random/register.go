// Package random implements ONNX's random-number operators: RandomNormal,
// RandomUniform, RandomNormalLike, RandomUniformLike, Multinomial and
// Bernoulli.
//
// Every kernel call creates its own generator, so kernels are safe for
// concurrent use. With a seed attribute, the generator is seeded from it on
// each call and every run returns the same values; without one, each call
// seeds a fresh generator from math/rand/v2's concurrency-safe global source.
//
// The generator is a Mersenne Twister seeded and consumed the way numpy's
// legacy RandomState is (ops/internal/mt), so for seeds in [0, 2³²) the
// normal, uniform and Bernoulli operators draw the values of ONNX's
// numpy-based reference implementation (up to the last-bit rounding of
// libm's log and exp). ONNX itself says seeded results may differ between
// implementations.
package random

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/ops/internal/mt"
	"github.com/sinter-ml/sinter/tensor"
)

// Register adds this family's operators to r.
func Register(r *ops.Registry) {
	r.Register("", "RandomNormal", 1, bindDistribution("RandomNormal", normal, false))
	r.Register("", "RandomUniform", 1, bindDistribution("RandomUniform", uniform, false))
	r.Register("", "RandomNormalLike", 1, bindDistribution("RandomNormalLike", normal, true))
	r.Register("", "RandomUniformLike", 1, bindDistribution("RandomUniformLike", uniform, true))
	r.Register("", "Multinomial", 7, bindMultinomial)
	r.Register("", "Bernoulli", 15, bindBernoulli)
	for _, op := range []string{"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli"} {
		r.MarkNondeterministic("", op)
	}
}

// ---- seeds ----

// seed is a node's seed attribute.
type seed struct {
	set bool
	v   float32
}

func readSeed(n *ops.Node) (seed, error) {
	v, err := n.Float("seed", 0)
	if err != nil {
		return seed{}, err
	}
	// A NaN seed means "no seed", as in the ONNX reference implementation.
	return seed{set: n.Has("seed") && !math.IsNaN(float64(v)), v: v}, nil
}

// rng returns a new generator for one kernel call. A seed in [0, 2³²) is
// truncated to an integer and used as numpy's RandomState(int(seed)) would;
// other seeds (which numpy rejects) still seed deterministically, from the
// 64 bits of the truncated value. Without a seed the generator is seeded
// with 128 bits from math/rand/v2.
func (s seed) rng() *mt.MT {
	if !s.set {
		var key [4]uint32
		for i := range key {
			key[i] = rand.Uint32()
		}
		return mt.NewFromArray(key[:])
	}
	f := math.Trunc(float64(s.v))
	if f >= 0 && f < 1<<32 {
		return mt.New(uint32(f))
	}
	var i int64
	switch {
	case f >= math.MaxInt64:
		i = math.MaxInt64
	case f <= math.MinInt64:
		i = math.MinInt64
	default:
		i = int64(f)
	}
	return mt.NewFromArray([]uint32{uint32(i), uint32(uint64(i) >> 32)})
}

// ---- dtypes ----

// readDType reads the dtype attribute; def is used when it is absent.
func readDType(n *ops.Node, def tensor.DType) (tensor.DType, error) {
	v, err := n.Int("dtype", int64(def))
	if err != nil {
		return 0, err
	}
	if v <= 0 || v > math.MaxUint8 || !tensor.DType(v).Valid() {
		return 0, fmt.Errorf("dtype %d is not a supported tensor type", v)
	}
	return tensor.DType(v), nil
}

// isFloatOut reports whether dt is a float type a Random* operator may
// output (ONNX allows float16, float and double).
func isFloatOut(dt tensor.DType) bool {
	return dt == tensor.Float16 || dt == tensor.Float32 || dt == tensor.Float64
}

// fromFloat64 builds a tensor of dtype dt from v, converting as numpy's
// astype does for the values these operators produce (floats round to
// nearest, bool is v ≠ 0, integers truncate).
func fromFloat64(dt tensor.DType, shape tensor.Shape, v []float64) (*tensor.Tensor, error) {
	t := tensor.New(dt, shape...)
	switch dt {
	case tensor.Float32:
		o := t.Float32s()
		for i, x := range v {
			o[i] = float32(x)
		}
	case tensor.Float64:
		copy(t.Float64s(), v)
	case tensor.Float16:
		o := tensor.Data[tensor.Float16Bits](t)
		for i, x := range v {
			o[i] = tensor.ToFloat16(float32(x))
		}
	case tensor.BFloat16:
		o := tensor.Data[tensor.BFloat16Bits](t)
		for i, x := range v {
			o[i] = tensor.ToBFloat16(float32(x))
		}
	case tensor.Bool:
		o := t.Bools()
		for i, x := range v {
			o[i] = x != 0
		}
	case tensor.Int8:
		convert(tensor.Data[int8](t), v)
	case tensor.Int16:
		convert(tensor.Data[int16](t), v)
	case tensor.Int32:
		convert(tensor.Data[int32](t), v)
	case tensor.Int64:
		convert(tensor.Data[int64](t), v)
	case tensor.Uint8:
		convert(tensor.Data[uint8](t), v)
	case tensor.Uint16:
		convert(tensor.Data[uint16](t), v)
	case tensor.Uint32:
		convert(tensor.Data[uint32](t), v)
	case tensor.Uint64:
		convert(tensor.Data[uint64](t), v)
	default:
		return nil, fmt.Errorf("cannot produce a %v tensor", dt)
	}
	return t, nil
}

func convert[T ~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64](dst []T, src []float64) {
	for i, x := range src {
		dst[i] = T(x)
	}
}

// ---- RandomNormal, RandomUniform and their -Like forms ----

type distribution int

const (
	normal distribution = iota
	uniform
)

func bindDistribution(op string, dist distribution, like bool) ops.BindFunc {
	return func(n *ops.Node) (ops.Kernel, error) {
		fail := func(err error) (ops.Kernel, error) { return nil, fmt.Errorf("%s: %w", op, err) }
		sd, err := readSeed(n)
		if err != nil {
			return fail(err)
		}
		// a, b are (mean, scale) for normal, (low, high) for uniform.
		names, defs := [2]string{"mean", "scale"}, [2]float32{0, 1}
		if dist == uniform {
			names = [2]string{"low", "high"}
		}
		var ab [2]float64
		for i := range ab {
			v, err := n.Float(names[i], defs[i])
			if err != nil {
				return fail(err)
			}
			ab[i] = float64(v)
		}
		dtSet := n.Has("dtype")
		dt, err := readDType(n, tensor.Float32)
		if err != nil {
			return fail(err)
		}
		if dtSet && !isFloatOut(dt) {
			return fail(fmt.Errorf("dtype %v is not float16, float or double", dt))
		}
		var shape tensor.Shape
		if !like {
			if !n.Has("shape") {
				return fail(fmt.Errorf("attribute \"shape\" is required"))
			}
			dims, err := n.Ints("shape")
			if err != nil {
				return fail(err)
			}
			if shape, err = ops.ShapeFrom(dims); err != nil {
				return fail(fmt.Errorf("shape: %w", err))
			}
		}
		return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			shape, dt := shape, dt
			if like {
				if len(in) < 1 || in[0] == nil {
					return nil, fmt.Errorf("%s: input 0 is missing", op)
				}
				shape = in[0].Shape()
				if !dtSet {
					dt = in[0].DType()
					if !isFloatOut(dt) {
						return nil, fmt.Errorf("%s: input type %v is not float16, float or double; set dtype", op, dt)
					}
				}
			}
			rng := sd.rng()
			v := make([]float64, shape.NumElements())
			switch dist {
			case normal:
				// numpy: randn(*shape) * scale + mean
				for i := range v {
					v[i] = float64(rng.Gauss()*ab[1]) + ab[0]
				}
			case uniform:
				// numpy: rand(*shape) * (high - low) + low
				w := ab[1] - ab[0]
				for i := range v {
					v[i] = float64(rng.Float64()*w) + ab[0]
				}
			}
			out, err := fromFloat64(dt, shape, v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", op, err)
			}
			return []*tensor.Tensor{out}, nil
		}, nil
	}
}

// ---- Bernoulli ----

func bindBernoulli(n *ops.Node) (ops.Kernel, error) {
	sd, err := readSeed(n)
	if err != nil {
		return nil, fmt.Errorf("Bernoulli: %w", err)
	}
	dtSet := n.Has("dtype")
	dt, err := readDType(n, tensor.Float32)
	if err != nil {
		return nil, fmt.Errorf("Bernoulli: %w", err)
	}
	if dtSet && !dt.IsNumeric() {
		return nil, fmt.Errorf("Bernoulli: dtype %v is not a numeric or bool type", dt)
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 1 || in[0] == nil {
			return nil, fmt.Errorf("Bernoulli: input 0 is missing")
		}
		x := in[0]
		if !isFloatOut(x.DType()) {
			return nil, fmt.Errorf("Bernoulli: input type %v is not float16, float or double", x.DType())
		}
		odt := dt
		if !dtSet {
			odt = x.DType()
		}
		p, err := tensor.ToFloat64(x)
		if err != nil {
			return nil, fmt.Errorf("Bernoulli: %w", err)
		}
		for i, pi := range p {
			if !(pi >= 0 && pi <= 1) {
				return nil, fmt.Errorf("Bernoulli: probability %v at element %d is outside [0, 1]", pi, i)
			}
		}
		rng := sd.rng()
		for i, pi := range p {
			if rng.Bernoulli(pi) {
				p[i] = 1
			} else {
				p[i] = 0
			}
		}
		out, err := fromFloat64(odt, x.Shape(), p)
		if err != nil {
			return nil, fmt.Errorf("Bernoulli: %w", err)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// ---- Multinomial ----

func bindMultinomial(n *ops.Node) (ops.Kernel, error) {
	fail := func(err error) (ops.Kernel, error) { return nil, fmt.Errorf("Multinomial: %w", err) }
	sd, err := readSeed(n)
	if err != nil {
		return fail(err)
	}
	dt, err := readDType(n, tensor.Int32)
	if err != nil {
		return fail(err)
	}
	if dt != tensor.Int32 && dt != tensor.Int64 {
		return fail(fmt.Errorf("dtype %v is not int32 or int64", dt))
	}
	samples, err := n.Int("sample_size", 1)
	if err != nil {
		return fail(err)
	}
	if samples < 0 || samples > tensor.MaxElements {
		return fail(fmt.Errorf("sample_size %d is negative or too large", samples))
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 1 || in[0] == nil {
			return nil, fmt.Errorf("Multinomial: input 0 is missing")
		}
		x := in[0]
		if !isFloatOut(x.DType()) {
			return nil, fmt.Errorf("Multinomial: input type %v is not float16, float or double", x.DType())
		}
		if x.Rank() != 2 {
			return nil, fmt.Errorf("Multinomial: input shape %v is not [batch_size, class_size]", x.Shape())
		}
		batch, classes := x.Shape()[0], x.Shape()[1]
		oshape := tensor.Shape{batch, int(samples)}
		if err := oshape.Check(); err != nil {
			return nil, fmt.Errorf("Multinomial: %w", err)
		}
		out := tensor.New(dt, oshape...)
		if out.Len() == 0 {
			return []*tensor.Tensor{out}, nil
		}
		logits, err := tensor.ToFloat64(x)
		if err != nil {
			return nil, fmt.Errorf("Multinomial: %w", err)
		}
		rng := sd.rng()
		cdf := make([]float64, classes)
		idx := make([]int, samples)
		for b := 0; b < batch; b++ {
			if err := cumulative(cdf, logits[b*classes:(b+1)*classes]); err != nil {
				return nil, fmt.Errorf("Multinomial: batch %d: %w", b, err)
			}
			total := cdf[classes-1]
			for s := range idx {
				u := rng.Float64() * total
				// the first class whose cumulative weight exceeds u
				lo, hi := 0, classes-1
				for lo < hi {
					mid := int(uint(lo+hi) >> 1)
					if cdf[mid] > u {
						hi = mid
					} else {
						lo = mid + 1
					}
				}
				idx[s] = lo
			}
			row := b * int(samples)
			switch dt {
			case tensor.Int32:
				o := out.Int32s()[row:]
				for s, c := range idx {
					o[s] = int32(c)
				}
			case tensor.Int64:
				o := out.Int64s()[row:]
				for s, c := range idx {
					o[s] = int64(c)
				}
			}
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// cumulative fills cdf with the running sum of the unnormalised
// probabilities exp(logit − max logit). When some logits are +Inf, those
// classes share all the probability equally.
func cumulative(cdf, logits []float64) error {
	if len(logits) == 0 {
		return fmt.Errorf("class_size is 0")
	}
	m := math.Inf(-1)
	for _, l := range logits {
		if math.IsNaN(l) {
			return fmt.Errorf("log-probability is NaN")
		}
		m = max(m, l)
	}
	if math.IsInf(m, -1) {
		return fmt.Errorf("every log-probability is -Inf")
	}
	sum := 0.0
	for i, l := range logits {
		switch {
		case math.IsInf(m, 1):
			if math.IsInf(l, 1) {
				sum++
			}
		default:
			sum += math.Exp(l - m)
		}
		cdf[i] = sum
	}
	return nil
}
