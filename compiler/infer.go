package compiler

import (
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
)

// Element-type inference for the fusion passes.
//
// Exported models rarely declare the types of intermediate values, yet a
// fusion into a float32-only kernel must know the chain computes float32.
// inferElemTypes propagates element types from the graph's inputs,
// initializers and declared values through the operators whose output
// type follows from their inputs' (or attributes'), leaving every other
// value unknown. It records only the element type (no shape), never
// overrides a declared type, and is conservative: an operator it does not
// list yields unknown outputs.

// sameAsInput0 lists operators whose first output has the element type of
// their first input.
var sameAsInput0 = setOf(
	"Abs", "Acos", "Acosh", "Add", "Asin", "Asinh", "Atan", "Atanh", "AveragePool", "BatchNormalization",
	"Ceil", "Celu", "Clip", "Concat", "Conv", "ConvTranspose", "Cos", "Cosh", "CumSum", "DepthToSpace",
	"Div", "Dropout", "Elu", "Erf", "Exp", "Expand", "Flatten", "Floor", "Gather", "GatherElements",
	"GatherND", "Gelu", "Gemm", "GlobalAveragePool", "GlobalMaxPool", "GroupNormalization", "HardSigmoid",
	"HardSwish", "Hardmax", "Identity", "InstanceNormalization", "LayerNormalization", "LeakyRelu", "Log",
	"LogSoftmax", "LpNormalization", "MatMul", "Max", "MaxPool", "Mean", "Min", "Mish", "Mod", "Mul", "Neg",
	"PRelu", "Pad", "Pow", "Reciprocal", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp",
	"ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare", "Relu", "Reshape",
	"Resize", "ReverseSequence", "Round", "ScatterElements", "ScatterND", "Selu", "Shrink", "Sigmoid",
	"Sign", "Sin", "Sinh", "Slice", "Softmax", "Softplus", "Softsign", "SpaceToDepth", "Split", "Sqrt",
	"Squeeze", "Sub", "Sum", "Tan", "Tanh", "ThresholdedRelu", "Tile", "TopK", "Transpose", "Trilu",
	"Unsqueeze", "Range",
)

// boolOut lists operators whose outputs are bool.
var boolOut = setOf("Equal", "Greater", "GreaterOrEqual", "Less", "LessOrEqual", "And", "Or", "Xor", "Not", "IsNaN", "IsInf")

// int64Out lists operators whose outputs are int64.
var int64Out = setOf("Shape", "Size", "ArgMax", "ArgMin", "NonZero")

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// elemOf returns value name's element type where known.
func (ix *fuseIndex) elemOf(name string) tensor.DType {
	if t := ix.consts[name]; t != nil {
		return t.DType()
	}
	if ty := ix.types[name]; ty != nil && ty.Kind == ir.KindTensor {
		return ty.Elem
	}
	return tensor.Undefined
}

// inferElemTypes fills ix.types for the outputs of nodes whose element type
// follows from what is known, repeating until nothing changes (nodes need
// not be in order).
func (ix *fuseIndex) inferElemTypes(nodes []*ir.Node) {
	for changed := true; changed; {
		changed = false
		for _, n := range nodes {
			for k, out := range n.Outputs {
				if out == "" || ix.elemOf(out) != tensor.Undefined {
					continue
				}
				if dt := ix.outElem(n, k); dt != tensor.Undefined {
					ix.types[out] = &ir.Type{Kind: ir.KindTensor, Elem: dt}
					changed = true
				}
			}
		}
	}
}

// outElem infers the element type of output k of n, or Undefined.
func (ix *fuseIndex) outElem(n *ir.Node, k int) tensor.DType {
	in := func(i int) tensor.DType {
		if i < len(n.Inputs) && n.Inputs[i] != "" {
			return ix.elemOf(n.Inputs[i])
		}
		return tensor.Undefined
	}
	if n.Domain == SinterDomain {
		if k == 0 {
			return in(0) // fused operators compute in their inputs' type
		}
		return tensor.Undefined
	}
	if n.Domain != ir.DefaultDomain {
		return tensor.Undefined
	}
	switch op := n.OpType; {
	case op == "Cast":
		if a := n.Attr("to"); a != nil && tensor.DType(a.I).Valid() {
			return tensor.DType(a.I)
		}
	case op == "CastLike":
		return in(1)
	case op == "Where":
		return in(1)
	case op == "Constant":
		if a := n.Attr("value"); a != nil && a.T != nil {
			return a.T.DType()
		}
	case op == "ConstantOfShape":
		if a := n.Attr("value"); a != nil && a.T != nil {
			return a.T.DType()
		}
		return tensor.Float32
	case boolOut[op]:
		return tensor.Bool
	case int64Out[op]:
		return tensor.Int64
	case op == "TopK" || op == "MaxPool":
		if k == 1 {
			return tensor.Int64 // indices
		}
		return in(0)
	case op == "Split":
		return in(0) // every output
	case sameAsInput0[op] && k == 0:
		return in(0)
	}
	return tensor.Undefined
}
