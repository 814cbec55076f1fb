// Package pickle is a safe, non-executing reader of Python pickles
// (protocols 0–5) and of joblib files, written for loading fitted
// scikit-learn models.
//
// Nothing in a pickle is ever executed or imported. A pickle is a program
// for a small stack machine whose only dangerous instructions are the ones
// that name a global (GLOBAL, STACK_GLOBAL, INST) and then call it (REDUCE,
// NEWOBJ, NEWOBJ_EX, OBJ, INST) or hand state to it (BUILD). This reader
// resolves a global only when the caller's allow-list accepts it, and then
// only to inert data:
//
//   - a fixed set of numpy and builtins helpers is rebuilt natively in Go
//     (numpy.dtype, numpy.ndarray, numpy.core.multiarray._reconstruct and
//     scalar, numpy.core.numeric._frombuffer, the numpy 2 spellings under
//     numpy._core, _codecs.encode, builtins.bytes/bytearray/set/frozenset/
//     slice/object, copyreg._reconstructor and __newobj__,
//     collections.OrderedDict, joblib's NumpyArrayWrapper);
//   - every other allowed global becomes a *Global, and calling it or
//     building it only records the arguments and state in an *Object.
//
// Any other global is refused with ErrRefused naming it. Extension codes
// (EXT1/2/4), persistent ids and out-of-band buffers are refused. Every
// length is checked against the bytes left before anything is allocated,
// and the memo, the stack, the mark stack and nesting are bounded (Limits),
// so hostile input yields errors, never panics or runaway allocations.
//
// Values are plain Go data: nil (None), bool, int64, *big.Int (integers
// beyond int64), float64, complex128, string, Bytes, Tuple, *List, *Dict,
// *Set, *Global, *Object, *Array (numpy arrays), *DType (numpy dtypes).
// Containers may be shared and even cyclic, as in Python: walk them with a
// depth bound.
package pickle

import (
	"errors"
	"fmt"
	"math/big"
)

// Errors wrapped by the errors this package returns.
var (
	// ErrInvalid reports a malformed, truncated or inconsistent stream.
	ErrInvalid = errors.New("pickle: invalid stream")
	// ErrRefused reports a pickle that asks for something not allowed
	// (a global outside the allow-list, an extension code, a persistent id,
	// an out-of-band buffer).
	ErrRefused = errors.New("pickle: refused")
	// ErrLimit reports a stream exceeding one of the Limits.
	ErrLimit = errors.New("pickle: limit exceeded")
)

// Value is any decoded Python value (see the package documentation).
type Value = any

// Bytes is a Python bytes or bytearray object. It may alias the input.
type Bytes []byte

// Tuple is a Python tuple.
type Tuple []Value

// List is a Python list (a pointer: lists are mutable and may be shared).
type List struct{ Items []Value }

// Set is a Python set or frozenset.
type Set struct {
	Items  []Value
	Frozen bool
}

// Global is a module attribute the allow-list accepted, unresolved.
type Global struct{ Module, Name string }

// String gives "module.name".
func (g *Global) String() string { return g.Module + "." + g.Name }

// Object is an instance of an allow-listed class (or the result of calling
// an allow-listed function), rebuilt as data: the callable, the positional
// and keyword arguments it was called with, and the state BUILD gave it
// (usually a *Dict of attributes, for Cython types a Tuple).
type Object struct {
	Class  *Global
	Args   Tuple
	Kwargs *Dict
	State  Value
}

// Dict is a Python dict with its keys in insertion order. Keys must be
// hashable scalars or tuples of them.
type Dict struct {
	Keys   []Value
	Values []Value
	index  map[string]int
}

// NewDict returns an empty Dict.
func NewDict() *Dict { return &Dict{index: map[string]int{}} }

// Len is the number of entries.
func (d *Dict) Len() int { return len(d.Keys) }

