package onnx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
	"github.com/sinter-ml/sinter/tensor/encoding/tensorproto"
	"google.golang.org/protobuf/encoding/protowire"
)

const testdataRoot = "/usr/share/libonnx-testdata/data"

// corpusModels lists the model.onnx files of ONNX's backend test data,
// skipping the test when it is not installed (failing instead under CI).
func corpusModels(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(testdataRoot, "*", "*", "model.onnx"))
	if len(files) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no ONNX test data under %s (install libonnx-testdata)", testdataRoot)
		}
		t.Skipf("no ONNX test data under %s", testdataRoot)
	}
	return files
}

// roundTrip checks that m survives Encode and Decode unchanged.
func roundTrip(t *testing.T, name string, m *ir.Model) {
	t.Helper()
	b, err := Encode(m)
	if err != nil {
		t.Fatalf("%s: encode: %v", name, err)
	}
	again, err := Decode(b)
	if err != nil {
		t.Fatalf("%s: decode of encoded model: %v", name, err)
	}
	if d := diff(m, again); d != "" {
		t.Fatalf("%s: round trip differs at %s", name, d)
	}
}

// TestCorpus decodes every model of ONNX's backend test data with Open and
// Decode, round-trips it through Encode, and decodes its tensor .pb files
// against the model's declared input and output types.
func TestCorpus(t *testing.T) {
	pbs := 0
	for _, path := range corpusModels(t) {
		rel, _ := filepath.Rel(testdataRoot, path)
		f, err := Open(path)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Decode(data)
		if err != nil {
			t.Fatalf("%s: Decode: %v", rel, err)
		}
		if d := diff(f.Model, m); d != "" {
			t.Fatalf("%s: Open and Decode differ at %s", rel, d)
		}
		roundTrip(t, rel, m)
		pbs += checkTestData(t, rel, filepath.Dir(path), m)
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if pbs == 0 {
		t.Fatal("no .pb files decoded")
	}
	t.Logf("decoded %d tensor .pb files", pbs)
}

// checkTestData decodes the input_N.pb / output_N.pb files of dir's data
// sets whose graph values are tensors, checking dtype and known dims.
func checkTestData(t *testing.T, rel, dir string, m *ir.Model) int {
	init := map[string]bool{}
	for _, in := range m.Graph.Initializers {
		init[in.Name] = true
	}
	var inputs []*ir.ValueInfo
	for _, vi := range m.Graph.Inputs {
		if !init[vi.Name] {
			inputs = append(inputs, vi)
		}
	}
	n := 0
	sets, _ := filepath.Glob(filepath.Join(dir, "test_data_set_*"))
	for _, set := range sets {
		for _, kind := range []struct {
			prefix string
			vis    []*ir.ValueInfo
		}{{"input", inputs}, {"output", m.Graph.Outputs}} {
			for i, vi := range kind.vis {
				file := filepath.Join(set, fmt.Sprintf("%s_%d.pb", kind.prefix, i))
				b, err := os.ReadFile(file)
				if err != nil {
					continue // optional inputs may be left out
				}
				if vi.Type == nil || vi.Type.Kind != ir.KindTensor {
					continue // SequenceProto / OptionalProto / MapProto files
				}
				tt, err := tensorproto.Unmarshal(b)
				if err != nil {
					t.Errorf("%s: %s: %v", rel, filepath.Base(file), err)
					continue
				}
				// ONNX 1.12 wrote its bfloat16 test tensors as uint16 (numpy
				// has no bfloat16): the bits are right, the data_type is not.
				bf16AsU16 := vi.Type.Elem == tensor.BFloat16 && tt.DType() == tensor.Uint16
				if tt.DType() != vi.Type.Elem && !bf16AsU16 {
					t.Errorf("%s: %s: dtype %v, model says %v", rel, filepath.Base(file), tt.DType(), vi.Type.Elem)
				}
				if vi.Type.HasShape && len(vi.Type.Shape) == tt.Rank() {
					for k, d := range vi.Type.Shape {
						if d.Known && int(d.Value) != tt.Shape()[k] {
							t.Errorf("%s: %s: shape %v, model says %v", rel, filepath.Base(file), tt.Shape(), vi.Type.Shape)
							break
						}
					}
				}
				n++
			}
		}
	}
	return n
}

func mustDecodeFile(t *testing.T, path string, opts ...Option) *ir.Model {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Decode(b, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSparse(t *testing.T) {
	m := mustDecodeFile(t, "testdata/sparse.onnx")
	g := m.Graph
	s1 := g.Initializer("S1")
	if s1 == nil || !s1.Tensor.Shape().Equal(tensor.Shape{2, 3}) {
		t.Fatalf("S1 = %+v", s1)
	}
	if got, want := fmt.Sprint(s1.Tensor.Float32s()), "[0 5 0 0 7 0]"; got != want {
		t.Errorf("S1 = %s, want %s", got, want)
	}
	s2 := g.Initializer("S2")
	if got, want := fmt.Sprint(s2.Tensor.Int32s()), "[0 0 9 -3 0 0]"; got != want {
		t.Errorf("S2 = %s, want %s", got, want)
	}
	c := g.Nodes[0].Attr("sparse_value")
	if c == nil || c.Type != ir.AttrSparseTensor || c.T == nil {
		t.Fatalf("sparse_value = %+v", c)
	}
	if got, want := fmt.Sprint(c.T.Float32s()), "[0 0 0 2.5]"; got != want {
		t.Errorf("sparse_value = %s, want %s", got, want)
	}
	roundTrip(t, "sparse.onnx", m)

	// The densified size counts against the sparse budget.
	b, _ := os.ReadFile("testdata/sparse.onnx")
	if _, err := Decode(b, WithMaxSparseBytes(30)); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("budget of 30 bytes: %v", err)
	}
}

func TestFunction(t *testing.T) {
	m := mustDecodeFile(t, "testdata/function.onnx")
	if len(m.Functions) != 1 {
		t.Fatalf("%d functions", len(m.Functions))
	}
	fn := m.Functions[0]
	if fn.Name != "Scale" || fn.Domain != "custom" || fn.Doc != "multiplies by alpha" ||
		fmt.Sprint(fn.Inputs, fn.Outputs, fn.AttrNames) != "[X] [Y] [alpha]" || fn.Opsets[""] != 16 || len(fn.Nodes) != 2 {
		t.Fatalf("function %+v", fn)
	}
	a := fn.Nodes[0].Attr("value_float")
	if a == nil || a.RefAttrName != "alpha" || a.Type != ir.AttrFloat {
		t.Fatalf("ref attribute %+v", a)
	}
	if m.Opsets["custom"] != 1 || len(m.Metadata) != 1 || m.Metadata[0] != (ir.KeyValue{Key: "author", Value: "gen.py"}) {
		t.Fatalf("model %+v", m)
	}
	call := m.Graph.Nodes[0]
	if call.Domain != "custom" || call.Name != "scale" || call.Attr("alpha").F != 2 {
		t.Fatalf("call %+v", call)
	}
	roundTrip(t, "function.onnx", m)

	// attribute_proto (defaults), which ONNX 1.12 cannot write.
	fn.AttrDefaults = []*ir.Attribute{{Name: "beta", Type: ir.AttrInts, Ints: []int64{1, -2}}}
	fn.AttrNames = append(fn.AttrNames, "beta")
	roundTrip(t, "function with defaults", m)

	// A name listed in both fields (which ONNX forbids) is kept once, after
	// the names without defaults.
	fn.AttrNames = []string{"beta", "alpha"}
	b, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	fb := msg(nil).str(fnName, "F").str(fnAttribute, "beta").str(fnAttribute, "alpha").
		sub(fnAttributeProt, msg(nil).str(aName, "beta").varint(aType, uint64(ir.AttrInt)).varint(aI, 1))
	again, err := Decode(msg(b).sub(mFunctions, fb))
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(again.Functions[1].AttrNames); got != "[alpha beta]" {
		t.Fatalf("AttrNames = %s", got)
	}
}

func TestTypes(t *testing.T) {
	m := mustDecodeFile(t, "testdata/types.onnx")
	in := map[string]*ir.Type{}
	for _, vi := range m.Graph.Inputs {
		in[vi.Name] = vi.Type
	}
	x := in["x"]
	if x.Kind != ir.KindTensor || x.Elem != tensor.Float32 || !x.HasShape || len(x.Shape) != 3 ||
		x.Shape[0] != (ir.Dim{Param: "N", Denotation: "DATA_BATCH"}) ||
		x.Shape[1] != (ir.Dim{Value: 3, Known: true, Denotation: "DATA_CHANNEL"}) ||
		x.Shape[2] != (ir.Dim{}) {
		t.Errorf("x: %+v", x)
	}
	if s := in["seq"]; s.Kind != ir.KindSequence || s.Inner == nil || s.Inner.Kind != ir.KindTensor || s.Inner.HasShape {
		t.Errorf("seq: %+v", s)
	}
	if mp := in["map"]; mp.Kind != ir.KindMap || mp.Elem != tensor.Int64 || mp.Inner.Elem != tensor.Float32 {
		t.Errorf("map: %+v", mp)
	}
	if o := in["opt"]; o.Kind != ir.KindOptional || o.Inner.Elem != tensor.Int32 || len(o.Inner.Shape) != 1 {
		t.Errorf("opt: %+v", o)
	}
	if sp := in["sp"]; sp.Kind != ir.KindSparseTensor || sp.Elem != tensor.Float32 || len(sp.Shape) != 2 {
		t.Errorf("sp: %+v", sp)
	}
	if s := in["s"]; !s.HasShape || s.Shape == nil || len(s.Shape) != 0 {
		t.Errorf("scalar: %+v", s)
	}
	if u := in["u"]; u.HasShape || u.Shape != nil || u.Elem != tensor.String {
		t.Errorf("unranked: %+v", u)
	}
	roundTrip(t, "types.onnx", m)
}

func TestExternalFixture(t *testing.T) {
	check := func(m *ir.Model) {
		t.Helper()
		w, b := m.Graph.Initializer("W"), m.Graph.Initializer("B")
		if w == nil || b == nil {
			t.Fatal("missing initializers")
		}
		if got := fmt.Sprint(w.Tensor.Shape(), w.Tensor.Float32s()); got != "[3,4] [0 1 2 3 4 5 6 7 8 9 10 11]" {
			t.Errorf("W = %s", got)
		}
		if got := fmt.Sprint(b.Tensor.Int64s()); got != "[1 -2 3]" {
			t.Errorf("B = %s", got)
		}
	}
	f, err := Open("testdata/external/model.onnx")
	if err != nil {
		t.Fatal(err)
	}
	check(f.Model)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal("second Close:", err)
	}

	b, _ := os.ReadFile("testdata/external/model.onnx")
	if _, err := Decode(b); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), `initializer "W"`) {
		t.Fatalf("Decode without base dir: %v", err)
	}
	m, err := Decode(b, WithBaseDir("testdata/external"))
	if err != nil {
		t.Fatal(err)
	}
	check(m)
	roundTrip(t, "external", m)
}

