// Package npy reads and writes NumPy's .npy array files.
//
// It reads format versions 1.0, 2.0 and 3.0 holding boolean, integer and
// floating-point arrays of any byte order ('<', '>', '=', '|'), which become
// tensors in Sinter's little-endian storage, and Unicode ('<U', '>U') or
// byte-string ('|S') arrays, which become String tensors. Fortran-ordered
// arrays of rank two or more, object arrays, structured dtypes and dtypes
// Sinter does not store (complex, datetime, longdouble) are reported as
// errors wrapping ErrUnsupported; malformed files as errors wrapping
// ErrFormat.
//
// It writes version 1.0 (2.0 when the header does not fit), with the header
// padded so the data starts on a 64-byte boundary, exactly as numpy.save does.
//
// Decoding never panics and never allocates more than the input justifies:
// the data a header declares must be present before storage for it is made.
package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sinter-ml/sinter/tensor"
)

// Errors wrapped by the errors this package returns.
var (
	// ErrFormat reports a file that is not a well-formed .npy file.
	ErrFormat = errors.New("npy: malformed file")
	// ErrUnsupported reports a well-formed array Sinter cannot represent.
	ErrUnsupported = errors.New("npy: unsupported array")
)

const (
	magic = "\x93NUMPY"
	// prefixLen is magic + version; the header length follows (2 or 4 bytes).
	prefixLen = len(magic) + 2
	// maxHeaderLen bounds the header a reader will accept.
	maxHeaderLen = 1 << 20
	// maxEmptyStrings bounds the element count of a string array whose
	// elements occupy no bytes ('<U0'), whose size the data cannot justify.
	maxEmptyStrings = 1 << 16
	// align is the boundary the data starts on in files this package writes.
	align = 64
	// growthDigits mirrors numpy.lib.format.GROWTH_AXIS_MAX_DIGITS: numpy
	// leaves room in the header for the first dim to grow to this many digits.
	growthDigits = 21
)

// header is a parsed .npy header.
type header struct {
	dtype tensor.DType
	// big reports big-endian elements.
	big bool
	// kind is 'U' or 'S' for string arrays, 0 for numeric ones.
	kind byte
	// itemsize is the size of one element in the file.
	itemsize int
	shape    tensor.Shape
}

// dataLen is the number of data bytes the header declares.
func (h *header) dataLen() (int, error) {
	n := uint64(h.shape.NumElements())
	hi, lo := bits.Mul64(n, uint64(h.itemsize))
	if hi != 0 || lo > math.MaxInt {
		return 0, fmt.Errorf("%w: %d elements of %d bytes overflow", ErrFormat, n, h.itemsize)
	}
	if h.itemsize == 0 && n > maxEmptyStrings {
		return 0, fmt.Errorf("%w: %d zero-length string elements (limit %d)", ErrUnsupported, n, maxEmptyStrings)
	}
	return int(lo), nil
}

func (h *header) describe() string {
	if h.kind != 0 {
		return fmt.Sprintf("%c%d %v", h.kind, h.itemsize, h.shape)
	}
	return fmt.Sprintf("%v %v", h.dtype, h.shape)
}

// Decode parses a complete .npy file. The tensor does not alias b.
//
// # Errors
//
// Errors wrap ErrFormat for malformed or truncated input (including bytes
// after the array data: use Read for a stream of arrays) and ErrUnsupported
// for arrays Sinter cannot hold.
func Decode(b []byte) (*tensor.Tensor, error) {
	if len(b) < prefixLen {
		return nil, fmt.Errorf("%w: %d bytes is too short for an .npy file", ErrFormat, len(b))
	}
	sizeLen, err := checkPrefix(b[:prefixLen])
	if err != nil {
		return nil, err
	}
	b = b[prefixLen:]
	if len(b) < sizeLen {
		return nil, fmt.Errorf("%w: truncated header length", ErrFormat)
	}
	hlen := headerLen(b[:sizeLen])
	b = b[sizeLen:]
	if hlen > maxHeaderLen {
		return nil, fmt.Errorf("%w: header of %d bytes exceeds the limit of %d", ErrFormat, hlen, maxHeaderLen)
	}
	if hlen > uint64(len(b)) {
		return nil, fmt.Errorf("%w: header of %d bytes, only %d bytes follow", ErrFormat, hlen, len(b))
	}
	h, err := parseHeader(b[:hlen])
	if err != nil {
		return nil, err
	}
	b = b[hlen:]
	n, err := h.dataLen()
	if err != nil {
		return nil, err
	}
	if len(b) < n {
		return nil, fmt.Errorf("%w: truncated data: %s needs %d bytes, have %d", ErrFormat, h.describe(), n, len(b))
	}
	if len(b) > n {
		return nil, fmt.Errorf("%w: %d bytes after the array data", ErrFormat, len(b)-n)
	}
	return decodeData(h, b)
}

