// Package reduce implements ONNX operators of the reduce family: the
// Reduce* operators, ArgMax/ArgMin, Softmax/LogSoftmax/Hardmax, the loss
// operators and the training-preview optimizers.
package reduce

import "github.com/sinter-ml/sinter/ops"

// Register adds this family's operators to r.
func Register(r *ops.Registry) {
	registerReduce(r)
	registerArg(r)
	registerSoftmax(r)
	registerLoss(r)
	registerTraining(r)
	registerLpNorm(r)
}
