package nn

import (
	"fmt"
	"math"
	"sync/atomic"

	"github.com/sinter-ml/sinter/internal/freelist"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// This file holds the quantization operators' planned kernels:
// QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear (opsets 10–13),
// and the integer products ConvInteger, QLinearConv, MatMulInteger and
// QLinearMatMul. Each writes straight into the executor's output; shape
// resolutions are cached per node behind an atomic pointer (immutable
// entries, shared by concurrent runs) and int32 working memory comes from
// a free list, so a run that repeats the last shapes allocates nothing
// for float32 values and int8/uint8 quantized ones. Results are the same
// bits the earlier allocating kernels produced: the same float32 and
// float64 operations per element, and int32 sums, which wrap exactly.

// quantAxis resolves per-tensor vs per-axis quantization parameters: it
// returns, for element i of x, the parameter index (i / inner) % dim, or
// dim == 1 for per-tensor.
func quantAxis(op string, xs tensor.Shape, scale *tensor.Tensor, axis int64) (inner, dim int, err error) {
	if scale.Len() == 1 && scale.Rank() <= 1 {
		return 1, 1, nil
	}
	if scale.Rank() != 1 {
		return 0, 0, fmt.Errorf("%s: scale must be a scalar or 1-D, has shape %v", op, scale.Shape())
	}
	ax, err := ops.NormAxis(axis, len(xs))
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", op, err)
	}
	if scale.Len() != xs[ax] {
		return 0, 0, fmt.Errorf("%s: scale has %d elements, axis %d of input %v has %d", op, scale.Len(), axis, xs, xs[ax])
	}
	return prod(xs[ax+1:]), xs[ax], nil
}

// quantRuns calls f(p, lo, hi) for every run [lo, hi) of the n elements of
// a tensor that share quantization parameter p, the parameters being
// indexed (i / inner) % dim as quantAxis resolves them.
func quantRuns(n, inner, dim int, f func(p, lo, hi int)) {
	if dim == 1 {
		f(0, 0, n)
		return
	}
	for lo := 0; lo < n; lo += inner {
		f((lo/inner)%dim, lo, lo+inner)
	}
}

// setOut writes output 0's type and shape, when the node declares one (a
// node without outputs still gets its inputs checked).
func setOut(out []ops.OutSpec, dt tensor.DType, shape tensor.Shape) {
	if len(out) > 0 {
		out[0].DType, out[0].Shape = dt, append(out[0].Shape[:0], shape...)
	}
}

// zeroPointAt returns element i of an integer zero point as int32 (as
// intVals reads it), or 0 when zp is nil.
func zeroPointAt(zp *tensor.Tensor, i int) int32 {
	if zp == nil {
		return 0
	}
	switch zp.DType() {
	case tensor.Uint8:
		return int32(zp.Uint8s()[i])
	case tensor.Int8:
		return int32(zp.Int8s()[i])
	case tensor.Int32:
		return zp.Int32s()[i]
	case tensor.Int16:
		return int32(tensor.Data[int16](zp)[i])
	case tensor.Uint16:
		return int32(tensor.Data[uint16](zp)[i])
	}
	return 0
}

// saturate is storeQuant's conversion of an already rounded value: NaN
// becomes 0, the rest clamps to [lo, hi].
func saturate[Q uint8 | int8](v, lo, hi float64) Q {
	if v != v {
		v = 0
	}
	return Q(max(lo, min(hi, v)))
}

// widenMinus writes src[i] − z into dst.
func widenMinus[X uint8 | int8](dst []int32, src []X, z int32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = int32(v) - z
	}
}

// ---- QuantizeLinear ----

type quantizeLinear struct{ axis int64 }

// quantArgs are a QuantizeLinear or DequantizeLinear call's checked inputs.
type quantArgs struct {
	x, sc, zp  *tensor.Tensor
	inner, dim int
	odt        tensor.DType
}

// bindQuantizeLinear binds QuantizeLinear-10 and -13: y = saturate(round(x
// / y_scale) + y_zero_point), per tensor or along axis.
func bindQuantizeLinear(n *ops.Node) (ops.Kernel, error) {
	axis, err := n.Int("axis", 1)
	if err != nil {
		return nil, err
	}
	q := quantizeLinear{axis: axis}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			a, err := q.args(in)
			if err != nil {
				return err
			}
			setOut(out, a.odt, a.x.Shape())
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			a, err := q.args(in)
			if err != nil {
				return err
			}
			y := optIn(out, 0)
			if y == nil {
				return nil
			}
			s := asF32(a.sc)
			switch y.DType() {
			case tensor.Uint8:
				quantize(y.Uint8s(), &a, s, 0, 255)
			case tensor.Int8:
				quantize(y.Int8s(), &a, s, -128, 127)
			default:
				return fmt.Errorf("QuantizeLinear: output is %v, want %v", y.DType(), a.odt)
			}
			return nil
		},
	})
}

