// Package gtensor converts between Sinter tensors and gorgonia.org/tensor
// dense tensors, which both gonnx and onnx-go take and return.
package gtensor

import (
	"fmt"
	"slices"

	"github.com/sinter-ml/sinter/bench/peers"
	sintertensor "github.com/sinter-ml/sinter/tensor"
	"gorgonia.org/tensor"
)

// To copies a float32 or int64 Sinter tensor into a gorgonia dense tensor.
func To(t *sintertensor.Tensor) (tensor.Tensor, error) {
	shape := tensor.Shape(slices.Clone(t.Shape()))
	switch t.DType() {
	case sintertensor.Float32:
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(slices.Clone(t.Float32s()))), nil
	case sintertensor.Int64:
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(slices.Clone(t.Int64s()))), nil
	}
	return nil, fmt.Errorf("gtensor: input type %v not supported", t.DType())
}

// From copies a float32 gorgonia tensor (materializing a view) into an Output.
func From(t tensor.Tensor) (peers.Output, error) {
	if d, ok := t.(*tensor.Dense); ok && d.IsMaterializable() {
		t = d.Materialize()
	}
	data, ok := t.Data().([]float32)
	if !ok {
		return peers.Output{}, fmt.Errorf("gtensor: output holds %T, want []float32", t.Data())
	}
	return peers.Output{Shape: slices.Clone([]int(t.Shape())), Data: slices.Clone(data)}, nil
}
