package nn

// The implementations of Einsum, InstanceNormalization, LRN,
// MeanVarianceNormalization, LpPool, GlobalLpPool and Det as they were
// before they got a planned form, kept verbatim (renamed ref…) so that
// the tests can hold the planned kernels to them bit for bit.

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func legacyBindEinsum(n *ops.Node) (ops.Kernel, error) {
	eqs, err := n.String("equation", "")
	if err != nil {
		return nil, err
	}
	if !n.Has("equation") {
		return nil, fmt.Errorf("Einsum: equation is required")
	}
	eq, err := parseEinsum(eqs)
	if err != nil {
		return nil, err
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) != len(eq.inputs) {
			return nil, fmt.Errorf("Einsum: equation %q has %d operands, got %d inputs", eqs, len(eq.inputs), len(in))
		}
		for i, t := range in {
			if t == nil {
				return nil, fmt.Errorf("Einsum: input %d is missing", i)
			}
			if t.DType() != in[0].DType() {
				return nil, fmt.Errorf("Einsum: input dtypes differ")
			}
		}
		switch dt := in[0].DType(); dt {
		case tensor.Float32, tensor.Float16, tensor.BFloat16:
			return legacyEinsumRun(eq, in, asF32, func(s tensor.Shape, d []float32) *tensor.Tensor { return newFloat(dt, s, d) })
		case tensor.Float64:
			return legacyEinsumRun(eq, in, asF64, func(s tensor.Shape, d []float64) *tensor.Tensor { return fromSlice(d, s) })
		case tensor.Int8, tensor.Int16, tensor.Int32, tensor.Int64:
			return legacyEinsumRun(eq, in, legacyToI64, func(s tensor.Shape, d []int64) *tensor.Tensor { return legacyNarrowI64(dt, s, d) })
		case tensor.Uint8, tensor.Uint16, tensor.Uint32, tensor.Uint64:
			return legacyEinsumRun(eq, in, legacyToU64, func(s tensor.Shape, d []uint64) *tensor.Tensor { return legacyNarrowU64(dt, s, d) })
		default:
			return nil, fmt.Errorf("Einsum does not support dtype %v", dt)
		}
	}, nil
}

func legacyToI64(t *tensor.Tensor) []int64 {
	out := make([]int64, t.Len())
	switch t.DType() {
	case tensor.Int8:
		for i, v := range t.Int8s() {
			out[i] = int64(v)
		}
	case tensor.Int16:
		for i, v := range tensor.Data[int16](t) {
			out[i] = int64(v)
		}
	case tensor.Int32:
		for i, v := range t.Int32s() {
			out[i] = int64(v)
		}
	case tensor.Int64:
		copy(out, t.Int64s())
	}
	return out
}

func legacyToU64(t *tensor.Tensor) []uint64 {
	out := make([]uint64, t.Len())
	switch t.DType() {
	case tensor.Uint8:
		for i, v := range t.Uint8s() {
			out[i] = uint64(v)
		}
	case tensor.Uint16:
		for i, v := range tensor.Data[uint16](t) {
			out[i] = uint64(v)
		}
	case tensor.Uint32:
		for i, v := range tensor.Data[uint32](t) {
			out[i] = uint64(v)
		}
	case tensor.Uint64:
		copy(out, tensor.Data[uint64](t))
	}
	return out
}

func legacyNarrowI64(dt tensor.DType, s tensor.Shape, d []int64) *tensor.Tensor {
	t := tensor.New(dt, s...)
	switch dt {
	case tensor.Int8:
		o := t.Int8s()
		for i, v := range d {
			o[i] = int8(v)
		}
	case tensor.Int16:
		o := tensor.Data[int16](t)
		for i, v := range d {
			o[i] = int16(v)
		}
	case tensor.Int32:
		o := t.Int32s()
		for i, v := range d {
			o[i] = int32(v)
		}
	case tensor.Int64:
		copy(t.Int64s(), d)
	}
	return t
}

