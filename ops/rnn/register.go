// Package rnn implements ONNX's recurrent operators: RNN, GRU and LSTM.
package rnn

import "github.com/sinter-ml/sinter/ops"

// Register adds this family's operators to r.
func Register(r *ops.Registry) {
	r.RegisterVersions("", "RNN", []int64{1, 7, 14}, func(n *ops.Node) (ops.Kernel, error) { return bind(n, cellRNN) })
	r.RegisterVersions("", "GRU", []int64{1, 3, 7, 14}, func(n *ops.Node) (ops.Kernel, error) { return bind(n, cellGRU) })
	r.RegisterVersions("", "LSTM", []int64{1, 7, 14}, func(n *ops.Node) (ops.Kernel, error) { return bind(n, cellLSTM) })
}
