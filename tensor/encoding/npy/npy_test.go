package npy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sinter-ml/sinter/tensor"
)

// oracleCase is one entry of testdata/expected.json, written by gen.py from
// what numpy reads back.
type oracleCase struct {
	Name      string `json:"name"`
	File      string `json:"file"`
	DType     string `json:"dtype"`
	Shape     []int  `json:"shape"`
	Canonical bool   `json:"canonical"`
	Error     string `json:"error"`
	rawValues []json.RawMessage
}

func loadOracle(t *testing.T) []oracleCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []struct {
			oracleCase
			Values []json.RawMessage `json:"values"`
		} `json:"cases"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	var out []oracleCase
	for _, c := range doc.Cases {
		oc := c.oracleCase
		oc.rawValues = c.Values
		out = append(out, oc)
	}
	if len(out) < 40 {
		t.Fatalf("expected.json holds only %d cases", len(out))
	}
	return out
}

// expectFloat parses a JSON value numpy wrote for a float ("nan", "inf" or a number).
func expectFloat(raw json.RawMessage) (float64, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch s {
		case "nan":
			return math.NaN(), nil
		case "inf":
			return math.Inf(1), nil
		case "-inf":
			return math.Inf(-1), nil
		}
		return 0, fmt.Errorf("unexpected %q", s)
	}
	return strconv.ParseFloat(string(raw), 64)
}

func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Float64bits(a) == math.Float64bits(b) // -0 and +0 differ
}

// checkAgainst compares a decoded tensor with numpy's reading of the file.
func checkAgainst(t *testing.T, c oracleCase, got *tensor.Tensor) {
	t.Helper()
	if got.DType().String() != c.DType {
		t.Fatalf("dtype %v, numpy says %s", got.DType(), c.DType)
	}
	if !got.Shape().Equal(tensor.Shape(c.Shape)) || (got.Rank() == 0) != (len(c.Shape) == 0) {
		t.Fatalf("shape %v, numpy says %v", got.Shape(), c.Shape)
	}
	if got.Len() != len(c.rawValues) {
		t.Fatalf("%d elements, numpy has %d", got.Len(), len(c.rawValues))
	}
	for i, raw := range c.rawValues {
		var ok bool
		var have any
		switch got.DType() {
		case tensor.String:
			var want string
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			have, ok = got.Strings()[i], got.Strings()[i] == want
		case tensor.Bool:
			have, ok = got.Bools()[i], string(raw) == strconv.FormatBool(got.Bools()[i])
		case tensor.Float16, tensor.Float32, tensor.Float64:
			want, err := expectFloat(raw)
			if err != nil {
				t.Fatal(err)
			}
			var v float64
			switch got.DType() {
			case tensor.Float16:
				v = float64(tensor.Data[tensor.Float16Bits](got)[i].Float32())
			case tensor.Float32:
				v = float64(got.Float32s()[i])
			default:
				v = got.Float64s()[i]
			}
			have, ok = v, sameFloat(v, want)
		case tensor.Uint64:
			v := tensor.Data[uint64](got)[i]
			have, ok = v, string(raw) == strconv.FormatUint(v, 10)
		default:
			var v int64
			switch got.DType() {
			case tensor.Int8:
				v = int64(got.Int8s()[i])
			case tensor.Int16:
				v = int64(tensor.Data[int16](got)[i])
			case tensor.Int32:
				v = int64(got.Int32s()[i])
			case tensor.Int64:
				v = got.Int64s()[i]
			case tensor.Uint8:
				v = int64(got.Uint8s()[i])
			case tensor.Uint16:
				v = int64(tensor.Data[uint16](got)[i])
			case tensor.Uint32:
				v = int64(tensor.Data[uint32](got)[i])
			default:
				t.Fatalf("unexpected dtype %v", got.DType())
			}
			have, ok = v, string(raw) == strconv.FormatInt(v, 10)
		}
		if !ok {
			t.Errorf("element %d = %v, numpy says %s", i, have, raw)
		}
	}
}

func TestNumpyOracle(t *testing.T) {
	for _, c := range loadOracle(t) {
		t.Run(c.Name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", c.File))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(b)
			streamed, rerr := Read(bytes.NewReader(b))
			if c.Error != "" {
				if err == nil || rerr == nil {
					t.Fatalf("Decode error %v, Read error %v; want errors mentioning %q", err, rerr, c.Error)
				}
				for _, e := range []error{err, rerr} {
					if !strings.Contains(strings.ToLower(e.Error()), strings.ToLower(c.Error)) {
						t.Errorf("error %q does not mention %q", e, c.Error)
					}
					if !errors.Is(e, ErrFormat) && !errors.Is(e, ErrUnsupported) {
						t.Errorf("error %q wraps neither ErrFormat nor ErrUnsupported", e)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if rerr != nil {
				t.Fatalf("Read: %v", rerr)
			}
			checkAgainst(t, c, got)
			checkAgainst(t, c, streamed)

			enc, err := Marshal(got)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if c.Canonical && !bytes.Equal(enc, b) {
				t.Errorf("re-encoding differs from numpy.save's bytes:\n got %q\nwant %q", head(enc), head(b))
			}
			again, err := Decode(enc)
			if err != nil {
				t.Fatalf("Decode(Marshal): %v", err)
			}
			checkAgainst(t, c, again)
		})
	}
}

func head(b []byte) []byte {
	if len(b) > 160 {
		return b[:160]
	}
	return b
}

func TestReadSequence(t *testing.T) {
	var buf bytes.Buffer
	a := tensor.From([]float32{1, 2, 3, 4}, 2, 2)
	b := tensor.FromStrings([]string{"x", "yé"})
	c := tensor.Scalar(int64(-5))
	for _, x := range []*tensor.Tensor{a, b, c} {
		if err := Encode(&buf, x); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []*tensor.Tensor{a, b, c} {
		got, err := Read(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if !equalTensors(got, want) {
			t.Fatalf("read %v, want %v", got, want)
		}
	}
	if _, err := Read(&buf); err != io.EOF {
		t.Fatalf("after the last array: %v, want io.EOF", err)
	}
}

func TestRoundTripDTypes(t *testing.T) {
	for _, x := range []*tensor.Tensor{
		tensor.From([]int8{-1, 2}), tensor.From([]uint8{0, 255}),
		tensor.From([]int16{-300, 7}), tensor.From([]uint16{65535}),
		tensor.From([]int32{-1 << 31}), tensor.From([]uint32{1 << 31}),
		tensor.From([]int64{-1 << 63, 1}), tensor.From([]uint64{1 << 63}),
		tensor.From([]float32{1.5, float32(math.Inf(-1))}), tensor.From([]float64{math.Pi}),
		tensor.From([]tensor.Float16Bits{tensor.ToFloat16(0.5)}),
		tensor.From([]bool{true, false, true}, 3, 1),
		tensor.New(tensor.Float32, 2, 0, 5), tensor.Scalar(true),
		tensor.FromStrings([]string{"", "", ""}), tensor.FromStrings([]string{"😀a"}, 1, 1),
	} {
		b, err := Marshal(x)
		if err != nil {
			t.Fatalf("%v: %v", x, err)
		}
		if (10+int(b[8])+int(b[9])<<8)%64 != 0 {
			t.Errorf("%v: data starts at %d, not a multiple of 64", x, 10+int(b[8])+int(b[9])<<8)
		}
		got, err := Decode(b)
		if err != nil {
			t.Fatalf("%v: %v", x, err)
		}
		if !equalTensors(got, x) {
			t.Errorf("round trip of %v gave %v", x, got)
		}
	}
}

func TestLongHeaderUsesVersion2(t *testing.T) {
	shape := make([]int, 30000)
	for i := range shape {
		shape[i] = 1
	}
	x := tensor.New(tensor.Float64, shape...)
	x.Float64s()[0] = 42
	b, err := Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	if b[6] != 2 || b[7] != 0 {
		t.Fatalf("version %d.%d, want 2.0", b[6], b[7])
	}
	hlen := int(b[8]) | int(b[9])<<8 | int(b[10])<<16 | int(b[11])<<24
	if (12+hlen)%64 != 0 || b[12+hlen-1] != '\n' {
		t.Fatalf("header of %d bytes is misaligned or unterminated", hlen)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !equalTensors(got, x) {
		t.Fatal("round trip differs")
	}
}

func TestDecodeErrors(t *testing.T) {
	hdr := func(dict string, data string) []byte {
		b := []byte(magic + "\x01\x00")
		b = append(b, byte(len(dict)), byte(len(dict)>>8))
		return append(append(b, dict...), data...)
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want error
		msg  string
	}{
		{"empty", nil, ErrFormat, "too short"},
		{"huge shape little data", hdr("{'descr':'<f4','fortran_order':False,'shape':(1000000000000,)}", "0123456789"), ErrFormat, "truncated"},
		{"too many elements", hdr("{'descr':'<f4','fortran_order':False,'shape':(1000000000,1000000000)}", ""), ErrFormat, "elements"},
		{"overflowing string", hdr("{'descr':'<U1099511627775','fortran_order':False,'shape':(1099511627775,)}", ""), ErrFormat, "overflow"},
		{"many empty strings", hdr("{'descr':'<U0','fortran_order':False,'shape':(100000000,)}", ""), ErrUnsupported, "zero-length"},
		{"trailing bytes", hdr("{'descr':'|u1','fortran_order':False,'shape':(1,)}", "ab"), ErrFormat, "after the array"},
		{"negative dim", hdr("{'descr':'<f4','fortran_order':False,'shape':(-1,)}", ""), ErrFormat, "dim"},
		{"shape not tuple", hdr("{'descr':'<f4','fortran_order':False,'shape':[1]}", "abcd"), ErrFormat, "tuple"},
		{"missing key", hdr("{'descr':'<f4','shape':(1,)}", "abcd"), ErrFormat, "fortran_order"},
		{"not a dict", hdr("('<f4', False, (1,))", "abcd"), ErrFormat, "not a dict"},
		{"deep nesting", hdr("{'descr':"+strings.Repeat("(", 100), ""), ErrFormat, "nested"},
		{"bad code point", hdr("{'descr':'<U1','fortran_order':False,'shape':(1,)}", "\xff\xff\xff\x7f"), ErrFormat, "code point"},
		{"unknown dtype", hdr("{'descr':'<f16','fortran_order':False,'shape':(1,)}", strings.Repeat("x", 16)), ErrUnsupported, "unsupported dtype"},
		{"garbage after dict", hdr("{'descr':'<f4','fortran_order':False,'shape':(1,)} x", "abcd"), ErrFormat, "after the header"},
		{"header past end", []byte(magic + "\x01\x00\xff\x00{}"), ErrFormat, "header of 255 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.in)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("Decode error %v, want %v mentioning %q", err, tc.want, tc.msg)
			}
			if _, err := Read(bytes.NewReader(tc.in)); err == nil && tc.name != "trailing bytes" {
				t.Fatalf("Read accepted it")
			}
		})
	}
}

func TestBoolsNormalised(t *testing.T) {
	b, _ := Marshal(tensor.From([]uint8{0, 1, 2, 255}))
	b = bytes.Replace(b, []byte("|u1"), []byte("|b1"), 1)
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{0, 1, 1, 1}; !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("bool bytes %v, want %v", got.Bytes(), want)
	}
}

func TestEncodeErrors(t *testing.T) {
	if err := Encode(io.Discard, tensor.New(tensor.BFloat16, 2)); !errors.Is(err, ErrUnsupported) {
		t.Errorf("bfloat16: %v", err)
	}
	if err := Encode(io.Discard, tensor.FromStrings([]string{"\xff"})); !errors.Is(err, ErrUnsupported) {
		t.Errorf("invalid UTF-8: %v", err)
	}
	if err := Encode(io.Discard, nil); err == nil {
		t.Errorf("nil tensor encoded")
	}
}

// TestReadGrowsWithInput checks that a stream declaring a huge array but
// holding little data fails without allocating for the declared size.
func TestReadGrowsWithInput(t *testing.T) {
	dict := "{'descr':'<f8','fortran_order':False,'shape':(100000000,)}"
	in := append([]byte(magic+"\x01\x00"), byte(len(dict)), 0)
	in = append(append(in, dict...), make([]byte, 100)...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Read(bytes.NewReader(in))
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) || !errors.Is(err, ErrFormat) {
		t.Fatalf("error %v", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Fatalf("allocated %d bytes for a 200-byte input", grew)
	}
}

func equalTensors(a, b *tensor.Tensor) bool {
	if a.DType() != b.DType() || !a.Shape().Equal(b.Shape()) {
		return false
	}
	if a.DType() == tensor.String {
		return slices.Equal(a.Strings(), b.Strings())
	}
	return bytes.Equal(a.Bytes(), b.Bytes())
}
