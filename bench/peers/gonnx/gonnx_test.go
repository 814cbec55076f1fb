// Package gonnx_test times github.com/advancedclimatesystems/gonnx on the
// models of bench/models; see package peers for how to run it.
package gonnx_test

import (
	"fmt"
	"testing"

	"github.com/advancedclimatesystems/gonnx"
	"github.com/sinter-ml/sinter/bench/peers"
	"github.com/sinter-ml/sinter/bench/peers/gtensor"
	sintertensor "github.com/sinter-ml/sinter/tensor"
)

func load(_ testing.TB, c peers.Case, inputs []*sintertensor.Tensor) (peers.Runner, error) {
	m, err := gonnx.NewModelFromFile(c.ModelPath())
	if err != nil {
		return nil, err
	}
	feeds := gonnx.Tensors{}
	for i, t := range inputs {
		g, err := gtensor.To(t)
		if err != nil {
			return nil, err
		}
		feeds[c.InputNames[i]] = g
	}
	return func() ([]peers.Output, error) {
		res, err := m.Run(feeds)
		if err != nil {
			return nil, err
		}
		outs := make([]peers.Output, len(m.OutputNames()))
		for i, name := range m.OutputNames() {
			t, ok := res[name]
			if !ok || t == nil {
				return nil, fmt.Errorf("no output %q", name)
			}
			if outs[i], err = gtensor.From(t); err != nil {
				return nil, err
			}
		}
		return outs, nil
	}, nil
}

// BenchmarkModels/<case>: gonnx (run with -cpu 1 for one thread).
func BenchmarkModels(b *testing.B) { peers.Bench(b, "gonnx", 1, load, peers.VsSinter) }
