package sklearn

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sinter-ml/sinter/compiler"
	"github.com/sinter-ml/sinter/ir/ensemble"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/ops/all"
	"github.com/sinter-ml/sinter/tensor"
	"github.com/sinter-ml/sinter/tensor/encoding/npy"
)

// fixtureDir holds the scikit-learn fixtures (see its README.md). Files
// larger than 100 KiB are stored gzipped (name + ".gz").
const fixtureDir = "../../testdata/sklearn"

func readFixture(dir, name string) ([]byte, error) {
	p := filepath.Join(fixtureDir, dir, name)
	b, err := os.ReadFile(p)
	if err == nil {
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	gz, err := os.ReadFile(p + ".gz")
	if err != nil {
		return nil, err
	}
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func npyFixture(t testing.TB, dir, name string) *tensor.Tensor {
	t.Helper()
	b, err := readFixture(dir, name+".npy")
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatalf("%s/%s: %v", dir, name, err)
	}
	x, err := npy.Decode(b)
	if err != nil {
		t.Fatalf("%s/%s: %v", dir, name, err)
	}
	return x
}

type fixtureMeta struct {
	Estimator  string   `json:"estimator"`
	ModelFiles []string `json:"model_files"`
	NFeatures  int      `json:"n_features"`
	NRows      int      `json:"n_rows"`
}

func fixtureDirs(t *testing.T) []string {
	ents, err := os.ReadDir(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	if len(out) == 0 {
		t.Fatal("no fixtures")
	}
	return out
}

func relErr(got, want float64) float64 {
	if got == want || (math.IsNaN(got) && math.IsNaN(want)) {
		return 0
	}
	return math.Abs(got-want) / math.Max(math.Abs(want), 1e-300)
}

// closeEnough is the agreement rule: 1e-6 relative, or 1e-12 absolute for
// values that are zero in one of the two (probabilities that underflow).
func closeEnough(got, want float64) bool {
	return relErr(got, want) <= 1e-6 || math.Abs(got-want) <= 1e-12
}

func flat(t testing.TB, x *tensor.Tensor) []float64 {
	t.Helper()
	v, err := tensor.ToFloat64(x)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// labels returns an expected label array as strings or int64s.
func labelsOf(x *tensor.Tensor) ([]int64, []string) {
	if x.DType() == tensor.String {
		return nil, x.Strings()
	}
	v, _ := tensor.ToFloat64(x)
	out := make([]int64, len(v))
	for i, f := range v {
		out[i] = int64(f)
	}
	return out, nil
}

func treeOpAvailable() bool {
	return all.Registry().Has(ensemble.Domain, ensemble.OpType, ensemble.Version)
}

// TestFixtures loads every fixture's model files and compares the compiled
// model's outputs with scikit-learn's.
func TestFixtures(t *testing.T) {
	for _, dir := range fixtureDirs(t) {
		t.Run(dir, func(t *testing.T) {
			mb, err := readFixture(dir, "fixture.json")
			if err != nil {
				t.Fatal(err)
			}
			var meta fixtureMeta
			if err := json.Unmarshal(mb, &meta); err != nil {
				t.Fatal(err)
			}
			x := npyFixture(t, dir, "input")
			if x.DType() != tensor.Float32 {
				t.Fatalf("input is %v", x.DType())
			}
			expected := map[Output]*tensor.Tensor{}
			for out, name := range map[Output]string{Predict: "expected_predict", Probabilities: "expected_predict_proba",
				DecisionFunction: "expected_decision_function", ScoreSamples: "expected_score_samples", Leaves: "expected_apply"} {
				if v := npyFixture(t, dir, name); v != nil {
					expected[out] = v
				}
			}
			var outs []Output
			for o := Predict; o < numOutputs; o++ {
				if expected[o] != nil {
					outs = append(outs, o)
				}
			}
			for _, file := range meta.ModelFiles {
				b, err := readFixture(dir, file)
				if errors.Is(err, fs.ErrNotExist) {
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if !Detect(b) {
					t.Errorf("%s: Detect = false", file)
				}
				m, err := LoadWith(b, Options{Outputs: outs})
				if err != nil {
					t.Fatalf("%s: %v", file, err)
				}
				if m.Opsets[ensemble.Domain] != 0 && !treeOpAvailable() {
					t.Skip("sinter.ml TreeEnsemble is not registered yet")
				}
				prog, err := compiler.Compile(m, all.Registry())
				if err != nil {
					t.Fatalf("%s: compile: %v", file, err)
				}
				res, err := prog.Run([]ops.Value{x}, nil)
				if err != nil {
					t.Fatalf("%s: run: %v", file, err)
				}
				for i, out := range outs {
					got := res[i].(*tensor.Tensor)
					compareOutput(t, file, out, got, expected[out])
				}
			}
		})
	}
}

func compareOutput(t *testing.T, file string, out Output, got, want *tensor.Tensor) {
	t.Helper()
	if out == Leaves || (out == Predict && (want.DType() == tensor.Int64 || want.DType() == tensor.Int32 || want.DType() == tensor.String)) {
		wi, ws := labelsOf(want)
		gi, gs := labelsOf(got)
		if ws != nil || gs != nil {
			if !slices.Equal(gs, ws) {
				t.Errorf("%s %v: labels differ", file, out)
			}
			return
		}
		if len(gi) != len(wi) {
			t.Fatalf("%s %v: %d values, want %d (shape %v vs %v)", file, out, len(gi), len(wi), got.Shape(), want.Shape())
		}
		bad := 0
		for i := range wi {
			if gi[i] != wi[i] {
				if bad < 3 {
					t.Errorf("%s %v[%d] = %d, want %d", file, out, i, gi[i], wi[i])
				}
				bad++
			}
		}
		if bad > 0 {
			t.Errorf("%s %v: %d of %d differ", file, out, bad, len(wi))
		}
		return
	}
	g, w := flat(t, got), flat(t, want)
	if !slices.Equal(got.Shape(), want.Shape()) {
		t.Errorf("%s %v: shape %v, want %v", file, out, got.Shape(), want.Shape())
	}
	if len(g) != len(w) {
		t.Fatalf("%s %v: %d values, want %d", file, out, len(g), len(w))
	}
	worst, exact, bad := 0.0, 0, 0
	for i := range w {
		e := relErr(g[i], w[i])
		if e == 0 {
			exact++
		}
		worst = math.Max(worst, e)
		if !closeEnough(g[i], w[i]) {
			if bad < 3 {
				t.Errorf("%s %v[%d] = %v, want %v (rel %.3g)", file, out, i, g[i], w[i], e)
			}
			bad++
		}
	}
	t.Logf("%s %v: %d values, %d exact, worst rel %.3g, %d beyond 1e-6", file, out, len(w), exact, worst, bad)
}
