package xgboost

import (
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// parseJSON decodes an XGBoost JSON document. It is a small strict JSON
// reader with XGBoost's extensions: the bare tokens NaN, Infinity and
// -Infinity (XGBoost writes NaN split conditions for categorical nodes).
// Numbers with a fraction or exponent are parsed with float32 precision, as
// XGBoost itself does; integers are exact up to 2^53.
//
// Every value consumes at least one input byte, so allocation is bounded by
// a small multiple of len(b); nesting is bounded by maxNesting.
func parseJSON(b []byte) (*value, error) {
	p := &jsonParser{b: b, budget: valueBudget(len(b))}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.b) {
		return nil, p.errorf("trailing data")
	}
	return &v, nil
}

type jsonParser struct {
	b      []byte
	i      int
	budget int
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return path("json@"+strconv.Itoa(p.i)).errorf(format, args...)
}

func (p *jsonParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (value, error) {
	if p.budget--; p.budget < 0 {
		return value{}, p.errorf("more values than the input size justifies")
	}
	if p.i >= len(p.b) {
		return value{}, p.errorf("unexpected end of input")
	}
	switch c := p.b[p.i]; c {
	case '{':
		return p.object(depth)
	case '[':
		return p.array(depth)
	case '"':
		s, err := p.string()
		return value{kind: vString, str: s}, err
	case 't':
		return value{kind: vBool, num: 1, isInt: true}, p.literal("true")
	case 'f':
		return value{kind: vBool, isInt: true}, p.literal("false")
	case 'n':
		return value{}, p.literal("null")
	default:
		x, isInt, err := p.number()
		return value{kind: vNumber, num: x, isInt: isInt}, err
	}
}

func (p *jsonParser) literal(s string) error {
	if len(p.b)-p.i < len(s) || string(p.b[p.i:p.i+len(s)]) != s {
		return p.errorf("invalid literal")
	}
	p.i += len(s)
	return nil
}

func (p *jsonParser) object(depth int) (value, error) {
	if depth >= maxNesting {
		return value{}, p.errorf("nesting deeper than %d", maxNesting)
	}
	p.i++ // '{'
	v := value{kind: vObject}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return v, nil
	}
	for {
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return value{}, p.errorf("want an object key")
		}
		k, err := p.string()
		if err != nil {
			return value{}, err
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return value{}, p.errorf("want ':'")
		}
		p.i++
		p.space()
		e, err := p.value(depth + 1)
		if err != nil {
			return value{}, err
		}
		v.obj = append(v.obj, member{key: k, val: e})
		p.space()
		if p.i >= len(p.b) {
			return value{}, p.errorf("unterminated object")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return v, nil
		default:
			return value{}, p.errorf("want ',' or '}'")
		}
	}
}

func isNumberStart(c byte) bool {
	return c == '-' || (c >= '0' && c <= '9') || c == 'N' || c == 'I'
}

func (p *jsonParser) array(depth int) (value, error) {
	if depth >= maxNesting {
		return value{}, p.errorf("nesting deeper than %d", maxNesting)
	}
	p.i++ // '['
	p.space()
	v := value{kind: vNumArray, isInt: true}
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return v, nil
	}
	numeric := p.i < len(p.b) && isNumberStart(p.b[p.i])
	if !numeric {
		v.kind = vArray
	}
	for {
		p.space()
		if p.i >= len(p.b) {
			return value{}, p.errorf("unterminated array")
		}
		if numeric && !isNumberStart(p.b[p.i]) {
			// A mixed array: fall back to one value per element.
			v.arr = make([]value, len(v.nums), len(v.nums)+1)
			for j, x := range v.nums {
				v.arr[j] = value{kind: vNumber, num: x, isInt: x == math.Trunc(x) && math.Abs(x) < exactInt}
			}
			v.nums, v.kind, numeric = nil, vArray, false
		}
		if numeric {
			x, isInt, err := p.number()
			if err != nil {
				return value{}, err
			}
			v.nums = append(v.nums, x)
			v.isInt = v.isInt && isInt
		} else {
			e, err := p.value(depth + 1)
			if err != nil {
				return value{}, err
			}
			v.arr = append(v.arr, e)
		}
		p.space()
		if p.i >= len(p.b) {
			return value{}, p.errorf("unterminated array")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			if !numeric {
				v.isInt = false
			}
			return v, nil
		default:
			return value{}, p.errorf("want ',' or ']'")
		}
	}
}

// number parses a JSON number or one of NaN, Infinity, -Infinity.
func (p *jsonParser) number() (float64, bool, error) {
	start := p.i
	neg := false
	if p.i < len(p.b) && p.b[p.i] == '-' {
		neg = true
		p.i++
	}
	if p.i < len(p.b) && (p.b[p.i] == 'N' || p.b[p.i] == 'I') {
		switch {
		case p.literal("NaN") == nil:
			return math.NaN(), false, nil
		case p.literal("Infinity") == nil:
			if neg {
				return math.Inf(-1), false, nil
			}
			return math.Inf(1), false, nil
		}
		p.i = start
		return 0, false, p.errorf("invalid number")
	}
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if digits() == 0 {
		return 0, false, p.errorf("invalid number")
	}
	isInt := true
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		isInt = false
		if digits() == 0 {
			return 0, false, p.errorf("invalid number")
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		isInt = false
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return 0, false, p.errorf("invalid number")
		}
	}
	if isInt && p.i-start <= 15 {
		// Fast path without allocating: 15 digits stay below 2^53.
		var n int64
		for _, c := range p.b[start:p.i] {
			if c != '-' {
				n = n*10 + int64(c-'0')
			}
		}
		if neg {
			n = -n
		}
		return float64(n), true, nil
	}
	tok := string(p.b[start:p.i])
	if isInt {
		n, err := strconv.ParseInt(tok, 10, 64)
		if err == nil && n > -exactInt && n < exactInt {
			return float64(n), true, nil
		}
		// Out of the exact range: keep it as an (inexact) float.
		x, _ := strconv.ParseFloat(tok, 64)
		return x, false, nil
	}
	x, err := strconv.ParseFloat(tok, 32)
	if err != nil {
		// Overflow to ±Inf is reported as an error with the right value.
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, false, p.errorf("invalid number %q", tok)
		}
	}
	return x, false, nil
}

// string parses a JSON string starting at its opening quote.
func (p *jsonParser) string() (string, error) {
	p.i++ // '"'
	start := p.i
	// Fast path: no escapes.
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == '"' {
			s := string(p.b[start:p.i])
			p.i++
			return s, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", p.errorf("control character in string")
		}
		p.i++
	}
	buf := append([]byte(nil), p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return string(buf), nil
		case c < 0x20:
			return "", p.errorf("control character in string")
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		p.i++
		if p.i >= len(p.b) {
			break
		}
		e := p.b[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.errorf("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
					save := p.i
					p.i += 2
					if x, ok := p.hex4(); ok {
						r2 = x
					} else {
						p.i = save
					}
				}
				r = utf16.DecodeRune(r, r2)
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", p.errorf("invalid escape")
		}
	}
	return "", p.errorf("unterminated string")
}

func (p *jsonParser) hex4() (rune, bool) {
	if len(p.b)-p.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range p.b[p.i : p.i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	p.i += 4
	return r, true
}
