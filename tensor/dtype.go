// Package tensor holds Sinter's n-dimensional arrays: a DType, a Shape and
// contiguous row-major storage.
//
// Numeric tensors keep their elements in a little-endian byte slice, so a
// tensor can alias bytes it did not allocate (an mmapped model file, a pooled
// arena) without copying. Typed accessors such as Float32s reinterpret those
// bytes in place. String tensors keep a []string instead.
package tensor

import "fmt"

// DType is an element type. Its values are those of ONNX's
// TensorProto.DataType enum, so a DType converts to and from the wire format
// without a table.
type DType uint8

// The element types. Values match onnx.proto's TensorProto.DataType.
const (
	Undefined  DType = 0
	Float32    DType = 1
	Uint8      DType = 2
	Int8       DType = 3
	Uint16     DType = 4
	Int16      DType = 5
	Int32      DType = 6
	Int64      DType = 7
	String     DType = 8
	Bool       DType = 9
	Float16    DType = 10
	Float64    DType = 11
	Uint32     DType = 12
	Uint64     DType = 13
	Complex64  DType = 14
	Complex128 DType = 15
	BFloat16   DType = 16
	// ONNX types Sinter names but does not store (Valid reports false).
	Float8E4M3FN   DType = 17
	Float8E4M3FNUZ DType = 18
	Float8E5M2     DType = 19
	Float8E5M2FNUZ DType = 20
	Uint4          DType = 21
	Int4           DType = 22
	Float4E2M1     DType = 23
)

var dtypeInfo = [...]struct {
	name string
	size int
}{
	Undefined:  {"undefined", 0},
	Float32:    {"float32", 4},
	Uint8:      {"uint8", 1},
	Int8:       {"int8", 1},
	Uint16:     {"uint16", 2},
	Int16:      {"int16", 2},
	Int32:      {"int32", 4},
	Int64:      {"int64", 8},
	String:     {"string", 0},
	Bool:       {"bool", 1},
	Float16:    {"float16", 2},
	Float64:    {"float64", 8},
	Uint32:     {"uint32", 4},
	Uint64:     {"uint64", 8},
	Complex64:  {"complex64", 8},
	Complex128: {"complex128", 16},
	BFloat16:   {"bfloat16", 2},
	// Named only: their storage is not supported.
	Float8E4M3FN:   {"float8e4m3fn", 0},
	Float8E4M3FNUZ: {"float8e4m3fnuz", 0},
	Float8E5M2:     {"float8e5m2", 0},
	Float8E5M2FNUZ: {"float8e5m2fnuz", 0},
	Uint4:          {"uint4", 0},
	Int4:           {"int4", 0},
	Float4E2M1:     {"float4e2m1", 0},
}

// Size is the number of bytes one element occupies in storage; 0 for String
// and Undefined.
func (d DType) Size() int {
	if int(d) < len(dtypeInfo) {
		return dtypeInfo[d].size
	}
	return 0
}

// Valid reports whether d is one of the element types Sinter stores.
// Complex, float8, 4-bit and float4 types are recognised by name but not
// stored.
func (d DType) Valid() bool {
	return d != Undefined && d <= BFloat16 && d != Complex64 && d != Complex128
}

// IsFloat reports whether d is a floating-point type.
func (d DType) IsFloat() bool {
	return d == Float32 || d == Float64 || d == Float16 || d == BFloat16
}

// IsInt reports whether d is a (signed or unsigned) integer type.
func (d DType) IsInt() bool {
	switch d {
	case Int8, Int16, Int32, Int64, Uint8, Uint16, Uint32, Uint64:
		return true
	}
	return false
}

// IsNumeric reports whether d is a float, integer or bool type: the types
// ToFloat64 reads and FromFloat64 writes.
func (d DType) IsNumeric() bool { return d.IsFloat() || d.IsInt() || d == Bool }

// IsSigned reports whether d can hold negative values.
func (d DType) IsSigned() bool {
	switch d {
	case Int8, Int16, Int32, Int64, Float32, Float64, Float16, BFloat16:
		return true
	}
	return false
}

func (d DType) String() string {
	if int(d) < len(dtypeInfo) {
		return dtypeInfo[d].name
	}
	return fmt.Sprintf("dtype(%d)", uint8(d))
}

// ParseDType maps a name as printed by DType.String back to its DType.
func ParseDType(name string) (DType, bool) {
	for i, info := range dtypeInfo {
		if info.name == name && i != 0 {
			return DType(i), true
		}
	}
	return Undefined, false
}

// Float16Bits is an IEEE 754 half-precision value as its raw bits.
type Float16Bits uint16

// BFloat16Bits is a bfloat16 value (the top half of a float32) as its raw bits.
type BFloat16Bits uint16

// Elem is the set of Go types that back a numeric or bool tensor's storage.
type Elem interface {
	~float32 | ~float64 | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint8 | ~uint16 | ~uint32 | ~uint64 | ~bool
}

// DTypeOf returns the DType whose storage is a []T. uint16 maps to Uint16;
// use Float16Bits or BFloat16Bits for the half-precision types.
func DTypeOf[T Elem]() DType {
	var z T
	switch any(z).(type) {
	case float32:
		return Float32
	case float64:
		return Float64
	case int8:
		return Int8
	case int16:
		return Int16
	case int32:
		return Int32
	case int64:
		return Int64
	case uint8:
		return Uint8
	case uint16:
		return Uint16
	case uint32:
		return Uint32
	case uint64:
		return Uint64
	case bool:
		return Bool
	case Float16Bits:
		return Float16
	case BFloat16Bits:
		return BFloat16
	}
	return Undefined
}
