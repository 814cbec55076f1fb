package trees

import (
	"math"
	"math/bits"
	"unsafe"

	"github.com/sinter-ml/sinter/ir/ensemble"
)

// Key walks. Trees without special nodes (except "x ≤ +Inf" and "x > +Inf",
// which LightGBM writes) are also compiled into one of two key forms,
// walked eight rows at a time:
//
//   - perfect: trees of depth D ≤ perfMaxDepth stored complete to depth D
//     in level order (children of position i at 2i and 2i+1, numbering from
//     1), shallower leaves padded by nodes whose two sides lead to copies of
//     the leaf; a row walks exactly D steps of i = 2i + (x ≥ t), and
//   - chain: the pre-order nodes again (true child next, false child at
//     jump, leaves jumping to themselves; see chainWalk).
//
// Values are compared as integer keys: key(v) is an order-preserving map of
// the non-NaN float32 (float64) values to uint32 (uint64) with −0 and +0
// equal, so x ≥ t ⟺ key(x) > key(t)−1, and nodes store key(t)−1 (≥ 1: the
// smallest key, of −Inf, is larger). Comparing integers avoids SETcc, whose
// partial register write serialises independent chains on some CPUs, and
// needs no NaN test: the block layout (dual) holds every row twice, once
// with NaN as the largest key (above +Inf: NaN to the false side of every
// node) and once as 1 (below −Inf: NaN to the true side); a node reads the
// copy matching its NaN direction. A NaN threshold with NaN to the true
// side has no key form (its tree keeps the general walk).
//
// Dual layout: groups of eight rows, each [2·NumFeatures][8] keys (value j
// of row k of the group at j·8+k); a node's f is 8·feature (NaN high) or
// 8·(NumFeatures+feature) (NaN low).

// knode is a perfect-tree node; K is uint32 or uint64 (the keys).
type knode[K uint32 | uint64] struct {
	key K // key(t)−1
	f   uint32
}

// cnode is a chain node (indexed like compiled.nodes). Walks address
// nodes by byte offset (index × size), so jump is one too.
type cnode[K uint32 | uint64] struct {
	key  K // key(t)−1; 0 for leaves (every x goes to jump)
	f    uint32
	jump uint32 // byte offset of the false child (leaves: their own)
}

// ktree locates tree t's key form: kind kPerfect (nodes kn32/kn64[off :
// off+2^depth−1], leaves pleaf/pval[loff : loff+2^depth]), kChain (nodes
// cn32/cn64 from the tree's root, min the smallest leaf depth) or kNone.
type ktree struct {
	kind      uint8
	off, loff int32
	depth     int32 // perfect: the depth; chain: the largest leaf depth
	k1        int32 // chain: steps in groups (see chainWalk)
}

const (
	kNone = iota
	kPerfect
	kChain
)

// chainK1 is added to the mean leaf depth for chainWalk's k1 (a variable
// for experiments).
var chainK1 int32 = 1

// perfMaxDepth limits the perfect layout (a variable for tests).
var perfMaxDepth int32 = 10

// keyOf maps v (not NaN) to its key, as a uint64 (uint32 range for float32).
func keyOf[T float32 | float64](v T) uint64 {
	if v == 0 {
		v = 0 // −0 → +0
	}
	if f, ok := any(v).(float32); ok {
		b := int32(math.Float32bits(f))
		return uint64(uint32(b^(b>>31&0x7fffffff)) ^ 1<<31)
	}
	b := int64(math.Float64bits(float64(v)))
	return uint64(b^(b>>63&0x7fffffffffffffff)) ^ 1<<63
}

// nodeKey is key(t)−1 for a node threshold t (NaN: padding, any key).
func nodeKey[T float32 | float64](t T) uint64 {
	if t != t {
		return 0
	}
	return keyOf(t) - 1
}

