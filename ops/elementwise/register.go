// Package elementwise implements ONNX operators of the elementwise family.
package elementwise

import "github.com/sinter-ml/sinter/ops"

// Register adds this family's operators to r.
func Register(r *ops.Registry) {
	_ = r
}
