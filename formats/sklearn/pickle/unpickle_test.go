package pickle

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"
)

func p(parts ...any) []byte {
	var b bytes.Buffer
	for _, x := range parts {
		switch v := x.(type) {
		case byte:
			b.WriteByte(v)
		case int:
			b.WriteByte(byte(v))
		case string:
			b.WriteString(v)
		case []byte:
			b.Write(v)
		case uint32:
			binary.Write(&b, binary.LittleEndian, v)
		case uint64:
			binary.Write(&b, binary.LittleEndian, v)
		}
	}
	return b.Bytes()
}

func load(t *testing.T, b []byte) Value {
	t.Helper()
	v, _, err := Unpickle(b, Options{})
	if err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	return v
}

func TestScalars(t *testing.T) {
	f := make([]byte, 8)
	binary.BigEndian.PutUint64(f, math.Float64bits(2.5))
	cases := []struct {
		in   []byte
		want Value
	}{
		{p(0x80, 2, "N."), nil},
		{p(0x80, 2, 0x88, "."), true},
		{p(0x80, 2, 0x89, "."), false},
		{p("K", 200, "."), int64(200)},
		{p("M", 0x34, 0x12, "."), int64(0x1234)},
		{p("J", uint32(0xfffffffe), "."), int64(-2)},
		{p(0x8a, 2, 0xff, 0x7f, "."), int64(0x7fff)},
		{p(0x8a, 1, 0xff, "."), int64(-1)},
		{p(0x8a, 0, "."), int64(0)},
		{p("G", f, "."), 2.5},
		{p("I42\n."), int64(42)},
		{p("I01\n."), true},
		{p("L-7L\n."), int64(-7)},
		{p("F1.25\n."), 1.25},
		{p("X", uint32(2), "hi."), "hi"},
		{p(0x8c, 3, "abc."), "abc"},
		{p(0x8d, uint64(1), "z."), "z"},
		{p("Vcaf\\u00e9\n."), "café"},
		{p("S'a\\x41\\n'\n."), "aA\n"},
		{p("U", 2, "ok."), "ok"},
		{p("T", uint32(1), "x."), "x"},
	}
	for _, c := range cases {
		got := load(t, c.in)
		if got != c.want {
			t.Errorf("%q = %#v, want %#v", c.in, got, c.want)
		}
	}
	// Bytes and big ints.
	if b, ok := load(t, p("C", 2, "\x00\x01.")).(Bytes); !ok || !bytes.Equal(b, []byte{0, 1}) {
		t.Errorf("SHORT_BINBYTES = %v", b)
	}
	if b, ok := load(t, p("B", uint32(1), "q.")).(Bytes); !ok || string(b) != "q" {
		t.Errorf("BINBYTES = %v", b)
	}
	if b, ok := load(t, p(0x8e, uint64(1), "r.")).(Bytes); !ok || string(b) != "r" {
		t.Errorf("BINBYTES8 = %v", b)
	}
	if b, ok := load(t, p(0x96, uint64(1), "s", 0x98, ".")).(Bytes); !ok || string(b) != "s" {
		t.Errorf("BYTEARRAY8 = %v", b)
	}
	big9 := p(0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1, ".")
	if v, ok := load(t, big9).(*big.Int); !ok || v.String() != "18446744073709551616" {
		t.Errorf("LONG1 9 bytes = %v", v)
	}
	if v, ok := load(t, p("L123456789012345678901234567890L\n.")).(*big.Int); !ok || v.String() != "123456789012345678901234567890" {
		t.Errorf("LONG = %v", v)
	}
}

func TestContainers(t *testing.T) {
	// FRAME, MEMOIZE, BINGET, tuples, list, dict, set, frozenset, POP, DUP.
	b := p(0x80, 4, 0x95, uint64(27), "}", 0x94, "(", 0x8c, 1, "a", "K", 1, 0x8c, 1, "b", "]", 0x94,
		"(", "K", 2, "K", 3, "e", "u", 0x8c, 1, "c", "h", 0, "s", ".")
	d, ok := load(t, b).(*Dict)
	if !ok || d.Len() != 3 {
		t.Fatalf("dict = %#v", d)
	}
	if v, _ := d.Get("a"); v != int64(1) {
		t.Errorf("a = %v", v)
	}
	if v, _ := d.Get("b"); len(v.(*List).Items) != 2 {
		t.Errorf("b = %v", v)
	}
	if v, _ := d.Get("c"); v.(*Dict) != d {
		t.Errorf("c is not the dict itself")
	}
	tu := load(t, p(")", "K", 1, 0x85, "K", 1, "K", 2, 0x86, "K", 1, "K", 2, "K", 3, 0x87, "(", "N", "N", "t", 0x87, ".")).(Tuple)
	if len(tu) != 3 || len(tu[0].(Tuple)) != 2 || len(tu[1].(Tuple)) != 3 || len(tu[2].(Tuple)) != 2 {
		t.Errorf("tuple = %#v", tu)
	}
	s := load(t, p(0x80, 4, 0x8f, "(", "K", 1, "K", 2, 0x90, ".")).(*Set)
	if len(s.Items) != 2 || s.Frozen {
		t.Errorf("set = %#v", s)
	}
	fs := load(t, p(0x80, 4, "(", "K", 1, 0x91, ".")).(*Set)
	if len(fs.Items) != 1 || !fs.Frozen {
		t.Errorf("frozenset = %#v", fs)
	}
	l := load(t, p("(", "K", 1, "l", "2", "K", 5, "a", "0", "p3\n", "0", "g3\n", ".")).(*List)
	if len(l.Items) != 2 {
		t.Errorf("list = %#v", l)
	}
	dd := load(t, p("(", "K", 1, "K", 2, "d", "q", 7, "0", "(", "N", "1", "j", uint32(7), "r", uint32(9), "0", "h", 9, "."))
	if _, ok := dd.(*Dict); !ok {
		t.Errorf("POP_MARK/LONG_BINGET gave %T", dd)
	}
}

