package elementwise

import (
	"cmp"
	"fmt"
	"math"
	"strings"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

type binKind int

const (
	bAdd binKind = iota
	bSub
	bMul
	bDiv
	bMod  // remainder with the sign of the divisor (Python, numpy.mod)
	bFmod // remainder with the sign of the dividend (C fmod, numpy.fmod)
	bMax
	bMin
	bShl
	bShr
)

var binNames = [...]string{"Add", "Sub", "Mul", "Div", "Mod", "Mod", "Max", "Min", "BitShift", "BitShift"}

func floatBin[T ops.Float](k binKind) func(a, b T) T {
	switch k {
	case bAdd:
		return func(a, b T) T { return a + b }
	case bSub:
		return func(a, b T) T { return a - b }
	case bMul:
		return func(a, b T) T { return a * b }
	case bDiv:
		return func(a, b T) T { return a / b }
	case bFmod:
		return func(a, b T) T { return T(math.Mod(float64(a), float64(b))) }
	case bMod:
		return func(a, b T) T {
			r := math.Mod(float64(a), float64(b))
			if r != 0 && (r < 0) != (b < 0) {
				r += float64(b)
			}
			return T(r)
		}
	case bMax:
		return func(a, b T) T { return max(a, b) } // NaN propagates
	case bMin:
		return func(a, b T) T { return min(a, b) }
	}
	return nil
}

func signedBin[T Signed](k binKind) func(a, b T) T {
	switch k {
	case bAdd:
		return func(a, b T) T { return a + b }
	case bSub:
		return func(a, b T) T { return a - b }
	case bMul:
		return func(a, b T) T { return a * b }
	case bDiv:
		return func(a, b T) T {
			if b == 0 {
				return 0
			}
			return a / b
		}
	case bFmod:
		return func(a, b T) T {
			if b == 0 {
				return 0
			}
			return a % b
		}
	case bMod:
		return func(a, b T) T {
			if b == 0 {
				return 0
			}
			r := a % b
			if r != 0 && (r < 0) != (b < 0) {
				r += b
			}
			return r
		}
	case bMax:
		return func(a, b T) T { return max(a, b) }
	case bMin:
		return func(a, b T) T { return min(a, b) }
	}
	return nil
}

func unsignedBin[T Unsigned](k binKind) func(a, b T) T {
	switch k {
	case bAdd:
		return func(a, b T) T { return a + b }
	case bSub:
		return func(a, b T) T { return a - b }
	case bMul:
		return func(a, b T) T { return a * b }
	case bDiv:
		return func(a, b T) T {
			if b == 0 {
				return 0
			}
			return a / b
		}
	case bMod, bFmod:
		return func(a, b T) T {
			if b == 0 {
				return 0
			}
			return a % b
		}
	case bMax:
		return func(a, b T) T { return max(a, b) }
	case bMin:
		return func(a, b T) T { return min(a, b) }
	case bShl:
		return func(a, b T) T { return a << b }
	case bShr:
		return func(a, b T) T { return a >> b }
	}
	return nil
}

// arithSupports reports whether k is defined on element type dt.
func arithSupports(k binKind, dt tensor.DType) bool {
	switch {
	case dt.IsFloat(), dt.IsInt() && dt.IsSigned():
		return k != bShl && k != bShr
	case dt.IsInt():
		return true
	}
	return false
}

// binFns holds one binary operator's function for every element type
// arithSupports allows (nil where it does not), made once when a node is
// bound: a closure returned by a generic function carries the function's
// dictionary, so making one per run would allocate.
type binFns struct {
	k   binKind
	f32 func(a, b float32) float32
	f64 func(a, b float64) float64
	i8  func(a, b int8) int8
	i16 func(a, b int16) int16
	i32 func(a, b int32) int32
	i64 func(a, b int64) int64
	u8  func(a, b uint8) uint8
	u16 func(a, b uint16) uint16
	u32 func(a, b uint32) uint32
	u64 func(a, b uint64) uint64
}

func newBinFns(k binKind) *binFns {
	return &binFns{
		k:   k,
		f32: floatBin[float32](k), f64: floatBin[float64](k),
		i8: signedBin[int8](k), i16: signedBin[int16](k), i32: signedBin[int32](k), i64: signedBin[int64](k),
		u8: unsignedBin[uint8](k), u16: unsignedBin[uint16](k), u32: unsignedBin[uint32](k), u64: unsignedBin[uint64](k),
	}
}

// arithInto sets y = a k b over their broadcast bc, for any type
// arithSupports (y may be a when a is not broadcast).
func arithInto(fn *binFns, bc *bcast, a, b, y *tensor.Tensor) {
	switch a.DType() {
	case tensor.Float32:
		if fast32(fn.k) {
			arith32(fn.k, bc, 0, bc.n, y.Float32s(), a.Float32s(), b.Float32s())
			return
		}
		binBC(bc, 0, bc.n, y.Float32s(), a.Float32s(), b.Float32s(), fn.f32)
	case tensor.Float64:
		binBC(bc, 0, bc.n, y.Float64s(), a.Float64s(), b.Float64s(), fn.f64)
	case tensor.Float16, tensor.BFloat16:
		h := halfScratch.Get()
		ys := h.buf(0, bc.n)
		binBC(bc, 0, bc.n, ys, h.widen(1, a), h.widen(2, b), fn.f32)
		tensor.StoreHalf(y, ys)
		halfScratch.Put(h)
	case tensor.Int8:
		binBC(bc, 0, bc.n, tensor.Data[int8](y), tensor.Data[int8](a), tensor.Data[int8](b), fn.i8)
	case tensor.Int16:
		binBC(bc, 0, bc.n, tensor.Data[int16](y), tensor.Data[int16](a), tensor.Data[int16](b), fn.i16)
	case tensor.Int32:
		binBC(bc, 0, bc.n, tensor.Data[int32](y), tensor.Data[int32](a), tensor.Data[int32](b), fn.i32)
	case tensor.Int64:
		binBC(bc, 0, bc.n, tensor.Data[int64](y), tensor.Data[int64](a), tensor.Data[int64](b), fn.i64)
	case tensor.Uint8:
		binBC(bc, 0, bc.n, tensor.Data[uint8](y), tensor.Data[uint8](a), tensor.Data[uint8](b), fn.u8)
	case tensor.Uint16:
		binBC(bc, 0, bc.n, tensor.Data[uint16](y), tensor.Data[uint16](a), tensor.Data[uint16](b), fn.u16)
	case tensor.Uint32:
		binBC(bc, 0, bc.n, tensor.Data[uint32](y), tensor.Data[uint32](a), tensor.Data[uint32](b), fn.u32)
	case tensor.Uint64:
		binBC(bc, 0, bc.n, tensor.Data[uint64](y), tensor.Data[uint64](a), tensor.Data[uint64](b), fn.u64)
	}
}

// legacyBroadcast holds the broadcast/axis attributes of opset < 7 binary
// operators: B is broadcast to A's shape, aligned at axis (suffix by default).
type legacyBroadcast struct {
	on      bool
	axis    int64
	hasAxis bool
}

func readLegacy(n *ops.Node) (legacyBroadcast, error) {
	var l legacyBroadcast
	if n.Opset >= 7 {
		return l, nil
	}
	bc, err := n.Int("broadcast", 0)
	if err != nil {
		return l, err
	}
	l.on = bc != 0
	l.hasAxis = n.Has("axis")
	if l.axis, err = n.Int("axis", 0); err != nil {
		return l, err
	}
	return l, nil
}

// shape returns B's shape bs as numpy broadcasting must see it to align B
// with A (of shape as) the way the legacy rule prescribes: bs itself when
// the rule is off, else bs padded with 1s, built in buf.
func (l legacyBroadcast) shape(as, bs tensor.Shape, buf []int) (tensor.Shape, error) {
	if !l.on {
		return bs, nil
	}
	ra, rb := len(as), len(bs)
	if rb > ra {
		return nil, fmt.Errorf("legacy broadcast: B has rank %d above A's %d", rb, ra)
	}
	axis := int64(ra - rb)
	if l.hasAxis {
		axis = l.axis
		if axis < 0 {
			axis += int64(ra)
		}
	}
	if axis < 0 || axis+int64(rb) > int64(ra) {
		return nil, fmt.Errorf("legacy broadcast: axis %d does not fit shapes %s and %s", l.axis, fmtShape(as), fmtShape(bs))
	}
	shape := buf[:0]
	for range ra {
		shape = append(shape, 1)
	}
	copy(shape[axis:], bs)
	return shape, nil
}

// operands returns a binary node's inputs A and B with B's shape as the
// legacy rule aligns it (built in buf when it differs from B's).
func (l legacyBroadcast) operands(in []*tensor.Tensor, buf []int) (a, b *tensor.Tensor, bs tensor.Shape, err error) {
	if err := need(in, 2); err != nil {
		return nil, nil, nil, err
	}
	a, b = in[0], in[1]
	bs, err = l.shape(a.Shape(), b.Shape(), buf)
	return a, b, bs, err
}

// planBinary ends the bind function of a broadcasting binary operator:
// check validates the operands' types and returns the output's; run
// computes y from A and B, broadcasting B as if of shape bs. Errors other
// than those of the legacy rule are prefixed with name.
func planBinary(n *ops.Node, name string, check func(a, b tensor.DType) (tensor.DType, error),
	run func(a, b, y *tensor.Tensor, bs tensor.Shape)) (ops.Kernel, error) {
	lg, err := readLegacy(n)
	if err != nil {
		return nil, err
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			var buf [bcInline]int
			a, b, bs, err := lg.operands(in, buf[:])
			if err != nil {
				return err
			}
			dt, err := check(a.DType(), b.DType())
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			os, err := broadcastInto(out[0].Shape, a.Shape(), bs)
			out[0].Shape = os
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			out[0].DType = dt
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			// No stack buffer for B's shape: it would escape through run
			// (only the legacy rule allocates).
			a, b, bs, err := lg.operands(in, nil)
			if err != nil {
				return err
			}
			run(a, b, out[0], bs)
			return nil
		},
	})
}