// msg builds protobuf messages field by field for hand-made models.
type msg []byte

func (m msg) str(num protowire.Number, s string) msg {
	m = protowire.AppendTag(m, num, protowire.BytesType)
	return protowire.AppendString(m, s)
}

func (m msg) sub(num protowire.Number, b []byte) msg {
	m = protowire.AppendTag(m, num, protowire.BytesType)
	return protowire.AppendBytes(m, b)
}

func (m msg) varint(num protowire.Number, v uint64) msg {
	m = protowire.AppendTag(m, num, protowire.VarintType)
	return protowire.AppendVarint(m, v)
}

func kv(k, v string) []byte { return msg(nil).str(1, k).str(2, v) }

// externalModel returns a model whose initializer W (float32 [2]) lives in
// the file at loc, at offset and length (omitted when negative).
func externalModel(loc string, offset, length int64) []byte {
	tp := msg(nil).varint(1, 2).varint(2, uint64(tensor.Float32)).str(8, "W").sub(13, kv("location", loc))
	if offset >= 0 {
		tp = tp.sub(13, kv("offset", fmt.Sprint(offset)))
	}
	if length >= 0 {
		tp = tp.sub(13, kv("length", fmt.Sprint(length)))
	}
	tp = tp.varint(14, 1)
	node := msg(nil).str(nInput, "W").str(nOutput, "Y").str(nOpType, "Identity")
	g := msg(nil).sub(gNode, node).str(gName, "g").sub(gInitializer, tp).sub(gOutput, msg(nil).str(1, "Y"))
	return msg(nil).varint(mIRVersion, 8).sub(mGraph, g).sub(mOpsetImport, msg(nil).varint(2, 16))
}

