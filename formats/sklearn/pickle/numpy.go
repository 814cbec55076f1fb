package pickle

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"unicode/utf8"
)

// DType is a numpy dtype: a scalar type (Kind and ItemSize), a structured
// record (Kind 'V' with Fields) or an opaque byte block (Kind 'V' without
// Fields).
type DType struct {
	// Kind is numpy's kind character: 'b' bool, 'i' signed, 'u' unsigned,
	// 'f' float, 'c' complex, 'O' object, 'S' bytes, 'U' unicode (UTF-32),
	// 'V' void / structured, 'M'/'m' datetime/timedelta.
	Kind     byte
	ItemSize int
	// BigEndian is set for '>' byte order.
	BigEndian bool
	// Fields of a structured dtype, in declaration order.
	Fields []Field
}

// Field is one field of a structured dtype.
type Field struct {
	Name   string
	Type   *DType
	Offset int
}

// String gives numpy's type string ("<f8", "|V56", "|O").
func (d *DType) String() string {
	if d == nil {
		return "<nil dtype>"
	}
	bo := "<"
	if d.BigEndian {
		bo = ">"
	}
	if d.ItemSize <= 1 || d.Kind == 'V' || d.Kind == 'S' || d.Kind == 'O' {
		bo = "|"
	}
	if d.Kind == 'O' {
		return "|O"
	}
	return bo + string(d.Kind) + strconv.Itoa(d.ItemSize)
}

// Field returns the named field, or nil.
func (d *DType) Field(name string) *Field {
	for i := range d.Fields {
		if d.Fields[i].Name == name {
			return &d.Fields[i]
		}
	}
	return nil
}

// maxItemSize bounds a dtype's element size.
const maxItemSize = 1 << 24

// parseDTypeString parses the first argument numpy.dtype is reduced with:
// "f8", "i4", "u1", "b1", "O8", "V56", "U5", "S3", "M8", "c16" (optionally
// with a byte-order prefix).
func parseDTypeString(s string) (*DType, error) {
	d := &DType{}
	if len(s) > 0 && (s[0] == '<' || s[0] == '>' || s[0] == '|' || s[0] == '=') {
		d.BigEndian = s[0] == '>'
		s = s[1:]
	}
	if s == "" {
		return nil, fmt.Errorf("%w: empty dtype string", ErrInvalid)
	}
	d.Kind = s[0]
	size := -1
	if len(s) > 1 {
		n, err := strconv.Atoi(s[1:])
		if err != nil || n < 0 || n > maxItemSize {
			return nil, fmt.Errorf("%w: dtype %q", ErrInvalid, s)
		}
		size = n
	}
	switch d.Kind {
	case 'b':
		if size == -1 {
			size = 1
		}
		if size != 1 {
			return nil, fmt.Errorf("%w: dtype %q", ErrInvalid, s)
		}
	case 'i', 'u':
		if size != 1 && size != 2 && size != 4 && size != 8 {
			return nil, fmt.Errorf("%w: dtype %q", ErrInvalid, s)
		}
	case 'f':
		if size != 2 && size != 4 && size != 8 && size != 16 {
			return nil, fmt.Errorf("%w: dtype %q", ErrInvalid, s)
		}
	case 'c':
		if size != 8 && size != 16 && size != 32 {
			return nil, fmt.Errorf("%w: dtype %q", ErrInvalid, s)
		}
	case 'O':
		size = 8
	case 'M', 'm':
		if size != 8 {
			return nil, fmt.Errorf("%w: dtype %q", ErrInvalid, s)
		}
	case 'U':
		if size < 0 {
			size = 0
		}
		if size > maxItemSize/4 {
			return nil, fmt.Errorf("%w: dtype %q", ErrInvalid, s)
		}
		size *= 4
	case 'S', 'V':
		if size < 0 {
			size = 0
		}
	default:
		return nil, fmt.Errorf("%w: dtype %q not supported", ErrInvalid, s)
	}
	d.ItemSize = size
	return d, nil
}

