// Package gemm is Sinter's single-precision matrix multiply: a BLIS-style
// driver in Go (cache blocking sized from the detected caches, packed A and B
// panels, edge tiles, an epilogue fused into the store, pre-packed weights)
// over micro-kernels chosen once per CPU tier — AVX-512, AVX2+FMA, arm64 NEON
// in assembly, and pure Go everywhere else.
//
// Work is split over independent output tiles on a parallel.Pool, never
// over K, and every output element is computed by the same chain of
// operations whatever the tiling, so results are bitwise identical for any
// thread count.
package gemm

import (
	"fmt"

	"github.com/sinter-ml/sinter/internal/cpu"
	"github.com/sinter-ml/sinter/internal/freelist"
	"github.com/sinter-ml/sinter/kernels/parallel"
)

// Options are the optional parts of a multiply.
type Options struct {
	// Pool runs the tiles; nil means parallel.Default(). A pool of one
	// thread runs everything on the caller.
	Pool *parallel.Pool
	// Epilogue, if not nil, is fused into the final store of each tile.
	// The call copies it, so it may point to a variable of the caller's
	// without moving that variable to the heap.
	Epilogue *Epilogue
}

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices, where
// op(A) is m×k (A is k×m when transA), op(B) is k×n (B is n×k when transB) and
// C is m×n, each with its row stride (lda, ldb, ldc). When beta is 0, C is not
// read (NaNs in C do not propagate). It runs on parallel.Default().
//
// It panics if a slice is too short for its shape and stride, like BLAS.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	SgemmWith(Options{}, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmWith is Sgemm with a pool and an epilogue.
func SgemmWith(o Options, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	pr := newProblem(o.Epilogue)
	pr.transA, pr.transB, pr.m, pr.n, pr.k, pr.alpha, pr.beta = transA, transB, m, n, k, alpha, beta
	pr.a, pr.lda, pr.b, pr.ldb, pr.c, pr.ldc = a, lda, b, ldb, c, ldc
	pr.kern = current()
	pr.checkA()
	checkMat("B", b, ldb, k, n, transB)
	pr.run(o.Pool)
	pr.release()
}

// SgemmPacked computes C = alpha·op(A)·B + beta·C with B pre-packed by PackB.
func SgemmPacked(o Options, transA bool, m int, alpha float32, a []float32, lda int, pb *PackedB, beta float32, c []float32, ldc int) {
	pr := newProblem(o.Epilogue)
	pr.transA, pr.m, pr.n, pr.k, pr.alpha, pr.beta = transA, m, pb.n, pb.k, alpha, beta
	pr.a, pr.lda, pr.pb, pr.c, pr.ldc = a, lda, pb, c, ldc
	pr.kern = pb.kern
	pr.checkA()
	pr.run(o.Pool)
	pr.release()
}

// BPacker supplies a virtual op(B) (k×n) by packing pieces of it on demand,
// so a caller such as convolution can fold im2col into packing. PackB must
// write rows [p0, p0+kc) and columns [j0, j0+n) into dst as strips of nr
// columns: the strip starting at column jr at dst[jr*kc:], k-major
// (dst[jr*kc+p*nr+j]), the last strip zero-padded to nr columns. It is called
// concurrently from several threads with disjoint dst.
type BPacker interface {
	PackB(dst []float32, p0, kc, j0, n, nr int)
}

// SgemmSource computes C = alpha·op(A)·B + beta·C with B produced by src.
func SgemmSource(o Options, transA bool, m, n, k int, alpha float32, a []float32, lda int, src BPacker, beta float32, c []float32, ldc int) {
	pr := newProblem(o.Epilogue)
	pr.transA, pr.m, pr.n, pr.k, pr.alpha, pr.beta = transA, m, n, k, alpha, beta
	pr.a, pr.lda, pr.src, pr.c, pr.ldc = a, lda, src, c, ldc
	pr.kern = current()
	pr.checkA()
	pr.run(o.Pool)
	pr.release()
}

// PackedA is an A matrix (weights on the left, as in NCHW convolution)
// packed once, alpha included, for the kernel in force. Immutable and safe
// to share.
type PackedA struct {
	m, k  int
	alpha float32
	kern  *kernel
	mpad  int // rows per K block: roundUp(m, mr)
	data  []float32
}

// M reports op(A)'s number of rows.
func (p *PackedA) M() int { return p.m }

// K reports op(A)'s number of columns.
func (p *PackedA) K() int { return p.k }

