package trees

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/sinter-ml/sinter/ir/ensemble"
)

// Input is a row-major [Rows, NumFeatures] matrix: exactly one of F32 and
// F64 holds it.
type Input struct {
	F32  []float32
	F64  []float64
	Rows int
}

// Outputs are caller-provided buffers; nil ones are not computed. Float
// outputs come in a float32 and a float64 form; set whichever you want.
//
//	Pred:   [Rows, NumTargets] transformed predictions
//	Margin: [Rows, NumTargets] raw margins
//	Proba:  [Rows, NumClasses] class probabilities (classifiers)
//	Class:  [Rows] index of the predicted class (classifiers)
//	Leaves: [Rows, NumTrees] the ID of the leaf reached in each tree
type Outputs struct {
	Pred32   []float32
	Pred64   []float64
	Margin32 []float32
	Margin64 []float64
	Proba32  []float32
	Proba64  []float64
	Class    []int32
	Leaves   []int64
}

type runner interface {
	run(in Input, out *Outputs)
}

// Run scores in.Rows rows into out. It allocates nothing once warm (scratch
// buffers are pooled per model).
func (m *Model) Run(in Input, out *Outputs) error {
	n := in.Rows
	if n < 0 {
		return fmt.Errorf("trees: negative row count")
	}
	want := n * m.nf
	switch {
	case in.F32 != nil && in.F64 != nil:
		return fmt.Errorf("trees: input has both float32 and float64 data")
	case in.F32 != nil && len(in.F32) < want, in.F64 != nil && len(in.F64) < want:
		return fmt.Errorf("trees: input holds fewer than %d×%d values", n, m.nf)
	case in.F32 == nil && in.F64 == nil && want > 0:
		return fmt.Errorf("trees: no input data")
	}
	if in.F32 == nil && in.F64 == nil {
		in.F64 = []float64{}
	}
	check := func(name string, l, w int) error {
		if l >= 0 && l < w {
			return fmt.Errorf("trees: output %s holds %d values, want %d", name, l, w)
		}
		return nil
	}
	nk, nc := n*m.k, n*m.nc
	for _, c := range []struct {
		name string
		l, w int
	}{
		{"Pred", lenOr(out.Pred32, out.Pred64), nk}, {"Margin", lenOr(out.Margin32, out.Margin64), nk},
		{"Proba", lenOr(out.Proba32, out.Proba64), nc}, {"Class", lenOf(out.Class), n}, {"Leaves", lenOf(out.Leaves), n * m.nTrees},
	} {
		if err := check(c.name, c.l, c.w); err != nil {
			return err
		}
	}
	if m.nc == 0 && (out.Proba32 != nil || out.Proba64 != nil || out.Class != nil) {
		return fmt.Errorf("trees: probabilities and classes need a classifier")
	}
	if n == 0 {
		return nil
	}
	m.impl.run(in, out)
	return nil
}

func (c *compiled[T, A]) run(in Input, out *Outputs) {
	m := c.m
	n, bs := in.Rows, m.block
	if m.parallel != nil && n < 2*bs && m.nTrees >= 32 && n*m.nTrees >= 2048 {
		c.smallBatch(&in, out)
		return
	}
	if n <= m.singleMax && !m.forceBlocks {
		c.rowByRow(&in, out)
		return
	}
	nb := (n + bs - 1) / bs
	if m.parallel == nil || nb == 1 {
		for b := 0; b < nb; b++ {
			c.block(&in, out, b*bs, min(n, (b+1)*bs))
		}
		return
	}
	c.parallelBlocks(in, out, nb)
}

func (c *compiled[T, A]) parallelBlocks(in Input, out *Outputs, nb int) {
	n, bs := in.Rows, c.m.block
	c.m.parallel(nb, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			c.block(&in, out, b*bs, min(n, (b+1)*bs))
		}
	})
}

func lenOr[A, B any](a []A, b []B) int {
	if a != nil {
		return len(a)
	}
	if b != nil {
		return len(b)
	}
	return -1
}

func lenOf[A any](a []A) int {
	if a == nil {
		return -1
	}
	return len(a)
}

