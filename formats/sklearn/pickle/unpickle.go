package pickle

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits bound what a stream may make the reader hold. Zero fields take
// the defaults.
type Limits struct {
	// MaxMemo bounds the number of memo entries (default 1<<22).
	MaxMemo int
	// MaxStack bounds the value stack plus all marked stack segments
	// (default 1<<24).
	MaxStack int
	// MaxMarks bounds the depth of MARKs open at once (default 1<<12).
	MaxMarks int
	// MaxNested bounds nested pickle streams (joblib object arrays, default 4).
	MaxNested int
}

func (l Limits) withDefaults() Limits {
	if l.MaxMemo <= 0 {
		l.MaxMemo = 1 << 22
	}
	if l.MaxStack <= 0 {
		l.MaxStack = 1 << 24
	}
	if l.MaxMarks <= 0 {
		l.MaxMarks = 1 << 12
	}
	if l.MaxNested <= 0 {
		l.MaxNested = 4
	}
	return l
}

// Options configures Unpickle.
type Options struct {
	// Allow reports whether the global module.name, which becomes an inert
	// *Global (and *Object when called or built), may be referred to. The
	// numpy and builtins helpers listed in the package documentation are
	// always accepted; every other global must pass Allow. nil allows none.
	Allow func(module, name string) bool
	Limits
}

// Unpickle decodes one pickle stream from b and returns the value it
// builds and the number of bytes consumed (joblib files carry array data
// after pickle opcodes, so this may be the whole of b even for a short
// pickle; trailing bytes after STOP are left unread).
func Unpickle(b []byte, o Options) (Value, int, error) {
	u := &unpickler{data: b, opts: o, lim: o.Limits.withDefaults()}
	v, err := u.load()
	if err != nil {
		return nil, u.pos, err
	}
	return v, u.pos, nil
}

type unpickler struct {
	data   []byte
	pos    int
	opts   Options
	lim    Limits
	stack  []Value
	marks  [][]Value
	memo   map[int64]Value
	nested int
	total  int // values held in stack + marks
}

func (u *unpickler) errorf(base error, format string, args ...any) error {
	return fmt.Errorf("%w at byte %d: %s", base, u.pos, fmt.Sprintf(format, args...))
}

func (u *unpickler) read(n int) ([]byte, error) {
	if n < 0 || n > len(u.data)-u.pos {
		return nil, u.errorf(ErrInvalid, "needs %d bytes, %d left", n, len(u.data)-u.pos)
	}
	b := u.data[u.pos : u.pos+n : u.pos+n]
	u.pos += n
	return b, nil
}

func (u *unpickler) readLen(size int) (int, error) {
	b, err := u.read(size)
	if err != nil {
		return 0, err
	}
	var n uint64
	switch size {
	case 1:
		n = uint64(b[0])
	case 4:
		n = uint64(binary.LittleEndian.Uint32(b))
	case 8:
		n = binary.LittleEndian.Uint64(b)
	}
	if n > uint64(len(u.data)-u.pos) {
		return 0, u.errorf(ErrInvalid, "declared length %d exceeds the %d bytes left", n, len(u.data)-u.pos)
	}
	return int(n), nil
}

func (u *unpickler) readLine() (string, error) {
	i := bytes.IndexByte(u.data[u.pos:min(len(u.data), u.pos+1<<16)], '\n')
	if i < 0 {
		return "", u.errorf(ErrInvalid, "unterminated line")
	}
	s := string(u.data[u.pos : u.pos+i])
	u.pos += i + 1
	return s, nil
}

func (u *unpickler) push(v Value) error {
	if u.total >= u.lim.MaxStack {
		return u.errorf(ErrLimit, "stack deeper than %d", u.lim.MaxStack)
	}
	u.total++
	u.stack = append(u.stack, v)
	return nil
}

func (u *unpickler) pop() (Value, error) {
	if len(u.stack) == 0 {
		return nil, u.errorf(ErrInvalid, "stack underflow")
	}
	v := u.stack[len(u.stack)-1]
	u.stack[len(u.stack)-1] = nil
	u.stack = u.stack[:len(u.stack)-1]
	u.total--
	return v, nil
}