// PackA packs alpha·op(A) (m×k; A is k×m when transA) for the kernel in
// force. The K block starting at pc holds panels of mr rows, the panel at
// row ir at data[pc*mpad + ir*kb:], k-major.
func PackA(transA bool, m, k int, alpha float32, a []float32, lda int) *PackedA {
	checkMat("A", a, lda, m, k, transA)
	kern := current()
	mpad := roundUp(m, kern.mr)
	pa := &PackedA{m: m, k: k, alpha: alpha, kern: kern, mpad: mpad, data: make([]float32, mpad*k)}
	for pc := 0; pc < k; pc += kern.kc {
		kb := min(kern.kc, k-pc)
		packA(pa.data[pc*mpad:], transA, a, lda, 0, m, pc, kb, kern.mr, alpha)
	}
	return pa
}

// SgemmPackedA computes C = pa·op(B) + beta·C (pa carries alpha) with B
// given directly (when src is nil) or by src.
func SgemmPackedA(o Options, pa *PackedA, transB bool, n int, b []float32, ldb int, src BPacker, beta float32, c []float32, ldc int) {
	pr := newProblem(o.Epilogue)
	pr.transB, pr.m, pr.n, pr.k, pr.alpha, pr.beta = transB, pa.m, n, pa.k, pa.alpha, beta
	pr.b, pr.ldb, pr.src, pr.c, pr.ldc = b, ldb, src, c, ldc
	pr.kern, pr.pa, pr.mpad = pa.kern, pa.data, pa.mpad
	checkMat("C", c, ldc, pa.m, n, false)
	if src == nil {
		checkMat("B", b, ldb, pa.k, n, transB)
	}
	pr.checkEpilogue()
	pr.run(o.Pool)
	pr.release()
}

// Tier reports the tier whose kernel Sgemm uses now.
func Tier() cpu.Tier { return current().tier }

// KernelName names the micro-kernel Sgemm uses now, e.g. "avx512-12x32".
func KernelName() string { return current().name }

// problem is one multiply: its operands, then the split that run chooses.
// It is the parallel.Task of the tiles (the shared packing uses the
// packATask and packBTask views of it). The Sgemm functions take one from
// problems and put it back, so a call allocates nothing: a struct handed to
// the pool escapes, and a closure over one would be allocated per call.
type problem struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	pb             *PackedB
	src            BPacker
	pa             []float32 // all of op(A) packed, shared by the tasks (or nil)
	mpad           int       // rows of pa per K block
	ep             *Epilogue // nil for none (&epi in an Sgemm call)
	kern           *kernel

	epi        Epilogue   // a copy of the caller's epilogue (so that theirs does not escape)
	mp, np, nt int        // tiles of mp×np, nt of them along N
	shared     *[]float32 // the buffer of the shared packed operand, from sharedPool
	sharedB    PackedB    // pb when B is packed once for all tasks
}

var problems freelist.List[problem]

// newProblem returns a cleared problem from problems with a copy of ep (if
// not nil) as its epilogue.
func newProblem(ep *Epilogue) *problem {
	pr := problems.Get()
	if ep != nil {
		pr.epi = *ep
		pr.ep = &pr.epi
	}
	return pr
}

// release clears pr (dropping its references to the caller's data) and
// puts it back in problems.
func (pr *problem) release() {
	*pr = problem{}
	problems.Put(pr)
}

func checkMat(name string, x []float32, ld, rows, cols int, trans bool) {
	if trans {
		rows, cols = cols, rows
	}
	if rows < 0 || cols < 0 {
		panic(fmt.Sprintf("gemm: negative dimension for %s (%d×%d)", name, rows, cols))
	}
	if rows == 0 || cols == 0 {
		return
	}
	if ld < cols {
		panic(fmt.Sprintf("gemm: %s stride %d < %d columns", name, ld, cols))
	}
	if len(x) < (rows-1)*ld+cols {
		panic(fmt.Sprintf("gemm: %s has %d elements, %d×%d with stride %d needs %d", name, len(x), rows, cols, ld, (rows-1)*ld+cols))
	}
}

func (pr *problem) checkA() {
	checkMat("A", pr.a, pr.lda, pr.m, pr.k, pr.transA)
	checkMat("C", pr.c, pr.ldc, pr.m, pr.n, false)
	pr.checkEpilogue()
}

