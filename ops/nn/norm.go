package nn

import (
	"fmt"
	"math"
	"sync/atomic"

	"github.com/sinter-ml/sinter/internal/freelist"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// ---- BatchNormalization ----

type bnAttrs struct {
	eps, momentum float64
	training      bool
	spatial       bool
	opset         int64
	nOut          int
}

func bindBatchNorm(n *ops.Node) (ops.Kernel, error) {
	eps, err := n.Float("epsilon", 1e-5)
	if err != nil {
		return nil, err
	}
	mom, err := n.Float("momentum", 0.9)
	if err != nil {
		return nil, err
	}
	a := &bnAttrs{eps: float64(eps), momentum: float64(mom), spatial: true, opset: n.Opset, nOut: n.NumOutputs()}
	if n.Opset < 9 {
		sp, err := n.Int("spatial", 1)
		if err != nil {
			return nil, err
		}
		a.spatial = sp != 0
	}
	switch {
	case n.Opset >= 14:
		tm, err := n.Int("training_mode", 0)
		if err != nil {
			return nil, err
		}
		a.training = tm != 0
		if !a.training && (n.HasOutput(1) || n.HasOutput(2)) {
			return nil, fmt.Errorf("BatchNormalization: running_mean/running_var outputs need training_mode=1")
		}
	case n.Opset < 7:
		isTest, err := n.Int("is_test", 0)
		if err != nil {
			return nil, err
		}
		a.training = isTest == 0 && n.NumOutputs() > 1
	default:
		a.training = n.NumOutputs() > 1
	}
	check := func(in []*tensor.Tensor) error {
		if len(in) < 5 {
			return fmt.Errorf("BatchNormalization needs 5 inputs")
		}
		for i, name := range [5]string{"X", "scale", "B", "mean", "var"} {
			if err := needFloat(name, in[i]); err != nil {
				return fmt.Errorf("BatchNormalization: %w", err)
			}
		}
		if in[0].Rank() < 2 {
			return fmt.Errorf("BatchNormalization: X must have rank ≥ 2, has shape %v", in[0].Shape())
		}
		return nil
	}
	generic := func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := check(in); err != nil {
			return nil, err
		}
		if in[0].DType() == tensor.Float64 {
			return batchNorm[float64](a, in)
		}
		return batchNorm[float32](a, in)
	}
	if a.training {
		return generic, nil
	}
	var folded atomic.Pointer[bnFolded]
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if err := check(in); err != nil {
				return err
			}
			P := in[0].Shape()[1]
			if !a.spatial {
				P = in[0].Len() / max(in[0].Shape()[0], 1)
			}
			for i, name := range [4]string{"scale", "B", "mean", "var"} {
				if in[1+i].Len() != P {
					return fmt.Errorf("BatchNormalization: %s has %d elements (shape %v), want %d", name, in[1+i].Len(), in[1+i].Shape(), P)
				}
			}
			out[0].DType, out[0].Shape = in[0].DType(), append(out[0].Shape[:0], in[0].Shape()...)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			if a.spatial && allF32(in[0], in[1], in[2], in[3], in[4]) {
				f := folded.Load()
				if f == nil || !f.same(in) {
					f = foldBN(in, a.eps)
					folded.Store(f)
				}
				f.apply(in[0], out[0])
				return nil
			}
			res, err := generic(in)
			if err != nil {
				return err
			}
			return copyResult(out[0], res[0])
		},
	})
}

// bnFolded is an inference BatchNormalization's parameters folded into
// y = x·k + b per channel, for the parameter tensors it was made from
// (usually the graph's constants, so it is made once).
type bnFolded struct {
	params [4]*tensor.Tensor
	k, b   []float32
}

func (f *bnFolded) same(in []*tensor.Tensor) bool {
	for i, p := range f.params {
		if in[1+i] != p {
			return false
		}
	}
	return true
}

// foldBN computes k = scale/√(var+ε) and b = B − mean·k as the general
// path does (in float64, rounded to float32 once).
func foldBN(in []*tensor.Tensor, eps float64) *bnFolded {
	scale, bias, mean, vr := in[1].Float32s(), in[2].Float32s(), in[3].Float32s(), in[4].Float32s()
	f := &bnFolded{params: [4]*tensor.Tensor{in[1], in[2], in[3], in[4]}, k: make([]float32, len(scale)), b: make([]float32, len(scale))}
	for i := range f.k {
		f.k[i] = float32(float64(scale[i]) / math.Sqrt(float64(vr[i])+eps))
		f.b[i] = bias[i] - mean[i]*f.k[i]
	}
	return f
}

