package compiler

import (
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
)

func symDims(spec ...any) []ir.Dim {
	d := make([]ir.Dim, len(spec))
	for i, s := range spec {
		switch v := s.(type) {
		case int:
			d[i] = known(int64(v))
		case string:
			d[i] = ir.Dim{Param: v}
		}
	}
	return d
}

func input(name string, dims []ir.Dim) *ir.ValueInfo {
	return &ir.ValueInfo{Name: name, Type: &ir.Type{Kind: ir.KindTensor, Elem: tensor.Float32, Shape: dims, HasShape: true}}
}

func attrI(name string, v int64) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrInt, I: v}
}

// TestInferShapes checks each rule family on hand-built graphs, including
// a PyTorch-style attention reshape whose target shape is computed from
// Shape(x) at run time.
func TestInferShapes(t *testing.T) {
	i64 := func(v ...int64) *tensor.Tensor { return tensor.From(v, len(v)) }
	g := &ir.Graph{
		Inputs: []*ir.ValueInfo{
			input("x", symDims("batch", "seq", 768)),
			input("img", symDims("n", 3, 224, 224)),
			input("mask", symDims("batch", 1, 1, "seq")),
		},
		Initializers: []*ir.Initializer{
			{Name: "w", Tensor: tensor.New(tensor.Float32, 768, 768)},
			{Name: "heads", Tensor: i64(12, 64)},
			{Name: "i0", Tensor: tensor.Scalar(int64(0))},
			{Name: "i1", Tensor: tensor.Scalar(int64(1))},
			{Name: "ax0", Tensor: i64(0)},
			{Name: "flat", Tensor: i64(-1, 768)},
			{Name: "minus1", Tensor: i64(-1)},
			{Name: "d768", Tensor: i64(768)},
			{Name: "two", Tensor: i64(2)},
			{Name: "cw", Tensor: tensor.New(tensor.Float32, 64, 3, 7, 7)},
			{Name: "gw", Tensor: tensor.New(tensor.Float32, 64, 10)},
		},
		Nodes: []*ir.Node{
			node("MatMul", []string{"x", "w"}, []string{"q"}),
			node("Shape", []string{"x"}, []string{"xs"}),
			node("Gather", []string{"xs", "i0"}, []string{"b"}),
			node("Gather", []string{"xs", "i1"}, []string{"s"}),
			node("Unsqueeze", []string{"b", "ax0"}, []string{"bu"}),
			node("Unsqueeze", []string{"s", "ax0"}, []string{"su"}),
			node("Concat", []string{"bu", "su", "heads"}, []string{"qshape"}, attrI("axis", 0)),
			node("Reshape", []string{"q", "qshape"}, []string{"q4"}),
			node("Transpose", []string{"q4"}, []string{"qt"}, attrInts("perm", 0, 2, 1, 3)),
			node("Transpose", []string{"q4"}, []string{"kt"}, attrInts("perm", 0, 2, 3, 1)),
			node("MatMul", []string{"qt", "kt"}, []string{"scores"}),
			node("Add", []string{"scores", "mask"}, []string{"masked"}),
			node("Softmax", []string{"masked"}, []string{"probs"}, attrI("axis", -1)),
			node("Reshape", []string{"x", "flat"}, []string{"rows"}),
			node("Concat", []string{"bu", "minus1", "d768"}, []string{"back"}, attrI("axis", 0)),
			node("Reshape", []string{"rows", "back"}, []string{"unrows"}),
			node("Flatten", []string{"x"}, []string{"fl"}, attrI("axis", 2)),
			node("Conv", []string{"img", "cw"}, []string{"c1"}, attrInts("strides", 2, 2), attrInts("pads", 3, 3, 3, 3)),
			node("MaxPool", []string{"c1"}, []string{"p1"}, attrInts("kernel_shape", 3, 3), attrInts("strides", 2, 2), attrInts("pads", 1, 1, 1, 1)),
			node("GlobalAveragePool", []string{"p1"}, []string{"gp"}),
			node("Flatten", []string{"gp"}, []string{"gf"}),
			node("Gemm", []string{"gf", "gw"}, []string{"logits"}),
			node("ReduceMean", []string{"x"}, []string{"mean"}, attrInts("axes", -1)),
			node("Slice", []string{"xs", "ax0", "two"}, []string{"xs0"}),
			node("Reshape", []string{"x", "xs0"}, []string{"x2"}), // to [batch, seq]: fails at run time, but not rank
			node("Squeeze", []string{"bu"}, []string{"bsq"}, attrInts("axes", 0)),
			node("Split", []string{"x"}, []string{"s1", "s2"}, attrI("axis", 2), attrInts("split", 256, 512)),
		},
	}
	got := inferShapes(g)
	want := map[string]string{
		"q":      "[batch,seq,768]",
		"xs":     "[3]",
		"b":      "[]",
		"bu":     "[1]",
		"qshape": "[4]",
		"q4":     "[batch,seq,12,64]",
		"qt":     "[batch,12,seq,64]",
		"kt":     "[batch,12,64,seq]",
		"scores": "[batch,12,seq,seq]",
		"masked": "[batch,12,seq,seq]",
		"probs":  "[batch,12,seq,seq]",
		"rows":   "[batch*seq,768]",
		"unrows": "[batch,seq,768]", // -1 is (batch·seq·768)/(batch·768)
		"fl":     "[batch*seq,768]",
		"c1":     "[n,64,112,112]",
		"p1":     "[n,64,56,56]",
		"gp":     "[n,64,1,1]",
		"gf":     "[n,64]",
		"logits": "[n,10]",
		"mean":   "[batch,seq,1]",
		"xs0":    "[2]",
		"x2":     "[batch,seq]",
		"bsq":    "[]",
		"s1":     "[batch,seq,256]",
		"s2":     "[batch,seq,512]",
	}
	for name, w := range want {
		if d, ok := got[name]; !ok {
			t.Errorf("%s: no shape, want %s", name, w)
		} else if FormatShape(d) != w {
			t.Errorf("%s: %s, want %s", name, FormatShape(d), w)
		}
	}
}

// TestInferShapesIsConservative: what cannot be proven stays unknown.
func TestInferShapesIsConservative(t *testing.T) {
	g := &ir.Graph{
		Inputs: []*ir.ValueInfo{
			input("a", symDims("n", 4)),
			input("b", symDims("m", 4)),
			input("shape", symDims(2)),
			{Name: "norank", Type: &ir.Type{Kind: ir.KindTensor, Elem: tensor.Float32}},
		},
		Nodes: []*ir.Node{
			node("Add", []string{"a", "b"}, []string{"ab"}),                       // n vs m: unknown
			node("Reshape", []string{"a", "shape"}, []string{"r"}),                // rank 2, dims unknown
			node("Relu", []string{"norank"}, []string{"nr"}),                      // rank unknown
			node("Squeeze", []string{"a"}, []string{"sq"}),                        // which axes: depends on n
			node("NonZero", []string{"a"}, []string{"nz"}),                        // no rule
			node("Concat", []string{"a", "b"}, []string{"cat"}, attrI("axis", 0)), // n+m: unknown
		},
	}
	got := inferShapes(g)
	for name, w := range map[string]string{"ab": "[?,4]", "r": "[?,?]", "cat": "[?,4]"} {
		if FormatShape(got[name]) != w {
			t.Errorf("%s: %s, want %s", name, FormatShape(got[name]), w)
		}
	}
	for _, name := range []string{"nr", "sq", "nz"} {
		if d, ok := got[name]; ok {
			t.Errorf("%s: inferred %s, want unknown rank", name, FormatShape(d))
		}
	}
}
