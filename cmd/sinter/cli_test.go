package main

import (
	"errors"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
)

func TestParseArgsInterspersed(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		pos     []string
		ins     []string
		out     string
		verbose bool
	}{
		{[]string{"m.onnx", "-i", "a.npy", "-o", "d", "-v"}, []string{"m.onnx"}, []string{"a.npy"}, "d", true},
		{[]string{"-i", "a.npy", "m.onnx", "--i=b.npy"}, []string{"m.onnx"}, []string{"a.npy", "b.npy"}, ".", false},
		{[]string{"m.onnx", "x", "-o=z"}, []string{"m.onnx", "x"}, nil, "z", false},
		{[]string{"-v", "--", "-i", "m.onnx"}, []string{"-i", "m.onnx"}, nil, ".", true},
	} {
		fs := newFlagSet("t")
		var ins stringList
		fs.Var(&ins, "i", "")
		out := fs.String("o", ".", "")
		verbose := fs.Bool("v", false, "")
		pos, err := parseArgs(fs, tc.args)
		if err != nil {
			t.Fatalf("%q: %v", tc.args, err)
		}
		if !slices.Equal(pos, tc.pos) || !slices.Equal(ins, tc.ins) || *out != tc.out || *verbose != tc.verbose {
			t.Errorf("%q: pos %q ins %q out %q v %v", tc.args, pos, ins, *out, *verbose)
		}
	}
	fs := newFlagSet("t")
	fs.Int("n", 0, "")
	var u usageError
	if _, err := parseArgs(fs, []string{"m", "--bogus"}); !errors.As(err, &u) {
		t.Errorf("unknown flag: %v, want a usage error", err)
	}
	if _, err := parseArgs(fs, []string{"m", "-n", "x"}); !errors.As(err, &u) {
		t.Errorf("bad int: %v, want a usage error", err)
	}
	if _, err := parseArgs(fs, []string{"m", "-h"}); !errors.Is(err, errHelp) {
		t.Errorf("-h: %v", err)
	}
	if _, err := parseArgs(flag.NewFlagSet("x", flag.ContinueOnError), nil); err != nil {
		t.Error(err)
	}
}

func vi(name string, dt tensor.DType, dims ...any) *ir.ValueInfo {
	typ := &ir.Type{Kind: ir.KindTensor, Elem: dt, HasShape: true}
	for _, d := range dims {
		switch d := d.(type) {
		case int:
			typ.Shape = append(typ.Shape, ir.Dim{Value: int64(d), Known: true})
		case string:
			typ.Shape = append(typ.Shape, ir.Dim{Param: d})
		}
	}
	return &ir.ValueInfo{Name: name, Type: typ}
}

func TestBindInputs(t *testing.T) {
	dir := t.TempDir()
	eqFile := filepath.Join(dir, "a=b.npy")
	if err := os.WriteFile(eqFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	inputs := []*ir.ValueInfo{vi("x", tensor.Float32), vi("mask", tensor.Bool), vi("ids", tensor.Int64)}
	for _, tc := range []struct {
		specs []string
		want  []string
		err   string
	}{
		{[]string{"1.npy", "2.npy", "3.npy"}, []string{"1.npy", "2.npy", "3.npy"}, ""},
		{[]string{"ids=i.npy", "1.npy", "2.npy"}, []string{"1.npy", "2.npy", "i.npy"}, ""},
		{[]string{"1.npy", "x=x.pb"}, []string{"x.pb", "1.npy", ""}, ""},
		{[]string{eqFile}, []string{eqFile, "", ""}, ""},
		{nil, []string{"", "", ""}, ""},
		{[]string{"x=a", "x=b"}, nil, "twice"},
		{[]string{"nope=a.npy"}, nil, `no input "nope"`},
		{[]string{"a", "b", "c", "d"}, nil, "too many inputs"},
		{[]string{"x="}, nil, "missing FILE"},
	} {
		got, err := bindInputs(tc.specs, inputs)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.specs, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%q: got %q, %v; want %q", tc.specs, got, err, tc.want)
		}
	}
}

func TestReadCSV(t *testing.T) {
	nan := float32(math.NaN())
	for _, tc := range []struct {
		name  string
		in    string
		shape tensor.Shape
		want  []float32
		err   string
	}{
		{"plain", "1,2,3\n4,5,6\n", tensor.Shape{2, 3}, []float32{1, 2, 3, 4, 5, 6}, ""},
		{"header", "a,b\n1.5,-2\n3e2,4\n", tensor.Shape{2, 2}, []float32{1.5, -2, 300, 4}, ""},
		{"tabs", "f0\tf1\n1\t2\n", tensor.Shape{1, 2}, []float32{1, 2}, ""},
		{"bom crlf spaces", "\ufeff1, 2\r\n3, 4\r\n", tensor.Shape{2, 2}, []float32{1, 2, 3, 4}, ""},
		{"missing and specials", "1,,nan\ninf,-Inf,\"7\"\n", tensor.Shape{2, 3}, []float32{1, nan, nan, float32(math.Inf(1)), float32(math.Inf(-1)), 7}, ""},
		{"one column no trailing newline", "1\n2\n3", tensor.Shape{3, 1}, []float32{1, 2, 3}, ""},
		{"header with numbers", "x1,2\n5,6\n", tensor.Shape{1, 2}, []float32{5, 6}, ""},
		{"bad later row", "1,2\n3,x\n", nil, nil, "line 2, column 2"},
		{"ragged", "1,2\n3\n", nil, nil, "fields"},
		{"empty", "", nil, nil, "no data rows"},
		{"header only", "a,b\n", nil, nil, "no data rows"},
	} {
		got, err := readCSV(strings.NewReader(tc.in), tensor.Float32)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got.DType() != tensor.Float32 || !got.Shape().Equal(tc.shape) {
			t.Errorf("%s: got %v, want float32%v", tc.name, got, tc.shape)
			continue
		}
		for i, v := range got.Float32s() {
			if w := tc.want[i]; v != w && !(v != v && w != w) {
				t.Errorf("%s: element %d = %v, want %v", tc.name, i, v, w)
			}
		}
	}
}

