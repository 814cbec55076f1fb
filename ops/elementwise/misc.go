package elementwise

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// ---- Sum, Mean, Max, Min ----

func bindVariadic(name string, k binKind, mean bool) ops.BindFunc {
	return func(n *ops.Node) (ops.Kernel, error) {
		nin := n.NumInputs()
		return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			if len(in) > nin {
				in = in[:nin]
			}
			if len(in) == 0 {
				return nil, fmt.Errorf("%s: needs at least one input", name)
			}
			if err := need(in, len(in)); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			dt := in[0].DType()
			for _, t := range in[1:] {
				if err := sameType(in[0], t); err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
			}
			if mean && !dt.IsFloat() {
				return nil, fmt.Errorf("%s: input type %v is not a floating-point type", name, dt)
			}
			if len(in) == 1 {
				return []*tensor.Tensor{in[0]}, nil
			}
			acc := widen(in[0])
			for _, t := range in[1:] {
				var err error
				if acc, err = arith(k, acc, widen(t)); err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
			}
			if mean {
				cnt := float64(len(in))
				switch acc.DType() {
				case tensor.Float32:
					c := float32(cnt)
					for i, v := range acc.Float32s() {
						acc.Float32s()[i] = v / c
					}
				case tensor.Float64:
					for i, v := range acc.Float64s() {
						acc.Float64s()[i] = v / cnt
					}
				}
			}
			return []*tensor.Tensor{narrow(acc, dt)}, nil
		}, nil
	}
}

// ---- Clip ----

func clipT[T ops.Numeric](x, lo, hi *tensor.Tensor) *tensor.Tensor {
	out := tensor.New(x.DType(), x.Shape()...)
	o := tensor.Data[T](out)
	copy(o, tensor.Data[T](x))
	if lo != nil {
		l := tensor.Data[T](lo)[0]
		for i, v := range o {
			if v < l {
				o[i] = l
			}
		}
	}
	if hi != nil {
		h := tensor.Data[T](hi)[0]
		for i, v := range o {
			if v > h {
				o[i] = h
			}
		}
	}
	return out
}

func clip(x, lo, hi *tensor.Tensor) (*tensor.Tensor, error) {
	for _, b := range []*tensor.Tensor{lo, hi} {
		if b == nil {
			continue
		}
		if b.Len() != 1 {
			return nil, fmt.Errorf("min and max must be scalars, got shape %v", b.Shape())
		}
		if err := sameType(x, b); err != nil {
			return nil, err
		}
	}
	switch dt := x.DType(); dt {
	case tensor.Float32:
		return clipT[float32](x, lo, hi), nil
	case tensor.Float64:
		return clipT[float64](x, lo, hi), nil
	case tensor.Float16, tensor.BFloat16:
		var wl, wh *tensor.Tensor
		if lo != nil {
			wl = widen(lo)
		}
		if hi != nil {
			wh = widen(hi)
		}
		return narrow(clipT[float32](widen(x), wl, wh), dt), nil
	case tensor.Int8:
		return clipT[int8](x, lo, hi), nil
	case tensor.Int16:
		return clipT[int16](x, lo, hi), nil
	case tensor.Int32:
		return clipT[int32](x, lo, hi), nil
	case tensor.Int64:
		return clipT[int64](x, lo, hi), nil
	case tensor.Uint8:
		return clipT[uint8](x, lo, hi), nil
	case tensor.Uint16:
		return clipT[uint16](x, lo, hi), nil
	case tensor.Uint32:
		return clipT[uint32](x, lo, hi), nil
	case tensor.Uint64:
		return clipT[uint64](x, lo, hi), nil
	}
	return nil, fmt.Errorf("input type %v is not supported", x.DType())
}

