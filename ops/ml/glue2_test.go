package ml_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sinter-ml/sinter/compiler"
	"github.com/sinter-ml/sinter/formats/onnx"
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/ops/all"
	"github.com/sinter-ml/sinter/tensor"
)

// glueCase is one node run on given inputs, with the outputs worked out by
// hand from the ONNX-ML specification (and ONNX Runtime's documented
// choices where the specification is silent).
type glueCase struct {
	name   string
	opset  int64
	op     string
	attrs  []*ir.Attribute
	inputs []*tensor.Tensor
	nout   int
	want   []any  // per output: []float32, []int64 or []string
	domain string // the node's domain when not ai.onnx.ml
}

func sAttr(name, v string) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrString, S: []byte(v)}
}
func iAttr(name string, v int64) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrInt, I: v}
}
func fsAttr(name string, v ...float32) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrFloats, Floats: v}
}
func ssAttr(name string, v ...string) *ir.Attribute {
	b := make([][]byte, len(v))
	for i, s := range v {
		b[i] = []byte(s)
	}
	return &ir.Attribute{Name: name, Type: ir.AttrStrings, Strings: b}
}

func (c glueCase) model() *ir.Model {
	node := &ir.Node{OpType: c.op, Domain: ir.MLDomain, Attrs: c.attrs}
	g := &ir.Graph{Name: c.name}
	for i, x := range c.inputs {
		name := fmt.Sprintf("x%d", i)
		node.Inputs = append(node.Inputs, name)
		dims := make([]ir.Dim, x.Rank())
		for d, v := range x.Shape() {
			dims[d] = ir.Dim{Value: int64(v), Known: true}
		}
		g.Inputs = append(g.Inputs, &ir.ValueInfo{Name: name, Type: &ir.Type{Kind: ir.KindTensor, Elem: x.DType(), HasShape: true, Shape: dims}})
	}
	for i := 0; i < c.nout; i++ {
		name := fmt.Sprintf("y%d", i)
		node.Outputs = append(node.Outputs, name)
		g.Outputs = append(g.Outputs, &ir.ValueInfo{Name: name})
	}
	g.Nodes = []*ir.Node{node}
	return &ir.Model{IRVersion: 8, Opsets: map[string]int64{ir.DefaultDomain: 17, ir.MLDomain: c.opset}, Graph: g}
}

func (c glueCase) run(t *testing.T) []*tensor.Tensor {
	t.Helper()
	p, err := compiler.Compile(c.model(), all.Registry())
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	in := make([]ops.Value, len(c.inputs))
	for i, x := range c.inputs {
		in[i] = x
	}
	res, err := p.Run(in, nil)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	out := make([]*tensor.Tensor, len(res))
	for i, r := range res {
		out[i] = r.(*tensor.Tensor)
	}
	return out
}

func values(t *tensor.Tensor) any {
	switch t.DType() {
	case tensor.String:
		return t.Strings()
	case tensor.Int64:
		return t.Int64s()
	case tensor.Float32:
		return t.Float32s()
	case tensor.Float64:
		return t.Float64s()
	case tensor.Int32:
		return t.Int32s()
	}
	return nil
}

var nan32 = float32(math.NaN())