func legacyNarrowU64(dt tensor.DType, s tensor.Shape, d []uint64) *tensor.Tensor {
	t := tensor.New(dt, s...)
	switch dt {
	case tensor.Uint8:
		o := t.Uint8s()
		for i, v := range d {
			o[i] = uint8(v)
		}
	case tensor.Uint16:
		o := tensor.Data[uint16](t)
		for i, v := range d {
			o[i] = uint16(v)
		}
	case tensor.Uint32:
		o := tensor.Data[uint32](t)
		for i, v := range d {
			o[i] = uint32(v)
		}
	case tensor.Uint64:
		copy(tensor.Data[uint64](t), d)
	}
	return t
}

func legacyEinsumRun[T num](eq *einsumEq, in []*tensor.Tensor, read func(*tensor.Tensor) []T, wrap func(tensor.Shape, []T) *tensor.Tensor) ([]*tensor.Tensor, error) {
	// Expand ellipses.
	ells := make([]int, len(in))
	maxEll := 0
	for i, t := range in {
		ell, err := eq.inputs[i].ellipsisSpan(t.Rank())
		if err != nil {
			return nil, fmt.Errorf("%w (legacyOperand %d)", err, i)
		}
		ells[i] = ell
		maxEll = max(maxEll, ell)
	}
	// Global label sizes.
	size := map[int]int{}
	count := map[int]int{}
	labs := make([][]int, len(in))
	for i, t := range in {
		labs[i] = labelsWithEll(eq.inputs[i], ells[i], maxEll)
		seen := map[int]bool{}
		for ax, l := range labs[i] {
			d := t.Shape()[ax]
			if s, ok := size[l]; ok && s != d {
				switch {
				case s == 1:
					size[l] = d
				case d == 1:
				default:
					return nil, fmt.Errorf("Einsum: label size mismatch (%d vs %d) in legacyOperand %d", s, d, i)
				}
			} else if !ok {
				size[l] = d
			}
			if !seen[l] {
				count[l]++
				seen[l] = true
			}
		}
	}
	// Output labels.
	var outLabels []int
	if eq.explicit {
		outEll := 0
		if eq.out.hasEll {
			outEll = maxEll
		}
		outLabels = labelsWithEll(eq.out, outEll, maxEll)
		for _, l := range outLabels {
			if _, ok := size[l]; !ok {
				return nil, fmt.Errorf("Einsum: output label does not appear in any input")
			}
		}
	} else {
		for j := 0; j < maxEll; j++ {
			outLabels = append(outLabels, ellBase+j)
		}
		var singles []int
		for l, c := range count {
			if l < ellBase && c == 1 {
				// count is per legacyOperand; a label repeated within one legacyOperand
				// is summed (a trace), so check occurrences too.
				occ := 0
				for _, ls := range labs {
					for _, x := range ls {
						if x == l {
							occ++
						}
					}
				}
				if occ == 1 {
					singles = append(singles, l)
				}
			}
		}
		// Implicit mode orders letters alphabetically (uppercase first).
		sort.Slice(singles, func(a, b int) bool { return letterOrder(singles[a]) < letterOrder(singles[b]) })
		outLabels = append(outLabels, singles...)
	}
	outSet := map[int]bool{}
	for _, l := range outLabels {
		outSet[l] = true
	}
	// Build operands: diagonals, broadcast squeezes.
	opsList := make([]*legacyOperand[T], len(in))
	for i, t := range in {
		o := &legacyOperand[T]{data: read(t), labels: labs[i], shape: append([]int(nil), t.Shape()...)}
		o = legacyDiagonal(o)
		o = legacySqueezeBroadcast(o, size)
		opsList[i] = o
	}
	// neededAfter(i): labels in the output or in operands after i.
	neededAfter := func(i int) map[int]bool {
		m := map[int]bool{}
		for l := range outSet {
			m[l] = true
		}
		for j := i + 1; j < len(opsList); j++ {
			for _, l := range opsList[j].labels {
				m[l] = true
			}
		}
		return m
	}
	cur := opsList[0]
	for i := 1; i < len(opsList); i++ {
		b := opsList[i]
		need := neededAfter(i)
		// Sum out labels of cur that nothing later needs and b lacks; same for b.
		cur = legacySumOut(cur, func(l int) bool { return need[l] || slices.Contains(b.labels, l) })
		b = legacySumOut(b, func(l int) bool { return need[l] || slices.Contains(cur.labels, l) })
		var err error
		cur, err = legacyContract(cur, b, need)
		if err != nil {
			return nil, err
		}
	}
	cur = legacySumOut(cur, func(l int) bool { return outSet[l] })
	// Permute to the output order.
	perm := make([]int, len(outLabels))
	for i, l := range outLabels {
		ax := slices.Index(cur.labels, l)
		if ax < 0 {
			return nil, fmt.Errorf("Einsum: internal error: label lost")
		}
		perm[i] = ax
	}
	data, shape := legacyPermute(cur.data, cur.shape, perm)
	return []*tensor.Tensor{wrap(tensor.Shape(shape), data)}, nil
}

