package nn

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/sinter-ml/sinter/internal/freelist"
	"github.com/sinter-ml/sinter/kernels/parallel"
	kpool "github.com/sinter-ml/sinter/kernels/pool"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// poolPlan is a resolved pooling over N×C planes.
type poolPlan struct {
	n, c  int
	g     *geom
	out   tensor.Shape
	inStr []int
	taps  [][][]int // taps[axis][o]: valid input coordinates of window o
	incl  [][]int   // incl[axis][o]: taps inside the padded extent
	// win is every window's taps for the general loops, or nil when
	// too many (see windows); made at most once, on first use.
	winOnce sync.Once
	win     *poolChunk
}

func planPool(a *windowAttrs, xs tensor.Shape) (*poolPlan, error) {
	if len(xs) < 3 {
		return nil, fmt.Errorf("%s: input must have rank ≥ 3, has shape %v", a.op, xs)
	}
	if a.kernel == nil {
		return nil, fmt.Errorf("%s: kernel_shape is required", a.op)
	}
	g, err := a.forward([]int(xs[2:]), a.kernel)
	if err != nil {
		return nil, err
	}
	p := &poolPlan{n: xs[0], c: xs[1], g: g}
	if p.out, err = spatialShape(p.n, p.c, g.out); err != nil {
		return nil, err
	}
	d := len(g.in)
	p.inStr = make([]int, d)
	s := 1
	for i := d - 1; i >= 0; i-- {
		p.inStr[i] = s
		s *= g.in[i]
	}
	for j := 0; j < d; j++ {
		if err := (tensor.Shape{g.out[j], g.k[j]}).Check(); err != nil {
			return nil, err
		}
	}
	p.buildTaps()
	return p, nil
}

// buildTaps fills p.taps and p.incl, which only the general loops need
// (small: a window's taps on each axis alone). A plan is complete when
// made, so concurrent runs may share it.
func (p *poolPlan) buildTaps() {
	g := p.g
	d := len(g.in)
	p.taps = make([][][]int, d)
	p.incl = make([][]int, d)
	for j := 0; j < d; j++ {
		p.taps[j] = make([][]int, g.out[j])
		p.incl[j] = make([]int, g.out[j])
		for o := 0; o < g.out[j]; o++ {
			start := o*g.stride[j] - g.padB[j]
			var list []int
			inc := 0
			for k := 0; k < g.k[j]; k++ {
				pos := start + k*g.dil[j]
				if pos < g.in[j]+g.padE[j] {
					inc++
				}
				if pos >= 0 && pos < g.in[j] {
					list = append(list, pos)
				}
			}
			p.taps[j][o] = list
			p.incl[j][o] = inc
		}
	}
}

// maxWindowEntries bounds the taps of a plan's window table (see
// windows): 2 MiB.
const maxWindowEntries = 1 << 18

// windows returns a chunk of all output positions for the general loops,
// or nil when it would hold more than maxWindowEntries taps. Made once per
// plan (per input shape) when first needed, it saves finding every
// window's taps again in every run; concurrent runs share it.
func (p *poolPlan) windows() *poolChunk {
	p.winOnce.Do(p.buildWindows)
	return p.win
}

func (p *poolPlan) buildWindows() {
	if n := prod(p.g.out) * prod(p.g.k); n == 0 || n > maxWindowEntries {
		return
	}
	p.chunks(maxWindowEntries, func(ch *poolChunk) {
		if ch.q0 == 0 && len(ch.starts)-1 == prod(p.g.out) {
			p.win = &poolChunk{starts: slices.Clone(ch.starts), offs: slices.Clone(ch.offs), incl: slices.Clone(ch.incl)}
		}
	})
}

// poolChunk is a run of output positions q0… with, for each, the flat
// in-plane offsets of its window's valid taps (offs[starts[i]:starts[i+1]])
// and the count of taps inside the padded extent.
type poolChunk struct {
	q0     int
	starts []int
	offs   []int
	incl   []int
}

