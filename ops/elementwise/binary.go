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

func binSame[T tensor.Elem](a, b *tensor.Tensor, os tensor.Shape, f func(a, b T) T) (*tensor.Tensor, error) {
	if f == nil {
		return nil, fmt.Errorf("input type %v is not supported", a.DType())
	}
	return binTyped(a, b, a.DType(), os, f), nil
}

// arith computes k over the broadcast of a and b (same dtype).
func arith(k binKind, a, b *tensor.Tensor) (*tensor.Tensor, error) {
	if err := sameType(a, b); err != nil {
		return nil, err
	}
	os, err := broadcastOut(a, b)
	if err != nil {
		return nil, err
	}
	switch dt := a.DType(); dt {
	case tensor.Float32:
		return binSame(a, b, os, floatBin[float32](k))
	case tensor.Float64:
		return binSame(a, b, os, floatBin[float64](k))
	case tensor.Float16, tensor.BFloat16:
		y, err := binSame(widen(a), widen(b), os, floatBin[float32](k))
		if err != nil {
			return nil, err
		}
		return narrow(y, dt), nil
	case tensor.Int8:
		return binSame(a, b, os, signedBin[int8](k))
	case tensor.Int16:
		return binSame(a, b, os, signedBin[int16](k))
	case tensor.Int32:
		return binSame(a, b, os, signedBin[int32](k))
	case tensor.Int64:
		return binSame(a, b, os, signedBin[int64](k))
	case tensor.Uint8:
		return binSame(a, b, os, unsignedBin[uint8](k))
	case tensor.Uint16:
		return binSame(a, b, os, unsignedBin[uint16](k))
	case tensor.Uint32:
		return binSame(a, b, os, unsignedBin[uint32](k))
	case tensor.Uint64:
		return binSame(a, b, os, unsignedBin[uint64](k))
	}
	return nil, fmt.Errorf("input type %v is not supported", a.DType())
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

// adjust returns b reshaped so that numpy broadcasting aligns it with a as
// the legacy rule prescribes.
func (l legacyBroadcast) adjust(a, b *tensor.Tensor) (*tensor.Tensor, error) {
	if !l.on {
		return b, nil
	}
	ra, rb := a.Rank(), b.Rank()
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
		return nil, fmt.Errorf("legacy broadcast: axis %d does not fit shapes %v and %v", l.axis, a.Shape(), b.Shape())
	}
	shape := make([]int, ra)
	for i := range shape {
		shape[i] = 1
	}
	copy(shape[axis:], b.Shape())
	return b.Reshape(shape...)
}