func legacyDiagonal[T num](o *legacyOperand[T]) *legacyOperand[T] {
	var uniq []int
	var ushape []int
	for ax, l := range o.labels {
		if !slices.Contains(uniq, l) {
			uniq = append(uniq, l)
			ushape = append(ushape, o.shape[ax])
		}
	}
	if len(uniq) == len(o.labels) {
		return o
	}
	// For a repeated label the sizes must agree; use the minimum to stay safe.
	for ax, l := range o.labels {
		u := slices.Index(uniq, l)
		ushape[u] = min(ushape[u], o.shape[ax])
	}
	st := make([]int, len(o.labels))
	s := 1
	for ax := len(o.labels) - 1; ax >= 0; ax-- {
		st[ax] = s
		s *= o.shape[ax]
	}
	ust := make([]int, len(uniq))
	for ax, l := range o.labels {
		ust[slices.Index(uniq, l)] += st[ax]
	}
	out := make([]T, prod(ushape))
	idx := make([]int, len(uniq))
	off := 0
	for i := range out {
		out[i] = o.data[off]
		for j := len(uniq) - 1; j >= 0; j-- {
			idx[j]++
			off += ust[j]
			if idx[j] < ushape[j] {
				break
			}
			off -= ust[j] * ushape[j]
			idx[j] = 0
		}
	}
	return &legacyOperand[T]{data: out, labels: uniq, shape: ushape}
}

func legacySqueezeBroadcast[T num](o *legacyOperand[T], size map[int]int) *legacyOperand[T] {
	var labels, shape []int
	for ax, l := range o.labels {
		if o.shape[ax] == 1 && size[l] != 1 {
			continue
		}
		labels = append(labels, l)
		shape = append(shape, o.shape[ax])
	}
	return &legacyOperand[T]{data: o.data, labels: labels, shape: shape}
}

func legacySumOut[T num](o *legacyOperand[T], keep func(int) bool) *legacyOperand[T] {
	var keptAx, dropAx []int
	for ax, l := range o.labels {
		if keep(l) {
			keptAx = append(keptAx, ax)
		} else {
			dropAx = append(dropAx, ax)
		}
	}
	if len(dropAx) == 0 {
		return o
	}
	perm := append(append([]int{}, keptAx...), dropAx...)
	data, shape := legacyPermute(o.data, o.shape, perm)
	outer := prod(shape[:len(keptAx)])
	inner := prod(shape[len(keptAx):])
	out := make([]T, outer)
	for i := range out {
		var s T
		for _, v := range data[i*inner : (i+1)*inner] {
			s += v
		}
		out[i] = s
	}
	labels := make([]int, len(keptAx))
	for i, ax := range keptAx {
		labels[i] = o.labels[ax]
	}
	return &legacyOperand[T]{data: out, labels: labels, shape: shape[:len(keptAx)]}
}