// keyNode returns the key form of compiled split node i: key(t)−1 (x > key
// goes to the false side, jump) and f, the value's offset in a dual group
// (the NaN → −Inf copy when NaN goes to the true side). Besides canonical
// nodes it takes the special nodes "x ≤ +Inf" and "x > +Inf" (LightGBM
// writes thresholds of +Inf), which have no canonical "x < t" form. ok is
// false for other special nodes and for a NaN threshold with NaN to the
// true side.
func (c *compiled[T, A]) keyNode(i int32) (key uint64, f uint32, ok bool) {
	nd := &c.nodes[i]
	f = nd.fx & featMask
	var nanTrue bool
	if nd.fx&bitSpecial != 0 {
		en := c.specials[int(nd.thr)]
		if (en.Op != ensemble.LE && en.Op != ensemble.GT) || en.Missing == ensemble.MissingZero {
			return 0, 0, false
		}
		// A numeric node is special only when canon failed: an
		// effective threshold of +Inf.
		switch en.Missing {
		case ensemble.MissingNaN:
			nanTrue = en.DefaultTrue
		case ensemble.MissingAsZero:
			nanTrue = c.m.e.DecideValue(en, 0)
		}
		key = keyOf(T(math.Inf(1))) // x ≤ +Inf: every x to the true side
		if en.Op == ensemble.GT {
			key = 1 // x > +Inf: every x (keys > 1) to the false side
		}
	} else {
		nanTrue = nd.fx&bitNaNTrue != 0
		if nanTrue && nd.thr != nd.thr {
			return 0, 0, false
		}
		key = nodeKey(nd.thr)
	}
	if nanTrue {
		f += uint32(c.m.nf)
	}
	return key, 8 * f, true
}

// keyForms compiles tree ti (just compiled into c.nodes) into a key form.
func (c *compiled[T, A]) keyForms(ti int, maxDepth, minDepth, meanDepth int32) {
	tr := &c.trees[ti]
	nf := c.m.nf
	c.ktrees[ti].kind = kNone
	if nf == 0 || uint64(nf)*16 >= 1<<32 || uint64(c.m.e.NumNodes())*uint64(unsafe.Sizeof(cnode[uint64]{})) >= 1<<32 {
		return
	}
	end := int32(len(c.nodes))
	internal := 0
	for i := tr.root; i < end; i++ {
		nd := &c.nodes[i]
		if nd.fx&bitLeaf != 0 {
			continue
		}
		internal++
		if _, _, ok := c.keyNode(i); !ok {
			return
		}
	}
	size := 1<<maxDepth - 1
	if maxDepth <= perfMaxDepth && size <= 4*internal+64 {
		c.perfectForm(ti, maxDepth)
		return
	}
	// Chain form.
	var z T
	_, is32 := any(z).(float32)
	for i := tr.root; i < end; i++ {
		nd := &c.nodes[i]
		var key uint64
		var f uint32
		if nd.fx&bitLeaf == 0 {
			key, f, _ = c.keyNode(i)
		}
		if is32 {
			c.cn32[i] = cnode[uint32]{key: uint32(key), f: f, jump: uint32(nd.jump) * uint32(unsafe.Sizeof(cnode[uint32]{}))}
		} else {
			c.cn64[i] = cnode[uint64]{key: key, f: f, jump: uint32(nd.jump) * uint32(unsafe.Sizeof(cnode[uint64]{}))}
		}
	}
	c.ktrees[ti] = ktree{kind: kChain, depth: maxDepth, k1: min(maxDepth, max(minDepth, meanDepth+chainK1))}
	c.nKey++
}

// perfectForm lays tree ti out in perfect form of depth d.
func (c *compiled[T, A]) perfectForm(ti int, d int32) {
	tr := &c.trees[ti]
	size := 1<<d - 1
	var z T
	_, is32 := any(z).(float32)
	var off int32
	if is32 {
		off = int32(len(c.kn32))
		c.kn32 = append(c.kn32, make([]knode[uint32], size)...)
	} else {
		off = int32(len(c.kn64))
		c.kn64 = append(c.kn64, make([]knode[uint64], size)...)
	}
	loff := int32(len(c.pleaf))
	c.pleaf = append(c.pleaf, make([]int32, size+1)...)
	set := func(pos int, key uint64, f uint32) {
		if is32 {
			c.kn32[int(off)+pos] = knode[uint32]{key: uint32(key), f: f}
		} else {
			c.kn64[int(off)+pos] = knode[uint64]{key: key, f: f}
		}
	}
	// pos numbers from 0 here: children 2pos+1 (true), 2pos+2 (false).
	var place func(i int32, pos int, depth int32)
	place = func(i int32, pos int, depth int32) {
		nd := &c.nodes[i]
		if depth == d {
			c.pleaf[int(loff)+pos-size] = i
			return
		}
		if nd.fx&bitLeaf != 0 {
			set(pos, 0, 0)
			place(i, 2*pos+1, depth+1)
			place(i, 2*pos+2, depth+1)
			return
		}
		key, f, _ := c.keyNode(i)
		set(pos, key, f)
		place(i+1, 2*pos+1, depth+1)
		place(nd.jump, 2*pos+2, depth+1)
	}
	place(tr.root, 0, 0)
	c.ktrees[ti] = ktree{kind: kPerfect, off: off, loff: loff, depth: d}
	c.nKey++
}

