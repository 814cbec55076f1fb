package signal

import (
	"math"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func run(t *testing.T, op string, attrs []*ir.Attribute, in ...*tensor.Tensor) *tensor.Tensor {
	t.Helper()
	r := ops.NewRegistry()
	r.ClaimOpset("", 17)
	Register(r)
	impl, err := r.Bind(&ops.Node{Node: &ir.Node{OpType: op, Attrs: attrs, Outputs: []string{"y"}}, Opset: 17})
	if err != nil {
		t.Fatal(err)
	}
	out, err := impl.Tensor(in)
	if err != nil {
		t.Fatal(err)
	}
	return out[0]
}

func intAttr(name string, v int64) *ir.Attribute {
	return &ir.Attribute{Name: name, Type: ir.AttrInt, I: v}
}

func near(t *testing.T, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol {
			t.Fatalf("value %d: got %v, want %v (all %v)", i, got[i], want[i], got)
		}
	}
}

func f64(t *testing.T, x *tensor.Tensor) []float64 {
	v, err := tensor.ToFloat64(x)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDFTPow2(t *testing.T) {
	// numpy.fft.fft([1, 2, 3, 4]) = [10, -2+2j, -2, -2-2j]
	x := tensor.From([]float64{1, 2, 3, 4}, 1, 4, 1)
	y := run(t, "DFT", nil, x)
	if !y.Shape().Equal(tensor.Shape{1, 4, 2}) {
		t.Fatalf("shape %v", y.Shape())
	}
	near(t, f64(t, y), []float64{10, 0, -2, 2, -2, 0, -2, -2}, 1e-12)
	// onesided keeps floor(4/2)+1 = 3 bins.
	y = run(t, "DFT", []*ir.Attribute{intAttr("onesided", 1)}, x)
	near(t, f64(t, y), []float64{10, 0, -2, 2, -2, 0}, 1e-12)
}

func TestDFTOddInverse(t *testing.T) {
	// numpy.fft.fft([1, 2, 3]) = [6, -1.5+0.8660254j, -1.5-0.8660254j]
	x := tensor.From([]float32{1, 2, 3}, 1, 3, 1)
	y := run(t, "DFT", nil, x)
	h := math.Sqrt(3) / 2
	near(t, f64(t, y), []float64{6, 0, -1.5, h, -1.5, -h}, 1e-5)
	// The inverse brings it back.
	z := run(t, "DFT", []*ir.Attribute{intAttr("inverse", 1)}, y)
	near(t, f64(t, z), []float64{1, 0, 2, 0, 3, 0}, 1e-5)
	// dft_length 4 zero-pads: fft([1,2,3,0]) = [6, -2-2j, 2, -2+2j]
	y = run(t, "DFT", nil, x, tensor.Scalar(int64(4)))
	near(t, f64(t, y), []float64{6, 0, -2, -2, 2, 0, -2, 2}, 1e-5)
}

func TestSTFT(t *testing.T) {
	// Frames [1,2] and [3,4] (step 2): DFTs [3, -1] and [7, -1], onesided → 2 bins.
	x := tensor.From([]float32{1, 2, 3, 4}, 1, 4, 1)
	y := run(t, "STFT", nil, x, tensor.Scalar(int64(2)), nil, tensor.Scalar(int64(2)))
	if !y.Shape().Equal(tensor.Shape{1, 2, 2, 2}) {
		t.Fatalf("shape %v", y.Shape())
	}
	near(t, f64(t, y), []float64{3, 0, -1, 0, 7, 0, -1, 0}, 1e-6)
}

func TestWindows(t *testing.T) {
	y := run(t, "HannWindow", nil, tensor.Scalar(int64(4)))
	near(t, f64(t, y), []float64{0, 0.5, 1, 0.5}, 1e-6)
	y = run(t, "HannWindow", []*ir.Attribute{intAttr("periodic", 0)}, tensor.Scalar(int32(3)))
	near(t, f64(t, y), []float64{0, 1, 0}, 1e-6)
	// numpy.blackman(3) = [-1.39e-17, 1, -1.39e-17]
	y = run(t, "BlackmanWindow", []*ir.Attribute{intAttr("periodic", 0), intAttr("output_datatype", 11)}, tensor.Scalar(int64(3)))
	near(t, f64(t, y), []float64{0, 1, 0}, 1e-12)
	// Hamming with a0 = 25/46: w[0] = 4/46.
	y = run(t, "HammingWindow", nil, tensor.Scalar(int64(2)))
	near(t, f64(t, y), []float64{4.0 / 46, 1}, 1e-6)
}

func TestMelWeightMatrixShape(t *testing.T) {
	y := run(t, "MelWeightMatrix", nil, tensor.Scalar(int32(8)), tensor.Scalar(int32(16)), tensor.Scalar(int32(8192)),
		tensor.Scalar(float32(0)), tensor.Scalar(float32(4096)))
	if !y.Shape().Equal(tensor.Shape{9, 8}) {
		t.Fatalf("shape %v", y.Shape())
	}
}

func TestDFTLargeOddLength(t *testing.T) {
	// n = 100 goes through the chirp-z path; compare with the defining sum.
	const n = 100
	re := make([]float64, 2*n)
	for j := 0; j < n; j++ {
		re[2*j], re[2*j+1] = math.Sin(float64(j)), float64(j%7)
	}
	x := tensor.From(re, 1, n, 2)
	y := f64(t, run(t, "DFT", nil, x))
	want := make([]float64, 2*n)
	for k := 0; k < n; k++ {
		for j := 0; j < n; j++ {
			a := -2 * math.Pi * float64(j*k) / n
			c, s := math.Cos(a), math.Sin(a)
			want[2*k] += re[2*j]*c - re[2*j+1]*s
			want[2*k+1] += re[2*j]*s + re[2*j+1]*c
		}
	}
	near(t, y, want, 1e-9)
	z := run(t, "DFT", []*ir.Attribute{intAttr("inverse", 1)}, tensor.From(y, 1, n, 2))
	near(t, f64(t, z), re, 1e-12)
}

func TestBadInputs(t *testing.T) {
	r := ops.NewRegistry()
	r.ClaimOpset("", 17)
	Register(r)
	impl, err := r.Bind(&ops.Node{Node: &ir.Node{OpType: "DFT", Attrs: []*ir.Attribute{intAttr("axis", 5)}}, Opset: 17})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := impl.Tensor([]*tensor.Tensor{tensor.From([]float32{1, 2}, 1, 2, 1)}); err == nil {
		t.Fatal("bad axis accepted")
	}
	impl, err = r.Bind(&ops.Node{Node: &ir.Node{OpType: "HannWindow"}, Opset: 17})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := impl.Tensor([]*tensor.Tensor{tensor.Scalar(int64(-3))}); err == nil {
		t.Fatal("negative size accepted")
	}
}