// apply writes y = x·k[c] + b[c] over NC… planes.
func (f *bnFolded) apply(xt, yt *tensor.Tensor) {
	x, y := xt.Float32s(), yt.Float32s()
	xs := xt.Shape()
	C := xs[1]
	S := prod(xs[2:])
	for o := 0; o < xs[0]*C; o++ {
		kc, bc := f.k[o%C], f.b[o%C]
		xp, yp := x[o*S:(o+1)*S], y[o*S:(o+1)*S]
		for s, v := range xp {
			yp[s] = v*kc + bc
		}
	}
}

func batchNorm[T ops.Float](a *bnAttrs, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	xt := in[0]
	xs := xt.Shape()
	N, C := xs[0], xs[1]
	S := prod(xs[2:])
	P := C
	if !a.spatial {
		P = C * S
	}
	for i, name := range []string{"scale", "B", "mean", "var"} {
		if in[1+i].Len() != P {
			return nil, fmt.Errorf("BatchNormalization: %s has %d elements (shape %v), want %d", name, in[1+i].Len(), in[1+i].Shape(), P)
		}
	}
	x := asFloat[T](xt)
	scale, bias := asFloat[T](in[1]), asFloat[T](in[2])
	mean, vr := asFloat[T](in[3]), asFloat[T](in[4])
	// pidx maps (c, s) to the parameter index.
	pidx := func(c, s int) int {
		if a.spatial {
			return c
		}
		return c*S + s
	}
	useMean, useVar := mean, vr
	var curMean, curVar []float64
	if a.training {
		curMean = make([]float64, P)
		curVar = make([]float64, P)
		cnt := float64(N * S)
		if !a.spatial {
			cnt = float64(N)
		}
		for n := 0; n < N; n++ {
			for c := 0; c < C; c++ {
				base := (n*C + c) * S
				for s := 0; s < S; s++ {
					curMean[pidx(c, s)] += float64(x[base+s])
				}
			}
		}
		for i := range curMean {
			curMean[i] /= cnt
		}
		for n := 0; n < N; n++ {
			for c := 0; c < C; c++ {
				base := (n*C + c) * S
				for s := 0; s < S; s++ {
					d := float64(x[base+s]) - curMean[pidx(c, s)]
					curVar[pidx(c, s)] += d * d
				}
			}
		}
		for i := range curVar {
			curVar[i] /= cnt
		}
		useMean, useVar = make([]T, P), make([]T, P)
		for i := range useMean {
			useMean[i], useVar[i] = T(curMean[i]), T(curVar[i])
		}
	}
	// y = x·k + b' with k = scale/sqrt(var+eps), b' = B − mean·k.
	k := make([]T, P)
	b2 := make([]T, P)
	for i := range k {
		k[i] = T(float64(scale[i]) / math.Sqrt(float64(useVar[i])+a.eps))
		b2[i] = bias[i] - useMean[i]*k[i]
	}
	y := make([]T, len(x))
	for n := 0; n < N; n++ {
		for c := 0; c < C; c++ {
			base := (n*C + c) * S
			if a.spatial {
				kc, bc := k[c], b2[c]
				for s := 0; s < S; s++ {
					y[base+s] = x[base+s]*kc + bc
				}
			} else {
				for s := 0; s < S; s++ {
					p := c*S + s
					y[base+s] = x[base+s]*k[p] + b2[p]
				}
			}
		}
	}
	outs := []*tensor.Tensor{newFloat(xt.DType(), xs, y)}
	if !a.training {
		for len(outs) < a.nOut {
			outs = append(outs, nil)
		}
		return outs, nil
	}
	m := a.momentum
	runMean, runVar := make([]T, P), make([]T, P)
	for i := range runMean {
		runMean[i] = T(float64(mean[i])*m + curMean[i]*(1-m))
		runVar[i] = T(float64(vr[i])*m + curVar[i]*(1-m))
	}
	outs = append(outs, newFloat(in[3].DType(), in[3].Shape(), runMean), newFloat(in[4].DType(), in[4].Shape(), runVar))
	if a.opset < 14 {
		sm, sv := make([]T, P), make([]T, P)
		for i := range sm {
			sm[i], sv[i] = T(curMean[i]), T(curVar[i])
		}
		outs = append(outs, newFloat(in[3].DType(), in[3].Shape(), sm), newFloat(in[4].DType(), in[4].Shape(), sv))
	}
	if len(outs) > a.nOut {
		outs = outs[:a.nOut]
	}
	for len(outs) < a.nOut {
		outs = append(outs, nil)
	}
	return outs, nil
}