func (pr *problem) checkEpilogue() {
	if e := pr.ep; e != nil {
		if e.Bias != nil {
			want := pr.n
			if e.BiasPerRow {
				want = pr.m
			}
			if len(e.Bias) < want {
				panic(fmt.Sprintf("gemm: bias has %d elements, want %d", len(e.Bias), want))
			}
		}
		if e.Residual != nil {
			checkMat("residual", e.Residual, e.LDR, pr.m, pr.n, false)
		}
	}
}

// minFlopsPerThread is the work below which another thread costs more than
// it saves (a hand-off costs microseconds; this is ≈ 30 µs of work).
const minFlopsPerThread = 4 << 20

// minSharedPack is the redundant packing (elements) above which the shared
// operand is packed once in parallel, at the price of one more hand-off.
const minSharedPack = 64 << 10

// scratch is one task's packing space.
type scratch struct {
	a, b, tb, tc []float32
}

var scratchPool freelist.List[scratch]

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

func (pr *problem) run(pool *parallel.Pool) {
	m, n, k := pr.m, pr.n, pr.k
	if m == 0 || n == 0 {
		return
	}
	kern := pr.kern
	if k == 0 {
		pr.scaleC(0, m, 0, n)
		pr.finish(0, m, 0, n)
		return
	}
	if pool == nil {
		pool = parallel.Default()
	}
	mr, nr := kern.mr, kern.nr
	threads := min(pool.Threads(), max(1, 2*m*n*k/minFlopsPerThread))
	// Tasks are rectangles of C, one per thread, split along N when M ≤ N
	// (then A is packed once, shared) and along M otherwise (then B is packed
	// once, shared); pieces are whole strips and panels. The shared operand
	// is packed in parallel first, so no thread repeats another's packing.
	splitN := m <= n && n >= threads*nr || m < threads*mr
	// The operand every task would otherwise repack: A when splitting N, B
	// when splitting M (unless it is pre-packed or read directly).
	share := false
	if threads > 1 {
		if splitN {
			share = ceilDiv(m, mr) > 2 && pr.pa == nil && (threads-1)*m*k > minSharedPack
		} else {
			direct := pr.src == nil && !pr.transB && ceilDiv(m, mr) <= 2
			share = pr.pb == nil && !direct && (threads-1)*n*k > minSharedPack
		}
	}
	// With the operand shared, extra tasks cost no packing: use four per
	// thread so that a thread slowed by other work is made up by the rest.
	pieces := threads
	if share {
		pieces = 4 * threads
	}
	mp, np := m, n
	if threads > 1 {
		if splitN {
			np = roundUp(ceilDiv(n, min(pieces, ceilDiv(n, nr))), nr)
		} else {
			mp = roundUp(ceilDiv(m, min(pieces, ceilDiv(m, mr))), mr)
		}
	}
	pr.mp, pr.np, pr.nt = mp, np, ceilDiv(n, np)
	tasks := ceilDiv(m, mp) * pr.nt
	if threads == 1 || tasks == 1 {
		for t := range tasks {
			pr.Run(0, t)
		}
		return
	}
	switch {
	case share && splitN:
		pr.sharePackedA(pool)
	case share:
		pr.sharePackedB(pool)
	}
	pool.RunTask(tasks, pr)
	if pr.shared != nil {
		sharedPool.Put(pr.shared)
		pr.shared = nil
	}
}

// Run computes tile t of the split that run chose.
func (pr *problem) Run(_, t int) {
	i0, j0 := (t/pr.nt)*pr.mp, (t%pr.nt)*pr.np
	pr.tile(i0, min(pr.mp, pr.m-i0), j0, min(pr.np, pr.n-j0))
}

var sharedPool freelist.List[[]float32]

// sharePackedA packs all of op(A) (alpha applied) into pr.pa in parallel,
// panels of mr rows per K block: block pc at pa[pc*roundUp(m, mr):], panel
// at row ir at +ir*kb. The buffer comes from sharedPool (pr.shared).
func (pr *problem) sharePackedA(pool *parallel.Pool) {
	mpad := roundUp(pr.m, pr.kern.mr)
	pr.shared = sharedPool.Get()
	*pr.shared = grow(*pr.shared, mpad*pr.k)
	pr.pa, pr.mpad = *pr.shared, mpad
	rowTasks, kTasks := ceilDiv(pr.m, packChunk*pr.kern.mr), ceilDiv(pr.k, pr.kern.kc)
	pool.RunTask(rowTasks*kTasks, (*packATask)(pr))
}

