package elementwise

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// ---- Sum, Mean, Max, Min ----

// bindVariadic binds Sum, Mean, Max and Min: k folded over every input, left
// to right, with multidirectional broadcasting (Mean then divides by the
// input count).
func bindVariadic(name string, k binKind, mean bool) ops.BindFunc {
	return func(n *ops.Node) (ops.Kernel, error) {
		nin := n.NumInputs()
		pool := n.Pool
		fn := newBinFns(k)
		// inputs checks the node's inputs and returns the declared ones.
		inputs := func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			if len(in) > nin {
				in = in[:nin]
			}
			if len(in) == 0 {
				return nil, fmt.Errorf("%s: needs at least one input", name)
			}
			if err := need(in, len(in)); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			for _, t := range in[1:] {
				if err := sameType(in[0], t); err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
			}
			if dt := in[0].DType(); mean && !dt.IsFloat() {
				return nil, fmt.Errorf("%s: input type %v is not a floating-point type", name, dt)
			}
			return in, nil
		}
		if nin == 1 {
			// One input: the output is that input.
			return n.Plan(&ops.Planned{
				View: true,
				Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
					in, err := inputs(in)
					if err != nil {
						return err
					}
					sameAs(in[0], out)
					return nil
				},
			})
		}
		return n.Plan(&ops.Planned{
			// y = in[0] k in[1] reads both at y's index only; the later
			// folds read y and in[i ≥ 2], so only the first two inputs
			// may share y's storage.
			InPlace: 1<<0 | 1<<1,
			Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
				in, err := inputs(in)
				if err != nil {
					return err
				}
				dt := in[0].DType()
				if !arithSupports(k, dt) {
					return fmt.Errorf("%s: input type %v is not supported", name, dt)
				}
				os, err := broadcastAll(out[0].Shape, in)
				out[0].Shape = os
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				out[0].DType = dt
				return nil
			},
			Run: func(in, out []*tensor.Tensor) error {
				// y = in[0] k in[1], then y = y k in[i] in place.
				in = in[:min(len(in), nin)]
				y := out[0]
				os := y.Shape()
				switch y.DType() {
				case tensor.Float32:
					o := y.Float32s()
					for i := 1; i < len(in); i++ {
						w := newWork(arithWork)
						w.k, w.o, w.a, w.b = k, o, o, in[i].Float32s()
						if i == 1 {
							w.a = in[0].Float32s()
							w.bc.init(os, in[0].Shape(), in[1].Shape())
						} else {
							w.bc.init(os, os, in[i].Shape())
						}
						w.run(pool, len(o))
					}
					if mean {
						divide(o, float32(len(in)))
					}
				case tensor.Float16, tensor.BFloat16:
					// Accumulate in float32, round once.
					h := halfScratch.Get()
					o := h.buf(0, y.Len())
					var bc bcast
					bc.init(os, in[0].Shape(), in[1].Shape())
					arith32(k, &bc, 0, bc.n, o, h.widen(1, in[0]), h.widen(2, in[1]))
					for _, t := range in[2:] {
						bc.init(os, os, t.Shape())
						arith32(k, &bc, 0, bc.n, o, o, h.widen(1, t))
					}
					if mean {
						divide(o, float32(len(in)))
					}
					tensor.StoreHalf(y, o)
					halfScratch.Put(h)
				default:
					var bc bcast
					bc.init(os, in[0].Shape(), in[1].Shape())
					arithInto(fn, &bc, in[0], in[1], y)
					for _, t := range in[2:] {
						bc.init(os, os, t.Shape())
						arithInto(fn, &bc, y, t, y)
					}
					if mean && y.DType() == tensor.Float64 {
						divide(y.Float64s(), float64(len(in)))
					}
				}
				return nil
			},
		})
	}
}

// divide sets x[i] /= c: Mean's last step.
func divide[T ops.Float](x []T, c T) {
	for i, v := range x {
		x[i] = v / c
	}
}

// ---- Clip ----

// clipSlice sets o = x clamped below by lo (when hasLo) and then above by
// hi (when hasHi).
func clipSlice[T ops.Numeric](o, x []T, lo, hi T, hasLo, hasHi bool) {
	for i, v := range x {
		if hasLo && v < lo {
			v = lo
		}
		if hasHi && v > hi {
			v = hi
		}
		o[i] = v
	}
}