func legacyContract[T num](a, b *legacyOperand[T], need map[int]bool) (*legacyOperand[T], error) {
	var batch, aOnly, bOnly, sum []int
	for _, l := range a.labels {
		if slices.Contains(b.labels, l) {
			if need[l] {
				batch = append(batch, l)
			} else {
				sum = append(sum, l)
			}
		} else {
			aOnly = append(aOnly, l)
		}
	}
	for _, l := range b.labels {
		if !slices.Contains(a.labels, l) {
			bOnly = append(bOnly, l)
		}
	}
	sizeOf := func(o *legacyOperand[T], l int) int { return o.shape[slices.Index(o.labels, l)] }
	axes := func(o *legacyOperand[T], groups ...[]int) []int {
		var p []int
		for _, g := range groups {
			for _, l := range g {
				p = append(p, slices.Index(o.labels, l))
			}
		}
		return p
	}
	ad, _ := legacyPermute(a.data, a.shape, axes(a, batch, aOnly, sum))
	bd, _ := legacyPermute(b.data, b.shape, axes(b, batch, sum, bOnly))
	nb, m, k, n := 1, 1, 1, 1
	var shape []int
	for _, l := range batch {
		if sizeOf(a, l) != sizeOf(b, l) {
			return nil, fmt.Errorf("Einsum: label size mismatch")
		}
		nb *= sizeOf(a, l)
		shape = append(shape, sizeOf(a, l))
	}
	for _, l := range aOnly {
		m *= sizeOf(a, l)
		shape = append(shape, sizeOf(a, l))
	}
	for _, l := range sum {
		if sizeOf(a, l) != sizeOf(b, l) {
			return nil, fmt.Errorf("Einsum: label size mismatch")
		}
		k *= sizeOf(a, l)
	}
	for _, l := range bOnly {
		n *= sizeOf(b, l)
		shape = append(shape, sizeOf(b, l))
	}
	if err := tensor.Shape(shape).Check(); err != nil {
		return nil, err
	}
	out := make([]T, nb*m*n)
	for i := 0; i < nb; i++ {
		gemm(false, false, m, n, k, 1, ad[i*m*k:], k, bd[i*k*n:], n, out[i*m*n:], n)
	}
	labels := append(append(append([]int{}, batch...), aOnly...), bOnly...)
	return &legacyOperand[T]{data: out, labels: labels, shape: shape}, nil
}

func legacyPermute[T any](data []T, shape []int, perm []int) ([]T, []int) {
	oshape := make([]int, len(perm))
	ident := true
	for i, p := range perm {
		oshape[i] = shape[p]
		if p != i {
			ident = false
		}
	}
	if ident {
		return data, oshape
	}
	st := make([]int, len(shape))
	s := 1
	for ax := len(shape) - 1; ax >= 0; ax-- {
		st[ax] = s
		s *= shape[ax]
	}
	ost := make([]int, len(perm))
	for i, p := range perm {
		ost[i] = st[p]
	}
	out := make([]T, len(data))
	if len(out) == 0 {
		return out, oshape
	}
	idx := make([]int, len(perm))
	off := 0
	for i := range out {
		out[i] = data[off]
		for j := len(perm) - 1; j >= 0; j-- {
			idx[j]++
			off += ost[j]
			if idx[j] < oshape[j] {
				break
			}
			off -= ost[j] * oshape[j]
			idx[j] = 0
		}
	}
	return out, oshape
}

type legacyOperand[T num] struct {
	data   []T
	labels []int
	shape  []int
}

func legacyBindInstanceNorm(n *ops.Node) (ops.Kernel, error) {
	eps, err := n.Float("epsilon", 1e-5)
	if err != nil {
		return nil, err
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 3 {
			return nil, fmt.Errorf("InstanceNormalization needs 3 inputs")
		}
		for i, name := range []string{"input", "scale", "B"} {
			if err := needFloat(name, in[i]); err != nil {
				return nil, fmt.Errorf("InstanceNormalization: %w", err)
			}
		}
		x := in[0]
		if x.Rank() < 2 {
			return nil, fmt.Errorf("InstanceNormalization: input must have rank ≥ 2, has shape %v", x.Shape())
		}
		C := x.Shape()[1]
		if in[1].Len() != C || in[2].Len() != C {
			return nil, fmt.Errorf("InstanceNormalization: scale %v and B %v must have %d elements", in[1].Shape(), in[2].Shape(), C)
		}
		if x.DType() == tensor.Float64 {
			return []*tensor.Tensor{legacyInstanceNorm[float64](x, in[1], in[2], float64(eps))}, nil
		}
		return []*tensor.Tensor{legacyInstanceNorm[float32](x, in[1], in[2], float64(eps))}, nil
	}, nil
}