func (u *unpickler) top() (Value, error) {
	if len(u.stack) == 0 {
		return nil, u.errorf(ErrInvalid, "stack underflow")
	}
	return u.stack[len(u.stack)-1], nil
}

// popMark returns the items pushed since the last MARK and restores the
// stack below it.
func (u *unpickler) popMark() ([]Value, error) {
	if len(u.marks) == 0 {
		return nil, u.errorf(ErrInvalid, "no MARK")
	}
	items := u.stack
	u.stack = u.marks[len(u.marks)-1]
	u.marks[len(u.marks)-1] = nil
	u.marks = u.marks[:len(u.marks)-1]
	u.total -= len(items)
	return items, nil
}

func (u *unpickler) memoPut(k int64, v Value) error {
	if u.memo == nil {
		u.memo = map[int64]Value{}
	}
	if _, ok := u.memo[k]; !ok && len(u.memo) >= u.lim.MaxMemo {
		return u.errorf(ErrLimit, "memo larger than %d entries", u.lim.MaxMemo)
	}
	u.memo[k] = v
	return nil
}

func (u *unpickler) memoGet(k int64) error {
	v, ok := u.memo[k]
	if !ok {
		return u.errorf(ErrInvalid, "memo key %d not defined", k)
	}
	return u.push(v)
}

// Opcodes.
const (
	opMark           = '('
	opStop           = '.'
	opPop            = '0'
	opPopMark        = '1'
	opDup            = '2'
	opFloat          = 'F'
	opInt            = 'I'
	opBinInt         = 'J'
	opBinInt1        = 'K'
	opLong           = 'L'
	opBinInt2        = 'M'
	opNone           = 'N'
	opPersID         = 'P'
	opBinPersID      = 'Q'
	opReduce         = 'R'
	opString         = 'S'
	opBinString      = 'T'
	opShortBinString = 'U'
	opUnicode        = 'V'
	opBinUnicode     = 'X'
	opAppend         = 'a'
	opBuild          = 'b'
	opGlobal         = 'c'
	opDict           = 'd'
	opEmptyDict      = '}'
	opAppends        = 'e'
	opGet            = 'g'
	opBinGet         = 'h'
	opInst           = 'i'
	opLongBinGet     = 'j'
	opList           = 'l'
	opEmptyList      = ']'
	opObj            = 'o'
	opPut            = 'p'
	opBinPut         = 'q'
	opLongBinPut     = 'r'
	opSetItem        = 's'
	opTuple          = 't'
	opEmptyTuple     = ')'
	opSetItems       = 'u'
	opBinFloat       = 'G'
	opProto          = 0x80
	opNewObj         = 0x81
	opExt1           = 0x82
	opExt2           = 0x83
	opExt4           = 0x84
	opTuple1         = 0x85
	opTuple2         = 0x86
	opTuple3         = 0x87
	opNewTrue        = 0x88
	opNewFalse       = 0x89
	opLong1          = 0x8a
	opLong4          = 0x8b
	opBinBytes       = 'B'
	opShortBinBytes  = 'C'
	opShortBinUni    = 0x8c
	opBinUnicode8    = 0x8d
	opBinBytes8      = 0x8e
	opEmptySet       = 0x8f
	opAddItems       = 0x90
	opFrozenSet      = 0x91
	opNewObjEx       = 0x92
	opStackGlobal    = 0x93
	opMemoize        = 0x94
	opFrame          = 0x95
	opByteArray8     = 0x96
	opNextBuffer     = 0x97
	opReadonlyBuffer = 0x98
)

// maxLongBytes bounds LONG1/LONG4 integers.
const maxLongBytes = 1 << 12

func (u *unpickler) load() (Value, error) {
	for {
		if u.pos >= len(u.data) {
			return nil, u.errorf(ErrInvalid, "stream ends without STOP")
		}
		op := u.data[u.pos]
		u.pos++
		if err := u.step(op); err != nil {
			if err == errStop {
				if len(u.marks) != 0 {
					return nil, u.errorf(ErrInvalid, "STOP inside a MARK")
				}
				v, err := u.pop()
				if err != nil {
					return nil, err
				}
				return v, nil
			}
			return nil, err
		}
	}
}