// ---- InstanceNormalization ----

func bindInstanceNorm(n *ops.Node) (ops.Kernel, error) {
	eps, err := n.Float("epsilon", 1e-5)
	if err != nil {
		return nil, err
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if len(in) < 3 {
				return fmt.Errorf("InstanceNormalization needs 3 inputs")
			}
			for i, name := range [3]string{"input", "scale", "B"} {
				if err := needFloat(name, in[i]); err != nil {
					return fmt.Errorf("InstanceNormalization: %w", err)
				}
			}
			x := in[0]
			if x.Rank() < 2 {
				return fmt.Errorf("InstanceNormalization: input must have rank ≥ 2, has shape %v", x.Shape())
			}
			C := x.Shape()[1]
			if in[1].Len() != C || in[2].Len() != C {
				return fmt.Errorf("InstanceNormalization: scale %v and B %v must have %d elements", in[1].Shape(), in[2].Shape(), C)
			}
			out[0].DType, out[0].Shape = x.DType(), append(out[0].Shape[:0], x.Shape()...)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			st, bt := in[1], in[2]
			eachFloat(in[0], out[0],
				func(x, y []float32, xs tensor.Shape, _ *floatScratch) {
					instanceNorm(x, y, xs, st, bt, float64(eps))
				},
				func(x, y []float64, xs tensor.Shape, _ *floatScratch) {
					instanceNorm(x, y, xs, st, bt, float64(eps))
				})
			return nil
		},
	})
}

// meanVar returns the mean and population variance of v (two-pass, float64).
func meanVar[T ops.Float](v []T) (float64, float64) {
	if len(v) == 0 {
		return 0, 0
	}
	var s float64
	for _, x := range v {
		s += float64(x)
	}
	mean := s / float64(len(v))
	var q float64
	for _, x := range v {
		d := float64(x) - mean
		q += d * d
	}
	return mean, q / float64(len(v))
}

// instanceNorm normalises each N×C plane of x (shape xs) into y.
func instanceNorm[T ops.Float](x, y []T, xs tensor.Shape, st, bt *tensor.Tensor, eps float64) {
	N, C := xs[0], xs[1]
	S := prod(xs[2:])
	for n := 0; n < N; n++ {
		for c := 0; c < C; c++ {
			base := (n*C + c) * S
			seg := x[base : base+S]
			mean, vr := meanVar(seg)
			k := float64(T(tensor.Float64At(st, c))) / math.Sqrt(vr+eps)
			b := float64(T(tensor.Float64At(bt, c))) - mean*k
			out := y[base : base+S]
			for i, v := range seg {
				out[i] = T(float64(v)*k + b)
			}
		}
	}
}

// ---- LayerNormalization ----