func (q quantizeLinear) args(in []*tensor.Tensor) (a quantArgs, err error) {
	if len(in) < 2 || in[0] == nil || in[1] == nil {
		return a, fmt.Errorf("QuantizeLinear needs inputs x and y_scale")
	}
	a.x, a.sc, a.zp = in[0], in[1], optIn(in, 2)
	if !isFloat(a.sc.DType()) {
		return a, fmt.Errorf("QuantizeLinear: y_scale must be float, got %v", a.sc.DType())
	}
	if !isFloat(a.x.DType()) && a.x.DType() != tensor.Int32 {
		return a, fmt.Errorf("QuantizeLinear: x must be float or int32, got %v", a.x.DType())
	}
	if a.inner, a.dim, err = quantAxis("QuantizeLinear", a.x.Shape(), a.sc, q.axis); err != nil {
		return a, err
	}
	a.odt = tensor.Uint8
	if a.zp != nil {
		a.odt = a.zp.DType()
		if _, _, err := quantRange(a.odt); err != nil {
			return a, fmt.Errorf("QuantizeLinear: %w", err)
		}
		if a.zp.Len() != a.sc.Len() {
			return a, fmt.Errorf("QuantizeLinear: y_zero_point shape %v differs from y_scale shape %v", a.zp.Shape(), a.sc.Shape())
		}
	}
	return a, nil
}

// quantize writes saturate(round(x / s) + zero point) into y: in float64
// for float64 x, else in float32 as QuantizeLinear-13 specifies.
func quantize[Q uint8 | int8](y []Q, a *quantArgs, s []float32, lo, hi float64) {
	switch a.x.DType() {
	case tensor.Float64:
		x := a.x.Float64s()
		quantRuns(len(x), a.inner, a.dim, func(p, i0, i1 int) {
			sp, zf := float64(s[p]), float64(zeroPointAt(a.zp, p))
			for i := i0; i < i1; i++ {
				y[i] = saturate[Q](math.RoundToEven(x[i]/sp)+zf, lo, hi)
			}
		})
	case tensor.Int32:
		quantizeF32(y, a.x.Int32s(), a, s, lo, hi)
	case tensor.Float32:
		quantizeF32(y, a.x.Float32s(), a, s, lo, hi)
	default:
		quantizeF32(y, asF32(a.x), a, s, lo, hi)
	}
}

func quantizeF32[Q uint8 | int8, X float32 | int32](y []Q, x []X, a *quantArgs, s []float32, lo, hi float64) {
	quantRuns(len(x), a.inner, a.dim, func(p, i0, i1 int) {
		sp, zf := s[p], float64(zeroPointAt(a.zp, p))
		ys, xs := y[i0:i1], x[i0:i1]
		for i, v := range xs {
			ys[i] = saturate[Q](float64(roundF32(float32(v)/sp))+zf, lo, hi)
		}
	})
}

// ---- DequantizeLinear ----

type dequantizeLinear struct{ axis int64 }

// bindDequantizeLinear binds DequantizeLinear-10 and -13: y = (x −
// x_zero_point) · x_scale, per tensor or along axis.
func bindDequantizeLinear(n *ops.Node) (ops.Kernel, error) {
	axis, err := n.Int("axis", 1)
	if err != nil {
		return nil, err
	}
	q := dequantizeLinear{axis: axis}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			a, err := q.args(in)
			if err != nil {
				return err
			}
			setOut(out, a.odt, a.x.Shape())
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			a, err := q.args(in)
			if err != nil {
				return err
			}
			y := optIn(out, 0)
			if y == nil {
				return nil
			}
			if y.DType() != a.odt {
				return fmt.Errorf("DequantizeLinear: output is %v, want %v", y.DType(), a.odt)
			}
			var yd []float32
			if a.odt == tensor.Float32 {
				yd = y.Float32s()
			} else {
				yd = make([]float32, a.x.Len())
			}
			s := asF32(a.sc)
			switch a.x.DType() {
			case tensor.Uint8:
				dequantize(yd, a.x.Uint8s(), &a, s)
			case tensor.Int8:
				dequantize(yd, a.x.Int8s(), &a, s)
			case tensor.Int32:
				dequantize(yd, a.x.Int32s(), &a, s)
			}
			if a.odt != tensor.Float32 {
				return copyResult(y, newFloat(a.odt, a.x.Shape(), yd))
			}
			return nil
		},
	})
}

func (q dequantizeLinear) args(in []*tensor.Tensor) (a quantArgs, err error) {
	if len(in) < 2 || in[0] == nil || in[1] == nil {
		return a, fmt.Errorf("DequantizeLinear needs inputs x and x_scale")
	}
	a.x, a.sc, a.zp = in[0], in[1], optIn(in, 2)
	if !isFloat(a.sc.DType()) {
		return a, fmt.Errorf("DequantizeLinear: x_scale must be float, got %v", a.sc.DType())
	}
	switch a.x.DType() {
	case tensor.Uint8, tensor.Int8, tensor.Int32:
	default:
		return a, fmt.Errorf("DequantizeLinear: x must be int8, uint8 or int32, got %v", a.x.DType())
	}
	if a.inner, a.dim, err = quantAxis("DequantizeLinear", a.x.Shape(), a.sc, q.axis); err != nil {
		return a, err
	}
	if a.zp != nil {
		if a.zp.DType() != a.x.DType() {
			return a, fmt.Errorf("DequantizeLinear: x_zero_point dtype %v differs from x dtype %v", a.zp.DType(), a.x.DType())
		}
		if a.zp.Len() != a.sc.Len() {
			return a, fmt.Errorf("DequantizeLinear: x_zero_point shape %v differs from x_scale shape %v", a.zp.Shape(), a.sc.Shape())
		}
	}
	a.odt = a.sc.DType()
	return a, nil
}