// Read reads one .npy array from r, consuming exactly its bytes, so arrays
// written one after another to the same stream can be read in turn. Storage
// grows only as data arrives. Errors are those of Decode; an input that ends
// early wraps io.ErrUnexpectedEOF as well as ErrFormat, and one that is empty
// returns io.EOF.
func Read(r io.Reader) (*tensor.Tensor, error) {
	var pre [prefixLen + 4]byte
	if _, err := io.ReadFull(r, pre[:prefixLen]); err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, readErr("magic", err)
	}
	sizeLen, err := checkPrefix(pre[:prefixLen])
	if err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(r, pre[prefixLen:prefixLen+sizeLen]); err != nil {
		return nil, readErr("header length", err)
	}
	hlen := headerLen(pre[prefixLen : prefixLen+sizeLen])
	if hlen > maxHeaderLen {
		return nil, fmt.Errorf("%w: header of %d bytes exceeds the limit of %d", ErrFormat, hlen, maxHeaderLen)
	}
	hb, err := readN(r, int(hlen))
	if err != nil {
		return nil, readErr("header", err)
	}
	h, err := parseHeader(hb)
	if err != nil {
		return nil, err
	}
	n, err := h.dataLen()
	if err != nil {
		return nil, err
	}
	data, err := readN(r, n)
	if err != nil {
		return nil, readErr(fmt.Sprintf("data (%s needs %d bytes, got %d)", h.describe(), n, len(data)), err)
	}
	return decodeData(h, data)
}

func readErr(what string, err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("%w: truncated %s: %w", ErrFormat, what, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("npy: reading %s: %w", what, err)
}

// readN reads exactly n bytes, growing its buffer only as bytes arrive. On
// error it returns what it read.
func readN(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, 0, min(n, 64<<10))
	for {
		m, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if len(buf) == n {
			return buf, nil
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return buf, err
		}
		grown := make([]byte, len(buf), min(2*cap(buf), n))
		copy(grown, buf)
		buf = grown
	}
}

// checkPrefix validates magic and version and returns the width of the
// header-length field.
func checkPrefix(p []byte) (int, error) {
	if string(p[:len(magic)]) != magic {
		return 0, fmt.Errorf("%w: not an .npy file (bad magic %q)", ErrFormat, p[:len(magic)])
	}
	major, minor := p[len(magic)], p[len(magic)+1]
	switch {
	case major == 1 && minor == 0:
		return 2, nil
	case (major == 2 || major == 3) && minor == 0:
		return 4, nil
	}
	return 0, fmt.Errorf("%w: format version %d.%d (want 1.0, 2.0 or 3.0)", ErrUnsupported, major, minor)
}

func headerLen(b []byte) uint64 {
	if len(b) == 2 {
		return uint64(binary.LittleEndian.Uint16(b))
	}
	return uint64(binary.LittleEndian.Uint32(b))
}

// parseHeader interprets the header dict.
func parseHeader(b []byte) (*header, error) {
	v, err := parseLiteral(b)
	if err != nil {
		return nil, err
	}
	d, ok := v.(*pyDict)
	if !ok {
		return nil, fmt.Errorf("%w: header is not a dict", ErrFormat)
	}
	var vals [3]any
	for i, key := range []string{"descr", "fortran_order", "shape"} {
		if vals[i], ok = d.get(key); !ok {
			return nil, fmt.Errorf("%w: header has no %q", ErrFormat, key)
		}
	}
	h := &header{}
	switch descr := vals[0].(type) {
	case string:
		if err := h.setDescr(descr); err != nil {
			return nil, err
		}
	case pyList, *pyDict:
		return nil, fmt.Errorf("%w: structured dtypes (record arrays) are not supported", ErrUnsupported)
	default:
		return nil, fmt.Errorf("%w: descr is not a string", ErrFormat)
	}
	tuple, ok := vals[2].(pyTuple)
	if !ok {
		return nil, fmt.Errorf("%w: shape is not a tuple", ErrFormat)
	}
	h.shape = make(tensor.Shape, len(tuple))
	for i, x := range tuple {
		dim, ok := x.(int64)
		if !ok || dim < 0 || dim > math.MaxInt {
			return nil, fmt.Errorf("%w: shape %v: dim %d is not a non-negative integer", ErrFormat, []any(tuple), i)
		}
		h.shape[i] = int(dim)
	}
	if err := h.shape.Check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	fortran, ok := vals[1].(bool)
	if !ok {
		return nil, fmt.Errorf("%w: fortran_order is not True or False", ErrFormat)
	}
	if fortran && !sameInBothOrders(h.shape) {
		return nil, fmt.Errorf("%w: Fortran-ordered (column-major) array of shape %v; save it C-ordered (numpy.ascontiguousarray)", ErrUnsupported, h.shape)
	}
	return h, nil
}