// chunks calls visit with consecutive runs of output positions covering all
// of them, each run's table holding at most limit taps (or one window).
// The tables live in scratch from chunkScratches, valid during visit.
func (p *poolPlan) chunks(limit int, visit func(ch *poolChunk)) {
	g := p.g
	d := len(g.out)
	O := prod(g.out)
	s := chunkScratches.Get()
	if cap(s.oidx) < d {
		s.oidx = make([]int, d)
	}
	oidx := s.oidx[:d]
	clear(oidx)
	ch := &s.ch
	q := 0
	for q < O {
		ch.q0 = q
		ch.starts, ch.offs, ch.incl = ch.starts[:0], ch.offs[:0], ch.incl[:0]
		for q < O && (q == ch.q0 || len(ch.offs) < limit) {
			ch.starts = append(ch.starts, len(ch.offs))
			base := len(ch.offs)
			ch.offs = append(ch.offs, 0)
			inc := 1
			for j := 0; j < d; j++ {
				list := p.taps[j][oidx[j]]
				inc *= p.incl[j][oidx[j]]
				cur := ch.offs[base:]
				s.scratch = s.scratch[:0]
				for _, e := range cur {
					for _, t := range list {
						s.scratch = append(s.scratch, e+t*p.inStr[j])
					}
				}
				ch.offs = append(ch.offs[:base], s.scratch...)
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
	chunkScratches.Put(s)
}

// chunkScratch is the working storage of one chunks call.
type chunkScratch struct {
	ch            poolChunk
	oidx, scratch []int
}

var chunkScratches freelist.List[chunkScratch]

// maxChunkEntries bounds the taps of the tables chunks makes for runs
// without a window table (see windows): 512 KiB.
const maxChunkEntries = 1 << 16

// ---- float32 2-D fast path ----

// MaxPool, AveragePool and the global pools on float32 run on kernels/pool
// when the pool is 2-D over NCHW with unit dilations, planes split over the
// session's pool; MaxPool's Indices output, storage_order 1, other dtypes,
// ranks and dilations stay on the general loops below. Both give the same
// results (kernels/pool keeps MaxPool's NaN rule and AveragePool's float32
// summation order); GlobalAveragePool sums in vector lanes instead.

// geom2D returns p's geometry for kernels/pool when p is a 2-D pool with
// unit dilations whose extents the kernels accept.
func (p *poolPlan) geom2D() (kpool.Geom, bool) {
	g := p.g
	if len(g.in) != 2 || g.dil[0] != 1 || g.dil[1] != 1 {
		return kpool.Geom{}, false
	}
	kg := kpool.Geom{
		H: g.in[0], W: g.in[1], OH: g.out[0], OW: g.out[1],
		KH: g.k[0], KW: g.k[1], SH: g.stride[0], SW: g.stride[1],
		PadT: g.padB[0], PadL: g.padB[1], PadB: g.padE[0], PadR: g.padE[1],
	}
	return kg, kg.Validate() == nil
}

// planeGrain is the least work (window taps, or elements for the global
// pools) worth a task of its own.
const planeGrain = 1 << 15

// planeTask computes ranges of planes of a pooling op: windowed (run
// set) or global (reduce set). Pooled, with no closure per call, so that a
// run allocates nothing; every plane is computed alone, so the split never
// changes a result.
type planeTask struct {
	run     func(g kpool.Geom, dst, src []float32)
	reduce  func(x []float32) float32
	kg      kpool.Geom
	dst     []float32
	src     []float32
	in, out int // elements per input and output plane
}

var planeTasks freelist.List[planeTask]

func (t *planeTask) Range(lo, hi int) {
	if t.run != nil {
		t.run(t.kg, t.dst[lo*t.out:hi*t.out], t.src[lo*t.in:hi*t.in])
		return
	}
	for pl := lo; pl < hi; pl++ {
		t.dst[pl] = t.reduce(t.src[pl*t.in : (pl+1)*t.in])
	}
}

// eachPlanes runs t over planes planes, as tasks on pool when there is
// enough work (work per plane), and returns t to its pool.
func eachPlanes(pool *parallel.Pool, t *planeTask, planes, work int) {
	pool.RunRanges(planes, planeGrain/max(work, 1), t)
	*t = planeTask{}
	planeTasks.Put(t)
}

// pool2D runs a kernels/pool window kernel over x into y, of p's shape.
func pool2D(pool *parallel.Pool, p *poolPlan, kg kpool.Geom, x, y *tensor.Tensor, run func(g kpool.Geom, dst, src []float32)) {
	I, O := kg.H*kg.W, kg.OH*kg.OW
	if O == 0 || p.n*p.c == 0 {
		return
	}
	t := planeTasks.Get()
	*t = planeTask{run: run, kg: kg, dst: y.Float32s(), src: x.Float32s(), in: I, out: O}
	eachPlanes(pool, t, p.n*p.c, O*kg.KH*kg.KW)
}

// poolCache keeps a window pool's plan for the last input shape it saw:
// plans are immutable, so concurrent runs share them, and a run with the
// same shape resolves nothing.
type poolCache struct {
	a    *windowAttrs
	last atomic.Pointer[poolCached]
}

type poolCached struct {
	xs tensor.Shape
	p  *poolPlan
	kg kpool.Geom
	ok bool // kg describes p (a 2-D NCHW float32 kernel can run it)
}

func (c *poolCache) plan(xs tensor.Shape) (*poolCached, error) {
	if pc := c.last.Load(); pc != nil && pc.xs.Equal(xs) {
		return pc, nil
	}
	p, err := planPool(c.a, xs)
	if err != nil {
		return nil, err
	}
	pc := &poolCached{xs: xs.Clone(), p: p}
	pc.kg, pc.ok = p.geom2D()
	c.last.Store(pc)
	return pc, nil
}

// ---- MaxPool ----

type maxPoolElem interface {
	~float32 | ~float64 | ~int8 | ~uint8
}

func bindMaxPool(n *ops.Node) (ops.Kernel, error) {
	a, err := parseWindowAttrs(n, "MaxPool", false)
	if err != nil {
		return nil, err
	}
	cm, err := n.Int("ceil_mode", 0)
	if err != nil {
		return nil, err
	}
	a.ceilMode = cm != 0
	so, err := n.Int("storage_order", 0)
	if err != nil {
		return nil, err
	}
	if so != 0 && so != 1 {
		return nil, fmt.Errorf("MaxPool: storage_order %d must be 0 or 1", so)
	}
	wantIdx := n.HasOutput(1)
	pool := poolOf(n)
	cache := &poolCache{a: a}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if len(in) < 1 || in[0] == nil {
				return fmt.Errorf("MaxPool needs input X")
			}
			x := in[0]
			switch x.DType() {
			case tensor.Float32, tensor.Float16, tensor.BFloat16, tensor.Float64, tensor.Int8, tensor.Uint8:
			default:
				return fmt.Errorf("MaxPool does not support dtype %v", x.DType())
			}
			pc, err := cache.plan(x.Shape())
			if err != nil {
				return err
			}
			out[0].DType, out[0].Shape = x.DType(), append(out[0].Shape[:0], pc.p.out...)
			if len(out) > 1 {
				out[1].DType, out[1].Shape = tensor.Int64, append(out[1].Shape[:0], pc.p.out...)
			}
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			x := in[0]
			pc, err := cache.plan(x.Shape())
			if err != nil {
				return err
			}
			p := pc.p
			if x.DType() == tensor.Float32 && !wantIdx && so == 0 && pc.ok {
				pool2D(pool, p, pc.kg, x, out[0], kpool.Max)
				return nil
			}
			var idx []int64
			if wantIdx {
				idx = out[1].Int64s()
			}
			switch x.DType() {
			case tensor.Float32:
				maxPool(p, x.Float32s(), out[0].Float32s(), idx, so == 1, float32(math.Inf(-1)))
			case tensor.Float16, tensor.BFloat16:
				s := floatScratches.Get()
				b := s.float32s(x.Len() + out[0].Len())
				xd, yd := b[:x.Len()], b[x.Len():]
				tensor.LoadHalf(xd, x)
				maxPool(p, xd, yd, idx, so == 1, float32(math.Inf(-1)))
				tensor.StoreHalf(out[0], yd)
				floatScratches.Put(s)
			case tensor.Float64:
				maxPool(p, x.Float64s(), out[0].Float64s(), idx, so == 1, math.Inf(-1))
			case tensor.Int8:
				maxPool(p, x.Int8s(), out[0].Int8s(), idx, so == 1, math.MinInt8)
			case tensor.Uint8:
				maxPool(p, x.Uint8s(), out[0].Uint8s(), idx, so == 1, 0)
			}
			return nil
		},
	})
}

