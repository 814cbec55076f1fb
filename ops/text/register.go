// Package text implements ONNX operators of the text family.
package text

import "github.com/sinter-ml/sinter/ops"

// Register adds this family's operators to r.
func Register(r *ops.Registry) {
	_ = r
}
