package all_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sinter-ml/sinter/compiler"
	"github.com/sinter-ml/sinter/formats/onnx"
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/ops/all"
	"github.com/sinter-ml/sinter/tensor"
	"github.com/sinter-ml/sinter/tensor/encoding/npy"
)

// TestOpset18Plus runs the models of testdata/opset18plus (operators and
// versions of ai.onnx opsets 18–21) and compares Sinter's outputs with ONNX
// Runtime's, stored beside each model (see that directory's README).
func TestOpset18Plus(t *testing.T) {
	root := filepath.Join("..", "..", "testdata", "opset18plus")
	dirs, err := filepath.Glob(filepath.Join(root, "*", "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatalf("no models under %s", root)
	}
	sort.Strings(dirs)
	for _, m := range dirs {
		dir := filepath.Dir(m)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			if _, err := os.Stat(filepath.Join(dir, "ort_error.txt")); err == nil {
				t.Skip("ONNX Runtime could not run this model")
			}
			runOpsetCase(t, dir)
		})
	}
}

func readNpys(t *testing.T, dir, prefix string) []*tensor.Tensor {
	t.Helper()
	var out []*tensor.Tensor
	for i := 0; ; i++ {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%s_%d.npy", prefix, i)))
		if os.IsNotExist(err) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		x, err := npy.Decode(b)
		if err != nil {
			t.Fatalf("%s_%d.npy: %v", prefix, i, err)
		}
		out = append(out, x)
	}
}

