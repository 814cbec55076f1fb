// Package tensorproto reads and writes ONNX TensorProto messages: the form
// ONNX uses for initializers, constant attributes and the input_N.pb /
// output_N.pb files of its test suites.
//
// Decoding uses protowire directly rather than generated code so that
// raw_data can alias the input (typically an mmapped model file): a decoded
// numeric tensor whose data travelled in raw_data shares storage with the
// input bytes, which must therefore outlive it and must not be modified.
// Such storage keeps the alignment it had in the input, which may be less than
// the element size (Go permits unaligned access to pointer-free element
// types; code that needs aligned storage must copy, e.g. with Tensor.Clone).
// Data from typed fields is copied into fresh 8-byte-aligned storage.
//
// Every decoder bounds its allocations by the bytes it has read: the element
// count declared by dims is checked against the data actually present before
// any storage is allocated.
package tensorproto

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/sinter-ml/sinter/tensor"
	"google.golang.org/protobuf/encoding/protowire"
)

// ErrInvalid reports a TensorProto that is malformed: bad wire encoding, a
// field of the wrong type, or data that does not fill the declared shape.
var ErrInvalid = errors.New("tensorproto: malformed TensorProto")

// ErrUnsupported reports a well-formed TensorProto that Sinter cannot hold:
// complex or unknown element types, segmented tensors.
var ErrUnsupported = errors.New("tensorproto: unsupported")

// TensorProto field numbers (onnx.proto).
const (
	fDims         = 1
	fDataType     = 2
	fSegment      = 3
	fFloatData    = 4
	fInt32Data    = 5
	fStringData   = 6
	fInt64Data    = 7
	fName         = 8
	fRawData      = 9
	fDoubleData   = 10
	fUint64Data   = 11
	fDoc          = 12
	fExternalData = 13
	fDataLocation = 14
)

// DataLocation values.
const (
	locDefault  = 0
	locExternal = 1
)

// KeyValue is one StringStringEntryProto, as found in external_data.
type KeyValue struct{ Key, Value string }

// External describes tensor data stored outside the model file
// (data_location = EXTERNAL).
type External struct {
	// Location is the file path as written, relative to the model's
	// directory. It is not validated here: resolving it safely is the
	// caller's job.
	Location string
	// Offset is the byte offset of the data in the file (0 when absent).
	Offset int64
	// Length is the byte length of the data, or -1 when absent, meaning the
	// data runs to the end of the file.
	Length int64
	// Checksum is the SHA1 digest string if the writer recorded one.
	Checksum string
	// Entries are all external_data entries in file order, including keys
	// Sinter does not interpret.
	Entries []KeyValue
}

// Proto is a decoded TensorProto.
type Proto struct {
	Name  string
	Doc   string
	DType tensor.DType
	// Dims are the dims as written; they have passed tensor.Shape.Check.
	Dims []int64
	// Tensor holds the data. It is nil exactly when External is non-nil,
	// until ResolveExternal is called.
	Tensor *tensor.Tensor
	// External is non-nil when the data lives in another file.
	External *External
}

// Shape returns the dims as a tensor.Shape.
func (p *Proto) Shape() tensor.Shape {
	s := make(tensor.Shape, len(p.Dims))
	for i, d := range p.Dims {
		s[i] = int(d)
	}
	return s
}

// typedField returns the typed data field that carries dtype dt and the wire
// type of its scalars (onnx.proto's comments on each field).
func typedField(dt tensor.DType) (protowire.Number, protowire.Type) {
	switch dt {
	case tensor.Float32:
		return fFloatData, protowire.Fixed32Type
	case tensor.Float64:
		return fDoubleData, protowire.Fixed64Type
	case tensor.Int64:
		return fInt64Data, protowire.VarintType
	case tensor.Uint32, tensor.Uint64:
		return fUint64Data, protowire.VarintType
	case tensor.String:
		return fStringData, protowire.BytesType
	}
	// int32, int16, int8, uint16, uint8, bool, float16, bfloat16
	return fInt32Data, protowire.VarintType
}

