package trees

import "unsafe"

// The single-row path: with only a few rows, walking rows in lock-step
// leaves the CPU waiting on one chain of dependent loads per tree level.
// Instead each row walks groups of up to groupSize trees in lock-step (the
// same branch-free step as blocks, with a row stride of 0), so the chains of
// different trees overlap. Contributions are still added in tree order.

// singleRows is the largest batch scored row by row.
const singleRows = 8

// rowByRow scores in.Rows (≤ singleRows) rows one at a time.
func (c *compiled[T, A]) rowByRow(in *Input, out *Outputs) {
	s := c.getScratch()
	for r := 0; r < in.Rows; r++ {
		c.oneRow(s, in, out, r)
	}
	c.scratches.Put(s)
}

func (c *compiled[T, A]) oneRow(s *scratch[T, A], in *Input, out *Outputs, r int) {
	xs, _ := c.rows(s, in, r, r+1)
	acc, has := c.initAcc(s, 1)
	fast := has == nil && out.Leaves == nil
	var idx [groupSize]int32
	var dual unsafe.Pointer // the row's keys (lane 0 of a dual group)
	if c.nKey > 0 && !c.m.noKey {
		nf2 := 2 * c.m.nf
		if c.m.f32 {
			if len(s.dual32) < 8*nf2 {
				s.dual32 = make([]uint32, (c.m.block+7)/8*8*nf2)
			}
			dualRow[T](s.dual32, c.m.nf, in, r)
			dual = unsafe.Pointer(unsafe.SliceData(s.dual32))
		} else {
			if len(s.dual64) < 8*nf2 {
				s.dual64 = make([]uint64, (c.m.block+7)/8*8*nf2)
			}
			dualRow[T](s.dual64, c.m.nf, in, r)
			dual = unsafe.Pointer(unsafe.SliceData(s.dual64))
		}
	}
	for gi := range c.groups {
		g := &c.groups[gi]
		lo, n := int(g.lo), int(g.hi-g.lo)
		if g.p8 >= 0 && dual != nil {
			var pos [8]int32
			if c.m.f32 {
				perf8[uint32](unsafe.Pointer(&c.kn8[g.p8]), dual, int(g.levels), &pos)
			} else {
				perf8[uint64](unsafe.Pointer(&c.kn8x[g.p8]), dual, int(g.levels), &pos)
			}
			kts := c.ktrees[lo : lo+8 : lo+8]
			if fast && g.simple {
				a := acc[g.target]
				for j, kt := range kts {
					a += c.pval[int(kt.loff)+int(pos[j])]
				}
				acc[g.target] = a
				continue
			}
			for j, kt := range kts {
				idx[j] = c.pleaf[int(kt.loff)+int(pos[j])]
			}
		} else if g.plain {
			for j := range n {
				idx[j] = c.trees[lo+j].root
			}
			if n == groupSize && !c.m.noUnroll {
				lockstep8(c.nodes, xs, &idx, int(g.levels))
			} else {
				lockstep(c.nodes, xs, 0, idx[:n], int(g.levels))
			}
			if !g.full {
				for j := range n {
					i := idx[j]
					for c.nodes[i].fx&bitLeaf == 0 {
						i = c.step(i, xs)
					}
					idx[j] = i
				}
			}
		} else {
			i := c.trees[lo].root
			for c.nodes[i].fx&bitLeaf == 0 {
				i = c.step(i, xs)
			}
			idx[0] = i
		}
		for j := range n {
			ti := lo + j
			tr := &c.trees[ti]
			if fast && tr.simple {
				acc[tr.target] += c.leafVal[idx[j]]
				continue
			}
			c.addTree(ti, idx[j:j+1], acc, has, in, r, out)
		}
	}
	c.finish(s, acc, 1, r, out)
}

// lockstep8 is lockstep for eight trees of one row, with the indices in
// registers.
func lockstep8[T float32 | float64](nodes []node[T], xs []T, idx *[groupSize]int32, levels int) {
	np := unsafe.Pointer(unsafe.SliceData(nodes))
	xp := unsafe.Pointer(unsafe.SliceData(xs))
	var z T
	nsz, xsz := unsafe.Sizeof(node[T]{}), unsafe.Sizeof(z)
	step := func(i int32) int32 {
		nd := (*node[T])(unsafe.Add(np, uintptr(i)*nsz))
		fx := nd.fx
		x := *(*T)(unsafe.Add(xp, uintptr(fx&featMask)*xsz))
		t := nd.thr
		c := b2u(x < t) | (b2u(!(x >= t)) & (fx >> 30) & 1)
		j := nd.jump
		return j ^ ((j ^ (i + 1)) & -int32(c))
	}
	i0, i1, i2, i3, i4, i5, i6, i7 := idx[0], idx[1], idx[2], idx[3], idx[4], idx[5], idx[6], idx[7]
	for range levels {
		i0, i1, i2, i3 = step(i0), step(i1), step(i2), step(i3)
		i4, i5, i6, i7 = step(i4), step(i5), step(i6), step(i7)
	}
	idx[0], idx[1], idx[2], idx[3], idx[4], idx[5], idx[6], idx[7] = i0, i1, i2, i3, i4, i5, i6, i7
}
