package tensorproto

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"github.com/sinter-ml/sinter/tensor"
	"google.golang.org/protobuf/encoding/protowire"
)

// equalTensors reports whether a and b have the same dtype, shape and
// storage bytes (bitwise, so NaNs compare equal to themselves).
func equalTensors(a, b *tensor.Tensor) bool {
	if a.DType() != b.DType() || !a.Shape().Equal(b.Shape()) {
		return false
	}
	if a.DType() == tensor.String {
		as, bs := a.Strings(), b.Strings()
		if len(as) != len(bs) {
			return false
		}
		for i := range as {
			if as[i] != bs[i] {
				return false
			}
		}
		return true
	}
	return bytes.Equal(a.Bytes(), b.Bytes())
}

// TestTyped decodes TensorProtos written by onnx.helper with typed data
// fields (testdata/gen.py) and compares them with numpy's bytes.
func TestTyped(t *testing.T) {
	files, err := filepath.Glob("testdata/typed_*.pb")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "typed_"), ".pb")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(f, ".pb") + ".want")
			if err != nil {
				t.Fatal(err)
			}
			got, err := Unmarshal(b)
			if err != nil {
				t.Fatal(err)
			}
			if got.DType() == tensor.String {
				if s := strings.Join(got.Strings(), "\n"); s != string(want) {
					t.Fatalf("strings %q, want %q", s, want)
				}
			} else if !bytes.Equal(got.Bytes(), want) {
				t.Fatalf("bytes %x, want %x", got.Bytes(), want)
			}
			// Typed data is copied into aligned storage.
			if got.DType() != tensor.String && len(got.Bytes()) > 0 {
				if uintptr(unsafe.Pointer(&got.Bytes()[0]))%8 != 0 {
					t.Errorf("typed data storage not 8-byte aligned")
				}
			}
			// Marshal (raw_data) and back gives the same tensor.
			again, err := Unmarshal(Marshal(got, name))
			if err != nil {
				t.Fatal(err)
			}
			if !equalTensors(got, again) {
				t.Fatalf("round trip: %v != %v", again, got)
			}
		})
	}
}

func TestScalarShapes(t *testing.T) {
	b, _ := os.ReadFile("testdata/typed_scalar.pb")
	got, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Rank() != 0 || got.Float32s()[0] != 42 {
		t.Fatalf("got %v %v", got, got.Float32s())
	}
	b, _ = os.ReadFile("testdata/typed_empty.pb")
	got, err = Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Shape().Equal(tensor.Shape{0, 3}) || got.Len() != 0 {
		t.Fatalf("got %v", got)
	}
}

func TestRealFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/real_*.pb")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Decode(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if p.Tensor == nil || p.Tensor.DType() != p.DType {
			t.Fatalf("%s: bad decode %+v", f, p)
		}
		again, err := Decode(Append(nil, p.Tensor, p.Name, p.Doc))
		if err != nil {
			t.Fatalf("%s: re-decode: %v", f, err)
		}
		if again.Name != p.Name || !equalTensors(again.Tensor, p.Tensor) {
			t.Fatalf("%s: round trip differs", f)
		}
	}
}