// fillPerfect finishes the perfect layout: leaf values for simple trees.
func (c *compiled[T, A]) fillPerfect() {
	c.pval = make([]A, len(c.pleaf))
	for i, n := range c.pleaf {
		c.pval[i] = c.leafVal[n]
	}
}

// dualRows writes rows r0…r1 of in into dst in the dual layout (keys of
// type K: uint32 for float32 models, uint64 for float64).
func dualRows[T float32 | float64, K uint32 | uint64](dst []K, nf int, in *Input, r0, r1 int) {
	n := r1 - r0
	gs := 2 * nf * 8 // values per group
	dst = dst[:(n+7)/8*gs]
	hiKey, loKey := ^K(0), K(1) // NaN: above +Inf, below −Inf
	for r := 0; r < n; r++ {
		g := dst[r/8*gs : r/8*gs+gs]
		k := r % 8
		hi, lo := g[k:nf*8], g[nf*8+k:]
		if in.F32 != nil {
			for j, v := range in.F32[(r0+r)*nf : (r0+r)*nf+nf] {
				x := T(v)
				h, l := hiKey, loKey
				if x == x {
					h = K(keyOf(x))
					l = h
				}
				hi[j*8], lo[j*8] = h, l
			}
			continue
		}
		for j, v := range in.F64[(r0+r)*nf : (r0+r)*nf+nf] {
			var x T
			if _, is32 := any(x).(float32); is32 {
				x = T(float32(v))
			} else {
				x = T(v)
			}
			h, l := hiKey, loKey
			if x == x {
				h = K(keyOf(x))
				l = h
			}
			hi[j*8], lo[j*8] = h, l
		}
	}
	if n%8 != 0 {
		// Padding rows hold +Inf keys: above every node key, so that they
		// stop at leaves like real rows.
		g := dst[n/8*gs:]
		for j := 0; j < 2*nf; j++ {
			for k := n % 8; k < 8; k++ {
				g[j*8+k] = hiKey
			}
		}
	}
}

// dualRow writes row r of in as lane 0 of a dual group into dst (the
// single-row walks read nothing else).
func dualRow[T float32 | float64, K uint32 | uint64](dst []K, nf int, in *Input, r int) {
	dst = dst[:16*nf]
	hi, lo := dst[:8*nf], dst[8*nf:]
	hiKey, loKey := ^K(0), K(1) // NaN: above +Inf, below −Inf
	for j := 0; j < nf; j++ {
		x := T(inputAt(in, r*nf+j)) // float32(float64(v)) = float32(v)
		h, l := hiKey, loKey
		if x == x {
			h = K(keyOf(x))
			l = h
		}
		hi[j*8], lo[j*8] = h, l
	}
}

// perfWalk walks the rows of the dual block xs (nf2 values a row) through
// a perfect tree of depth d with nodes kn, leaving leaf positions
// (0…2^d−1) in pos (one per row, len(pos) rows).
func perfWalk[K uint32 | uint64](kn []knode[K], d int, xs []K, nf2 int, pos []int32) {
	n := len(pos)
	if n == 0 {
		return
	}
	if d == 0 {
		clear(pos)
		return
	}
	np := unsafe.Pointer(unsafe.SliceData(kn))
	xp := unsafe.Pointer(unsafe.SliceData(xs))
	var z K
	groupBytes := uintptr(nf2) * 8 * unsafe.Sizeof(z)
	var last [8]int32
	for r := 0; r < n; r += 8 {
		g := unsafe.Add(xp, uintptr(r/8)*groupBytes)
		p := &last
		if r+8 <= n {
			p = (*[8]int32)(pos[r : r+8])
		}
		perfGroup[K](np, g, d, p)
		if r+8 > n {
			copy(pos[r:], last[:])
		}
	}
	base := int32(1)<<d - 1
	for r := range pos {
		pos[r] -= base
	}
}