// dequantize writes (x − zero point) · scale into y, in float32.
func dequantize[X uint8 | int8 | int32](y []float32, x []X, a *quantArgs, s []float32) {
	quantRuns(len(x), a.inner, a.dim, func(p, i0, i1 int) {
		sp, z := s[p], zeroPointAt(a.zp, p)
		ys, xs := y[i0:i1], x[i0:i1]
		for i, v := range xs {
			ys[i] = float32(int32(v)-z) * sp
		}
	})
}

// ---- DynamicQuantizeLinear ----

// bindDynamicQuantizeLinear binds DynamicQuantizeLinear-11: x quantized to
// uint8 over its own range (widened to include 0), with that scale and
// zero point.
func bindDynamicQuantizeLinear(n *ops.Node) (ops.Kernel, error) {
	check := func(in []*tensor.Tensor) error {
		if len(in) < 1 || in[0] == nil {
			return fmt.Errorf("DynamicQuantizeLinear needs input x")
		}
		return needFloat("x", in[0])
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if err := check(in); err != nil {
				return err
			}
			setOut(out, tensor.Uint8, in[0].Shape())
			if len(out) > 1 {
				out[1].DType, out[1].Shape = tensor.Float32, out[1].Shape[:0]
			}
			if len(out) > 2 {
				out[2].DType, out[2].Shape = tensor.Uint8, out[2].Shape[:0]
			}
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			if err := check(in); err != nil {
				return err
			}
			x := asF32(in[0])
			var lo, hi float32
			for _, v := range x {
				lo = min(lo, v)
				hi = max(hi, v)
			}
			scale := (hi - lo) / 255
			var zp float32
			if scale != 0 {
				zp = roundF32(max(0, min(255, 0-lo/scale)))
			}
			if y := optIn(out, 0); y != nil {
				yd := y.Uint8s()
				for i, v := range x {
					if scale == 0 {
						yd[i] = uint8(zp)
						continue
					}
					q := float64(roundF32(v/scale)) + float64(zp)
					if q != q {
						q = 0
					}
					yd[i] = uint8(max(0, min(255, q)))
				}
			}
			if s := optIn(out, 1); s != nil {
				s.Float32s()[0] = scale
			}
			if z := optIn(out, 2); z != nil {
				z.Uint8s()[0] = uint8(zp)
			}
			return nil
		},
	})
}

// ---- int32 working memory ----

// qbuf is int32 working memory of the integer products: the im2col matrix
// (or the zero-pointed A), the zero-pointed weights (or B), and the
// accumulator of the requantizing ops. Buffers only grow, so a run that
// repeats the shapes allocates nothing.
type qbuf struct{ a, b, acc []int32 }

var qbufs freelist.List[qbuf]

// int32s returns (*buf)[:n], growing it when it is too short.
func int32s(buf *[]int32, n int) []int32 {
	if cap(*buf) < n {
		*buf = make([]int32, n)
	}
	*buf = (*buf)[:n]
	return *buf
}

// requantize writes saturate(round(acc · mult) + zf) into y: QLinearConv's
// and QLinearMatMul's output stage, in float32 as they specify.
func requantize[Q uint8 | int8](y []Q, acc []int32, mult float32, zf, lo, hi float64) {
	y = y[:len(acc)]
	for i, v := range acc {
		y[i] = saturate[Q](float64(roundF32(float32(v)*mult))+zf, lo, hi)
	}
}

// requantizeInto is requantize into a uint8 or int8 tensor's elements
// [lo, lo+len(acc)).
func requantizeInto(out *tensor.Tensor, lo int, acc []int32, mult float32, zf float64) {
	if out.DType() == tensor.Uint8 {
		requantize(out.Uint8s()[lo:], acc, mult, zf, 0, 255)
	} else {
		requantize(out.Int8s()[lo:], acc, mult, zf, -128, 127)
	}
}

// ---- ConvInteger and QLinearConv ----

// qconv is the bound state of a ConvInteger or QLinearConv node: its
// attributes and the resolution of the last X and W shapes it saw.
type qconv struct {
	a    *windowAttrs
	last atomic.Pointer[qconvCached]
}

type qconvCached struct {
	xs, ws tensor.Shape
	p      *convPlan
}

// plan resolves the convolution of X shaped xs by W shaped ws, reusing the
// last resolution when the shapes repeat.
func (c *qconv) plan(xs, ws tensor.Shape) (*convPlan, error) {
	if e := c.last.Load(); e != nil && e.xs.Equal(xs) && e.ws.Equal(ws) {
		return e.p, nil
	}
	xs, ws = xs.Clone(), ws.Clone() // the plan keeps slices of them
	p, err := planConv(c.a, xs, ws)
	if err != nil {
		return nil, err
	}
	if !p.g.isPointwise() {
		if err := (tensor.Shape{p.c / p.group * prod(p.g.k), prod(p.g.out)}).Check(); err != nil {
			return nil, fmt.Errorf("conv: im2col buffer: %w", err)
		}
	}
	c.last.Store(&qconvCached{xs: xs, ws: ws, p: p})
	return p, nil
}

