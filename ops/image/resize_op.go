package image

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync/atomic"

	"github.com/sinter-ml/sinter/internal/freelist"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// resizeOp is the bound state of a Resize (any opset) or Upsample node and
// its planned kernel. Every opset is Resize-19 with some features fixed:
// before 18 there are no axes (every axis is resized), the policy is
// stretch and there is no antialiasing; Resize-10 and Upsample also fix
// the coordinate transformation (asymmetric) and the nearest rule
// ("simple") and take their scales from one input or attribute.
//
// A resizeOp is shared by every run of the node, possibly concurrent ones:
// after binding only cache changes, and only through atomic pointer swaps.
type resizeOp struct {
	cfg       resizeConfig
	antialias bool
	axes      []int64 // nil: every axis
	// policy is keep_aspect_ratio_policy; anything but not_larger and
	// not_smaller means stretch.
	policy     string
	name       string // "Resize" or "Upsample", for errors
	layout     inputLayout
	attrScales *tensor.Tensor // Upsample-7's scales attribute
	cache      planCache
}

// inputLayout says which inputs a Resize or Upsample opset takes.
type inputLayout int

const (
	layoutFull        inputLayout = iota // X, roi, scales, sizes (Resize-11 and later)
	layoutScalesInput                    // X, scales, both required (Resize-10, Upsample-9)
	layoutScalesAttr                     // X; scales is an attribute (Upsample-7)
)

// planned returns the node's planned kernel. Its Infer reads the small
// roi, scales and sizes inputs in place, and its Run takes the axis plans
// from the cache and its scratch from pools, so in steady state (the same
// shapes and scales run after run) neither allocates, for any mode or
// element type, up to rank stackRank.
func (r *resizeOp) planned() *ops.Planned {
	return &ops.Planned{Infer: r.inferPlanned, Run: r.runPlanned}
}

func (r *resizeOp) inferPlanned(in []*tensor.Tensor, out []ops.OutSpec) error {
	var discard ops.OutSpec
	o := &discard // a node without outputs still gets its inputs checked
	if len(out) > 0 {
		o = &out[0]
	}
	x, roi, scales, sizes, err := r.args(in)
	if err == nil {
		err = r.infer(x, roi, scales, sizes, o)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", r.name, err)
	}
	return nil
}

func (r *resizeOp) runPlanned(in, out []*tensor.Tensor) error {
	if len(out) == 0 || out[0] == nil {
		return nil
	}
	x, roi, scales, sizes, err := r.args(in)
	if err == nil {
		err = r.runInto(x, roi, scales, sizes, out[0])
	}
	if err != nil {
		return fmt.Errorf("%s: %w", r.name, err)
	}
	return nil
}

// args picks X, roi, scales and sizes out of the node's inputs (nil where
// the opset has no such input or the node omits it).
func (r *resizeOp) args(in []*tensor.Tensor) (x, roi, scales, sizes *tensor.Tensor, err error) {
	x = ops.Input(in, 0)
	switch r.layout {
	case layoutScalesAttr:
		scales = r.attrScales
	case layoutScalesInput:
		scales = ops.Input(in, 1)
		if x == nil || scales == nil {
			return nil, nil, nil, nil, errors.New("X and scales are required")
		}
	default:
		roi, scales, sizes = ops.Input(in, 1), ops.Input(in, 2), ops.Input(in, 3)
	}
	if x == nil {
		return nil, nil, nil, nil, errors.New("input X is missing")
	}
	return x, roi, scales, sizes, nil
}

// infer reports the output's type and shape into o, reusing o.Shape's
// storage.
func (r *resizeOp) infer(x, roiT, scalesT, sizesT *tensor.Tensor, o *ops.OutSpec) error {
	var gb geomBuf
	g := gb.geometry(x.Rank())
	o.Shape = append(o.Shape[:0], x.Shape()...)
	g.out = o.Shape
	if err := r.resolve(x, roiT, scalesT, sizesT, &g); err != nil {
		return err
	}
	o.DType = x.DType()
	return nil
}