// perfGroup walks the eight rows of group g through the perfect tree at np
// of depth d > 0, leaving positions 2^d−1…2^(d+1)−2 in p. It is a function
// of its own so that the eight positions stay in registers.
//
//go:noinline
func perfGroup[K uint32 | uint64](np, g unsafe.Pointer, d int, p *[8]int32) {
	var z K
	nsz, xsz := unsafe.Sizeof(knode[K]{}), unsafe.Sizeof(z)
	step := func(i uint, k uintptr) uint {
		nd := (*knode[K])(unsafe.Add(np, uintptr(i)*nsz-nsz))
		x := *(*K)(unsafe.Add(g, (k+uintptr(nd.f))*xsz))
		return 2*i + gt(x, nd.key) // x ≥ t: 2i+1
	}
	i0, i1, i2, i3, i4, i5, i6, i7 := uint(1), uint(1), uint(1), uint(1), uint(1), uint(1), uint(1), uint(1)
	// The never-taken branches split the loop into one block per step:
	// the compiler schedules loads early within a block, which would keep
	// 24 values live and spill them.
	for ; d > 0; d-- {
		if i0 = step(i0, 0); i0 == 0 {
			break
		}
		if i1 = step(i1, 1); i1 == 0 {
			break
		}
		if i2 = step(i2, 2); i2 == 0 {
			break
		}
		if i3 = step(i3, 3); i3 == 0 {
			break
		}
		if i4 = step(i4, 4); i4 == 0 {
			break
		}
		if i5 = step(i5, 5); i5 == 0 {
			break
		}
		if i6 = step(i6, 6); i6 == 0 {
			break
		}
		i7 = step(i7, 7)
	}
	p[0], p[1], p[2], p[3] = int32(i0-1), int32(i1-1), int32(i2-1), int32(i3-1)
	p[4], p[5], p[6], p[7] = int32(i4-1), int32(i5-1), int32(i6-1), int32(i7-1)
}

// chainWalk walks the rows of the dual block xs through the chain-form tree
// rooted at node root, leaving the leaf node of each row in idx. Rows walk
// in groups of eight: k1 steps (kt.k1: about the mean leaf depth), then the
// rows not yet at a leaf, gathered from all groups, walk on in lanes of
// eight until none moves. A group walking on until its deepest row stops
// would waste the steps between its rows' depths and that maximum (about
// half of them on LightGBM trees of 63 leaves). list is scratch (len(idx)).
func chainWalk[K uint32 | uint64](cn []cnode[K], root int, kt *ktree, xs []K, nf2 int, idx, list []int32) {
	n := len(idx)
	if n == 0 {
		return
	}
	np := unsafe.Pointer(unsafe.SliceData(cn))
	xp := unsafe.Pointer(unsafe.SliceData(xs))
	var z K
	xsz := unsafe.Sizeof(z)
	groupBytes := uintptr(nf2) * 8 * xsz
	var last [8]int32
	steps, detect := int(kt.k1), kt.k1 < kt.depth
	nsz := uint(unsafe.Sizeof(cnode[K]{}))
	for r := 0; r < n; r += 8 {
		g := unsafe.Add(xp, uintptr(r/8)*groupBytes)
		p := &last
		if r+8 <= n {
			p = (*[8]int32)(idx[r : r+8])
		}
		chainGroup[K](np, g, uint(root)*nsz, steps, p)
		if r+8 > n {
			copy(idx[r:], last[:])
		}
	}
	// Byte offsets → node indices.
	for r, o := range idx {
		idx[r] = int32(uint32(o) / uint32(nsz))
	}
	if !detect {
		return
	}
	// Gather the rows not at a leaf (leaves jump to themselves).
	m := 0
	for r, i := range idx {
		list[m] = int32(r)
		m += int(b2u(cn[i].jump != uint32(i)*uint32(nsz)))
	}
	var lanes [8]unsafe.Pointer
	var start [8]int32
	for l := 0; l < m; l += 8 {
		for k := range 8 {
			r := list[min(l+k, m-1)] // repeat the last row in spare lanes
			lanes[k] = unsafe.Add(xp, uintptr(r/8)*groupBytes+uintptr(r%8)*xsz)
			start[k] = idx[r] * int32(nsz)
		}
		chainLanes[K](np, &lanes, &start)
		for k := range min(8, m-l) {
			idx[list[l+k]] = int32(uint32(start[k]) / uint32(nsz))
		}
	}
}