type scratch[T, A float32 | float64] struct {
	x       []T
	idx     []int32
	acc     []A
	has     []bool
	m64     []float64
	p64     []float64
	pr64    []float64
	treeIdx []int32  // small batches: [trees][rows] leaf nodes
	dual32  []uint32 // key forms: the dual layout (perfect.go)
	dual64  []uint64
	pos     []int32 // perfect trees: leaf positions
	list    []int32 // chain trees: rows still walking
}

func (c *compiled[T, A]) getScratch() *scratch[T, A] { return c.scratches.Get() }

// newScratch makes run memory for c's model (c.scratches.New).
func (c *compiled[T, A]) newScratch() *scratch[T, A] {
	m := c.m
	stride := max(m.nf, 1)
	return &scratch[T, A]{
		x:    make([]T, m.block*stride),
		idx:  make([]int32, m.block),
		acc:  make([]A, m.block*m.k),
		has:  make([]bool, m.block*m.k),
		m64:  make([]float64, m.k),
		p64:  make([]float64, m.k),
		pr64: make([]float64, max(m.nc, 1)),
		pos:  make([]int32, m.block),
		list: make([]int32, m.block),
	}
}

// rows returns rows r0…r1 as []T with their stride, converting into s.x
// when the input's type differs from T.
func (c *compiled[T, A]) rows(s *scratch[T, A], in *Input, r0, r1 int) ([]T, int) {
	nf := c.m.nf
	if nf == 0 {
		x := s.x[:r1-r0]
		clear(x)
		return x, 1
	}
	var z T
	switch any(z).(type) {
	case float32:
		if in.F32 != nil {
			return castSlice[float32, T](in.F32[r0*nf : r1*nf]), nf
		}
		x := s.x[:(r1-r0)*nf]
		for i, v := range in.F64[r0*nf : r1*nf] {
			x[i] = T(float32(v))
		}
		return x, nf
	default:
		if in.F64 != nil {
			return castSlice[float64, T](in.F64[r0*nf : r1*nf]), nf
		}
		x := s.x[:(r1-r0)*nf]
		for i, v := range in.F32[r0*nf : r1*nf] {
			x[i] = T(v)
		}
		return x, nf
	}
}

// castSlice reinterprets a []S as []T; the caller guarantees S and T are
// the same type (boxing the slice in an interface would allocate).
func castSlice[S, T float32 | float64](s []S) []T {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&s[0])), len(s))
}

// inputAt is the original input value (for linear leaves).
func inputAt(in *Input, i int) float64 {
	if in.F32 != nil {
		return float64(in.F32[i])
	}
	return in.F64[i]
}

// walk sends every row of xs (stride st) through tree tr, leaving the leaf
// node index of row r in idx[r].
func (c *compiled[T, A]) walk(tr *tree, xs []T, st int, idx []int32) {
	nodes := c.nodes
	root := tr.root
	for r := range idx {
		idx[r] = root
	}
	if !tr.special {
		lockstep(nodes, xs, st, idx, int(tr.lock))
	} else {
		for range tr.lock {
			off := 0
			for r, i := range idx {
				idx[r] = c.step(i, xs[off:off+st])
				off += st
			}
		}
	}
	// Rows not yet at a leaf finish one by one.
	off := 0
	for r, i := range idx {
		for nodes[i].fx&bitLeaf == 0 {
			i = c.step(i, xs[off:off+st])
		}
		idx[r] = i
		off += st
	}
}

