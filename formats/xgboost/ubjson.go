package xgboost

import (
	"encoding/binary"
	"math"
	"strconv"
)

// parseUBJSON decodes a Universal Binary JSON document (draft 12, big-endian)
// as XGBoost writes it: objects and arrays, optionally counted ('#') and
// strongly typed ('$'); int8/uint8/int16/int32/int64, float32/float64,
// strings, chars, booleans, null and no-op.
//
// Counts are checked against the bytes left before anything is allocated:
// a typed numeric array needs count×size bytes, any other element at least
// one byte. Typed containers of payload-free types (null, no-op, booleans)
// are refused since their count would be unbacked by input.
func parseUBJSON(b []byte) (*value, error) {
	p := &ubjParser{b: b, budget: valueBudget(len(b))}
	p.skipNoop()
	if p.i >= len(p.b) {
		return nil, p.errorf("empty document")
	}
	m := p.b[p.i]
	p.i++
	v, err := p.value(m, 0)
	if err != nil {
		return nil, err
	}
	p.skipNoop()
	if p.i != len(p.b) {
		return nil, p.errorf("trailing data")
	}
	return &v, nil
}

type ubjParser struct {
	b      []byte
	i      int
	budget int
}

func (p *ubjParser) errorf(format string, args ...any) error {
	return path("ubjson@"+strconv.Itoa(p.i)).errorf(format, args...)
}

func (p *ubjParser) skipNoop() {
	for p.i < len(p.b) && p.b[p.i] == 'N' {
		p.i++
	}
}

func (p *ubjParser) take(n int) ([]byte, error) {
	if n < 0 || n > len(p.b)-p.i {
		return nil, p.errorf("unexpected end of input")
	}
	s := p.b[p.i : p.i+n]
	p.i += n
	return s, nil
}

// numSize is the payload size of a fixed-size numeric marker, or 0.
func numSize(m byte) int {
	switch m {
	case 'i', 'U', 'C':
		return 1
	case 'I':
		return 2
	case 'l', 'd':
		return 4
	case 'L', 'D':
		return 8
	}
	return 0
}

// fixed reads the payload of a fixed-size numeric marker.
func (p *ubjParser) fixed(m byte) (float64, bool, error) {
	s, err := p.take(numSize(m))
	if err != nil {
		return 0, false, err
	}
	switch m {
	case 'i':
		return float64(int8(s[0])), true, nil
	case 'U', 'C':
		return float64(s[0]), true, nil
	case 'I':
		return float64(int16(binary.BigEndian.Uint16(s))), true, nil
	case 'l':
		return float64(int32(binary.BigEndian.Uint32(s))), true, nil
	case 'L':
		n := int64(binary.BigEndian.Uint64(s))
		return float64(n), n > -exactInt && n < exactInt, nil
	case 'd':
		return float64(math.Float32frombits(binary.BigEndian.Uint32(s))), false, nil
	case 'D':
		return math.Float64frombits(binary.BigEndian.Uint64(s)), false, nil
	}
	return 0, false, p.errorf("marker %q is not a number", m)
}

// length reads an integer (marker then payload) used as a count or length.
func (p *ubjParser) length() (int, error) {
	if p.i >= len(p.b) {
		return 0, p.errorf("unexpected end of input")
	}
	m := p.b[p.i]
	p.i++
	if numSize(m) == 0 || m == 'd' || m == 'D' || m == 'C' {
		return 0, p.errorf("marker %q is not an integer length", m)
	}
	x, _, err := p.fixed(m)
	if err != nil {
		return 0, err
	}
	if x < 0 || x > float64(len(p.b)) {
		return 0, p.errorf("length %v exceeds the input", x)
	}
	return int(x), nil
}

func (p *ubjParser) str() (string, error) {
	n, err := p.length()
	if err != nil {
		return "", err
	}
	s, err := p.take(n)
	if err != nil {
		return "", err
	}
	return string(s), nil
}