func maxPool[T maxPoolElem](p *poolPlan, x, y []T, idx []int64, colMajor bool, lowest T) {
	I := prod(p.g.in)
	O := prod(p.g.out)
	planes := p.n * p.c
	if O == 0 || planes == 0 {
		return
	}
	d := len(p.g.in)
	visit := func(ch *poolChunk) {
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
						// The same position with the first axis fastest.
						flat = 0
						rem := arg
						mul := 1
						for j := 0; j < d; j++ {
							flat += rem / p.inStr[j] * mul
							rem %= p.inStr[j]
							mul *= p.g.in[j]
						}
					}
					idx[pl*O+ch.q0+i] = int64(pl*I + flat)
				}
			}
		}
	}
	if w := p.windows(); w != nil {
		visit(w)
	} else {
		p.chunks(maxChunkEntries, visit)
	}
}

// ---- AveragePool / LpPool ----

func bindAveragePool(n *ops.Node) (ops.Kernel, error) {
	a, err := parseWindowAttrs(n, "AveragePool", false)
	if err != nil {
		return nil, err
	}
	cm, err := n.Int("ceil_mode", 0)
	if err != nil {
		return nil, err
	}
	a.ceilMode = cm != 0
	cip, err := n.Int("count_include_pad", 0)
	if err != nil {
		return nil, err
	}
	includePad := cip != 0
	pool := poolOf(n)
	avg := func(g kpool.Geom, dst, src []float32) { kpool.Average(g, dst, src, includePad) }
	cache := &poolCache{a: a}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if len(in) < 1 {
				return fmt.Errorf("AveragePool needs input X")
			}
			if err := needFloat("X", in[0]); err != nil {
				return err
			}
			pc, err := cache.plan(in[0].Shape())
			if err != nil {
				return err
			}
			out[0].DType, out[0].Shape = in[0].DType(), append(out[0].Shape[:0], pc.p.out...)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			x := in[0]
			pc, err := cache.plan(x.Shape())
			if err != nil {
				return err
			}
			if x.DType() == tensor.Float32 && pc.ok {
				pool2D(pool, pc.p, pc.kg, x, out[0], avg)
				return nil
			}
			avgPoolFloat(pc.p, x, out[0], includePad, 0)
			return nil
		},
	})
}

