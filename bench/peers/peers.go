// Package peers times the models of bench/models (made by gen.py) through
// Sinter and through other pure-Go ONNX runtimes, each in its own test
// package so that their protobuf registrations never meet in one binary:
//
//	bench/peers          Sinter (runtime.Open, one thread), checked against ORT's outputs
//	bench/peers/gonnx    github.com/advancedclimatesystems/gonnx
//	bench/peers/onnxgo   github.com/owulveryck/onnx-go with its gorgonia backend
//	bench/peers/gomlx    github.com/gomlx/onnx-gomlx on GoMLX's pure-Go simplego backend
//
// Run from bench/, after `python3 models/gen.py` (and `node models/ort.js
// --save` for the ORT reference outputs):
//
//	CGO_ENABLED=0 go test -run XXX -bench . -benchtime 1s -cpu 1 ./peers/...
//	PEERS_JSON=/tmp/peers.jsonl go test ...   # also append one JSON line per result
//
// Each benchmark BenchmarkModels/<case> loads the model, runs it once to
// compare its outputs with Sinter's (max abs diff), then times single runs
// and reports the median in ms (metric "ms/median"). A peer that cannot load
// or run a model skips that case with the error, and the JSON line carries
// it: that is a result, not a failure.
package peers

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sinter-ml/sinter/runtime"
	"github.com/sinter-ml/sinter/tensor"
	"github.com/sinter-ml/sinter/tensor/encoding/npy"
)

// Case is one entry of bench/models/out/manifest.json.
type Case struct {
	Name       string   `json:"name"`
	Model      string   `json:"model"`
	Inputs     []string `json:"inputs"`
	InputNames []string `json:"input_names"`
	Doc        string   `json:"doc"`
}

// Dir is where gen.py writes the models: bench/models/out, or $MODELS_DIR.
func Dir() string {
	if d := os.Getenv("MODELS_DIR"); d != "" {
		return d
	}
	_, file, _, _ := goruntime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "models", "out")
}

// ModelPath is the case's .onnx file.
func (c Case) ModelPath() string { return filepath.Join(Dir(), c.Model) }