var errStop = fmt.Errorf("stop")

func (u *unpickler) step(op byte) error {
	switch op {
	case opStop:
		return errStop
	case opProto:
		b, err := u.read(1)
		if err != nil {
			return err
		}
		if b[0] > 5 {
			return u.errorf(ErrInvalid, "unsupported protocol %d", b[0])
		}
		return nil
	case opFrame:
		if _, err := u.readLen(8); err != nil {
			return err
		}
		return nil
	case opMark:
		if len(u.marks) >= u.lim.MaxMarks {
			return u.errorf(ErrLimit, "more than %d nested MARKs", u.lim.MaxMarks)
		}
		u.marks = append(u.marks, u.stack)
		u.stack = nil
		return nil
	case opPop:
		if len(u.stack) == 0 {
			// Python pops a MARK when the stack is empty.
			_, err := u.popMark()
			return err
		}
		_, err := u.pop()
		return err
	case opPopMark:
		_, err := u.popMark()
		return err
	case opDup:
		v, err := u.top()
		if err != nil {
			return err
		}
		return u.push(v)
	case opNone:
		return u.push(nil)
	case opNewTrue:
		return u.push(true)
	case opNewFalse:
		return u.push(false)
	case opBinInt:
		b, err := u.read(4)
		if err != nil {
			return err
		}
		return u.push(int64(int32(binary.LittleEndian.Uint32(b))))
	case opBinInt1:
		b, err := u.read(1)
		if err != nil {
			return err
		}
		return u.push(int64(b[0]))
	case opBinInt2:
		b, err := u.read(2)
		if err != nil {
			return err
		}
		return u.push(int64(binary.LittleEndian.Uint16(b)))
	case opLong1, opLong4:
		size := 1
		if op == opLong4 {
			size = 4
		}
		n, err := u.readLen(size)
		if err != nil {
			return err
		}
		if n > maxLongBytes {
			return u.errorf(ErrLimit, "integer of %d bytes", n)
		}
		b, _ := u.read(n)
		return u.push(decodeLong(b))
	case opInt:
		s, err := u.readLine()
		if err != nil {
			return err
		}
		switch s {
		case "01":
			return u.push(true)
		case "00":
			return u.push(false)
		}
		return u.pushDecimal(s)
	case opLong:
		s, err := u.readLine()
		if err != nil {
			return err
		}
		return u.pushDecimal(strings.TrimSuffix(s, "L"))
	case opFloat:
		s, err := u.readLine()
		if err != nil {
			return err
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return u.errorf(ErrInvalid, "bad FLOAT %q", trunc(s))
		}
		return u.push(f)
	case opBinFloat:
		b, err := u.read(8)
		if err != nil {
			return err
		}
		return u.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
	case opString:
		s, err := u.readLine()
		if err != nil {
			return err
		}
		v, err := unquotePy(s)
		if err != nil {
			return u.errorf(ErrInvalid, "bad STRING: %v", err)
		}
		return u.push(bytesToLatin1(v))
	case opBinString, opShortBinString:
		size := 4
		if op == opShortBinString {
			size = 1
		}
		if op == opBinString {
			// Signed length.
			b, err := u.read(4)
			if err != nil {
				return err
			}
			n := int32(binary.LittleEndian.Uint32(b))
			if n < 0 {
				return u.errorf(ErrInvalid, "negative BINSTRING length")
			}
			u.pos -= 4
		}
		n, err := u.readLen(size)
		if err != nil {
			return err
		}
		b, _ := u.read(n)
		// Python 3 decodes Python 2 str with the caller's encoding; latin-1
		// keeps every byte (numpy's own recommendation).
		return u.push(bytesToLatin1(b))
	case opUnicode:
		s, err := u.readLine()
		if err != nil {
			return err
		}
		r, err := rawUnicodeEscape(s)
		if err != nil {
			return u.errorf(ErrInvalid, "bad UNICODE: %v", err)
		}
		return u.push(r)
	case opBinUnicode, opShortBinUni, opBinUnicode8:
		size := map[byte]int{opBinUnicode: 4, opShortBinUni: 1, opBinUnicode8: 8}[op]
		n, err := u.readLen(size)
		if err != nil {
			return err
		}
		b, _ := u.read(n)
		return u.push(string(b))
	case opBinBytes, opShortBinBytes, opBinBytes8, opByteArray8:
		size := map[byte]int{opBinBytes: 4, opShortBinBytes: 1, opBinBytes8: 8, opByteArray8: 8}[op]
		n, err := u.readLen(size)
		if err != nil {
			return err
		}
		b, _ := u.read(n)
		return u.push(Bytes(b))
	case opNextBuffer:
		return u.errorf(ErrRefused, "out-of-band buffers (NEXT_BUFFER) are not supported")
	case opReadonlyBuffer:
		// Only meaningful after NEXT_BUFFER; on in-band data a no-op.
		_, err := u.top()
		return err
	case opEmptyTuple:
		return u.push(Tuple{})
	case opTuple1, opTuple2, opTuple3:
		n := int(op-opTuple1) + 1
		if len(u.stack) < n {
			return u.errorf(ErrInvalid, "stack underflow")
		}
		t := make(Tuple, n)
		copy(t, u.stack[len(u.stack)-n:])
		for i := 0; i < n; i++ {
			u.pop()
		}
		return u.push(t)
	case opTuple:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		return u.push(Tuple(append([]Value(nil), items...)))
	case opEmptyList:
		return u.push(&List{})
	case opList:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		return u.push(&List{Items: append([]Value(nil), items...)})
	case opEmptyDict:
		return u.push(NewDict())
	case opDict:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		d := NewDict()
		if err := setItems(d, items); err != nil {
			return u.errorf(ErrInvalid, "%v", err)
		}
		return u.push(d)
	case opEmptySet:
		return u.push(&Set{})
	case opFrozenSet:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		return u.push(&Set{Items: append([]Value(nil), items...), Frozen: true})
	case opAppend:
		v, err := u.pop()
		if err != nil {
			return err
		}
		return u.appendTo([]Value{v})
	case opAppends:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		return u.appendTo(items)
	case opAddItems:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		t, err := u.top()
		if err != nil {
			return err
		}
		s, ok := t.(*Set)
		if !ok || s.Frozen {
			return u.errorf(ErrInvalid, "ADDITEMS on %s", TypeName(t))
		}
		s.Items = append(s.Items, items...)
		return nil
	case opSetItem:
		if len(u.stack) < 3 {
			return u.errorf(ErrInvalid, "stack underflow")
		}
		v, _ := u.pop()
		k, _ := u.pop()
		return u.setItemsOn([]Value{k, v})
	case opSetItems:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		return u.setItemsOn(items)
	case opGet:
		s, err := u.readLine()
		if err != nil {
			return err
		}
		k, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return u.errorf(ErrInvalid, "bad GET %q", trunc(s))
		}
		return u.memoGet(k)
	case opBinGet:
		b, err := u.read(1)
		if err != nil {
			return err
		}
		return u.memoGet(int64(b[0]))
	case opLongBinGet:
		b, err := u.read(4)
		if err != nil {
			return err
		}
		return u.memoGet(int64(binary.LittleEndian.Uint32(b)))
	case opPut:
		s, err := u.readLine()
		if err != nil {
			return err
		}
		k, err := strconv.ParseInt(s, 10, 64)
		if err != nil || k < 0 {
			return u.errorf(ErrInvalid, "bad PUT %q", trunc(s))
		}
		v, err := u.top()
		if err != nil {
			return err
		}
		return u.memoPut(k, v)
	case opBinPut, opLongBinPut:
		var k int64
		if op == opBinPut {
			b, err := u.read(1)
			if err != nil {
				return err
			}
			k = int64(b[0])
		} else {
			b, err := u.read(4)
			if err != nil {
				return err
			}
			k = int64(binary.LittleEndian.Uint32(b))
		}
		v, err := u.top()
		if err != nil {
			return err
		}
		return u.memoPut(k, v)
	case opMemoize:
		v, err := u.top()
		if err != nil {
			return err
		}
		return u.memoPut(int64(len(u.memo)), v)
	case opGlobal:
		mod, err := u.readLine()
		if err != nil {
			return err
		}
		name, err := u.readLine()
		if err != nil {
			return err
		}
		g, err := u.global(mod, name)
		if err != nil {
			return err
		}
		return u.push(g)
	case opStackGlobal:
		if len(u.stack) < 2 {
			return u.errorf(ErrInvalid, "stack underflow")
		}
		nv, _ := u.pop()
		mv, _ := u.pop()
		mod, ok1 := mv.(string)
		name, ok2 := nv.(string)
		if !ok1 || !ok2 {
			return u.errorf(ErrInvalid, "STACK_GLOBAL needs two strings, got %s and %s", TypeName(mv), TypeName(nv))
		}
		g, err := u.global(mod, name)
		if err != nil {
			return err
		}
		return u.push(g)
	case opReduce:
		if len(u.stack) < 2 {
			return u.errorf(ErrInvalid, "stack underflow")
		}
		av, _ := u.pop()
		fv, _ := u.pop()
		args, ok := av.(Tuple)
		if !ok {
			return u.errorf(ErrInvalid, "REDUCE arguments are %s, not a tuple", TypeName(av))
		}
		v, err := u.call(fv, args, nil)
		if err != nil {
			return err
		}
		return u.push(v)
	case opNewObj:
		if len(u.stack) < 2 {
			return u.errorf(ErrInvalid, "stack underflow")
		}
		av, _ := u.pop()
		cv, _ := u.pop()
		args, ok := av.(Tuple)
		if !ok {
			return u.errorf(ErrInvalid, "NEWOBJ arguments are %s, not a tuple", TypeName(av))
		}
		v, err := u.newObj(cv, args, nil)
		if err != nil {
			return err
		}
		return u.push(v)
	case opNewObjEx:
		if len(u.stack) < 3 {
			return u.errorf(ErrInvalid, "stack underflow")
		}
		kv, _ := u.pop()
		av, _ := u.pop()
		cv, _ := u.pop()
		args, ok := av.(Tuple)
		kw, ok2 := kv.(*Dict)
		if !ok || !ok2 {
			return u.errorf(ErrInvalid, "NEWOBJ_EX needs a tuple and a dict")
		}
		v, err := u.newObj(cv, args, kw)
		if err != nil {
			return err
		}
		return u.push(v)
	case opInst:
		mod, err := u.readLine()
		if err != nil {
			return err
		}
		name, err := u.readLine()
		if err != nil {
			return err
		}
		g, err := u.global(mod, name)
		if err != nil {
			return err
		}
		items, err := u.popMark()
		if err != nil {
			return err
		}
		v, err := u.call(g, Tuple(append([]Value(nil), items...)), nil)
		if err != nil {
			return err
		}
		return u.push(v)
	case opObj:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return u.errorf(ErrInvalid, "OBJ without a class")
		}
		v, err := u.call(items[0], Tuple(append([]Value(nil), items[1:]...)), nil)
		if err != nil {
			return err
		}
		return u.push(v)
	case opBuild:
		if len(u.stack) < 2 {
			return u.errorf(ErrInvalid, "stack underflow")
		}
		st, _ := u.pop()
		obj, _ := u.top()
		r, err := u.build(obj, st)
		if err != nil {
			return err
		}
		u.stack[len(u.stack)-1] = r
		return nil
	case opExt1, opExt2, opExt4:
		return u.errorf(ErrRefused, "extension registry codes (EXT1/2/4) are not supported")
	case opPersID, opBinPersID:
		return u.errorf(ErrRefused, "persistent ids are not supported")
	}
	return u.errorf(ErrInvalid, "unknown opcode 0x%02x", op)
}

