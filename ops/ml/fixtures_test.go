package ml_test

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/sinter-ml/sinter/compiler"
	"github.com/sinter-ml/sinter/formats/onnx"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/ops/all"
	"github.com/sinter-ml/sinter/tensor"
	"github.com/sinter-ml/sinter/tensor/encoding/npy"
)

func readNpy(t *testing.T, path string) *tensor.Tensor {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	x, err := npy.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestOnnxMLFixtures runs the ONNX-ML tree fixtures (ONNX Runtime's
// outputs) through the compiler.
func TestOnnxMLFixtures(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "onnx-ml")
	for _, c := range []struct {
		name    string
		outputs []string
	}{
		{"xgb_regressor_squarederror", []string{"variable"}},
		{"xgb_classifier_binary_logistic", []string{"label", "probabilities"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := onnx.Open(filepath.Join(dir, c.name, "model.onnx"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			p, err := compiler.Compile(f.Model, all.Registry())
			if err != nil {
				t.Fatal(err)
			}
			x := readNpy(t, filepath.Join(dir, c.name, "input.npy"))
			res, err := p.Run([]ops.Value{x}, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i, name := range c.outputs {
				want := readNpy(t, filepath.Join(dir, c.name, "expected_"+name+".npy"))
				got := res[i].(*tensor.Tensor)
				if !got.Shape().Equal(want.Shape()) || got.DType() != want.DType() {
					t.Fatalf("%s: got %v %v, want %v %v", name, got.DType(), got.Shape(), want.DType(), want.Shape())
				}
				g, _ := tensor.ToFloat64(got)
				w, _ := tensor.ToFloat64(want)
				worst, bad := 0.0, 0
				for j := range w {
					d := math.Abs(g[j]-w[j]) / math.Max(math.Abs(w[j]), 1e-30)
					if g[j] == w[j] {
						d = 0
					}
					worst = math.Max(worst, d)
					if d > 1e-6 {
						bad++
						if bad < 5 {
							t.Errorf("%s[%d] = %v, want %v", name, j, g[j], w[j])
						}
					}
				}
				t.Logf("%s: %d values, max relative difference %.3g, %d beyond 1e-6", name, len(w), worst, bad)
			}
		})
	}
}