var fieldNames = map[protowire.Number]string{
	fFloatData: "float_data", fInt32Data: "int32_data", fStringData: "string_data",
	fInt64Data: "int64_data", fDoubleData: "double_data", fUint64Data: "uint64_data",
}

func scalarWire(num protowire.Number) protowire.Type {
	switch num {
	case fFloatData:
		return protowire.Fixed32Type
	case fDoubleData:
		return protowire.Fixed64Type
	}
	return protowire.VarintType
}

// Decode parses a serialized TensorProto. Numeric data in raw_data aliases b;
// data in typed fields is copied into fresh, aligned storage; strings are
// copied. When the data is external, Tensor is nil and External says where
// to find it (see ResolveExternal).
//
// # Errors
//
// Errors wrap ErrInvalid for malformed input (including an element count that
// does not match dims exactly) and ErrUnsupported for complex and unknown
// element types and for segmented tensors.
func Decode(b []byte) (*Proto, error) {
	p := &Proto{}
	var (
		dataType uint64
		raw      []byte
		haveRaw  bool
		location uint64
		entries  []KeyValue
		counts   [fUint64Data + 1]int
		seen     uint32 // bit num set when typed field num occurred
	)
	for rest := b; len(rest) > 0; {
		f, r, err := next(rest)
		if err != nil {
			return nil, err
		}
		rest = r
		switch f.num {
		case fDims:
			if _, err := f.packedCount(protowire.VarintType); err != nil {
				return nil, err
			}
			if err := f.eachPacked(protowire.VarintType, func(v uint64) { p.Dims = append(p.Dims, int64(v)) }); err != nil {
				return nil, err
			}
		case fDataType:
			if err := f.want(protowire.VarintType); err != nil {
				return nil, err
			}
			dataType = f.v
		case fSegment:
			return nil, fmt.Errorf("%w: segmented tensors (TensorProto.segment)", ErrUnsupported)
		case fFloatData, fInt32Data, fInt64Data, fDoubleData, fUint64Data:
			n, err := f.packedCount(scalarWire(f.num))
			if err != nil {
				return nil, err
			}
			counts[f.num] += n
			seen |= 1 << f.num
		case fStringData:
			if err := f.want(protowire.BytesType); err != nil {
				return nil, err
			}
			counts[f.num]++
			seen |= 1 << f.num
		case fName:
			if err := f.want(protowire.BytesType); err != nil {
				return nil, err
			}
			p.Name = string(f.b)
		case fDoc:
			if err := f.want(protowire.BytesType); err != nil {
				return nil, err
			}
			p.Doc = string(f.b)
		case fRawData:
			if err := f.want(protowire.BytesType); err != nil {
				return nil, err
			}
			raw, haveRaw = f.b, true
		case fExternalData:
			if err := f.want(protowire.BytesType); err != nil {
				return nil, err
			}
			kv, err := DecodeKeyValue(f.b)
			if err != nil {
				return nil, fmt.Errorf("external_data: %w", err)
			}
			entries = append(entries, kv)
		case fDataLocation:
			if err := f.want(protowire.VarintType); err != nil {
				return nil, err
			}
			location = f.v
		}
	}

	if dataType == 0 {
		return nil, fmt.Errorf("%w: data_type missing", ErrInvalid)
	}
	if dataType > 255 {
		return nil, fmt.Errorf("%w: data_type %d", ErrUnsupported, int64(dataType))
	}
	dt := tensor.DType(dataType)
	if !dt.Valid() {
		return nil, fmt.Errorf("%w: data type %v", ErrUnsupported, dt)
	}
	p.DType = dt
	shape, err := shapeOf(p.Dims)
	if err != nil {
		return nil, err
	}

	switch location {
	case locDefault:
	case locExternal:
		if haveRaw || seen != 0 {
			return nil, fmt.Errorf("%w: external tensor also carries inline data", ErrInvalid)
		}
		if dt == tensor.String {
			return nil, fmt.Errorf("%w: external string tensor", ErrUnsupported)
		}
		ext, err := parseExternal(entries)
		if err != nil {
			return nil, err
		}
		p.External = ext
		return p, nil
	default:
		return nil, fmt.Errorf("%w: data_location %d", ErrInvalid, int64(location))
	}

	if haveRaw {
		if seen != 0 {
			return nil, fmt.Errorf("%w: both raw_data and typed data fields are set", ErrInvalid)
		}
		if dt == tensor.String {
			return nil, fmt.Errorf("%w: string tensor in raw_data", ErrInvalid)
		}
		p.Tensor, err = fromRaw(dt, shape, raw)
		return p, err
	}

	num, scalar := typedField(dt)
	if other := seen &^ (1 << num); other != 0 {
		for _, n := range []protowire.Number{fFloatData, fInt32Data, fStringData, fInt64Data, fDoubleData, fUint64Data} {
			if other&(1<<n) != 0 {
				return nil, fmt.Errorf("%w: %v tensor has data in %s", ErrInvalid, dt, fieldNames[n])
			}
		}
	}
	numel := shape.NumElements()
	if counts[num] != numel {
		return nil, fmt.Errorf("%w: %v%v needs %d elements, %s has %d", ErrInvalid, dt, shape, numel, fieldNames[num], counts[num])
	}

	// Second pass: the count is now known to be justified by the input, so
	// storage of exactly that size can be allocated and filled.
	if dt == tensor.String {
		strs := make([]string, 0, numel)
		for rest := b; len(rest) > 0; {
			f, r, _ := next(rest) // validated by the first pass
			rest = r
			if f.num == fStringData {
				strs = append(strs, string(f.b))
			}
		}
		p.Tensor = tensor.FromStrings(strs, shape...)
		return p, nil
	}
	t := tensor.New(dt, shape...)
	store := storer(dt, t.Bytes())
	i := 0
	for rest := b; len(rest) > 0; {
		f, r, _ := next(rest)
		rest = r
		if f.num != num {
			continue
		}
		err := f.eachPacked(scalar, func(v uint64) {
			store(i, v)
			i++
		})
		if err != nil {
			return nil, err
		}
	}
	p.Tensor = t
	return p, nil
}

