// Package control implements ONNX's control-flow operators: If, Loop and
// Scan. Their bodies are compiled subgraphs (ops.Subgraph); each kernel
// passes its hidden inputs (the outer-scope values the bodies use, appended
// by the compiler after the declared inputs) to every body run.
package control

import "github.com/sinter-ml/sinter/ops"

// Register adds this family's operators to r.
func Register(r *ops.Registry) {
	for _, v := range []int64{1, 11, 13, 16} {
		r.RegisterValue("", "If", v, bindIf)
		r.RegisterValue("", "Loop", v, bindLoop)
	}
	r.RegisterValue("", "Scan", 8, bindScan8)
	for _, v := range []int64{9, 11, 16} {
		r.RegisterValue("", "Scan", v, bindScan9)
	}
	// 19 (float8) and 21 (4-bit integers) only widened the types.
	for _, v := range []int64{19, 21} {
		r.RegisterValue("", "If", v, ops.RefuseUnstorableValue(bindIf))
		r.RegisterValue("", "Loop", v, ops.RefuseUnstorableValue(bindLoop))
		r.RegisterValue("", "Scan", v, ops.RefuseUnstorableValue(bindScan9))
	}
}
