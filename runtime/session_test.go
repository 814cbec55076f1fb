package runtime_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/runtime"
	"github.com/sinter-ml/sinter/tensor"
	"github.com/sinter-ml/sinter/tensor/encoding/npy"
)

func readNPY(t *testing.T, path string) *tensor.Tensor {
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

// TestConcurrentRunsAgree runs one session from many goroutines and checks
// every result against numpy's (testdata/models/gen.py).
func TestConcurrentRunsAgree(t *testing.T) {
	sess, err := runtime.Open("../testdata/models/mlp.onnx")
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	x := readNPY(t, "../testdata/models/mlp_input.npy")
	want := readNPY(t, "../testdata/models/mlp_expected.npy").Float32s()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				out, err := sess.Run([]*tensor.Tensor{x})
				if err != nil {
					errs <- err
					return
				}
				for k, v := range out[0].Float32s() {
					if d := v - want[k]; d > 1e-5 || d < -1e-5 {
						errs <- errors.New("result differs from numpy")
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestRunRejectsBadInputs(t *testing.T) {
	sess, err := runtime.Open("../testdata/models/mlp.onnx")
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	for _, c := range []struct {
		in   []*tensor.Tensor
		want string
	}{
		{nil, "takes 1 inputs, got 0"},
		{[]*tensor.Tensor{tensor.New(tensor.Float64, 2, 4)}, "got float64, want float32"},
		{[]*tensor.Tensor{tensor.New(tensor.Float32, 2, 5)}, "dim 1 must be 4"},
		{[]*tensor.Tensor{tensor.New(tensor.Float32, 8)}, "want rank 2"},
	} {
		_, err := sess.Run(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error containing %q", err, c.want)
		}
	}
	if _, err := sess.RunNamed(map[string]*tensor.Tensor{"nope": tensor.New(tensor.Float32, 1, 4)}); err == nil {
		t.Error("unknown input name accepted")
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.onnx")
	if err := os.WriteFile(garbage, []byte("\xff\xff\xff\xff not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runtime.Open(garbage); err == nil {
		t.Error("garbage accepted")
	}
	if _, err := runtime.Open(filepath.Join(dir, "missing.onnx")); err == nil {
		t.Error("missing file accepted")
	}
	// An operator the registry lacks fails at load, naming it.
	_, err := runtime.Open("../testdata/models/mlp.onnx", runtime.WithRegistry(emptyRegistry()))
	if !errors.Is(err, ops.ErrUnsupported) || !strings.Contains(err.Error(), "Gemm") {
		t.Errorf("got %v, want an unsupported-operator error naming Gemm", err)
	}
}

func emptyRegistry() *ops.Registry {
	r := ops.NewRegistry()
	r.ClaimOpset("", 17)
	return r
}