// checkQuantConv checks the quantized inputs and zero points of
// ConvInteger and QLinearConv (quantConvInputs' checks).
func checkQuantConv(op string, x, xzp, w, wzp *tensor.Tensor) error {
	for _, t := range [2]*tensor.Tensor{x, w} {
		if t.DType() != tensor.Uint8 && t.DType() != tensor.Int8 {
			return fmt.Errorf("%s: quantized inputs must be int8 or uint8, got %v", op, t.DType())
		}
	}
	if xzp != nil && (xzp.Len() != 1 || xzp.DType() != x.DType()) {
		return fmt.Errorf("%s: x_zero_point must be a scalar of the input's type", op)
	}
	if wzp != nil {
		if wzp.DType() != w.DType() {
			return fmt.Errorf("%s: w_zero_point dtype %v differs from w dtype %v", op, wzp.DType(), w.DType())
		}
		m := 1
		if w.Rank() > 0 {
			m = w.Shape()[0]
		}
		if wzp.Len() != 1 && (wzp.Len() != m || wzp.Rank() != 1 || m == 0) {
			return fmt.Errorf("%s: w_zero_point shape %v is neither scalar nor [M]", op, wzp.Shape())
		}
	}
	return nil
}

// qconvRun computes y = conv(x − xzp, w − wzp) in int32 into y (any
// contents; len = p.out elements), as convRun does on the zero-pointed
// values, with the im2col matrix in buf.a and the weights in buf.b.
func qconvRun(p *convPlan, x, xzp, w, wzp *tensor.Tensor, y []int32, buf *qbuf) {
	clear(y)
	cg, mg := p.c/p.group, p.m/p.group
	K := prod(p.g.k)
	I, O := prod(p.g.in), prod(p.g.out)
	rows := cg * K
	if len(y) == 0 || rows == 0 {
		return
	}
	wv := int32s(&buf.b, w.Len())
	wz := zeroPointAt(wzp, 0)
	per := 0 // weights per output channel when w_zero_point is per channel
	if wzp != nil && wzp.Len() != 1 {
		per = len(wv) / p.m
	}
	if w.DType() == tensor.Uint8 {
		widenW(wv, w.Uint8s(), wz, wzp, per)
	} else {
		widenW(wv, w.Int8s(), wz, wzp, per)
	}
	col := int32s(&buf.a, rows*O)
	xz := zeroPointAt(xzp, 0)
	pointwise := p.g.isPointwise()
	for n := 0; n < p.n; n++ {
		for gi := 0; gi < p.group; gi++ {
			lo, hi := (n*p.c+gi*cg)*I, (n*p.c+(gi+1)*cg)*I
			if x.DType() == tensor.Uint8 {
				qim2col(x.Uint8s()[lo:hi], xz, cg, p.g, col, pointwise)
			} else {
				qim2col(x.Int8s()[lo:hi], xz, cg, p.g, col, pointwise)
			}
			wg := wv[gi*mg*rows : (gi+1)*mg*rows]
			yg := y[(n*p.m+gi*mg)*O : (n*p.m+(gi+1)*mg)*O]
			gemm(false, false, mg, O, rows, 1, wg, rows, col, O, yg, O)
		}
	}
}

// widenW writes w − w_zero_point into dst: z for every weight when per is
// 0, else zp[c] for the per weights of output channel c.
func widenW[X uint8 | int8](dst []int32, w []X, z int32, zp *tensor.Tensor, per int) {
	if per == 0 {
		widenMinus(dst, w, z)
		return
	}
	for c := 0; c*per < len(w); c++ {
		widenMinus(dst[c*per:(c+1)*per], w[c*per:(c+1)*per], zeroPointAt(zp, c))
	}
}

// maxStackAxes is the largest number of spatial axes whose im2col indices
// live on the stack.
const maxStackAxes = 8