func glueCases() []glueCase {
	strs := func(v ...string) *tensor.Tensor { return tensor.FromStrings(v, len(v)) }
	i64 := func(v ...int64) *tensor.Tensor { return tensor.From(v, len(v)) }
	f32 := func(v ...float32) *tensor.Tensor { return tensor.From(v, len(v)) }
	return []glueCase{
		// LabelEncoder v1: strings → index (default −1), index → string (default "_Unused").
		{name: "le_v1_str", opset: 1, op: "LabelEncoder", attrs: []*ir.Attribute{ssAttr("classes_strings", "a", "b", "c")},
			inputs: []*tensor.Tensor{strs("b", "z", "a", "c")}, nout: 1, want: []any{[]int64{1, -1, 0, 2}}},
		{name: "le_v1_int", opset: 1, op: "LabelEncoder", attrs: []*ir.Attribute{ssAttr("classes_strings", "a", "b", "c"), sAttr("default_string", "?")},
			inputs: []*tensor.Tensor{i64(2, 0, 3, -1)}, nout: 1, want: []any{[]string{"c", "a", "?", "?"}}},
		// v2: string → float with default_float, int64 → string, float → int64.
		{name: "le_v2_str_float", opset: 2, op: "LabelEncoder",
			attrs:  []*ir.Attribute{ssAttr("keys_strings", "x", "y"), fsAttr("values_floats", 1.5, -2), &ir.Attribute{Name: "default_float", Type: ir.AttrFloat, F: 7}},
			inputs: []*tensor.Tensor{tensor.FromStrings([]string{"y", "x", "q", "x"}, 2, 2)}, nout: 1, want: []any{[]float32{-2, 1.5, 7, 1.5}}},
		{name: "le_v2_int_str", opset: 2, op: "LabelEncoder",
			attrs:  []*ir.Attribute{{Name: "keys_int64s", Type: ir.AttrInts, Ints: []int64{10, 20}}, ssAttr("values_strings", "ten", "twenty")},
			inputs: []*tensor.Tensor{i64(20, 10, 30)}, nout: 1, want: []any{[]string{"twenty", "ten", "_Unused"}}},
		{name: "le_v2_float_int", opset: 2, op: "LabelEncoder",
			attrs:  []*ir.Attribute{fsAttr("keys_floats", 0.5, 1), {Name: "values_int64s", Type: ir.AttrInts, Ints: []int64{5, 6}}},
			inputs: []*tensor.Tensor{f32(1, 0.5, 2)}, nout: 1, want: []any{[]int64{6, 5, -1}}},
		// v4: tensor keys/values/default.
		{name: "le_v4_tensor", opset: 4, op: "LabelEncoder",
			attrs: []*ir.Attribute{{Name: "keys_tensor", Type: ir.AttrTensor, T: tensor.From([]int64{1, 2, 3}, 3)},
				{Name: "values_tensor", Type: ir.AttrTensor, T: tensor.From([]float32{0.25, 0.5, 0.75}, 3)},
				{Name: "default_tensor", Type: ir.AttrTensor, T: tensor.From([]float32{-1}, 1)}},
			inputs: []*tensor.Tensor{i64(3, 9, 1)}, nout: 1, want: []any{[]float32{0.75, -1, 0.25}}},
		// OneHotEncoder: int64 and string categories; float inputs truncated; unknown → zeros.
		{name: "ohe_int", opset: 1, op: "OneHotEncoder", attrs: []*ir.Attribute{{Name: "cats_int64s", Type: ir.AttrInts, Ints: []int64{1, 3, 5}}},
			inputs: []*tensor.Tensor{i64(3, 4, 1)}, nout: 1, want: []any{[]float32{0, 1, 0, 0, 0, 0, 1, 0, 0}}},
		{name: "ohe_float", opset: 1, op: "OneHotEncoder", attrs: []*ir.Attribute{{Name: "cats_int64s", Type: ir.AttrInts, Ints: []int64{0, 2}}},
			inputs: []*tensor.Tensor{tensor.From([]float32{2, 0, 1, 2}, 2, 2)}, nout: 1, want: []any{[]float32{0, 1, 1, 0, 0, 0, 0, 1}}},
		{name: "ohe_str", opset: 1, op: "OneHotEncoder", attrs: []*ir.Attribute{ssAttr("cats_strings", "red", "blue")},
			inputs: []*tensor.Tensor{strs("blue", "green")}, nout: 1, want: []any{[]float32{0, 1, 0, 0}}},
		// FeatureVectorizer: [2,2] and [2,3] → 2 + 2 columns (the second
		// input truncated); then [2,1] padded to 2 columns with zeros.
		{name: "fv", opset: 1, op: "FeatureVectorizer", attrs: []*ir.Attribute{{Name: "inputdimensions", Type: ir.AttrInts, Ints: []int64{2, 2}}},
			inputs: []*tensor.Tensor{tensor.From([]float32{1, 2, 3, 4}, 2, 2), tensor.From([]float32{0.5, 1.5, 9, -1, -2, 9}, 2, 3)},
			nout:   1, want: []any{[]float32{1, 2, 0.5, 1.5, 3, 4, -1, -2}}},
		{name: "fv_pad", opset: 1, op: "FeatureVectorizer", attrs: []*ir.Attribute{{Name: "inputdimensions", Type: ir.AttrInts, Ints: []int64{1, 2}}},
			inputs: []*tensor.Tensor{tensor.From([]int64{5, 6}, 2, 1), tensor.From([]int64{7, 8}, 2, 1)},
			nout:   1, want: []any{[]float32{5, 7, 0, 6, 8, 0}}},
		// LinearClassifier, 3 classes: scores = x·Wᵀ + b, label = argmax.
		{name: "lc_multi", opset: 1, op: "LinearClassifier",
			attrs: []*ir.Attribute{fsAttr("coefficients", 1, 0, 0, 1, -1, -1), fsAttr("intercepts", 0, 0.5, 1),
				{Name: "classlabels_ints", Type: ir.AttrInts, Ints: []int64{7, 8, 9}}},
			inputs: []*tensor.Tensor{tensor.From([]float32{2, 1, -1, -3}, 2, 2)}, nout: 2,
			// row (2,1): 2, 1.5, −2 → 7; row (−1,−3): −1, −2.5, 5 → 9.
			want: []any{[]int64{7, 9}, []float32{2, 1.5, -2, -1, -2.5, 5}}},
		// Binary with one row of weights: label = classes[score > 0], scores
		// [1−s, s] (ONNX Runtime's choice; the specification is silent).
		{name: "lc_binary", opset: 1, op: "LinearClassifier",
			attrs:  []*ir.Attribute{fsAttr("coefficients", 1, -2), fsAttr("intercepts", 0.5), ssAttr("classlabels_strings", "no", "yes")},
			inputs: []*tensor.Tensor{tensor.From([]float32{1, 0, 0, 1}, 2, 2)}, nout: 2,
			want: []any{[]string{"yes", "no"}, []float32{-0.5, 1.5, 2.5, -1.5}}},
		{name: "lc_binary_logistic", opset: 1, op: "LinearClassifier",
			attrs: []*ir.Attribute{fsAttr("coefficients", 1, -2), fsAttr("intercepts", 0.5), sAttr("post_transform", "LOGISTIC"),
				{Name: "classlabels_ints", Type: ir.AttrInts, Ints: []int64{0, 1}}},
			inputs: []*tensor.Tensor{tensor.From([]float32{1, 0, 0, 1}, 2, 2)}, nout: 2,
			want: []any{[]int64{1, 0}, []float32{float32(1 / (1 + math.Exp(1.5))), float32(1 / (1 + math.Exp(-1.5))),
				float32(1 / (1 + math.Exp(-1.5))), float32(1 / (1 + math.Exp(1.5)))}}},
		{name: "lc_softmax", opset: 1, op: "LinearClassifier",
			attrs: []*ir.Attribute{fsAttr("coefficients", 1, 0, 0, 1), fsAttr("intercepts", 0, 0), sAttr("post_transform", "SOFTMAX"),
				{Name: "classlabels_ints", Type: ir.AttrInts, Ints: []int64{0, 1}}},
			inputs: []*tensor.Tensor{tensor.From([]float32{0, 0, 1, 0}, 2, 2)}, nout: 2,
			want: []any{[]int64{0, 0}, []float32{0.5, 0.5, float32(math.E / (math.E + 1)), float32(1 / (math.E + 1))}}},
	}
}

