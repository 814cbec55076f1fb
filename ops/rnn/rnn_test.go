package rnn

import (
	"math"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func bindRun(t *testing.T, op string, opset int64, attrs []*ir.Attribute, nout int, in ...*tensor.Tensor) []*tensor.Tensor {
	t.Helper()
	r := ops.NewRegistry()
	r.ClaimOpset("", 17)
	Register(r)
	n := &ir.Node{OpType: op, Attrs: attrs}
	for _, x := range in {
		name := "x"
		if x == nil {
			name = ""
		}
		n.Inputs = append(n.Inputs, name)
	}
	for i := 0; i < nout; i++ {
		n.Outputs = append(n.Outputs, "y")
	}
	impl, err := r.Bind(&ops.Node{Node: n, Opset: opset})
	if err != nil {
		t.Fatal(err)
	}
	out, err := impl.Tensor(in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func near(t *testing.T, name string, got *tensor.Tensor, shape tensor.Shape, want []float32) {
	t.Helper()
	if !got.Shape().Equal(shape) {
		t.Fatalf("%s: shape %v, want %v", name, got.Shape(), shape)
	}
	g := got.Float32s()
	for i, w := range want {
		if math.Abs(float64(g[i]-w)) > 2e-6 {
			t.Fatalf("%s[%d] = %v, want %v\ngot %v", name, i, g[i], w, g)
		}
	}
}

// Expected values come from a direct numpy transcription of the operator
// equations (bidirectional, sequence_lens [3, 2], GRU with
// linear_before_reset, LSTM with peepholes).
var xData = []float32{1.76, 0.4, 0.98, 2.24, 1.87, -0.98, 0.95, -0.15, -0.1, 0.41, 0.14, 1.45}

func attrs(hidden int64, extra ...*ir.Attribute) []*ir.Attribute {
	return append([]*ir.Attribute{
		{Name: "hidden_size", Type: ir.AttrInt, I: hidden},
		{Name: "direction", Type: ir.AttrString, S: []byte("bidirectional")},
	}, extra...)
}

func TestRNNBidirectional(t *testing.T) {
	X := tensor.From(xData, 3, 2, 2)
	W := tensor.From([]float32{0.38, 0.06, 0.22, 0.17, 0.75, -0.1, 0.16, -0.43}, 2, 2, 2)
	R := tensor.From([]float32{-1.28, 0.33, 0.43, -0.37, 1.13, -0.73, 0.02, -0.09}, 2, 2, 2)
	B := tensor.From([]float32{0.46, 0.44, 0.05, 0.11, -0.27, -0.59, -0.1, 0.05}, 2, 4)
	h0 := tensor.From([]float32{0.37, 0.36, -0.12, -0.09, -0.31, -0.43, -0.51, 0.59}, 2, 2, 2)
	lens := tensor.From([]int32{3, 2})
	out := bindRun(t, "RNN", 14, attrs(2), 2, X, W, R, B, lens, h0)
	near(t, "Y", out[0], tensor.Shape{3, 2, 2, 2}, []float32{0.69002318, 0.77434915, 0.81464964, 0.810368, 0.92499727, -0.40938544, -0.23126911, -0.86793637, 0.48851314, 0.66682321, 0.086453497, 0.65497559, 0.77378964, 0.22164997, -0.57133329, -0.36859825, 0.091101557, 0.50874573, 0, 0, -0.47955021, -0.60424083, 0, 0})
	near(t, "Y_h", out[1], tensor.Shape{2, 2, 2}, []float32{0.091101557, 0.50874573, 0.086453497, 0.65497559, 0.92499727, -0.40938544, -0.23126911, -0.86793637})
}

func TestGRULinearBeforeReset(t *testing.T) {
	X := tensor.From(xData, 3, 2, 2)
	W := tensor.From([]float32{0.09, -0.2, -0.82, 0.23, -0.45, 0.03, 0.36, 0.06, 0.57, -0.62, 0.2, -0.34, -0.44, -0.29, -0.16, 0.03, -0.58, 0.45, 0.23, -0.77, 0.74, 0.95, 0.59, -0.09}, 2, 6, 2)
	R := tensor.From([]float32{-0.54, 0.53, -0.2, 0.61, 0.1, 0.49, 0.18, 0.35, 0.01, 0.89, 0.06, 0.2, 0.94, -0.67, -0.64, 0.48, -0.59, 0.97, -0.21, -0.37, 0.96, 0.74, 0.93, 0.45}, 2, 6, 2)
	B := tensor.From([]float32{-0.26, 0.57, -0.08, 0.24, 0.28, -0.05, 0.18, 0.28, 0.11, -0.33, 0.09, 0.4, -0.21, -0.04, -0.13, 0.55, 0.2, 0.12, -0.23, 0.16, -0.2, 0.01, -0.19, 0.2}, 2, 12)
	h0 := tensor.From([]float32{0.17, -0.06, 0.12, -0.33, -0.45, 0.13, 0.05, 0.19}, 2, 2, 2)
	lens := tensor.From([]int32{3, 2})
	out := bindRun(t, "GRU", 14, attrs(2, &ir.Attribute{Name: "linear_before_reset", Type: ir.AttrInt, I: 1}), 2, X, W, R, B, lens, h0)
	near(t, "Y", out[0], tensor.Shape{3, 2, 2, 2}, []float32{0.49448636, 0.23260714, -0.32858303, -0.35765347, 0.84926653, 0.74142408, 0.89199054, 0.52889264, 0.71450466, 0.59736454, 0.17083558, 0.0094124796, 0.41915256, 0.52669156, 0.46962035, 0.45584184, 0.50432098, 0.48740482, 0, 0, 0.035555072, 0.055773448, 0, 0})
	near(t, "Y_h", out[1], tensor.Shape{2, 2, 2}, []float32{0.50432098, 0.48740482, 0.17083558, 0.0094124796, 0.84926653, 0.74142408, 0.89199054, 0.52889264})
}

func lstmInputs() []*tensor.Tensor {
	return []*tensor.Tensor{
		tensor.From(xData, 3, 2, 2),
		tensor.From([]float32{-0.61, 0.42, -0.5, -0.77, 0.59, 0.16, 0.46, 0.16, 0.43, -0.33, -0.52, 0.34, -0.4, -0.34, -0.23, 0.01, -0.18, -0.69, -0.32, -1.11, 0.31, -0.8, -0.55, 0.03, -0.37, 0.77, -0.65, 0.13, -0.02, -0.58, 0.26, -0.09}, 2, 8, 2),
		tensor.From([]float32{0.39, 0.41, 1.08, 0.67, -0.18, -0.12, 0.55, 0.33, 0.32, -0.81, -0.01, -0.37, 0.14, -0.05, 0.46, 0.16, 0.39, -0.23, -0.47, -0.21, -0.01, 0.19, 1.13, -0.02, -0.48, -0.17, -0.23, 0.24, -0.77, 0.03, 0.08, 0.12}, 2, 8, 2),
		tensor.From([]float32{-0.18, -0.07, -0.43, -0.15, -0.16, 0.12, -0.35, 0.23, 0.45, -0.62, 0.13, 0.2, -0.19, -0.12, -0.04, -0.09, -0.09, -0.5, 0.35, 0.32, -0.24, -0.44, 0.16, -0.17, 0.04, -0.1, 0.21, 0.21, -0.22, -0.42, -0.47, 0.18}, 2, 16),
		tensor.From([]int32{3, 2}),
		tensor.From([]float32{-0.36, -0.15, -0.18, -0.02, -0.58, 0.06, 0.16, 0.03}, 2, 2, 2),
		tensor.From([]float32{-0.09, 0.03, 0.12, -0.83, 0.59, 0.12, -0.2, -0.12}, 2, 2, 2),
		tensor.From([]float32{0.15, -0.03, -0.61, 0.62, -0.03, 0.31, -0.21, 0.46, 0.09, 0.18, -0.31, 0.36}, 2, 6),
	}
}

var (
	lstmY  = []float32{-0.22184853, -0.017315442, -0.36193228, -0.24748793, -0.11265483, 0.04484335, -0.080953509, 0.007910287, -0.23251417, -0.063524745, -0.30916458, -0.10088124, 0.081088647, 0.10109725, -0.16243361, 0.03370985, -0.19147567, -0.020580778, 0, 0, 0.14194591, 0.0065922928, 0, 0}
	lstmYh = []float32{-0.19147567, -0.020580778, -0.30916458, -0.10088124, -0.11265483, 0.04484335, -0.080953509, 0.007910287}
	lstmYc = []float32{-0.40307614, -0.043495219, -0.51209819, -0.19853398, -0.16531745, 0.10682794, -0.29818451, 0.016857412}
)

func TestLSTMPeepholes(t *testing.T) {
	out := bindRun(t, "LSTM", 14, attrs(2), 3, lstmInputs()...)
	near(t, "Y", out[0], tensor.Shape{3, 2, 2, 2}, lstmY)
	near(t, "Y_h", out[1], tensor.Shape{2, 2, 2}, lstmYh)
	near(t, "Y_c", out[2], tensor.Shape{2, 2, 2}, lstmYc)
}

// transpose01 swaps the first two axes of a rank-3 or rank-4 float32 tensor.
func transpose01(x *tensor.Tensor) *tensor.Tensor {
	s := x.Shape()
	inner := x.Len() / (s[0] * s[1])
	out := make([]float32, x.Len())
	src := x.Float32s()
	for i := 0; i < s[0]; i++ {
		for j := 0; j < s[1]; j++ {
			copy(out[(j*s[0]+i)*inner:(j*s[0]+i+1)*inner], src[(i*s[1]+j)*inner:(i*s[1]+j+1)*inner])
		}
	}
	ns := append(tensor.Shape{s[1], s[0]}, s[2:]...)
	return tensor.From(out, ns...)
}

func TestLSTMLayout1(t *testing.T) {
	in := lstmInputs()
	in[0] = transpose01(in[0]) // X: [batch, seq, input]
	in[5] = transpose01(in[5]) // states: [batch, dirs, hidden]
	in[6] = transpose01(in[6])
	out := bindRun(t, "LSTM", 14, attrs(2, &ir.Attribute{Name: "layout", Type: ir.AttrInt, I: 1}), 3, in...)
	// Y [seq, dirs, batch, H] → [batch, seq, dirs, H]
	y := tensor.From(lstmY, 3, 2, 2, 2)
	y2 := make([]float32, 24)
	for s := 0; s < 3; s++ {
		for d := 0; d < 2; d++ {
			for b := 0; b < 2; b++ {
				copy(y2[((b*3+s)*2+d)*2:], y.Float32s()[((s*2+d)*2+b)*2:((s*2+d)*2+b)*2+2])
			}
		}
	}
	near(t, "Y", out[0], tensor.Shape{2, 3, 2, 2}, y2)
	near(t, "Y_h", out[1], tensor.Shape{2, 2, 2}, transpose01(tensor.From(lstmYh, 2, 2, 2)).Float32s())
	near(t, "Y_c", out[2], tensor.Shape{2, 2, 2}, transpose01(tensor.From(lstmYc, 2, 2, 2)).Float32s())
}

func TestOmittedOutputs(t *testing.T) {
	in := lstmInputs()
	r := ops.NewRegistry()
	r.ClaimOpset("", 17)
	Register(r)
	n := &ir.Node{OpType: "LSTM", Attrs: attrs(2), Inputs: []string{"a", "b", "c", "d", "e", "f", "g", "h"}, Outputs: []string{"", "", "yc"}}
	impl, err := r.Bind(&ops.Node{Node: n, Opset: 14})
	if err != nil {
		t.Fatal(err)
	}
	out, err := impl.Tensor(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 3 || out[0] != nil || out[1] != nil {
		t.Fatalf("got %v", out)
	}
	near(t, "Y_c", out[2], tensor.Shape{2, 2, 2}, lstmYc)
	// A wrongly shaped W is an error, not a panic.
	in[1] = tensor.From(make([]float32, 6), 1, 3, 2)
	if _, err := impl.Tensor(in); err == nil {
		t.Fatal("bad W accepted")
	}
}

func TestRNNReverseActivationClip(t *testing.T) {
	X := tensor.From(xData, 3, 2, 2)
	W := tensor.From([]float32{0.9, -0.6, 0.3, 0.8}, 1, 2, 2)
	R := tensor.From([]float32{0.5, -0.4, 0.7, 0.2}, 1, 2, 2)
	a := []*ir.Attribute{
		{Name: "hidden_size", Type: ir.AttrInt, I: 2},
		{Name: "direction", Type: ir.AttrString, S: []byte("reverse")},
		{Name: "activations", Type: ir.AttrStrings, Strings: [][]byte{[]byte("LeakyRelu")}},
		{Name: "activation_alpha", Type: ir.AttrFloats, Floats: []float32{0.2}},
		{Name: "clip", Type: ir.AttrFloat, F: 0.5},
	}
	out := bindRun(t, "RNN", 7, a, 1, X, W, R)
	near(t, "Y", out[0], tensor.Shape{3, 1, 2, 2}, []float32{0.5, 0.5, -0.057999998, 0.5, 0.5, -0.042087998, 0.5, 0.19499999, -0.067199998, 0.29800001, -0.1, 0.5})
}

func TestGRUDefaultReset(t *testing.T) {
	X := tensor.From(xData, 3, 2, 2)
	W := tensor.From([]float32{0.1, 0.2, -0.3, 0.4, 0.5, -0.6, 0.7, 0.8, -0.9, 0.1, 0.2, 0.3}, 1, 6, 2)
	R := tensor.From([]float32{0.3, -0.2, 0.1, 0.5, -0.4, 0.6, 0.2, 0.2, -0.7, 0.1, 0.3, -0.3}, 1, 6, 2)
	B := tensor.From([]float32{0.1, -0.1, 0.2, 0.05, -0.2, 0.3, 0.0, 0.1, -0.1, 0.2, 0.15, -0.05}, 1, 12)
	a := []*ir.Attribute{
		{Name: "hidden_size", Type: ir.AttrInt, I: 2},
		{Name: "activations", Type: ir.AttrStrings, Strings: [][]byte{[]byte("HardSigmoid"), []byte("Softsign")}},
		{Name: "activation_alpha", Type: ir.AttrFloats, Floats: []float32{0.3}},
		{Name: "activation_beta", Type: ir.AttrFloats, Floats: []float32{0.4}},
	}
	out := bindRun(t, "GRU", 7, a, 1, X, W, R, B)
	near(t, "Y", out[0], tensor.Shape{3, 1, 2, 2}, []float32{-0.30306894, 0.29785645, -0.16837798, 0.22138301, -0.49648181, 0.17714719, -0.33313933, 0.23523101, -0.079583094, 0.19270076, -0.13289851, 0.29713652})
}