// lockstep moves every row of idx down levels levels of a tree without
// special nodes, with no data-dependent branches. Indices were validated at
// compile time (features < stride, children inside nodes), so the loop reads
// through unsafe pointers.
func lockstep[T float32 | float64](nodes []node[T], xs []T, st int, idx []int32, levels int) {
	if len(idx) == 0 {
		return
	}
	np := unsafe.Pointer(unsafe.SliceData(nodes))
	xp := unsafe.Pointer(unsafe.SliceData(xs))
	var z T
	nsz, xsz := unsafe.Sizeof(node[T]{}), unsafe.Sizeof(z)
	rowBytes := uintptr(st) * xsz
	for range levels {
		for r := range idx {
			i := idx[r]
			nd := (*node[T])(unsafe.Add(np, uintptr(i)*nsz))
			fx := nd.fx
			// Row r's feature, addressed from the base each time: stepping a
			// row pointer would leave it one past the end of xs after the
			// last row, which is not a valid unsafe.Pointer.
			x := *(*T)(unsafe.Add(xp, uintptr(r)*rowBytes+uintptr(fx&featMask)*xsz))
			t := nd.thr
			// x < t, or NaN when the node sends NaN to its true side.
			c := b2u(x < t) | (b2u(!(x >= t)) & (fx >> 30) & 1)
			j := nd.jump
			idx[r] = j ^ ((j ^ (i + 1)) & -int32(c))
		}
	}
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// step moves from node i one level down for row x.
func (c *compiled[T, A]) step(i int32, x []T) int32 {
	nd := &c.nodes[i]
	v := x[nd.fx&featMask]
	if nd.fx&bitSpecial != 0 {
		if c.m.e.DecideValue(c.specials[int(nd.thr)], float64(v)) {
			return i + 1
		}
		return nd.jump
	}
	if v < nd.thr || (v != v && nd.fx&bitNaNTrue != 0) {
		return i + 1
	}
	return nd.jump
}

// initAcc sets acc for n rows to the starting values.
func (c *compiled[T, A]) initAcc(s *scratch[T, A], n int) ([]A, []bool) {
	e := c.m.e
	k := c.m.k
	acc := s.acc[:n*k]
	if e.BaseFirst && e.BaseValues != nil {
		for r := 0; r < n; r++ {
			for j, b := range e.BaseValues {
				acc[r*k+j] = A(b)
			}
		}
	} else {
		clear(acc)
	}
	var has []bool
	if e.Aggregate == ensemble.Min || e.Aggregate == ensemble.Max {
		has = s.has[:n*k]
		clear(has)
	}
	return acc, has
}

// addTree adds tree ti's contributions for rows r0… (leaf nodes in idx).
func (c *compiled[T, A]) addTree(ti int, idx []int32, acc []A, has []bool, in *Input, r0 int, out *Outputs) {
	tr := &c.trees[ti]
	k := c.m.k
	if out.Leaves != nil {
		nt := c.m.nTrees
		for r, i := range idx {
			out.Leaves[(r0+r)*nt+ti] = c.slotID[c.leafSlot[i]]
		}
	}
	if tr.simple && has == nil {
		lv := c.leafVal
		if k == 1 {
			acc = acc[:len(idx)]
			for r, i := range idx {
				acc[r] += lv[i]
			}
			return
		}
		for r, i := range idx {
			acc[r*k+int(tr.target)] += lv[i]
		}
		return
	}
	agg := c.m.e.Aggregate
	add := func(p int, v A) {
		switch agg {
		case ensemble.Sum, ensemble.Average:
			acc[p] += v
		case ensemble.Min:
			if !has[p] || v < acc[p] {
				acc[p] = v
			}
			has[p] = true
		case ensemble.Max:
			if !has[p] || v > acc[p] {
				acc[p] = v
			}
			has[p] = true
		}
	}
	nf := c.m.nf
	for r, i := range idx {
		slot := c.leafSlot[i]
		if c.linStart != nil {
			if lo, hi := c.linStart[slot], c.linStart[slot+1]; hi > lo && c.linearUsable(lo, hi, in, (r0+r)*nf) {
				w := c.weights[ti]
				for _, t := range c.linTerms[lo:hi] {
					v := t.c
					for j, f := range t.feats {
						xv := inputAt(in, (r0+r)*nf+int(f))
						if math.IsNaN(xv) {
							continue
						}
						v += A(t.coeffs[j] * A(xv)) // conversion prevents FMA fusion
					}
					if w != 1 {
						v = A(w * v)
					}
					add(r*k+int(t.target), v)
				}
				continue
			}
		}
		for p := c.entStart[slot]; p < c.entStart[slot+1]; p++ {
			add(r*k+int(c.entTarget[p]), c.entValue[p])
		}
	}
}

func (c *compiled[T, A]) linearUsable(lo, hi int32, in *Input, base int) bool {
	if c.m.e.LinearNaN != ensemble.LinearNaNFallback {
		return true
	}
	for _, t := range c.linTerms[lo:hi] {
		for _, f := range t.feats {
			if math.IsNaN(inputAt(in, base+int(f))) {
				return false
			}
		}
	}
	return true
}

// finish turns accumulators of rows r0… into outputs.
func (c *compiled[T, A]) finish(s *scratch[T, A], acc []A, n, r0 int, out *Outputs) {
	m := c.m
	e := m.e
	k := m.k
	wantPred := out.Pred32 != nil || out.Pred64 != nil || m.nc > 0
	for r := 0; r < n; r++ {
		row := acc[r*k : r*k+k]
		if c.avgDiv != nil {
			for j, d := range c.avgDiv {
				if d != 0 {
					row[j] /= d
				}
			}
		}
		if !e.BaseFirst && e.BaseValues != nil {
			for j, b := range e.BaseValues {
				row[j] += A(b)
			}
		}
		o := (r0 + r) * k
		if out.Margin32 != nil {
			for j, v := range row {
				out.Margin32[o+j] = float32(v)
			}
		}
		if out.Margin64 != nil {
			for j, v := range row {
				out.Margin64[o+j] = float64(v)
			}
		}
		if !wantPred {
			continue
		}
		for j, v := range row {
			s.m64[j] = float64(v)
		}
		ensemble.ApplyPost(e.Post, e.Scale(), s.m64, s.p64)
		if out.Pred32 != nil {
			for j, v := range s.p64 {
				out.Pred32[o+j] = float32(v)
			}
		}
		if out.Pred64 != nil {
			copy(out.Pred64[o:o+k], s.p64)
		}
		if m.nc > 0 {
			cls := e.Probabilities(s.p64, s.pr64)
			po := (r0 + r) * m.nc
			if out.Proba32 != nil {
				for j, v := range s.pr64 {
					out.Proba32[po+j] = float32(v)
				}
			}
			if out.Proba64 != nil {
				copy(out.Proba64[po:po+m.nc], s.pr64)
			}
			if out.Class != nil {
				out.Class[r0+r] = int32(cls)
			}
		}
	}
}

// keyBlock writes rows r0…r1 (at most one block) in the dual layout into
// s when the key walks are on, and reports whether they are.
func (c *compiled[T, A]) keyBlock(s *scratch[T, A], in *Input, r0, r1 int) bool {
	if c.nKey == 0 || c.m.noKey {
		return false
	}
	m := c.m
	nf2 := 2 * m.nf
	dn := (r1 - r0 + 7) / 8 * 8 * nf2
	if m.f32 {
		if len(s.dual32) < dn {
			s.dual32 = make([]uint32, (m.block+7)/8*8*nf2)
		}
		dualRows[T](s.dual32, m.nf, in, r0, r1)
	} else {
		if len(s.dual64) < dn {
			s.dual64 = make([]uint64, (m.block+7)/8*8*nf2)
		}
		dualRows[T](s.dual64, m.nf, in, r0, r1)
	}
	return true
}

// leafNodes leaves in idx the leaf node each row of the block reaches in
// tree ti, by the key walk when useKey (s holding the dual block; pos and
// list are scratch), else the general walk on xs.
func (c *compiled[T, A]) leafNodes(ti int, useKey bool, s *scratch[T, A], xs []T, st int, idx, pos, list []int32) {
	kt := &c.ktrees[ti]
	tr := &c.trees[ti]
	nf2 := 2 * c.m.nf
	switch {
	case useKey && kt.kind == kPerfect:
		size := 1<<kt.depth - 1
		if c.m.f32 {
			perfWalk(c.kn32[kt.off:int(kt.off)+size], int(kt.depth), s.dual32, nf2, pos)
		} else {
			perfWalk(c.kn64[kt.off:int(kt.off)+size], int(kt.depth), s.dual64, nf2, pos)
		}
		pl := c.pleaf[kt.loff : int(kt.loff)+size+1]
		for r, p := range pos {
			idx[r] = pl[p]
		}
	case useKey && kt.kind == kChain:
		if c.m.f32 {
			chainWalk(c.cn32, int(tr.root), kt, s.dual32, nf2, idx, list)
		} else {
			chainWalk(c.cn64, int(tr.root), kt, s.dual64, nf2, idx, list)
		}
	default:
		c.walk(tr, xs, st, idx)
	}
}

// block scores rows r0…r1 (at most one block).
func (c *compiled[T, A]) block(in *Input, out *Outputs, r0, r1 int) {
	s := c.getScratch()
	defer c.scratches.Put(s)
	n := r1 - r0
	xs, st := c.rows(s, in, r0, r1)
	acc, has := c.initAcc(s, n)
	idx := s.idx[:n]
	useKey := c.keyBlock(s, in, r0, r1)
	nf2 := 2 * c.m.nf
	fast := has == nil && out.Leaves == nil
	k := c.m.k
	for ti := range c.trees {
		tr := &c.trees[ti]
		kt := &c.ktrees[ti]
		switch {
		case useKey && kt.kind == kPerfect:
			pos := s.pos[:n]
			size := 1<<kt.depth - 1
			if c.m.f32 {
				perfWalk(c.kn32[kt.off:int(kt.off)+size], int(kt.depth), s.dual32, nf2, pos)
			} else {
				perfWalk(c.kn64[kt.off:int(kt.off)+size], int(kt.depth), s.dual64, nf2, pos)
			}
			if fast && tr.simple {
				pv := c.pval[kt.loff : int(kt.loff)+size+1]
				if k == 1 {
					acc := acc[:n]
					for r, p := range pos {
						acc[r] += pv[p]
					}
				} else {
					for r, p := range pos {
						acc[r*k+int(tr.target)] += pv[p]
					}
				}
				continue
			}
			pl := c.pleaf[kt.loff : int(kt.loff)+size+1]
			for r, p := range pos {
				idx[r] = pl[p]
			}
		case useKey && kt.kind == kChain:
			if c.m.f32 {
				chainWalk(c.cn32, int(tr.root), kt, s.dual32, nf2, idx, s.list[:n])
			} else {
				chainWalk(c.cn64, int(tr.root), kt, s.dual64, nf2, idx, s.list[:n])
			}
			if fast && tr.simple {
				lv := c.leafVal
				if k == 1 {
					acc := acc[:n]
					for r, i := range idx {
						acc[r] += lv[i]
					}
				} else {
					for r, i := range idx {
						acc[r*k+int(tr.target)] += lv[i]
					}
				}
				continue
			}
		default:
			c.walk(tr, xs, st, idx)
		}
		c.addTree(ti, idx, acc, has, in, r0, out)
	}
	c.finish(s, acc, n, r0, out)
}

// smallBatch scores a few rows with the trees split over the Parallel hook:
// leaves first (in parallel), then sums in tree order (serially).
func (c *compiled[T, A]) smallBatch(in *Input, out *Outputs) {
	n := in.Rows
	m := c.m
	for r0 := 0; r0 < n; r0 += m.block {
		r1 := min(n, r0+m.block)
		nr := r1 - r0
		s := c.getScratch()
		if cap(s.treeIdx) < nr*m.nTrees {
			s.treeIdx = make([]int32, nr*m.nTrees)
		}
		ti := s.treeIdx[:nr*m.nTrees]
		xs, st := c.rows(s, in, r0, r1)
		useKey := c.keyBlock(s, in, r0, r1)
		m.parallel(m.nTrees, func(lo, hi int) {
			ws := c.getScratch() // pos and list
			for t := lo; t < hi; t++ {
				c.leafNodes(t, useKey, s, xs, st, ti[t*nr:(t+1)*nr], ws.pos[:nr], ws.list[:nr])
			}
			c.scratches.Put(ws)
		})
		acc, has := c.initAcc(s, nr)
		for t := range c.trees {
			c.addTree(t, ti[t*nr:(t+1)*nr], acc, has, in, r0, out)
		}
		c.finish(s, acc, nr, r0, out)
		c.scratches.Put(s)
	}
}