func TestRawAliases(t *testing.T) {
	src := tensor.FromFloat32([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b := Marshal(src, "x")
	got, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	start := uintptr(unsafe.Pointer(&b[0]))
	p := uintptr(unsafe.Pointer(&got.Bytes()[0]))
	if p < start || p >= start+uintptr(len(b)) {
		t.Fatal("raw_data was copied, want an alias of the input")
	}
	if !equalTensors(src, got) {
		t.Fatal("values differ")
	}
}

// proto builds a TensorProto field by field for the hand-made cases.
type proto []byte

func (p proto) varint(num protowire.Number, vs ...uint64) proto {
	for _, v := range vs {
		p = protowire.AppendTag(p, num, protowire.VarintType)
		p = protowire.AppendVarint(p, v)
	}
	return p
}

func (p proto) packedVarint(num protowire.Number, vs ...uint64) proto {
	var run []byte
	for _, v := range vs {
		run = protowire.AppendVarint(run, v)
	}
	return p.bytes(num, run)
}

func (p proto) fixed32(num protowire.Number, vs ...uint32) proto {
	for _, v := range vs {
		p = protowire.AppendTag(p, num, protowire.Fixed32Type)
		p = protowire.AppendFixed32(p, v)
	}
	return p
}

func (p proto) bytes(num protowire.Number, b []byte) proto {
	p = protowire.AppendTag(p, num, protowire.BytesType)
	return protowire.AppendBytes(p, b)
}

func (p proto) str(num protowire.Number, s string) proto { return p.bytes(num, []byte(s)) }

func kv(k, v string) []byte {
	return proto(nil).str(1, k).str(2, v)
}

func TestPackedAndUnpacked(t *testing.T) {
	f := func(v float32) uint32 { return math.Float32bits(v) }
	var packed []byte
	packed = protowire.AppendFixed32(packed, f(2))
	packed = protowire.AppendFixed32(packed, f(3))
	// dims unpacked then packed, float_data mixed: one scalar, one packed run,
	// one scalar. Unknown fields are skipped.
	b := proto(nil).varint(fDims, 2).packedVarint(fDims, 2).varint(fDataType, uint64(tensor.Float32)).
		fixed32(fFloatData, f(1)).bytes(fFloatData, packed).varint(99, 7).fixed32(fFloatData, f(4))
	got, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if want := tensor.FromFloat32([]float32{1, 2, 3, 4}, 2, 2); !equalTensors(got, want) {
		t.Fatalf("got %v %v", got, got.Float32s())
	}

	neg := uint64(math.MaxUint64) // -1 as a varint
	b = proto(nil).varint(fDims, 3).varint(fDataType, uint64(tensor.Int64)).varint(fInt64Data, 5).packedVarint(fInt64Data, neg, 1<<40)
	got, err = Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if v := got.Int64s(); v[0] != 5 || v[1] != -1 || v[2] != 1<<40 {
		t.Fatalf("got %v", v)
	}

	b = proto(nil).varint(fDims, 2).varint(fDataType, uint64(tensor.Int8)).packedVarint(fInt32Data, neg, 127)
	got, err = Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if v := got.Int8s(); v[0] != -1 || v[1] != 127 {
		t.Fatalf("got %v", v)
	}
}

func TestBoolNormalised(t *testing.T) {
	b := proto(nil).varint(fDims, 3).varint(fDataType, uint64(tensor.Bool)).bytes(fRawData, []byte{0, 1, 7})
	got, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), []byte{0, 1, 1}) {
		t.Fatalf("got %v", got.Bytes())
	}
	if b[len(b)-1] != 7 {
		t.Fatal("input modified")
	}
}

func TestExternal(t *testing.T) {
	b := proto(nil).varint(fDims, 2).varint(fDataType, uint64(tensor.Float32)).str(fName, "w").
		bytes(fExternalData, kv("location", "weights.bin")).bytes(fExternalData, kv("offset", "16")).
		bytes(fExternalData, kv("length", "8")).bytes(fExternalData, kv("checksum", "abc")).
		bytes(fExternalData, kv("x-extra", "1")).varint(fDataLocation, locExternal)
	p, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if p.Tensor != nil || p.External == nil {
		t.Fatalf("got %+v", p)
	}
	e := p.External
	if e.Location != "weights.bin" || e.Offset != 16 || e.Length != 8 || e.Checksum != "abc" || len(e.Entries) != 5 {
		t.Fatalf("external %+v", e)
	}
	if _, err := Unmarshal(b); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("Unmarshal of external: %v", err)
	}
	if err := p.ResolveExternal(make([]byte, 4)); err == nil {
		t.Fatal("short region accepted")
	}
	data := Marshal(tensor.FromFloat32([]float32{7, 8}), "")
	raw := data[len(data)-8:]
	if err := p.ResolveExternal(raw); err != nil {
		t.Fatal(err)
	}
	if v := p.Tensor.Float32s(); v[0] != 7 || v[1] != 8 {
		t.Fatalf("got %v", v)
	}

	// Without length the region runs to the end of the file; any size that
	// fits the shape is accepted.
	b = proto(nil).varint(fDataType, uint64(tensor.Float32)).bytes(fExternalData, kv("location", "w")).varint(fDataLocation, locExternal)
	p, err = Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if p.External.Length != -1 || p.External.Offset != 0 {
		t.Fatalf("defaults %+v", p.External)
	}
	if err := p.ResolveExternal(raw[:4]); err != nil {
		t.Fatal(err)
	}
}