func bindLayerNorm(n *ops.Node) (ops.Kernel, error) {
	axis, err := n.Int("axis", -1)
	if err != nil {
		return nil, err
	}
	eps, err := n.Float("epsilon", 1e-5)
	if err != nil {
		return nil, err
	}
	stash, err := n.Int("stash_type", 1)
	if err != nil {
		return nil, err
	}
	u := tensor.DType(stash)
	if stash < 0 || stash > 255 || !u.IsFloat() {
		return nil, fmt.Errorf("LayerNormalization: stash_type %d is not a floating-point type", stash)
	}
	wantStats := n.HasOutput(1) || n.HasOutput(2)
	pool := poolOf(n)
	// check validates the inputs and returns the normalised axis.
	check := func(in []*tensor.Tensor) (int, error) {
		if len(in) < 2 {
			return 0, fmt.Errorf("LayerNormalization needs inputs X and Scale")
		}
		if err := needFloat("X", in[0]); err != nil {
			return 0, err
		}
		if err := needFloat("Scale", in[1]); err != nil {
			return 0, err
		}
		x, b := in[0], optIn(in, 2)
		if b != nil {
			if err := needFloat("B", b); err != nil {
				return 0, err
			}
		}
		r := x.Rank()
		if axis < -int64(r) || axis > int64(r) {
			return 0, fmt.Errorf("LayerNormalization: axis %d out of range for rank %d", axis, r)
		}
		ax := int(axis)
		if ax < 0 {
			ax += r
		}
		xs := x.Shape()
		for _, t := range [2]*tensor.Tensor{in[1], b} {
			if t != nil && !broadcastsTo(t.Shape(), xs) {
				return 0, fmt.Errorf("LayerNormalization: shape %v does not broadcast to X %v", t.Shape(), xs)
			}
		}
		return ax, nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			ax, err := check(in)
			if err != nil {
				return err
			}
			xs := in[0].Shape()
			out[0].DType, out[0].Shape = in[0].DType(), append(out[0].Shape[:0], xs...)
			for k := 1; k < len(out) && k < 3; k++ {
				// Mean and InvStdDev: X's shape with the normalised axes 1.
				out[k].DType, out[k].Shape = u, append(out[k].Shape[:0], xs...)
				for i := ax; i < len(xs); i++ {
					out[k].Shape[i] = 1
				}
			}
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			ax, err := check(in)
			if err != nil {
				return err
			}
			x, b := in[0], optIn(in, 2)
			if layerNorm32(pool, x, in[1], b, ax, eps, u, wantStats, out[0]) {
				return nil
			}
			var outs []*tensor.Tensor
			if x.DType() == tensor.Float64 || u == tensor.Float64 {
				outs = layerNorm[float64](x, in[1], b, ax, float64(eps), u, wantStats)
			} else {
				outs = layerNorm[float32](x, in[1], b, ax, float64(eps), u, wantStats)
			}
			for i, t := range outs {
				if i < len(out) && out[i] != nil {
					if err := copyResult(out[i], t); err != nil {
						return err
					}
				}
			}
			return nil
		},
	})
}

// broadcastsTo reports whether shape s broadcasts unidirectionally to x
// (numpy rules; s no longer than x).
func broadcastsTo(s, x tensor.Shape) bool {
	if len(s) > len(x) {
		return false
	}
	off := len(x) - len(s)
	for i, d := range s {
		if d != 1 && d != x[off+i] {
			return false
		}
	}
	return true
}

func layerNorm[T ops.Float](xt, st, bt *tensor.Tensor, axis int, eps float64, u tensor.DType, wantStats bool) []*tensor.Tensor {
	xs := xt.Shape()
	outer := prod(xs[:axis])
	inner := prod(xs[axis:])
	x := asFloat[T](xt)
	y := make([]T, len(x))
	means := make([]T, outer)
	invs := make([]T, outer)
	for o := 0; o < outer; o++ {
		seg := x[o*inner : (o+1)*inner]
		mean, vr := meanVar(seg)
		// Stage one runs in the stash precision.
		m := T(mean)
		inv := T(1 / math.Sqrt(float64(T(vr))+eps))
		means[o], invs[o] = m, inv
		out := y[o*inner : (o+1)*inner]
		for i, v := range seg {
			out[i] = (v - m) * inv
		}
	}
	if xt.DType() == tensor.Float16 || xt.DType() == tensor.BFloat16 {
		// Normalized is cast back to X's type before scaling.
		for i, v := range y {
			if xt.DType() == tensor.Float16 {
				y[i] = T(tensor.ToFloat16(float32(v)).Float32())
			} else {
				y[i] = T(tensor.ToBFloat16(float32(v)).Float32())
			}
		}
	}
	scale := asFloat[T](st)
	if st.Len() == inner && st.Rank() <= len(xs)-axis {
		for o := 0; o < outer; o++ {
			out := y[o*inner : (o+1)*inner]
			for i := range out {
				out[i] *= scale[i]
			}
		}
	} else {
		ops.BroadcastIndex(xs, []tensor.Shape{st.Shape()}, func(o int, offs []int) { y[o] *= scale[offs[0]] })
	}
	if bt != nil {
		bias := asFloat[T](bt)
		if bt.Len() == inner && bt.Rank() <= len(xs)-axis {
			for o := 0; o < outer; o++ {
				out := y[o*inner : (o+1)*inner]
				for i := range out {
					out[i] += bias[i]
				}
			}
		} else {
			ops.BroadcastIndex(xs, []tensor.Shape{bt.Shape()}, func(o int, offs []int) { y[o] += bias[offs[0]] })
		}
	}
	outs := []*tensor.Tensor{newFloat(xt.DType(), xs, y)}
	if wantStats {
		ss := append(tensor.Shape{}, xs...)
		for i := axis; i < len(ss); i++ {
			ss[i] = 1
		}
		outs = append(outs, newFloat(u, ss, means), newFloat(u, ss, invs))
	}
	return outs
}