func (u *unpickler) pushDecimal(s string) error {
	s = strings.TrimSpace(s)
	if k, err := strconv.ParseInt(s, 10, 64); err == nil {
		return u.push(k)
	}
	if len(s) > maxLongBytes {
		return u.errorf(ErrLimit, "integer of %d digits", len(s))
	}
	b, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return u.errorf(ErrInvalid, "bad integer %q", trunc(s))
	}
	return u.push(b)
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// decodeLong decodes a little-endian two's-complement integer.
func decodeLong(b []byte) Value {
	if len(b) == 0 {
		return int64(0)
	}
	if len(b) <= 8 {
		var v uint64
		for i := len(b) - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		shift := 64 - 8*uint(len(b))
		return int64(v<<shift) >> shift
	}
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	x := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	if x.IsInt64() {
		return x.Int64()
	}
	return x
}

func bytesToLatin1(b []byte) string {
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b)
	}
	rs := make([]rune, len(b))
	for i, c := range b {
		rs[i] = rune(c)
	}
	return string(rs)
}

// unquotePy decodes a Python 2 repr()'d byte string ('…' or "…").
func unquotePy(s string) ([]byte, error) {
	s = strings.TrimRight(s, " \r")
	if len(s) < 2 || (s[0] != '\'' && s[0] != '"') || s[len(s)-1] != s[0] {
		return nil, fmt.Errorf("not quoted")
	}
	s = s[1 : len(s)-1]
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(s) {
			return nil, fmt.Errorf("trailing backslash")
		}
		switch c = s[i]; c {
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'a':
			out = append(out, 7)
		case 'b':
			out = append(out, 8)
		case 'f':
			out = append(out, 12)
		case 'v':
			out = append(out, 11)
		case '\\', '\'', '"':
			out = append(out, c)
		case 'x':
			if i+3 > len(s) {
				return nil, fmt.Errorf("short \\x escape")
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return nil, err
			}
			out = append(out, byte(v))
			i += 2
		default:
			if c >= '0' && c <= '7' {
				j := i
				v := 0
				for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
					v = v*8 + int(s[j]-'0')
					j++
				}
				out = append(out, byte(v))
				i = j - 1
			} else {
				out = append(out, '\\', c)
			}
		}
	}
	return out, nil
}

