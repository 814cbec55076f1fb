package xgboost

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/sinter-ml/sinter/ir/ensemble"
)

// tinyJSON is a hand-written one-tree model: x0 < 0.5 → -1 (NaN left), else +1.
const tinyJSON = `{"learner":{"attributes":{},"feature_names":[],"feature_types":[],
"gradient_booster":{"model":{"gbtree_model_param":{"num_parallel_tree":"1","num_trees":"1","size_leaf_vector":"0"},
"tree_info":[0],"trees":[{"base_weights":[0,0,0],
"categories":[],"categories_nodes":[],"categories_segments":[],"categories_sizes":[],"default_left":[1,0,0],"id":0,"left_children":[1,-1,-1],
"loss_changes":[0,0,0],"parents":[2147483647,0,0],"right_children":[2,-1,-1],
"split_conditions":[5E-1,-1E0,1E0],"split_indices":[0,0,0],"split_type":[0,0,0],"sum_hessian":[1,1,1],
"tree_param":{"num_deleted":"0","num_feature":"2","num_nodes":"3","size_leaf_vector":"0"}}]},"name":"gbtree"},
"learner_model_param":{"base_score":"5E-1","boost_from_average":"1","num_class":"0","num_feature":"2","num_target":"1"},
"objective":{"name":"reg:squarederror","reg_loss_param":{"scale_pos_weight":"1"}}},"version":[1,7,4]}`

func TestTinyJSON(t *testing.T) {
	m, err := Decode([]byte(tinyJSON))
	if err != nil {
		t.Fatal(err)
	}
	e, err := m.Ensemble()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ x, want float64 }{{0.25, -0.5}, {0.5, 1.5}, {math.NaN(), -0.5}, {float64(math.Nextafter32(0.5, 0)), -0.5}} {
		var margin [1]float64
		e.Eval([]float64{c.x, 0}, margin[:], nil, nil)
		if margin[0] != c.want {
			t.Errorf("x=%v: margin %v, want %v", c.x, margin[0], c.want)
		}
	}
	if _, err := m.IRModel(); err != nil {
		t.Fatal(err)
	}
}

// TestHostileJSON mutates tinyJSON into models that must be rejected with
// ErrInvalid or ErrUnsupported (never a panic).
func TestHostileJSON(t *testing.T) {
	cases := []struct{ name, old, new string }{
		{"child out of range", `"left_children":[1,-1,-1]`, `"left_children":[7,-1,-1]`},
		{"negative child", `"right_children":[2,-1,-1]`, `"right_children":[-5,-1,-1]`},
		{"cycle to root", `"left_children":[1,-1,-1]`, `"left_children":[0,-1,-1]`},
		{"shared child", `"right_children":[2,-1,-1]`, `"right_children":[1,-1,-1]`},
		{"self loop", `"left_children":[1,-1,-1]`, `"left_children":[1,1,-1]`},
		{"feature out of range", `"split_indices":[0,0,0]`, `"split_indices":[2,0,0]`},
		{"short array", `"split_conditions":[5E-1,-1E0,1E0]`, `"split_conditions":[5E-1,-1E0]`},
		{"num_nodes lies", `"num_nodes":"3"`, `"num_nodes":"2147483647"`},
		{"num_trees lies", `"num_trees":"1"`, `"num_trees":"1000000"`},
		{"tree_info out of range", `"tree_info":[0]`, `"tree_info":[3]`},
		{"tree_info short", `"tree_info":[0]`, `"tree_info":[]`},
		{"bad base_score", `"base_score":"5E-1"`, `"base_score":"half"`},
		{"base_score vector size", `"base_score":"5E-1"`, `"base_score":"[1,2,3]"`},
		{"num_feature negative", `"num_feature":"2","num_target"`, `"num_feature":"-2","num_target"`},
		{"num_class huge", `"num_class":"0"`, `"num_class":"99999999999"`},
		{"unknown booster", `"name":"gbtree"}`, `"name":"gbforest"}`},
		{"unknown objective", `"name":"reg:squarederror"`, `"name":"reg:mystery"`},
		{"NaN threshold", `"split_conditions":[5E-1`, `"split_conditions":[NaN`},
		{"categorical without set", `"split_type":[0,0,0]`, `"split_type":[1,0,0]`},
		{"category segment out of range", `"categories":[],"categories_nodes":[],"categories_segments":[],"categories_sizes":[]`,
			`"categories":[1],"categories_nodes":[0],"categories_segments":[0],"categories_sizes":[5]`},
		{"category node out of range", `"categories":[],"categories_nodes":[],"categories_segments":[],"categories_sizes":[]`,
			`"categories":[1],"categories_nodes":[9],"categories_segments":[0],"categories_sizes":[1]`},
		{"split_type 2", `"split_type":[0,0,0]`, `"split_type":[2,0,0]`},
		{"truncated", `"version":[1,7,4]}`, `"version":[1,7`},
		{"trailing", `"version":[1,7,4]}`, `"version":[1,7,4]}}`},
		{"string as number", `"split_indices":[0,0,0]`, `"split_indices":["0",0,0]`},
		{"fraction as index", `"split_indices":[0,0,0]`, `"split_indices":[0.5,0,0]`},
		{"logistic base_score 1", `"name":"reg:squarederror"`, `"name":"binary:logistic"`},
		{"missing learner", `{"learner":`, `{"learnerx":`},
	}
	for _, c := range cases {
		if !strings.Contains(tinyJSON, c.old) {
			t.Fatalf("%s: %q not in the template", c.name, c.old)
		}
		s := strings.Replace(tinyJSON, c.old, c.new, 1)
		if c.name == "self loop" {
			s = strings.Replace(s, `"right_children":[2,-1,-1]`, `"right_children":[2,2,-1]`, 1)
		}
		if c.name == "logistic base_score 1" {
			s = strings.Replace(s, `"base_score":"5E-1"`, `"base_score":"1"`, 1)
		}
		m, err := Decode([]byte(s))
		if err == nil {
			_, err = m.Ensemble()
		}
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: error %v wraps neither ErrInvalid nor ErrUnsupported", c.name, err)
		}
	}
}