// packChunk is the number of panels (A) or strips (B) a task of the shared
// packing packs in one K block.
const packChunk = 8

// packATask is the view of a problem whose tasks pack op(A) into pr.pa for
// sharePackedA: task t packs panels of rows [r0, r0+packChunk·mr) of K block
// pc, r0 and pc from t (rows first).
type packATask problem

func (t *packATask) Run(_, task int) {
	pr := (*problem)(t)
	mr, kc := pr.kern.mr, pr.kern.kc
	chunk := packChunk * mr
	rowTasks := ceilDiv(pr.m, chunk)
	r0, pc := (task%rowTasks)*chunk, (task/rowTasks)*kc
	kb := min(kc, pr.k-pc)
	packA(pr.pa[pc*pr.mpad+r0*kb:], pr.transA, pr.a, pr.lda, r0, min(chunk, pr.m-r0), pc, kb, mr, pr.alpha)
}

// sharePackedB packs all of op(B) (or the BPacker's B) in parallel into
// pr.sharedB, which becomes pr.pb. The buffer comes from sharedPool
// (pr.shared).
func (pr *problem) sharePackedB(pool *parallel.Pool) {
	stride := roundUp(pr.n, pr.kern.nr)
	pr.shared = sharedPool.Get()
	*pr.shared = grow(*pr.shared, stride*pr.k)
	pr.sharedB = PackedB{k: pr.k, n: pr.n, kern: pr.kern, stride: stride, data: *pr.shared}
	colTasks, kTasks := ceilDiv(pr.n, packChunk*pr.kern.nr), ceilDiv(pr.k, pr.kern.kc)
	pool.RunTask(colTasks*kTasks, (*packBTask)(pr))
	pr.pb, pr.src = &pr.sharedB, nil
}

// packBTask is the view of a problem whose tasks pack op(B) into pr.sharedB
// for sharePackedB: task t packs strips of columns [j0, j0+packChunk·nr) of
// K block pc, j0 and pc from t (columns first).
type packBTask problem

func (t *packBTask) Run(_, task int) {
	pr := (*problem)(t)
	nr, kc := pr.kern.nr, pr.kern.kc
	chunk := packChunk * nr
	colTasks := ceilDiv(pr.n, chunk)
	j0, pc := (task%colTasks)*chunk, (task/colTasks)*kc
	kb := min(kc, pr.k-pc)
	pb := &pr.sharedB
	dst := pb.data[pc*pb.stride+j0*kb:]
	if pr.src != nil {
		pr.src.PackB(dst, pc, kb, j0, min(chunk, pr.n-j0), nr)
	} else {
		packB(dst, pr.transB, pr.b, pr.ldb, pc, kb, j0, min(chunk, pr.n-j0), nr)
	}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
func roundUp(a, b int) int { return ceilDiv(a, b) * b }

// scaleC applies beta to C's block rows [i0,i0+m) × cols [j0,j0+n).
func (pr *problem) scaleC(i0, m, j0, n int) {
	if pr.beta == 1 {
		return
	}
	for i := i0; i < i0+m; i++ {
		row := pr.c[i*pr.ldc+j0 : i*pr.ldc+j0+n]
		if pr.beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= pr.beta
		}
	}
}

// finish applies the epilogue to a block of C.
func (pr *problem) finish(i0, m, j0, n int) {
	e := pr.ep
	if e.empty() {
		return
	}
	if e.Residual == nil && (e.Act == ActNone || e.Act == ActRelu) {
		// The common case (bias and/or Relu) in one pass, vectorised.
		c := pr.c[i0*pr.ldc+j0 : (i0+m-1)*pr.ldc+j0+n]
		mode, bias := 0, []float32(nil)
		switch {
		case e.Bias != nil && e.BiasPerRow:
			mode, bias = 2, e.Bias[i0:i0+m]
		case e.Bias != nil:
			mode, bias = 1, e.Bias[j0:j0+n]
		}
		relu := e.Act == ActRelu
		nv := epiVector(c, pr.ldc, m, n, bias, mode, relu)
		if nv < n {
			epiGo(c, pr.ldc, m, nv, n, bias, mode, relu)
		}
		return
	}
	if e.Residual == nil {
		switch e.Act {
		case ActClip, ActLeakyRelu, ActHardSigmoid, ActHardSwish:
			// Bias and activation in one pass, vectorised.
			c := pr.c[i0*pr.ldc+j0 : (i0+m-1)*pr.ldc+j0+n]
			mode, bias := 0, []float32(nil)
			switch {
			case e.Bias != nil && e.BiasPerRow:
				mode, bias = 2, e.Bias[i0:i0+m]
			case e.Bias != nil:
				mode, bias = 1, e.Bias[j0:j0+n]
			}
			finishAct(c, pr.ldc, m, n, bias, mode, e.Act, e.Alpha, e.Beta)
			return
		}
	}
	for i := i0; i < i0+m; i++ {
		pr.ep.apply(pr.c[i*pr.ldc+j0:i*pr.ldc+j0+n], i, j0)
	}
}