func (p *ubjParser) value(m byte, depth int) (value, error) {
	if p.budget--; p.budget < 0 {
		return value{}, p.errorf("more values than the input size justifies")
	}
	switch m {
	case 'Z':
		return value{}, nil
	case 'T':
		return value{kind: vBool, num: 1, isInt: true}, nil
	case 'F':
		return value{kind: vBool, isInt: true}, nil
	case 'i', 'U', 'I', 'l', 'L', 'd', 'D':
		x, isInt, err := p.fixed(m)
		return value{kind: vNumber, num: x, isInt: isInt}, err
	case 'H':
		s, err := p.str()
		if err != nil {
			return value{}, err
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return value{}, p.errorf("invalid high-precision number %q", s)
		}
		return value{kind: vNumber, num: x, isInt: x == math.Trunc(x) && math.Abs(x) < exactInt}, nil
	case 'C':
		s, err := p.take(1)
		if err != nil {
			return value{}, err
		}
		return value{kind: vString, str: string(s)}, nil
	case 'S':
		s, err := p.str()
		return value{kind: vString, str: s}, err
	case '[':
		return p.array(depth)
	case '{':
		return p.object(depth)
	}
	return value{}, p.errorf("unknown marker 0x%02x", m)
}

// header reads the optional '$' type and '#' count of a container.
func (p *ubjParser) header() (typ byte, count int, err error) {
	count = -1
	if p.i < len(p.b) && p.b[p.i] == '$' {
		p.i++
		if p.i >= len(p.b) {
			return 0, 0, p.errorf("unexpected end of input")
		}
		typ = p.b[p.i]
		p.i++
		switch typ {
		case 'Z', 'N', 'T', 'F':
			return 0, 0, p.errorf("typed container of payload-free type %q", typ)
		}
		if p.i >= len(p.b) || p.b[p.i] != '#' {
			return 0, 0, p.errorf("typed container without a count")
		}
	}
	if p.i < len(p.b) && p.b[p.i] == '#' {
		p.i++
		if count, err = p.length(); err != nil {
			return 0, 0, err
		}
		// Every element needs at least one byte (typed numbers: their size).
		min := 1
		if s := numSize(typ); s > 0 {
			min = s
		}
		if count > (len(p.b)-p.i)/min {
			return 0, 0, p.errorf("count %d exceeds the input", count)
		}
	}
	return typ, count, nil
}

func (p *ubjParser) array(depth int) (value, error) {
	if depth >= maxNesting {
		return value{}, p.errorf("nesting deeper than %d", maxNesting)
	}
	typ, count, err := p.header()
	if err != nil {
		return value{}, err
	}
	if numSize(typ) > 0 && typ != 'C' {
		// Strongly typed numeric array: the common case for XGBoost.
		v := value{kind: vNumArray, isInt: typ != 'd' && typ != 'D', nums: make([]float64, count)}
		for j := range v.nums {
			x, isInt, err := p.fixed(typ)
			if err != nil {
				return value{}, err
			}
			v.nums[j] = x
			v.isInt = v.isInt && isInt
		}
		return v, nil
	}
	var elems []value
	for j := 0; count < 0 || j < count; j++ {
		m := typ
		if m == 0 {
			p.skipNoop()
			if p.i >= len(p.b) {
				return value{}, p.errorf("unterminated array")
			}
			m = p.b[p.i]
			p.i++
			if count < 0 && m == ']' {
				break
			}
		}
		e, err := p.value(m, depth+1)
		if err != nil {
			return value{}, err
		}
		elems = append(elems, e)
	}
	return packArray(elems), nil
}

// packArray turns an array of plain numbers into the compact numeric form
// the JSON reader produces, so both decoders yield the same tree.
func packArray(elems []value) value {
	if len(elems) == 0 {
		return value{kind: vNumArray, isInt: true}
	}
	v := value{kind: vNumArray, isInt: true}
	for _, e := range elems {
		if e.kind != vNumber {
			return value{kind: vArray, arr: elems}
		}
		v.isInt = v.isInt && e.isInt
	}
	v.nums = make([]float64, len(elems))
	for j, e := range elems {
		v.nums[j] = e.num
	}
	return v
}

func (p *ubjParser) object(depth int) (value, error) {
	if depth >= maxNesting {
		return value{}, p.errorf("nesting deeper than %d", maxNesting)
	}
	typ, count, err := p.header()
	if err != nil {
		return value{}, err
	}
	v := value{kind: vObject}
	for j := 0; count < 0 || j < count; j++ {
		if count < 0 {
			p.skipNoop()
			if p.i < len(p.b) && p.b[p.i] == '}' {
				p.i++
				break
			}
		}
		k, err := p.str()
		if err != nil {
			return value{}, err
		}
		m := typ
		if m == 0 {
			p.skipNoop()
			if p.i >= len(p.b) {
				return value{}, p.errorf("unterminated object")
			}
			m = p.b[p.i]
			p.i++
		}
		e, err := p.value(m, depth+1)
		if err != nil {
			return value{}, err
		}
		v.obj = append(v.obj, member{key: k, val: e})
	}
	return v, nil
}
