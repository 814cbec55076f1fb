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
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := need(in, 1); err != nil {
			return nil, err
		}
		out, err := castTensor(in[0], to)
		if err != nil {
			return nil, fmt.Errorf("Cast: %w", err)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func bindCastLike(n *ops.Node) (ops.Kernel, error) {
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := need(in, 2); err != nil {
			return nil, err
		}
		out, err := castTensor(in[0], in[1].DType())
		if err != nil {
			return nil, fmt.Errorf("CastLike: %w", err)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// castTensor converts x to dtype to. It returns x itself when no conversion
// is needed.
func castTensor(x *tensor.Tensor, to tensor.DType) (*tensor.Tensor, error) {
	from := x.DType()
	if from == to {
		return x, nil
	}
	if !to.Valid() {
		return nil, fmt.Errorf("cannot cast to %v", to)
	}
	if to == tensor.String {
		return toStrings(x)
	}
	if from == tensor.String {
		return fromStrings(x, to)
	}
	out := tensor.New(to, x.Shape()...)
	switch {
	case from.IsFloat():
		v, err := tensor.ToFloat64(x)
		if err != nil {
			return nil, err
		}
		writeF64(out, v)
	case from == tensor.Bool || from.IsInt() && from.IsSigned():
		v, err := signedWide(x)
		if err != nil {
			return nil, err
		}
		writeI64(out, v)
	case from.IsInt():
		v, err := unsignedWide(x)
		if err != nil {
			return nil, err
		}
		writeU64(out, v)
	default:
		return nil, fmt.Errorf("cannot cast from %v", from)
	}
	return out, nil
}

func signedWide(x *tensor.Tensor) ([]int64, error) {
	v := make([]int64, x.Len())
	switch x.DType() {
	case tensor.Bool:
		for i, b := range x.Bools() {
			if b {
				v[i] = 1
			}
		}
	case tensor.Int8:
		widenInts(v, tensor.Data[int8](x))
	case tensor.Int16:
		widenInts(v, tensor.Data[int16](x))
	case tensor.Int32:
		widenInts(v, tensor.Data[int32](x))
	case tensor.Int64:
		copy(v, x.Int64s())
	default:
		return nil, fmt.Errorf("cannot cast from %v", x.DType())
	}
	return v, nil
}

func widenU[T Unsigned](dst []uint64, src []T) {
	for i, v := range src {
		dst[i] = uint64(v)
	}
}

func unsignedWide(x *tensor.Tensor) ([]uint64, error) {
	v := make([]uint64, x.Len())
	switch x.DType() {
	case tensor.Uint8:
		widenU(v, tensor.Data[uint8](x))
	case tensor.Uint16:
		widenU(v, tensor.Data[uint16](x))
	case tensor.Uint32:
		widenU(v, tensor.Data[uint32](x))
	case tensor.Uint64:
		copy(v, tensor.Data[uint64](x))
	default:
		return nil, fmt.Errorf("cannot cast from %v", x.DType())
	}
	return v, nil
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

func writeF64(out *tensor.Tensor, src []float64) {
	switch out.DType() {
	case tensor.Float32:
		mapSlice(out.Float32s(), src, func(v float64) float32 { return float32(v) })
	case tensor.Float64:
		copy(out.Float64s(), src)
	case tensor.Float16:
		mapSlice(tensor.Data[tensor.Float16Bits](out), src, f64ToF16)
	case tensor.BFloat16:
		mapSlice(tensor.Data[tensor.BFloat16Bits](out), src, f64ToBF16)
	case tensor.Bool:
		mapSlice(out.Bools(), src, func(v float64) bool { return v != 0 })
	case tensor.Int8:
		truncInt(tensor.Data[int8](out), src)
	case tensor.Int16:
		truncInt(tensor.Data[int16](out), src)
	case tensor.Int32:
		truncInt(tensor.Data[int32](out), src)
	case tensor.Int64:
		truncInt(tensor.Data[int64](out), src)
	case tensor.Uint8:
		truncInt(tensor.Data[uint8](out), src)
	case tensor.Uint16:
		truncInt(tensor.Data[uint16](out), src)
	case tensor.Uint32:
		truncInt(tensor.Data[uint32](out), src)
	case tensor.Uint64:
		mapSlice(tensor.Data[uint64](out), src, f64ToU64)
	}
}

func narrowInts[S, D Integer](dst []D, src []S) {
	for i, v := range src {
		dst[i] = D(v)
	}
}

func writeI64(out *tensor.Tensor, src []int64) {
	switch out.DType() {
	case tensor.Float32:
		mapSlice(out.Float32s(), src, func(v int64) float32 { return float32(v) })
	case tensor.Float64:
		mapSlice(out.Float64s(), src, func(v int64) float64 { return float64(v) })
	case tensor.Float16:
		mapSlice(tensor.Data[tensor.Float16Bits](out), src, func(v int64) tensor.Float16Bits { return f64ToF16(float64(v)) })
	case tensor.BFloat16:
		mapSlice(tensor.Data[tensor.BFloat16Bits](out), src, func(v int64) tensor.BFloat16Bits { return f64ToBF16(float64(v)) })
	case tensor.Bool:
		mapSlice(out.Bools(), src, func(v int64) bool { return v != 0 })
	case tensor.Int8:
		narrowInts(tensor.Data[int8](out), src)
	case tensor.Int16:
		narrowInts(tensor.Data[int16](out), src)
	case tensor.Int32:
		narrowInts(tensor.Data[int32](out), src)
	case tensor.Int64:
		copy(out.Int64s(), src)
	case tensor.Uint8:
		narrowInts(tensor.Data[uint8](out), src)
	case tensor.Uint16:
		narrowInts(tensor.Data[uint16](out), src)
	case tensor.Uint32:
		narrowInts(tensor.Data[uint32](out), src)
	case tensor.Uint64:
		narrowInts(tensor.Data[uint64](out), src)
	}
}

func writeU64(out *tensor.Tensor, src []uint64) {
	switch out.DType() {
	case tensor.Float32:
		mapSlice(out.Float32s(), src, func(v uint64) float32 { return float32(v) })
	case tensor.Float64:
		mapSlice(out.Float64s(), src, func(v uint64) float64 { return float64(v) })
	case tensor.Float16:
		mapSlice(tensor.Data[tensor.Float16Bits](out), src, func(v uint64) tensor.Float16Bits { return f64ToF16(float64(v)) })
	case tensor.BFloat16:
		mapSlice(tensor.Data[tensor.BFloat16Bits](out), src, func(v uint64) tensor.BFloat16Bits { return f64ToBF16(float64(v)) })
	case tensor.Bool:
		mapSlice(out.Bools(), src, func(v uint64) bool { return v != 0 })
	case tensor.Int8:
		narrowInts(tensor.Data[int8](out), src)
	case tensor.Int16:
		narrowInts(tensor.Data[int16](out), src)
	case tensor.Int32:
		narrowInts(tensor.Data[int32](out), src)
	case tensor.Int64:
		narrowInts(tensor.Data[int64](out), src)
	case tensor.Uint8:
		narrowInts(tensor.Data[uint8](out), src)
	case tensor.Uint16:
		narrowInts(tensor.Data[uint16](out), src)
	case tensor.Uint32:
		narrowInts(tensor.Data[uint32](out), src)
	case tensor.Uint64:
		copy(tensor.Data[uint64](out), src)
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

func toStrings(x *tensor.Tensor) (*tensor.Tensor, error) {
	out := tensor.New(tensor.String, x.Shape()...)
	o := out.Strings()
	dt := x.DType()
	switch {
	case dt == tensor.Bool:
		mapSlice(o, x.Bools(), boolString)
	case dt.IsFloat():
		v, err := tensor.ToFloat64(x)
		if err != nil {
			return nil, err
		}
		for i, f := range v {
			o[i] = formatFloat(f, dt)
		}
	case dt.IsInt() && dt.IsSigned():
		v, err := signedWide(x)
		if err != nil {
			return nil, err
		}
		mapSlice(o, v, func(i int64) string { return strconv.FormatInt(i, 10) })
	case dt.IsInt():
		v, err := unsignedWide(x)
		if err != nil {
			return nil, err
		}
		mapSlice(o, v, func(i uint64) string { return strconv.FormatUint(i, 10) })
	default:
		return nil, fmt.Errorf("cannot cast %v to string", dt)
	}
	return out, nil
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

func fromStrings(x *tensor.Tensor, to tensor.DType) (*tensor.Tensor, error) {
	src := x.Strings()
	out := tensor.New(to, x.Shape()...)
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
				return nil, err
			}
			v[i] = f
		}
		writeF64(out, v)
	case to == tensor.Bool:
		o := out.Bools()
		for i, s := range src {
			t := strings.TrimSpace(s)
			switch strings.ToLower(t) {
			case "true":
				o[i] = true
				continue
			case "false":
				continue
			}
			f, err := parseFloatString(t, 64)
			if err != nil {
				return nil, err
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
				return nil, err
			}
			v[i] = int64(f)
		}
		writeI64(out, v)
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
				return nil, err
			}
			v[i] = f64ToU64(f)
		}
		writeU64(out, v)
	default:
		return nil, fmt.Errorf("cannot cast string to %v", to)
	}
	return out, nil
}