func TestExternalData(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	// 8 bytes of padding, then float32 1.5 and -2.
	weights := make([]byte, 16)
	binary.LittleEndian.PutUint32(weights[8:], math.Float32bits(1.5))
	binary.LittleEndian.PutUint32(weights[12:], math.Float32bits(-2))
	for _, d := range []string{dir, outside} {
		if err := os.MkdirAll(filepath.Join(d, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "sub", "w.bin"), weights, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	symlinks := true
	if err := os.Symlink(filepath.Join(outside, "sub", "w.bin"), filepath.Join(dir, "escape.bin")); err != nil {
		symlinks = false
	}
	if err := os.Symlink(filepath.Join("..", "..", filepath.Base(outside), "sub", "w.bin"), filepath.Join(dir, "sub", "rel_escape.bin")); err != nil {
		symlinks = false
	}
	if err := os.Symlink("w.bin", filepath.Join(dir, "sub", "inside.bin")); err != nil {
		symlinks = false
	}

	load := func(model []byte) (*ir.Model, error) {
		path := filepath.Join(dir, "model.onnx")
		if err := os.WriteFile(path, model, 0o644); err != nil {
			t.Fatal(err)
		}
		f, openErr := Open(path)
		m, decErr := Decode(model, WithBaseDir(dir))
		if (openErr == nil) != (decErr == nil) {
			t.Fatalf("Open and Decode disagree: %v / %v", openErr, decErr)
		}
		if openErr != nil {
			return nil, openErr
		}
		if d := diff(f.Model, m); d != "" {
			t.Fatalf("Open and Decode differ at %s", d)
		}
		f.Close()
		return m, nil
	}

	m, err := load(externalModel("sub/w.bin", 8, 8))
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(m.Graph.Initializers[0].Tensor.Float32s()); got != "[1.5 -2]" {
		t.Fatalf("W = %s", got)
	}
	if _, err := load(externalModel("sub/w.bin", 8, -1)); err != nil {
		t.Fatalf("no length: %v", err)
	}
	if _, err := load(externalModel("sub/./w.bin", 8, -1)); err != nil {
		t.Fatalf("./ in location: %v", err)
	}
	if symlinks {
		if _, err := load(externalModel("sub/inside.bin", 8, 8)); err != nil {
			t.Fatalf("symlink inside the directory: %v", err)
		}
	}

	bad := []struct {
		name string
		loc  string
		off  int64
		len  int64
	}{
		{"dotdot", "../" + filepath.Base(outside) + "/sub/w.bin", 8, 8},
		{"inner dotdot", "sub/../sub/w.bin", 8, 8},
		{"absolute", filepath.Join(outside, "sub", "w.bin"), 8, 8},
		{"slash absolute", "/etc/passwd", 0, -1},
		{"windows absolute", `C:\x\w.bin`, 0, -1},
		{"backslash dotdot", `..\w.bin`, 0, -1},
		{"missing", "nope.bin", 0, -1},
		{"directory", "sub", 0, -1},
		{"offset past end", "sub/w.bin", 17, -1},
		{"length past end", "sub/w.bin", 12, 8},
		{"wrong length", "sub/w.bin", 0, 16},
		{"huge length", "sub/w.bin", 8, math.MaxInt64},
	}
	if symlinks {
		bad = append(bad, struct {
			name string
			loc  string
			off  int64
			len  int64
		}{"symlink out", "escape.bin", 8, 8}, struct {
			name string
			loc  string
			off  int64
			len  int64
		}{"relative symlink out", "sub/rel_escape.bin", 8, 8})
	}
	for _, c := range bad {
		_, err := load(externalModel(c.loc, c.off, c.len))
		if err == nil {
			t.Errorf("%s: location %q accepted", c.name, c.loc)
			continue
		}
		t.Logf("%s: %v", c.name, err)
		if !strings.Contains(err.Error(), `initializer "W"`) {
			t.Errorf("%s: error does not name the initializer: %v", c.name, err)
		}
	}
}

// TestOpenCopyOnWrite checks that tensors of an opened model can be written
// without faulting and without changing the file.
func TestOpenCopyOnWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.onnx")
	m := &ir.Model{IRVersion: 8, Opsets: map[string]int64{"": 16}, Graph: &ir.Graph{
		Name:         "g",
		Initializers: []*ir.Initializer{{Name: "W", Tensor: tensor.FromFloat32([]float32{1, 2, 3})}},
		Outputs:      []*ir.ValueInfo{{Name: "W"}},
	}}
	b, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Model.Graph.Initializers[0].Tensor.Float32s()[0] = 42
	f.Close()
	after, _ := os.ReadFile(path)
	if string(after) != string(b) {
		t.Fatal("writing a tensor changed the file")
	}
}

// errModel wraps a node into graph "main" after three valid nodes.
func errModel(node []byte) []byte {
	ok := msg(nil).str(nInput, "x").str(nOutput, "y").str(nOpType, "Relu")
	g := msg(nil).sub(gNode, ok).sub(gNode, ok).sub(gNode, ok).sub(gNode, node).str(gName, "main")
	return msg(nil).sub(mGraph, g)
}

func TestErrorsNamePlace(t *testing.T) {
	// pads declared as ints but sent as a fixed64: a wire type error.
	badAttr := msg(nil).str(aName, "pads").varint(aType, uint64(ir.AttrInts))
	badAttr = protowire.AppendTag(badAttr, aInts, protowire.Fixed64Type)
	badAttr = protowire.AppendFixed64(badAttr, 1)
	node := msg(nil).str(nInput, "x").str(nOutput, "y").str(nName, "conv1").str(nOpType, "Conv").sub(nAttribute, badAttr)
	_, err := Decode(errModel(node))
	want := `onnx: graph "main": node 3 (Conv "conv1"): attribute "pads": `
	if err == nil || !strings.HasPrefix(err.Error(), want) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("got %v, want prefix %q", err, want)
	}

	tp := msg(nil).varint(1, 1<<40).varint(2, uint64(tensor.Float32)).str(8, "W").sub(9, make([]byte, 4))
	g := msg(nil).str(gName, "main").sub(gInitializer, tp)
	_, err = Decode(msg(nil).sub(mGraph, g))
	if err == nil || !strings.HasPrefix(err.Error(), `onnx: graph "main": initializer "W": `) || !errors.Is(err, tensorproto.ErrInvalid) {
		t.Fatalf("huge initializer: %v", err)
	}

	cases := []struct {
		name string
		b    []byte
		want string
	}{
		{"no graph", msg(nil).varint(mIRVersion, 8), "no graph"},
		{"two graphs", msg(nil).sub(mGraph, nil).sub(mGraph, nil), "more than one graph"},
		{"graph wire type", msg(nil).varint(mGraph, 1), "wire type"},
		{"length past end", []byte{mGraph<<3 | 2, 100, 1}, "field 7"},
		{"opset conflict", msg(nil).sub(mGraph, nil).sub(mOpsetImport, msg(nil).varint(2, 1)).sub(mOpsetImport, msg(nil).str(1, "ai.onnx").varint(2, 2)), "versions 1 and 2"},
		{"attr no type", errModel(msg(nil).str(nOpType, "X").sub(nAttribute, msg(nil).str(aName, "a"))), `attribute "a": invalid model: attribute has neither`},
		{"attr bad type", errModel(msg(nil).str(nOpType, "X").sub(nAttribute, msg(nil).str(aName, "a").varint(aType, 99))), "attribute type 99"},
		{"tensor attr without tensor", errModel(msg(nil).str(nOpType, "X").sub(nAttribute, msg(nil).str(aName, "a").varint(aType, uint64(ir.AttrTensor)))), "without a tensor"},
		{"elem type", msg(nil).sub(mGraph, msg(nil).sub(gInput, msg(nil).str(1, "x").sub(2, msg(nil).sub(tTensor, msg(nil).varint(1, 300))))), `input "x": unsupported: element type 300`},
	}
	for _, c := range cases {
		_, err := Decode(c.b)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
}

func TestSparseErrors(t *testing.T) {
	values := func(n int) []byte {
		vals := make([]float32, n)
		return tensorproto.Marshal(tensor.FromFloat32(vals, n), "S")
	}
	idx := func(v []int64, shape ...int) []byte { return tensorproto.Marshal(tensor.From(v, shape...), "") }
	sparse := func(vals, ind []byte, dims ...uint64) []byte {
		s := msg(nil).sub(spValues, vals)
		if ind != nil {
			s = s.sub(spIndices, ind)
		}
		for _, d := range dims {
			s = s.varint(spDims, d)
		}
		return msg(nil).sub(mGraph, msg(nil).sub(gSparseInitializer, s))
	}
	cases := []struct {
		name string
		b    []byte
		want string
	}{
		{"linear out of range", sparse(values(1), idx([]int64{6}, 1), 2, 3), "out of range"},
		{"negative", sparse(values(1), idx([]int64{-1}, 1), 2, 3), "out of range"},
		{"coord out of range", sparse(values(1), idx([]int64{0, 3}, 1, 2), 2, 3), "out of range"},
		{"indices shape", sparse(values(2), idx([]int64{0, 1, 2}, 3), 2, 3), "indices have shape"},
		{"no indices", sparse(values(2), nil, 2, 3), "without indices"},
		{"no values", msg(nil).sub(mGraph, msg(nil).sub(gSparseInitializer, nil)), "without values"},
		{"huge dense", sparse(values(0), idx([]int64{}, 0), 1<<30, 1<<9), "sparse budget"},
		{"int32 indices", sparse(values(1), tensorproto.Marshal(tensor.From([]int32{0}), ""), 2), "want int64"},
	}
	for _, c := range cases {
		_, err := Decode(c.b)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "sparse_initializer 0") {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
}

func TestDepthLimit(t *testing.T) {
	// A graph whose only node is an If with a then_branch holding the next
	// level.
	nest := func(levels int) []byte {
		g := msg(nil).str(gName, "leaf")
		for i := 0; i < levels; i++ {
			attr := msg(nil).str(aName, "then_branch").varint(aType, uint64(ir.AttrGraph)).sub(aG, g)
			node := msg(nil).str(nOpType, "If").sub(nAttribute, attr)
			g = msg(nil).sub(gNode, node).str(gName, fmt.Sprint("g", i))
		}
		return msg(nil).sub(mGraph, g)
	}
	if _, err := Decode(nest(MaxDepth)); err != nil {
		t.Fatalf("depth %d: %v", MaxDepth, err)
	}
	if _, err := Decode(nest(MaxDepth + 1)); err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Fatalf("depth %d: %v", MaxDepth+1, err)
	}
	// Sequences of sequences of ...
	ty := msg(nil).sub(tTensor, msg(nil).varint(1, 1))
	for i := 0; i < 200; i++ {
		ty = msg(nil).sub(tSequence, msg(nil).sub(1, ty))
	}
	b := msg(nil).sub(mGraph, msg(nil).sub(gInput, msg(nil).str(1, "x").sub(2, ty)))
	if _, err := Decode(b); err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Fatalf("deep type: %v", err)
	}
}