func legacyInstanceNorm[T ops.Float](xt, st, bt *tensor.Tensor, eps float64) *tensor.Tensor {
	xs := xt.Shape()
	N, C := xs[0], xs[1]
	S := prod(xs[2:])
	x := asFloat[T](xt)
	scale, bias := asFloat[T](st), asFloat[T](bt)
	y := make([]T, len(x))
	for n := 0; n < N; n++ {
		for c := 0; c < C; c++ {
			base := (n*C + c) * S
			seg := x[base : base+S]
			mean, vr := meanVar(seg)
			k := float64(scale[c]) / math.Sqrt(vr+eps)
			b := float64(bias[c]) - mean*k
			out := y[base : base+S]
			for i, v := range seg {
				out[i] = T(float64(v)*k + b)
			}
		}
	}
	return newFloat(xt.DType(), xs, y)
}

func legacyBindLRN(n *ops.Node) (ops.Kernel, error) {
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
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 1 {
			return nil, fmt.Errorf("LRN needs input X")
		}
		if err := needFloat("X", in[0]); err != nil {
			return nil, err
		}
		x := in[0]
		if x.Rank() < 2 {
			return nil, fmt.Errorf("LRN: input must have rank ≥ 2, has shape %v", x.Shape())
		}
		if x.DType() == tensor.Float64 {
			return []*tensor.Tensor{legacyLrn[float64](x, float64(alpha), float64(beta), float64(bias), int(size))}, nil
		}
		return []*tensor.Tensor{legacyLrn[float32](x, float64(alpha), float64(beta), float64(bias), int(size))}, nil
	}, nil
}

func legacyLrn[T ops.Float](xt *tensor.Tensor, alpha, beta, bias float64, size int) *tensor.Tensor {
	xs := xt.Shape()
	N, C := xs[0], xs[1]
	S := prod(xs[2:])
	x := asFloat[T](xt)
	y := make([]T, len(x))
	lo := (size - 1) / 2
	hi := size - 1 - lo // ceil((size-1)/2)
	a := alpha / float64(size)
	for n := 0; n < N; n++ {
		for c := 0; c < C; c++ {
			c0, c1 := max(0, c-lo), min(C-1, c+hi)
			for s := 0; s < S; s++ {
				var sq float64
				for cc := c0; cc <= c1; cc++ {
					v := float64(x[(n*C+cc)*S+s])
					sq += v * v
				}
				i := (n*C+c)*S + s
				y[i] = T(float64(x[i]) / math.Pow(bias+a*sq, beta))
			}
		}
	}
	return newFloat(xt.DType(), xs, y)
}

func legacyBindMVN(n *ops.Node) (ops.Kernel, error) {
	axes, err := n.Ints("axes")
	if err != nil {
		return nil, err
	}
	if axes == nil {
		axes = []int64{0, 2, 3}
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 1 {
			return nil, fmt.Errorf("MeanVarianceNormalization needs input X")
		}
		if err := needFloat("X", in[0]); err != nil {
			return nil, err
		}
		x := in[0]
		xs := x.Shape()
		red := append(tensor.Shape{}, xs...)
		for _, ax := range axes {
			a, err := ops.NormAxis(ax, len(xs))
			if err != nil {
				return nil, fmt.Errorf("MeanVarianceNormalization: %w", err)
			}
			red[a] = 1
		}
		if x.DType() == tensor.Float64 {
			return []*tensor.Tensor{legacyMvn[float64](x, red)}, nil
		}
		return []*tensor.Tensor{legacyMvn[float32](x, red)}, nil
	}, nil
}

func legacyMvn[T ops.Float](xt *tensor.Tensor, red tensor.Shape) *tensor.Tensor {
	xs := xt.Shape()
	x := asFloat[T](xt)
	R := red.NumElements()
	sum := make([]float64, R)
	sq := make([]float64, R)
	cnt := 0
	if R > 0 {
		cnt = len(x) / R
	}
	shapes := []tensor.Shape{red}
	ops.BroadcastIndex(xs, shapes, func(o int, offs []int) {
		v := float64(x[o])
		sum[offs[0]] += v
		sq[offs[0]] += v * v
	})
	std := make([]float64, R)
	for i := range sum {
		m := sum[i] / float64(cnt)
		sum[i] = m
		std[i] = math.Sqrt(math.Max(0, sq[i]/float64(cnt)-m*m)) + 1e-9
	}
	y := make([]T, len(x))
	ops.BroadcastIndex(xs, shapes, func(o int, offs []int) {
		y[o] = T((float64(x[o]) - sum[offs[0]]) / std[offs[0]])
	})
	return newFloat(xt.DType(), xs, y)
}

