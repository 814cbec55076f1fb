package npy

import (
	"fmt"
	"math"
	"strconv"
)

// The header of an .npy file is a Python dict literal. literal parses the
// subset of Python literal syntax NumPy has ever written there (and a little
// more): strings, integers (with Python 2's L suffix), True/False/None, and
// tuples, lists and dicts of those, with any spacing and trailing commas.
// Nothing is evaluated.

// pyTuple and pyList keep the distinction NumPy makes: shape must be a tuple,
// a structured dtype is a list.
type (
	pyTuple []any
	pyList  []any
	pyDict  struct {
		keys []string
		vals []any
	}
)

// get returns the value of key (the last one if repeated, as in Python).
func (d *pyDict) get(key string) (any, bool) {
	for i := len(d.keys) - 1; i >= 0; i-- {
		if d.keys[i] == key {
			return d.vals[i], true
		}
	}
	return nil, false
}

// maxDepth bounds nesting so hostile headers cannot exhaust the stack.
const maxDepth = 32

type literalParser struct {
	s   []byte
	pos int
}

// parseLiteral parses s as one Python literal followed only by whitespace.
func parseLiteral(s []byte) (any, error) {
	p := &literalParser{s: s}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos != len(p.s) {
		return nil, p.errorf("unexpected %q after the header dict", p.s[p.pos])
	}
	return v, nil
}

func (p *literalParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: header at byte %d: %s", ErrFormat, p.pos, fmt.Sprintf(format, args...))
}

// space skips whitespace and comments.
func (p *literalParser) space() {
	for p.pos < len(p.s) {
		switch c := p.s[p.pos]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			p.pos++
		case c == '\\' && p.pos+1 < len(p.s) && p.s[p.pos+1] == '\n':
			p.pos += 2
		case c == '#':
			for p.pos < len(p.s) && p.s[p.pos] != '\n' {
				p.pos++
			}
		default:
			return
		}
	}
}

func (p *literalParser) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, p.errorf("nested more than %d deep", maxDepth)
	}
	p.space()
	if p.pos >= len(p.s) {
		return nil, p.errorf("unexpected end")
	}
	switch c := p.s[p.pos]; {
	case c == '{':
		return p.dict(depth)
	case c == '(':
		return p.sequence(depth, ')')
	case c == '[':
		return p.sequence(depth, ']')
	case c == '\'' || c == '"':
		return p.str()
	case (c == 'u' || c == 'U' || c == 'b' || c == 'B') && p.pos+1 < len(p.s) && (p.s[p.pos+1] == '\'' || p.s[p.pos+1] == '"'):
		p.pos++
		return p.str()
	case c == '-' || c == '+' || (c >= '0' && c <= '9'):
		return p.integer()
	case isIdentStart(c):
		start := p.pos
		for p.pos < len(p.s) && isIdentStart(p.s[p.pos]) {
			p.pos++
		}
		switch word := string(p.s[start:p.pos]); word {
		case "True":
			return true, nil
		case "False":
			return false, nil
		case "None":
			return nil, nil
		default:
			p.pos = start
			return nil, p.errorf("unexpected name %q", word)
		}
	default:
		return nil, p.errorf("unexpected %q", c)
	}
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// str parses a quoted string. Escapes are resolved for the quote and the
// backslash; other escape sequences are kept as written (descr strings never
// contain them).
func (p *literalParser) str() (string, error) {
	q := p.s[p.pos]
	p.pos++
	var out []byte
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == q:
			p.pos++
			return string(out), nil
		case c == '\n':
			return "", p.errorf("newline in string")
		case c == '\\' && p.pos+1 < len(p.s):
			n := p.s[p.pos+1]
			if n == q || n == '\\' || n == '\'' || n == '"' {
				out = append(out, n)
			} else {
				out = append(out, c, n)
			}
			p.pos += 2
		default:
			out = append(out, c)
			p.pos++
		}
	}
	return "", p.errorf("unterminated string")
}

func (p *literalParser) integer() (int64, error) {
	start := p.pos
	if c := p.s[p.pos]; c == '-' || c == '+' {
		p.pos++
		p.space()
	}
	digits := p.pos
	for p.pos < len(p.s) && (p.s[p.pos] >= '0' && p.s[p.pos] <= '9') {
		p.pos++
	}
	if p.pos == digits {
		return 0, p.errorf("malformed number")
	}
	text := string(p.s[digits:p.pos])
	if p.pos < len(p.s) && (p.s[p.pos] == 'L' || p.s[p.pos] == 'l') { // Python 2 long
		p.pos++
	}
	if p.pos < len(p.s) && (isIdentStart(p.s[p.pos]) || p.s[p.pos] == '.') {
		return 0, p.errorf("malformed number")
	}
	v, err := strconv.ParseUint(text, 10, 64)
	if err != nil || v > math.MaxInt64 {
		return 0, p.errorf("integer %s out of range", text)
	}
	if p.s[start] == '-' {
		return -int64(v), nil
	}
	return int64(v), nil
}

// sequence parses a tuple or a list. A parenthesised single value without a
// comma is that value, as in Python.
func (p *literalParser) sequence(depth int, end byte) (any, error) {
	p.pos++ // opening bracket
	var items []any
	comma := false
	for {
		p.space()
		if p.pos >= len(p.s) {
			return nil, p.errorf("unterminated %s", map[byte]string{')': "tuple", ']': "list"}[end])
		}
		if p.s[p.pos] == end {
			p.pos++
			break
		}
		if len(items) > 0 && !comma {
			return nil, p.errorf("expected ',' or %q", end)
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		items = append(items, v)
		p.space()
		comma = p.pos < len(p.s) && p.s[p.pos] == ','
		if comma {
			p.pos++
		}
	}
	if end == ']' {
		return pyList(items), nil
	}
	if len(items) == 1 && !comma {
		return items[0], nil
	}
	return pyTuple(items), nil
}

func (p *literalParser) dict(depth int) (any, error) {
	p.pos++ // '{'
	d := &pyDict{}
	for {
		p.space()
		if p.pos >= len(p.s) {
			return nil, p.errorf("unterminated dict")
		}
		if p.s[p.pos] == '}' {
			p.pos++
			return d, nil
		}
		k, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		key, ok := k.(string)
		if !ok {
			return nil, p.errorf("dict key is not a string")
		}
		p.space()
		if p.pos >= len(p.s) || p.s[p.pos] != ':' {
			return nil, p.errorf("expected ':' after key %q", key)
		}
		p.pos++
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		d.keys = append(d.keys, key)
		d.vals = append(d.vals, v)
		p.space()
		if p.pos < len(p.s) && p.s[p.pos] == ',' {
			p.pos++
			continue
		}
		p.space()
		if p.pos >= len(p.s) || p.s[p.pos] != '}' {
			return nil, p.errorf("expected ',' or '}' in dict")
		}
	}
}
