package nn

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/sinter-ml/sinter/internal/freelist"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// Einsum labels: letters map to 0…51; the axes covered by an ellipsis get
// labels ellBase+j, right-aligned across operands.
const ellBase = 64

type einsumTerm struct {
	labels []int // letters, with -1 marking the ellipsis position
	hasEll bool
}

type einsumEq struct {
	inputs   []einsumTerm
	out      einsumTerm
	explicit bool
}

func letterLabel(c byte) (int, bool) {
	switch {
	case c >= 'a' && c <= 'z':
		return int(c - 'a'), true
	case c >= 'A' && c <= 'Z':
		return 26 + int(c-'A'), true
	}
	return 0, false
}

func parseTerm(s string) (einsumTerm, error) {
	var t einsumTerm
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			if !strings.HasPrefix(s[i:], "...") || t.hasEll {
				return t, fmt.Errorf("Einsum: bad ellipsis in term %q", s)
			}
			t.hasEll = true
			t.labels = append(t.labels, -1)
			i += 2
			continue
		}
		l, ok := letterLabel(s[i])
		if !ok {
			return t, fmt.Errorf("Einsum: bad character %q in term %q", s[i], s)
		}
		t.labels = append(t.labels, l)
	}
	return t, nil
}

func parseEinsum(eq string) (*einsumEq, error) {
	eq = strings.ReplaceAll(eq, " ", "")
	e := &einsumEq{}
	lhs, rhs, explicit := strings.Cut(eq, "->")
	e.explicit = explicit
	for _, term := range strings.Split(lhs, ",") {
		t, err := parseTerm(term)
		if err != nil {
			return nil, err
		}
		e.inputs = append(e.inputs, t)
	}
	if explicit {
		t, err := parseTerm(rhs)
		if err != nil {
			return nil, err
		}
		seen := map[int]bool{}
		for _, l := range t.labels {
			if l >= 0 && seen[l] {
				return nil, fmt.Errorf("Einsum: output label repeated in %q", eq)
			}
			seen[l] = true
		}
		e.out = t
	}
	return e, nil
}

// ellipsisSpan returns how many axes the term's ellipsis covers when it is
// applied to an operand of rank r.
func (t einsumTerm) ellipsisSpan(r int) (int, error) {
	letters := len(t.labels)
	if t.hasEll {
		letters--
	}
	ell := r - letters
	if ell < 0 || (!t.hasEll && ell != 0) {
		return 0, fmt.Errorf("Einsum: term has %d labels for an operand of rank %d", letters, r)
	}
	return ell, nil
}

func labelsWithEll(t einsumTerm, ell, maxEll int) []int {
	var out []int
	for _, l := range t.labels {
		if l == -1 {
			for j := 0; j < ell; j++ {
				out = append(out, ellBase+maxEll-ell+j)
			}
			continue
		}
		out = append(out, l)
	}
	return out
}

func bindEinsum(n *ops.Node) (ops.Kernel, error) {
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
	// The plan for the last input shapes: immutable, shared by concurrent
	// runs.
	var cache atomic.Pointer[einsumPlan]
	plan := func(in []*tensor.Tensor) (*einsumPlan, error) {
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
		if p := cache.Load(); p != nil && p.matches(in) {
			return p, nil
		}
		p, err := planEinsum(eq, in)
		if err != nil {
			return nil, err
		}
		cache.Store(p)
		return p, nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			p, err := plan(in)
			if err != nil {
				return err
			}
			out[0].DType, out[0].Shape = p.dt, append(out[0].Shape[:0], p.out...)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			p, err := plan(in)
			if err != nil {
				return err
			}
			switch st, _ := einsumStorage(p.dt); st {
			case tensor.Float32:
				runEinsum(p, in, out[0], &einsumWorkF32, tensor.LoadHalf, tensor.StoreHalf)
			case tensor.Float64:
				runEinsum(p, in, out[0], &einsumWorkF64, loadNone[float64], storeNone[float64])
			case tensor.Int64:
				runEinsum(p, in, out[0], &einsumWorkI64, loadI64, storeI64)
			case tensor.Uint64:
				runEinsum(p, in, out[0], &einsumWorkU64, loadU64, storeU64)
			}
			return nil
		},
	})
}