// qim2col is im2col for c channels of a quantized image, storing img − z
// as int32 and 0 in padding: the matrix im2col makes of the zero-pointed
// image. A pointwise geometry's matrix is the image itself.
func qim2col[X uint8 | int8](img []X, z int32, c int, g *geom, col []int32, pointwise bool) {
	if pointwise {
		widenMinus(col, img, z)
		return
	}
	d := len(g.in)
	K, O, I := prod(g.k), prod(g.out), prod(g.in)
	if K == 0 || O == 0 {
		return
	}
	var stack [3 * maxStackAxes]int
	var inStr, kidx, oidx []int
	if d <= maxStackAxes {
		inStr, kidx, oidx = stack[:d], stack[maxStackAxes:maxStackAxes+d], stack[2*maxStackAxes:2*maxStackAxes+d]
	} else {
		inStr, kidx, oidx = make([]int, d), make([]int, d), make([]int, d)
	}
	s := 1
	for i := d - 1; i >= 0; i-- {
		inStr[i] = s
		s *= g.in[i]
	}
	last := d - 1
	oL, sL, inL := g.out[last], g.stride[last], g.in[last]
	nOuter := O / oL
	for ch := 0; ch < c; ch++ {
		plane := img[ch*I : (ch+1)*I]
		clear(kidx)
		for kk := 0; kk < K; kk++ {
			row := col[(ch*K+kk)*O : (ch*K+kk+1)*O]
			koff := kidx[last]*g.dil[last] - g.padB[last]
			lo := 0
			if koff < 0 {
				lo = (-koff + sL - 1) / sL
			}
			hi := 0
			if inL-1-koff >= 0 {
				hi = (inL-1-koff)/sL + 1
			}
			lo = min(lo, oL)
			hi = max(lo, min(hi, oL))
			clear(oidx)
			for q := 0; q < nOuter; q++ {
				seg := row[q*oL : (q+1)*oL]
				base, valid := 0, true
				for j := 0; j < last; j++ {
					ii := oidx[j]*g.stride[j] + kidx[j]*g.dil[j] - g.padB[j]
					if ii < 0 || ii >= g.in[j] {
						valid = false
						break
					}
					base += ii * inStr[j]
				}
				if !valid {
					clear(seg)
				} else {
					clear(seg[:lo])
					clear(seg[hi:])
					src := base + koff
					if hi <= lo {
						// no valid taps on this row
					} else if sL == 1 {
						widenMinus(seg[lo:hi], plane[src+lo:src+hi], z)
					} else {
						for o := lo; o < hi; o++ {
							seg[o] = int32(plane[src+o*sL]) - z
						}
					}
				}
				for j := last - 1; j >= 0; j-- {
					oidx[j]++
					if oidx[j] < g.out[j] {
						break
					}
					oidx[j] = 0
				}
			}
			for j := last; j >= 0; j-- {
				kidx[j]++
				if kidx[j] < g.k[j] {
					break
				}
				kidx[j] = 0
			}
		}
	}
}

// bindConvInteger binds ConvInteger-10: Y (int32) = conv(X − x_zero_point, W − w_zero_point).
func bindConvInteger(n *ops.Node) (ops.Kernel, error) {
	a, err := parseWindowAttrs(n, "ConvInteger", true)
	if err != nil {
		return nil, err
	}
	c := &qconv{a: a}
	args := func(in []*tensor.Tensor) (*convPlan, error) {
		if len(in) < 2 || in[0] == nil || in[1] == nil {
			return nil, fmt.Errorf("ConvInteger needs inputs x and w")
		}
		p, err := c.plan(in[0].Shape(), in[1].Shape())
		if err != nil {
			return nil, err
		}
		return p, checkQuantConv("ConvInteger", in[0], optIn(in, 2), in[1], optIn(in, 3))
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			p, err := args(in)
			if err != nil {
				return err
			}
			setOut(out, tensor.Int32, p.out)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			p, err := args(in)
			if err != nil {
				return err
			}
			y := optIn(out, 0)
			if y == nil {
				return nil
			}
			buf := qbufs.Get()
			qconvRun(p, in[0], optIn(in, 2), in[1], optIn(in, 3), y.Int32s(), buf)
			qbufs.Put(buf)
			return nil
		},
	})
}

// qlinearConvArgs are a QLinearConv call's checked inputs.
type qlinearConvArgs struct {
	p                      *convPlan
	x, xzp, w, wzp, b, yzp *tensor.Tensor
	xscale, yscale         float32
	wscale                 []float32
}

