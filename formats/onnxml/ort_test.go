package onnxml

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sinter-ml/sinter/formats/lightgbm"
	"github.com/sinter-ml/sinter/formats/onnx"
	"github.com/sinter-ml/sinter/formats/xgboost"
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ir/ensemble"
	"github.com/sinter-ml/sinter/tensor"
	"github.com/sinter-ml/sinter/tensor/encoding/npy"
)

// The ONNX Runtime check has three steps (see testdata/ort/README.md):
//
//	SINTER_ORT_DIR=/tmp/ortcases go test -run TestORTWriteCases ./formats/onnxml
//	NODE_PATH=/tmp/ort/node_modules node formats/onnxml/testdata/ort/run_ort.js /tmp/ortcases
//	SINTER_ORT_DIR=/tmp/ortcases go test -run TestORTCompare -v ./formats/onnxml
//
// The first exports every LightGBM and XGBoost fixture, the second runs ONNX
// Runtime on the fixtures' inputs, the third compares ONNX Runtime's outputs
// with the libraries' own and prints the summary kept in
// testdata/ort/RESULTS.md. TestORTCommitted (always run) checks the ONNX
// Runtime outputs committed for a few exported models.

const root = "../../testdata"

// ortCase is one exported fixture: the model's outputs and, for each, the
// library's expected values.
type ortCase struct {
	name     string
	dir      string
	model    func() (*ir.Model, error)
	input    string   // .npy file (maybe gzipped) in dir
	expected []string // per output: .npy file in dir
}

func readMaybeGz(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return b, err
	}
	gz, err := os.ReadFile(path + ".gz")
	if err != nil {
		return nil, err
	}
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func readNpy(path string) (*tensor.Tensor, error) {
	b, err := readMaybeGz(path)
	if err != nil {
		return nil, err
	}
	return npy.Decode(b)
}