func letterOrder(l int) int {
	if l >= 26 && l < 52 {
		return l - 26 // uppercase sorts before lowercase
	}
	return l + 26
}

// ---- planned evaluation ----
//
// An Einsum is evaluated as a fixed sequence of steps for a given set of
// input shapes and element type: take diagonals of repeated labels, then
// fold the operands left to right (sum out labels nothing later needs,
// permute both sides to batch×m×k and batch×k×n, multiply), sum out what
// the output lacks and permute to the output order. einsumPlan records
// those steps with every intermediate placed in one scratch buffer, so a
// run with the shapes of the previous one only moves and multiplies data.
// Each step does exactly what the former allocating evaluation did, in the
// same order, so results are unchanged.

// einsumStepKind is what one step of an einsumPlan does.
type einsumStepKind uint8

const (
	// stepGather sets dst[i] = src[off(i)], walking shape with the
	// source strides strides (a transpose or a diagonal).
	stepGather einsumStepKind = iota
	// stepCopy sets dst = src.
	stepCopy
	// stepReduce sets dst[i] = Σ src[i·inner : (i+1)·inner], summed in order.
	stepReduce
	// stepGemm zeroes dst and adds, for each of nb batches, the m×k
	// matrix a times the k×n matrix b.
	stepGemm
)

type einsumStep struct {
	kind           einsumStepKind
	dst, src, src2 int // buffer ids
	shape, strides []int
	inner          int
	nb, m, n, k    int
}

// einsumBuf is where one value of the plan lives: an input's storage (or a
// converted copy of it in scratch), the output's storage (or scratch that
// is narrowed into it), or a region of scratch.
type einsumBuf struct {
	input  int  // input index, or -1
	output bool // the Einsum's output
	direct bool // input or output: the tensor's storage holds T itself
	off, n int  // region of scratch (when not direct)
}

type einsumPlan struct {
	dt      tensor.DType
	shapes  []tensor.Shape // the input shapes the plan is for
	out     tensor.Shape
	bufs    []einsumBuf
	steps   []einsumStep
	scratch int // elements of T of scratch
	rank    int // the longest shape a gather walks
}

// matches reports whether p was made for inputs in.
func (p *einsumPlan) matches(in []*tensor.Tensor) bool {
	if len(in) != len(p.shapes) || in[0].DType() != p.dt {
		return false
	}
	for i, t := range in {
		if !t.Shape().Equal(p.shapes[i]) {
			return false
		}
	}
	return true
}

// einsumValue is an operand of the symbolic evaluation: a dense array in
// buffer buf whose axes carry distinct labels.
type einsumValue struct {
	buf    int
	labels []int
	shape  []int
}

type einsumPlanner struct {
	p *einsumPlan
}

// region adds a scratch buffer of n elements.
func (b *einsumPlanner) region(n int) int {
	b.p.bufs = append(b.p.bufs, einsumBuf{input: -1, off: b.p.scratch, n: n})
	b.p.scratch += n
	return len(b.p.bufs) - 1
}

func (b *einsumPlanner) gather(dst, src int, shape, strides []int) {
	b.p.steps = append(b.p.steps, einsumStep{kind: stepGather, dst: dst, src: src, shape: shape, strides: strides})
	b.p.rank = max(b.p.rank, len(shape))
}

// einsumStorage reports the element type an Einsum on dt computes in, as
// the dtype whose storage is that type.
func einsumStorage(dt tensor.DType) (tensor.DType, bool) {
	switch dt {
	case tensor.Float32, tensor.Float16, tensor.BFloat16:
		return tensor.Float32, true
	case tensor.Float64:
		return tensor.Float64, true
	case tensor.Int8, tensor.Int16, tensor.Int32, tensor.Int64:
		return tensor.Int64, true
	case tensor.Uint8, tensor.Uint16, tensor.Uint32, tensor.Uint64:
		return tensor.Uint64, true
	}
	return tensor.Undefined, false
}

