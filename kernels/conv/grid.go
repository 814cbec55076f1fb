package conv

// maxGridStride is the largest stride the phase planes of grid take; wider
// strides run on im2col.
const maxGridStride = 8

// grid describes the phase planes of one image group: the zero-padded input
// (Hp×Wp = (H+PadT+PadB)×(W+PadL+PadR) per channel) split by stride phase,
// so that every im2col row is a run of one plane with unit stride.
//
// Plane (c, ph, pw) holds padded rows ph, ph+sh, ph+2sh, … and padded
// columns pw, pw+sw, … of channel c: element (i, j) is the padded input at
// (ph+i·sh, pw+j·sw), zero outside the image. Output (oh, ow) reads, for tap
// (kh, kw), the padded input at (oh·sh+kh·dh, ow·sw+kw·dw), which is element
// (oh+⌊kh·dh/sh⌋, ow+⌊kw·dw/sw⌋) of plane (c, kh·dh mod sh, kw·dw mod sw).
// So im2col row (c, kh, kw), laid out over OH×wq "grid" columns (output row
// oh at oh·wq, columns OW..wq−1 unused), is the plane's elements from
// ⌊kh·dh/sh⌋·wq+⌊kw·dw/sw⌋ on, contiguous. With stride 1 there is one plane
// per channel, the padded image itself.
//
// Only the phases some tap reads are stored (a 1×1 stride-2 convolution
// keeps one plane per channel, not four): phase ph has slot slotH[ph] ≥ 0
// among the uh used row phases, and likewise for columns; plane (c, ph, pw)
// is at ((c·uh+slotH[ph])·uw+slotW[pw])·plane.
type grid struct {
	sh, sw, dh, dw int
	kh, kw         int
	oh, ow         int
	hq, wq         int // plane size: oh+⌊(KH−1)·dh/sh⌋ rows, ow+⌊(KW−1)·dw/sw⌋ columns
	uh, uw         int // used row and column phases
	slotH, slotW   [maxGridStride]int8
	plane          int // hq·wq
	tail           int // zeros after the last plane, for the unused columns of its last row
	// taps[kh·KW+kw] is where im2col row (0, kh, kw) starts in the planes
	// (row (c, kh, kw) starts c·channel() later); set by setTaps.
	taps []int
}

// newGrid returns the grid of p (normalised), or false when a stride is
// above maxGridStride.
func newGrid(p *Params) (grid, bool) {
	var g grid
	if p.StrideH > maxGridStride || p.StrideW > maxGridStride {
		return g, false
	}
	g.sh, g.sw, g.dh, g.dw = p.StrideH, p.StrideW, p.DilationH, p.DilationW
	g.kh, g.kw = p.KH, p.KW
	g.oh, g.ow = p.OutH(), p.OutW()
	g.hq = g.oh + (p.KH-1)*p.DilationH/p.StrideH
	g.wq = g.ow + (p.KW-1)*p.DilationW/p.StrideW
	g.plane = g.hq * g.wq
	g.tail = (p.KW - 1) * p.DilationW / p.StrideW
	g.uh = usedPhases(&g.slotH, p.KH, p.DilationH, p.StrideH)
	g.uw = usedPhases(&g.slotW, p.KW, p.DilationW, p.StrideW)
	return g, true
}

// usedPhases marks in slot, in phase order, the phases (t·d mod s for taps
// t < k) some tap reads, −1 for the others, and returns how many there are.
func usedPhases(slot *[maxGridStride]int8, k, d, s int) int {
	for i := range slot {
		slot[i] = -1
	}
	for t := range k {
		slot[t*d%s] = 0
	}
	n := 0
	for i := range s {
		if slot[i] == 0 {
			slot[i] = int8(n)
			n++
		}
	}
	return n
}

// channel is the number of floats of one channel's planes.
func (g *grid) channel() int { return g.uh * g.uw * g.plane }

// size is the number of floats of the planes of c channels, tail included.
func (g *grid) size(c int) int { return c*g.channel() + g.tail }

// cols is the number of grid columns: OH rows of wq.
func (g *grid) cols() int { return g.oh * g.wq }