// bindQLinearConv binds QLinearConv-10: the convolution of the
// dequantized X and W plus int32 bias B, requantized with y_scale and
// y_zero_point.
func bindQLinearConv(n *ops.Node) (ops.Kernel, error) {
	a, err := parseWindowAttrs(n, "QLinearConv", true)
	if err != nil {
		return nil, err
	}
	c := &qconv{a: a}
	args := func(in []*tensor.Tensor) (q qlinearConvArgs, err error) {
		if len(in) < 8 {
			return q, fmt.Errorf("QLinearConv needs at least 8 inputs")
		}
		for i, t := range in[:8] {
			if t == nil {
				return q, fmt.Errorf("QLinearConv input %d is missing", i)
			}
		}
		xs, wsc, ys := in[1], in[4], in[6]
		q.x, q.xzp, q.w, q.wzp, q.yzp, q.b = in[0], in[2], in[3], in[5], in[7], optIn(in, 8)
		if q.p, err = c.plan(q.x.Shape(), q.w.Shape()); err != nil {
			return q, err
		}
		if err := checkQuantConv("QLinearConv", q.x, q.xzp, q.w, q.wzp); err != nil {
			return q, err
		}
		if q.xscale, err = scalarF32("x_scale", xs); err != nil {
			return q, err
		}
		if q.yscale, err = scalarF32("y_scale", ys); err != nil {
			return q, err
		}
		if !isFloat(wsc.DType()) || (wsc.Len() != 1 && wsc.Len() != q.p.m) {
			return q, fmt.Errorf("QLinearConv: w_scale shape %v is neither scalar nor [%d]", wsc.Shape(), q.p.m)
		}
		q.wscale = asF32(wsc)
		if q.yzp.Len() != 1 {
			return q, fmt.Errorf("QLinearConv: y_zero_point must be a scalar")
		}
		if _, _, err := quantRange(q.yzp.DType()); err != nil {
			return q, err
		}
		if q.b != nil && (q.b.DType() != tensor.Int32 || q.b.Len() != q.p.m) {
			return q, fmt.Errorf("QLinearConv: bias must be int32 [%d], got %v %v", q.p.m, q.b.DType(), q.b.Shape())
		}
		return q, nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			q, err := args(in)
			if err != nil {
				return err
			}
			setOut(out, q.yzp.DType(), q.p.out)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			q, err := args(in)
			if err != nil {
				return err
			}
			p, y := q.p, optIn(out, 0)
			if y == nil {
				return nil
			}
			if y.DType() != q.yzp.DType() {
				return fmt.Errorf("QLinearConv: output is %v, want %v", y.DType(), q.yzp.DType())
			}
			buf := qbufs.Get()
			acc := int32s(&buf.acc, p.out.NumElements())
			qconvRun(p, q.x, q.xzp, q.w, q.wzp, acc, buf)
			O := prod(p.g.out)
			if q.b != nil {
				addBias(acc, p.n, p.m, O, q.b.Int32s())
			}
			zf := float64(zeroPointAt(q.yzp, 0))
			for i := 0; i < p.n; i++ {
				for c := 0; c < p.m; c++ {
					ws := q.wscale[0]
					if len(q.wscale) > 1 {
						ws = q.wscale[c]
					}
					mult := q.xscale * ws / q.yscale
					base := (i*p.m + c) * O
					requantizeInto(y, base, acc[base:base+O], mult, zf)
				}
			}
			qbufs.Put(buf)
			return nil
		},
	})
}

// ---- MatMulInteger and QLinearMatMul ----

// qmatmul is the bound state of a MatMulInteger or QLinearMatMul node:
// the resolution of the last A and B shapes it saw.
type qmatmul struct {
	last atomic.Pointer[qmmCached]
}

// qmmCached is a resolved batched product for one pair of operand shapes:
// with shared, B has one matrix and A's batch folds into its rows (one
// GEMM); otherwise jobs lists each output matrix with its A and B matrix.
type qmmCached struct {
	as, bs tensor.Shape
	p      *mmPlan
	shared bool
	jobs   []qmmJob
}

type qmmJob struct{ o, a, b int }

func (c *qmatmul) plan(as, bs tensor.Shape) (*qmmCached, error) {
	if e := c.last.Load(); e != nil && e.as.Equal(as) && e.bs.Equal(bs) {
		return e, nil
	}
	as, bs = as.Clone(), bs.Clone() // the plan keeps slices of them
	p, err := planMatMul(as, bs)
	if err != nil {
		return nil, err
	}
	e := &qmmCached{as: as, bs: bs, p: p}
	nb := p.batch.NumElements()
	e.shared = p.batchB.NumElements() == 1 && p.batchA.NumElements() == nb
	if !e.shared && p.out.NumElements() > 0 {
		e.jobs = make([]qmmJob, 0, nb)
		ops.BroadcastIndex(p.batch, []tensor.Shape{p.batchA, p.batchB}, func(o int, offs []int) {
			e.jobs = append(e.jobs, qmmJob{o, offs[0], offs[1]})
		})
	}
	c.last.Store(e)
	return e, nil
}

// mul computes c = a · b (c's contents arbitrary), as mmRun does.
func (e *qmmCached) mul(a, b, c []int32) {
	clear(c)
	m, k, n := e.p.m, e.p.k, e.p.n
	if len(c) == 0 {
		return
	}
	if e.shared {
		gemm(false, false, e.p.batch.NumElements()*m, n, k, 1, a, k, b, n, c, n)
		return
	}
	for _, j := range e.jobs {
		gemm(false, false, m, n, k, 1, a[j.a*m*k:], k, b[j.b*k*n:], n, c[j.o*m*n:], n)
	}
}

// zeroPointKind classifies how zp applies to x (zeroPointed's rules): 0 a
// scalar (or no zero point), 1 per row (zp [M] on x [.., M, K] with
// perRow), 2 per last-axis element (zp [K] on x [.., K]), 3 any other
// broadcast. It returns zeroPointed's error when zp does not fit x.
func zeroPointKind(x, zp *tensor.Tensor, perRow bool) (int, error) {
	if zp == nil {
		return 0, nil
	}
	if zp.DType() != x.DType() {
		return 0, fmt.Errorf("zero point dtype %v differs from input dtype %v", zp.DType(), x.DType())
	}
	if zp.Len() == 1 {
		return 0, nil
	}
	xs := x.Shape()
	if zp.Rank() == 1 && len(xs) >= 1 {
		if perRow && len(xs) >= 2 {
			if zp.Len() == xs[len(xs)-2] {
				return 1, nil
			}
		} else if zp.Len() == xs[len(xs)-1] {
			return 2, nil
		}
	}
	// The general rule (and its error).
	if _, err := zeroPointed(x, zp, perRow); err != nil {
		return 0, err
	}
	return 3, nil
}