func bindArith(k binKind) ops.BindFunc {
	return func(n *ops.Node) (ops.Kernel, error) {
		lg, err := readLegacy(n)
		if err != nil {
			return nil, err
		}
		name := binNames[k]
		pool := n.Pool
		return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			if err := need(in, 2); err != nil {
				return nil, err
			}
			b, err := lg.adjust(in[0], in[1])
			if err != nil {
				return nil, err
			}
			if out := arith32(pool, k, in[0], b); out != nil {
				return []*tensor.Tensor{out}, nil
			}
			out, err := arith(k, in[0], b)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			return []*tensor.Tensor{out}, nil
		}, nil
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

func cmpT[T interface {
	tensor.Elem
	cmp.Ordered
}](a, b *tensor.Tensor, os tensor.Shape, k cmpKind) *tensor.Tensor {
	return binTyped(a, b, tensor.Bool, os, cmpFn[T](k))
}

func compare(k cmpKind, a, b *tensor.Tensor) (*tensor.Tensor, error) {
	if err := sameType(a, b); err != nil {
		return nil, err
	}
	os, err := broadcastOut(a, b)
	if err != nil {
		return nil, err
	}
	switch a.DType() {
	case tensor.Float32:
		return cmpT[float32](a, b, os, k), nil
	case tensor.Float64:
		return cmpT[float64](a, b, os, k), nil
	case tensor.Float16, tensor.BFloat16:
		return cmpT[float32](widen(a), widen(b), os, k), nil
	case tensor.Int8:
		return cmpT[int8](a, b, os, k), nil
	case tensor.Int16:
		return cmpT[int16](a, b, os, k), nil
	case tensor.Int32:
		return cmpT[int32](a, b, os, k), nil
	case tensor.Int64:
		return cmpT[int64](a, b, os, k), nil
	case tensor.Uint8:
		return cmpT[uint8](a, b, os, k), nil
	case tensor.Uint16:
		return cmpT[uint16](a, b, os, k), nil
	case tensor.Uint32:
		return cmpT[uint32](a, b, os, k), nil
	case tensor.Uint64:
		return cmpT[uint64](a, b, os, k), nil
	case tensor.Bool:
		if k != cEq {
			break
		}
		return binTyped(a, b, tensor.Bool, os, func(x, y bool) bool { return x == y }), nil
	case tensor.String:
		out := tensor.New(tensor.Bool, os...)
		ops.Binary(a.Strings(), a.Shape(), b.Strings(), b.Shape(), out.Bools(), os, cmpFn[string](k))
		return out, nil
	}
	return nil, fmt.Errorf("input type %v is not supported", a.DType())
}

func bindCompare(k cmpKind) ops.BindFunc {
	return func(n *ops.Node) (ops.Kernel, error) {
		lg, err := readLegacy(n)
		if err != nil {
			return nil, err
		}
		return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			if err := need(in, 2); err != nil {
				return nil, err
			}
			b, err := lg.adjust(in[0], in[1])
			if err != nil {
				return nil, err
			}
			out, err := compare(k, in[0], b)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", cmpNames[k], err)
			}
			return []*tensor.Tensor{out}, nil
		}, nil
	}
}

// ---- logical ----

func bindLogical(name string, f func(a, b bool) bool) ops.BindFunc {
	return func(n *ops.Node) (ops.Kernel, error) {
		lg, err := readLegacy(n)
		if err != nil {
			return nil, err
		}
		return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			if err := need(in, 2); err != nil {
				return nil, err
			}
			a := in[0]
			b, err := lg.adjust(a, in[1])
			if err != nil {
				return nil, err
			}
			if a.DType() != tensor.Bool || b.DType() != tensor.Bool {
				return nil, fmt.Errorf("%s: inputs must be bool, got %v and %v", name, a.DType(), b.DType())
			}
			os, err := broadcastOut(a, b)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			return []*tensor.Tensor{binTyped(a, b, tensor.Bool, os, f)}, nil
		}, nil
	}
}

// ---- Pow ----

// asFloat64 returns a Float64 tensor with t's values.
func asFloat64(t *tensor.Tensor) (*tensor.Tensor, error) {
	if t.DType() == tensor.Float64 {
		return t, nil
	}
	v, err := tensor.ToFloat64(t)
	if err != nil {
		return nil, err
	}
	out := tensor.New(tensor.Float64, t.Shape()...)
	copy(out.Float64s(), v)
	return out, nil
}

func widenInts[T Integer](dst []int64, src []T) {
	for i, v := range src {
		dst[i] = int64(v)
	}
}

// asInt64 returns an Int64 tensor with the values of integer tensor t.
func asInt64(t *tensor.Tensor) (*tensor.Tensor, error) {
	if t.DType() == tensor.Int64 {
		return t, nil
	}
	out := tensor.New(tensor.Int64, t.Shape()...)
	o := out.Int64s()
	switch t.DType() {
	case tensor.Int8:
		widenInts(o, tensor.Data[int8](t))
	case tensor.Int16:
		widenInts(o, tensor.Data[int16](t))
	case tensor.Int32:
		widenInts(o, tensor.Data[int32](t))
	case tensor.Uint8:
		widenInts(o, tensor.Data[uint8](t))
	case tensor.Uint16:
		widenInts(o, tensor.Data[uint16](t))
	case tensor.Uint32:
		widenInts(o, tensor.Data[uint32](t))
	case tensor.Uint64:
		widenInts(o, tensor.Data[uint64](t))
	default:
		return nil, fmt.Errorf("%v is not an integer type", t.DType())
	}
	return out, nil
}