func bindArith(k binKind) ops.BindFunc {
	return func(n *ops.Node) (ops.Kernel, error) {
		lg, err := readLegacy(n)
		if err != nil {
			return nil, err
		}
		name := binNames[k]
		pool := n.Pool
		fn := newBinFns(k)
		return n.Plan(&ops.Planned{
			// Every path computes y[i] from the operands' elements at i
			// (or broadcast ones) alone; an operand the output may alias
			// has the output's size, so it is not broadcast.
			InPlace: 1<<0 | 1<<1,
			Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
				var buf [bcInline]int
				a, b, bs, err := lg.operands(in, buf[:])
				if err != nil {
					return err
				}
				if err := sameType(a, b); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				os, err := broadcastInto(out[0].Shape, a.Shape(), bs)
				out[0].Shape = os
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				if !arithSupports(k, a.DType()) {
					return fmt.Errorf("%s: input type %v is not supported", name, a.DType())
				}
				out[0].DType = a.DType()
				return nil
			},
			Run: func(in, out []*tensor.Tensor) error {
				var buf [bcInline]int
				a, b, bs, err := lg.operands(in, buf[:])
				if err != nil {
					return err
				}
				y := out[0]
				if a.DType() == tensor.Float32 && fast32(k) {
					w := newWork(arithWork)
					w.k, w.o, w.a, w.b = k, y.Float32s(), a.Float32s(), b.Float32s()
					w.bc.init(y.Shape(), a.Shape(), bs)
					w.run(pool, len(w.o))
					return nil
				}
				var bc bcast
				bc.init(y.Shape(), a.Shape(), bs)
				arithInto(fn, &bc, a, b, y)
				return nil
			},
		})
	}
}