// sameInBothOrders reports whether C and Fortran order lay out shape the
// same way: at most one dim exceeds 1.
func sameInBothOrders(s tensor.Shape) bool {
	big := 0
	for _, d := range s {
		if d > 1 {
			big++
		}
	}
	return big <= 1
}

// setDescr interprets a dtype string such as "<f4", ">i8", "|b1" or "<U12".
func (h *header) setDescr(descr string) error {
	s := descr
	if s == "" {
		return fmt.Errorf("%w: empty descr", ErrFormat)
	}
	switch s[0] {
	case '<':
		s = s[1:]
	case '>':
		h.big = true
		s = s[1:]
	case '=', '|':
		h.big = nativeBig
		s = s[1:]
	default:
		h.big = nativeBig
	}
	unsupported := func(what string) error {
		return fmt.Errorf("%w: %s (descr %q)", ErrUnsupported, what, descr)
	}
	if s == "" {
		return fmt.Errorf("%w: descr %q has no type", ErrFormat, descr)
	}
	code, size := s[0], s[1:]
	switch code {
	case 'O':
		return unsupported("object arrays hold Python objects, not data")
	case 'V':
		return unsupported("void/structured dtypes are not supported")
	case 'c':
		return unsupported("complex numbers are not supported")
	case 'M', 'm':
		return unsupported("datetime and timedelta arrays are not supported")
	case 'U', 'S', 'a':
		chars, err := strconv.ParseUint(size, 10, 40)
		if err != nil {
			return fmt.Errorf("%w: descr %q: bad string length", ErrFormat, descr)
		}
		h.dtype = tensor.String
		h.kind = 'S'
		h.itemsize = int(chars)
		if code == 'U' {
			h.kind = 'U'
			h.itemsize *= 4
		}
		return nil
	}
	dt, ok := numericTypes[s]
	if !ok {
		return unsupported("unknown or unsupported dtype")
	}
	h.dtype = dt
	h.itemsize = dt.Size()
	return nil
}

// numericTypes maps a descr without its byte order to a DType.
var numericTypes = map[string]tensor.DType{
	"b1": tensor.Bool, "?": tensor.Bool,
	"i1": tensor.Int8, "i2": tensor.Int16, "i4": tensor.Int32, "i8": tensor.Int64,
	"u1": tensor.Uint8, "u2": tensor.Uint16, "u4": tensor.Uint32, "u8": tensor.Uint64,
	"f2": tensor.Float16, "f4": tensor.Float32, "f8": tensor.Float64,
	"e": tensor.Float16, "f": tensor.Float32, "d": tensor.Float64,
}

// nativeBig reports a big-endian host ('=' and '|' mean the host's order).
var nativeBig = binary.NativeEndian.Uint16([]byte{0, 1}) == 1

// decodeData builds the tensor from exactly the data bytes h declares.
func decodeData(h *header, data []byte) (*tensor.Tensor, error) {
	if h.dtype == tensor.String {
		return decodeStrings(h, data)
	}
	t := tensor.New(h.dtype, h.shape...)
	dst := t.Bytes()
	switch size := h.itemsize; {
	case h.dtype == tensor.Bool:
		for i, c := range data {
			if c != 0 {
				dst[i] = 1
			}
		}
	case h.big && size > 1:
		for i := 0; i < len(data); i += size {
			for j := 0; j < size; j++ {
				dst[i+j] = data[i+size-1-j]
			}
		}
	default:
		copy(dst, data)
	}
	return t, nil
}

func decodeStrings(h *header, data []byte) (*tensor.Tensor, error) {
	n := h.shape.NumElements()
	strs := make([]string, n)
	var buf []byte
	for i := range strs {
		item := data[i*h.itemsize : (i+1)*h.itemsize]
		if h.kind == 'S' {
			strs[i] = string(bytes.TrimRight(item, "\x00"))
			continue
		}
		buf = buf[:0]
		end := len(item) // numpy drops trailing NUL code points
		for end >= 4 && string(item[end-4:end]) == "\x00\x00\x00\x00" {
			end -= 4
		}
		for j := 0; j < end; j += 4 {
			var r uint32
			if h.big {
				r = binary.BigEndian.Uint32(item[j:])
			} else {
				r = binary.LittleEndian.Uint32(item[j:])
			}
			if r > utf8.MaxRune {
				return nil, fmt.Errorf("%w: element %d holds invalid code point %#x", ErrFormat, i, r)
			}
			buf = utf8.AppendRune(buf, rune(r)) // surrogates become U+FFFD
		}
		strs[i] = string(buf)
	}
	return tensor.FromStrings(strs, h.shape...), nil
}

