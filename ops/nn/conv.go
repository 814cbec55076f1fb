package nn

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// convPlan is a resolved forward convolution.
type convPlan struct {
	n, c, m, group int
	g              *geom
	out            tensor.Shape
}

// planConv validates X [N, C, D...] against W [M, C/group, k...] and resolves
// the output shape.
func planConv(a *windowAttrs, xs, ws tensor.Shape) (*convPlan, error) {
	if len(xs) < 3 {
		return nil, fmt.Errorf("%s: input X must have rank ≥ 3, has shape %v", a.op, xs)
	}
	if len(ws) != len(xs) {
		return nil, fmt.Errorf("%s: W shape %v has a different rank from X shape %v", a.op, ws, xs)
	}
	p := &convPlan{n: xs[0], c: xs[1], m: ws[0], group: a.group}
	if p.c%p.group != 0 || p.m%p.group != 0 {
		return nil, fmt.Errorf("%s: group %d does not divide input channels %d and output channels %d", a.op, p.group, p.c, p.m)
	}
	if ws[1]*p.group != p.c {
		return nil, fmt.Errorf("%s: W shape %v expects %d input channels per group, X %v has %d channels in %d groups", a.op, ws, ws[1], xs, p.c, p.group)
	}
	k := []int(ws[2:])
	if a.kernel != nil {
		if len(a.kernel) != len(k) {
			return nil, fmt.Errorf("%s: kernel_shape %v does not match W shape %v", a.op, a.kernel, ws)
		}
		for i := range k {
			if a.kernel[i] != k[i] {
				return nil, fmt.Errorf("%s: kernel_shape %v does not match W shape %v", a.op, a.kernel, ws)
			}
		}
	}
	for _, v := range k {
		if v == 0 {
			return nil, fmt.Errorf("%s: W shape %v has an empty kernel", a.op, ws)
		}
	}
	g, err := a.forward([]int(xs[2:]), k)
	if err != nil {
		return nil, err
	}
	p.g = g
	if p.out, err = spatialShape(p.n, p.m, g.out); err != nil {
		return nil, err
	}
	return p, nil
}

// convRun computes y (zeroed, shape p.out) = conv(x, w).
func convRun[T num](p *convPlan, x, w, y []T) error {
	cg, mg := p.c/p.group, p.m/p.group
	K := prod(p.g.k)
	I, O := prod(p.g.in), prod(p.g.out)
	rows := cg * K
	if len(y) == 0 || rows == 0 {
		return nil
	}
	pointwise := p.g.isPointwise()
	var col []T
	if !pointwise {
		if err := (tensor.Shape{rows, O}).Check(); err != nil {
			return fmt.Errorf("conv: im2col buffer: %w", err)
		}
		col = make([]T, rows*O)
	}
	for n := 0; n < p.n; n++ {
		for gi := 0; gi < p.group; gi++ {
			xg := x[(n*p.c+gi*cg)*I : (n*p.c+(gi+1)*cg)*I]
			b := xg
			if !pointwise {
				im2col(xg, cg, p.g, col, false)
				b = col
			}
			wg := w[gi*mg*rows : (gi+1)*mg*rows]
			yg := y[(n*p.m+gi*mg)*O : (n*p.m+(gi+1)*mg)*O]
			gemm(false, false, mg, O, rows, 1, wg, rows, b, O, yg, O)
		}
	}
	return nil
}

// addBias adds b[m] to every element of channel m of y ([N, M, spatial...]).
func addBias[T num](y []T, n, m, o int, b []T) {
	for i := 0; i < n; i++ {
		for c := 0; c < m; c++ {
			v := b[c]
			seg := y[(i*m+c)*o : (i*m+c+1)*o]
			for j := range seg {
				seg[j] += v
			}
		}
	}
}

