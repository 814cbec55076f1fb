// Package reduce implements ONNX operators of the reduce family.
package reduce

import "github.com/sinter-ml/sinter/ops"

// Register adds this family's operators to r.
func Register(r *ops.Registry) {
	_ = r
}
