package xgboost

import (
	"fmt"
	"math"
	"strconv"
)

// value is one node of a decoded JSON or UBJSON document. Both decoders build
// the same tree, so the model reader is shared.
//
// Arrays whose elements are all numbers are held in nums (one float64 per
// element) rather than as a slice of values: XGBoost's models are mostly long
// numeric arrays, and a value per number would cost ~15× the input size.
type value struct {
	kind vkind
	// num holds a number (int or float) or a bool (0/1).
	num float64
	// isInt marks a number (or every number of a numeric array) written as an
	// integer that float64 holds exactly.
	isInt bool
	str   string
	arr   []value
	nums  []float64
	obj   []member
}

type member struct {
	key string
	val value
}

type vkind uint8

const (
	vNull vkind = iota
	vBool
	vNumber
	vString
	vArray // arr, or nums when numeric
	vNumArray
	vObject
)

func (k vkind) String() string {
	switch k {
	case vNull:
		return "null"
	case vBool:
		return "bool"
	case vNumber:
		return "number"
	case vString:
		return "string"
	case vArray, vNumArray:
		return "array"
	case vObject:
		return "object"
	}
	return "?"
}

// maxNesting bounds container nesting in both decoders. XGBoost models nest
// about 6 deep.
const maxNesting = 64

// valueBudget is how many non-numeric-array values a document of n bytes
// may hold. A value costs ~100 bytes of memory; real models spend far more
// than 8 input bytes per such value (object keys, tree objects), while
// hostile input such as "[[],[],…]" would otherwise cost ~30× its size.
// Numbers inside numeric arrays are not counted: they cost 8 bytes each and
// take at least one input byte.
func valueBudget(n int) int { return n/8 + 64 }

// exactInt is the largest magnitude below which every integer is a float64.
const exactInt = 1 << 53

// field returns the member called key of an object, or nil.
func (v *value) field(key string) *value {
	if v == nil || v.kind != vObject {
		return nil
	}
	for i := range v.obj {
		if v.obj[i].key == key {
			return &v.obj[i].val
		}
	}
	return nil
}

// path is a JSON-pointer-like location used in error messages.
type path string

func (p path) key(k string) path { return p + "." + path(k) }
func (p path) index(i int) path  { return p + path("["+strconv.Itoa(i)+"]") }

func (p path) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalid, string(p), fmt.Sprintf(format, args...))
}

// object returns v as an object or an error.
func (v *value) object(p path) (*value, error) {
	if v == nil {
		return nil, p.errorf("missing")
	}
	if v.kind != vObject {
		return nil, p.errorf("want an object, have %s", v.kind)
	}
	return v, nil
}

// need returns the member key of object v or an error naming it.
func (v *value) need(p path, key string) (*value, path, error) {
	q := p.key(key)
	f := v.field(key)
	if f == nil {
		return nil, q, q.errorf("missing")
	}
	return f, q, nil
}

// text returns a string value.
func (v *value) text(p path) (string, error) {
	if v == nil {
		return "", p.errorf("missing")
	}
	if v.kind != vString {
		return "", p.errorf("want a string, have %s", v.kind)
	}
	return v.str, nil
}

// integer reads an integer that XGBoost may write either as a number or as a
// decimal string (its parameters are strings, e.g. "num_class": "3").
func (v *value) integer(p path, lo, hi int64) (int64, error) {
	if v == nil {
		return 0, p.errorf("missing")
	}
	var n int64
	switch v.kind {
	case vNumber, vBool:
		if !v.isInt {
			return 0, p.errorf("%v is not an integer", v.num)
		}
		n = int64(v.num)
	case vString:
		x, err := strconv.ParseInt(v.str, 10, 64)
		if err != nil {
			return 0, p.errorf("%q is not an integer", v.str)
		}
		n = x
	default:
		return 0, p.errorf("want an integer, have %s", v.kind)
	}
	if n < lo || n > hi {
		return 0, p.errorf("%d out of range [%d, %d]", n, lo, hi)
	}
	return n, nil
}

// numbers returns the elements of a numeric array. An empty array of any
// kind is an empty numeric array.
func (v *value) numbers(p path) ([]float64, bool, error) {
	if v == nil {
		return nil, false, p.errorf("missing")
	}
	switch v.kind {
	case vNumArray:
		return v.nums, v.isInt, nil
	case vArray:
		if len(v.arr) == 0 {
			return nil, true, nil
		}
		return nil, false, p.errorf("want an array of numbers, element 0 is a %s", v.arr[0].kind)
	}
	return nil, false, p.errorf("want an array of numbers, have %s", v.kind)
}

// float32s converts a numeric array to float32. Numbers XGBoost wrote as
// floats were parsed with float32 precision, so the conversion is exact.
func (v *value) float32s(p path) ([]float32, error) {
	nums, _, err := v.numbers(p)
	if err != nil {
		return nil, err
	}
	out := make([]float32, len(nums))
	for i, x := range nums {
		out[i] = float32(x)
	}
	return out, nil
}

// int32s converts an integer array, checking every element against [lo, hi].
func (v *value) int32s(p path, lo, hi int64) ([]int32, error) {
	nums, isInt, err := v.numbers(p)
	if err != nil {
		return nil, err
	}
	out := make([]int32, len(nums))
	for i, x := range nums {
		if !isInt && x != math.Trunc(x) {
			return nil, p.index(i).errorf("%v is not an integer", x)
		}
		if x < float64(lo) || x > float64(hi) || x != x {
			return nil, p.index(i).errorf("%v out of range [%d, %d]", x, lo, hi)
		}
		out[i] = int32(x)
	}
	return out, nil
}

// strings returns an array of strings.
func (v *value) strings(p path) ([]string, error) {
	if v == nil {
		return nil, p.errorf("missing")
	}
	switch v.kind {
	case vNumArray:
		if len(v.nums) == 0 {
			return nil, nil
		}
	case vArray:
		out := make([]string, len(v.arr))
		for i := range v.arr {
			s, err := v.arr[i].text(p.index(i))
			if err != nil {
				return nil, err
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, p.errorf("want an array of strings, have %s", v.kind)
}

// list returns the elements of a non-numeric array.
func (v *value) list(p path) ([]value, error) {
	if v == nil {
		return nil, p.errorf("missing")
	}
	switch v.kind {
	case vArray:
		return v.arr, nil
	case vNumArray:
		if len(v.nums) == 0 {
			return nil, nil
		}
		return nil, p.errorf("want an array of objects, have numbers")
	}
	return nil, p.errorf("want an array, have %s", v.kind)
}