// TestTruncation decodes every prefix of small models: each must decode or
// fail, never panic.
func TestTruncation(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.onnx")
	if len(files) < 5 {
		t.Fatal("missing fixtures")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ok := 0
		for i := range b {
			if _, err := Decode(b[:i]); err == nil {
				ok++
			}
		}
		// Flipping each byte must not panic either.
		c := append([]byte{}, b...)
		for i := range c {
			for _, x := range []byte{0x00, 0xff, 0x80, c[i] ^ 0x07} {
				old := c[i]
				c[i] = x
				_, _ = Decode(c, WithMaxSparseBytes(1<<20))
				c[i] = old
			}
		}
		t.Logf("%s: %d of %d prefixes decode", f, ok, len(b))
	}
}

func TestEncodeErrors(t *testing.T) {
	bad := []*ir.Model{
		{Graph: &ir.Graph{Nodes: []*ir.Node{nil}}},
		{Graph: &ir.Graph{Initializers: []*ir.Initializer{{Name: "W"}}}},
		{Graph: &ir.Graph{Nodes: []*ir.Node{{OpType: "X", Attrs: []*ir.Attribute{{Name: "t", Type: ir.AttrTensor}}}}}},
		{Graph: &ir.Graph{Nodes: []*ir.Node{{OpType: "X", Attrs: []*ir.Attribute{{Name: "g", Type: ir.AttrGraph}}}}}},
		{Graph: &ir.Graph{Nodes: []*ir.Node{{OpType: "X", Attrs: []*ir.Attribute{{Name: "a", Type: 77}}}}}},
	}
	for i, m := range bad {
		if _, err := Encode(m); err == nil {
			t.Errorf("model %d encoded", i)
		}
	}
}