// chainGroup walks the eight rows of group g steps steps from node root.
//
//go:noinline
func chainGroup[K uint32 | uint64](np, g unsafe.Pointer, root uint, steps int, p *[8]int32) {
	var z K
	nsz, xsz := unsafe.Sizeof(cnode[K]{}), unsafe.Sizeof(z)
	step := func(i uint, k uintptr) uint {
		nd := (*cnode[K])(unsafe.Add(np, i))
		x := *(*K)(unsafe.Add(g, (k+uintptr(nd.f))*xsz))
		// x ≥ t, or a leaf: jump; else i+1. (Branch-free: the compiler
		// keeps branches for loop-carried values, and these mispredict.)
		j := i + uint(nsz)
		return j ^ ((j ^ uint(nd.jump)) & -gt(x, nd.key))
	}
	i0, i1, i2, i3, i4, i5, i6, i7 := root, root, root, root, root, root, root, root
	// never splits the loop into one block per step (see perfGroup).
	const never = ^uint(0)
	for ; steps > 0; steps-- {
		if i0 = step(i0, 0); i0 == never {
			break
		}
		if i1 = step(i1, 1); i1 == never {
			break
		}
		if i2 = step(i2, 2); i2 == never {
			break
		}
		if i3 = step(i3, 3); i3 == never {
			break
		}
		if i4 = step(i4, 4); i4 == never {
			break
		}
		if i5 = step(i5, 5); i5 == never {
			break
		}
		if i6 = step(i6, 6); i6 == never {
			break
		}
		i7 = step(i7, 7)
	}
	p[0], p[1], p[2], p[3] = int32(i0), int32(i1), int32(i2), int32(i3)
	p[4], p[5], p[6], p[7] = int32(i4), int32(i5), int32(i6), int32(i7)
}

// chainLanes walks eight rows (lane k: the row's values in a dual group, at
// lanes[k], from node p[k]) until none moves, leaving their nodes in p.
//
//go:noinline
func chainLanes[K uint32 | uint64](np unsafe.Pointer, lanes *[8]unsafe.Pointer, p *[8]int32) {
	var z K
	nsz, xsz := unsafe.Sizeof(cnode[K]{}), unsafe.Sizeof(z)
	step := func(i uint, row unsafe.Pointer) uint {
		nd := (*cnode[K])(unsafe.Add(np, i))
		x := *(*K)(unsafe.Add(row, uintptr(nd.f)*xsz))
		j := i + uint(nsz)
		return j ^ ((j ^ uint(nd.jump)) & -gt(x, nd.key))
	}
	i0, i1, i2, i3 := uint(p[0]), uint(p[1]), uint(p[2]), uint(p[3])
	i4, i5, i6, i7 := uint(p[4]), uint(p[5]), uint(p[6]), uint(p[7])
	const never = ^uint(0)
	for {
		j := step(i0, lanes[0])
		moved := j ^ i0
		if i0 = j; j == never {
			break
		}
		j = step(i1, lanes[1])
		moved |= j ^ i1
		if i1 = j; j == never {
			break
		}
		j = step(i2, lanes[2])
		moved |= j ^ i2
		if i2 = j; j == never {
			break
		}
		j = step(i3, lanes[3])
		moved |= j ^ i3
		if i3 = j; j == never {
			break
		}
		j = step(i4, lanes[4])
		moved |= j ^ i4
		if i4 = j; j == never {
			break
		}
		j = step(i5, lanes[5])
		moved |= j ^ i5
		if i5 = j; j == never {
			break
		}
		j = step(i6, lanes[6])
		moved |= j ^ i6
		if i6 = j; j == never {
			break
		}
		j = step(i7, lanes[7])
		moved |= j ^ i7
		i7 = j
		if moved == 0 {
			break
		}
	}
	p[0], p[1], p[2], p[3] = int32(i0), int32(i1), int32(i2), int32(i3)
	p[4], p[5], p[6], p[7] = int32(i4), int32(i5), int32(i6), int32(i7)
}

// gt is 1 if x > y, else 0, without branches.
func gt[K uint32 | uint64](x, y K) uint {
	if unsafe.Sizeof(x) == 4 {
		return uint((uint64(y) - uint64(x)) >> 63)
	}
	_, b := bits.Sub64(uint64(y), uint64(x), 0)
	return uint(b)
}