func bindMod(n *ops.Node) (ops.Kernel, error) {
	fm, err := n.Int("fmod", 0)
	if err != nil {
		return nil, err
	}
	k := bMod
	if fm != 0 {
		k = bFmod
	}
	return bindArith(k)(n)
}

func bindBitShift(n *ops.Node) (ops.Kernel, error) {
	dir, err := n.String("direction", "")
	if err != nil {
		return nil, err
	}
	var k binKind
	switch strings.ToUpper(dir) {
	case "LEFT":
		k = bShl
	case "RIGHT":
		k = bShr
	default:
		return nil, fmt.Errorf("BitShift: direction %q is not LEFT or RIGHT", dir)
	}
	return bindArith(k)(n)
}

// ---- comparisons ----

type cmpKind int

const (
	cEq cmpKind = iota
	cGt
	cLt
	cGe
	cLe
)

var cmpNames = [...]string{"Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual"}

func cmpFn[T cmp.Ordered](k cmpKind) func(a, b T) bool {
	switch k {
	case cEq:
		return func(a, b T) bool { return a == b }
	case cGt:
		return func(a, b T) bool { return a > b }
	case cLt:
		return func(a, b T) bool { return a < b }
	case cGe:
		return func(a, b T) bool { return a >= b }
	case cLe:
		return func(a, b T) bool { return a <= b }
	}
	return nil
}

// cmpFns holds one comparison's function for every element type, made
// once when a node is bound (see binFns).
type cmpFns struct {
	f32 func(a, b float32) bool
	f64 func(a, b float64) bool
	i8  func(a, b int8) bool
	i16 func(a, b int16) bool
	i32 func(a, b int32) bool
	i64 func(a, b int64) bool
	u8  func(a, b uint8) bool
	u16 func(a, b uint16) bool
	u32 func(a, b uint32) bool
	u64 func(a, b uint64) bool
	str func(a, b string) bool
}

