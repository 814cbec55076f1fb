package elementwise

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// f64ToF32Odd rounds x to float32 with round-to-odd: truncate, then set the
// last mantissa bit if anything was lost. Rounding that result to a format of
// at most 22 significant bits (ties to even) is then the correctly rounded
// conversion of x, without double-rounding errors.
func f64ToF32Odd(x float64) float32 {
	f := float32(x)
	if float64(f) == x || x != x {
		return f
	}
	b := math.Float32bits(f)
	if math.Abs(float64(f)) > math.Abs(x) {
		b-- // step back toward zero (also turns ±Inf into ±MaxFloat32)
	}
	return math.Float32frombits(b | 1)
}

// f64ToF16 rounds x to the nearest float16, ties to even.
func f64ToF16(x float64) tensor.Float16Bits { return tensor.ToFloat16(f64ToF32Odd(x)) }

// f64ToBF16 rounds x to the nearest bfloat16, ties to even.
func f64ToBF16(x float64) tensor.BFloat16Bits { return tensor.ToBFloat16(f64ToF32Odd(x)) }

// castTypeNames maps Cast-1's string `to` values to dtypes.
var castTypeNames = map[string]tensor.DType{
	"FLOAT": tensor.Float32, "FLOAT32": tensor.Float32, "UINT8": tensor.Uint8, "INT8": tensor.Int8,
	"UINT16": tensor.Uint16, "INT16": tensor.Int16, "INT32": tensor.Int32, "INT64": tensor.Int64,
	"STRING": tensor.String, "BOOL": tensor.Bool, "FLOAT16": tensor.Float16, "DOUBLE": tensor.Float64,
	"FLOAT64": tensor.Float64, "UINT32": tensor.Uint32, "UINT64": tensor.Uint64, "BFLOAT16": tensor.BFloat16,
}

func bindCast(n *ops.Node) (ops.Kernel, error) {
	var to tensor.DType
	if a := n.Attr("to"); a == nil {
		return nil, fmt.Errorf("Cast: attribute \"to\" is required")
	} else if a.Type == ir.AttrString { // Cast-1 names the type
		dt, ok := castTypeNames[strings.ToUpper(string(a.S))]
		if !ok {
			return nil, fmt.Errorf("Cast: unknown type %q", a.S)
		}
		to = dt
	} else {
		v, err := n.Int("to", 0)
		if err != nil {
			return nil, fmt.Errorf("Cast: %w", err)
		}
		if v <= 0 || v > 255 || !tensor.DType(v).Valid() {
			return nil, fmt.Errorf("Cast: unsupported target type %d", v)
		}
		to = tensor.DType(v)
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if err := need(in, 1); err != nil {
				return err
			}
			sameAs(in[0], out)
			out[0].DType = to
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			if err := castInto(in[0], out[0]); err != nil {
				return fmt.Errorf("Cast: %w", err)
			}
			return nil
		},
	})
}

func bindCastLike(n *ops.Node) (ops.Kernel, error) {
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if err := need(in, 2); err != nil {
				return err
			}
			sameAs(in[0], out)
			out[0].DType = in[1].DType()
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			if err := castInto(in[0], out[0]); err != nil {
				return fmt.Errorf("CastLike: %w", err)
			}
			return nil
		},
	})
}

// castTensor converts x to dtype to. It returns x itself when no conversion
// is needed.
func castTensor(x *tensor.Tensor, to tensor.DType) (*tensor.Tensor, error) {
	if x.DType() == to {
		return x, nil
	}
	if !to.Valid() {
		return nil, fmt.Errorf("cannot cast to %v", to)
	}
	out := tensor.New(to, x.Shape()...)
	if err := castInto(x, out); err != nil {
		return nil, err
	}
	return out, nil
}

// castInto converts the elements of x into y, a tensor of x's shape and
// any storable type.
func castInto(x, y *tensor.Tensor) error {
	from, to := x.DType(), y.DType()
	switch {
	case from == to:
		copyTensor(y, x)
	case to == tensor.String:
		return toStringsInto(y.Strings(), x)
	case from == tensor.String:
		return fromStringsInto(y, x.Strings())
	default:
		return castNumeric(x, y)
	}
	return nil
}

// castChunk is the number of elements castNumeric converts through its
// (stack) buffer at a time.
const castChunk = 256