// setTaps fills g.taps, in buf if it is large enough, and returns the
// slice used (for the caller to keep).
func (g *grid) setTaps(buf []int) []int {
	n := g.kh * g.kw
	if cap(buf) < n {
		buf = make([]int, n)
	}
	g.taps = buf[:n]
	for kh := range g.kh {
		for kw := range g.kw {
			ph, pw := kh*g.dh, kw*g.dw
			slot := int(g.slotH[ph%g.sh])*g.uw + int(g.slotW[pw%g.sw])
			g.taps[kh*g.kw+kw] = slot*g.plane + ph/g.sh*g.wq + pw/g.sw
		}
	}
	return buf
}

// rowIter walks the im2col rows of a grid in order, giving where each
// starts in the planes without a division per row.
type rowIter struct {
	taps       []int
	base, step int // channel c's planes start at base = c·step
	t          int // tap of the current row
}

// rows returns an iterator at im2col row r.
func (g *grid) rows(r int) rowIter {
	khw := len(g.taps)
	step := g.channel()
	return rowIter{taps: g.taps, base: r / khw * step, step: step, t: r % khw}
}

// next returns where the current row starts and moves to the next row.
func (it *rowIter) next() int {
	off := it.base + it.taps[it.t]
	if it.t++; it.t == len(it.taps) {
		it.t = 0
		it.base += it.step
	}
	return off
}

// build writes channel c's planes at dst[0:g.channel()] from its input
// plane x (H×W) with the padding of p.
func (g *grid) build(dst []float32, p *Params, x []float32) {
	for ph := range g.sh {
		if g.slotH[ph] < 0 {
			continue
		}
		for pw := range g.sw {
			if g.slotW[pw] < 0 {
				continue
			}
			slot := int(g.slotH[ph])*g.uw + int(g.slotW[pw])
			g.buildPlane(dst[slot*g.plane:(slot+1)*g.plane], p, x, ph, pw)
		}
	}
}

// buildPlane writes phase (ph, pw) of input plane x into pl (hq×wq).
func (g *grid) buildPlane(pl []float32, p *Params, x []float32, ph, pw int) {
	// Plane columns [j0, j1) fall inside the image, from input column c0.
	c0 := pw - p.PadL
	j0 := min(max(0, ceilDiv(-c0, g.sw)), g.wq)
	j1 := max(j0, min(g.wq, ceilDiv(p.W-c0, g.sw)))
	for i := range g.hq {
		row := pl[i*g.wq : (i+1)*g.wq]
		r := ph + i*g.sh - p.PadT
		if r < 0 || r >= p.H {
			zeroRun(row)
			continue
		}
		zeroRun(row[:j0])
		if j1 > j0 {
			src := x[r*p.W+c0+j0*g.sw:]
			dst := row[j0:j1]
			if g.sw == 1 {
				copyRun(dst, src)
			} else {
				src = src[:(len(dst)-1)*g.sw+1]
				for t := range dst {
					dst[t] = src[t*g.sw]
				}
			}
		}
		zeroRun(row[j1:])
	}
}

// gridRows is the im2col matrix of one image group over the grid columns
// (see grid), read from its planes xp.
type gridRows struct {
	g  *grid
	xp []float32
}

// PackB packs rows [p0, p0+kc) and grid columns [j0, j0+n) as
// gemm.BPacker describes: each row is a run of xp, so packing is copies.
func (m *gridRows) PackB(dst []float32, p0, kc, j0, n, nr int) {
	it := m.g.rows(p0)
	for pp := range kc {
		src := m.xp[it.next()+j0:]
		for jr := 0; jr < n; jr += nr {
			w := min(nr, n-jr)
			row := dst[jr*kc+pp*nr : jr*kc+pp*nr+nr]
			copyRun(row[:w], src[jr:])
			clear(row[w:])
		}
	}
}

// planeRows is the im2col matrix of one image group over its OH·OW output
// columns (no unused ones), read from the planes xp of grid g: output row
// oh of im2col row (c, kh, kw) is the run of OW floats at
// oh·wq past where the row starts (grid.rows).
type planeRows struct {
	g  *grid
	xp []float32
}

