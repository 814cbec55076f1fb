package ensemble

import (
	"math"
)

// This file is the reference evaluator: slow, obvious, one row at a time.
// It defines the semantics the fast kernels (kernels/trees) must reproduce
// bit for bit, and lets format loaders check themselves against library
// outputs without a compiler.

func f32(v float64) float64 { return float64(float32(v)) }

// feature returns x[f] as the ensemble compares it.
func (e *Ensemble) feature(x []float64, f int32) float64 {
	v := x[f]
	if e.Precision != Float64 {
		v = f32(v)
	}
	return v
}

func (e *Ensemble) threshold(t float64) float64 {
	if e.Precision == Float32 {
		return f32(t)
	}
	return t
}

// Decide reports whether split node nd sends x to its True child. It must
// not be called on a leaf.
func (e *Ensemble) Decide(nd *Node, x []float64) bool {
	return e.DecideValue(nd, e.feature(x, nd.Feature))
}

// DecideValue is Decide given the node's feature value v, already rounded
// as Precision says (float32-rounded unless Precision is Float64).
func (e *Ensemble) DecideValue(nd *Node, v float64) bool {
	if nd.Op == InSet && (e.Categories == CatNegativeMissing || e.Categories == CatUint8Wrap) && v < 0 {
		v = math.NaN()
	}
	switch nd.Missing {
	case MissingNaN:
		if math.IsNaN(v) {
			return nd.DefaultTrue
		}
	case MissingZero:
		if math.IsNaN(v) || (v >= -ZeroThreshold && v <= ZeroThreshold) {
			return nd.DefaultTrue
		}
	case MissingAsZero:
		if math.IsNaN(v) {
			v = 0
		}
	}
	t := e.threshold(nd.Threshold)
	switch nd.Op {
	case LT:
		return v < t
	case LE:
		return v <= t
	case GT:
		return v > t
	case GE:
		return v >= t
	case EQ:
		return v == t
	case NE:
		return v != t
	case InSet:
		if math.IsNaN(v) {
			return false
		}
		if e.Categories != CatTruncate && v < 0 {
			return false
		}
		if e.Categories == CatUint8Wrap {
			c := int64(0)
			if v < 1<<63 {
				c = int64(math.Trunc(v)) & 255
			}
			return HasBit(nd.Cats, c)
		}
		c := math.Trunc(v)
		if c < 0 || c >= 1<<31 {
			return false
		}
		return HasBit(nd.Cats, int64(c))
	case InValues:
		for _, s := range nd.Values {
			if v == e.threshold(s) {
				return true
			}
		}
		return false
	}
	return false
}

// LeafOf returns the index in t.Nodes of the leaf x reaches.
func (e *Ensemble) LeafOf(t *Tree, x []float64) int {
	i := 0
	for t.Nodes[i].Op != Leaf {
		nd := &t.Nodes[i]
		if e.Decide(nd, x) {
			i = int(nd.True)
		} else {
			i = int(nd.False)
		}
	}
	return i
}

// Eval scores one row with the reference evaluator: x holds NumFeatures
// values (float32 inputs widened exactly); margin and pred, when non-nil,
// receive NumTargets raw and transformed values; leaves, when non-nil,
// receives the ID of the leaf reached in each tree. The ensemble must be
// valid.
func (e *Ensemble) Eval(x []float64, margin, pred []float64, leaves []int64) {
	k := e.NumTargets
	acc := make([]float64, k)
	has := make([]bool, k)
	single := e.Accumulate == AccumFloat32
	round := func(v float64) float64 {
		if single {
			return f32(v)
		}
		return v
	}
	if e.BaseFirst && e.BaseValues != nil {
		for j := range acc {
			acc[j] = round(e.BaseValues[j])
		}
	}
	add := func(target int32, c float64) {
		switch e.Aggregate {
		case Sum, Average:
			acc[target] = round(acc[target] + c)
		case Min:
			if !has[target] || c < acc[target] {
				acc[target] = c
			}
		case Max:
			if !has[target] || c > acc[target] {
				acc[target] = c
			}
		}
		has[target] = true
	}
	for ti := range e.Trees {
		t := &e.Trees[ti]
		li := e.LeafOf(t, x)
		if leaves != nil {
			leaves[ti] = int64(t.Nodes[li].ID)
		}
		leaf := &t.Nodes[li]
		w := 1.0
		if e.TreeWeights != nil {
			w = round(e.TreeWeights[ti])
		}
		if len(leaf.Linear) > 0 && !(e.LinearNaN == LinearNaNFallback && linearHasNaN(leaf.Linear, x)) {
			for _, lt := range leaf.Linear {
				v := round(lt.Const)
				for j, f := range lt.Features {
					xv := x[f]
					if math.IsNaN(xv) {
						continue // only reached under LinearNaNSkip
					}
					// The explicit float64 conversion rounds the product,
					// so the compiler may not fuse it with the addition
					// into an FMA (arm64, ppc64le, s390x, riscv64).
					v = round(v + round(float64(round(lt.Coeffs[j])*round(xv))))
				}
				if w != 1 {
					v = round(float64(w * v))
				}
				add(lt.Target, v)
			}
			continue
		}
		for _, lv := range leaf.Leaf {
			v := round(lv.Value)
			if w != 1 {
				v = round(float64(w * v))
			}
			add(lv.Target, v)
		}
	}
	if e.Aggregate == Average {
		for j, n := range e.TreesPerTarget() {
			if n > 0 {
				acc[j] = round(acc[j] / float64(n))
			}
		}
	}
	if !e.BaseFirst && e.BaseValues != nil {
		for j := range acc {
			acc[j] = round(acc[j] + round(e.BaseValues[j]))
		}
	}
	if margin != nil {
		copy(margin, acc)
	}
	if pred != nil {
		ApplyPost(e.Post, e.Scale(), acc, pred)
	}
}