// TestReadCSVFloat64 checks that float64 models see values parsed at full
// precision: 0.1 must be the double nearest 0.1, not a widened float32.
func TestReadCSVFloat64(t *testing.T) {
	got, err := readCSV(strings.NewReader("0.1,1e-300\n"), tensor.Float64)
	if err != nil {
		t.Fatal(err)
	}
	if v := got.Float64s(); got.DType() != tensor.Float64 || v[0] != 0.1 || v[1] != 1e-300 {
		t.Fatalf("got %v %v, want float64 [0.1 1e-300]", got.DType(), got.Float64s())
	}
}

func TestOutputFileNames(t *testing.T) {
	got := outputFileNames([]string{"y", "a/b", "a:b", "", "..", ".hidden", "Y", "logits:0", "héllo", strings.Repeat("z", 500)}, ".npy")
	want := []string{"y.npy", "a_b.npy", "a_b_1.npy", "output_3.npy", "_..npy", "_hidden.npy", "Y_1.npy", "logits_0.npy", "h_llo.npy", strings.Repeat("z", maxNameLen) + ".npy"}
	if !slices.Equal(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	for _, name := range got {
		if strings.ContainsAny(name, `/\:`) || strings.HasPrefix(name, ".") {
			t.Errorf("unsafe name %q", name)
		}
	}
}

func TestSummarize(t *testing.T) {
	var durs []time.Duration
	for _, ms := range []int{5, 1, 4, 2, 3, 10, 6, 7, 8, 9} {
		durs = append(durs, time.Duration(ms)*time.Millisecond)
	}
	r := summarize(durs)
	// numpy.percentile([1..10], [50, 90]) = 5.5, 9.1
	if r.Iters != 10 || r.MinMS != 1 || r.MedianMS != 5.5 || r.P90MS != 9.1 {
		t.Fatalf("got %+v", r)
	}
	if r := summarize([]time.Duration{1500 * time.Microsecond}); r.MedianMS != 1.5 || r.P90MS != 1.5 || r.MinMS != 1.5 {
		t.Fatalf("one run: %+v", r)
	}
	if p := percentile(nil, 0.5); p != 0 {
		t.Fatalf("empty: %v", p)
	}
}

func TestSynthesize(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x, err := synthesize(vi("x", tensor.Float32, "batch", 3, "seq"), 8, rng)
	if err != nil {
		t.Fatal(err)
	}
	if !x.Shape().Equal(tensor.Shape{8, 3, 1}) {
		t.Fatalf("shape %v", x.Shape())
	}
	var sum, sq float64
	for _, v := range x.Float32s() {
		sum += float64(v)
		sq += float64(v) * float64(v)
	}
	if sq == 0 {
		t.Fatal("floats are all zero")
	}
	again, _ := synthesize(vi("x", tensor.Float32, "batch", 3, "seq"), 8, rand.New(rand.NewPCG(1, 2)))
	if !slices.Equal(x.Float32s(), again.Float32s()) {
		t.Fatal("not deterministic")
	}
	ids, err := synthesize(vi("ids", tensor.Int64, 2, "n"), 5, rng)
	if err != nil || !ids.Shape().Equal(tensor.Shape{2, 1}) || ids.Int64s()[0] != 0 {
		t.Fatalf("ints: %v %v", ids, err)
	}
	if _, err := synthesize(&ir.ValueInfo{Name: "u", Type: &ir.Type{Kind: ir.KindTensor, Elem: tensor.Float32}}, 1, rng); err == nil {
		t.Fatal("unknown rank synthesized")
	}
	if _, err := synthesize(&ir.ValueInfo{Name: "s", Type: &ir.Type{Kind: ir.KindSequence}}, 1, rng); err == nil {
		t.Fatal("sequence synthesized")
	}
}

func TestFormatType(t *testing.T) {
	for _, tc := range []struct {
		typ  *ir.Type
		want string
	}{
		{vi("x", tensor.Float32, "batch", 4).Type, "float32[batch,4]"},
		{vi("s", tensor.Int64).Type, "int64[]"},
		{&ir.Type{Kind: ir.KindTensor, Elem: tensor.Float32, HasShape: true, Shape: []ir.Dim{{}}}, "float32[?]"},
		{&ir.Type{Kind: ir.KindSequence, Inner: &ir.Type{Kind: ir.KindTensor, Elem: tensor.Float32}}, "seq(float32[…])"},
		{nil, "?"},
	} {
		if got := formatType(tc.typ); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}
