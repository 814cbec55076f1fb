package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/sinter-ml/sinter/tensor"
	"github.com/sinter-ml/sinter/tensor/encoding/npy"
	"github.com/sinter-ml/sinter/tensor/encoding/tensorproto"
)

// The tiny MLP and its numpy-computed expectation come from
// testdata/models/gen.py at the repository root.
var (
	mlpModel    = filepath.Join("..", "..", "testdata", "models", "mlp.onnx")
	mlpInput    = filepath.Join("..", "..", "testdata", "models", "mlp_input.npy")
	mlpExpected = filepath.Join("..", "..", "testdata", "models", "mlp_expected.npy")
)

// sinter runs the CLI in-process and returns its exit status and output.
func sinter(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

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

func checkClose(t *testing.T, got, want *tensor.Tensor) {
	t.Helper()
	if got.DType() != want.DType() || !got.Shape().Equal(want.Shape()) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i, w := range want.Float32s() {
		g := got.Float32s()[i]
		if math.Abs(float64(g-w)) > 1e-6+1e-5*math.Abs(float64(w)) {
			t.Fatalf("element %d = %v, numpy says %v", i, g, w)
		}
	}
}

func TestRunMLP(t *testing.T) {
	want := readNPY(t, mlpExpected)
	dir := t.TempDir()

	code, stdout, stderr := sinter(t, "run", mlpModel, "-i", mlpInput, "-o", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "y float32[5,3]") {
		t.Errorf("stdout %q", stdout)
	}
	checkClose(t, readNPY(t, filepath.Join(dir, "y.npy")), want)

	// Named input, flags first, TensorProto output.
	code, _, stderr = sinter(t, "run", "--format", "pb", "-o", dir, "-i", "x="+mlpInput, mlpModel)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "y.pb"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := tensorproto.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	checkClose(t, got, want)

	// The same input as TensorProto and as CSV (with a header row).
	x := readNPY(t, mlpInput)
	pb := filepath.Join(dir, "x.pb")
	if err := os.WriteFile(pb, tensorproto.Marshal(x, "x"), 0o644); err != nil {
		t.Fatal(err)
	}
	var csv strings.Builder
	csv.WriteString("f0,f1,f2,f3\n")
	for r := range 5 {
		for c := range 4 {
			if c > 0 {
				csv.WriteString(",")
			}
			fmt.Fprint(&csv, x.Float32s()[r*4+c]) // shortest repr: round-trips exactly
		}
		csv.WriteString("\n")
	}
	csvPath := filepath.Join(dir, "x.csv")
	if err := os.WriteFile(csvPath, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{pb, csvPath} {
		out := filepath.Join(dir, filepath.Ext(in)[1:])
		if code, _, stderr := sinter(t, "run", mlpModel, "-i", in, "-o", out); code != 0 {
			t.Fatalf("%s: exit %d: %s", in, code, stderr)
		}
		checkClose(t, readNPY(t, filepath.Join(out, "y.npy")), want)
	}
}

func TestFailures(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "missing command"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"run"}, 2, "missing MODEL"},
		{[]string{"run", mlpModel, "extra"}, 2, "want one MODEL"},
		{[]string{"run", mlpModel, "--format", "csv"}, 2, "--format"},
		{[]string{"run", mlpModel, "--nope"}, 2, "not defined"},
		{[]string{"bench", mlpModel, "--iters", "0"}, 2, "--iters"},
		{[]string{"version", "x"}, 2, "no arguments"},
		{[]string{"run", filepath.Join(dir, "missing.onnx")}, 1, "missing.onnx"},
		{[]string{"run", mlpModel}, 1, "missing inputs"},
		{[]string{"run", mlpModel, "-i", "w=" + mlpInput}, 1, `no input "w"`},
		{[]string{"run", mlpModel, "-i", filepath.Join(dir, "nope.npy")}, 1, "nope.npy"},
		{[]string{"run", mlpModel, "-i", mlpModel}, 1, "unknown input format"},
		{[]string{"inspect", mlpInput}, 1, ""},
	} {
		code, stdout, stderr := sinter(t, tc.args...)
		if code != tc.code {
			t.Errorf("%q: exit %d, want %d (stderr %q)", tc.args, code, tc.code, stderr)
		}
		if !strings.HasPrefix(stderr, "sinter: ") || strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
			t.Errorf("%q: stderr %q is not one 'sinter: ' line", tc.args, stderr)
		}
		if !strings.Contains(stderr, tc.msg) {
			t.Errorf("%q: stderr %q does not mention %q", tc.args, stderr, tc.msg)
		}
		if tc.code == 2 && stdout != "" {
			t.Errorf("%q: usage error printed %q on stdout", tc.args, stdout)
		}
	}
	if code, stdout, _ := sinter(t, "run", "-h"); code != 0 || !strings.Contains(stdout, "usage:") {
		t.Errorf("run -h: exit %d, stdout %q", code, stdout)
	}
}