// ipow raises x to the integer power e with wrap-around; negative powers
// truncate toward zero (0 unless |x| is 1; 0 for x == 0).
func ipow[T Integer](x T, e int64) T {
	if e < 0 {
		switch {
		case x == 1:
			return 1
		case x < 0 && x+1 == 0:
			if e&1 != 0 {
				return x
			}
			return 1
		}
		return 0
	}
	r := T(1)
	for e > 0 {
		if e&1 != 0 {
			r *= x
		}
		x *= x
		e >>= 1
	}
	return r
}

func powFloat[T ops.Float](a, e *tensor.Tensor, os tensor.Shape) (*tensor.Tensor, error) {
	if e.DType() == a.DType() {
		return binTyped(a, e, a.DType(), os, func(x, y T) T { return T(math.Pow(float64(x), float64(y))) }), nil
	}
	ef, err := asFloat64(widen(e))
	if err != nil {
		return nil, err
	}
	return binTyped(a, ef, a.DType(), os, func(x T, y float64) T { return T(math.Pow(float64(x), y)) }), nil
}

func powInt[T Integer](a, e *tensor.Tensor, os tensor.Shape) (*tensor.Tensor, error) {
	if e.DType().IsInt() {
		ei, err := asInt64(e)
		if err != nil {
			return nil, err
		}
		return binTyped(a, ei, a.DType(), os, ipow[T]), nil
	}
	ef, err := asFloat64(widen(e))
	if err != nil {
		return nil, err
	}
	return binTyped(a, ef, a.DType(), os, func(x T, y float64) T { return T(math.Pow(float64(x), y)) }), nil
}

func pow(a, e *tensor.Tensor) (*tensor.Tensor, error) {
	os, err := broadcastOut(a, e)
	if err != nil {
		return nil, err
	}
	if e.DType() == tensor.String || e.DType() == tensor.Bool {
		return nil, fmt.Errorf("exponent type %v is not supported", e.DType())
	}
	switch dt := a.DType(); dt {
	case tensor.Float32:
		return powFloat[float32](a, e, os)
	case tensor.Float64:
		return powFloat[float64](a, e, os)
	case tensor.Float16, tensor.BFloat16:
		e2 := e
		if e.DType() == dt {
			e2 = widen(e)
		}
		y, err := powFloat[float32](widen(a), e2, os)
		if err != nil {
			return nil, err
		}
		return narrow(y, dt), nil
	case tensor.Int8:
		return powInt[int8](a, e, os)
	case tensor.Int16:
		return powInt[int16](a, e, os)
	case tensor.Int32:
		return powInt[int32](a, e, os)
	case tensor.Int64:
		return powInt[int64](a, e, os)
	case tensor.Uint8:
		return powInt[uint8](a, e, os)
	case tensor.Uint16:
		return powInt[uint16](a, e, os)
	case tensor.Uint32:
		return powInt[uint32](a, e, os)
	case tensor.Uint64:
		return powInt[uint64](a, e, os)
	}
	return nil, fmt.Errorf("base type %v is not supported", a.DType())
}

func bindPow(n *ops.Node) (ops.Kernel, error) {
	lg, err := readLegacy(n)
	if err != nil {
		return nil, err
	}
	mixed := n.Opset >= 12
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := need(in, 2); err != nil {
			return nil, err
		}
		b, err := lg.adjust(in[0], in[1])
		if err != nil {
			return nil, err
		}
		if !mixed {
			if err := sameType(in[0], b); err != nil {
				return nil, fmt.Errorf("Pow: %w", err)
			}
		}
		out, err := pow(in[0], b)
		if err != nil {
			return nil, fmt.Errorf("Pow: %w", err)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}