// storer returns a function that writes the i-th element of a typed field
// into buf, truncating to the element width as numpy's astype does.
func storer(dt tensor.DType, buf []byte) func(i int, v uint64) {
	switch dt {
	case tensor.Bool:
		return func(i int, v uint64) {
			if v != 0 {
				buf[i] = 1
			}
		}
	}
	switch dt.Size() {
	case 1:
		return func(i int, v uint64) { buf[i] = byte(v) }
	case 2:
		return func(i int, v uint64) { binary.LittleEndian.PutUint16(buf[2*i:], uint16(v)) }
	case 4:
		return func(i int, v uint64) { binary.LittleEndian.PutUint32(buf[4*i:], uint32(v)) }
	default:
		return func(i int, v uint64) { binary.LittleEndian.PutUint64(buf[8*i:], v) }
	}
}

// shapeOf converts and validates dims.
func shapeOf(dims []int64) (tensor.Shape, error) {
	s := make(tensor.Shape, len(dims))
	for i, d := range dims {
		if d < 0 || d > tensor.MaxElements {
			return nil, fmt.Errorf("%w: dims %v", ErrInvalid, dims)
		}
		s[i] = int(d)
	}
	if err := s.Check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return s, nil
}

// fromRaw wraps raw little-endian bytes as a tensor, aliasing them. Bool
// bytes other than 0 and 1 would be invalid Go bools, so such data is copied
// and normalised instead.
func fromRaw(dt tensor.DType, shape tensor.Shape, raw []byte) (*tensor.Tensor, error) {
	if want := shape.NumElements() * dt.Size(); len(raw) != want {
		return nil, fmt.Errorf("%w: %v%v needs %d bytes, data has %d", ErrInvalid, dt, shape, want, len(raw))
	}
	if dt == tensor.Bool {
		for _, c := range raw {
			if c > 1 {
				t := tensor.New(dt, shape...)
				for i, c := range raw {
					if c != 0 {
						t.Bytes()[i] = 1
					}
				}
				return t, nil
			}
		}
	}
	t, err := tensor.FromBytes(dt, shape, raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return t, nil
}

// ResolveExternal sets p.Tensor from the bytes of p's external data region:
// exactly the Length bytes at Offset of the external file (or from Offset to
// the end when Length is -1). The tensor aliases data.
//
// # Errors
//
// It fails if p is not external or len(data) does not match the element
// count and size.
func (p *Proto) ResolveExternal(data []byte) error {
	if p.External == nil {
		return fmt.Errorf("%w: tensor %q has no external data", ErrInvalid, p.Name)
	}
	if p.External.Length >= 0 && int64(len(data)) != p.External.Length {
		return fmt.Errorf("%w: external data length %d, got %d bytes", ErrInvalid, p.External.Length, len(data))
	}
	t, err := fromRaw(p.DType, p.Shape(), data)
	if err != nil {
		return err
	}
	p.Tensor = t
	return nil
}

func parseExternal(entries []KeyValue) (*External, error) {
	e := &External{Length: -1, Entries: entries}
	haveLoc := false
	for _, kv := range entries {
		switch kv.Key {
		case "location":
			e.Location, haveLoc = kv.Value, true
		case "offset", "length":
			v, err := strconv.ParseInt(kv.Value, 10, 64)
			if err != nil || v < 0 {
				return nil, fmt.Errorf("%w: external_data %s %q", ErrInvalid, kv.Key, kv.Value)
			}
			if kv.Key == "offset" {
				e.Offset = v
			} else {
				e.Length = v
			}
		case "checksum":
			e.Checksum = kv.Value
		}
	}
	if !haveLoc || e.Location == "" {
		return nil, fmt.Errorf("%w: external data without a location", ErrInvalid)
	}
	return e, nil
}

// DecodeKeyValue parses a StringStringEntryProto (key = 1, value = 2).
func DecodeKeyValue(b []byte) (KeyValue, error) {
	var kv KeyValue
	for len(b) > 0 {
		f, r, err := next(b)
		if err != nil {
			return kv, err
		}
		b = r
		switch f.num {
		case 1, 2:
			if err := f.want(protowire.BytesType); err != nil {
				return kv, err
			}
			if f.num == 1 {
				kv.Key = string(f.b)
			} else {
				kv.Value = string(f.b)
			}
		}
	}
	return kv, nil
}

// Unmarshal decodes a serialized TensorProto holding its data inline, as in
// the input_N.pb and output_N.pb files of ONNX test data. Numeric data in
// raw_data aliases b.
//
// # Errors
//
// As Decode, plus an ErrUnsupported error when the data is external.
func Unmarshal(b []byte) (*tensor.Tensor, error) {
	p, err := Decode(b)
	if err != nil {
		return nil, err
	}
	if p.External != nil {
		return nil, fmt.Errorf("%w: tensor %q has external data", ErrUnsupported, p.Name)
	}
	return p.Tensor, nil
}

// Marshal encodes t as a TensorProto called name: raw_data for numeric and
// bool tensors, string_data for strings.
func Marshal(t *tensor.Tensor, name string) []byte {
	return Append(nil, t, name, "")
}

// Append appends the TensorProto encoding of t (with name and doc string, each
// omitted when empty) to b and returns the extended slice. Fields are written
// in field-number order, as protobuf's own serializers do.
func Append(b []byte, t *tensor.Tensor, name, doc string) []byte {
	for _, d := range t.Shape() {
		b = protowire.AppendTag(b, fDims, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(d))
	}
	b = protowire.AppendTag(b, fDataType, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(t.DType()))
	if t.DType() == tensor.String {
		for _, s := range t.Strings() {
			b = protowire.AppendTag(b, fStringData, protowire.BytesType)
			b = protowire.AppendString(b, s)
		}
	}
	if name != "" {
		b = protowire.AppendTag(b, fName, protowire.BytesType)
		b = protowire.AppendString(b, name)
	}
	if t.DType() != tensor.String {
		b = protowire.AppendTag(b, fRawData, protowire.BytesType)
		b = protowire.AppendBytes(b, t.Bytes())
	}
	if doc != "" {
		b = protowire.AppendTag(b, fDoc, protowire.BytesType)
		b = protowire.AppendString(b, doc)
	}
	return b
}