// clipT clamps x into y by the one-element bounds lo and hi (nil: open).
func clipT[T ops.Numeric](x, lo, hi, y *tensor.Tensor) {
	var l, h T
	if lo != nil {
		l = tensor.Data[T](lo)[0]
	}
	if hi != nil {
		h = tensor.Data[T](hi)[0]
	}
	clipSlice(tensor.Data[T](y), tensor.Data[T](x), l, h, lo != nil, hi != nil)
}

// clipInto clamps x into y by the one-element bounds lo and hi (nil:
// open), of x's type.
func clipInto(x, lo, hi, y *tensor.Tensor) {
	switch dt := x.DType(); dt {
	case tensor.Float32:
		clipT[float32](x, lo, hi, y)
	case tensor.Float64:
		clipT[float64](x, lo, hi, y)
	case tensor.Float16, tensor.BFloat16:
		h := halfScratch.Get()
		var l, u float32
		if lo != nil {
			l = h.widen(0, lo)[0]
		}
		if hi != nil {
			u = h.widen(0, hi)[0]
		}
		ys := h.buf(1, x.Len())
		clipSlice(ys, h.widen(2, x), l, u, lo != nil, hi != nil)
		tensor.StoreHalf(y, ys)
		halfScratch.Put(h)
	case tensor.Int8:
		clipT[int8](x, lo, hi, y)
	case tensor.Int16:
		clipT[int16](x, lo, hi, y)
	case tensor.Int32:
		clipT[int32](x, lo, hi, y)
	case tensor.Int64:
		clipT[int64](x, lo, hi, y)
	case tensor.Uint8:
		clipT[uint8](x, lo, hi, y)
	case tensor.Uint16:
		clipT[uint16](x, lo, hi, y)
	case tensor.Uint32:
		clipT[uint32](x, lo, hi, y)
	case tensor.Uint64:
		clipT[uint64](x, lo, hi, y)
	}
}

func bindClip(n *ops.Node) (ops.Kernel, error) {
	// Opset 1 and 6: bounds are attributes. Opset 1 leaves an absent bound
	// open; opset 6 defaults to ±FLT_MAX. From 11 they are inputs.
	attrs := n.Opset < 11
	var bound [2]float64
	var has [2]bool
	if attrs {
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
			bound[i], has[i] = float64(v), true
		}
	}
	pool := n.Pool
	return n.Plan(&ops.Planned{
		InPlace: 1 << 0, // clamps x[i] into y[i]
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if err := need(in, 1); err != nil {
				return err
			}
			x := in[0]
			if !attrs {
				for i := 1; i <= 2; i++ {
					b := opt(in, i)
					if b == nil {
						continue
					}
					if b.Len() != 1 {
						return fmt.Errorf("Clip: min and max must be scalars, got shape %s", fmtShape(b.Shape()))
					}
					if err := sameType(x, b); err != nil {
						return fmt.Errorf("Clip: %w", err)
					}
				}
			}
			if dt := x.DType(); !dt.IsFloat() && !dt.IsInt() {
				return fmt.Errorf("Clip: input type %v is not supported", dt)
			}
			sameAs(x, out)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			x, y := in[0], out[0]
			if x.DType() == tensor.Float32 {
				lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
				switch {
				case attrs:
					if has[0] {
						lo = float32(bound[0])
					}
					if has[1] {
						hi = float32(bound[1])
					}
				default:
					if b := opt(in, 1); b != nil {
						lo = b.Float32s()[0]
					}
					if b := opt(in, 2); b != nil {
						hi = b.Float32s()[0]
					}
				}
				w := newWork(clipWork)
				w.o, w.a, w.lo, w.hi = y.Float32s(), x.Float32s(), lo, hi
				w.run(pool, len(w.o))
				return nil
			}
			var b [2]*tensor.Tensor
			for i := range b {
				switch {
				case !attrs:
					b[i] = opt(in, 1+i)
				case has[i]:
					c, err := castTensor(tensor.Scalar(bound[i]), x.DType())
					if err != nil {
						return fmt.Errorf("Clip: %w", err)
					}
					b[i] = c
				}
			}
			clipInto(x, b[0], b[1], y)
			return nil
		},
	})
}

// ---- PRelu ----

func preluFn[T ops.Numeric](x, s T) T {
	if x < 0 {
		return x * s
	}
	return x
}