// runInto resizes x into y, which must have infer's type and shape; every
// element of y is written.
func (r *resizeOp) runInto(x, roiT, scalesT, sizesT, y *tensor.Tensor) error {
	var gb geomBuf
	g := gb.geometry(x.Rank())
	if err := r.resolve(x, roiT, scalesT, sizesT, &g); err != nil {
		return err
	}
	if y.DType() != x.DType() || !y.Shape().Equal(g.out) {
		// Clone: g's storage is on the stack and must not reach fmt.
		return fmt.Errorf("output is %v%v, want %v%v", y.DType(), y.Shape(), x.DType(), g.out.Clone())
	}
	if g.out.NumElements() == 0 {
		return nil
	}
	e := r.entry(x.Shape(), &g)
	if r.cfg.mode == modeNearest {
		return r.cfg.gather(x, y, e)
	}
	return r.cfg.interpolate(x, y, e)
}

// stackRank is the largest rank whose per-call geometry and index arrays
// live in fixed arrays on the stack; higher ranks work the same but
// allocate them.
const stackRank = 8

// geometry is what one call's inputs say about the resize, per axis: the
// output length, the scale the coordinate transformations divide by, the
// "output length" align_corners and tf_crop_and_resize use (the exact size
// when sizes is given, else in·scale), and the region of interest (rank
// starts, then rank ends; 0 and 1 where the input gives none).
type geometry struct {
	out     tensor.Shape
	scales  []float64
	resized []float64
	roi     []float64
}

// geomBuf is stack storage for a geometry of rank up to stackRank.
type geomBuf struct {
	out             [stackRank]int
	scales, resized [stackRank]float64
	roi             [2 * stackRank]float64
}

// geometry returns a geometry for rank axes backed by b when it fits.
func (b *geomBuf) geometry(rank int) geometry {
	if rank > stackRank {
		return geometry{
			out:     make(tensor.Shape, rank),
			scales:  make([]float64, rank),
			resized: make([]float64, rank),
			roi:     make([]float64, 2*rank),
		}
	}
	return geometry{out: b.out[:rank], scales: b.scales[:rank], resized: b.resized[:rank], roi: b.roi[:2*rank]}
}