// setState applies numpy.dtype.__setstate__: (version, byteorder,
// subarray, names, fields, elsize, alignment, flags[, metadata]).
func (d *DType) setState(st Value) error {
	t, ok := st.(Tuple)
	if !ok || len(t) < 5 {
		return fmt.Errorf("%w: dtype state is %s", ErrInvalid, TypeName(st))
	}
	// Version 3 and 4 carry 8 and 9 entries; versions 0–2 are older
	// layouts without the leading byte order: accept the common shapes.
	var bo, sub, names, fields, elsize Value
	switch len(t) {
	case 9, 8:
		bo, sub, names, fields, elsize = t[1], t[2], t[3], t[4], t[5]
	case 6:
		bo, sub, names, fields, elsize = t[1], t[2], t[3], t[4], t[5]
	case 5:
		bo, names, fields, elsize = t[0], t[1], t[2], t[3]
	default:
		return fmt.Errorf("%w: dtype state of %d entries", ErrInvalid, len(t))
	}
	if s, ok := bo.(string); ok {
		switch s {
		case ">":
			d.BigEndian = true
		case "<", "|", "=":
			d.BigEndian = false
		default:
			return fmt.Errorf("%w: dtype byte order %q", ErrInvalid, s)
		}
	}
	if sub != nil {
		return fmt.Errorf("%w: numpy sub-array dtypes are not supported", ErrRefused)
	}
	if n, ok := elsize.(int64); ok && n >= 0 && (d.Kind == 'V' || d.Kind == 'U' || d.Kind == 'S') {
		if n > maxItemSize {
			return fmt.Errorf("%w: dtype item size %d", ErrLimit, n)
		}
		d.ItemSize = int(n)
	}
	if names == nil {
		return nil
	}
	nt, ok := names.(Tuple)
	if !ok {
		return fmt.Errorf("%w: dtype names are %s", ErrInvalid, TypeName(names))
	}
	fd, ok := fields.(*Dict)
	if !ok {
		return fmt.Errorf("%w: dtype fields are %s", ErrInvalid, TypeName(fields))
	}
	if d.Kind != 'V' {
		return fmt.Errorf("%w: fields on a non-void dtype", ErrInvalid)
	}
	d.Fields = d.Fields[:0]
	for _, nv := range nt {
		name, ok := nv.(string)
		if !ok {
			return fmt.Errorf("%w: dtype field name is %s", ErrInvalid, TypeName(nv))
		}
		fv, ok := fd.Get(name)
		if !ok {
			return fmt.Errorf("%w: dtype field %q has no description", ErrInvalid, name)
		}
		ft, ok := fv.(Tuple)
		if !ok || len(ft) < 2 {
			return fmt.Errorf("%w: dtype field %q description", ErrInvalid, name)
		}
		sub, ok := ft[0].(*DType)
		if !ok {
			return fmt.Errorf("%w: dtype field %q type is %s", ErrInvalid, name, TypeName(ft[0]))
		}
		off, ok := ft[1].(int64)
		if !ok || off < 0 || off+int64(sub.ItemSize) > int64(d.ItemSize) {
			return fmt.Errorf("%w: dtype field %q offset out of the record", ErrInvalid, name)
		}
		d.Fields = append(d.Fields, Field{Name: name, Type: sub, Offset: int(off)})
	}
	return nil
}

// Array is a numpy array. Numeric data stay in the pickle's bytes (Data,
// in Fortran order when Fortran is set); object arrays hold their elements
// in Objects (in C order).
type Array struct {
	DType   *DType
	Shape   []int
	Fortran bool
	Data    []byte
	Objects []Value
	filled  bool
}

// maxElements bounds the element count of any array.
const maxElements = 1 << 40

// Len is the number of elements (product of Shape).
func (a *Array) Len() int {
	n := 1
	for _, s := range a.Shape {
		n *= s
	}
	return n
}

// shapeOf converts a pickled shape tuple, bounding its product.
func shapeOf(v Value) ([]int, error) {
	var t Tuple
	switch s := v.(type) {
	case Tuple:
		t = s
	case *List:
		t = s.Items
	case int64:
		t = Tuple{s}
	default:
		return nil, fmt.Errorf("%w: array shape is %s", ErrInvalid, TypeName(v))
	}
	if len(t) > 32 {
		return nil, fmt.Errorf("%w: array of rank %d", ErrLimit, len(t))
	}
	shape := make([]int, len(t))
	n := int64(1)
	for i, e := range t {
		s, ok := e.(int64)
		if !ok || s < 0 || s > maxElements {
			return nil, fmt.Errorf("%w: array dimension %s", ErrInvalid, TypeName(e))
		}
		shape[i] = int(s)
		if s != 0 && n > maxElements/s {
			return nil, fmt.Errorf("%w: array of more than 2^40 elements", ErrLimit)
		}
		n *= s
	}
	return shape, nil
}