func legacyAvgPool[T ops.Float](p *poolPlan, xt *tensor.Tensor, includePad bool, lp float64) *tensor.Tensor {
	x := asFloat[T](xt)
	y := make([]T, p.out.NumElements())
	I := prod(p.g.in)
	O := prod(p.g.out)
	planes := p.n * p.c
	if O > 0 && planes > 0 {
		legacyChunks(p, func(ch *poolChunk) {
			cnt := len(ch.starts) - 1
			for pl := 0; pl < planes; pl++ {
				src := x[pl*I : (pl+1)*I]
				dst := y[pl*O+ch.q0 : pl*O+ch.q0+cnt]
				for i := range dst {
					win := ch.offs[ch.starts[i]:ch.starts[i+1]]
					var s T
					switch lp {
					case 0:
						for _, off := range win {
							s += src[off]
						}
						div := len(win)
						if includePad {
							div = ch.incl[i]
						}
						dst[i] = s / T(div)
					case 1:
						for _, off := range win {
							s += T(math.Abs(float64(src[off])))
						}
						dst[i] = s
					case 2:
						for _, off := range win {
							v := src[off]
							s += v * v
						}
						dst[i] = T(math.Sqrt(float64(s)))
					default:
						for _, off := range win {
							s += T(math.Pow(math.Abs(float64(src[off])), lp))
						}
						dst[i] = T(math.Pow(float64(s), 1/lp))
					}
				}
			}
		})
	}
	return newFloat(xt.DType(), p.out, y)
}

func legacyBindLpPool(n *ops.Node) (ops.Kernel, error) {
	a, err := parseWindowAttrs(n, "LpPool", false)
	if err != nil {
		return nil, err
	}
	lp, err := lpAttr(n)
	if err != nil {
		return nil, err
	}
	// LpPool-18 added ceil_mode.
	if n.Opset >= 18 {
		cm, err := n.Int("ceil_mode", 0)
		if err != nil {
			return nil, err
		}
		a.ceilMode = cm != 0
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 1 {
			return nil, fmt.Errorf("LpPool needs input X")
		}
		if err := needFloat("X", in[0]); err != nil {
			return nil, err
		}
		x := in[0]
		p, err := planPool(a, x.Shape())
		if err != nil {
			return nil, err
		}
		if x.DType() == tensor.Float64 {
			return []*tensor.Tensor{legacyAvgPool[float64](p, x, false, lp)}, nil
		}
		return []*tensor.Tensor{legacyAvgPool[float32](p, x, false, lp)}, nil
	}, nil
}

func legacyGlobalPool[T ops.Float](xt *tensor.Tensor, kind globalKind, lp float64) *tensor.Tensor {
	xs := xt.Shape()
	out := globalShape(xs)
	planes := xs[0] * xs[1]
	I := prod(xs[2:])
	x := asFloat[T](xt)
	y := make([]T, planes)
	for pl := range y {
		src := x[pl*I : (pl+1)*I]
		switch kind {
		case globalAvg:
			var s T
			for _, v := range src {
				s += v
			}
			y[pl] = s / T(I)
		case globalMax:
			best := T(math.Inf(-1))
			for i, v := range src {
				if i == 0 || v > best {
					best = v
				}
			}
			y[pl] = best
		case globalLp:
			var s float64
			for _, v := range src {
				s += math.Pow(math.Abs(float64(v)), lp)
			}
			y[pl] = T(math.Pow(s, 1/lp))
		}
	}
	return newFloat(xt.DType(), out, y)
}

func legacyBindDet(n *ops.Node) (ops.Kernel, error) {
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 1 {
			return nil, fmt.Errorf("Det needs input X")
		}
		if err := needFloat("X", in[0]); err != nil {
			return nil, err
		}
		x := in[0]
		xs := x.Shape()
		if len(xs) < 2 || xs[len(xs)-1] != xs[len(xs)-2] {
			return nil, fmt.Errorf("Det: input must be [*, M, M], has shape %v", xs)
		}
		m := xs[len(xs)-1]
		os := append(tensor.Shape{}, xs[:len(xs)-2]...)
		nb := os.NumElements()
		v := asF64(x)
		out := make([]float64, nb)
		a := make([]float64, m*m)
		for b := range out {
			copy(a, v[b*m*m:(b+1)*m*m])
			out[b] = legacyLuDet(a, m)
		}
		return []*tensor.Tensor{newFloat(x.DType(), os, out)}, nil
	}, nil
}