// PackB packs rows [p0, p0+kc) and columns [j0, j0+n) as gemm.BPacker
// describes, a strip at a time from runs of the planes.
func (m *planeRows) PackB(dst []float32, p0, kc, j0, n, nr int) {
	g := m.g
	it := g.rows(p0)
	oh0, ow0 := j0/g.ow, j0%g.ow
	if ow0 == 0 && nr%g.ow == 0 && n%g.ow == 0 {
		// Every strip is whole output rows.
		for pp := range kc {
			src := m.xp[it.next()+oh0*g.wq:]
			for jr := 0; jr < n; jr += nr {
				w := min(nr, n-jr)
				row := dst[jr*kc+pp*nr : jr*kc+pp*nr+nr]
				copyRuns(row[:w], src[jr/g.ow*g.wq:], w/g.ow, g.ow, g.wq)
				clear(row[w:])
			}
		}
		return
	}
	for pp := range kc {
		src := m.xp[it.next():]
		oh, ow := oh0, ow0
		for jr := 0; jr < n; jr += nr {
			w := min(nr, n-jr)
			row := dst[jr*kc+pp*nr : jr*kc+pp*nr+nr]
			for t := 0; t < w; {
				run := min(w-t, g.ow-ow)
				copyRun(row[t:t+run], src[oh*g.wq+ow:])
				t += run
				if ow += run; ow == g.ow {
					ow = 0
					oh++
				}
			}
			clear(row[w:])
		}
	}
}

// copyRun is copy(dst, src) for the short runs of plane packing, in moves
// of four floats unrolled for the common widths: a call to memmove (which
// copy and assignments of larger arrays make, as the slices may overlap)
// costs more than these copies.
func copyRun(dst, src []float32) {
	n := len(dst)
	src = src[:n]
	switch n {
	case 32:
		d, s := (*[32]float32)(dst), (*[32]float32)(src)
		*(*[4]float32)(d[0:]) = *(*[4]float32)(s[0:])
		*(*[4]float32)(d[4:]) = *(*[4]float32)(s[4:])
		*(*[4]float32)(d[8:]) = *(*[4]float32)(s[8:])
		*(*[4]float32)(d[12:]) = *(*[4]float32)(s[12:])
		*(*[4]float32)(d[16:]) = *(*[4]float32)(s[16:])
		*(*[4]float32)(d[20:]) = *(*[4]float32)(s[20:])
		*(*[4]float32)(d[24:]) = *(*[4]float32)(s[24:])
		*(*[4]float32)(d[28:]) = *(*[4]float32)(s[28:])
	case 16:
		d, s := (*[16]float32)(dst), (*[16]float32)(src)
		*(*[4]float32)(d[0:]) = *(*[4]float32)(s[0:])
		*(*[4]float32)(d[4:]) = *(*[4]float32)(s[4:])
		*(*[4]float32)(d[8:]) = *(*[4]float32)(s[8:])
		*(*[4]float32)(d[12:]) = *(*[4]float32)(s[12:])
	case 8:
		d, s := (*[8]float32)(dst), (*[8]float32)(src)
		*(*[4]float32)(d[0:]) = *(*[4]float32)(s[0:])
		*(*[4]float32)(d[4:]) = *(*[4]float32)(s[4:])
	case 4:
		*(*[4]float32)(dst) = *(*[4]float32)(src)
	default:
		if n > 64 {
			copy(dst, src)
			return
		}
		i := 0
		for ; i+4 <= n; i += 4 {
			*(*[4]float32)(dst[i:]) = *(*[4]float32)(src[i:])
		}
		for ; i < n; i++ {
			dst[i] = src[i]
		}
	}
}

// copyRuns copies runs runs of w floats, run i from src[i·ld:], to dst
// back to back (dst[i·w:]), with the run width's move chosen once.
func copyRuns(dst, src []float32, runs, w, ld int) {
	if runs <= 0 {
		return
	}
	dst = dst[:runs*w]
	src = src[:(runs-1)*ld+w]
	switch w {
	case 2:
		for i := range runs {
			*(*[2]float32)(dst[2*i:]) = *(*[2]float32)(src[i*ld:])
		}
	case 4:
		for i := range runs {
			*(*[4]float32)(dst[4*i:]) = *(*[4]float32)(src[i*ld:])
		}
	case 8:
		for i := range runs {
			d, s := (*[8]float32)(dst[8*i:]), (*[8]float32)(src[i*ld:])
			*(*[4]float32)(d[0:]) = *(*[4]float32)(s[0:])
			*(*[4]float32)(d[4:]) = *(*[4]float32)(s[4:])
		}
	default:
		for i := range runs {
			copyRun(dst[i*w:(i+1)*w], src[i*ld:])
		}
	}
}

// zeroRun is clear(dst) for short runs without a call.
func zeroRun(dst []float32) {
	if len(dst) > 64 {
		clear(dst)
		return
	}
	for i := range dst {
		dst[i] = 0
	}
}