// castNumeric converts numeric or bool x into y (another such type)
// through float64 (from floats), int64 (from signed integers and bool) or
// uint64 (from unsigned integers), without allocating.
func castNumeric(x, y *tensor.Tensor) error {
	n, from := x.Len(), x.DType()
	switch {
	case from.IsFloat():
		var buf [castChunk]float64
		for lo := 0; lo < n; lo += castChunk {
			v := buf[:min(castChunk, n-lo)]
			readF64(v, x, lo)
			writeF64(y, lo, v)
		}
	case from == tensor.Bool || from.IsInt() && from.IsSigned():
		var buf [castChunk]int64
		for lo := 0; lo < n; lo += castChunk {
			v := buf[:min(castChunk, n-lo)]
			readI64(v, x, lo)
			writeI64(y, lo, v)
		}
	case from.IsInt():
		var buf [castChunk]uint64
		for lo := 0; lo < n; lo += castChunk {
			v := buf[:min(castChunk, n-lo)]
			readU64(v, x, lo)
			writeU64(y, lo, v)
		}
	default:
		return fmt.Errorf("cannot cast from %v", from)
	}
	return nil
}

// readF64 sets dst to the floating-point x's elements from lo on.
func readF64(dst []float64, x *tensor.Tensor, lo int) {
	switch x.DType() {
	case tensor.Float32:
		mapSlice(dst, x.Float32s()[lo:lo+len(dst)], func(v float32) float64 { return float64(v) })
	case tensor.Float64:
		copy(dst, x.Float64s()[lo:])
	case tensor.Float16:
		mapSlice(dst, tensor.Data[tensor.Float16Bits](x)[lo:lo+len(dst)], func(v tensor.Float16Bits) float64 { return float64(v.Float32()) })
	case tensor.BFloat16:
		mapSlice(dst, tensor.Data[tensor.BFloat16Bits](x)[lo:lo+len(dst)], func(v tensor.BFloat16Bits) float64 { return float64(v.Float32()) })
	}
}

// readI64 sets dst to the signed integer or bool x's elements from lo on.
func readI64(dst []int64, x *tensor.Tensor, lo int) {
	hi := lo + len(dst)
	switch x.DType() {
	case tensor.Bool:
		mapSlice(dst, x.Bools()[lo:hi], func(b bool) int64 {
			if b {
				return 1
			}
			return 0
		})
	case tensor.Int8:
		widenInts(dst, tensor.Data[int8](x)[lo:hi])
	case tensor.Int16:
		widenInts(dst, tensor.Data[int16](x)[lo:hi])
	case tensor.Int32:
		widenInts(dst, tensor.Data[int32](x)[lo:hi])
	case tensor.Int64:
		copy(dst, x.Int64s()[lo:hi])
	}
}

func widenU[T Unsigned](dst []uint64, src []T) {
	for i, v := range src {
		dst[i] = uint64(v)
	}
}

// readU64 sets dst to the unsigned integer x's elements from lo on.
func readU64(dst []uint64, x *tensor.Tensor, lo int) {
	hi := lo + len(dst)
	switch x.DType() {
	case tensor.Uint8:
		widenU(dst, tensor.Data[uint8](x)[lo:hi])
	case tensor.Uint16:
		widenU(dst, tensor.Data[uint16](x)[lo:hi])
	case tensor.Uint32:
		widenU(dst, tensor.Data[uint32](x)[lo:hi])
	case tensor.Uint64:
		copy(dst, tensor.Data[uint64](x)[lo:hi])
	}
}

// truncInt converts a float to an integer type by truncation toward zero,
// going through int64 so negative values wrap as in C on common targets.
func truncInt[T Integer](dst []T, src []float64) {
	for i, v := range src {
		dst[i] = T(int64(v))
	}
}

func f64ToU64(v float64) uint64 {
	if v >= 1<<63 {
		return uint64(v)
	}
	return uint64(int64(v))
}

// writeF64 stores src into out's elements from off on, converted to out's
// type as Cast does from floating-point values.
func writeF64(out *tensor.Tensor, off int, src []float64) {
	switch out.DType() {
	case tensor.Float32:
		mapSlice(out.Float32s()[off:], src, func(v float64) float32 { return float32(v) })
	case tensor.Float64:
		copy(out.Float64s()[off:], src)
	case tensor.Float16:
		mapSlice(tensor.Data[tensor.Float16Bits](out)[off:], src, f64ToF16)
	case tensor.BFloat16:
		mapSlice(tensor.Data[tensor.BFloat16Bits](out)[off:], src, f64ToBF16)
	case tensor.Bool:
		mapSlice(out.Bools()[off:], src, func(v float64) bool { return v != 0 })
	case tensor.Int8:
		truncInt(tensor.Data[int8](out)[off:], src)
	case tensor.Int16:
		truncInt(tensor.Data[int16](out)[off:], src)
	case tensor.Int32:
		truncInt(tensor.Data[int32](out)[off:], src)
	case tensor.Int64:
		truncInt(tensor.Data[int64](out)[off:], src)
	case tensor.Uint8:
		truncInt(tensor.Data[uint8](out)[off:], src)
	case tensor.Uint16:
		truncInt(tensor.Data[uint16](out)[off:], src)
	case tensor.Uint32:
		truncInt(tensor.Data[uint32](out)[off:], src)
	case tensor.Uint64:
		mapSlice(tensor.Data[uint64](out)[off:], src, f64ToU64)
	}
}

