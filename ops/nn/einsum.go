package nn

import (
	"fmt"
	"slices"
	"sort"
	"strings"

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

// operand is a dense array whose axes carry einsum labels (all distinct).
type operand[T num] struct {
	data   []T
	labels []int
	shape  []int
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
			return einsumRun(eq, in, asF32, func(s tensor.Shape, d []float32) *tensor.Tensor { return newFloat(dt, s, d) })
		case tensor.Float64:
			return einsumRun(eq, in, asF64, func(s tensor.Shape, d []float64) *tensor.Tensor { return fromSlice(d, s) })
		case tensor.Int8, tensor.Int16, tensor.Int32, tensor.Int64:
			return einsumRun(eq, in, toI64, func(s tensor.Shape, d []int64) *tensor.Tensor { return narrowI64(dt, s, d) })
		case tensor.Uint8, tensor.Uint16, tensor.Uint32, tensor.Uint64:
			return einsumRun(eq, in, toU64, func(s tensor.Shape, d []uint64) *tensor.Tensor { return narrowU64(dt, s, d) })
		default:
			return nil, fmt.Errorf("Einsum does not support dtype %v", dt)
		}
	}, nil
}

func toI64(t *tensor.Tensor) []int64 {
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

func toU64(t *tensor.Tensor) []uint64 {
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

func narrowI64(dt tensor.DType, s tensor.Shape, d []int64) *tensor.Tensor {
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

func narrowU64(dt tensor.DType, s tensor.Shape, d []uint64) *tensor.Tensor {
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

func einsumRun[T num](eq *einsumEq, in []*tensor.Tensor, read func(*tensor.Tensor) []T, wrap func(tensor.Shape, []T) *tensor.Tensor) ([]*tensor.Tensor, error) {
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
	// Build operands: diagonals, broadcast squeezes.
	opsList := make([]*operand[T], len(in))
	for i, t := range in {
		o := &operand[T]{data: read(t), labels: labs[i], shape: append([]int(nil), t.Shape()...)}
		o = diagonal(o)
		o = squeezeBroadcast(o, size)
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
		cur = sumOut(cur, func(l int) bool { return need[l] || slices.Contains(b.labels, l) })
		b = sumOut(b, func(l int) bool { return need[l] || slices.Contains(cur.labels, l) })
		var err error
		cur, err = contract(cur, b, need)
		if err != nil {
			return nil, err
		}
	}
	cur = sumOut(cur, func(l int) bool { return outSet[l] })
	// Permute to the output order.
	perm := make([]int, len(outLabels))
	for i, l := range outLabels {
		ax := slices.Index(cur.labels, l)
		if ax < 0 {
			return nil, fmt.Errorf("Einsum: internal error: label lost")
		}
		perm[i] = ax
	}
	data, shape := permute(cur.data, cur.shape, perm)
	return []*tensor.Tensor{wrap(tensor.Shape(shape), data)}, nil
}

func letterOrder(l int) int {
	if l >= 26 && l < 52 {
		return l - 26 // uppercase sorts before lowercase
	}
	return l + 26
}

// diagonal merges repeated labels of o by taking the diagonal.
func diagonal[T num](o *operand[T]) *operand[T] {
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
	return &operand[T]{data: out, labels: uniq, shape: ushape}
}

// squeezeBroadcast drops size-1 axes whose label is larger elsewhere: the
// operand then broadcasts along that label.
func squeezeBroadcast[T num](o *operand[T], size map[int]int) *operand[T] {
	var labels, shape []int
	for ax, l := range o.labels {
		if o.shape[ax] == 1 && size[l] != 1 {
			continue
		}
		labels = append(labels, l)
		shape = append(shape, o.shape[ax])
	}
	return &operand[T]{data: o.data, labels: labels, shape: shape}
}

// sumOut sums over every axis whose label keep rejects.
func sumOut[T num](o *operand[T], keep func(int) bool) *operand[T] {
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
	data, shape := permute(o.data, o.shape, perm)
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
	return &operand[T]{data: out, labels: labels, shape: shape[:len(keptAx)]}
}

// contract multiplies a and b, summing labels they share that need lacks.
func contract[T num](a, b *operand[T], need map[int]bool) (*operand[T], error) {
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
	sizeOf := func(o *operand[T], l int) int { return o.shape[slices.Index(o.labels, l)] }
	axes := func(o *operand[T], groups ...[]int) []int {
		var p []int
		for _, g := range groups {
			for _, l := range g {
				p = append(p, slices.Index(o.labels, l))
			}
		}
		return p
	}
	ad, _ := permute(a.data, a.shape, axes(a, batch, aOnly, sum))
	bd, _ := permute(b.data, b.shape, axes(b, batch, sum, bOnly))
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
	return &operand[T]{data: out, labels: labels, shape: shape}, nil
}

// permute transposes data of shape so that output axis i is input axis perm[i].
func permute[T any](data []T, shape []int, perm []int) ([]T, []int) {
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
