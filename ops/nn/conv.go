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