func narrowInts[S, D Integer](dst []D, src []S) {
	for i, v := range src {
		dst[i] = D(v)
	}
}

// writeI64 stores src into out's elements from off on, converted to out's
// type as Cast does from signed integers and bool.
func writeI64(out *tensor.Tensor, off int, src []int64) {
	switch out.DType() {
	case tensor.Float32:
		mapSlice(out.Float32s()[off:], src, func(v int64) float32 { return float32(v) })
	case tensor.Float64:
		mapSlice(out.Float64s()[off:], src, func(v int64) float64 { return float64(v) })
	case tensor.Float16:
		mapSlice(tensor.Data[tensor.Float16Bits](out)[off:], src, func(v int64) tensor.Float16Bits { return f64ToF16(float64(v)) })
	case tensor.BFloat16:
		mapSlice(tensor.Data[tensor.BFloat16Bits](out)[off:], src, func(v int64) tensor.BFloat16Bits { return f64ToBF16(float64(v)) })
	case tensor.Bool:
		mapSlice(out.Bools()[off:], src, func(v int64) bool { return v != 0 })
	case tensor.Int8:
		narrowInts(tensor.Data[int8](out)[off:], src)
	case tensor.Int16:
		narrowInts(tensor.Data[int16](out)[off:], src)
	case tensor.Int32:
		narrowInts(tensor.Data[int32](out)[off:], src)
	case tensor.Int64:
		copy(out.Int64s()[off:], src)
	case tensor.Uint8:
		narrowInts(tensor.Data[uint8](out)[off:], src)
	case tensor.Uint16:
		narrowInts(tensor.Data[uint16](out)[off:], src)
	case tensor.Uint32:
		narrowInts(tensor.Data[uint32](out)[off:], src)
	case tensor.Uint64:
		narrowInts(tensor.Data[uint64](out)[off:], src)
	}
}

// writeU64 stores src into out's elements from off on, converted to out's
// type as Cast does from unsigned integers.
func writeU64(out *tensor.Tensor, off int, src []uint64) {
	switch out.DType() {
	case tensor.Float32:
		mapSlice(out.Float32s()[off:], src, func(v uint64) float32 { return float32(v) })
	case tensor.Float64:
		mapSlice(out.Float64s()[off:], src, func(v uint64) float64 { return float64(v) })
	case tensor.Float16:
		mapSlice(tensor.Data[tensor.Float16Bits](out)[off:], src, func(v uint64) tensor.Float16Bits { return f64ToF16(float64(v)) })
	case tensor.BFloat16:
		mapSlice(tensor.Data[tensor.BFloat16Bits](out)[off:], src, func(v uint64) tensor.BFloat16Bits { return f64ToBF16(float64(v)) })
	case tensor.Bool:
		mapSlice(out.Bools()[off:], src, func(v uint64) bool { return v != 0 })
	case tensor.Int8:
		narrowInts(tensor.Data[int8](out)[off:], src)
	case tensor.Int16:
		narrowInts(tensor.Data[int16](out)[off:], src)
	case tensor.Int32:
		narrowInts(tensor.Data[int32](out)[off:], src)
	case tensor.Int64:
		narrowInts(tensor.Data[int64](out)[off:], src)
	case tensor.Uint8:
		narrowInts(tensor.Data[uint8](out)[off:], src)
	case tensor.Uint16:
		narrowInts(tensor.Data[uint16](out)[off:], src)
	case tensor.Uint32:
		narrowInts(tensor.Data[uint32](out)[off:], src)
	case tensor.Uint64:
		copy(tensor.Data[uint64](out)[off:], src)
	}
}

// ---- strings ----