// ---- LRN ----

func bindLRN(n *ops.Node) (ops.Kernel, error) {
	alpha, err := n.Float("alpha", 1e-4)
	if err != nil {
		return nil, err
	}
	beta, err := n.Float("beta", 0.75)
	if err != nil {
		return nil, err
	}
	bias, err := n.Float("bias", 1)
	if err != nil {
		return nil, err
	}
	size, err := n.Int("size", 0)
	if err != nil {
		return nil, err
	}
	if !n.Has("size") || size <= 0 || size > 1<<30 {
		return nil, fmt.Errorf("LRN: size must be given and positive, got %d", size)
	}
	a := lrnAttrs{alpha: float64(alpha), beta: float64(beta), bias: float64(bias), size: int(size)}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if len(in) < 1 {
				return fmt.Errorf("LRN needs input X")
			}
			if err := needFloat("X", in[0]); err != nil {
				return err
			}
			x := in[0]
			if x.Rank() < 2 {
				return fmt.Errorf("LRN: input must have rank ≥ 2, has shape %v", x.Shape())
			}
			out[0].DType, out[0].Shape = x.DType(), append(out[0].Shape[:0], x.Shape()...)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			eachFloat(in[0], out[0],
				func(x, y []float32, xs tensor.Shape, s *floatScratch) { lrn(x, y, xs, a, s) },
				func(x, y []float64, xs tensor.Shape, s *floatScratch) { lrn(x, y, xs, a, s) })
			return nil
		},
	})
}

type lrnAttrs struct {
	alpha, beta, bias float64
	size              int
}

// lrn writes x (shape xs) divided by (bias + α/size · Σ x²)^β, the sum over
// a window of channels, into y. Each plane's sums of squares accumulate in
// s, channel by channel in ascending order.
func lrn[T ops.Float](x, y []T, xs tensor.Shape, at lrnAttrs, s *floatScratch) {
	N, C := xs[0], xs[1]
	S := prod(xs[2:])
	lo := (at.size - 1) / 2
	hi := at.size - 1 - lo // ceil((size-1)/2)
	a := at.alpha / float64(at.size)
	bias, beta := at.bias, at.beta
	sq := s.float64s(S)
	for n := 0; n < N; n++ {
		for c := 0; c < C; c++ {
			c0, c1 := max(0, c-lo), min(C-1, c+hi)
			clear(sq)
			for cc := c0; cc <= c1; cc++ {
				xp := x[(n*C+cc)*S : (n*C+cc+1)*S]
				for i := range sq {
					v := float64(xp[i])
					sq[i] += v * v
				}
			}
			base := (n*C + c) * S
			xp, yp := x[base:base+S], y[base:base+S]
			for i, q := range sq {
				yp[i] = T(float64(xp[i]) / math.Pow(bias+a*q, beta))
			}
		}
	}
}

// ---- MeanVarianceNormalization ----

func bindMVN(n *ops.Node) (ops.Kernel, error) {
	axes, err := n.Ints("axes")
	if err != nil {
		return nil, err
	}
	if axes == nil {
		axes = []int64{0, 2, 3}
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if len(in) < 1 {
				return fmt.Errorf("MeanVarianceNormalization needs input X")
			}
			if err := needFloat("X", in[0]); err != nil {
				return err
			}
			xs := in[0].Shape()
			for _, ax := range axes {
				if _, err := ops.NormAxis(ax, len(xs)); err != nil {
					return fmt.Errorf("MeanVarianceNormalization: %w", err)
				}
			}
			out[0].DType, out[0].Shape = in[0].DType(), append(out[0].Shape[:0], xs...)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			eachFloat(in[0], out[0],
				func(x, y []float32, xs tensor.Shape, s *floatScratch) { mvn(x, y, xs, axes, s) },
				func(x, y []float64, xs tensor.Shape, s *floatScratch) { mvn(x, y, xs, axes, s) })
			return nil
		},
	})
}