// zeroPointInto writes x − zp into dst (len x.Len()), zp applying as kind
// (zeroPointKind) says.
func zeroPointInto(dst []int32, x, zp *tensor.Tensor, perRow bool, kind int) error {
	if kind == 3 {
		v, err := zeroPointed(x, zp, perRow)
		if err != nil {
			return err
		}
		copy(dst, v)
		return nil
	}
	if x.DType() == tensor.Uint8 {
		zeroPointRows(dst, x.Uint8s(), x.Shape(), zp, kind)
	} else {
		zeroPointRows(dst, x.Int8s(), x.Shape(), zp, kind)
	}
	return nil
}

func zeroPointRows[X uint8 | int8](dst []int32, x []X, xs tensor.Shape, zp *tensor.Tensor, kind int) {
	switch kind {
	case 0:
		widenMinus(dst, x, zeroPointAt(zp, 0))
	case 1:
		k, m := xs[len(xs)-1], xs[len(xs)-2]
		for r := 0; r*k < len(x); r++ {
			widenMinus(dst[r*k:(r+1)*k], x[r*k:(r+1)*k], zeroPointAt(zp, r%m))
		}
	case 2:
		k := xs[len(xs)-1]
		for lo := 0; lo < len(x); lo += k {
			d, s := dst[lo:lo+k], x[lo:lo+k]
			for i, v := range s {
				d[i] = int32(v) - zeroPointAt(zp, i)
			}
		}
	}
}

// qmmArgs are a MatMulInteger or QLinearMatMul call's checked operands.
type qmmArgs struct {
	e              *qmmCached
	a, azp, b, bzp *tensor.Tensor
	akind, bkind   int
}

// operands checks A and B with their zero points and resolves the product.
func (c *qmatmul) operands(op string, a, azp, b, bzp *tensor.Tensor) (q qmmArgs, err error) {
	q.a, q.azp, q.b, q.bzp = a, azp, b, bzp
	if q.e, err = c.plan(a.Shape(), b.Shape()); err != nil {
		return q, err
	}
	if q.akind, err = zeroPointKind(a, azp, true); err != nil {
		return q, fmt.Errorf("%s a_zero_point: %w", op, err)
	}
	if q.bkind, err = zeroPointKind(b, bzp, false); err != nil {
		return q, fmt.Errorf("%s b_zero_point: %w", op, err)
	}
	return q, nil
}

// product computes the int32 product of the zero-pointed operands into acc.
func (q *qmmArgs) product(acc []int32, buf *qbuf) error {
	av, bv := int32s(&buf.a, q.a.Len()), int32s(&buf.b, q.b.Len())
	if err := zeroPointInto(av, q.a, q.azp, true, q.akind); err != nil {
		return err
	}
	if err := zeroPointInto(bv, q.b, q.bzp, false, q.bkind); err != nil {
		return err
	}
	q.e.mul(av, bv, acc)
	return nil
}

// bindMatMulInteger binds MatMulInteger-10: Y (int32) = (A − a_zero_point) · (B − b_zero_point).
func bindMatMulInteger(n *ops.Node) (ops.Kernel, error) {
	c := &qmatmul{}
	args := func(in []*tensor.Tensor) (qmmArgs, error) {
		if len(in) < 2 || in[0] == nil || in[1] == nil {
			return qmmArgs{}, fmt.Errorf("MatMulInteger needs inputs A and B")
		}
		for _, t := range [2]*tensor.Tensor{in[0], in[1]} {
			if t.DType() != tensor.Uint8 && t.DType() != tensor.Int8 {
				return qmmArgs{}, fmt.Errorf("MatMulInteger inputs must be int8 or uint8, got %v", t.DType())
			}
		}
		return c.operands("MatMulInteger", in[0], optIn(in, 2), in[1], optIn(in, 3))
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			q, err := args(in)
			if err != nil {
				return err
			}
			setOut(out, tensor.Int32, q.e.p.out)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			q, err := args(in)
			if err != nil {
				return err
			}
			y := optIn(out, 0)
			if y == nil {
				return nil
			}
			buf := qbufs.Get()
			err = q.product(y.Int32s(), buf)
			qbufs.Put(buf)
			return err
		},
	})
}

// qlinearMMArgs are a QLinearMatMul call's checked inputs.
type qlinearMMArgs struct {
	qmmArgs
	as, bs, ys, yzp *tensor.Tensor
	sa, sb          tensor.Shape // the scales' broadcast shapes when skind is 2
	skind           int          // 0 scalar scales, 1 a per row and b per column, 2 any other broadcast
}