// resolve fills g (whose slices have x's rank) from x's shape and the roi,
// scales and sizes inputs, each nil or empty when absent, and checks them.
// It reads the inputs' elements in place, so it allocates nothing but
// errors. g's slices must not reach anything that outlives the call (they
// are on the caller's stack), fmt included.
func (r *resizeOp) resolve(x, roiT, scalesT, sizesT *tensor.Tensor, g *geometry) error {
	c := &r.cfg
	rank := x.Rank()
	inShape := x.Shape()
	var axBuf [stackRank]int
	axes := intsOf(axBuf[:], rank)[:0]
	if r.axes == nil {
		for a := 0; a < rank; a++ {
			axes = append(axes, a)
		}
	} else {
		for _, a := range r.axes {
			ax, err := ops.NormAxis(a, rank)
			if err != nil {
				return fmt.Errorf("axes: %w", err)
			}
			if slices.Contains(axes, ax) {
				return fmt.Errorf("axis %d repeated in axes", a)
			}
			axes = append(axes, ax)
		}
	}
	outShape, scales, resized := g.out, g.scales, g.resized
	copy(outShape, inShape)
	for i := range rank {
		scales[i] = 1
		resized[i] = float64(inShape[i])
	}
	hasSizes := sizesT != nil && sizesT.Len() > 0
	hasScales := scalesT != nil && scalesT.Len() > 0
	switch {
	case hasSizes && hasScales:
		return fmt.Errorf("only one of scales and sizes may be given")
	case hasSizes:
		if dt := sizesT.DType(); dt != tensor.Int64 && dt != tensor.Int32 {
			return fmt.Errorf("sizes: expected an int32 or int64 tensor, got %v", dt)
		}
		if n := sizesT.Len(); n != len(axes) {
			return fmt.Errorf("sizes has %d entries for %d axes", n, len(axes))
		}
		for i, a := range axes {
			sz := intAt(sizesT, i)
			if sz < 0 || sz > tensor.MaxElements {
				return fmt.Errorf("sizes: invalid size %d", sz)
			}
			outShape[a] = int(sz)
		}
		if r.policy != "not_larger" && r.policy != "not_smaller" {
			for _, a := range axes {
				if inShape[a] != 0 {
					scales[a] = float64(outShape[a]) / float64(inShape[a])
				}
			}
		} else {
			// One scale for every listed axis, the largest that fits inside
			// sizes (not_larger) or the smallest that covers it
			// (not_smaller), computed in float32 as ONNX Runtime does.
			var s float32
			for i, a := range axes {
				if inShape[a] == 0 {
					continue
				}
				v := float32(outShape[a]) / float32(inShape[a])
				if i == 0 || (r.policy == "not_larger" && v < s) || (r.policy == "not_smaller" && v > s) {
					s = v
				}
			}
			for _, a := range axes {
				f := math.Round(float64(s * float32(inShape[a])))
				if f > tensor.MaxElements {
					return fmt.Errorf("%w: scaled dim %v too large", tensor.ErrShape, f)
				}
				outShape[a] = int(f)
				scales[a] = float64(s)
			}
		}
		for _, a := range axes {
			resized[a] = float64(outShape[a])
		}
	case hasScales:
		if !scalesT.DType().IsNumeric() {
			return fmt.Errorf("scales must be float, got %v", scalesT.DType())
		}
		if n := scalesT.Len(); n != len(axes) {
			return fmt.Errorf("scales has %d entries for %d axes", n, len(axes))
		}
		for i, a := range axes {
			s := tensor.Float64At(scalesT, i)
			if !(s > 0) || math.IsInf(s, 0) {
				return fmt.Errorf("scale %v must be positive and finite", s)
			}
			f := math.Floor(float64(inShape[a]) * s)
			if f > tensor.MaxElements {
				return fmt.Errorf("%w: scaled dim %v too large", tensor.ErrShape, f)
			}
			outShape[a] = int(f)
			scales[a] = s
			resized[a] = float64(inShape[a]) * s
		}
	default:
		return fmt.Errorf("one of scales and sizes is required")
	}
	if err := outShape.Check(); err != nil {
		return err
	}
	for i := range outShape {
		if inShape[i] == 0 && outShape[i] != 0 {
			return fmt.Errorf("cannot resize an empty axis %d to %d", i, outShape[i])
		}
	}

	roi := g.roi
	for i := range rank {
		roi[i], roi[rank+i] = 0, 1
	}
	if c.ctm == "tf_crop_and_resize" && roiT != nil && roiT.Len() > 0 {
		if !roiT.DType().IsFloat() {
			return fmt.Errorf("roi must be float, got %v", roiT.DType())
		}
		if n := roiT.Len(); n != 2*len(axes) {
			return fmt.Errorf("roi has %d entries, want %d", n, 2*len(axes))
		}
		for i, a := range axes {
			roi[a], roi[rank+a] = tensor.Float64At(roiT, i), tensor.Float64At(roiT, len(axes)+i)
		}
	}
	if outShape.NumElements() > 0 && c.mode != modeNearest && (!x.DType().IsNumeric() || x.DType() == tensor.Bool) {
		return fmt.Errorf("%v input cannot be interpolated", x.DType())
	}
	return nil
}

// planCacheSize is how many plan sets one kernel keeps. A node normally
// sees one signature; a few slots let sessions that run different shapes
// through one bound kernel at the same time keep their plans rather than
// evict each other's on every call.
const planCacheSize = 4

// planCache holds a kernel's recently used plan sets. Slots are only ever
// replaced whole (an atomic pointer store), never written through, so
// concurrent runs need no lock: a reader sees either the old entry or the
// new one, both complete.
type planCache struct {
	slots [planCacheSize]atomic.Pointer[resizeEntry]
	next  atomic.Uint32 // round-robin: the slot the next new entry takes
}