// fill sets the array's contents from raw bytes or (object arrays) a list.
func (a *Array) fill(raw Value) error {
	n := a.Len()
	if a.DType.Kind == 'O' {
		var items []Value
		switch r := raw.(type) {
		case *List:
			items = r.Items
		case Tuple:
			items = r
		default:
			return fmt.Errorf("%w: object array data is %s", ErrInvalid, TypeName(raw))
		}
		if len(items) != n {
			return fmt.Errorf("%w: object array of %d elements holds %d", ErrInvalid, n, len(items))
		}
		a.Objects = items
		if a.Fortran && len(a.Shape) > 1 {
			// The list runs in Fortran order; store C order.
			c := make([]Value, n)
			for i := range n {
				c[cIndex(a.Shape, i)] = items[i]
			}
			a.Objects = c
			a.Fortran = false
		}
		a.filled = true
		return nil
	}
	var b []byte
	switch r := raw.(type) {
	case Bytes:
		b = r
	case string:
		lb, err := latin1(r)
		if err != nil {
			return err
		}
		b = lb
	default:
		return fmt.Errorf("%w: array data is %s", ErrInvalid, TypeName(raw))
	}
	if a.DType.ItemSize == 0 && n > 1<<20 {
		return fmt.Errorf("%w: %d zero-size elements", ErrLimit, n)
	}
	if int64(len(b)) != int64(n)*int64(a.DType.ItemSize) {
		return fmt.Errorf("%w: array of %d × %d bytes holds %d bytes", ErrInvalid, n, a.DType.ItemSize, len(b))
	}
	a.Data = b
	a.filled = true
	return nil
}

// cIndex maps position i of a Fortran-order walk of shape to its C-order index.
func cIndex(shape []int, i int) int {
	// Fortran: first axis fastest.
	idx := 0
	stride := 1
	// compute C strides
	cs := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		cs[k] = stride
		stride *= shape[k]
	}
	for k := 0; k < len(shape); k++ {
		if shape[k] == 0 {
			return 0
		}
		idx += (i % shape[k]) * cs[k]
		i /= shape[k]
	}
	return idx
}

// latin1 encodes a string whose runes are all below 256 as bytes (what
// _codecs.encode(s, "latin1") does, and how Python 2 byte strings arrive).
func latin1(s string) (Bytes, error) {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return nil, fmt.Errorf("%w: string is not valid UTF-8", ErrInvalid)
		}
		if r > 255 {
			return nil, fmt.Errorf("%w: latin-1 cannot encode %U", ErrInvalid, r)
		}
		b = append(b, byte(r))
		i += n
	}
	return b, nil
}

// element decodes the scalar at byte offset off of data as dtype d.
func element(d *DType, data []byte) (Value, error) {
	var bo binary.ByteOrder = binary.LittleEndian
	if d.BigEndian {
		bo = binary.BigEndian
	}
	if len(data) < d.ItemSize {
		return nil, fmt.Errorf("%w: short element", ErrInvalid)
	}
	switch d.Kind {
	case 'b':
		return data[0] != 0, nil
	case 'i', 'm', 'M':
		switch d.ItemSize {
		case 1:
			return int64(int8(data[0])), nil
		case 2:
			return int64(int16(bo.Uint16(data))), nil
		case 4:
			return int64(int32(bo.Uint32(data))), nil
		case 8:
			return int64(bo.Uint64(data)), nil
		}
	case 'u':
		switch d.ItemSize {
		case 1:
			return int64(data[0]), nil
		case 2:
			return int64(bo.Uint16(data)), nil
		case 4:
			return int64(bo.Uint32(data)), nil
		case 8:
			u := bo.Uint64(data)
			if u > math.MaxInt64 {
				return new(big.Int).SetUint64(u), nil
			}
			return int64(u), nil
		}
	case 'f':
		switch d.ItemSize {
		case 2:
			return float64(half(bo.Uint16(data))), nil
		case 4:
			return float64(math.Float32frombits(bo.Uint32(data))), nil
		case 8:
			return math.Float64frombits(bo.Uint64(data)), nil
		}
	case 'c':
		switch d.ItemSize {
		case 8:
			return complex(float64(math.Float32frombits(bo.Uint32(data))), float64(math.Float32frombits(bo.Uint32(data[4:])))), nil
		case 16:
			return complex(math.Float64frombits(bo.Uint64(data)), math.Float64frombits(bo.Uint64(data[8:]))), nil
		}
	case 'S':
		end := len(data[:d.ItemSize])
		for end > 0 && data[end-1] == 0 {
			end--
		}
		return Bytes(data[:end]), nil
	case 'U':
		rs := make([]rune, 0, d.ItemSize/4)
		for i := 0; i+4 <= d.ItemSize; i += 4 {
			rs = append(rs, rune(bo.Uint32(data[i:])))
		}
		for len(rs) > 0 && rs[len(rs)-1] == 0 {
			rs = rs[:len(rs)-1]
		}
		return string(rs), nil
	}
	return nil, fmt.Errorf("%w: cannot decode a %s element", ErrRefused, d)
}

// half converts IEEE binary16 bits to float32.
func half(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := int(h>>10) & 0x1f
	man := uint32(h & 0x3ff)
	switch exp {
	case 0:
		f := float32(man) / (1 << 24)
		if sign != 0 {
			f = -f
		}
		return f
	case 31:
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	}
	return math.Float32frombits(sign | uint32(exp-15+127)<<23 | man<<13)
}