func newCmpFns(k cmpKind) *cmpFns {
	return &cmpFns{
		f32: cmpFn[float32](k), f64: cmpFn[float64](k),
		i8: cmpFn[int8](k), i16: cmpFn[int16](k), i32: cmpFn[int32](k), i64: cmpFn[int64](k),
		u8: cmpFn[uint8](k), u16: cmpFn[uint16](k), u32: cmpFn[uint32](k), u64: cmpFn[uint64](k),
		str: cmpFn[string](k),
	}
}

func boolEq(x, y bool) bool { return x == y }

// cmpSupports reports whether k is defined on element type dt.
func cmpSupports(k cmpKind, dt tensor.DType) bool {
	return dt.IsFloat() || dt.IsInt() || dt == tensor.String || (dt == tensor.Bool && k == cEq)
}

// compareInto sets the bool tensor y to a fn b, broadcasting B as if of
// shape bs.
func compareInto(fn *cmpFns, a, b, y *tensor.Tensor, bs tensor.Shape) {
	var bcv bcast
	bc := &bcv
	bc.init(y.Shape(), a.Shape(), bs)
	o := y.Bools()
	switch a.DType() {
	case tensor.Float32:
		binBC(bc, 0, bc.n, o, a.Float32s(), b.Float32s(), fn.f32)
	case tensor.Float64:
		binBC(bc, 0, bc.n, o, a.Float64s(), b.Float64s(), fn.f64)
	case tensor.Float16, tensor.BFloat16:
		h := halfScratch.Get()
		binBC(bc, 0, bc.n, o, h.widen(0, a), h.widen(1, b), fn.f32)
		halfScratch.Put(h)
	case tensor.Int8:
		binBC(bc, 0, bc.n, o, tensor.Data[int8](a), tensor.Data[int8](b), fn.i8)
	case tensor.Int16:
		binBC(bc, 0, bc.n, o, tensor.Data[int16](a), tensor.Data[int16](b), fn.i16)
	case tensor.Int32:
		binBC(bc, 0, bc.n, o, tensor.Data[int32](a), tensor.Data[int32](b), fn.i32)
	case tensor.Int64:
		binBC(bc, 0, bc.n, o, tensor.Data[int64](a), tensor.Data[int64](b), fn.i64)
	case tensor.Uint8:
		binBC(bc, 0, bc.n, o, tensor.Data[uint8](a), tensor.Data[uint8](b), fn.u8)
	case tensor.Uint16:
		binBC(bc, 0, bc.n, o, tensor.Data[uint16](a), tensor.Data[uint16](b), fn.u16)
	case tensor.Uint32:
		binBC(bc, 0, bc.n, o, tensor.Data[uint32](a), tensor.Data[uint32](b), fn.u32)
	case tensor.Uint64:
		binBC(bc, 0, bc.n, o, tensor.Data[uint64](a), tensor.Data[uint64](b), fn.u64)
	case tensor.Bool:
		binBC(bc, 0, bc.n, o, a.Bools(), b.Bools(), boolEq)
	case tensor.String:
		binBC(bc, 0, bc.n, o, a.Strings(), b.Strings(), fn.str)
	}
}

func bindCompare(k cmpKind) ops.BindFunc {
	return func(n *ops.Node) (ops.Kernel, error) {
		fn := newCmpFns(k)
		return planBinary(n, cmpNames[k],
			func(a, b tensor.DType) (tensor.DType, error) {
				if a != b {
					return 0, fmt.Errorf("input types differ: %v and %v", a, b)
				}
				if !cmpSupports(k, a) {
					return 0, fmt.Errorf("input type %v is not supported", a)
				}
				return tensor.Bool, nil
			},
			func(a, b, y *tensor.Tensor, bs tensor.Shape) { compareInto(fn, a, b, y, bs) })
	}
}

// ---- logical ----

func bindLogical(name string, f func(a, b bool) bool) ops.BindFunc {
	return func(n *ops.Node) (ops.Kernel, error) {
		return planBinary(n, name,
			func(a, b tensor.DType) (tensor.DType, error) {
				if a != tensor.Bool || b != tensor.Bool {
					return 0, fmt.Errorf("inputs must be bool, got %v and %v", a, b)
				}
				return tensor.Bool, nil
			},
			func(a, b, y *tensor.Tensor, bs tensor.Shape) { logicalInto(f, a, b, y, bs) })
	}
}

// logicalInto sets the bool tensor y to f(a, b), broadcasting B as if of
// shape bs.
func logicalInto(f func(a, b bool) bool, a, b, y *tensor.Tensor, bs tensor.Shape) {
	var bc bcast
	bc.init(y.Shape(), a.Shape(), bs)
	binBC(&bc, 0, bc.n, y.Bools(), a.Bools(), b.Bools(), f)
}