func ortCases() []ortCase {
	var cs []ortCase
	lg, _ := filepath.Glob(filepath.Join(root, "lightgbm", "*", "expected.npy"))
	for _, p := range lg {
		dir := filepath.Dir(p)
		cs = append(cs, ortCase{name: "lightgbm/" + filepath.Base(dir), dir: dir, input: "input.npy",
			expected: []string{"expected.npy", "expected_raw.npy"},
			model: func() (*ir.Model, error) {
				b, err := readMaybeGz(filepath.Join(dir, "model.txt"))
				if err != nil {
					return nil, err
				}
				return lightgbm.Decode(b, lightgbm.Options{Outputs: []lightgbm.Output{lightgbm.Prediction, lightgbm.RawScore}})
			}})
	}
	xg, _ := filepath.Glob(filepath.Join(root, "xgboost", "*", "model.json"))
	xs, _ := filepath.Glob(filepath.Join(root, "xgboost", "shared", "*", "model.json"))
	for _, p := range append(xg, xs...) {
		dir := filepath.Dir(p)
		name, _ := filepath.Rel(filepath.Join(root, "xgboost"), dir)
		cs = append(cs, ortCase{name: "xgboost/" + name, dir: dir, input: "input.npy",
			expected: []string{"expected.npy", "expected_margin.npy"},
			model: func() (*ir.Model, error) {
				m, err := xgboost.ReadFile(filepath.Join(dir, "model.json"))
				if err != nil {
					return nil, err
				}
				return m.IRModel(xgboost.OutputPrediction, xgboost.OutputMargin)
			}})
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	return cs
}

type caseMeta struct {
	Input   string   `json:"input"`
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Outputs []string `json:"outputs"`
	Error   string   `json:"error,omitempty"`
}

func writeRaw(path string, t *tensor.Tensor) error {
	var buf bytes.Buffer
	switch t.DType() {
	case tensor.Float32:
		binary.Write(&buf, binary.LittleEndian, t.Float32s())
	case tensor.Float64:
		binary.Write(&buf, binary.LittleEndian, t.Float64s())
	default:
		return fmt.Errorf("input type %v", t.DType())
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

func TestORTWriteCases(t *testing.T) {
	out := os.Getenv("SINTER_ORT_DIR")
	if out == "" {
		t.Skip("set SINTER_ORT_DIR")
	}
	for _, c := range ortCases() {
		dir := filepath.Join(out, strings.ReplaceAll(c.name, "/", "__"))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		meta := caseMeta{}
		save := func() {
			b, _ := json.MarshalIndent(meta, "", " ")
			os.WriteFile(filepath.Join(dir, "meta.json"), b, 0o644)
		}
		m, err := c.model()
		if err == nil {
			m, err = Export(m)
		}
		if err != nil {
			meta.Error = err.Error()
			save()
			t.Logf("%s: %v", c.name, err)
			continue
		}
		b, err := onnx.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "model.onnx"), b, 0o644)
		x, err := readNpy(filepath.Join(c.dir, c.input))
		if err != nil {
			t.Fatal(err)
		}
		meta.Input = m.Graph.Inputs[0].Name
		meta.DType = map[tensor.DType]string{tensor.Float32: "float32", tensor.Float64: "float64"}[x.DType()]
		meta.Shape = x.Shape()
		for _, o := range m.Graph.Outputs {
			meta.Outputs = append(meta.Outputs, o.Name)
		}
		if err := writeRaw(filepath.Join(dir, "input.bin"), x); err != nil {
			t.Fatal(err)
		}
		save()
	}
	// Random ensembles (every split kind and missing rule), with Sinter's
	// canonical margins as the reference.
	rng := rand.New(rand.NewPCG(9, 9))
	for i := 0; i < randomCases; i++ {
		nf, k := 1+rng.IntN(5), 1+rng.IntN(3)
		e := randomEnsemble(rng, nf, k, 1+rng.IntN(20))
		inType := tensor.Float64
		if e.Precision == ensemble.Float32 {
			inType = tensor.Float32
		}
		src, err := ensemble.Model(e, ensemble.ModelOptions{InputType: inType})
		if err != nil {
			t.Fatal(err)
		}
		m, err := Export(src)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(out, fmt.Sprintf("random_%02d", i))
		os.MkdirAll(dir, 0o755)
		if os.Getenv("SINTER_ORT_DEBUG") != "" {
			t.Logf("random_%02d: prec %d acc %d agg %d basefirst %v base %v weights %v k %d cats %d", i, e.Precision, e.Accumulate, e.Aggregate, e.BaseFirst, e.BaseValues != nil, e.TreeWeights != nil, k, e.Categories)
		}
		b, _ := onnx.Encode(m)
		os.WriteFile(filepath.Join(dir, "model.onnx"), b, 0o644)
		rows := randomRows(rng, 200, nf)
		x := tensor.From(rows, 200, nf)
		if inType == tensor.Float32 {
			f := make([]float32, len(rows))
			for j, v := range rows {
				f[j] = float32(v)
			}
			x = tensor.From(f, 200, nf)
		}
		writeRaw(filepath.Join(dir, "input.bin"), x)
		want := run(t, src, x)[0]
		w, _ := tensor.ToFloat64(want)
		writeRaw(filepath.Join(dir, "canonical.bin"), tensor.From(w))
		meta := caseMeta{Input: "X", DType: map[tensor.DType]string{tensor.Float32: "float32", tensor.Float64: "float64"}[inType],
			Shape: []int{200, nf}, Outputs: []string{"Y"}}
		mb, _ := json.Marshal(meta)
		os.WriteFile(filepath.Join(dir, "meta.json"), mb, 0o644)
	}
}

const randomCases = 40

// ortOutput is what run_ort.js writes next to each output: out_<i>.bin and this.
type ortOutput struct {
	Name  string `json:"name"`
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
}

func readORT(dir string, i int) ([]float64, error) {
	mb, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("out_%d.json", i)))
	if err != nil {
		return nil, err
	}
	var o ortOutput
	if err := json.Unmarshal(mb, &o); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("out_%d.bin", i)))
	if err != nil {
		return nil, err
	}
	r := bytes.NewReader(b)
	switch o.DType {
	case "float32":
		v := make([]float32, len(b)/4)
		binary.Read(r, binary.LittleEndian, v)
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = float64(x)
		}
		return out, nil
	case "float64":
		v := make([]float64, len(b)/8)
		binary.Read(r, binary.LittleEndian, v)
		return v, nil
	case "int64":
		v := make([]int64, len(b)/8)
		binary.Read(r, binary.LittleEndian, v)
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = float64(x)
		}
		return out, nil
	}
	return nil, fmt.Errorf("output type %q", o.DType)
}

// diff compares got with want: the largest |got−want|/max(|want|, 1) and
// the number of values equal as float32.
func diff(got, want []float64) (worst float64, exact int) {
	for i := range want {
		if float32(got[i]) == float32(want[i]) || (math.IsNaN(got[i]) && math.IsNaN(want[i])) {
			exact++
			continue
		}
		worst = math.Max(worst, math.Abs(got[i]-want[i])/math.Max(math.Abs(want[i]), 1))
	}
	return
}