func TestNumpy(t *testing.T) {
	// dtype('<f8') via REDUCE + BUILD, _frombuffer, scalar, _reconstruct.
	dt := p("c", "numpy\ndtype\n", 0x8c, 2, "f8", 0x89, 0x88, 0x87, "R",
		"(", "K", 3, 0x8c, 1, "<", "N", "N", "N", "J", uint32(0xffffffff), "J", uint32(0xffffffff), "K", 0, "t", "b")
	data := make([]byte, 16)
	binary.LittleEndian.PutUint64(data, math.Float64bits(1.5))
	binary.LittleEndian.PutUint64(data[8:], math.Float64bits(-2))
	fb := p("c", "numpy.core.numeric\n_frombuffer\n", "(", 0x96, uint64(16), data, dt, "K", 2, 0x85, 0x8c, 1, "C", "t", "R", ".")
	a := load(t, fb).(*Array)
	f, err := a.Float64s()
	if err != nil || len(f) != 2 || f[0] != 1.5 || f[1] != -2 {
		t.Fatalf("frombuffer = %v %v", f, err)
	}
	sc := p("c", "numpy.core.multiarray\nscalar\n", dt, "C", 8, data[:8], 0x86, "R", ".")
	if v := load(t, sc); v != 1.5 {
		t.Errorf("scalar = %v", v)
	}
	// Fortran-ordered 2×2 via _reconstruct: data column-major [1 3; 2 4].
	fd := make([]byte, 32)
	for i, v := range []float64{1, 2, 3, 4} {
		binary.LittleEndian.PutUint64(fd[8*i:], math.Float64bits(v))
	}
	rc := p("c", "numpy.core.multiarray\n_reconstruct\n", "c", "numpy\nndarray\n", "K", 0, 0x85, "C", 1, "b", 0x87, "R",
		"(", "K", 1, "K", 2, "K", 2, 0x86, dt, 0x88, "B", uint32(32), fd, "t", "b", ".")
	a = load(t, rc).(*Array)
	f, _ = a.Float64s()
	if len(f) != 4 || f[0] != 1 || f[1] != 3 || f[2] != 2 || f[3] != 4 {
		t.Errorf("fortran array = %v", f)
	}
	// Protocol 2 data through _codecs.encode.
	enc := p("c", "_codecs\nencode\n", "X", uint32(2), "\xc3\xbf", "X", uint32(6), "latin1", 0x86, "R", ".")
	if b, ok := load(t, enc).(Bytes); !ok || len(b) != 1 || b[0] != 0xff {
		t.Errorf("_codecs.encode = %v", b)
	}
}

func refused(t *testing.T, b []byte, want string) {
	t.Helper()
	_, _, err := Unpickle(b, Options{Allow: func(m, n string) bool { return m == "ok" }})
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("%q: err = %v, want ErrRefused", b, err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("%q: err = %v, want it to mention %q", b, err, want)
	}
}