func bindConv(n *ops.Node) (ops.Kernel, error) {
	a, err := parseWindowAttrs(n, "Conv", true)
	if err != nil {
		return nil, err
	}
	fast := &convFast{pool: poolOf(n), a: a, constW: f32Const(n, 1)}
	check := func(in []*tensor.Tensor) error {
		if len(in) < 2 {
			return fmt.Errorf("Conv needs inputs X and W")
		}
		if err := needFloat("X", in[0]); err != nil {
			return err
		}
		if err := needFloat("W", in[1]); err != nil {
			return err
		}
		x, w, b := in[0], in[1], optIn(in, 2)
		if w.DType() != x.DType() || (b != nil && b.DType() != x.DType()) {
			return fmt.Errorf("Conv input dtypes differ")
		}
		return nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if err := check(in); err != nil {
				return err
			}
			return fast.infer(in[0], in[1], optIn(in, 2), nil, &out[0])
		},
		Run: func(in, out []*tensor.Tensor) error {
			x, w, b := in[0], in[1], optIn(in, 2)
			if x.DType() == tensor.Float32 {
				return fast.run(x, w, b, nil, out[0])
			}
			c, err := fast.plan(x.Shape(), w.Shape())
			if err != nil {
				return err
			}
			var y *tensor.Tensor
			if x.DType() == tensor.Float64 {
				y, err = convFloat[float64](c.p, x, w, b)
			} else {
				y, err = convFloat[float32](c.p, x, w, b)
			}
			if err != nil {
				return err
			}
			return copyResult(out[0], y)
		},
	})
}

func convFloat[T ops.Float](p *convPlan, x, w, b *tensor.Tensor) (*tensor.Tensor, error) {
	y := make([]T, p.out.NumElements())
	if err := convRun(p, asFloat[T](x), asFloat[T](w), y); err != nil {
		return nil, err
	}
	if b != nil {
		addBias(y, p.n, p.m, prod(p.g.out), asFloat[T](b))
	}
	return newFloat(x.DType(), p.out, y), nil
}

// ---- ConvTranspose ----

type convTAttrs struct {
	*windowAttrs
	outPad   []int
	outShape []int
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
	pool := poolOf(n)
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 2 {
			return nil, fmt.Errorf("ConvTranspose needs inputs X and W")
		}
		if err := needFloat("X", in[0]); err != nil {
			return nil, err
		}
		if err := needFloat("W", in[1]); err != nil {
			return nil, err
		}
		x, w := in[0], in[1]
		var b *tensor.Tensor
		if len(in) > 2 {
			b = in[2]
		}
		if w.DType() != x.DType() || (b != nil && b.DType() != x.DType()) {
			return nil, fmt.Errorf("ConvTranspose input dtypes differ")
		}
		p, err := a.plan(x.Shape(), w.Shape())
		if err != nil {
			return nil, err
		}
		if b != nil && (b.Len() != p.m || b.Rank() != 1) {
			return nil, fmt.Errorf("ConvTranspose bias shape %v, want [%d]", b.Shape(), p.m)
		}
		if x.DType() == tensor.Float32 {
			y, ok, err := convTFast(pool, p, x, w, b)
			if err != nil {
				return nil, err
			}
			if ok {
				return []*tensor.Tensor{y}, nil
			}
		}
		var out *tensor.Tensor
		if x.DType() == tensor.Float64 {
			out, err = convTFloat[float64](p, x, w, b)
		} else {
			out, err = convTFloat[float32](p, x, w, b)
		}
		if err != nil {
			return nil, err
		}
		return []*tensor.Tensor{out}, nil
	}, nil
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

// ---- ConvInteger / QLinearConv ----

// quantConvInputs returns x − x_zero_point and w − w_zero_point (per output
// channel when w_zero_point is 1-D) as int32.
func quantConvInputs(op string, x, xzp, w, wzp *tensor.Tensor) ([]int32, []int32, error) {
	for _, t := range []*tensor.Tensor{x, w} {
		if t.DType() != tensor.Uint8 && t.DType() != tensor.Int8 {
			return nil, nil, fmt.Errorf("%s: quantized inputs must be int8 or uint8, got %v", op, t.DType())
		}
	}
	xv, _ := intVals(x)
	wv, _ := intVals(w)
	if xzp != nil {
		if xzp.Len() != 1 || xzp.DType() != x.DType() {
			return nil, nil, fmt.Errorf("%s: x_zero_point must be a scalar of the input's type", op)
		}
		z, _ := intVals(xzp)
		for i := range xv {
			xv[i] -= z[0]
		}
	}
	if wzp != nil {
		if wzp.DType() != w.DType() {
			return nil, nil, fmt.Errorf("%s: w_zero_point dtype %v differs from w dtype %v", op, wzp.DType(), w.DType())
		}
		z, _ := intVals(wzp)
		m := 1
		if w.Rank() > 0 {
			m = w.Shape()[0]
		}
		switch {
		case len(z) == 1:
			for i := range wv {
				wv[i] -= z[0]
			}
		case len(z) == m && wzp.Rank() == 1 && m > 0:
			per := len(wv) / m
			for c := 0; c < m; c++ {
				for i := c * per; i < (c+1)*per; i++ {
					wv[i] -= z[c]
				}
			}
		default:
			return nil, nil, fmt.Errorf("%s: w_zero_point shape %v is neither scalar nor [M]", op, wzp.Shape())
		}
	}
	return xv, wv, nil
}