// avgPoolFloat runs avgPoolInto from x into y in x's dtype.
func avgPoolFloat(p *poolPlan, x, y *tensor.Tensor, includePad bool, lp float64) {
	eachFloat(x, y,
		func(x, y []float32, _ tensor.Shape, _ *floatScratch) { avgPoolInto(p, x, y, includePad, lp) },
		func(x, y []float64, _ tensor.Shape, _ *floatScratch) { avgPoolInto(p, x, y, includePad, lp) })
}

// avgPool averages each window (lp == 0) or computes its Lp norm, into a
// new tensor.
func avgPool[T ops.Float](p *poolPlan, xt *tensor.Tensor, includePad bool, lp float64) *tensor.Tensor {
	y := make([]T, p.out.NumElements())
	avgPoolInto(p, asFloat[T](xt), y, includePad, lp)
	return newFloat(xt.DType(), p.out, y)
}

// avgPoolInto averages each window of x into y (lp == 0) or computes its
// Lp norm. A window's taps are summed in T in row-major order, the last
// axis fastest.
func avgPoolInto[T ops.Float](p *poolPlan, x, y []T, includePad bool, lp float64) {
	I := prod(p.g.in)
	O := prod(p.g.out)
	planes := p.n * p.c
	if O == 0 || planes == 0 {
		return
	}
	visit := func(ch *poolChunk) {
		cnt := len(ch.starts) - 1
		for pl := 0; pl < planes; pl++ {
			src := x[pl*I : (pl+1)*I]
			dst := y[pl*O+ch.q0 : pl*O+ch.q0+cnt]
			for i := range dst {
				win := ch.offs[ch.starts[i]:ch.starts[i+1]]
				dst[i] = windowValue(windowSum(src, win, lp), len(win), ch.incl[i], includePad, lp)
			}
		}
	}
	if w := p.windows(); w != nil {
		visit(w)
	} else {
		p.chunks(maxChunkEntries, visit)
	}
}

// windowSum sums the taps src[off], off in win, in order: the values
// (lp 0), their magnitudes (lp 1), squares (lp 2) or magnitudes to the
// power lp.
func windowSum[T ops.Float](src []T, win []int, lp float64) T {
	var sum T
	switch lp {
	case 0:
		for _, off := range win {
			sum += src[off]
		}
	case 1:
		for _, off := range win {
			sum += T(math.Abs(float64(src[off])))
		}
	case 2:
		for _, off := range win {
			v := src[off]
			sum += v * v
		}
	default:
		for _, off := range win {
			sum += T(math.Pow(math.Abs(float64(src[off])), lp))
		}
	}
	return sum
}

// windowValue is the output of a window of cnt taps (inc inside the padded
// extent) whose windowSum is sum.
func windowValue[T ops.Float](sum T, cnt, inc int, includePad bool, lp float64) T {
	switch lp {
	case 0:
		if includePad {
			cnt = inc
		}
		return sum / T(cnt)
	case 1:
		return sum
	case 2:
		return T(math.Sqrt(float64(sum)))
	}
	return T(math.Pow(float64(sum), 1/lp))
}