func TestRefusals(t *testing.T) {
	refused(t, p("cos\nsystem\n(S'ls'\ntR."), "pickle refers to os.system, which is not allowed")
	refused(t, p(0x80, 4, 0x8c, 8, "builtins", 0x8c, 4, "eval", 0x93, "."), "builtins.eval")
	refused(t, p("(S'x'\nisubprocess\nPopen\n."), "subprocess.Popen")
	refused(t, p(0x80, 2, 0x82, 1, "."), "EXT")
	refused(t, p(0x80, 2, 0x83, 1, 0, "."), "EXT")
	refused(t, p(0x80, 2, 0x84, 1, 0, 0, 0, "."), "EXT")
	refused(t, p("P1\n."), "persistent")
	refused(t, p("N", "Q", "."), "persistent")
	refused(t, p(0x80, 5, 0x97, "."), "out-of-band")
	refused(t, p("c", "numpy.core.multiarray\n_reconstruct\n", "c", "ok\nThing\n", ")", "N", 0x87, "R", "."), "_reconstruct")
	// Allowed classes are inert: calling and building only record data.
	v, _, err := Unpickle(p("c", "ok\nThing\n", "K", 1, 0x85, "R", "}", "b", "."), Options{Allow: func(m, n string) bool { return m == "ok" }})
	if o, ok := v.(*Object); err != nil || !ok || o.Class.String() != "ok.Thing" || len(o.Args) != 1 {
		t.Errorf("allowed object = %#v, %v", v, err)
	}
	// OBJ on an allowed class.
	v, _, err = Unpickle(p("(", "c", "ok\nThing\n", "K", 3, "o", "."), Options{Allow: func(m, n string) bool { return m == "ok" }})
	if o, ok := v.(*Object); err != nil || !ok || len(o.Args) != 1 {
		t.Errorf("OBJ = %#v, %v", v, err)
	}
}

func TestMalformed(t *testing.T) {
	bad := map[string][]byte{
		"empty":            {},
		"no stop":          p("K", 1),
		"underflow":        p("."),
		"tuple underflow":  p(0x87, "."),
		"no mark":          p("t."),
		"bad proto":        p(0x80, 9, "N."),
		"huge unicode":     p(0x8d, uint64(1)<<62, "x."),
		"huge bytes":       p("B", uint32(0xffffffff), "x."),
		"huge bytearray":   p(0x96, uint64(1)<<63, "."),
		"huge frame":       p(0x80, 4, 0x95, uint64(1)<<60, "N."),
		"huge long":        p(0x8b, uint32(1)<<30, "."),
		"negative string":  p("T", uint32(0xffffffff), "."),
		"undefined memo":   p("h", 3, "."),
		"unknown opcode":   p(0xff),
		"setitem on list":  p("]", "K", 1, "K", 2, "s", "."),
		"append on dict":   p("}", "K", 1, "a", "."),
		"unhashable key":   p("}", "]", "K", 1, "s", "."),
		"reduce non-tuple": p("c", "numpy\ndtype\n", "K", 1, "R", "."),
		"call non-global":  p("K", 1, ")", "R", "."),
		"build on int":     p("K", 1, "}", "b", "."),
		"odd dict":         p("(", "K", 1, "d", "."),
		"stop in mark":     p("(", "N", "."),
		"bad dtype":        p("c", "numpy\ndtype\n", 0x8c, 2, "q9", 0x85, "R", "."),
		"short array":      p("c", "numpy.core.numeric\n_frombuffer\n", "(", "C", 3, "abc", "c", "numpy\ndtype\n", 0x8c, 2, "f8", 0x85, "R", "K", 1, 0x85, 0x8c, 1, "C", "t", "R", "."),
		"shape overflow":   p("c", "numpy.core.numeric\n_frombuffer\n", "(", "C", 0, "c", "numpy\ndtype\n", 0x8c, 2, "f8", 0x85, "R", "J", uint32(0x7fffffff), "J", uint32(0x7fffffff), "J", uint32(0x7fffffff), 0x87, 0x8c, 1, "C", "t", "R", "."),
	}
	for name, b := range bad {
		if _, _, err := Unpickle(b, Options{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestLimits(t *testing.T) {
	// Deep MARK nesting.
	b := bytes.Repeat([]byte("("), 100000)
	if _, _, err := Unpickle(append(b, '.'), Options{}); !errors.Is(err, ErrLimit) {
		t.Errorf("deep marks: %v", err)
	}
	// Memo abuse: many distinct LONG_BINPUT keys.
	var m bytes.Buffer
	m.WriteString("N")
	for i := range 5000 {
		m.Write(p("r", uint32(i*7919)))
	}
	m.WriteString(".")
	if _, _, err := Unpickle(m.Bytes(), Options{Limits: Limits{MaxMemo: 1000}}); !errors.Is(err, ErrLimit) {
		t.Errorf("memo abuse: %v", err)
	}
	// Stack growth.
	s := append(bytes.Repeat([]byte("N"), 5000), '.')
	if _, _, err := Unpickle(s, Options{Limits: Limits{MaxStack: 100}}); !errors.Is(err, ErrLimit) {
		t.Errorf("stack: %v", err)
	}
	// Deeply nested tuples are fine as values but not as dict keys.
	var nt bytes.Buffer
	nt.WriteString("}N")
	nt.Write(bytes.Repeat([]byte{0x85}, 1000))
	nt.WriteString("Ns.")
	if _, _, err := Unpickle(nt.Bytes(), Options{}); err == nil {
		t.Errorf("deep tuple key accepted")
	}
	// A list containing itself is fine.
	if _, _, err := Unpickle(p("]", 0x94, "h", 0, "a", "."), Options{}); err != nil {
		t.Errorf("self-referencing list: %v", err)
	}
}