// tile computes C's block rows [i0,i0+m) × columns [j0,j0+n) over all of K,
// in BLIS order: N blocks of nc, K blocks of kc (B panel packed once), M
// blocks of mc (A block packed), then nr strips × mr micro-tiles.
func (pr *problem) tile(i0, m, j0, n int) {
	kern := pr.kern
	mr, nr, kc := kern.mr, kern.nr, kern.kc
	// Even out the blocks (keeping multiples of mr, nr).
	mc := roundUp(ceilDiv(m, ceilDiv(m, kern.mc)), mr)
	nc := roundUp(ceilDiv(n, ceilDiv(n, kern.nc)), nr)
	s := scratchPool.Get()
	defer scratchPool.Put(s)
	s.a = grow(s.a, mc*kc)
	s.tc = grow(s.tc, mr*nr)
	// B directly from the caller's matrix when each B element is used by at
	// most two row panels: packing would cost more than it saves.
	direct := pr.pb == nil && pr.src == nil && !pr.transB && ceilDiv(pr.m, mr) <= 2
	if pr.pb == nil && !direct {
		s.b = grow(s.b, kc*nc)
	}
	if direct {
		s.tb = grow(s.tb, kc*nr)
	}
	if pr.beta != 0 && pr.beta != 1 {
		pr.scaleC(i0, m, j0, n)
	}
	for jc := j0; jc < j0+n; jc += nc {
		nb := min(nc, j0+n-jc)
		for pc := 0; pc < pr.k; pc += kc {
			kb := min(kc, pr.k-pc)
			var bBase []float32 // strip at column jr starts at bBase[jr*kb:] (packed)
			switch {
			case pr.pb != nil:
				off := pc*pr.pb.stride + jc*kb
				bBase = pr.pb.data[off : off+kb*roundUp(nb, nr)]
			case pr.src != nil:
				pr.src.PackB(s.b, pc, kb, jc, nb, nr)
				bBase = s.b
			case !direct:
				packB(s.b, pr.transB, pr.b, pr.ldb, pc, kb, jc, nb, nr)
				bBase = s.b
			}
			flags := 0
			if pc > 0 || pr.beta != 0 {
				flags = flagAccumulate
			}
			last := pc+kb == pr.k
			for ic := i0; ic < i0+m; ic += mc {
				mb := min(mc, i0+m-ic)
				aBase := s.a
				if pr.pa != nil {
					aBase = pr.pa[pc*pr.mpad+ic*kb:]
				} else {
					packA(s.a, pr.transA, pr.a, pr.lda, ic, mb, pc, kb, mr, pr.alpha)
				}
				pr.block(s, aBase, bBase, direct, ic, mb, jc, nb, pc, kb, flags, last)
			}
		}
	}
}

