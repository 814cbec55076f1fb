package nn

import (
	"fmt"
	"sync/atomic"

	"github.com/sinter-ml/sinter/kernels/conv"
	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// ConvTranspose: shape resolution (convTAttrs.plan), the planned kernel,
// the float32 1-D and 2-D path on kernels/conv, and the generic path for
// other dtypes and ranks.
//
// A bound ConvTranspose keeps the plan of the last input shapes and, when
// W is a float32 constant, W packed once at bind time, so that a
// steady-state float32 run resolves and packs nothing; kernels/conv takes
// its column buffer from a pool. The planned run then allocates nothing.

type convTAttrs struct {
	*windowAttrs
	outPad   []int
	outShape []int
}

// convTKernel is a bound ConvTranspose. It is shared by every goroutine
// running the node: everything but last is fixed at bind time, and last
// is replaced, never modified.
type convTKernel struct {
	a    *convTAttrs
	pool *parallel.Pool
	// constW is W when it is a float32 constant of the graph, and packed
	// is constW packed for kernels/conv (nil when its shape cannot be a
	// 1-D or 2-D ConvTranspose's). A run that is handed another W uses it
	// unpacked.
	constW *tensor.Tensor
	packed *conv.TransposeWeights
	// last is the plan for the most recent pair of X and W shapes.
	last atomic.Pointer[convTCached]
}

// convTCached is a resolved ConvTranspose for one pair of X and W shapes.
// Immutable once stored in convTKernel.last.
type convTCached struct {
	xs, ws tensor.Shape
	p      *convPlan
	tp     conv.TransposeParams
	fast   bool // kernels/conv computes p exactly (1-D or 2-D, non-empty)
}

func bindConvTranspose(n *ops.Node) (ops.Kernel, error) {
	wa, err := parseWindowAttrs(n, "ConvTranspose", true)
	if err != nil {
		return nil, err
	}
	a := &convTAttrs{windowAttrs: wa}
	if a.outPad, err = intsAttr(n, "output_padding"); err != nil {
		return nil, err
	}
	if a.outShape, err = intsAttr(n, "output_shape"); err != nil {
		return nil, err
	}
	for _, v := range a.outPad {
		if v < 0 {
			return nil, fmt.Errorf("ConvTranspose: output_padding %v must be non-negative", a.outPad)
		}
	}
	for _, v := range a.outShape {
		if v < 0 {
			return nil, fmt.Errorf("ConvTranspose: output_shape %v must be non-negative", a.outShape)
		}
	}
	k := &convTKernel{a: a, pool: poolOf(n), constW: f32Const(n, 1)}
	if k.constW != nil {
		k.packed = packConvTWeights(k.constW, a.group)
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			c, err := k.resolve(in)
			if err != nil {
				return err
			}
			out[0].DType = in[0].DType()
			out[0].Shape = append(out[0].Shape[:0], c.p.out...)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			c, err := k.resolve(in)
			if err != nil {
				return err
			}
			return k.run(c, in[0], in[1], optIn(in, 2), out[0])
		},
	})
}

// packConvTWeights packs a constant W (C × M/group × k…) for kernels/conv
// when it has the rank of a 1-D or 2-D ConvTranspose (a 1-D one is an
// image of height 1, as convTParams maps it), or returns nil.
func packConvTWeights(w *tensor.Tensor, group int) *conv.TransposeWeights {
	s := w.Shape()
	tp := conv.TransposeParams{Params: conv.Params{Group: group, KH: 1}}
	switch len(s) {
	case 3:
		tp.KW = s[2]
	case 4:
		tp.KH, tp.KW = s[2], s[3]
	default:
		return nil
	}
	tp.C, tp.OC = s[0], s[1]*group
	tw, err := conv.PackTransposeWeights(tp, w.Float32s())
	if err != nil {
		return nil // an impossible W: resolve reports it on the first run
	}
	return tw
}

// resolve checks a run's inputs and returns the plan for their shapes.
func (k *convTKernel) resolve(in []*tensor.Tensor) (*convTCached, error) {
	if len(in) < 2 {
		return nil, fmt.Errorf("ConvTranspose needs inputs X and W")
	}
	if err := needFloat("X", in[0]); err != nil {
		return nil, err
	}
	if err := needFloat("W", in[1]); err != nil {
		return nil, err
	}
	x, w, b := in[0], in[1], optIn(in, 2)
	if w.DType() != x.DType() || (b != nil && b.DType() != x.DType()) {
		return nil, fmt.Errorf("ConvTranspose input dtypes differ")
	}
	c, err := k.plan(x.Shape(), w.Shape())
	if err != nil {
		return nil, err
	}
	if b != nil && (b.Len() != c.p.m || b.Rank() != 1) {
		return nil, fmt.Errorf("ConvTranspose bias shape %v, want [%d]", b.Shape(), c.p.m)
	}
	return c, nil
}

