package nn

// The quantization kernels as they were before they got planned forms,
// kept as the reference the planned kernels must reproduce bit for bit
// (quant_planned_test.go).

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// qrefQuantAxis resolves per-tensor vs per-axis quantization parameters: it
// returns, for element i of x, the parameter index (i / inner) % dim, or
// dim == 1 for per-tensor.
func qrefQuantAxis(op string, xs tensor.Shape, scale *tensor.Tensor, axis int64) (inner, dim int, err error) {
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

func qrefBindQuantizeLinear(n *ops.Node) (ops.Kernel, error) {
	axis, err := n.Int("axis", 1)
	if err != nil {
		return nil, err
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 2 || in[0] == nil || in[1] == nil {
			return nil, fmt.Errorf("QuantizeLinear needs inputs x and y_scale")
		}
		x, sc := in[0], in[1]
		var zp *tensor.Tensor
		if len(in) > 2 {
			zp = in[2]
		}
		if !isFloat(sc.DType()) {
			return nil, fmt.Errorf("QuantizeLinear: y_scale must be float, got %v", sc.DType())
		}
		if !isFloat(x.DType()) && x.DType() != tensor.Int32 {
			return nil, fmt.Errorf("QuantizeLinear: x must be float or int32, got %v", x.DType())
		}
		inner, dim, err := qrefQuantAxis("QuantizeLinear", x.Shape(), sc, axis)
		if err != nil {
			return nil, err
		}
		odt := tensor.Uint8
		var z []int32
		if zp != nil {
			odt = zp.DType()
			if _, _, err := quantRange(odt); err != nil {
				return nil, fmt.Errorf("QuantizeLinear: %w", err)
			}
			if zp.Len() != sc.Len() {
				return nil, fmt.Errorf("QuantizeLinear: y_zero_point shape %v differs from y_scale shape %v", zp.Shape(), sc.Shape())
			}
			z, _ = intVals(zp)
		} else {
			z = make([]int32, sc.Len())
		}
		s := asF32(sc)
		y := tensor.New(odt, x.Shape()...)
		if x.DType() == tensor.Float64 {
			xv := x.Float64s()
			for i, v := range xv {
				p := (i / inner) % dim
				storeQuant(y, i, math.RoundToEven(v/float64(s[p]))+float64(z[p]))
			}
		} else {
			var xv []float32
			if x.DType() == tensor.Int32 {
				xv = make([]float32, x.Len())
				for i, v := range x.Int32s() {
					xv[i] = float32(v)
				}
			} else {
				xv = asF32(x)
			}
			for i, v := range xv {
				p := (i / inner) % dim
				storeQuant(y, i, float64(roundF32(v/s[p]))+float64(z[p]))
			}
		}
		return []*tensor.Tensor{y}, nil
	}, nil
}

func qrefBindDequantizeLinear(n *ops.Node) (ops.Kernel, error) {
	axis, err := n.Int("axis", 1)
	if err != nil {
		return nil, err
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 2 || in[0] == nil || in[1] == nil {
			return nil, fmt.Errorf("DequantizeLinear needs inputs x and x_scale")
		}
		x, sc := in[0], in[1]
		var zp *tensor.Tensor
		if len(in) > 2 {
			zp = in[2]
		}
		if !isFloat(sc.DType()) {
			return nil, fmt.Errorf("DequantizeLinear: x_scale must be float, got %v", sc.DType())
		}
		switch x.DType() {
		case tensor.Uint8, tensor.Int8, tensor.Int32:
		default:
			return nil, fmt.Errorf("DequantizeLinear: x must be int8, uint8 or int32, got %v", x.DType())
		}
		inner, dim, err := qrefQuantAxis("DequantizeLinear", x.Shape(), sc, axis)
		if err != nil {
			return nil, err
		}
		xv, _ := intVals(x)
		z := make([]int32, sc.Len())
		if zp != nil {
			if zp.DType() != x.DType() {
				return nil, fmt.Errorf("DequantizeLinear: x_zero_point dtype %v differs from x dtype %v", zp.DType(), x.DType())
			}
			if zp.Len() != sc.Len() {
				return nil, fmt.Errorf("DequantizeLinear: x_zero_point shape %v differs from x_scale shape %v", zp.Shape(), sc.Shape())
			}
			z, _ = intVals(zp)
		}
		s := asF32(sc)
		y := make([]float32, len(xv))
		for i, v := range xv {
			p := (i / inner) % dim
			y[i] = float32(v-z[p]) * s[p]
		}
		odt := sc.DType()
		return []*tensor.Tensor{newFloat(odt, x.Shape(), y)}, nil
	}, nil
}

func qrefBindDynamicQuantizeLinear(n *ops.Node) (ops.Kernel, error) {
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 1 || in[0] == nil {
			return nil, fmt.Errorf("DynamicQuantizeLinear needs input x")
		}
		if err := needFloat("x", in[0]); err != nil {
			return nil, err
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
		y := tensor.New(tensor.Uint8, in[0].Shape()...)
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
		return []*tensor.Tensor{y, tensor.Scalar(scale), tensor.Scalar(uint8(zp))}, nil
	}, nil
}

// qrefQuantConvInputs returns x − x_zero_point and w − w_zero_point (per output
// channel when w_zero_point is 1-D) as int32.
func qrefQuantConvInputs(op string, x, xzp, w, wzp *tensor.Tensor) ([]int32, []int32, error) {
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

func qrefBindConvInteger(n *ops.Node) (ops.Kernel, error) {
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
		xv, wv, err := qrefQuantConvInputs("ConvInteger", in[0], xzp, in[1], wzp)
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

func qrefBindQLinearConv(n *ops.Node) (ops.Kernel, error) {
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
		xv, wv, err := qrefQuantConvInputs("QLinearConv", x, xzp, w, wzp)
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

func qrefBindMatMulInteger(n *ops.Node) (ops.Kernel, error) {
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 2 || in[0] == nil || in[1] == nil {
			return nil, fmt.Errorf("MatMulInteger needs inputs A and B")
		}
		var azp, bzp *tensor.Tensor
		if len(in) > 2 {
			azp = in[2]
		}
		if len(in) > 3 {
			bzp = in[3]
		}
		for _, t := range []*tensor.Tensor{in[0], in[1]} {
			if t.DType() != tensor.Uint8 && t.DType() != tensor.Int8 {
				return nil, fmt.Errorf("MatMulInteger inputs must be int8 or uint8, got %v", t.DType())
			}
		}
		p, err := planMatMul(in[0].Shape(), in[1].Shape())
		if err != nil {
			return nil, err
		}
		a, err := zeroPointed(in[0], azp, true)
		if err != nil {
			return nil, fmt.Errorf("MatMulInteger a_zero_point: %w", err)
		}
		b, err := zeroPointed(in[1], bzp, false)
		if err != nil {
			return nil, fmt.Errorf("MatMulInteger b_zero_point: %w", err)
		}
		c := make([]int32, p.out.NumElements())
		mmRun(p, a, b, c)
		return []*tensor.Tensor{fromSlice(c, p.out)}, nil
	}, nil
}

func qrefBindQLinearMatMul(n *ops.Node) (ops.Kernel, error) {
	opset := n.Opset
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 8 {
			return nil, fmt.Errorf("QLinearMatMul needs 8 inputs")
		}
		for i, t := range in[:8] {
			if t == nil {
				return nil, fmt.Errorf("QLinearMatMul input %d is missing", i)
			}
		}
		a, as, azp, b, bs, bzp, ys, yzp := in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7]
		for _, t := range []*tensor.Tensor{a, b, yzp} {
			if t.DType() != tensor.Uint8 && t.DType() != tensor.Int8 {
				return nil, fmt.Errorf("QLinearMatMul quantized inputs must be int8 or uint8, got %v", t.DType())
			}
		}
		for _, t := range []*tensor.Tensor{as, bs, ys} {
			// QLinearMatMul-21 also allows float16 and bfloat16 scales.
			half := t.DType() == tensor.Float16 || t.DType() == tensor.BFloat16
			if t.DType() != tensor.Float32 && !(half && opset >= 21) {
				return nil, fmt.Errorf("QLinearMatMul scales must be float32, got %v", t.DType())
			}
		}
		if ys.Len() != 1 || yzp.Len() != 1 {
			return nil, fmt.Errorf("QLinearMatMul y_scale and y_zero_point must be scalars")
		}
		p, err := planMatMul(a.Shape(), b.Shape())
		if err != nil {
			return nil, err
		}
		av, err := zeroPointed(a, azp, true)
		if err != nil {
			return nil, fmt.Errorf("QLinearMatMul a_zero_point: %w", err)
		}
		bv, err := zeroPointed(b, bzp, false)
		if err != nil {
			return nil, fmt.Errorf("QLinearMatMul b_zero_point: %w", err)
		}
		acc := make([]int32, p.out.NumElements())
		mmRun(p, av, bv, acc)
		yscale := asF32(ys)[0]
		yz, _ := intVals(yzp)
		out := tensor.New(yzp.DType(), p.out...)
		asd, bsd := asF32(as), asF32(bs)
		if len(asd) == 1 && len(bsd) == 1 {
			mult := asd[0] * bsd[0] / yscale
			for i, v := range acc {
				storeQuant(out, i, float64(roundF32(float32(v)*mult))+float64(yz[0]))
			}
			return []*tensor.Tensor{out}, nil
		}
		if a.Rank() < 2 || b.Rank() < 2 {
			return nil, fmt.Errorf("QLinearMatMul: per-row/column scales need 2-D or higher operands")
		}
		sa := scaleShape(as, true, a.Rank())
		sb := scaleShape(bs, false, b.Rank())
		// a's scale is per row ([…, M, 1]), b's per column ([…, 1, N]); both
		// broadcast over the output.
		bsOut, err := ops.BroadcastShape(p.out, sa, sb)
		if err != nil || !bsOut.Equal(p.out) {
			return nil, fmt.Errorf("QLinearMatMul scale shapes %v and %v do not fit output %v", as.Shape(), bs.Shape(), p.out)
		}
		ops.BroadcastIndex(p.out, []tensor.Shape{sa, sb}, func(o int, offs []int) {
			mult := asd[offs[0]] * bsd[offs[1]] / yscale
			storeQuant(out, o, float64(roundF32(float32(acc[o])*mult))+float64(yz[0]))
		})
		return []*tensor.Tensor{out}, nil
	}, nil
}