// TestEncodeAllAttrTypes round-trips one attribute of every type.
func TestEncodeAllAttrTypes(t *testing.T) {
	sub := &ir.Graph{Name: "body", Nodes: []*ir.Node{{OpType: "Identity", Inputs: []string{"a"}, Outputs: []string{"b"}}}}
	ty := &ir.Type{Kind: ir.KindTensor, Elem: tensor.Float32, HasShape: true, Shape: []ir.Dim{{Value: 2, Known: true}}}
	strs := tensor.FromStrings([]string{"", "x", ""}, 3)
	attrs := []*ir.Attribute{
		{Name: "f", Type: ir.AttrFloat, F: float32(math.NaN())},
		{Name: "i", Type: ir.AttrInt, I: -5},
		{Name: "s", Type: ir.AttrString, S: []byte("hé")},
		{Name: "t", Type: ir.AttrTensor, T: tensor.From([]int8{1, -1}, 2)},
		{Name: "g", Type: ir.AttrGraph, G: sub},
		{Name: "floats", Type: ir.AttrFloats, Floats: []float32{1, -0.5}},
		{Name: "ints", Type: ir.AttrInts, Ints: []int64{math.MinInt64, 0, 7}},
		{Name: "strings", Type: ir.AttrStrings, Strings: [][]byte{[]byte("a"), {}}},
		{Name: "tensors", Type: ir.AttrTensors, Tensors: []*tensor.Tensor{strs, tensor.Scalar(true)}},
		{Name: "graphs", Type: ir.AttrGraphs, Graphs: []*ir.Graph{sub, sub}},
		{Name: "sparse", Type: ir.AttrSparseTensor, T: tensor.From([]float64{0, 3, 0, -0.0}, 2, 2)},
		{Name: "sparses", Type: ir.AttrSparseTensors, Tensors: []*tensor.Tensor{strs, tensor.Scalar[int64](0)}},
		{Name: "tp", Type: ir.AttrTypeProto, TP: ty},
		{Name: "tps", Type: ir.AttrTypeProtos, TypeProtos: []*ir.Type{ty, {Kind: ir.KindSequence, Inner: ty}, {}}},
		{Name: "ref", Type: ir.AttrInt, RefAttrName: "outer", Doc: "from the caller"},
	}
	m := &ir.Model{IRVersion: 8, ProducerName: "p", ProducerVersion: "1", Domain: "d", ModelVersion: 3, Doc: "doc",
		Opsets: map[string]int64{"": 17, "ai.onnx.ml": 3},
		Graph: &ir.Graph{Name: "main", Doc: "gdoc", Nodes: []*ir.Node{{Name: "n", OpType: "Custom", Domain: "x.y",
			Inputs: []string{"a", ""}, Outputs: []string{"b"}, Attrs: attrs, Doc: "ndoc"}}}}
	roundTrip(t, "all attribute types", m)
}

