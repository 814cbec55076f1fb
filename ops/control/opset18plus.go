package control

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// unstorableName names the ONNX element types that tensor.DType does not
// store (float8, 4-bit, complex), or returns "" for any other type.
func unstorableName(dt tensor.DType) string {
	switch dt {
	case tensor.Complex64:
		return "complex64"
	case tensor.Complex128:
		return "complex128"
	case 17:
		return "float8e4m3fn"
	case 18:
		return "float8e4m3fnuz"
	case 19:
		return "float8e5m2"
	case 20:
		return "float8e5m2fnuz"
	case 21:
		return "uint4"
	case 22:
		return "int4"
	case 23:
		return "float4e2m1"
	}
	if !dt.Valid() {
		return dt.String()
	}
	return ""
}

// guardValue wraps bind for the versions of If, Loop and Scan that only
// added types (float8 in 19, 4-bit integers in 21): a node whose statically
// known inputs hold a type Sinter cannot store fails to bind clearly.
// Values the bodies produce are checked where they are created: Sinter
// cannot make a tensor of those types at all.
func guardValue(bind ops.ValueBindFunc) ops.ValueBindFunc {
	return func(n *ops.Node) (ops.ValueKernel, error) {
		for i, t := range n.InputTypes {
			for t != nil && t.Elem == tensor.Undefined {
				t = t.Inner
			}
			if t == nil || !n.HasInput(i) {
				continue
			}
			if name := unstorableName(t.Elem); name != "" {
				return nil, fmt.Errorf("%s: input %d has element type %s, which Sinter does not support (no float8, 4-bit or complex tensors)",
					n.OpType, i, name)
			}
		}
		return bind(n)
	}
}