// TreesPerTarget returns, for each target, the number of trees feeding it:
// trees with at least one leaf entry (Leaf or Linear) for that target.
// Average divides each target's sum by this count (LightGBM random forests
// with K classes: trees/K each; ONNX AVERAGE, where every tree feeds every
// target, or has a zero vote for it: the number of trees).
func (e *Ensemble) TreesPerTarget() []int {
	n := make([]int, e.NumTargets)
	seen := make([]int, e.NumTargets) // 1 + index of the last tree counted
	for ti := range e.Trees {
		for ni := range e.Trees[ti].Nodes {
			nd := &e.Trees[ti].Nodes[ni]
			for _, lv := range nd.Leaf {
				if seen[lv.Target] != ti+1 {
					seen[lv.Target] = ti + 1
					n[lv.Target]++
				}
			}
			for _, lt := range nd.Linear {
				if seen[lt.Target] != ti+1 {
					seen[lt.Target] = ti + 1
					n[lt.Target]++
				}
			}
		}
	}
	return n
}

func linearHasNaN(terms []LinearTerm, x []float64) bool {
	for _, lt := range terms {
		for _, f := range lt.Features {
			if math.IsNaN(x[f]) {
				return true
			}
		}
	}
	return false
}

// ApplyPost transforms one row of margins m into out (len(out) == len(m);
// they may be the same slice), in float64.
func ApplyPost(p Post, scale float64, m, out []float64) {
	switch p {
	case None:
		copy(out, m)
	case Logistic:
		for j, v := range m {
			out[j] = 1 / (1 + math.Exp(-scale*v))
		}
	case Softmax:
		mx := math.Inf(-1)
		for _, v := range m {
			mx = math.Max(mx, v)
		}
		s := 0.0
		for j, v := range m {
			out[j] = math.Exp(v - mx)
			s += out[j]
		}
		for j := range out {
			out[j] /= s
		}
	case SoftmaxZero:
		// As ONNX Runtime: the max runs over every margin; margins with
		// |m| ≤ 1e-7 stay 0.
		mx := math.Inf(-1)
		for _, v := range m {
			mx = math.Max(mx, v)
		}
		s := 0.0
		for j, v := range m {
			if v > 1e-7 || v < -1e-7 {
				out[j] = math.Exp(v - mx)
			} else {
				out[j] = 0
			}
			s += out[j]
		}
		if s > 0 {
			for j := range out {
				out[j] /= s
			}
		}
	case Probit:
		for j, v := range m {
			out[j] = Probit1(v)
		}
	case Exp:
		for j, v := range m {
			out[j] = math.Exp(v)
		}
	case Softplus:
		for j, v := range m {
			if v > 0 {
				out[j] = v + math.Log1p(math.Exp(-v))
			} else {
				out[j] = math.Log1p(math.Exp(v))
			}
		}
	case Step:
		for j, v := range m {
			if v > 0 {
				out[j] = 1
			} else {
				out[j] = 0
			}
		}
	case SignSquare:
		for j, v := range m {
			out[j] = math.Copysign(v*v, v)
		}
	}
}

// Probit1 is ONNX Runtime's probit: √2·erfinv(2m−1) with erfinv by
// Winitzki's approximation (a = 0.147), evaluated in float32 as ONNX
// Runtime does.
func Probit1(m float64) float64 {
	x := float32(2*m - 1)
	sgn := float32(1)
	if x < 0 {
		sgn = -1
	}
	x = (1 - x) * (1 + x)
	lg := float32(math.Log(float64(x)))
	// Explicit float32 conversions keep products out of FMAs (arm64).
	v := 2/(float32(3.14159)*float32(0.147)) + float32(0.5*lg)
	v2 := float32(1 / float32(0.147) * lg)
	v3 := -v + float32(math.Sqrt(float64(float32(v*v)-v2)))
	x = sgn * float32(math.Sqrt(float64(v3-v)))
	return float64(float32(1.41421356) * x)
}

// Probabilities writes a classifier's probability row for a prediction row
// pred (NumTargets values) into out (NumClasses values) and returns the
// index of the predicted class (the first largest probability).
func (e *Ensemble) Probabilities(pred, out []float64) int {
	if e.NumTargets == 1 && len(out) == 2 {
		out[0], out[1] = 1-pred[0], pred[0]
	} else {
		copy(out, pred)
	}
	best := 0
	for j, v := range out {
		if v > out[best] {
			best = j
		}
	}
	return best
}