// planEinsum resolves eq for inputs in (checked: present, one dtype).
func planEinsum(eq *einsumEq, in []*tensor.Tensor) (*einsumPlan, error) {
	dt := in[0].DType()
	st, ok := einsumStorage(dt)
	if !ok {
		return nil, fmt.Errorf("Einsum does not support dtype %v", dt)
	}
	p := &einsumPlan{dt: dt, shapes: make([]tensor.Shape, len(in))}
	b := &einsumPlanner{p: p}
	direct := dt == st
	for i, t := range in {
		p.shapes[i] = t.Shape().Clone()
		if direct {
			p.bufs = append(p.bufs, einsumBuf{input: i, direct: true})
		} else {
			p.bufs = append(p.bufs, einsumBuf{input: i, off: p.scratch, n: t.Len()})
			p.scratch += t.Len()
		}
	}
	// Expand ellipses.
	ells := make([]int, len(in))
	maxEll := 0
	for i, t := range in {
		ell, err := eq.inputs[i].ellipsisSpan(t.Rank())
		if err != nil {
			return nil, fmt.Errorf("%w (operand %d)", err, i)
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
					return nil, fmt.Errorf("Einsum: label size mismatch (%d vs %d) in operand %d", s, d, i)
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
				// count is per operand; a label repeated within one operand
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
	// Operands: diagonals, broadcast squeezes.
	vals := make([]*einsumValue, len(in))
	for i, t := range in {
		v := &einsumValue{buf: i, labels: labs[i], shape: append([]int(nil), t.Shape()...)}
		v = b.diagonal(v)
		v = squeezeBroadcast(v, size)
		vals[i] = v
	}
	// neededAfter(i): labels in the output or in operands after i.
	neededAfter := func(i int) map[int]bool {
		m := map[int]bool{}
		for l := range outSet {
			m[l] = true
		}
		for j := i + 1; j < len(vals); j++ {
			for _, l := range vals[j].labels {
				m[l] = true
			}
		}
		return m
	}
	cur := vals[0]
	for i := 1; i < len(vals); i++ {
		o := vals[i]
		need := neededAfter(i)
		// Sum out labels of cur that nothing later needs and o lacks; same for o.
		cur = b.sumOut(cur, func(l int) bool { return need[l] || slices.Contains(o.labels, l) })
		o = b.sumOut(o, func(l int) bool { return need[l] || slices.Contains(cur.labels, l) })
		var err error
		if cur, err = b.contract(cur, o, need); err != nil {
			return nil, err
		}
	}
	cur = b.sumOut(cur, func(l int) bool { return outSet[l] })
	// Permute to the output order.
	perm := make([]int, len(outLabels))
	for i, l := range outLabels {
		ax := slices.Index(cur.labels, l)
		if ax < 0 {
			return nil, fmt.Errorf("Einsum: internal error: label lost")
		}
		perm[i] = ax
	}
	oshape, ostrides, ident := permuted(cur.shape, perm)
	p.out = tensor.Shape(oshape)
	// When the last step made the result in the newest region, it writes
	// the output instead.
	last := len(p.steps) - 1
	retarget := ident && last >= 0 && p.steps[last].dst == cur.buf && cur.buf == len(p.bufs)-1 && p.bufs[cur.buf].input < 0
	if retarget {
		p.scratch -= p.bufs[cur.buf].n
		p.bufs[cur.buf].n = 0
	}
	p.bufs = append(p.bufs, einsumBuf{input: -1, output: true, direct: direct})
	out := len(p.bufs) - 1
	if !direct {
		p.bufs[out].off, p.bufs[out].n = p.scratch, p.out.NumElements()
		p.scratch += p.bufs[out].n
	}
	switch {
	case retarget:
		p.steps[last].dst = out
	case !ident:
		b.gather(out, cur.buf, oshape, ostrides)
	default:
		p.steps = append(p.steps, einsumStep{kind: stepCopy, dst: out, src: cur.buf})
	}
	return p, nil
}

// diagonal merges repeated labels of v by taking the diagonal.
func (b *einsumPlanner) diagonal(v *einsumValue) *einsumValue {
	var uniq []int
	var ushape []int
	for ax, l := range v.labels {
		if !slices.Contains(uniq, l) {
			uniq = append(uniq, l)
			ushape = append(ushape, v.shape[ax])
		}
	}
	if len(uniq) == len(v.labels) {
		return v
	}
	// For a repeated label the sizes must agree; use the minimum to stay safe.
	for ax, l := range v.labels {
		u := slices.Index(uniq, l)
		ushape[u] = min(ushape[u], v.shape[ax])
	}
	st := make([]int, len(v.labels))
	s := 1
	for ax := len(v.labels) - 1; ax >= 0; ax-- {
		st[ax] = s
		s *= v.shape[ax]
	}
	ust := make([]int, len(uniq))
	for ax, l := range v.labels {
		ust[slices.Index(uniq, l)] += st[ax]
	}
	dst := b.region(prod(ushape))
	b.gather(dst, v.buf, ushape, ust)
	return &einsumValue{buf: dst, labels: uniq, shape: ushape}
}

// squeezeBroadcast drops size-1 axes whose label is larger elsewhere: the
// operand then broadcasts along that label.
func squeezeBroadcast(v *einsumValue, size map[int]int) *einsumValue {
	var labels, shape []int
	for ax, l := range v.labels {
		if v.shape[ax] == 1 && size[l] != 1 {
			continue
		}
		labels = append(labels, l)
		shape = append(shape, v.shape[ax])
	}
	return &einsumValue{buf: v.buf, labels: labels, shape: shape}
}

// permute returns v with its axes in the order perm, gathering when that
// moves data.
func (b *einsumPlanner) permute(v *einsumValue, perm []int) *einsumValue {
	oshape, ostrides, ident := permuted(v.shape, perm)
	labels := make([]int, len(perm))
	for i, ax := range perm {
		labels[i] = v.labels[ax]
	}
	if ident {
		return &einsumValue{buf: v.buf, labels: labels, shape: oshape}
	}
	dst := b.region(prod(oshape))
	b.gather(dst, v.buf, oshape, ostrides)
	return &einsumValue{buf: dst, labels: labels, shape: oshape}
}

// permuted returns the shape of an array of shape after moving its axis
// perm[i] to position i, the source strides of its axes, and whether perm
// is the identity.
func permuted(shape, perm []int) (oshape, ostrides []int, ident bool) {
	oshape = make([]int, len(perm))
	ident = true
	for i, p := range perm {
		oshape[i] = shape[p]
		if p != i {
			ident = false
		}
	}
	st := make([]int, len(shape))
	s := 1
	for ax := len(shape) - 1; ax >= 0; ax-- {
		st[ax] = s
		s *= shape[ax]
	}
	ostrides = make([]int, len(perm))
	for i, p := range perm {
		ostrides[i] = st[p]
	}
	return oshape, ostrides, ident
}

// sumOut sums over every axis whose label keep rejects.
func (b *einsumPlanner) sumOut(v *einsumValue, keep func(int) bool) *einsumValue {
	var keptAx, dropAx []int
	for ax, l := range v.labels {
		if keep(l) {
			keptAx = append(keptAx, ax)
		} else {
			dropAx = append(dropAx, ax)
		}
	}
	if len(dropAx) == 0 {
		return v
	}
	pv := b.permute(v, append(append([]int{}, keptAx...), dropAx...))
	kept := len(keptAx)
	dst := b.region(prod(pv.shape[:kept]))
	b.p.steps = append(b.p.steps, einsumStep{kind: stepReduce, dst: dst, src: pv.buf, inner: prod(pv.shape[kept:])})
	return &einsumValue{buf: dst, labels: pv.labels[:kept], shape: pv.shape[:kept]}
}

// contract multiplies x and y, summing labels they share that need lacks.
func (b *einsumPlanner) contract(x, y *einsumValue, need map[int]bool) (*einsumValue, error) {
	var batch, xOnly, sum, yOnly []int
	for _, l := range x.labels {
		if slices.Contains(y.labels, l) {
			if need[l] {
				batch = append(batch, l)
			} else {
				sum = append(sum, l)
			}
		} else {
			xOnly = append(xOnly, l)
		}
	}
	for _, l := range y.labels {
		if !slices.Contains(x.labels, l) {
			yOnly = append(yOnly, l)
		}
	}
	sizeOf := func(v *einsumValue, l int) int { return v.shape[slices.Index(v.labels, l)] }
	axes := func(v *einsumValue, groups ...[]int) []int {
		var p []int
		for _, g := range groups {
			for _, l := range g {
				p = append(p, slices.Index(v.labels, l))
			}
		}
		return p
	}
	nb, m, k, n := 1, 1, 1, 1
	var shape []int
	for _, l := range batch {
		if sizeOf(x, l) != sizeOf(y, l) {
			return nil, fmt.Errorf("Einsum: label size mismatch")
		}
		nb *= sizeOf(x, l)
		shape = append(shape, sizeOf(x, l))
	}
	for _, l := range xOnly {
		m *= sizeOf(x, l)
		shape = append(shape, sizeOf(x, l))
	}
	for _, l := range sum {
		if sizeOf(x, l) != sizeOf(y, l) {
			return nil, fmt.Errorf("Einsum: label size mismatch")
		}
		k *= sizeOf(x, l)
	}
	for _, l := range yOnly {
		n *= sizeOf(y, l)
		shape = append(shape, sizeOf(y, l))
	}
	if err := tensor.Shape(shape).Check(); err != nil {
		return nil, err
	}
	px := b.permute(x, axes(x, batch, xOnly, sum))
	py := b.permute(y, axes(y, batch, sum, yOnly))
	dst := b.region(nb * m * n)
	b.p.steps = append(b.p.steps, einsumStep{kind: stepGemm, dst: dst, src: px.buf, src2: py.buf, nb: nb, m: m, n: n, k: k})
	labels := append(append(append([]int{}, batch...), xOnly...), yOnly...)
	return &einsumValue{buf: dst, labels: labels, shape: shape}, nil
}

// einsumWork is one run's scratch: the plan's buffer of T, the resolved
// slices of its buffers and a gather's index counter. Kept in free lists
// per T; views is cleared before a Put so no caller tensor stays reachable.
type einsumWork[T num] struct {
	scratch []T
	views   [][]T
	idx     []int
}

var (
	einsumWorkF32 freelist.List[einsumWork[float32]]
	einsumWorkF64 freelist.List[einsumWork[float64]]
	einsumWorkI64 freelist.List[einsumWork[int64]]
	einsumWorkU64 freelist.List[einsumWork[uint64]]
)

// runEinsum runs p on in into out. load converts a tensor that does not
// store T into a []T and store narrows the result into out.
func runEinsum[T num](p *einsumPlan, in []*tensor.Tensor, out *tensor.Tensor, wl *freelist.List[einsumWork[T]],
	load func(dst []T, t *tensor.Tensor), store func(out *tensor.Tensor, src []T)) {
	w := wl.Get()
	if cap(w.scratch) < p.scratch {
		w.scratch = make([]T, p.scratch)
	}
	if cap(w.views) < len(p.bufs) {
		w.views = make([][]T, len(p.bufs))
	}
	if cap(w.idx) < p.rank {
		w.idx = make([]int, p.rank)
	}
	views := w.views[:len(p.bufs)]
	for i, bf := range p.bufs {
		switch {
		case bf.direct && bf.output:
			views[i] = tensor.Data[T](out)
		case bf.direct:
			views[i] = tensor.Data[T](in[bf.input])
		default:
			views[i] = w.scratch[bf.off : bf.off+bf.n : bf.off+bf.n]
			if bf.input >= 0 {
				load(views[i], in[bf.input])
			}
		}
	}
	for i := range p.steps {
		s := &p.steps[i]
		dst := views[s.dst]
		switch s.kind {
		case stepGather:
			gatherStrided(dst, views[s.src], s.shape, s.strides, w.idx)
		case stepCopy:
			copy(dst, views[s.src])
		case stepReduce:
			src := views[s.src]
			for i := range dst {
				var sum T
				for _, v := range src[i*s.inner : (i+1)*s.inner] {
					sum += v
				}
				dst[i] = sum
			}
		case stepGemm:
			clear(dst)
			a, b := views[s.src], views[s.src2]
			m, n, k := s.m, s.n, s.k
			for i := 0; i < s.nb; i++ {
				gemm(false, false, m, n, k, 1, a[i*m*k:], k, b[i*k*n:], n, dst[i*m*n:], n)
			}
		}
	}
	if bf := p.bufs[len(p.bufs)-1]; !bf.direct {
		store(out, views[len(p.bufs)-1])
	}
	clear(views)
	wl.Put(w)
}

// gatherStrided sets dst[i] = src[off(i)], where off walks shape (whose
// product is len(dst)) with the source strides strides; idx is scratch of
// at least len(shape) entries.
func gatherStrided[T any](dst, src []T, shape, strides, idx []int) {
	if len(dst) == 0 {
		return
	}
	r := len(shape)
	if r == 0 {
		dst[0] = src[0]
		return
	}
	inner, is := shape[r-1], strides[r-1]
	idx = idx[:r-1]
	clear(idx)
	off := 0
	for o := 0; o < len(dst); o += inner {
		d := dst[o : o+inner]
		if is == 1 {
			copy(d, src[off:off+inner])
		} else {
			for j := range d {
				d[j] = src[off+j*is]
			}
		}
		for ax := r - 2; ax >= 0; ax-- {
			idx[ax]++
			off += strides[ax]
			if idx[ax] < shape[ax] {
				break
			}
			off -= strides[ax] * shape[ax]
			idx[ax] = 0
		}
	}
}

// Converters between the dtypes Einsum takes and the types it computes in.

func loadNone[T num](dst []T, t *tensor.Tensor)    {}
func storeNone[T num](out *tensor.Tensor, src []T) {}

func loadI64(dst []int64, t *tensor.Tensor) {
	switch t.DType() {
	case tensor.Int8:
		widen(dst, t.Int8s())
	case tensor.Int16:
		widen(dst, tensor.Data[int16](t))
	case tensor.Int32:
		widen(dst, t.Int32s())
	case tensor.Int64:
		copy(dst, t.Int64s())
	}
}

func loadU64(dst []uint64, t *tensor.Tensor) {
	switch t.DType() {
	case tensor.Uint8:
		widen(dst, t.Uint8s())
	case tensor.Uint16:
		widen(dst, tensor.Data[uint16](t))
	case tensor.Uint32:
		widen(dst, tensor.Data[uint32](t))
	case tensor.Uint64:
		copy(dst, tensor.Data[uint64](t))
	}
}

func storeI64(out *tensor.Tensor, src []int64) {
	switch out.DType() {
	case tensor.Int8:
		narrow(out.Int8s(), src)
	case tensor.Int16:
		narrow(tensor.Data[int16](out), src)
	case tensor.Int32:
		narrow(out.Int32s(), src)
	case tensor.Int64:
		copy(out.Int64s(), src)
	}
}

func storeU64(out *tensor.Tensor, src []uint64) {
	switch out.DType() {
	case tensor.Uint8:
		narrow(out.Uint8s(), src)
	case tensor.Uint16:
		narrow(tensor.Data[uint16](out), src)
	case tensor.Uint32:
		narrow(tensor.Data[uint32](out), src)
	case tensor.Uint64:
		copy(tensor.Data[uint64](out), src)
	}
}

type integer interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// widen sets dst[i] = src[i] converted.
func widen[D, S integer](dst []D, src []S) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = D(v)
	}
}

// narrow sets dst[i] = src[i] converted (truncating).
func narrow[D, S integer](dst []D, src []S) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = D(v)
	}
}
