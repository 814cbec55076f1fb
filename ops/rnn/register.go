// Package rnn implements ONNX operators of the rnn family.
package rnn

import "github.com/sinter-ml/sinter/ops"

// Register adds this family's operators to r.
func Register(r *ops.Registry) {
	_ = r
}