func TestORTCompare(t *testing.T) {
	out := os.Getenv("SINTER_ORT_DIR")
	if out == "" {
		t.Skip("set SINTER_ORT_DIR")
	}
	var lines []string
	lines = append(lines, "| fixture | output | values | equal as float32 | max abs/rel error vs library |", "|---|---|---|---|---|")
	for _, c := range ortCases() {
		dir := filepath.Join(out, strings.ReplaceAll(c.name, "/", "__"))
		mb, err := os.ReadFile(filepath.Join(dir, "meta.json"))
		if err != nil {
			t.Fatal(err)
		}
		var meta caseMeta
		json.Unmarshal(mb, &meta)
		if meta.Error != "" {
			lines = append(lines, fmt.Sprintf("| %s | — | — | — | not exported: %s |", c.name, meta.Error))
			continue
		}
		for i, name := range meta.Outputs {
			want, err := readNpy(filepath.Join(c.dir, c.expected[i]))
			if err != nil {
				lines = append(lines, fmt.Sprintf("| %s | %s | — | — | no library output |", c.name, name))
				continue
			}
			w, _ := tensor.ToFloat64(want)
			g, err := readORT(dir, i)
			if err != nil {
				lines = append(lines, fmt.Sprintf("| %s | %s | — | — | ORT failed: %v |", c.name, name, firstLine(err)))
				continue
			}
			if len(g) != len(w) {
				lines = append(lines, fmt.Sprintf("| %s | %s | %d | — | ORT gave %d values |", c.name, name, len(w), len(g)))
				continue
			}
			worst, exact := diff(g, w)
			lines = append(lines, fmt.Sprintf("| %s | %s | %d | %d | %.3g |", c.name, name, len(w), exact, worst))
		}
	}
	t.Log("\n" + strings.Join(lines, "\n"))
	// Random ensembles: ONNX Runtime's margins against Sinter's canonical ones.
	bad := 0
	for i := 0; i < randomCases; i++ {
		dir := filepath.Join(out, fmt.Sprintf("random_%02d", i))
		b, err := os.ReadFile(filepath.Join(dir, "canonical.bin"))
		if err != nil {
			t.Fatal(err)
		}
		w := make([]float64, len(b)/8)
		binary.Read(bytes.NewReader(b), binary.LittleEndian, w)
		g, err := readORT(dir, 0)
		if err != nil {
			e, _ := os.ReadFile(filepath.Join(dir, "error.txt"))
			t.Errorf("random_%02d: %v %s", i, err, e)
			bad++
			continue
		}
		for j := range w {
			if !sameBits(g[j], float64(float32(w[j]))) && math.Abs(g[j]-w[j]) > 5e-7*(math.Abs(w[j])+1) {
				t.Errorf("random_%02d value %d: ONNX Runtime %v, canonical %v", i, j, g[j], w[j])
				bad++
				break
			}
		}
	}
	t.Logf("random ensembles: %d of %d agree with ONNX Runtime", randomCases-bad, randomCases)
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// TestORTCommitted re-exports three fixtures, runs the exported models with
// Sinter and compares with ONNX Runtime's outputs for the same exported
// models, committed in testdata/ort: margins and labels equal, predictions
// within float32 rounding of the transform.
func TestORTCommitted(t *testing.T) {
	byName := map[string]ortCase{}
	for _, c := range ortCases() {
		byName[strings.ReplaceAll(c.name, "/", "__")] = c
	}
	for _, name := range []string{"lightgbm__categorical_binary", "xgboost__multi_softmax", "xgboost__binary_logistic"} {
		t.Run(name, func(t *testing.T) {
			c := byName[name]
			m, err := c.model()
			if err != nil {
				t.Fatal(err)
			}
			if m, err = Export(m); err != nil {
				t.Fatal(err)
			}
			x, err := readNpy(filepath.Join(c.dir, c.input))
			if err != nil {
				t.Fatal(err)
			}
			got := run(t, encodeDecode(t, m), x)
			dir := filepath.Join("testdata", "ort", name)
			for i, o := range m.Graph.Outputs {
				ort, err := readORT(dir, i)
				if err != nil {
					t.Fatal(err)
				}
				g := floats(t, got[i])
				tol := 0.0
				if o.Name == "Y" || o.Name == "prediction" {
					tol = 2.5e-7 // transforms in float32 (ONNX Runtime) vs float64 (Sinter)
				}
				if len(g) != len(ort) {
					t.Fatalf("%s: %d values, ONNX Runtime %d", o.Name, len(g), len(ort))
				}
				for j := range g {
					if d := math.Abs(g[j] - ort[j]); !(d <= tol*math.Max(1, math.Abs(ort[j]))) {
						t.Fatalf("%s[%d]: Sinter %v, ONNX Runtime %v", o.Name, j, g[j], ort[j])
					}
				}
			}
		})
	}
}