// At returns element i (in C order) as a Go value: bool, int64, float64,
// complex128, string, Bytes or, for object arrays, the element itself.
func (a *Array) At(i int) (Value, error) {
	n := a.Len()
	if i < 0 || i >= n {
		return nil, fmt.Errorf("%w: index %d out of %d", ErrInvalid, i, n)
	}
	if a.DType.Kind == 'O' {
		if len(a.Objects) != n {
			return nil, fmt.Errorf("%w: object array without data", ErrInvalid)
		}
		return a.Objects[i], nil
	}
	if len(a.DType.Fields) > 0 {
		return nil, fmt.Errorf("%w: structured array element", ErrRefused)
	}
	j := a.storageIndex(i)
	sz := a.DType.ItemSize
	if (j+1)*sz > len(a.Data) {
		return nil, fmt.Errorf("%w: array data too short", ErrInvalid)
	}
	return element(a.DType, a.Data[j*sz:(j+1)*sz])
}

// storageIndex maps a C-order index to the position in Data.
func (a *Array) storageIndex(i int) int {
	if !a.Fortran || len(a.Shape) < 2 {
		return i
	}
	// Decompose i in C order, recompose in Fortran order.
	j := 0
	stride := 1
	rem := i
	idx := make([]int, len(a.Shape))
	for k := len(a.Shape) - 1; k >= 0; k-- {
		idx[k] = rem % a.Shape[k]
		rem /= a.Shape[k]
	}
	for k := 0; k < len(a.Shape); k++ {
		j += idx[k] * stride
		stride *= a.Shape[k]
	}
	return j
}

// Float64s returns the elements in C order converted to float64 (bool,
// integer and float dtypes; object arrays of numbers).
func (a *Array) Float64s() ([]float64, error) {
	n := a.Len()
	if err := a.checkFilled(); err != nil {
		return nil, err
	}
	out := make([]float64, n)
	for i := range out {
		v, err := a.At(i)
		if err != nil {
			return nil, err
		}
		f, ok := ToFloat(v)
		if !ok {
			return nil, fmt.Errorf("%w: %s element is not a number", ErrInvalid, TypeName(v))
		}
		out[i] = f
	}
	return out, nil
}

// Int64s returns the elements in C order as int64 (integer and bool dtypes;
// floats that hold integers; object arrays of ints).
func (a *Array) Int64s() ([]int64, error) {
	n := a.Len()
	if err := a.checkFilled(); err != nil {
		return nil, err
	}
	out := make([]int64, n)
	for i := range out {
		v, err := a.At(i)
		if err != nil {
			return nil, err
		}
		k, ok := ToInt(v)
		if !ok {
			return nil, fmt.Errorf("%w: %s element is not an integer", ErrInvalid, TypeName(v))
		}
		out[i] = k
	}
	return out, nil
}

func (a *Array) checkFilled() error {
	if a == nil || a.DType == nil || !a.filled {
		return fmt.Errorf("%w: array has no data", ErrInvalid)
	}
	return nil
}

// Column returns field name of every record of a structured array (C
// order) as float64 values.
func (a *Array) Column(name string) ([]float64, error) {
	if err := a.checkFilled(); err != nil {
		return nil, err
	}
	f := a.DType.Field(name)
	if f == nil {
		return nil, fmt.Errorf("%w: record has no field %q", ErrInvalid, name)
	}
	if len(f.Type.Fields) > 0 {
		return nil, fmt.Errorf("%w: nested record field %q", ErrRefused, name)
	}
	n := a.Len()
	sz := a.DType.ItemSize
	if int64(n)*int64(sz) != int64(len(a.Data)) {
		return nil, fmt.Errorf("%w: record array data size", ErrInvalid)
	}
	out := make([]float64, n)
	for i := range out {
		j := a.storageIndex(i)
		v, err := element(f.Type, a.Data[j*sz+f.Offset:j*sz+f.Offset+f.Type.ItemSize])
		if err != nil {
			return nil, err
		}
		x, ok := ToFloat(v)
		if !ok {
			return nil, fmt.Errorf("%w: field %q is not numeric", ErrInvalid, name)
		}
		out[i] = x
	}
	return out, nil
}

// HasField reports whether a structured array has the named field.
func (a *Array) HasField(name string) bool {
	return a != nil && a.DType != nil && a.DType.Field(name) != nil
}

// ToFloat converts a numeric value to float64.
func ToFloat(v Value) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, true
	}
	return 0, false
}

// ToInt converts an integral value to int64.
func ToInt(v Value) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
			return int64(x), true
		}
	}
	return 0, false
}
