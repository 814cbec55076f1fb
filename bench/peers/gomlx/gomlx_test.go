// Package gomlx_test times GoMLX (github.com/gomlx/gomlx) on its pure-Go
// "simplego" backend, with models converted by github.com/gomlx/onnx-gomlx,
// on the models of bench/models; see package peers for how to run it.
package gomlx_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/onnx-gomlx/onnx"
	"github.com/sinter-ml/sinter/bench/peers"
	sintertensor "github.com/sinter-ml/sinter/tensor"
)

func load(tb testing.TB, c peers.Case, inputs []*sintertensor.Tensor) (peers.Runner, error) {
	m, err := onnx.ReadFile(c.ModelPath())
	if err != nil {
		return nil, err
	}
	// Ops in sequence; with -cpu 1 (GOMAXPROCS=1) the workers share one
	// thread. ("parallelism=1" measured no faster and prints a line per load.)
	backend, err := simplego.New("ops_sequential")
	if err != nil {
		return nil, err
	}
	ctx := context.New()
	if err := m.VariablesToContext(ctx); err != nil {
		return nil, err
	}
	outNames, _ := m.Outputs()
	exec, err := context.NewExec(backend, ctx.Reuse(), func(ctx *context.Context, in []*graph.Node) []*graph.Node {
		feeds := make(map[string]*graph.Node, len(in))
		for i, n := range in {
			feeds[c.InputNames[i]] = n
		}
		return m.CallGraph(ctx, in[0].Graph(), feeds, outNames...)
	})
	if err != nil {
		return nil, err
	}
	tb.Cleanup(exec.Finalize)
	args := make([]any, len(inputs))
	for i, t := range inputs {
		shape := slices.Clone(t.Shape())
		switch t.DType() {
		case sintertensor.Float32:
			args[i] = tensors.FromFlatDataAndDimensions(slices.Clone(t.Float32s()), shape...)
		case sintertensor.Int64:
			args[i] = tensors.FromFlatDataAndDimensions(slices.Clone(t.Int64s()), shape...)
		default:
			return nil, fmt.Errorf("input type %v not supported", t.DType())
		}
	}
	return func() ([]peers.Output, error) {
		res, err := exec.Exec(args...)
		if err != nil {
			return nil, err
		}
		outs := make([]peers.Output, len(res))
		for i, t := range res {
			data, err := tensors.CopyFlatData[float32](t)
			if err != nil {
				return nil, err
			}
			outs[i] = peers.Output{Shape: slices.Clone(t.Shape().Dimensions), Data: data}
			t.FinalizeAll()
		}
		return outs, nil
	}, nil
}

// BenchmarkModels/<case>: GoMLX simplego, one worker.
func BenchmarkModels(b *testing.B) { peers.Bench(b, "gomlx", 1, load, peers.VsSinter) }
