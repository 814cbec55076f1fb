package onnx

import (
	"fmt"
	"math"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
)

// field is one decoded protobuf field. Scalars (varint, fixed32, fixed64) are
// in v; a length-delimited payload is in b, aliasing the input.
type field struct {
	num protowire.Number
	typ protowire.Type
	v   uint64
	b   []byte
}

// next reads the field at the start of b and returns it with the rest of b.
// Group-encoded fields (never used by ONNX) are consumed whole so that they
// can be skipped as unknown.
func next(b []byte) (field, []byte, error) {
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 {
		return field{}, nil, fmt.Errorf("%w: bad field tag: %v", ErrInvalid, protowire.ParseError(n))
	}
	b = b[n:]
	f := field{num: num, typ: typ}
	switch typ {
	case protowire.VarintType:
		f.v, n = protowire.ConsumeVarint(b)
	case protowire.Fixed32Type:
		var v uint32
		v, n = protowire.ConsumeFixed32(b)
		f.v = uint64(v)
	case protowire.Fixed64Type:
		f.v, n = protowire.ConsumeFixed64(b)
	case protowire.BytesType:
		f.b, n = protowire.ConsumeBytes(b)
	default:
		n = protowire.ConsumeFieldValue(num, typ, b)
	}
	if n < 0 {
		return field{}, nil, fmt.Errorf("%w: field %d: %v", ErrInvalid, num, protowire.ParseError(n))
	}
	return f, b[n:], nil
}

func (f *field) want(typ protowire.Type) error {
	if f.typ != typ {
		return fmt.Errorf("%w: field %d has wire type %d, want %d", ErrInvalid, f.num, f.typ, typ)
	}
	return nil
}

// str returns a copy of a string field: strings must not alias the input,
// which may be an mmapped file unmapped by File.Close.
func (f *field) str() (string, error) {
	if err := f.want(protowire.BytesType); err != nil {
		return "", err
	}
	return string(f.b), nil
}

func (f *field) int64() (int64, error) {
	if err := f.want(protowire.VarintType); err != nil {
		return 0, err
	}
	return int64(f.v), nil
}

// int32 reads an int32 field: a varint holding a sign-extended value.
func (f *field) int32() (int32, error) {
	if err := f.want(protowire.VarintType); err != nil {
		return 0, err
	}
	if int64(f.v) < math.MinInt32 || int64(f.v) > math.MaxInt32 {
		return 0, fmt.Errorf("%w: field %d: %d overflows int32", ErrInvalid, f.num, int64(f.v))
	}
	return int32(f.v), nil
}

// appendVarints appends the values of a repeated varint field occurrence,
// packed or not. The slice grows by at most one element per input byte.
func (f *field) appendVarints(dst []int64) ([]int64, error) {
	switch f.typ {
	case protowire.VarintType:
		return append(dst, int64(f.v)), nil
	case protowire.BytesType:
		for b := f.b; len(b) > 0; {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return dst, fmt.Errorf("%w: field %d: %v", ErrInvalid, f.num, protowire.ParseError(n))
			}
			dst = append(dst, int64(v))
			b = b[n:]
		}
		return dst, nil
	}
	return dst, f.want(protowire.VarintType)
}

// appendFloats appends the values of a repeated float field occurrence,
// packed or not.
func (f *field) appendFloats(dst []float32) ([]float32, error) {
	switch f.typ {
	case protowire.Fixed32Type:
		return append(dst, math.Float32frombits(uint32(f.v))), nil
	case protowire.BytesType:
		if len(f.b)%4 != 0 {
			return dst, fmt.Errorf("%w: field %d: packed float run of %d bytes", ErrInvalid, f.num, len(f.b))
		}
		dst = slices.Grow(dst, len(f.b)/4)
		for b := f.b; len(b) > 0; b = b[4:] {
			v, _ := protowire.ConsumeFixed32(b)
			dst = append(dst, math.Float32frombits(v))
		}
		return dst, nil
	}
	return dst, f.want(protowire.Fixed32Type)
}

// peekString returns the last occurrence of string field num in message b,
// or "" when absent or unreadable. It exists for error messages, which are
// built when a message fails part-way, before later fields were read.
func peekString(b []byte, num protowire.Number) string {
	s := ""
	for len(b) > 0 {
		f, r, err := next(b)
		if err != nil {
			break
		}
		b = r
		if f.num == num && f.typ == protowire.BytesType {
			s = string(f.b)
		}
	}
	return s
}

func float32frombits(v uint64) float32 { return math.Float32frombits(uint32(v)) }

func float32bits(f float32) uint32 { return math.Float32bits(f) }
