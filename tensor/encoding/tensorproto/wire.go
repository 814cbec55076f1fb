package tensorproto

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// field is one decoded protobuf field. For VarintType, Fixed32Type and
// Fixed64Type the value is in v; for BytesType the payload is in b (aliasing
// the input).
type field struct {
	num protowire.Number
	typ protowire.Type
	v   uint64
	b   []byte
}

// next reads the field at the start of b and returns it with the rest of b.
// Groups (deprecated, never used by ONNX) are consumed whole so callers can
// skip them as unknown.
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

// want reports an error unless f has wire type typ.
func (f *field) want(typ protowire.Type) error {
	if f.typ != typ {
		return fmt.Errorf("%w: field %d has wire type %d, want %d", ErrInvalid, f.num, f.typ, typ)
	}
	return nil
}

// packedCount returns how many scalars of wire type scalar the occurrence f
// holds: one for a scalar encoding, or the element count of a packed run. It
// validates the run's length without decoding it.
func (f *field) packedCount(scalar protowire.Type) (int, error) {
	if f.typ == scalar {
		return 1, nil
	}
	if f.typ != protowire.BytesType {
		return 0, f.want(scalar)
	}
	switch scalar {
	case protowire.Fixed32Type:
		if len(f.b)%4 != 0 {
			return 0, fmt.Errorf("%w: field %d: packed fixed32 run of %d bytes", ErrInvalid, f.num, len(f.b))
		}
		return len(f.b) / 4, nil
	case protowire.Fixed64Type:
		if len(f.b)%8 != 0 {
			return 0, fmt.Errorf("%w: field %d: packed fixed64 run of %d bytes", ErrInvalid, f.num, len(f.b))
		}
		return len(f.b) / 8, nil
	}
	// Varints: one terminating byte (high bit clear) per value.
	n := 0
	for _, c := range f.b {
		if c < 0x80 {
			n++
		}
	}
	if len(f.b) > 0 && f.b[len(f.b)-1] >= 0x80 {
		return 0, fmt.Errorf("%w: field %d: truncated packed varint", ErrInvalid, f.num)
	}
	return n, nil
}

// eachPacked calls fn for every scalar in the occurrence f (scalar or packed
// encoding of wire type scalar), which packedCount has already validated.
func (f *field) eachPacked(scalar protowire.Type, fn func(uint64)) error {
	if f.typ == scalar {
		fn(f.v)
		return nil
	}
	b := f.b
	for len(b) > 0 {
		var v uint64
		var n int
		switch scalar {
		case protowire.Fixed32Type:
			var u uint32
			u, n = protowire.ConsumeFixed32(b)
			v = uint64(u)
		case protowire.Fixed64Type:
			v, n = protowire.ConsumeFixed64(b)
		default:
			v, n = protowire.ConsumeVarint(b)
		}
		if n < 0 {
			return fmt.Errorf("%w: field %d: %v", ErrInvalid, f.num, protowire.ParseError(n))
		}
		fn(v)
		b = b[n:]
	}
	return nil
}