// preluInto sets y = PRelu(x, s) over their broadcast bc (x's shape).
func preluInto(bc *bcast, x, s, y *tensor.Tensor) {
	switch dt := x.DType(); dt {
	case tensor.Float32:
		binBC(bc, 0, bc.n, y.Float32s(), x.Float32s(), s.Float32s(), preluFn[float32])
	case tensor.Float64:
		binBC(bc, 0, bc.n, y.Float64s(), x.Float64s(), s.Float64s(), preluFn[float64])
	case tensor.Float16, tensor.BFloat16:
		h := halfScratch.Get()
		ys := h.buf(0, bc.n)
		binBC(bc, 0, bc.n, ys, h.widen(1, x), h.widen(2, s), preluFn[float32])
		tensor.StoreHalf(y, ys)
		halfScratch.Put(h)
	case tensor.Int8:
		binBC(bc, 0, bc.n, tensor.Data[int8](y), tensor.Data[int8](x), tensor.Data[int8](s), preluFn[int8])
	case tensor.Int16:
		binBC(bc, 0, bc.n, tensor.Data[int16](y), tensor.Data[int16](x), tensor.Data[int16](s), preluFn[int16])
	case tensor.Int32:
		binBC(bc, 0, bc.n, tensor.Data[int32](y), tensor.Data[int32](x), tensor.Data[int32](s), preluFn[int32])
	case tensor.Int64:
		binBC(bc, 0, bc.n, tensor.Data[int64](y), tensor.Data[int64](x), tensor.Data[int64](s), preluFn[int64])
	case tensor.Uint8:
		binBC(bc, 0, bc.n, tensor.Data[uint8](y), tensor.Data[uint8](x), tensor.Data[uint8](s), preluFn[uint8])
	case tensor.Uint16:
		binBC(bc, 0, bc.n, tensor.Data[uint16](y), tensor.Data[uint16](x), tensor.Data[uint16](s), preluFn[uint16])
	case tensor.Uint32:
		binBC(bc, 0, bc.n, tensor.Data[uint32](y), tensor.Data[uint32](x), tensor.Data[uint32](s), preluFn[uint32])
	case tensor.Uint64:
		binBC(bc, 0, bc.n, tensor.Data[uint64](y), tensor.Data[uint64](x), tensor.Data[uint64](s), preluFn[uint64])
	}
}

// slopeShape is PRelu's slope shape as broadcasting sees it: before opset 7
// (legacy) a 1-D slope of length C applies per channel (axis 1), and its
// shape is built in buf.
func slopeShape(legacy bool, x, s *tensor.Tensor, buf []int) tensor.Shape {
	if legacy && s.Rank() == 1 && x.Rank() >= 2 && s.Len() == x.Shape()[1] && s.Len() != 1 {
		shape := buf[:0]
		for range x.Rank() - 1 {
			shape = append(shape, 1)
		}
		shape[0] = s.Len()
		return shape
	}
	return s.Shape()
}

func bindPRelu(n *ops.Node) (ops.Kernel, error) {
	legacy := n.Opset < 7
	pool := n.Pool
	return n.Plan(&ops.Planned{
		InPlace: 1 << 0, // y has x's shape; y[i] depends on x[i] alone
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if err := need(in, 2); err != nil {
				return err
			}
			x, s := in[0], in[1]
			if err := sameType(x, s); err != nil {
				return fmt.Errorf("PRelu: %w", err)
			}
			var buf [bcInline]int
			os, err := broadcastInto(out[0].Shape, x.Shape(), slopeShape(legacy, x, s, buf[:]))
			out[0].Shape = os
			if err != nil {
				return fmt.Errorf("PRelu: %w", err)
			}
			if !os.Equal(x.Shape()) {
				return fmt.Errorf("PRelu: slope shape %s does not broadcast to input shape %s", fmtShape(s.Shape()), fmtShape(x.Shape()))
			}
			if dt := x.DType(); !dt.IsFloat() && !dt.IsInt() {
				return fmt.Errorf("PRelu: input type %v is not supported", dt)
			}
			out[0].DType = x.DType()
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			x, s, y := in[0], in[1], out[0]
			var buf [bcInline]int
			ss := slopeShape(legacy, x, s, buf[:])
			if x.DType() == tensor.Float32 {
				w := newWork(preluWork)
				w.o, w.a, w.b = y.Float32s(), x.Float32s(), s.Float32s()
				w.bc.init(y.Shape(), x.Shape(), ss)
				w.run(pool, len(w.o))
				return nil
			}
			var bc bcast
			bc.init(y.Shape(), x.Shape(), ss)
			preluInto(&bc, x, s, y)
			return nil
		},
	})
}