// formatFloat renders v (a value of a float type with the given mantissa
// round-trip function) as numpy's str() does: the shortest digits that
// round-trip, positional for 1e-4 <= |v| < 1e16 (with at least one
// fractional digit), scientific otherwise.
func formatFloat(v float64, dt tensor.DType) string {
	switch {
	case v != v:
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	bits := 64
	switch dt {
	case tensor.Float32:
		bits = 32
	case tensor.Float16, tensor.BFloat16:
		v = shortestHalf(v, dt)
	}
	a := math.Abs(v)
	if a == 0 || (a >= 1e-4 && a < 1e16) {
		s := strconv.FormatFloat(v, 'f', -1, bits)
		if !strings.ContainsAny(s, ".") {
			s += ".0"
		}
		return s
	}
	return strconv.FormatFloat(v, 'e', -1, bits)
}

// shortestHalf returns the float64 value of the shortest decimal that rounds
// back to the half-precision value v.
func shortestHalf(v float64, dt tensor.DType) float64 {
	back := func(w float64) float64 {
		if dt == tensor.Float16 {
			return float64(f64ToF16(w).Float32())
		}
		return float64(f64ToBF16(w).Float32())
	}
	for p := 0; p < 17; p++ {
		w, err := strconv.ParseFloat(strconv.FormatFloat(v, 'e', p, 64), 64)
		if err == nil && back(w) == v {
			return w
		}
	}
	return v
}

func boolString(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// toStringsInto formats x's elements into o as numpy's str() does.
func toStringsInto(o []string, x *tensor.Tensor) error {
	dt := x.DType()
	switch {
	case dt == tensor.Bool:
		mapSlice(o, x.Bools(), boolString)
	case dt.IsFloat():
		v, err := tensor.ToFloat64(x)
		if err != nil {
			return err
		}
		for i, f := range v {
			o[i] = formatFloat(f, dt)
		}
	case dt.IsInt() && dt.IsSigned():
		v := make([]int64, len(o))
		readI64(v, x, 0)
		mapSlice(o, v, func(i int64) string { return strconv.FormatInt(i, 10) })
	case dt.IsInt():
		v := make([]uint64, len(o))
		readU64(v, x, 0)
		mapSlice(o, v, func(i uint64) string { return strconv.FormatUint(i, 10) })
	default:
		return fmt.Errorf("cannot cast %v to string", dt)
	}
	return nil
}

// parseFloatString parses a numeric string: plain or scientific notation,
// and case-insensitive "INF", "+INF", "-INF", "NaN" (also "infinity").
func parseFloatString(s string, bits int) (float64, error) {
	s = strings.TrimSpace(s)
	v, err := strconv.ParseFloat(s, bits)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return v, nil // overflow to ±Inf or underflow to 0
		}
		return 0, fmt.Errorf("cannot parse %q as a number", s)
	}
	return v, nil
}

// fromStringsInto parses src into out, a numeric or bool tensor of as many
// elements.
func fromStringsInto(out *tensor.Tensor, src []string) error {
	to := out.DType()
	switch {
	case to.IsFloat():
		bits := 64
		if to == tensor.Float32 {
			bits = 32
		}
		v := make([]float64, len(src))
		for i, s := range src {
			f, err := parseFloatString(s, bits)
			if err != nil {
				return err
			}
			v[i] = f
		}
		writeF64(out, 0, v)
	case to == tensor.Bool:
		o := out.Bools()
		for i, s := range src {
			t := strings.TrimSpace(s)
			switch strings.ToLower(t) {
			case "true":
				o[i] = true
				continue
			case "false":
				o[i] = false
				continue
			}
			f, err := parseFloatString(t, 64)
			if err != nil {
				return err
			}
			o[i] = f != 0
		}
	case to.IsInt() && to.IsSigned():
		v := make([]int64, len(src))
		for i, s := range src {
			t := strings.TrimSpace(s)
			if n, err := strconv.ParseInt(t, 10, 64); err == nil {
				v[i] = n
				continue
			}
			f, err := parseFloatString(t, 64)
			if err != nil {
				return err
			}
			v[i] = int64(f)
		}
		writeI64(out, 0, v)
	case to.IsInt():
		v := make([]uint64, len(src))
		for i, s := range src {
			t := strings.TrimSpace(s)
			if n, err := strconv.ParseUint(t, 10, 64); err == nil {
				v[i] = n
				continue
			}
			if n, err := strconv.ParseInt(t, 10, 64); err == nil {
				v[i] = uint64(n)
				continue
			}
			f, err := parseFloatString(t, 64)
			if err != nil {
				return err
			}
			v[i] = f64ToU64(f)
		}
		writeU64(out, 0, v)
	default:
		return fmt.Errorf("cannot cast string to %v", to)
	}
	return nil
}
