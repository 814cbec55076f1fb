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