func runOpsetCase(t *testing.T, dir string) {
	b, err := os.ReadFile(filepath.Join(dir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	model, err := onnx.Decode(b)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	prog, err := compiler.Compile(model, all.Registry())
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	ins := readNpys(t, dir, "input")
	want := readNpys(t, dir, "output")
	args := make([]ops.Value, len(ins))
	for i, x := range ins {
		args[i] = x
	}
	got, err := prog.Run(args, nil)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d outputs, want %d", len(got), len(want))
	}
	atol := 1e-6
	if b, err := os.ReadFile(filepath.Join(dir, "atol.txt")); err == nil {
		if _, err := fmt.Sscan(string(b), &atol); err != nil {
			t.Fatalf("atol.txt: %v", err)
		}
	}
	for i, g := range got {
		gt, ok := g.(*tensor.Tensor)
		if !ok {
			t.Fatalf("output %d is %T, want a tensor", i, g)
		}
		if err := sameTensor(gt, want[i], atol); err != nil {
			t.Errorf("output %d: %v", i, err)
		}
	}
}

// sameTensor compares got with ONNX Runtime's want: floats within
// rtol 1e-4 and atol (1e-6 unless the case's atol.txt says otherwise; NaN
// matching NaN; float16 within its own precision), everything else exactly.
func sameTensor(got, want *tensor.Tensor, atol float64) error {
	if got.DType() != want.DType() {
		return fmt.Errorf("dtype %v, want %v", got.DType(), want.DType())
	}
	if !got.Shape().Equal(want.Shape()) {
		return fmt.Errorf("shape %v, want %v", got.Shape(), want.Shape())
	}
	switch dt := got.DType(); {
	case dt == tensor.String:
		for i, w := range want.Strings() {
			if g := got.Strings()[i]; g != w {
				return fmt.Errorf("element %d is %q, want %q", i, g, w)
			}
		}
	case dt.IsFloat():
		g, _ := tensor.ToFloat64(got)
		w, _ := tensor.ToFloat64(want)
		rtol := 1e-4
		if dt == tensor.Float16 || dt == tensor.BFloat16 {
			rtol = 1e-3
		}
		for i := range w {
			if math.IsNaN(w[i]) && math.IsNaN(g[i]) {
				continue
			}
			if g[i] == w[i] {
				continue
			}
			if !(math.Abs(g[i]-w[i]) <= atol+rtol*math.Abs(w[i])) {
				return fmt.Errorf("element %d is %v, want %v", i, g[i], w[i])
			}
		}
	default:
		gb, wb := got.Bytes(), want.Bytes()
		if string(gb) != string(wb) {
			g, _ := tensor.ToFloat64(got)
			w, _ := tensor.ToFloat64(want)
			for i := range w {
				if g[i] != w[i] {
					return fmt.Errorf("element %d is %v, want %v", i, g[i], w[i])
				}
			}
			return fmt.Errorf("storage differs")
		}
	}
	return nil
}

// schemaChanges lists, for ai.onnx opsets 18–21, every operator whose
// schema gained a version (onnx/defs/operator_sets.h).
var schemaChanges = map[int64][]string{
	18: {"Pad", "CenterCropPad", "Resize", "Mish", "OptionalGetElement", "OptionalHasElement", "Split",
		"Col2Im", "ScatterND", "ScatterElements", "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp",
		"ReduceL1", "ReduceL2", "ReduceMax", "ReduceMin", "ReduceMean", "ReduceProd", "BitwiseAnd",
		"BitwiseOr", "BitwiseXor", "BitwiseNot", "GroupNormalization", "LpPool"},
	19: {"Equal", "AveragePool", "Cast", "CastLike", "Constant", "DeformConv", "DequantizeLinear",
		"Identity", "If", "Loop", "Pad", "QuantizeLinear", "Resize", "Reshape", "Scan", "Shape", "Size"},
	20: {"AffineGrid", "ConstantOfShape", "DFT", "Gelu", "GridSample", "ImageDecoder", "IsInf", "IsNaN",
		"ReduceMax", "ReduceMin", "RegexFullMatch", "StringConcat", "StringSplit"},
	21: {"Cast", "CastLike", "Constant", "ConstantOfShape", "DequantizeLinear", "Flatten",
		"GroupNormalization", "Identity", "If", "Loop", "Pad", "QLinearMatMul", "QuantizeLinear",
		"Reshape", "Scan", "Shape", "Size", "Squeeze", "Transpose", "Unsqueeze"},
}

// TestOpsetBumpsRegistered checks that every ai.onnx operator Sinter
// implements has a registration at each version opsets 18–21 gave it, so
// that claiming those opsets never binds an older schema.
func TestOpsetBumpsRegistered(t *testing.T) {
	if all.MaxOpset < 21 {
		t.Skipf("MaxOpset is %d", all.MaxOpset)
	}
	sinces := map[string]map[int64]bool{}
	for _, info := range all.Registry().List() {
		if info.Domain != "" {
			continue
		}
		sinces[info.Op] = map[int64]bool{}
		for _, s := range info.Sinces {
			sinces[info.Op][s] = true
		}
	}
	for v, opsAt := range schemaChanges {
		for _, op := range opsAt {
			if s, ok := sinces[op]; ok && !s[v] {
				t.Errorf("%s is implemented but has no registration at opset %d", op, v)
			}
		}
	}
}

// TestUnstorableTypesRefused checks that the versions of opsets 19–21 that
// only added float8 and 4-bit types refuse those types with a clear error.
func TestUnstorableTypesRefused(t *testing.T) {
	reg := all.Registry()
	bind := func(op string, opset int64, attrs []*ir.Attribute, in ...*ir.Type) error {
		n := &ir.Node{OpType: op, Attrs: attrs, Outputs: []string{"y"}}
		for i := range in {
			n.Inputs = append(n.Inputs, fmt.Sprintf("x%d", i))
		}
		_, err := reg.Bind(&ops.Node{Node: n, Opset: opset, InputTypes: in})
		return err
	}
	tt := func(dt tensor.DType) *ir.Type { return &ir.Type{Kind: ir.KindTensor, Elem: dt} }
	intAttr := func(name string, v int64) *ir.Attribute { return &ir.Attribute{Name: name, Type: ir.AttrInt, I: v} }
	for _, c := range []struct {
		name, want string
		err        error
	}{
		{"Cast to float8", "float8e4m3fn", bind("Cast", 19, []*ir.Attribute{intAttr("to", 17)}, tt(tensor.Float32))},
		{"Cast to int4", "int4", bind("Cast", 21, []*ir.Attribute{intAttr("to", 22)}, tt(tensor.Float32))},
		{"Identity of float8", "float8e5m2", bind("Identity", 19, nil, tt(19))},
		{"Reshape of uint4", "uint4", bind("Reshape", 21, nil, tt(21), tt(tensor.Int64))},
		{"QuantizeLinear to int4", "int4", bind("QuantizeLinear", 21, []*ir.Attribute{intAttr("output_dtype", 22)}, tt(tensor.Float32), tt(tensor.Float32))},
		{"DequantizeLinear of float8", "float8e4m3fnuz", bind("DequantizeLinear", 19, nil, tt(18), tt(tensor.Float32))},
		{"IsNaN of float8", "float8e5m2fnuz", bind("IsNaN", 20, nil, tt(20))},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming %s", c.name, c.err, c.want)
		}
	}
	// The same versions still bind for the types Sinter holds.
	if err := bind("Cast", 21, []*ir.Attribute{intAttr("to", int64(tensor.Int8))}, tt(tensor.Float32)); err != nil {
		t.Errorf("Cast-21 to int8: %v", err)
	}
}