// lpAttr reads LpPool's / GlobalLpPool's p: a float in version 1, an int after.
func lpAttr(n *ops.Node) (float64, error) {
	if n.Opset < 2 {
		p, err := n.Float("p", 2)
		if err != nil {
			return 0, err
		}
		if !(p > 0) {
			return 0, fmt.Errorf("%s: p %v must be positive", n.OpType, p)
		}
		return float64(p), nil
	}
	p, err := n.Int("p", 2)
	if err != nil {
		return 0, err
	}
	if p <= 0 {
		return 0, fmt.Errorf("%s: p %d must be positive", n.OpType, p)
	}
	return float64(p), nil
}

func bindLpPool(n *ops.Node) (ops.Kernel, error) {
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
	cache := &poolCache{a: a}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if len(in) < 1 {
				return fmt.Errorf("LpPool needs input X")
			}
			if err := needFloat("X", in[0]); err != nil {
				return err
			}
			pc, err := cache.plan(in[0].Shape())
			if err != nil {
				return err
			}
			out[0].DType, out[0].Shape = in[0].DType(), append(out[0].Shape[:0], pc.p.out...)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			pc, err := cache.plan(in[0].Shape())
			if err != nil {
				return err
			}
			avgPoolFloat(pc.p, in[0], out[0], false, lp)
			return nil
		},
	})
}

// ---- Global pools ----

// globalKind selects the reduction of a global pool.
type globalKind int

const (
	globalAvg globalKind = iota
	globalMax
	globalLp
)

func bindGlobalPool(kind globalKind) ops.BindFunc {
	return func(n *ops.Node) (ops.Kernel, error) {
		lp := 0.0
		if kind == globalLp {
			var err error
			if lp, err = lpAttr(n); err != nil {
				return nil, err
			}
		}
		op := n.OpType
		pool := poolOf(n)
		return n.Plan(&ops.Planned{
			Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
				if len(in) < 1 {
					return fmt.Errorf("%s needs input X", op)
				}
				if err := needFloat("X", in[0]); err != nil {
					return err
				}
				x := in[0]
				if x.Rank() < 2 {
					return fmt.Errorf("%s: input must have rank ≥ 2, has shape %v", op, x.Shape())
				}
				out[0].DType, out[0].Shape = x.DType(), append(out[0].Shape[:0], x.Shape()...)
				for i := 2; i < len(out[0].Shape); i++ {
					out[0].Shape[i] = 1
				}
				return nil
			},
			Run: func(in, out []*tensor.Tensor) error {
				x := in[0]
				if x.DType() == tensor.Float32 && kind != globalLp {
					globalPool32(pool, x, kind, out[0])
					return nil
				}
				eachFloat(x, out[0],
					func(x, y []float32, xs tensor.Shape, _ *floatScratch) { globalPoolInto(x, y, prod(xs[2:]), kind, lp) },
					func(x, y []float64, xs tensor.Shape, _ *floatScratch) { globalPoolInto(x, y, prod(xs[2:]), kind, lp) })
				return nil
			},
		})
	}
}

// globalShape is the output shape of a global pool over xs: [N, C, 1…].
func globalShape(xs tensor.Shape) tensor.Shape {
	out := append(tensor.Shape{}, xs...)
	for i := 2; i < len(out); i++ {
		out[i] = 1
	}
	return out
}

// globalPool32 is GlobalAveragePool or GlobalMaxPool on float32 into y,
// planes split over pool.
func globalPool32(pool *parallel.Pool, xt *tensor.Tensor, kind globalKind, y *tensor.Tensor) {
	xs := xt.Shape()
	x, ys := xt.Float32s(), y.Float32s()
	I := prod(xs[2:])
	if len(ys) == 0 {
		return
	}
	t := planeTasks.Get()
	*t = planeTask{reduce: kpool.GlobalAverage, dst: ys, src: x, in: I, out: 1}
	if kind == globalMax {
		t.reduce = kpool.GlobalMax
	}
	eachPlanes(pool, t, len(ys), I)
}

func globalPool[T ops.Float](xt *tensor.Tensor, kind globalKind, lp float64) *tensor.Tensor {
	xs := xt.Shape()
	y := make([]T, xs[0]*xs[1])
	globalPoolInto(asFloat[T](xt), y, prod(xs[2:]), kind, lp)
	return newFloat(xt.DType(), globalShape(xs), y)
}