func TestAttrTypeInference(t *testing.T) {
	// IR version 1 attributes carry no type field.
	attr := msg(nil).str(aName, "alpha")
	attr = protowire.AppendTag(attr, aF, protowire.Fixed32Type)
	attr = protowire.AppendFixed32(attr, math.Float32bits(0.25))
	node := msg(nil).str(nOpType, "LeakyRelu").sub(nAttribute, attr)
	m, err := Decode(msg(nil).sub(mGraph, msg(nil).sub(gNode, node)))
	if err != nil {
		t.Fatal(err)
	}
	if a := m.Graph.Nodes[0].Attrs[0]; a.Type != ir.AttrFloat || a.F != 0.25 {
		t.Fatalf("got %+v", a)
	}
}

// TestPackedAttributes accepts packed encodings of ints and floats, which
// proto2 parsers must accept for repeated scalars.
func TestPackedAttributes(t *testing.T) {
	var ints, floats []byte
	for _, v := range []int64{3, -1} {
		ints = protowire.AppendVarint(ints, uint64(v))
	}
	floats = protowire.AppendFixed32(floats, math.Float32bits(1.5))
	attr := msg(nil).str(aName, "a").varint(aType, uint64(ir.AttrInts)).sub(aInts, ints).varint(aInts, 9)
	fattr := msg(nil).str(aName, "b").varint(aType, uint64(ir.AttrFloats)).sub(aFloats, floats)
	node := msg(nil).str(nOpType, "X").sub(nAttribute, attr).sub(nAttribute, fattr)
	m, err := Decode(msg(nil).sub(mGraph, msg(nil).sub(gNode, node)))
	if err != nil {
		t.Fatal(err)
	}
	n := m.Graph.Nodes[0]
	if fmt.Sprint(n.Attrs[0].Ints, n.Attrs[1].Floats) != "[3 -1 9] [1.5]" {
		t.Fatalf("got %v %v", n.Attrs[0].Ints, n.Attrs[1].Floats)
	}
}

func TestOpsetsSortedOnEncode(t *testing.T) {
	m := &ir.Model{Opsets: map[string]int64{"b": 1, "": 2, "a": 3}, Graph: &ir.Graph{}}
	b1, _ := Encode(m)
	for i := 0; i < 5; i++ {
		b2, _ := Encode(m)
		if string(b1) != string(b2) {
			t.Fatal("encoding is not deterministic")
		}
	}
	again, err := Decode(b1)
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0)
	for k := range again.Opsets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if fmt.Sprint(keys) != "[ a b]" {
		t.Fatal(keys)
	}
}