// Set stores v under k, keeping k's first position when it is already present.
func (d *Dict) Set(k, v Value) error {
	budget := maxKeyParts
	h, err := hashKey(k, 0, &budget)
	if err != nil {
		return err
	}
	if d.index == nil {
		d.index = map[string]int{}
	}
	if i, ok := d.index[h]; ok {
		d.Values[i] = v
		return nil
	}
	d.index[h] = len(d.Keys)
	d.Keys = append(d.Keys, k)
	d.Values = append(d.Values, v)
	return nil
}

// Get returns the value stored under k.
func (d *Dict) Get(k Value) (Value, bool) {
	if d == nil {
		return nil, false
	}
	budget := maxKeyParts
	h, err := hashKey(k, 0, &budget)
	if err != nil {
		return nil, false
	}
	i, ok := d.index[h]
	if !ok {
		return nil, false
	}
	return d.Values[i], true
}

// Bounds on dict keys (Python has none, but scikit-learn's keys are short
// names; unbounded keys would let a small pickle make hashing quadratic).
const (
	maxKeyDepth = 32
	maxKeyParts = 256
	maxKeyLen   = 1 << 12
)

// hashKey gives a canonical string for a hashable key. Python's equal
// numbers (1, 1.0, True) hash alike; this follows that for ints, floats and
// bools.
func hashKey(k Value, depth int, budget *int) (string, error) {
	*budget--
	if depth > maxKeyDepth || *budget < 0 {
		return "", fmt.Errorf("%w: dict key too large", ErrLimit)
	}
	switch v := k.(type) {
	case nil:
		return "N", nil
	case bool:
		if v {
			return "i1", nil
		}
		return "i0", nil
	case int64:
		return fmt.Sprintf("i%d", v), nil
	case *big.Int:
		return "i" + v.String(), nil
	case float64:
		if v == float64(int64(v)) {
			return fmt.Sprintf("i%d", int64(v)), nil
		}
		return fmt.Sprintf("f%b", v), nil
	case string:
		if len(v) > maxKeyLen {
			return "", fmt.Errorf("%w: dict key of %d bytes", ErrLimit, len(v))
		}
		return "s" + v, nil
	case Bytes:
		if len(v) > maxKeyLen {
			return "", fmt.Errorf("%w: dict key of %d bytes", ErrLimit, len(v))
		}
		return "b" + string(v), nil
	case Tuple:
		s := "("
		for _, e := range v {
			h, err := hashKey(e, depth+1, budget)
			if err != nil {
				return "", err
			}
			s += fmt.Sprintf("%d:%s", len(h), h)
		}
		return s + ")", nil
	case *Global:
		return "g" + v.String(), nil
	}
	return "", fmt.Errorf("%w: unhashable dict key of type %s", ErrInvalid, TypeName(k))
}

// TypeName names a value's type for error messages (never its contents,
// which may be huge or cyclic).
func TypeName(v Value) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64, *big.Int:
		return "int"
	case float64:
		return "float"
	case complex128:
		return "complex"
	case string:
		return "str"
	case Bytes:
		return "bytes"
	case Tuple:
		return "tuple"
	case *List:
		return "list"
	case *Dict:
		return "dict"
	case *Set:
		return "set"
	case *Global:
		return "global " + x.String()
	case *Object:
		return x.Class.String() + " object"
	case *Array:
		return "numpy.ndarray"
	case *DType:
		return "numpy.dtype"
	}
	return fmt.Sprintf("%T", v)
}

// Attr returns the named entry of an object's state dict (or of a dict).
func Attr(v Value, name string) (Value, bool) {
	switch x := v.(type) {
	case *Object:
		switch s := x.State.(type) {
		case *Dict:
			return s.Get(name)
		case Tuple:
			// (dict, slotstate)
			if len(s) == 2 {
				if d, ok := s[0].(*Dict); ok {
					if r, ok := d.Get(name); ok {
						return r, true
					}
				}
				if d, ok := s[1].(*Dict); ok {
					return d.Get(name)
				}
			}
		}
	case *Dict:
		return x.Get(name)
	}
	return nil, false
}
