package lightgbm

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/sinter-ml/sinter/tensor"
	"github.com/sinter-ml/sinter/tensor/encoding/npy"
)

// fixtureDir holds the LightGBM 4.6.0 fixtures (see its README.md). Files
// larger than 100 KiB are stored gzipped (name + ".gz").
const fixtureDir = "../../testdata/lightgbm"

// fixture describes one fixture directory and what its README says.
type fixture struct {
	name      string
	version   string
	objective string
	trees     int
	features  int
	average   bool
}

var fixtures = []fixture{
	{"regression_nan", "v4", "regression", 100, 20, false},
	{"binary_63leaves", "v4", "binary sigmoid:1", 200, 30, false},
	{"multiclass5", "v4", "multiclass num_class:5", 250, 10, false},
	{"categorical_binary", "v4", "binary sigmoid:1", 100, 8, false},
	{"missing_zero_as_missing", "v4", "regression", 100, 10, false},
	{"missing_use_missing_false", "v4", "regression", 100, 10, false},
	{"objective_poisson", "v4", "poisson", 100, 10, false},
	{"objective_quantile", "v4", "quantile", 100, 10, false},
	{"rf_binary", "v4", "binary sigmoid:1", 100, 10, true},
	{"dart_regression", "v4", "regression", 100, 10, false},
	{"lleaves_airline", "v3", "binary sigmoid:1", 100, 6, false},
	{"lleaves_multiclass", "v3", "multiclass num_class:3", 120, 13, false},
	{"lleaves_pure_categorical", "v3", "regression", 1, 3, false},
	{"lleaves_single_tree", "v3", "regression", 1, 10, false},
	{"lleaves_tiniest_single_tree", "v3", "regression", 1, 3, false},
}

// readFixture reads dir/name, or dir/name.gz decompressed. It returns
// fs.ErrNotExist when neither exists.
func readFixture(t testing.TB, dir, name string) ([]byte, error) {
	t.Helper()
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

func mustFixture(t testing.TB, dir, name string) []byte {
	t.Helper()
	b, err := readFixture(t, dir, name)
	if err != nil {
		t.Fatalf("%s/%s: %v", dir, name, err)
	}
	return b
}

// npyFixture decodes a .npy fixture; nil when the fixture has no such file.
func npyFixture(t testing.TB, dir, name string) *tensor.Tensor {
	t.Helper()
	b, err := readFixture(t, dir, name)
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

// fixtureData is one fixture's model and arrays, as flat float64/int64 rows.
type fixtureData struct {
	model    []byte
	input    *tensor.Tensor // float64 [rows, features]
	rows     int
	expected []float64 // [rows, K]
	raw      []float64 // [rows, K]
	leaves   []int64   // [rows, trees] or nil
}

func loadFixture(t testing.TB, name string) *fixtureData {
	t.Helper()
	d := &fixtureData{model: mustFixture(t, name, "model.txt")}
	d.input = npyFixture(t, name, "input.npy")
	if d.input.DType() != tensor.Float64 || d.input.Rank() != 2 {
		t.Fatalf("%s: input is %v %v", name, d.input.DType(), d.input.Shape())
	}
	d.rows = d.input.Shape()[0]
	flat := func(x *tensor.Tensor) []float64 {
		if x == nil {
			return nil
		}
		v, err := tensor.ToFloat64(x)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	d.expected = flat(npyFixture(t, name, "expected.npy"))
	d.raw = flat(npyFixture(t, name, "expected_raw.npy"))
	if l := npyFixture(t, name, "expected_leaf.npy"); l != nil {
		for _, v := range l.Int32s() {
			d.leaves = append(d.leaves, int64(v))
		}
	}
	return d
}

// relErr is |got-want| / max(|want|, tiny), 0 when both are equal
// (including both NaN or equal infinities).
func relErr(got, want float64) float64 {
	if got == want || (math.IsNaN(got) && math.IsNaN(want)) {
		return 0
	}
	d := math.Abs(got - want)
	return d / math.Max(math.Abs(want), 1e-300)
}

// agreement compares got with want and reports the worst relative error
// and how many values are bit-for-bit equal.
type agreement struct {
	n, exact int
	worst    float64
	worstAt  int
}

func compare(got, want []float64) agreement {
	a := agreement{n: len(want)}
	for i := range want {
		e := relErr(got[i], want[i])
		if e == 0 {
			a.exact++
		}
		if e > a.worst {
			a.worst, a.worstAt = e, i
		}
	}
	return a
}