// bindQLinearMatMul binds QLinearMatMul-10 and -21: the product of
// the dequantized A and B requantized with y_scale and y_zero_point.
func bindQLinearMatMul(n *ops.Node) (ops.Kernel, error) {
	opset := n.Opset
	c := &qmatmul{}
	args := func(in []*tensor.Tensor) (q qlinearMMArgs, err error) {
		if len(in) < 8 {
			return q, fmt.Errorf("QLinearMatMul needs 8 inputs")
		}
		for i, t := range in[:8] {
			if t == nil {
				return q, fmt.Errorf("QLinearMatMul input %d is missing", i)
			}
		}
		a, azp, b, bzp := in[0], in[2], in[3], in[5]
		q.as, q.bs, q.ys, q.yzp = in[1], in[4], in[6], in[7]
		for _, t := range [3]*tensor.Tensor{a, b, q.yzp} {
			if t.DType() != tensor.Uint8 && t.DType() != tensor.Int8 {
				return q, fmt.Errorf("QLinearMatMul quantized inputs must be int8 or uint8, got %v", t.DType())
			}
		}
		for _, t := range [3]*tensor.Tensor{q.as, q.bs, q.ys} {
			// QLinearMatMul-21 also allows float16 and bfloat16 scales.
			half := t.DType() == tensor.Float16 || t.DType() == tensor.BFloat16
			if t.DType() != tensor.Float32 && !(half && opset >= 21) {
				return q, fmt.Errorf("QLinearMatMul scales must be float32, got %v", t.DType())
			}
		}
		if q.ys.Len() != 1 || q.yzp.Len() != 1 {
			return q, fmt.Errorf("QLinearMatMul y_scale and y_zero_point must be scalars")
		}
		if q.qmmArgs, err = c.operands("QLinearMatMul", a, azp, b, bzp); err != nil {
			return q, err
		}
		if q.as.Len() == 1 && q.bs.Len() == 1 {
			return q, nil
		}
		if a.Rank() < 2 || b.Rank() < 2 {
			return q, fmt.Errorf("QLinearMatMul: per-row/column scales need 2-D or higher operands")
		}
		out := q.e.p.out
		// a's scale per row ([M]) and b's per column ([N]) need no general
		// broadcast.
		rowA := q.as.Len() == 1 || (q.as.Rank() == 1 && q.as.Len() == out[len(out)-2])
		colB := q.bs.Len() == 1 || (q.bs.Rank() == 1 && q.bs.Len() == out[len(out)-1])
		if rowA && colB {
			q.skind = 1
			return q, nil
		}
		q.sa = scaleShape(q.as, true, a.Rank())
		q.sb = scaleShape(q.bs, false, b.Rank())
		// a's scale is per row ([…, M, 1]), b's per column ([…, 1, N]); both
		// broadcast over the output.
		bsOut, err := ops.BroadcastShape(out, q.sa, q.sb)
		if err != nil || !bsOut.Equal(out) {
			return q, fmt.Errorf("QLinearMatMul scale shapes %v and %v do not fit output %v", q.as.Shape(), q.bs.Shape(), out)
		}
		q.skind = 2
		return q, nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			q, err := args(in)
			if err != nil {
				return err
			}
			setOut(out, q.yzp.DType(), q.e.p.out)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			q, err := args(in)
			if err != nil {
				return err
			}
			y := optIn(out, 0)
			if y == nil {
				return nil
			}
			if y.DType() != q.yzp.DType() {
				return fmt.Errorf("QLinearMatMul: output is %v, want %v", y.DType(), q.yzp.DType())
			}
			buf := qbufs.Get()
			defer qbufs.Put(buf)
			acc := int32s(&buf.acc, q.e.p.out.NumElements())
			if err := q.product(acc, buf); err != nil {
				return err
			}
			yscale := asF32(q.ys)[0]
			zf := float64(zeroPointAt(q.yzp, 0))
			asd, bsd := asF32(q.as), asF32(q.bs)
			switch q.skind {
			case 0:
				requantizeInto(y, 0, acc, asd[0]*bsd[0]/yscale, zf)
			case 1:
				if y.DType() == tensor.Uint8 {
					requantizeRowCol(y.Uint8s(), acc, asd, bsd, q.e.p.m, q.e.p.n, yscale, zf, 0, 255)
				} else {
					requantizeRowCol(y.Int8s(), acc, asd, bsd, q.e.p.m, q.e.p.n, yscale, zf, -128, 127)
				}
			default:
				ops.BroadcastIndex(q.e.p.out, []tensor.Shape{q.sa, q.sb}, func(o int, offs []int) {
					requantizeInto(y, o, acc[o:o+1], asd[offs[0]]*bsd[offs[1]]/yscale, zf)
				})
			}
			return nil
		},
	})
}

// requantizeRowCol is requantize with a multiplier per element of an
// [.., m, n] product: sa[r % m] · sb[j] / yscale at row r, column j, a
// scale of one element applying everywhere.
func requantizeRowCol[Q uint8 | int8](y []Q, acc []int32, sa, sb []float32, m, n int, yscale float32, zf, lo, hi float64) {
	for r := 0; r*n < len(acc); r++ {
		a := sa[0]
		if len(sa) > 1 {
			a = sa[r%m]
		}
		ys, as := y[r*n:(r+1)*n], acc[r*n:(r+1)*n]
		for j, v := range as {
			b := sb[0]
			if len(sb) > 1 {
				b = sb[j]
			}
			ys[j] = saturate[Q](float64(roundF32(float32(v)*(a*b/yscale)))+zf, lo, hi)
		}
	}
}