// interleave stores every group of eight perfect trees of the same depth
// d a second time, interleaved: node i (numbering from 1) of the group's
// tree k at p8 + 8(i−1) + k, so that one row walks the eight trees with
// the per-tree offset k in the instruction (perf8).
func (c *compiled[T, A]) interleave() {
	for gi := range c.groups {
		g := &c.groups[gi]
		g.p8 = -1
		if !g.plain || g.hi-g.lo != 8 {
			continue
		}
		d := c.ktrees[g.lo].depth
		ok := true
		for ti := g.lo; ti < g.hi; ti++ {
			if kt := c.ktrees[ti]; kt.kind != kPerfect || kt.depth != d {
				ok = false
			}
		}
		if !ok || d == 0 {
			continue
		}
		g.simple, g.target = true, c.trees[g.lo].target
		for ti := g.lo; ti < g.hi; ti++ {
			if tr := &c.trees[ti]; !tr.simple || tr.target != g.target {
				g.simple = false
			}
		}
		size := 1<<d - 1
		if c.m.f32 {
			g.p8 = int32(len(c.kn8))
			c.kn8 = append(c.kn8, make([]knode[uint32], 8*size)...)
			for k := 0; k < 8; k++ {
				off := int(c.ktrees[int(g.lo)+k].off)
				for i := 0; i < size; i++ {
					c.kn8[int(g.p8)+8*i+k] = c.kn32[off+i]
				}
			}
		} else {
			g.p8 = int32(len(c.kn8x))
			c.kn8x = append(c.kn8x, make([]knode[uint64], 8*size)...)
			for k := 0; k < 8; k++ {
				off := int(c.ktrees[int(g.lo)+k].off)
				for i := 0; i < size; i++ {
					c.kn8x[int(g.p8)+8*i+k] = c.kn64[off+i]
				}
			}
		}
	}
}

// perf8 walks one row (lane 0 of dual group g) through eight interleaved
// perfect trees of depth d > 0 at np, leaving leaf positions 0…2^d−1 in p.
//
//go:noinline
func perf8[K uint32 | uint64](np, g unsafe.Pointer, d int, p *[8]int32) {
	var z K
	nsz, xsz := unsafe.Sizeof(knode[K]{}), unsafe.Sizeof(z)
	// u = 8(i−1)+k for position i of tree k: i' = 2i+c gives
	// u' = 2u + 8c + 8 − k.
	step := func(u uint, k uint) uint {
		nd := (*knode[K])(unsafe.Add(np, uintptr(u)*nsz))
		x := *(*K)(unsafe.Add(g, uintptr(nd.f)*xsz))
		return 2*u + 8*gt(x, nd.key) + 8 - k
	}
	base := int32(1)<<d - 1
	u0, u1, u2, u3, u4, u5, u6, u7 := uint(0), uint(1), uint(2), uint(3), uint(4), uint(5), uint(6), uint(7)
	for ; d > 0; d-- {
		if u0 = step(u0, 0); u0 == 0 {
			break
		}
		if u1 = step(u1, 1); u1 == 0 {
			break
		}
		if u2 = step(u2, 2); u2 == 0 {
			break
		}
		if u3 = step(u3, 3); u3 == 0 {
			break
		}
		if u4 = step(u4, 4); u4 == 0 {
			break
		}
		if u5 = step(u5, 5); u5 == 0 {
			break
		}
		if u6 = step(u6, 6); u6 == 0 {
			break
		}
		u7 = step(u7, 7)
	}
	// i−1 = (u−k)/8; position = i − 2^d.
	p[0], p[1], p[2], p[3] = int32(u0/8)-base, int32((u1-1)/8)-base, int32((u2-2)/8)-base, int32((u3-3)/8)-base
	p[4], p[5], p[6], p[7] = int32((u4-4)/8)-base, int32((u5-5)/8)-base, int32((u6-6)/8)-base, int32((u7-7)/8)-base
}

// keyTrees counts the trees with a key form (perfect or chain).
func (m *Model) keyTrees() (perfect, chain int) {
	var kt []ktree
	switch c := m.impl.(type) {
	case *compiled[float32, float32]:
		kt = c.ktrees
	case *compiled[float32, float64]:
		kt = c.ktrees
	case *compiled[float64, float32]:
		kt = c.ktrees
	case *compiled[float64, float64]:
		kt = c.ktrees
	}
	for _, t := range kt {
		switch t.kind {
		case kPerfect:
			perfect++
		case kChain:
			chain++
		}
	}
	return
}