func TestGlueOps(t *testing.T) {
	for _, c := range glueCases() {
		got := c.run(t)
		for i, w := range c.want {
			g := values(got[i])
			if gf, ok := g.([]float32); ok {
				wf := w.([]float32)
				for j := range wf {
					if math.Abs(float64(gf[j]-wf[j])) > 1e-6 {
						t.Errorf("%s output %d: %v, want %v", c.name, i, gf, wf)
						break
					}
				}
				continue
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("%s output %d: %v, want %v", c.name, i, g, w)
			}
		}
	}
	// OneHotEncoder with zeros = 0 rejects unknown categories.
	c := glueCase{name: "ohe_strict", opset: 1, op: "OneHotEncoder", attrs: []*ir.Attribute{{Name: "cats_int64s", Type: ir.AttrInts, Ints: []int64{1}}, iAttr("zeros", 0)},
		inputs: []*tensor.Tensor{tensor.From([]int64{2}, 1)}, nout: 1}
	p, err := compiler.Compile(c.model(), all.Registry())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run([]ops.Value{c.inputs[0]}, nil); err == nil {
		t.Error("OneHotEncoder zeros=0 accepted an unknown category")
	}
}

// TestGlueORT cross-checks the glue cases with ONNX Runtime:
//
//	SINTER_GLUE_DIR=/tmp/glue go test -run TestGlueORT ./ops/ml   # writes models
//	NODE_PATH=/tmp/ort/node_modules node ops/ml/testdata/run_glue_ort.js /tmp/glue
//	SINTER_GLUE_DIR=/tmp/glue go test -run TestGlueORT -v ./ops/ml  # compares
func TestGlueORT(t *testing.T) {
	dir := os.Getenv("SINTER_GLUE_DIR")
	if dir == "" {
		t.Skip("set SINTER_GLUE_DIR")
	}
	os.MkdirAll(dir, 0o755)
	type jt struct {
		Name  string `json:"name,omitempty"`
		Type  string `json:"type"`
		Shape []int  `json:"shape"`
		Data  []any  `json:"data"`
	}
	typeName := map[tensor.DType]string{tensor.String: "string", tensor.Int64: "int64", tensor.Float32: "float32", tensor.Float64: "float64", tensor.Int32: "int32"}
	for _, c := range glueCases() {
		base := filepath.Join(dir, c.name)
		ortOut, err := os.ReadFile(base + ".ort.json")
		if err != nil { // write phase
			b, err := onnx.Encode(c.model())
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(base+".onnx", b, 0o644)
			var spec struct {
				Inputs  []jt     `json:"inputs"`
				Outputs []string `json:"outputs"`
			}
			for i, x := range c.inputs {
				v := reflect.ValueOf(values(x))
				data := make([]any, v.Len())
				for j := range data {
					data[j] = v.Index(j).Interface()
				}
				spec.Inputs = append(spec.Inputs, jt{Name: fmt.Sprintf("x%d", i), Type: typeName[x.DType()], Shape: x.Shape(), Data: data})
			}
			for i := 0; i < c.nout; i++ {
				spec.Outputs = append(spec.Outputs, fmt.Sprintf("y%d", i))
			}
			js, _ := json.Marshal(spec)
			os.WriteFile(base+".json", js, 0o644)
			continue
		}
		var res struct {
			Outputs []jt   `json:"outputs"`
			Error   string `json:"error"`
		}
		json.Unmarshal(ortOut, &res)
		if res.Error != "" {
			t.Errorf("%s: ONNX Runtime: %s", c.name, res.Error)
			continue
		}
		got := c.run(t)
		for i, o := range res.Outputs {
			g := reflect.ValueOf(values(got[i]))
			same := g.Len() == len(o.Data) && typeName[got[i].DType()] == o.Type
			for j := 0; same && j < g.Len(); j++ {
				gv := fmt.Sprint(g.Index(j).Interface())
				ov := fmt.Sprint(o.Data[j])
				if gf, ok := g.Index(j).Interface().(float32); ok {
					of, _ := o.Data[j].(float64)
					same = math.Abs(float64(gf)-of) <= 1e-6
				} else {
					same = gv == ov
				}
			}
			if !same {
				t.Errorf("%s output %d: Sinter %v %v, ONNX Runtime %s %v", c.name, i, got[i].DType(), values(got[i]), o.Type, o.Data)
			} else {
				t.Logf("%s output %d agrees with ONNX Runtime", c.name, i)
			}
		}
	}
}
