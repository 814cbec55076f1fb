// Package nn implements ONNX operators of the nn family.
package nn

import "github.com/sinter-ml/sinter/ops"

// Register adds this family's operators to r.
func Register(r *ops.Registry) {
	_ = r
}