func bindClip(n *ops.Node) (ops.Kernel, error) {
	if n.Opset >= 11 {
		return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			if err := need(in, 1); err != nil {
				return nil, err
			}
			out, err := clip(in[0], opt(in, 1), opt(in, 2))
			if err != nil {
				return nil, fmt.Errorf("Clip: %w", err)
			}
			return []*tensor.Tensor{out}, nil
		}, nil
	}
	// Opset 1 and 6: bounds are attributes. Opset 1 leaves an absent bound
	// open; opset 6 defaults to ±FLT_MAX.
	var bounds [2]*tensor.Tensor
	for i, name := range []string{"min", "max"} {
		def := float32(math.MaxFloat32)
		if i == 0 {
			def = -def
		}
		if n.Opset < 6 && !n.Has(name) {
			continue
		}
		v, err := n.Float(name, def)
		if err != nil {
			return nil, fmt.Errorf("Clip: %w", err)
		}
		bounds[i] = tensor.Scalar(float64(v))
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := need(in, 1); err != nil {
			return nil, err
		}
		var b [2]*tensor.Tensor
		for i, t := range bounds {
			if t != nil {
				c, err := castTensor(t, in[0].DType())
				if err != nil {
					return nil, fmt.Errorf("Clip: %w", err)
				}
				b[i] = c
			}
		}
		out, err := clip(in[0], b[0], b[1])
		if err != nil {
			return nil, fmt.Errorf("Clip: %w", err)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// ---- PRelu ----

func preluFn[T ops.Numeric](x, s T) T {
	if x < 0 {
		return x * s
	}
	return x
}

func prelu(x, s *tensor.Tensor) (*tensor.Tensor, error) {
	if err := sameType(x, s); err != nil {
		return nil, err
	}
	os, err := broadcastOut(x, s)
	if err != nil {
		return nil, err
	}
	if !os.Equal(x.Shape()) {
		return nil, fmt.Errorf("slope shape %v does not broadcast to input shape %v", s.Shape(), x.Shape())
	}
	switch dt := x.DType(); dt {
	case tensor.Float32:
		return binTyped(x, s, dt, os, preluFn[float32]), nil
	case tensor.Float64:
		return binTyped(x, s, dt, os, preluFn[float64]), nil
	case tensor.Float16, tensor.BFloat16:
		return narrow(binTyped(widen(x), widen(s), tensor.Float32, os, preluFn[float32]), dt), nil
	case tensor.Int8:
		return binTyped(x, s, dt, os, preluFn[int8]), nil
	case tensor.Int16:
		return binTyped(x, s, dt, os, preluFn[int16]), nil
	case tensor.Int32:
		return binTyped(x, s, dt, os, preluFn[int32]), nil
	case tensor.Int64:
		return binTyped(x, s, dt, os, preluFn[int64]), nil
	case tensor.Uint8:
		return binTyped(x, s, dt, os, preluFn[uint8]), nil
	case tensor.Uint16:
		return binTyped(x, s, dt, os, preluFn[uint16]), nil
	case tensor.Uint32:
		return binTyped(x, s, dt, os, preluFn[uint32]), nil
	case tensor.Uint64:
		return binTyped(x, s, dt, os, preluFn[uint64]), nil
	}
	return nil, fmt.Errorf("input type %v is not supported", x.DType())
}

func bindPRelu(n *ops.Node) (ops.Kernel, error) {
	legacy := n.Opset < 7
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := need(in, 2); err != nil {
			return nil, err
		}
		x, s := in[0], in[1]
		// Before opset 7 a 1-D slope of length C applies per channel (axis 1).
		if legacy && s.Rank() == 1 && x.Rank() >= 2 && s.Len() == x.Shape()[1] && s.Len() != 1 {
			shape := make([]int, x.Rank()-1)
			for i := range shape {
				shape[i] = 1
			}
			shape[0] = s.Len()
			var err error
			if s, err = s.Reshape(shape...); err != nil {
				return nil, err
			}
		}
		out, err := prelu(x, s)
		if err != nil {
			return nil, fmt.Errorf("PRelu: %w", err)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// ---- Where ----

func whereT[T any](c []bool, cs tensor.Shape, x []T, xs tensor.Shape, y []T, ys tensor.Shape, out []T, os tensor.Shape) {
	n := len(out)
	if len(c) == n && len(x) == n && len(y) == n {
		for i := range out {
			if c[i] {
				out[i] = x[i]
			} else {
				out[i] = y[i]
			}
		}
		return
	}
	ops.BroadcastIndex(os, []tensor.Shape{cs, xs, ys}, func(o int, offs []int) {
		if c[offs[0]] {
			out[o] = x[offs[1]]
		} else {
			out[o] = y[offs[2]]
		}
	})
}

func whereE[T tensor.Elem](c, x, y, out *tensor.Tensor) {
	whereT(c.Bools(), c.Shape(), tensor.Data[T](x), x.Shape(), tensor.Data[T](y), y.Shape(), tensor.Data[T](out), out.Shape())
}

func where(c, x, y *tensor.Tensor) (*tensor.Tensor, error) {
	if c.DType() != tensor.Bool {
		return nil, fmt.Errorf("condition type %v is not bool", c.DType())
	}
	if err := sameType(x, y); err != nil {
		return nil, err
	}
	os, err := broadcastShape(c.Shape(), x.Shape(), y.Shape())
	if err != nil {
		return nil, err
	}
	out := tensor.New(x.DType(), os...)
	switch x.DType() {
	case tensor.String:
		whereT(c.Bools(), c.Shape(), x.Strings(), x.Shape(), y.Strings(), y.Shape(), out.Strings(), os)
	case tensor.Bool:
		whereE[bool](c, x, y, out)
	case tensor.Int8:
		whereE[int8](c, x, y, out)
	case tensor.Uint8:
		whereE[uint8](c, x, y, out)
	case tensor.Int16:
		whereE[int16](c, x, y, out)
	case tensor.Uint16, tensor.Float16, tensor.BFloat16:
		whereE[uint16](c, x, y, out)
	case tensor.Int32:
		whereE[int32](c, x, y, out)
	case tensor.Uint32:
		whereE[uint32](c, x, y, out)
	case tensor.Float32:
		whereE[float32](c, x, y, out)
	case tensor.Int64:
		whereE[int64](c, x, y, out)
	case tensor.Uint64:
		whereE[uint64](c, x, y, out)
	case tensor.Float64:
		whereE[float64](c, x, y, out)
	default:
		return nil, fmt.Errorf("input type %v is not supported", x.DType())
	}
	return out, nil
}

func bindWhere(n *ops.Node) (ops.Kernel, error) {
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := need(in, 3); err != nil {
			return nil, err
		}
		out, err := where(in[0], in[1], in[2])
		if err != nil {
			return nil, fmt.Errorf("Where: %w", err)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// ---- Identity ----

func bindIdentity(n *ops.Node) (ops.Kernel, error) {
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := need(in, 1); err != nil {
			return nil, err
		}
		return []*tensor.Tensor{in[0]}, nil
	}, nil
}

// bindIdentityValue is Identity from opset 14, whose input may also be a
// sequence (14) or an optional (16): it returns its input Value unchanged,
// whether a tensor, an *ops.Sequence or an ops.None.
func bindIdentityValue(n *ops.Node) (ops.ValueKernel, error) {
	return func(in []ops.Value) ([]ops.Value, error) {
		if len(in) < 1 || in[0] == nil {
			return nil, fmt.Errorf("Identity: input 0 is missing")
		}
		return []ops.Value{in[0]}, nil
	}, nil
}