func TestBenchJSON(t *testing.T) {
	for _, args := range [][]string{
		{"bench", mlpModel, "--json", "--iters", "20", "--warmup", "2", "--batch", "4", "--threads", "1"},
		{"bench", "--json", "-i", mlpInput, "--iters=20", mlpModel, "--threads", "1"},
	} {
		code, stdout, stderr := sinter(t, args...)
		if code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, stderr)
		}
		if strings.Count(stdout, "\n") != 1 {
			t.Fatalf("not one line: %q", stdout)
		}
		var res map[string]any
		if err := json.Unmarshal([]byte(stdout), &res); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"model", "threads", "iters", "median_ms", "p90_ms", "min_ms", "allocs_per_run", "bytes_per_run"} {
			if _, ok := res[key]; !ok {
				t.Errorf("no %q in %s", key, stdout)
			}
		}
		if len(res) != 8 || res["iters"] != 20.0 || res["threads"] != 1.0 || res["model"] != mlpModel {
			t.Errorf("unexpected %s", stdout)
		}
		if med, min := res["median_ms"].(float64), res["min_ms"].(float64); !(med >= min && min > 0) {
			t.Errorf("median %v, min %v", med, min)
		}
	}
	code, stdout, stderr := sinter(t, "bench", mlpModel, "--iters", "3")
	if code != 0 || !strings.Contains(stdout, "median") {
		t.Fatalf("exit %d: %q %q", code, stdout, stderr)
	}
}

func TestInspectAndVersion(t *testing.T) {
	code, stdout, stderr := sinter(t, "inspect", mlpModel)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"x  ", "float32[batch,4]", "float32[batch,3]", "Gemm ", "ai.onnx 13", "initializers", "4 (268 bytes)", "fusions applied"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, stdout)
		}
	}
	dot := filepath.Join(t.TempDir(), "g.dot")
	code, stdout, stderr = sinter(t, "inspect", "--dot", dot, "--batch", "3", mlpModel)
	if code != 0 {
		t.Fatalf("inspect --dot: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"memory plan", "float32[3,4]: arena", "allocating steps"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, stdout)
		}
	}
	g, err := os.ReadFile(dot)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"digraph", "Gemm", "->", `label="y"`} {
		if !strings.Contains(string(g), want) {
			t.Errorf("dot file lacks %q:\n%s", want, g)
		}
	}
	code, stdout, _ = sinter(t, "version")
	if code != 0 || !strings.Contains(stdout, runtime.Version()) || !strings.Contains(stdout, runtime.GOOS+"/"+runtime.GOARCH) {
		t.Fatalf("version: %d %q", code, stdout)
	}
}

// TestBinary builds the real binary to check exit statuses end to end.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool")
	}
	bin := filepath.Join(t.TempDir(), "sinter")
	build := exec.Command(gobin, "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"version"}, 0},
		{[]string{"run", mlpModel, "-i", mlpInput, "-o", dir}, 0},
		{[]string{"run"}, 2},
		{[]string{"run", mlpModel}, 1},
	} {
		cmd := exec.Command(bin, tc.args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code {
			t.Errorf("%q: exit %d, want %d (%s)", tc.args, code, tc.code, stderr.String())
		}
		if (code != 0) != (stderr.Len() > 0) {
			t.Errorf("%q: stderr %q", tc.args, stderr.String())
		}
	}
	checkClose(t, readNPY(t, filepath.Join(dir, "y.npy")), readNPY(t, mlpExpected))
}