// mvn writes x (shape xs, axes valid) normalised to zero mean and unit
// variance over axes into y. Sums run in float64 over the elements in
// order.
func mvn[T ops.Float](x, y []T, xs tensor.Shape, axes []int64, s *floatScratch) {
	r := len(xs)
	// rst[ax] is axis ax's stride in the reduced array (0 on reduced axes);
	// idx counts positions on all axes but the last.
	ints := s.ints(2 * r)
	rst, idx := ints[:r], ints[r:]
	for ax := range rst {
		rst[ax] = 1
	}
	for _, a := range axes {
		ax, _ := ops.NormAxis(a, r)
		rst[ax] = 0
	}
	R := 1
	for ax := r - 1; ax >= 0; ax-- {
		if rst[ax] != 0 {
			rst[ax] = R
			R *= xs[ax]
		}
	}
	if len(x) == 0 {
		return
	}
	cnt := len(x) / R
	stats := s.float64s(3 * R)
	sum, sq, std := stats[:R], stats[R:2*R], stats[2*R:]
	clear(sum)
	clear(sq)
	// x is walked in runs along its last axis: a run starting at o has
	// offset off in the reduced array, and stride is there.
	inner, is := 1, 0
	if r > 0 {
		inner, is = xs[r-1], rst[r-1]
	}
	clear(idx)
	off := 0
	for o := 0; o < len(x); o += inner {
		xp := x[o : o+inner]
		for j, xv := range xp {
			k := off + j*is
			v := float64(xv)
			sum[k] += v
			sq[k] += v * v
		}
		off = nextRun(xs, rst, idx, off)
	}
	for i := range sum {
		m := sum[i] / float64(cnt)
		sum[i] = m
		std[i] = math.Sqrt(math.Max(0, sq[i]/float64(cnt)-m*m)) + 1e-9
	}
	clear(idx)
	off = 0
	for o := 0; o < len(x); o += inner {
		xp, yp := x[o:o+inner], y[o:o+inner]
		for j, xv := range xp {
			k := off + j*is
			yp[j] = T((float64(xv) - sum[k]) / std[k])
		}
		off = nextRun(xs, rst, idx, off)
	}
}

// nextRun steps idx, a position on every axis of shape but the last, to
// the next one and returns off moved along by strides.
func nextRun(shape tensor.Shape, strides, idx []int, off int) int {
	for ax := len(shape) - 2; ax >= 0; ax-- {
		idx[ax]++
		off += strides[ax]
		if idx[ax] < shape[ax] {
			return off
		}
		off -= strides[ax] * shape[ax]
		idx[ax] = 0
	}
	return off
}

// ---- scratch and dtypes of the planned float kernels ----

// floatScratch is a planned kernel's working storage for one run, taken
// from floatScratches so that a steady-state run allocates nothing.
type floatScratch struct {
	f32 []float32
	f64 []float64
	i   []int
}

var floatScratches freelist.List[floatScratch]

func (s *floatScratch) float32s(n int) []float32 {
	if cap(s.f32) < n {
		s.f32 = make([]float32, n)
	}
	return s.f32[:n]
}

func (s *floatScratch) float64s(n int) []float64 {
	if cap(s.f64) < n {
		s.f64 = make([]float64, n)
	}
	return s.f64[:n]
}

func (s *floatScratch) ints(n int) []int {
	if cap(s.i) < n {
		s.i = make([]int, n)
	}
	return s.i[:n]
}

// eachFloat runs a float kernel from x into y, of the same floating-point
// dtype: f64 on Float64 storage, f32 on Float32 storage, and f32 on
// float32 copies for Float16 and BFloat16, whose results are rounded into
// y once (as the allocating kernels' newFloat did). xs is x's shape; s is
// scratch for the kernel's own use (not holding x or y).
func eachFloat(xt, yt *tensor.Tensor,
	f32 func(x, y []float32, xs tensor.Shape, s *floatScratch),
	f64 func(x, y []float64, xs tensor.Shape, s *floatScratch)) {
	s := floatScratches.Get()
	switch xt.DType() {
	case tensor.Float64:
		f64(xt.Float64s(), yt.Float64s(), xt.Shape(), s)
	case tensor.Float32:
		f32(xt.Float32s(), yt.Float32s(), xt.Shape(), s)
	default:
		h := floatScratches.Get()
		nx := xt.Len()
		b := h.float32s(nx + yt.Len())
		x, y := b[:nx], b[nx:]
		tensor.LoadHalf(x, xt)
		f32(x, y, xt.Shape(), s)
		tensor.StoreHalf(yt, y)
		floatScratches.Put(h)
	}
	floatScratches.Put(s)
}