// plan resolves the ConvTranspose of X shaped xs by W shaped ws, reusing
// the last resolution when the shapes repeat. Concurrent runs with other
// shapes may each resolve and store theirs; every stored plan is complete
// and immutable, so a reader sees one plan or another, never a mix.
func (k *convTKernel) plan(xs, ws tensor.Shape) (*convTCached, error) {
	if c := k.last.Load(); c != nil && c.xs.Equal(xs) && c.ws.Equal(ws) {
		return c, nil
	}
	p, err := k.a.plan(xs, ws)
	if err != nil {
		return nil, err
	}
	c := &convTCached{xs: xs.Clone(), ws: ws.Clone(), p: p}
	c.tp, c.fast = convTParams(p)
	k.last.Store(c)
	return c, nil
}

// run computes ConvTranspose(x, w, b) as planned by c into y, which has
// the shape c.p.out and arbitrary contents: float32 1-D and 2-D cases on
// kernels/conv straight into y (which writes every element, from the
// bias), the rest on the generic path and copied.
func (k *convTKernel) run(c *convTCached, x, w, b, y *tensor.Tensor) error {
	if x.DType() == tensor.Float32 && c.fast {
		var bias []float32
		if b != nil {
			bias = b.Float32s()
		}
		o := conv.Options{Pool: k.pool}
		if w == k.constW && k.packed != nil {
			return conv.ConvTransposePacked(o, c.tp, x.Float32s(), k.packed, bias, y.Float32s())
		}
		return conv.ConvTranspose(o, c.tp, x.Float32s(), w.Float32s(), bias, y.Float32s())
	}
	var out *tensor.Tensor
	var err error
	if x.DType() == tensor.Float64 {
		out, err = convTFloat[float64](c.p, x, w, b)
	} else {
		out, err = convTFloat[float32](c.p, x, w, b)
	}
	if err != nil {
		return err
	}
	return copyResult(y, out)
}

// convTParams maps a resolved 1-D or 2-D ConvTranspose onto kernels/conv
// (a 1-D one as an image of height 1); ok is false for other ranks, empty
// tensors, and geometries the kernel does not reproduce exactly (an
// output extent that would need negative output padding).
func convTParams(p *convPlan) (conv.TransposeParams, bool) {
	g := p.g // g.in is the output image, g.out the input positions
	tp := conv.TransposeParams{Params: conv.Params{N: p.n, C: p.c, OC: p.m, Group: p.group}}
	var outH, outW int
	switch len(g.k) {
	case 1:
		tp.H, tp.KH, tp.StrideH, tp.DilationH = 1, 1, 1, 1
		tp.W, tp.KW, tp.StrideW, tp.DilationW = g.out[0], g.k[0], g.stride[0], g.dil[0]
		tp.PadL, tp.PadR = g.padB[0], g.padE[0]
		outH, outW = 1, g.in[0]
	case 2:
		tp.H, tp.KH, tp.StrideH, tp.DilationH = g.out[0], g.k[0], g.stride[0], g.dil[0]
		tp.W, tp.KW, tp.StrideW, tp.DilationW = g.out[1], g.k[1], g.stride[1], g.dil[1]
		tp.PadT, tp.PadB, tp.PadL, tp.PadR = g.padB[0], g.padE[0], g.padB[1], g.padE[1]
		outH, outW = g.in[0], g.in[1]
	default:
		return tp, false
	}
	if p.out.NumElements() == 0 || tp.N == 0 || tp.H <= 0 || tp.W <= 0 {
		return tp, false
	}
	tp.OutPadH = outH - tp.OutH()
	tp.OutPadW = outW - tp.OutW()
	return tp, tp.OutPadH >= 0 && tp.OutPadW >= 0
}