func legacyLuDet(a []float64, m int) float64 {
	det := 1.0
	for c := 0; c < m; c++ {
		p := c
		for r := c + 1; r < m; r++ {
			if math.Abs(a[r*m+c]) > math.Abs(a[p*m+c]) {
				p = r
			}
		}
		if a[p*m+c] == 0 {
			return 0
		}
		if p != c {
			for j := 0; j < m; j++ {
				a[p*m+j], a[c*m+j] = a[c*m+j], a[p*m+j]
			}
			det = -det
		}
		piv := a[c*m+c]
		det *= piv
		for r := c + 1; r < m; r++ {
			f := a[r*m+c] / piv
			if f == 0 {
				continue
			}
			for j := c + 1; j < m; j++ {
				a[r*m+j] -= f * a[c*m+j]
			}
		}
	}
	return det
}

func legacyMaxPool[T maxPoolElem](p *poolPlan, x, y []T, idx []int64, colMajor bool, lowest T) {
	I := prod(p.g.in)
	O := prod(p.g.out)
	planes := p.n * p.c
	if O == 0 || planes == 0 {
		return
	}
	d := len(p.g.in)
	legacyChunks(p, func(ch *poolChunk) {
		cnt := len(ch.starts) - 1
		for pl := 0; pl < planes; pl++ {
			src := x[pl*I : (pl+1)*I]
			dst := y[pl*O+ch.q0 : pl*O+ch.q0+cnt]
			for i := range dst {
				win := ch.offs[ch.starts[i]:ch.starts[i+1]]
				best, arg := lowest, -1
				for _, off := range win {
					if v := src[off]; arg < 0 || v > best {
						best, arg = v, off
					}
				}
				dst[i] = best
				if idx != nil {
					if arg < 0 {
						arg = 0
					}
					flat := arg
					if colMajor {
						flat = 0
						rem := arg
						mul := 1
						coords := make([]int, d)
						for j := 0; j < d; j++ {
							coords[j] = rem / p.inStr[j]
							rem %= p.inStr[j]
						}
						for j := 0; j < d; j++ {
							flat += coords[j] * mul
							mul *= p.g.in[j]
						}
					}
					idx[pl*O+ch.q0+i] = int64(pl*I + flat)
				}
			}
		}
	})
}

// legacyChunks is poolPlan.chunks as it was: it calls visit with consecutive runs of output positions covering all
// of them, bounding the offset table's size.
func legacyChunks(p *poolPlan, visit func(ch *poolChunk)) {
	const maxEntries = 1 << 22
	g := p.g
	d := len(g.out)
	O := prod(g.out)
	oidx := make([]int, d)
	ch := &poolChunk{}
	var scratch []int
	q := 0
	for q < O {
		ch.q0 = q
		ch.starts, ch.offs, ch.incl = ch.starts[:0], ch.offs[:0], ch.incl[:0]
		for q < O && (q == ch.q0 || len(ch.offs) < maxEntries) {
			ch.starts = append(ch.starts, len(ch.offs))
			base := len(ch.offs)
			ch.offs = append(ch.offs, 0)
			inc := 1
			for j := 0; j < d; j++ {
				list := p.taps[j][oidx[j]]
				inc *= p.incl[j][oidx[j]]
				cur := ch.offs[base:]
				scratch = scratch[:0]
				for _, e := range cur {
					for _, t := range list {
						scratch = append(scratch, e+t*p.inStr[j])
					}
				}
				ch.offs = append(ch.offs[:base], scratch...)
			}
			ch.incl = append(ch.incl, inc)
			q++
			for j := d - 1; j >= 0; j-- {
				oidx[j]++
				if oidx[j] < g.out[j] {
					break
				}
				oidx[j] = 0
			}
		}
		ch.starts = append(ch.starts, len(ch.offs))
		visit(ch)
	}
}