// ---- Where ----

// whereBC sets out = c ? x : y over their broadcast bc (operands c, x, y).
func whereBC[T any](bc *bcast, out []T, c []bool, x, y []T) {
	fc, fx, fy := bc.full[0], bc.full[1], bc.full[2]
	bc.walk(0, bc.n, func(o, n int, off [3]int) {
		d := out[o : o+n]
		if !fc {
			// One condition for the whole run: copy or fill from one side.
			src, at, full := y, off[2], fy
			if c[off[0]] {
				src, at, full = x, off[1], fx
			}
			if full {
				copy(d, src[at:at+n])
				return
			}
			v := src[at]
			for i := range d {
				d[i] = v
			}
			return
		}
		cs := c[off[0] : off[0]+n]
		switch {
		case fx && fy:
			xs, ys := x[off[1]:off[1]+n], y[off[2]:off[2]+n]
			for i, b := range cs {
				if b {
					d[i] = xs[i]
				} else {
					d[i] = ys[i]
				}
			}
		case fx:
			xs, yv := x[off[1]:off[1]+n], y[off[2]]
			for i, b := range cs {
				if b {
					d[i] = xs[i]
				} else {
					d[i] = yv
				}
			}
		case fy:
			xv, ys := x[off[1]], y[off[2]:off[2]+n]
			for i, b := range cs {
				if b {
					d[i] = xv
				} else {
					d[i] = ys[i]
				}
			}
		default:
			xv, yv := x[off[1]], y[off[2]]
			for i, b := range cs {
				if b {
					d[i] = xv
				} else {
					d[i] = yv
				}
			}
		}
	})
}

func bindWhere(n *ops.Node) (ops.Kernel, error) {
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if err := need(in, 3); err != nil {
				return err
			}
			c, x, y := in[0], in[1], in[2]
			if c.DType() != tensor.Bool {
				return fmt.Errorf("Where: condition type %v is not bool", c.DType())
			}
			if err := sameType(x, y); err != nil {
				return fmt.Errorf("Where: %w", err)
			}
			os, err := broadcastInto(out[0].Shape, c.Shape(), x.Shape(), y.Shape())
			out[0].Shape = os
			if err != nil {
				return fmt.Errorf("Where: %w", err)
			}
			if !x.DType().Valid() {
				return fmt.Errorf("Where: input type %v is not supported", x.DType())
			}
			out[0].DType = x.DType()
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			c, x, y, o := in[0], in[1], in[2], out[0]
			var bc bcast
			bc.init(o.Shape(), c.Shape(), x.Shape(), y.Shape())
			cs := c.Bools()
			switch {
			case x.DType() == tensor.String:
				whereBC(&bc, o.Strings(), cs, x.Strings(), y.Strings())
			case x.DType().Size() == 1:
				whereBC(&bc, raw[uint8](o), cs, raw[uint8](x), raw[uint8](y))
			case x.DType().Size() == 2:
				whereBC(&bc, raw[uint16](o), cs, raw[uint16](x), raw[uint16](y))
			case x.DType().Size() == 4:
				whereBC(&bc, raw[uint32](o), cs, raw[uint32](x), raw[uint32](y))
			default:
				whereBC(&bc, raw[uint64](o), cs, raw[uint64](x), raw[uint64](y))
			}
			return nil
		},
	})
}

// ---- Identity ----

// identityView is Identity's tensor form: a view of its input (strings
// included: the executors alias string views by reshaping).
var identityView = &ops.Planned{
	View: true,
	Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
		if err := need(in, 1); err != nil {
			return err
		}
		sameAs(in[0], out)
		return nil
	},
}

// bindIdentity is Identity up to opset 13: a view of its input.
func bindIdentity(n *ops.Node) (ops.Kernel, error) { return n.Plan(identityView) }

// bindIdentityValue is Identity from opset 14, whose input may also be a
// sequence (14) or an optional (16): it returns its input Value unchanged,
// whether a tensor, an *ops.Sequence or an ops.None.
func bindIdentityValue(n *ops.Node) (ops.ValueKernel, error) {
	return n.PlanValue(identityView, func(in []ops.Value) ([]ops.Value, error) {
		if len(in) < 1 || in[0] == nil {
			return nil, fmt.Errorf("Identity: input 0 is missing")
		}
		return []ops.Value{in[0]}, nil
	})
}