// plan resolves a transposed convolution. In the returned geometry the roles
// are swapped: g.in is the (large) output image and g.out the input
// positions, so col2im scatters into the output.
func (a *convTAttrs) plan(xs, ws tensor.Shape) (*convPlan, error) {
	if len(xs) < 3 {
		return nil, fmt.Errorf("ConvTranspose: input X must have rank ≥ 3, has shape %v", xs)
	}
	if len(ws) != len(xs) {
		return nil, fmt.Errorf("ConvTranspose: W shape %v has a different rank from X shape %v", ws, xs)
	}
	d := len(xs) - 2
	p := &convPlan{n: xs[0], c: xs[1], group: a.group}
	if ws[0] != p.c {
		return nil, fmt.Errorf("ConvTranspose: W shape %v does not match %d input channels", ws, p.c)
	}
	if p.c%p.group != 0 {
		return nil, fmt.Errorf("ConvTranspose: group %d does not divide %d input channels", p.group, p.c)
	}
	p.m = ws[1] * p.group
	k := []int(ws[2:])
	if a.kernel != nil {
		if len(a.kernel) != d {
			return nil, fmt.Errorf("ConvTranspose: kernel_shape %v does not match W shape %v", a.kernel, ws)
		}
		for i := range k {
			if a.kernel[i] != k[i] {
				return nil, fmt.Errorf("ConvTranspose: kernel_shape %v does not match W shape %v", a.kernel, ws)
			}
		}
	}
	for _, v := range k {
		if v == 0 {
			return nil, fmt.Errorf("ConvTranspose: W shape %v has an empty kernel", ws)
		}
	}
	g := &geom{k: k, out: []int(xs[2:])}
	var err error
	if g.stride, err = fill(a.op, "strides", a.strides, d, 1); err != nil {
		return nil, err
	}
	if g.dil, err = fill(a.op, "dilations", a.dils, d, 1); err != nil {
		return nil, err
	}
	if err := g.checkExtents(a.op); err != nil {
		return nil, err
	}
	outPad, err := fill(a.op, "output_padding", a.outPad, d, 0)
	if err != nil {
		return nil, err
	}
	var outShape []int
	if a.outShape != nil {
		switch len(a.outShape) {
		case d:
			outShape = a.outShape
		case d + 2:
			outShape = a.outShape[2:]
		default:
			return nil, fmt.Errorf("ConvTranspose: output_shape %v does not match %d spatial axes", a.outShape, d)
		}
	}
	g.in = make([]int, d)
	g.padB, g.padE = make([]int, d), make([]int, d)
	if a.autoPad == "NOTSET" && a.pads != nil && outShape == nil {
		if len(a.pads) != 2*d {
			return nil, fmt.Errorf("ConvTranspose: pads %v has %d values, want %d", a.pads, len(a.pads), 2*d)
		}
		copy(g.padB, a.pads[:d])
		copy(g.padE, a.pads[d:])
	}
	for i := 0; i < d; i++ {
		full := g.stride[i]*(g.out[i]-1) + outPad[i] + g.eff(i)
		if g.out[i] == 0 {
			full = 0
		}
		target := -1
		if outShape != nil {
			target = outShape[i]
		} else if a.autoPad == "SAME_UPPER" || a.autoPad == "SAME_LOWER" {
			target = g.out[i] * g.stride[i]
		}
		if target >= 0 {
			total := max(0, full-target)
			if a.autoPad == "SAME_UPPER" {
				g.padB[i] = total / 2
			} else {
				g.padB[i] = total - total/2
			}
			g.padE[i] = total - g.padB[i]
			g.in[i] = target
		} else {
			g.in[i] = full - g.padB[i] - g.padE[i]
			if g.in[i] < 0 {
				return nil, fmt.Errorf("ConvTranspose: pads %v leave a negative output extent on axis %d", a.pads, i)
			}
		}
	}
	p.g = g
	if p.out, err = spatialShape(p.n, p.m, g.in); err != nil {
		return nil, err
	}
	return p, nil
}

// convTFloat is the generic ConvTranspose, for any rank and dtype: per
// image and group a GEMM into a column buffer, then col2im adds the
// columns into the zeroed output, then the bias. It allocates the output
// (and the buffer).
func convTFloat[T ops.Float](p *convPlan, xt, wt, bt *tensor.Tensor) (*tensor.Tensor, error) {
	x, w := asFloat[T](xt), asFloat[T](wt)
	y := make([]T, p.out.NumElements())
	cg, mg := p.c/p.group, p.m/p.group
	K := prod(p.g.k)
	Iin := prod(p.g.out) // input positions
	Oimg := prod(p.g.in) // output image size
	rows := mg * K
	if len(y) > 0 && rows > 0 && Iin > 0 {
		if err := (tensor.Shape{rows, Iin}).Check(); err != nil {
			return nil, fmt.Errorf("ConvTranspose: column buffer: %w", err)
		}
		col := make([]T, rows*Iin)
		for n := 0; n < p.n; n++ {
			for gi := 0; gi < p.group; gi++ {
				xg := x[(n*p.c+gi*cg)*Iin : (n*p.c+(gi+1)*cg)*Iin]
				wg := w[gi*cg*rows : (gi+1)*cg*rows]
				clear(col)
				gemm(true, false, rows, Iin, cg, 1, wg, rows, xg, Iin, col, Iin)
				yg := y[(n*p.m+gi*mg)*Oimg : (n*p.m+(gi+1)*mg)*Oimg]
				im2col(yg, mg, p.g, col, true)
			}
		}
	}
	if bt != nil {
		addBias(y, p.n, p.m, prod(p.g.in), asFloat[T](bt))
	}
	return newFloat(xt.DType(), p.out, y), nil
}