func TestDeletedNodesAreDropped(t *testing.T) {
	// Node 3 and 4 are unreachable leftovers of pruning; ids are kept.
	s := strings.NewReplacer(
		`"base_weights":[0,0,0]`, `"base_weights":[0,0,0,0,0]`,
		`"default_left":[1,0,0]`, `"default_left":[1,0,0,1,1]`,
		`"left_children":[1,-1,-1]`, `"left_children":[2,-1,-1,-1,-1]`,
		`"loss_changes":[0,0,0]`, `"loss_changes":[0,0,0,0,0]`,
		`"parents":[2147483647,0,0]`, `"parents":[2147483647,0,0,1,1]`,
		`"right_children":[2,-1,-1]`, `"right_children":[1,-1,-1,-1,-1]`,
		`"split_conditions":[5E-1,-1E0,1E0]`, `"split_conditions":[5E-1,-1E0,1E0,0,0]`,
		`"split_indices":[0,0,0]`, `"split_indices":[0,0,0,2147483647,2147483647]`,
		`"split_type":[0,0,0]`, `"split_type":[0,0,0,0,0]`,
		`"sum_hessian":[1,1,1]`, `"sum_hessian":[1,1,1,1,1]`,
		`"num_nodes":"3"`, `"num_nodes":"5"`,
	).Replace(tinyJSON)
	m, err := Decode([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	e, err := m.Ensemble()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.Trees[0].Nodes); n != 3 {
		t.Fatalf("%d nodes, want 3", n)
	}
	var leaves [1]int64
	var margin [1]float64
	e.Eval([]float64{0, 0}, margin[:], nil, leaves[:])
	if leaves[0] != 2 || margin[0] != 1.5 {
		t.Fatalf("leaf %d margin %v, want node 2 and 1.5", leaves[0], margin[0])
	}
}

// TestMultiTargetTree covers vector-leaf trees (XGBoost ≥ 2.0
// multi_output_tree), which XGBoost 1.7.4 cannot produce: leaf values in
// base_weights (2.x) or in leaf_weights indexed by the leaf's right child
// (3.1).
func TestMultiTargetTree(t *testing.T) {
	base := strings.NewReplacer(
		`"num_target":"1"`, `"num_target":"2"`,
		`"num_nodes":"3","size_leaf_vector":"0"`, `"num_nodes":"3","size_leaf_vector":"2"`,
	).Replace(tinyJSON)
	v2 := strings.Replace(base, `"base_weights":[0,0,0]`, `"base_weights":[0,0,-1,-2,3,4]`, 1)
	v31 := strings.NewReplacer(
		`"base_weights":[0,0,0]`, `"base_weights":[0,0,9,9,9,9]`,
		`"right_children":[2,-1,-1]`, `"right_children":[2,1,0]`,
		`"sum_hessian":[1,1,1]`, `"sum_hessian":[1,1,1],"leaf_weights":[3,4,-1,-2]`,
	).Replace(base)
	for name, s := range map[string]string{"2.x": v2, "3.1": v31} {
		m, err := Decode([]byte(s))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		e, err := m.Ensemble()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		margin := make([]float64, 2)
		e.Eval([]float64{0, 0}, margin, nil, nil)
		if margin[0] != -0.5 || margin[1] != -1.5 {
			t.Errorf("%s: left margin %v", name, margin)
		}
		e.Eval([]float64{1, 0}, margin, nil, nil)
		if margin[0] != 3.5 || margin[1] != 4.5 {
			t.Errorf("%s: right margin %v", name, margin)
		}
	}
	bad := strings.Replace(v31, `"leaf_weights":[3,4,-1,-2]`, `"leaf_weights":[3,4]`, 1)
	if _, err := Decode([]byte(bad)); !errors.Is(err, ErrInvalid) {
		t.Errorf("leaf index outside leaf_weights: %v", err)
	}
}

func TestBaseScoreForms(t *testing.T) {
	for _, c := range []struct {
		s    string
		want []float32
	}{
		{"5E-1", []float32{0.5}},
		{"[5E-1]", []float32{0.5}},
		{" [ 2.5E-1 , 7.5E-1 ] ", []float32{0.25, 0.75}},
		{"0.3", []float32{0.3}},
	} {
		got, err := parseBaseScore("base_score", c.s)
		if err != nil || len(got) != len(c.want) {
			t.Fatalf("%q: %v %v", c.s, got, err)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%q: %v", c.s, got)
			}
		}
	}
	for _, s := range []string{"", "[", "[]", "[1,", "x", "[1,,2]"} {
		if _, err := parseBaseScore("base_score", s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestJSONParser(t *testing.T) {
	v, err := parseJSON([]byte(` {"a" : [1, -2.5E-1, NaN, -Infinity, Infinity], "b\u00e9\ud83d\ude00\n": "x\"y", "c": [true, null, {}], "d": [] } `))
	if err != nil {
		t.Fatal(err)
	}
	a := v.field("a")
	if a.kind != vNumArray || len(a.nums) != 5 || a.isInt || a.nums[1] != -0.25 || !math.IsNaN(a.nums[2]) || !math.IsInf(a.nums[3], -1) {
		t.Fatalf("a = %+v", a)
	}
	if b := v.field("bé😀\n"); b == nil || b.str != `x"y` {
		t.Fatalf("escapes: %+v", v.obj[1])
	}
	if c := v.field("c"); c.kind != vArray || len(c.arr) != 3 {
		t.Fatalf("c = %+v", c)
	}
	// Floats parse with float32 precision, as XGBoost does.
	v, _ = parseJSON([]byte(`[0.1, 16777217]`))
	if v.nums[0] != float64(float32(0.1)) || v.nums[1] != 16777217 {
		t.Fatalf("numbers %v", v.nums)
	}
	// Mixed arrays fall back to values.
	v, err = parseJSON([]byte(`[1, "x", 2]`))
	if err != nil || v.kind != vArray || len(v.arr) != 3 || v.arr[0].num != 1 || v.arr[2].num != 2 {
		t.Fatalf("mixed: %+v %v", v, err)
	}
	for _, s := range []string{"", "{", "[1,]", "[1 2]", `{"a"}`, `{"a":1,}`, "01x", "1.", "1e", "-", "Nan", `"\x"`, "\"a\x01\"",
		"[" + strings.Repeat("[", 100) + strings.Repeat("]", 101), "tru", "nul", `"\u12"`} {
		if _, err := parseJSON([]byte(s)); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestUBJSONParser(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("{")
	key := func(k string) { b.WriteByte('i'); b.WriteByte(byte(len(k))); b.WriteString(k) }
	key("f")
	b.WriteString("[$d#i\x02")
	binary.Write(&b, binary.BigEndian, float32(1.5))
	binary.Write(&b, binary.BigEndian, float32(-2))
	key("i")
	b.WriteString("[$l#U\x02\x00\x00\x00\x07\xff\xff\xff\xff")
	key("m")
	b.WriteString("[i\x01U\x02I\x00\x03]")
	key("s")
	b.WriteString("SU\x03abc")
	key("o")
	b.WriteString("{#i\x01i\x01kT")
	b.WriteString("}")
	v, err := parseUBJSON(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if f := v.field("f"); f.kind != vNumArray || f.nums[0] != 1.5 || f.nums[1] != -2 || f.isInt {
		t.Fatalf("f = %+v", f)
	}
	if i := v.field("i"); !i.isInt || i.nums[0] != 7 || i.nums[1] != -1 {
		t.Fatalf("i = %+v", i)
	}
	if m := v.field("m"); m.kind != vNumArray || len(m.nums) != 3 || m.nums[2] != 3 {
		t.Fatalf("m = %+v", m)
	}
	if s := v.field("s"); s.str != "abc" {
		t.Fatalf("s = %+v", s)
	}
	if o := v.field("o"); o.field("k") == nil || o.field("k").kind != vBool {
		t.Fatalf("o = %+v", o)
	}
	for _, s := range []string{
		"",
		"{",
		"[$d#L\x00\x00\x00\x00\x7f\xff\xff\xff\x00",   // 2^31 floats in no bytes
		"[$d#L\xff\xff\xff\xff\xff\xff\xff\xff",       // negative count
		"[$Z#L\x00\x00\x00\x00\xff\xff\xff\xff",       // payload-free typed array
		"[#L\x00\x00\x00\x00\x7f\xff\xff\xff" + "ZZZ", // counted, not backed
		"{#L\x00\x00\x00\x00\x7f\xff\xff\xff",         // object count
		"SL\x00\x00\x00\x00\x7f\xff\xff\xffab",        // string length
		"[$d]",                                        // type without count
		"[" + strings.Repeat("[", 100) + strings.Repeat("]", 101),
		"X",
		"{i\x01a",
		"[]]",
		"Sd\x00\x00\x00\x00", // float length
	} {
		if _, err := parseUBJSON([]byte(s)); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

// TestHostileBinary corrupts a real binary model's counts.
func TestHostileBinary(t *testing.T) {
	orig, err := os.ReadFile(filepath.Join(fixtureRoot, "binary_logistic", "model.bin"))
	if err != nil {
		t.Fatal(err)
	}
	// Offsets: "binf"(4) learner param(136), objective string, booster string, gbtree param.
	objLen := int(binary.LittleEndian.Uint64(orig[140:]))
	boosterAt := 148 + objLen
	gbAt := boosterAt + 8 + 6
	tree0 := gbAt + gbtreeParamSize
	put := func(off int, v uint32) []byte {
		b := bytes.Clone(orig)
		binary.LittleEndian.PutUint32(b[off:], v)
		return b
	}
	cases := map[string][]byte{
		"num_trees 2^31-1":   put(gbAt, math.MaxInt32),
		"num_trees negative": put(gbAt, 0xffffffff),
		"num_nodes 2^31-1":   put(tree0+4, math.MaxInt32),
		"num_nodes 0":        put(tree0+4, 0),
		"num_nodes negative": put(tree0+4, 0x80000000),
		"left child big":     put(tree0+treeParamSize+4, 1<<20),
		"left child -7":      put(tree0+treeParamSize+4, 0xfffffff9),
		"left child to root": put(tree0+treeParamSize+4, 0),
		"feature big":        put(tree0+treeParamSize+12, 1<<30),
		"num_feature huge":   put(8, 1<<30),
		"objective length": func() []byte {
			b := bytes.Clone(orig)
			binary.LittleEndian.PutUint64(b[140:], 1<<62)
			return b
		}(),
		"leaf vector": put(tree0+20, 3),
		"trailing":    append(bytes.Clone(orig), 0),
		"short":       orig[:len(orig)-1],
	}
	for name, b := range cases {
		m, err := Decode(b)
		if err == nil {
			_, err = m.Ensemble()
		}
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestTruncations decodes every prefix of small real models in each
// encoding: all must fail cleanly.
func TestTruncations(t *testing.T) {
	for _, file := range []string{"model.json", "model.ubj", "model.bin"} {
		b, err := os.ReadFile(filepath.Join(fixtureRoot, "gblinear_reg", file))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Decode(b); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for n := 0; n < len(b); n++ {
			f, ok := Detect(b)
			if !ok {
				t.Fatal("undetected")
			}
			if _, err := DecodeFormat(b[:n], f); err == nil {
				// A JSON prefix can only be complete at the very end.
				t.Errorf("%s: prefix of %d/%d bytes accepted", file, n, len(b))
			}
		}
	}
}

// TestPreV1Binary reads a binary model marked as written by XGBoost 0.x,
// whose base_score is a margin (see gen.py: model_v0.bin).
func TestPreV1Binary(t *testing.T) {
	d := filepath.Join(fixtureRoot, "binary_logistic")
	b, err := os.ReadFile(filepath.Join(d, "model_v0.bin"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	e, err := m.Ensemble()
	if err != nil {
		t.Fatal(err)
	}
	x := readNpy(t, filepath.Join(d, "input.npy"))
	want := readNpy(t, filepath.Join(d, "expected_margin_v0.npy")).Float32s()
	nf := m.NumFeature
	xs := x.Float32s()
	row := make([]float64, nf)
	var margin [1]float64
	for r := range want {
		for j := range row {
			row[j] = float64(xs[r*nf+j])
		}
		e.Eval(row, margin[:], nil, nil)
		if d := relErr(margin[0], float64(want[r])); d > marginTol {
			t.Fatalf("row %d: margin %v, XGBoost %v", r, margin[0], want[r])
		}
	}
}

// TestAllocationBounded checks that decoding and converting real models
// allocates a bounded multiple of their size.
func TestAllocationBounded(t *testing.T) {
	for _, rel := range []string{"shared/multi_softprob_4/model.json", "shared/multi_softprob_4/model.ubj",
		"shared/multi_softprob_4/model.bin", "categorical_softprob/model.ubj"} {
		b, err := os.ReadFile(filepath.Join(fixtureRoot, rel))
		if err != nil {
			t.Fatal(err)
		}
		got := allocated(func() {
			m, err := Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.Ensemble(); err != nil {
				t.Fatal(err)
			}
		})
		t.Logf("%s: %d bytes → %d allocated (%.1f×)", rel, len(b), got, float64(got)/float64(len(b)))
		if got > allocLimit(len(b)) {
			t.Errorf("%s: %d bytes allocated for %d input bytes", rel, got, len(b))
		}
	}
}

// allocLimit is the allocation budget for decoding and converting n bytes.
func allocLimit(n int) uint64 { return uint64(64*n) + 4<<20 }

func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

var _ = ensemble.Leaf

func BenchmarkDecode(b *testing.B) {
	root := "../../../shared/fixtures/xgboost/benchmark_500x8_10k/"
	for _, file := range []string{"model.json", "model.ubj", "model.bin"} {
		data, err := os.ReadFile(root + file)
		if err != nil {
			b.Skip(err)
		}
		b.Run(file, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				m, err := Decode(data)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := m.Ensemble(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestIRModelOutputs(t *testing.T) {
	for _, c := range []struct {
		dir  string
		outs []Output
		want []string
	}{
		{"binary_logistic", nil, []string{NamePrediction, NameMargin, NameLeaf}},
		{"binary_logistic", []Output{OutputLeaf}, []string{NameLeaf}},
		{"binary_logistic", []Output{OutputMargin}, []string{NameMargin}},
		{"multi_softmax", nil, []string{NamePrediction, NameMargin, NameLeaf}},
		{"multi_softmax", []Output{OutputPrediction}, []string{NamePrediction}},
		{"gblinear_reg", []Output{OutputPrediction, OutputMargin}, []string{NamePrediction, NameMargin}},
	} {
		m, err := ReadFile(filepath.Join(fixtureRoot, c.dir, "model.ubj"))
		if err != nil {
			t.Fatal(err)
		}
		im, err := m.IRModel(c.outs...)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range im.Graph.Outputs {
			got = append(got, o.Name)
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s %v: outputs %v, want %v", c.dir, c.outs, got, c.want)
		}
		if in := im.Graph.Inputs[0]; in.Name != NameInput || in.Type.Shape[1].Value != int64(m.NumFeature) {
			t.Errorf("%s: input %+v", c.dir, in)
		}
	}
	m, _ := ReadFile(filepath.Join(fixtureRoot, "gblinear_reg", "model.json"))
	if _, err := m.IRModel(Output(7)); err == nil {
		t.Error("unknown output accepted")
	}
}

// TestBaseScoreVector checks XGBoost ≥ 3.1's per-output intercepts
// ("[a,b,c]") on a multi-class model: each class margin starts at its own
// value (softmax's link is the identity).
func TestBaseScoreVector(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(fixtureRoot, "multi_softprob_3", "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), `"base_score":"5E-1"`, `"base_score":"[1E-1,2E-1,3E-1]"`, 1)
	m, err := Decode([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	e0, _ := ref.Ensemble()
	e1, err := m.Ensemble()
	if err != nil {
		t.Fatal(err)
	}
	row := make([]float64, m.NumFeature)
	m0, m1 := make([]float64, 3), make([]float64, 3)
	e0.Eval(row, m0, nil, nil)
	e1.Eval(row, m1, nil, nil)
	for g, want := range []float32{0.1, 0.2, 0.3} {
		if d := m1[g] - m0[g] - float64(want-0.5); math.Abs(d) > 1e-6 {
			t.Errorf("class %d: margin %v vs %v", g, m1[g], m0[g])
		}
	}
	bad := strings.Replace(string(b), `"base_score":"5E-1"`, `"base_score":"[1E-1,2E-1]"`, 1)
	if _, err := Decode([]byte(bad)); !errors.Is(err, ErrInvalid) {
		t.Errorf("2 intercepts for 3 classes: %v", err)
	}
}

func TestCategoricalSplit(t *testing.T) {
	s := strings.NewReplacer(
		`"split_type":[0,0,0]`, `"split_type":[1,0,0]`,
		`"categories":[],"categories_nodes":[],"categories_segments":[],"categories_sizes":[]`,
		`"categories":[3,16777215,16777216],"categories_nodes":[0],"categories_segments":[0],"categories_sizes":[3]`,
		`"split_conditions":[5E-1`, `"split_conditions":[NaN`,
	).Replace(tinyJSON)
	m, err := Decode([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	e, err := m.Ensemble()
	if err != nil {
		t.Fatal(err)
	}
	// Listed categories go right (leaf +1, margin 1.5); others, negative,
	// ≥ 2^24 (XGBoost's invalid categories) and NaN (default_left) go left.
	for _, c := range []struct{ x, want float64 }{
		{3, 1.5}, {3.7, 1.5}, {16777215, 1.5}, {16777216, -0.5}, {4, -0.5}, {-1, -0.5}, {-0.5, -0.5},
		{math.NaN(), -0.5}, {1e30, -0.5}, {math.Inf(1), -0.5},
	} {
		var margin [1]float64
		e.Eval([]float64{c.x, 0}, margin[:], nil, nil)
		if margin[0] != c.want {
			t.Errorf("x=%v: margin %v, want %v", c.x, margin[0], c.want)
		}
	}
	// Two maximal bitsets in a model of a few hundred bytes are more than
	// its size justifies.
	m.Trees = append(m.Trees, m.Trees[0])
	m.TreeInfo = append(m.TreeInfo, 0)
	if _, err := m.Ensemble(); !errors.Is(err, ErrInvalid) {
		t.Errorf("oversized bitsets: %v", err)
	}
}