// rawUnicodeEscape decodes Python's raw-unicode-escape codec.
func rawUnicodeEscape(s string) (string, error) {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && (s[i+1] == 'u' || s[i+1] == 'U') {
			n := 4
			if s[i+1] == 'U' {
				n = 8
			}
			if i+2+n > len(s) {
				return "", fmt.Errorf("short \\u escape")
			}
			v, err := strconv.ParseUint(s[i+2:i+2+n], 16, 32)
			if err != nil || v > utf8.MaxRune {
				return "", fmt.Errorf("bad \\u escape")
			}
			sb.WriteRune(rune(v))
			i += 1 + n
			continue
		}
		sb.WriteRune(rune(c))
	}
	return sb.String(), nil
}

func setItems(d *Dict, items []Value) error {
	if len(items)%2 != 0 {
		return fmt.Errorf("odd number of items for a dict")
	}
	for i := 0; i < len(items); i += 2 {
		if err := d.Set(items[i], items[i+1]); err != nil {
			return err
		}
	}
	return nil
}

func (u *unpickler) setItemsOn(items []Value) error {
	t, err := u.top()
	if err != nil {
		return err
	}
	d, ok := t.(*Dict)
	if !ok {
		return u.errorf(ErrInvalid, "SETITEM(S) on %s", TypeName(t))
	}
	if err := setItems(d, items); err != nil {
		return u.errorf(ErrInvalid, "%v", err)
	}
	return nil
}

func (u *unpickler) appendTo(items []Value) error {
	t, err := u.top()
	if err != nil {
		return err
	}
	l, ok := t.(*List)
	if !ok {
		return u.errorf(ErrInvalid, "APPEND(S) on %s", TypeName(t))
	}
	l.Items = append(l.Items, items...)
	return nil
}
