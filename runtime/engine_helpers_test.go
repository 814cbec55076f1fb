package runtime_test

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/sinter-ml/sinter/formats/onnx"
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/sinter-ml/sinter/tensor"
)

const mlpPath = "../testdata/models/mlp.onnx"

// mlpBytes builds an MLP x[batch,dims[0]] → Gemm → Relu → … → Gemm →
// y[batch,dims[last]] with deterministic random weights.
func mlpBytes(tb testing.TB, dims ...int) []byte {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	g := &ir.Graph{Name: "mlp"}
	batch := ir.Dim{Param: "batch"}
	g.Inputs = []*ir.ValueInfo{{Name: "x", Type: &ir.Type{Kind: ir.KindTensor, Elem: tensor.Float32, HasShape: true,
		Shape: []ir.Dim{batch, {Value: int64(dims[0]), Known: true}}}}}
	prev := "x"
	for l := 0; l+1 < len(dims); l++ {
		in, out := dims[l], dims[l+1]
		w := make([]float32, in*out)
		for i := range w {
			w[i] = float32(rng.NormFloat64() / float64(in))
		}
		b := make([]float32, out)
		for i := range b {
			b[i] = float32(rng.NormFloat64() * 0.1)
		}
		wn, bn, h := "w"+layerIdx(l), "b"+layerIdx(l), "h"+layerIdx(l)
		g.Initializers = append(g.Initializers,
			&ir.Initializer{Name: wn, Tensor: tensor.FromFloat32(w, in, out)},
			&ir.Initializer{Name: bn, Tensor: tensor.FromFloat32(b, out)})
		g.Nodes = append(g.Nodes, &ir.Node{OpType: "Gemm", Name: "fc" + layerIdx(l), Inputs: []string{prev, wn, bn}, Outputs: []string{h}})
		prev = h
		if l+2 < len(dims) {
			g.Nodes = append(g.Nodes, &ir.Node{OpType: "Relu", Inputs: []string{h}, Outputs: []string{h + "r"}})
			prev = h + "r"
		}
	}
	g.Nodes = append(g.Nodes, &ir.Node{OpType: "Identity", Inputs: []string{prev}, Outputs: []string{"y"}})
	g.Outputs = []*ir.ValueInfo{{Name: "y", Type: &ir.Type{Kind: ir.KindTensor, Elem: tensor.Float32, HasShape: true,
		Shape: []ir.Dim{batch, {Value: int64(dims[len(dims)-1]), Known: true}}}}}
	m := &ir.Model{IRVersion: 8, Opsets: map[string]int64{"": 13}, Graph: g}
	data, err := onnx.Encode(m)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func layerIdx(i int) string { return string(rune('0' + i)) }

// randRows returns n×cols float32 values in [-2, 2).
func randRows(rng *rand.Rand, n, cols int) *tensor.Tensor {
	v := make([]float32, n*cols)
	for i := range v {
		v[i] = float32(rng.Float64()*4 - 2)
	}
	return tensor.FromFloat32(v, n, cols)
}

// noLeak fails the test if goroutines started during it outlive it. The
// process-wide kernel pool (parallel.Default) is started first: its
// workers are shared by every session and live as long as the process.
func noLeak(tb testing.TB) func() {
	parallel.Default()
	before := runtime.NumGoroutine()
	return func() {
		tb.Helper()
		for i := 0; i < 400; i++ {
			if runtime.NumGoroutine() <= before {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		buf := make([]byte, 1<<16)
		tb.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
	}
}

// nearlyEqual32 compares with a relative tolerance: batched and unbatched GEMMs
// may sum in different orders.
func nearlyEqual32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		d := a[i] - b[i]
		if d < 0 {
			d = -d
		}
		m := b[i]
		if m < 0 {
			m = -m
		}
		if d > 1e-5+1e-5*m {
			return false
		}
	}
	return true
}