// Cases reads the manifest; it skips tb when the models have not been made.
func Cases(tb testing.TB) []Case {
	b, err := os.ReadFile(filepath.Join(Dir(), "manifest.json"))
	if os.IsNotExist(err) {
		tb.Skipf("no models: run /usr/bin/python3 bench/models/gen.py first (%v)", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	var m struct{ Cases []Case }
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatal(err)
	}
	return m.Cases
}

// ReadInputs reads the case's .npy inputs, in graph input order.
func (c Case) ReadInputs() ([]*tensor.Tensor, error) {
	ts := make([]*tensor.Tensor, len(c.Inputs))
	for i, f := range c.Inputs {
		b, err := os.ReadFile(filepath.Join(Dir(), f))
		if err != nil {
			return nil, err
		}
		if ts[i], err = npy.Decode(b); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
	}
	return ts, nil
}

// Output is one model output, flattened to float32.
type Output struct {
	Shape []int
	Data  []float32
}

// FromTensor copies a Sinter float32 tensor into an Output.
func FromTensor(t *tensor.Tensor) (Output, error) {
	if t.DType() != tensor.Float32 {
		return Output{}, fmt.Errorf("output is %v, want float32", t.DType())
	}
	return Output{Shape: slices.Clone(t.Shape()), Data: slices.Clone(t.Float32s())}, nil
}

// Runner runs a loaded model once on the case's inputs.
type Runner func() ([]Output, error)

// Loader loads a case's model into a runtime and binds its inputs; it may
// register clean-ups with tb.
type Loader func(tb testing.TB, c Case, inputs []*tensor.Tensor) (Runner, error)

// LoadSinter is the Loader for Sinter: runtime.Open with one thread.
func LoadSinter(tb testing.TB, c Case, inputs []*tensor.Tensor) (Runner, error) {
	run, closeFn, err := openSinter(c, inputs)
	if err != nil {
		return nil, err
	}
	tb.Cleanup(closeFn)
	return run, nil
}

func openSinter(c Case, inputs []*tensor.Tensor) (Runner, func(), error) {
	s, err := runtime.Open(c.ModelPath(), runtime.WithThreads(1))
	if err != nil {
		return nil, nil, err
	}
	run := func() ([]Output, error) {
		outs, err := s.Run(inputs)
		if err != nil {
			return nil, err
		}
		res := make([]Output, len(outs))
		for i, t := range outs {
			if res[i], err = FromTensor(t); err != nil {
				return nil, err
			}
		}
		return res, nil
	}
	return run, func() { s.Close() }, nil
}

var sinterRefs sync.Map // case name -> []Output

// SinterOutputs runs the case once through Sinter (cached per case).
func SinterOutputs(c Case, inputs []*tensor.Tensor) ([]Output, error) {
	if v, ok := sinterRefs.Load(c.Name); ok {
		return v.([]Output), nil
	}
	run, closeFn, err := openSinter(c, inputs)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	outs, err := run()
	if err != nil {
		return nil, err
	}
	sinterRefs.Store(c.Name, outs)
	return outs, nil
}

// MaxAbsDiff compares outputs position by position; a count, length or
// shape mismatch is an error.
func MaxAbsDiff(got, want []Output) (float64, error) {
	if len(got) != len(want) {
		return 0, fmt.Errorf("%d outputs, want %d", len(got), len(want))
	}
	var d float64
	for i := range got {
		g, w := got[i], want[i]
		if len(g.Data) != len(w.Data) {
			return 0, fmt.Errorf("output %d: shape %v, want %v", i, g.Shape, w.Shape)
		}
		for j := range g.Data {
			e := math.Abs(float64(g.Data[j]) - float64(w.Data[j]))
			if math.IsNaN(e) {
				return math.Inf(1), nil
			}
			d = max(d, e)
		}
	}
	return d, nil
}

// Result is the JSON line a benchmark appends to $PEERS_JSON.
type Result struct {
	Impl     string   `json:"impl"`
	Case     string   `json:"case"`
	Threads  int      `json:"threads"`
	MedianMS float64  `json:"median_ms,omitempty"`
	MinMS    float64  `json:"min_ms,omitempty"`
	Runs     int      `json:"runs,omitempty"`
	Diff     *float64 `json:"max_abs_diff,omitempty"` // vs Sinter; vs ORT for Sinter itself
	DiffVs   string   `json:"diff_vs,omitempty"`
	Error    string   `json:"error,omitempty"`
}

var jsonMu sync.Mutex

func (r Result) write(tb testing.TB) {
	path := os.Getenv("PEERS_JSON")
	if path == "" {
		return
	}
	b, err := json.Marshal(r)
	if err != nil {
		tb.Fatal(err)
	}
	jsonMu.Lock()
	defer jsonMu.Unlock()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(append(b, '\n')); err != nil {
		tb.Fatal(err)
	}
}

// Compare is what a run's outputs are checked against: Sinter's, by default.
type Compare struct {
	Name string
	Ref  func(c Case, inputs []*tensor.Tensor) ([]Output, error)
}

// VsSinter compares with Sinter's outputs on the same inputs.
var VsSinter = Compare{"sinter", SinterOutputs}

// Bench runs BenchmarkModels/<case> for every case: load, one checked run,
// then timed runs. impl names the runtime in reports; threads is what it was
// configured with (for the report only).
func Bench(b *testing.B, impl string, threads int, load Loader, vs Compare) {
	for _, c := range Cases(b) {
		b.Run(c.Name, func(b *testing.B) {
			res := Result{Impl: impl, Case: c.Name, Threads: threads}
			fail := func(stage string, err error) {
				res.Error = fmt.Sprintf("%s: %v", stage, err)
				res.write(b)
				b.Skipf("%s %s: %s", impl, c.Name, res.Error)
			}
			inputs, err := c.ReadInputs()
			if err != nil {
				b.Fatal(err)
			}
			run, err := protect(func() (Runner, error) { return load(b, c, inputs) })
			if err != nil {
				fail("load", err)
			}
			outs, err := protect(run)
			if err != nil {
				fail("run", err)
			}
			want, err := vs.Ref(c, inputs)
			switch {
			case err != nil:
				b.Logf("no %s reference: %v", vs.Name, err)
			case want != nil:
				d, err := MaxAbsDiff(outs, want)
				if err != nil {
					fail("compare with "+vs.Name, err)
				}
				res.Diff, res.DiffVs = &d, vs.Name
				b.ReportMetric(d, "maxdiff")
			}
			var ms []float64
			for b.Loop() {
				start := time.Now()
				_, err := run()
				ms = append(ms, float64(time.Since(start).Nanoseconds())/1e6)
				if err != nil {
					b.Fatal(err)
				}
			}
			slices.Sort(ms)
			res.MedianMS, res.MinMS, res.Runs = ms[len(ms)/2], ms[0], len(ms)
			b.ReportMetric(res.MedianMS, "ms/median")
			res.write(b)
		})
	}
}

// protect turns a peer's panic into an error, so one unsupported op does
// not end the whole benchmark binary.
func protect[T any](f func() (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return f()
}