// block runs the micro-kernels over one packed A block and B panel.
func (pr *problem) block(s *scratch, aBase, bBase []float32, direct bool, ic, mb, jc, nb, pc, kb, flags int, last bool) {
	kern := pr.kern
	mr, nr := kern.mr, kern.nr
	jr := 0
	if mb == 1 && kern.wide != nil {
		// One row: the wide kernel keeps more accumulator chains busy.
		ap := &aBase[0]
		for ; jr+wideStrips*nr <= nb; jr += wideStrips * nr {
			coff := ic*pr.ldc + jc + jr
			if direct {
				kern.wide(kb, ap, &pr.b[pc*pr.ldb+jc+jr], pr.ldb, &pr.c[coff], nr, flags)
			} else {
				kern.wide(kb, ap, &bBase[jr*kb], nr, &pr.c[coff], kb*nr, flags)
			}
			if last {
				pr.finish(ic, 1, jc+jr, wideStrips*nr)
			}
		}
	}
	for ; jr < nb; jr += nr {
		w := min(nr, nb-jr)
		var bp *float32
		ldb := nr
		switch {
		case !direct:
			bp = &bBase[jr*kb]
		case w == nr:
			bp, ldb = &pr.b[pc*pr.ldb+jc+jr], pr.ldb
		default:
			packB(s.tb, false, pr.b, pr.ldb, pc, kb, jc+jr, w, nr)
			bp = &s.tb[0]
		}
		for ir := 0; ir < mb; ir += mr {
			r := min(mr, mb-ir)
			ap := &aBase[ir*kb]
			coff := (ic+ir)*pr.ldc + jc + jr
			if w == nr {
				kern.rows[r](kb, ap, bp, ldb, &pr.c[coff], pr.ldc, flags)
				continue
			}
			// Edge strip: compute into a full tile, keep w columns.
			tc := s.tc[:r*nr]
			if flags&flagAccumulate != 0 {
				for i := range r {
					copy(tc[i*nr:i*nr+w], pr.c[coff+i*pr.ldc:coff+i*pr.ldc+w])
				}
			}
			kern.rows[r](kb, ap, bp, ldb, &tc[0], nr, flags)
			for i := range r {
				copy(pr.c[coff+i*pr.ldc:coff+i*pr.ldc+w], tc[i*nr:i*nr+w])
			}
		}
		if last {
			pr.finish(ic, mb, jc+jr, w)
		}
	}
}

// PackedB is a B matrix packed once into the current kernel's panel layout,
// for reuse across calls (weights). It is immutable and safe to share.
type PackedB struct {
	k, n   int
	kern   *kernel
	stride int // floats per K block row of strips: roundUp(n, nr) (times kb per block)
	data   []float32
}

// K and N report op(B)'s shape.
func (p *PackedB) K() int { return p.k }

// N reports op(B)'s number of columns.
func (p *PackedB) N() int { return p.n }

// Bytes reports the packed size.
func (p *PackedB) Bytes() int { return 4 * len(p.data) }

// PackB packs op(B) (k×n; B is n×k when transB) for the kernel in force.
// The K-block starting at row pc holds strips of nr columns, strip jr at
// data[pc*stride + jr*kb :] with kb rows of nr floats each.
func PackB(transB bool, k, n int, b []float32, ldb int) *PackedB {
	return PackBReleasing(transB, k, n, b, ldb, nil)
}

// PackBReleasing is PackB that hands back the source as it is used up, so
// that a caller packing weights can release each part of them (say, the
// pages of a mapped file) before the rest is packed, and never holds a
// whole matrix twice. The packed result is the same as PackB's.
//
// It calls done (unless nil) with consecutive bands of b, in order: each
// band starts where the previous ended, the first at b[0] and the last
// ending with the matrix's last element, b[(rows−1)·ldb + cols − 1] (the
// stride gaps between rows included, elements past the matrix not). A band
// is whole rows of B, reported once nothing later reads it: rows
// [pc, pc+kb) of B after K-block pc is packed, or when transB (B is n×k,
// packed a strip of nr rows at a time through every K-block) rows
// [jr, jr+nr). done may release or overwrite a band's memory; it is called
// on the caller's goroutine and not at all for an empty matrix.
func PackBReleasing(transB bool, k, n int, b []float32, ldb int, done func(consumed []float32)) *PackedB {
	checkMat("B", b, ldb, k, n, transB)
	kern := current()
	kc, nr := kern.kc, kern.nr
	stride := roundUp(n, nr)
	pb := &PackedB{k: k, n: n, kern: kern, stride: stride, data: make([]float32, k*stride)}
	if k == 0 || n == 0 {
		return pb
	}
	rows, cols := k, n
	if transB {
		rows, cols = n, k
	}
	end := (rows-1)*ldb + cols
	// release reports rows [r0, r1) of B.
	release := func(r0, r1 int) {
		if done != nil {
			hi := min(r1*ldb, end)
			done(b[r0*ldb : hi : hi])
		}
	}
	if !transB {
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			packB(pb.data[pc*stride:], false, b, ldb, pc, kb, 0, n, nr)
			release(pc, pc+kb)
		}
		return pb
	}
	// Row j of B is column j of op(B): pack each strip of nr rows into
	// every K-block before moving on, so that it is finished with at once.
	for jr := 0; jr < n; jr += nr {
		w := min(nr, n-jr)
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			packB(pb.data[pc*stride+jr*kb:], true, b, ldb, pc, kb, jr, w, nr)
		}
		release(jr, jr+w)
	}
	return pb
}