// resizeEntry is one set of per-axis plans together with its key: the
// input shape and the geometry it was built for. Everything a plan depends
// on is in the key (plans do not depend on the element type). An entry is
// immutable once built; it is shared by every run that matches it.
type resizeEntry struct {
	in, out              tensor.Shape
	scales, resized, roi []float64
	plans                []*axisPlan
	anyOOB               bool // some plan has tf_crop_and_resize positions outside the input
}

// matches reports whether e was built for input shape in and geometry g.
// Floats compare bit for bit, so a NaN roi matches itself.
func (e *resizeEntry) matches(in tensor.Shape, g *geometry) bool {
	return e.in.Equal(in) && e.out.Equal(g.out) &&
		sameBits(e.scales, g.scales) && sameBits(e.resized, g.resized) && sameBits(e.roi, g.roi)
}

func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// entry returns the plans for input shape in and geometry g, from the
// cache or newly built (and then cached). Two runs that miss at once both
// build; either entry is correct, and the cache keeps whichever lands.
func (r *resizeOp) entry(in tensor.Shape, g *geometry) *resizeEntry {
	pc := &r.cache
	for i := range pc.slots {
		if e := pc.slots[i].Load(); e != nil && e.matches(in, g) {
			return e
		}
	}
	e := r.build(in, g)
	pc.slots[pc.next.Add(1)%planCacheSize].Store(e)
	return e
}

// build makes the per-axis plans for input shape in and geometry g,
// copying the key so that the entry owns everything it holds.
func (r *resizeOp) build(in tensor.Shape, g *geometry) *resizeEntry {
	c := &r.cfg
	rank := len(in)
	e := &resizeEntry{
		in:      in.Clone(),
		out:     g.out.Clone(),
		scales:  slices.Clone(g.scales),
		resized: slices.Clone(g.resized),
		roi:     slices.Clone(g.roi),
		plans:   make([]*axisPlan, rank),
	}
	for a := range rank {
		aa := r.antialias && c.mode != modeNearest && e.scales[a] < 1
		var p *axisPlan
		if !aa && c.ctm != "half_pixel_symmetric" {
			p = c.plan(in[a], e.out[a], e.scales[a], e.resized[a], e.roi[a], e.roi[rank+a])
		} else {
			p = r.plan(in[a], e.out[a], e.scales[a], e.resized[a], e.roi[a], e.roi[rank+a], aa)
		}
		p.finish(in[a])
		e.anyOOB = e.anyOOB || p.anyOOB
		e.plans[a] = p
	}
	return e
}

// intsOf returns buf[:n] when n fits, else a new slice: callers pass a
// stack array so that ranks up to stackRank cost no allocation.
func intsOf(buf []int, n int) []int {
	if n <= len(buf) {
		return buf[:n]
	}
	return make([]int, n)
}

// stridesInto writes shape's row-major element strides into dst
// (len(dst) == len(shape)) and returns it.
func stridesInto(dst []int, shape tensor.Shape) []int {
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		dst[i] = s
		s *= shape[i]
	}
	return dst
}

// intAt reads element i of an int32 or int64 tensor.
func intAt(t *tensor.Tensor, i int) int64 {
	if t.DType() == tensor.Int32 {
		return int64(t.Int32s()[i])
	}
	return t.Int64s()[i]
}

// float64Scratch is float64 working memory for the interpolation passes,
// reused through float64Scratches so that steady-state runs allocate
// nothing; the list holds at most one buffer per concurrent pass.
type float64Scratch struct{ buf []float64 }

var float64Scratches freelist.List[float64Scratch]

// getFloat64s returns scratch with len(buf) == n, contents arbitrary.
// Return it with putFloat64s once nothing refers to buf.
func getFloat64s(n int) *float64Scratch {
	s := float64Scratches.Get()
	if cap(s.buf) < n {
		s.buf = make([]float64, n)
	}
	s.buf = s.buf[:n]
	return s
}

func putFloat64s(s *float64Scratch) { float64Scratches.Put(s) }