func TestErrors(t *testing.T) {
	f32 := uint64(tensor.Float32)
	cases := []struct {
		name string
		b    []byte
		want error
	}{
		{"no data type", proto(nil).varint(fDims, 1).bytes(fRawData, make([]byte, 4)), ErrInvalid},
		{"unknown data type", proto(nil).varint(fDataType, 40), ErrUnsupported},
		{"huge data type", proto(nil).varint(fDataType, 1<<40), ErrUnsupported},
		{"complex", proto(nil).varint(fDataType, uint64(tensor.Complex64)).bytes(fRawData, make([]byte, 8)), ErrUnsupported},
		{"segment", proto(nil).varint(fDataType, f32).bytes(fSegment, nil), ErrUnsupported},
		{"too few", proto(nil).varint(fDims, 3).varint(fDataType, f32).fixed32(fFloatData, 1, 2), ErrInvalid},
		{"too many", proto(nil).varint(fDims, 1).varint(fDataType, f32).fixed32(fFloatData, 1, 2), ErrInvalid},
		{"no data", proto(nil).varint(fDims, 1).varint(fDataType, f32), ErrInvalid},
		{"scalar no data", proto(nil).varint(fDataType, f32), ErrInvalid},
		{"raw short", proto(nil).varint(fDims, 2).varint(fDataType, f32).bytes(fRawData, make([]byte, 7)), ErrInvalid},
		{"huge dims", proto(nil).varint(fDims, 1<<20, 1<<20, 1<<20).varint(fDataType, f32).bytes(fRawData, make([]byte, 4)), ErrInvalid},
		{"huge dims typed", proto(nil).varint(fDims, 1<<30).varint(fDataType, f32).fixed32(fFloatData, 1), ErrInvalid},
		{"negative dim", proto(nil).varint(fDims, math.MaxUint64).varint(fDataType, f32), ErrInvalid},
		{"raw and typed", proto(nil).varint(fDims, 1).varint(fDataType, f32).fixed32(fFloatData, 1).bytes(fRawData, make([]byte, 4)), ErrInvalid},
		{"wrong field", proto(nil).varint(fDims, 1).varint(fDataType, f32).varint(fInt64Data, 1), ErrInvalid},
		{"string in raw", proto(nil).varint(fDims, 1).varint(fDataType, uint64(tensor.String)).bytes(fRawData, []byte{1}), ErrInvalid},
		{"bad wire type", proto(nil).fixed32(fDataType, 1), ErrInvalid},
		{"bad packed fixed32", proto(nil).varint(fDataType, f32).bytes(fFloatData, make([]byte, 5)), ErrInvalid},
		{"truncated packed varint", proto(nil).varint(fDataType, uint64(tensor.Int64)).bytes(fInt64Data, []byte{0x80}), ErrInvalid},
		{"overlong varint", proto(nil).varint(fDataType, uint64(tensor.Int64)).bytes(fInt64Data, bytes.Repeat([]byte{0x80}, 11)[:10]), ErrInvalid},
		{"length past end", []byte{fRawData<<3 | 2, 10, 0}, ErrInvalid},
		{"field zero", []byte{0, 0}, ErrInvalid},
		{"bad location", proto(nil).varint(fDataType, f32).varint(fDataLocation, 2), ErrInvalid},
		{"external no location", proto(nil).varint(fDataType, f32).varint(fDataLocation, 1), ErrInvalid},
		{"external bad offset", proto(nil).varint(fDataType, f32).bytes(fExternalData, kv("location", "x")).bytes(fExternalData, kv("offset", "-1")).varint(fDataLocation, 1), ErrInvalid},
		{"external with data", proto(nil).varint(fDataType, f32).bytes(fRawData, make([]byte, 4)).bytes(fExternalData, kv("location", "x")).varint(fDataLocation, 1), ErrInvalid},
		{"external string", proto(nil).varint(fDataType, uint64(tensor.String)).bytes(fExternalData, kv("location", "x")).varint(fDataLocation, 1), ErrUnsupported},
	}
	for _, c := range cases {
		_, err := Decode(c.b)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

// TestHugeDimsDoNotAllocate checks that a tensor declaring many elements but
// carrying few is rejected before any storage is allocated.
func TestHugeDimsDoNotAllocate(t *testing.T) {
	b := proto(nil).varint(fDims, 1<<36).varint(fDataType, uint64(tensor.Int64)).varint(fInt64Data, 1)
	allocs := testing.AllocsPerRun(10, func() {
		if _, err := Decode(b); err == nil {
			t.Fatal("accepted")
		}
	})
	// A handful of small allocations for dims and the error; never the tensor.
	if allocs > 20 {
		t.Fatalf("%v allocations", allocs)
	}
}

func TestTruncation(t *testing.T) {
	for _, f := range []string{"testdata/real_cast_string_output_0.pb", "testdata/typed_int64.pb", "testdata/typed_float32.pb"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i := range b {
			_, _ = Decode(b[:i]) // must not panic
		}
	}
}
