// Package sequence implements ONNX operators of the sequence family.
package sequence

import "github.com/sinter-ml/sinter/ops"

// Register adds this family's operators to r.
func Register(r *ops.Registry) {
	_ = r
}