// globalPoolInto reduces each plane of I elements of x to one element of y.
func globalPoolInto[T ops.Float](x, y []T, I int, kind globalKind, lp float64) {
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
}

// ---- MaxUnpool ----

func bindMaxUnpool(n *ops.Node) (ops.Kernel, error) {
	a, err := parseWindowAttrs(n, "MaxUnpool", false)
	if err != nil {
		return nil, err
	}
	if a.kernel == nil {
		return nil, fmt.Errorf("MaxUnpool: kernel_shape is required")
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 2 || in[0] == nil || in[1] == nil {
			return nil, fmt.Errorf("MaxUnpool needs inputs X and I")
		}
		if err := needFloat("X", in[0]); err != nil {
			return nil, err
		}
		x, it := in[0], in[1]
		if it.DType() != tensor.Int64 || !it.Shape().Equal(x.Shape()) {
			return nil, fmt.Errorf("MaxUnpool: I must be int64 of X's shape %v, got %v %v", x.Shape(), it.DType(), it.Shape())
		}
		xs := x.Shape()
		if len(xs) < 3 {
			return nil, fmt.Errorf("MaxUnpool: input must have rank ≥ 3, has shape %v", xs)
		}
		d := len(xs) - 2
		// The default output shape: indices refer to positions in it.
		if len(a.kernel) != d {
			return nil, fmt.Errorf("MaxUnpool: kernel_shape %v does not match %d spatial axes", a.kernel, d)
		}
		strides, err := fill("MaxUnpool", "strides", a.strides, d, 1)
		if err != nil {
			return nil, err
		}
		pads := a.pads
		if pads == nil {
			pads = make([]int, 2*d)
		}
		if len(pads) != 2*d {
			return nil, fmt.Errorf("MaxUnpool: pads %v has %d values, want %d", pads, len(pads), 2*d)
		}
		def := tensor.Shape{xs[0], xs[1]}
		for i := 0; i < d; i++ {
			v := (xs[2+i]-1)*strides[i] + a.kernel[i] - pads[i] - pads[d+i]
			if v < 0 {
				return nil, fmt.Errorf("MaxUnpool: negative output extent on axis %d", i)
			}
			def = append(def, v)
		}
		if err := def.Check(); err != nil {
			return nil, err
		}
		os := def
		if len(in) > 2 && in[2] != nil {
			dims, err := ops.Int64s(in[2])
			if err != nil {
				return nil, fmt.Errorf("MaxUnpool output_shape: %w", err)
			}
			if os, err = ops.ShapeFrom(dims); err != nil {
				return nil, fmt.Errorf("MaxUnpool output_shape: %w", err)
			}
			if len(os) != len(xs) {
				return nil, fmt.Errorf("MaxUnpool: output_shape %v has the wrong rank for X %v", os, xs)
			}
		}
		idx := it.Int64s()
		if !os.Equal(def) {
			// Re-map flat indices from the default shape to the requested one.
			remapped := make([]int64, len(idx))
			dn := int64(def.NumElements())
			for i, j := range idx {
				if j < 0 || j >= dn {
					return nil, fmt.Errorf("MaxUnpool: index %d out of range for shape %v", j, def)
				}
				var flat int64
				rem := j
				mul := int64(1)
				for ax := len(def) - 1; ax >= 0; ax-- {
					c := rem % int64(def[ax])
					rem /= int64(def[ax])
					if c >= int64(os[ax]) {
						return nil, fmt.Errorf("MaxUnpool: index %d does not fit output_shape %v", j, os)
					}
					flat += c * mul
					mul *= int64(os[ax])
				}
				remapped[i] = flat
			}
			idx = remapped
		}
		total := os.NumElements()
		if x.DType() == tensor.Float64 {
			y := make([]float64, total)
			if err := unpool(x.Float64s(), idx, y); err != nil {
				return nil, err
			}
			return []*tensor.Tensor{fromSlice(y, os)}, nil
		}
		y := make([]float32, total)
		if err := unpool(asF32(x), idx, y); err != nil {
			return nil, err
		}
		return []*tensor.Tensor{newFloat(x.DType(), os, y)}, nil
	}, nil
}

func unpool[T ops.Float](x []T, idx []int64, y []T) error {
	for i, v := range x {
		j := idx[i]
		if j < 0 || j >= int64(len(y)) {
			return fmt.Errorf("MaxUnpool: index %d out of range for %d output elements", j, len(y))
		}
		y[j] = v
	}
	return nil
}