func bindConvInteger(n *ops.Node) (ops.Kernel, error) {
	a, err := parseWindowAttrs(n, "ConvInteger", true)
	if err != nil {
		return nil, err
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 2 || in[0] == nil || in[1] == nil {
			return nil, fmt.Errorf("ConvInteger needs inputs x and w")
		}
		var xzp, wzp *tensor.Tensor
		if len(in) > 2 {
			xzp = in[2]
		}
		if len(in) > 3 {
			wzp = in[3]
		}
		p, err := planConv(a, in[0].Shape(), in[1].Shape())
		if err != nil {
			return nil, err
		}
		xv, wv, err := quantConvInputs("ConvInteger", in[0], xzp, in[1], wzp)
		if err != nil {
			return nil, err
		}
		y := make([]int32, p.out.NumElements())
		if err := convRun(p, xv, wv, y); err != nil {
			return nil, err
		}
		return []*tensor.Tensor{fromSlice(y, p.out)}, nil
	}, nil
}

func bindQLinearConv(n *ops.Node) (ops.Kernel, error) {
	a, err := parseWindowAttrs(n, "QLinearConv", true)
	if err != nil {
		return nil, err
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 8 {
			return nil, fmt.Errorf("QLinearConv needs at least 8 inputs")
		}
		for i, t := range in[:8] {
			if t == nil {
				return nil, fmt.Errorf("QLinearConv input %d is missing", i)
			}
		}
		x, xs, xzp, w, wsc, wzp, ys, yzp := in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7]
		var b *tensor.Tensor
		if len(in) > 8 {
			b = in[8]
		}
		p, err := planConv(a, x.Shape(), w.Shape())
		if err != nil {
			return nil, err
		}
		xv, wv, err := quantConvInputs("QLinearConv", x, xzp, w, wzp)
		if err != nil {
			return nil, err
		}
		xscale, err := scalarF32("x_scale", xs)
		if err != nil {
			return nil, err
		}
		yscale, err := scalarF32("y_scale", ys)
		if err != nil {
			return nil, err
		}
		if !isFloat(wsc.DType()) || (wsc.Len() != 1 && wsc.Len() != p.m) {
			return nil, fmt.Errorf("QLinearConv: w_scale shape %v is neither scalar nor [%d]", wsc.Shape(), p.m)
		}
		wscale := asF32(wsc)
		if yzp.Len() != 1 {
			return nil, fmt.Errorf("QLinearConv: y_zero_point must be a scalar")
		}
		if _, _, err := quantRange(yzp.DType()); err != nil {
			return nil, err
		}
		yz, _ := intVals(yzp)
		acc := make([]int32, p.out.NumElements())
		if err := convRun(p, xv, wv, acc); err != nil {
			return nil, err
		}
		O := prod(p.g.out)
		if b != nil {
			if b.DType() != tensor.Int32 || b.Len() != p.m {
				return nil, fmt.Errorf("QLinearConv: bias must be int32 [%d], got %v %v", p.m, b.DType(), b.Shape())
			}
			addBias(acc, p.n, p.m, O, b.Int32s())
		}
		out := tensor.New(yzp.DType(), p.out...)
		for i := 0; i < p.n; i++ {
			for c := 0; c < p.m; c++ {
				ws := wscale[0]
				if len(wscale) > 1 {
					ws = wscale[c]
				}
				mult := xscale * ws / yscale
				base := (i*p.m + c) * O
				for j := base; j < base+O; j++ {
					storeQuant(out, j, float64(roundF32(float32(acc[j])*mult))+float64(yz[0]))
				}
			}
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}
