// Package onnxgo_test times github.com/owulveryck/onnx-go with its gorgonia
// backend (gorgonnx) on the models of bench/models; see package peers for
// how to run it.
package onnxgo_test

import (
	"os"
	"testing"

	onnx "github.com/owulveryck/onnx-go"
	"github.com/owulveryck/onnx-go/backend/x/gorgonnx"
	"github.com/sinter-ml/sinter/bench/peers"
	"github.com/sinter-ml/sinter/bench/peers/gtensor"
	sintertensor "github.com/sinter-ml/sinter/tensor"
	"gorgonia.org/tensor"
)

func load(_ testing.TB, c peers.Case, inputs []*sintertensor.Tensor) (peers.Runner, error) {
	b, err := os.ReadFile(c.ModelPath())
	if err != nil {
		return nil, err
	}
	backend := gorgonnx.NewGraph()
	m := onnx.NewModel(backend)
	if err := m.UnmarshalBinary(b); err != nil {
		return nil, err
	}
	feeds := make([]tensor.Tensor, len(inputs))
	for i, t := range inputs {
		if feeds[i], err = gtensor.To(t); err != nil {
			return nil, err
		}
	}
	return func() ([]peers.Output, error) {
		for i, t := range feeds {
			if err := m.SetInput(i, t); err != nil {
				return nil, err
			}
		}
		if err := backend.Run(); err != nil {
			return nil, err
		}
		res, err := m.GetOutputTensors()
		if err != nil {
			return nil, err
		}
		outs := make([]peers.Output, len(res))
		for i, t := range res {
			if outs[i], err = gtensor.From(t); err != nil {
				return nil, err
			}
		}
		return outs, nil
	}, nil
}

// BenchmarkModels/<case>: onnx-go + gorgonia (run with -cpu 1 for one thread).
func BenchmarkModels(b *testing.B) { peers.Bench(b, "onnx-go", 1, load, peers.VsSinter) }