// Marshal returns t as a complete .npy file.
func Marshal(t *tensor.Tensor) ([]byte, error) {
	var b bytes.Buffer
	if t != nil {
		b.Grow(256 + len(t.Bytes()))
	}
	if err := Encode(&b, t); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Encode writes t to w as an .npy file in the layout numpy.save uses: format
// 1.0 (2.0 if the header exceeds 65535 bytes), C order, little-endian, data
// aligned to 64 bytes. String tensors are written as '<U' arrays as wide as
// their longest element; as in NumPy, trailing NUL characters of an element
// do not survive the round trip.
//
// # Errors
//
// Errors wrap ErrUnsupported for dtypes .npy cannot express (bfloat16) and
// for string elements that are not valid UTF-8; other errors are w's.
func Encode(w io.Writer, t *tensor.Tensor) error {
	if t == nil {
		return fmt.Errorf("npy: cannot encode a nil tensor")
	}
	descr, chars, err := descrOf(t)
	if err != nil {
		return err
	}
	if _, err := w.Write(encodeHeader(descr, t.Shape())); err != nil {
		return err
	}
	if t.DType() != tensor.String {
		_, err := w.Write(t.Bytes())
		return err
	}
	// Write strings a bounded chunk at a time.
	var chunk []byte
	for _, s := range t.Strings() {
		n := 0
		for _, r := range s {
			chunk = binary.LittleEndian.AppendUint32(chunk, uint32(r))
			n++
		}
		for ; n < chars; n++ {
			chunk = append(chunk, 0, 0, 0, 0)
		}
		if len(chunk) >= 64<<10 {
			if _, err := w.Write(chunk); err != nil {
				return err
			}
			chunk = chunk[:0]
		}
	}
	if len(chunk) > 0 {
		_, err = w.Write(chunk)
	}
	return err
}

var descrs = map[tensor.DType]string{
	tensor.Bool: "|b1", tensor.Int8: "|i1", tensor.Uint8: "|u1",
	tensor.Int16: "<i2", tensor.Int32: "<i4", tensor.Int64: "<i8",
	tensor.Uint16: "<u2", tensor.Uint32: "<u4", tensor.Uint64: "<u8",
	tensor.Float16: "<f2", tensor.Float32: "<f4", tensor.Float64: "<f8",
}

// descrOf returns the descr for t and, for strings, the element width in
// code points.
func descrOf(t *tensor.Tensor) (string, int, error) {
	if t.DType() != tensor.String {
		d, ok := descrs[t.DType()]
		if !ok {
			return "", 0, fmt.Errorf("%w: .npy has no %v dtype", ErrUnsupported, t.DType())
		}
		return d, 0, nil
	}
	chars := 1 // numpy's narrowest unicode dtype, even for empty strings
	for i, s := range t.Strings() {
		if !utf8.ValidString(s) {
			return "", 0, fmt.Errorf("%w: string element %d is not valid UTF-8", ErrUnsupported, i)
		}
		chars = max(chars, utf8.RuneCountInString(s))
	}
	return "<U" + strconv.Itoa(chars), chars, nil
}

// encodeHeader returns magic, version, header length and the header padded
// as numpy.lib.format does.
func encodeHeader(descr string, shape tensor.Shape) []byte {
	var dict strings.Builder
	dict.WriteString("{'descr': '")
	dict.WriteString(descr)
	dict.WriteString("', 'fortran_order': False, 'shape': (")
	for i, d := range shape {
		if i > 0 {
			dict.WriteString(", ")
		}
		dict.WriteString(strconv.Itoa(d))
	}
	if len(shape) == 1 {
		dict.WriteByte(',')
	}
	dict.WriteString("), }")
	if len(shape) > 0 {
		dict.WriteString(strings.Repeat(" ", max(0, growthDigits-len(strconv.Itoa(shape[0])))))
	}
	body := dict.String()
	version, sizeLen := byte(1), 2
	hlen := len(body) + 1 // '\n'
	pad := align - (prefixLen+sizeLen+hlen)%align
	if hlen+pad > math.MaxUint16 {
		version, sizeLen = 2, 4
		pad = align - (prefixLen+sizeLen+hlen)%align
	}
	out := make([]byte, 0, prefixLen+sizeLen+hlen+pad)
	out = append(out, magic...)
	out = append(out, version, 0)
	if sizeLen == 2 {
		out = binary.LittleEndian.AppendUint16(out, uint16(hlen+pad))
	} else {
		out = binary.LittleEndian.AppendUint32(out, uint32(hlen+pad))
	}
	out = append(out, body...)
	out = append(out, strings.Repeat(" ", pad)...)
	return append(out, '\n')
}
