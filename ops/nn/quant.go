package nn

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

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

func bindQuantizeLinear(n *ops.Node) (ops.Kernel, error) {
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
		inner, dim, err := quantAxis("QuantizeLinear", x.Shape(), sc, axis)
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

func bindDequantizeLinear(n *ops.Node) (ops.Kernel, error) {
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
		inner, dim, err := quantAxis("DequantizeLinear", x.Shape(), sc, axis)
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

func bindDynamicQuantizeLinear(n *ops.Node) (ops.Kernel, error) {
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
