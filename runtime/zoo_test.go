package runtime_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sinter-ml/sinter/runtime"
	"github.com/sinter-ml/sinter/tensor"
	"github.com/sinter-ml/sinter/tensor/encoding/npy"
)

// The model zoo (testdata/zoo, see its README) holds small but realistic
// models with inputs and the outputs ONNX Runtime computes for them.
//
// Tolerance: a float output element passes when
//
//	|got − want| ≤ zooRTol·|want| + zooATol
//
// with zooRTol = 1e-4 and zooATol = 1e-5, and NaN only where ORT has NaN.
// Integer and bool outputs must match exactly; shapes and dtypes always. A
// case may name a looser tolerance in the manifest: only the float16 model
// does (rtol 2e-3, atol 1e-3, about two half-precision ulps), because ONNX
// Runtime's CPU provider computes its nodes in float32 and does not round the
// intermediates to half.
const (
	zooRTol = 1e-4
	zooATol = 1e-5
)

const zooDir = "../testdata/zoo"

type zooCase struct {
	Name        string   `json:"name"`
	Model       string   `json:"model"`
	Inputs      []string `json:"inputs"`
	Outputs     []string `json:"outputs"`
	OutputNames []string `json:"output_names"`
	Tolerance   *zooTol  `json:"tolerance"`
}

type zooTol struct {
	RTol float64 `json:"rtol"`
	ATol float64 `json:"atol"`
}

// zooCases reads testdata/zoo/manifest.json.
func zooCases(t testing.TB) []zooCase {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(zooDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Cases []zooCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	if len(manifest.Cases) == 0 {
		t.Fatal("manifest lists no cases")
	}
	return manifest.Cases
}

func TestZoo(t *testing.T) {
	for _, c := range zooCases(t) {
		t.Run(c.Name, func(t *testing.T) { runZooCase(t, c) })
	}
}

// sameValues reports whether a and b have the same type, shape and bytes
// (strings compared as strings); NaNs compare by bits.
func sameValues(a, b *tensor.Tensor) bool {
	if a.DType() != b.DType() || !a.Shape().Equal(b.Shape()) {
		return false
	}
	if a.DType() == tensor.String {
		return slices.Equal(a.Strings(), b.Strings())
	}
	return bytes.Equal(a.Bytes(), b.Bytes())
}

func readNpy(t testing.TB, name string) *tensor.Tensor {
	t.Helper()
	x, err := loadNpy(name)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func loadNpy(name string) (*tensor.Tensor, error) {
	b, err := os.ReadFile(filepath.Join(zooDir, name))
	if err != nil {
		return nil, err
	}
	x, err := npy.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return x, nil
}

func runZooCase(t *testing.T, c zooCase) {
	s, err := runtime.Open(filepath.Join(zooDir, c.Model))
	if err != nil {
		t.Fatalf("open %s: %v", c.Model, err)
	}
	defer s.Close()
	if len(s.Inputs()) != len(c.Inputs) {
		t.Fatalf("model has %d inputs, manifest %d", len(s.Inputs()), len(c.Inputs))
	}
	inputs := make([]*tensor.Tensor, len(c.Inputs))
	for i, f := range c.Inputs {
		inputs[i] = readNpy(t, f)
	}
	got, err := s.Run(inputs)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if len(got) != len(c.Outputs) {
		t.Fatalf("got %d outputs, want %d", len(got), len(c.Outputs))
	}
	// The first run recorded a memory plan; a second, into the same
	// outputs, computes every intermediate in the planned arena and must
	// agree exactly.
	first := make([]*tensor.Tensor, len(got))
	for i, g := range got {
		first[i] = g.Clone()
	}
	if err := s.RunInto(inputs, got); err != nil {
		t.Fatalf("second run: %v", err)
	}
	for i := range got {
		if !sameValues(got[i], first[i]) {
			t.Errorf("output %d differs between the first run and the planned second run", i)
		}
	}
	tol := zooTol{zooRTol, zooATol}
	if c.Tolerance != nil {
		tol = *c.Tolerance
	}
	var worst zooStats
	failed := 0
	for i, f := range c.Outputs {
		name := fmt.Sprint(i)
		if i < len(c.OutputNames) {
			name = c.OutputNames[i]
		}
		if s.Outputs()[i].Name != name {
			t.Errorf("output %d is %q, manifest says %q", i, s.Outputs()[i].Name, name)
		}
		want := readNpy(t, f)
		st, err := compareZoo(got[i], want, tol)
		if err != nil {
			t.Errorf("output %s: %v", name, err)
			failed++
			continue
		}
		worst.merge(st)
	}
	t.Logf("%-16s %-18s outputs %2d  max|Δ| %.2e  max rel %.2e  worst/tol %.3f (rtol %g, atol %g)",
		c.Name, c.Model, len(got), worst.maxAbs, worst.maxRel, worst.maxTol, tol.RTol, tol.ATol)
	if failed > 0 {
		t.Logf("%s: %d of %d outputs differ from ONNX Runtime", c.Name, failed, len(got))
	}
}

// zooStats summarise the differences of float elements: maxRel is
// |Δ|/|want| over elements with |want| ≥ 1e-3, maxTol is |Δ| divided by the
// allowed difference (≤ 1 passes).
type zooStats struct{ maxAbs, maxRel, maxTol float64 }

func (s *zooStats) merge(o zooStats) {
	s.maxAbs = max(s.maxAbs, o.maxAbs)
	s.maxRel = max(s.maxRel, o.maxRel)
	s.maxTol = max(s.maxTol, o.maxTol)
}

func compareZoo(got, want *tensor.Tensor, tol zooTol) (zooStats, error) {
	var st zooStats
	if got == nil {
		return st, fmt.Errorf("nil output")
	}
	if got.DType() != want.DType() {
		return st, fmt.Errorf("dtype %v, want %v", got.DType(), want.DType())
	}
	if !got.Shape().Equal(want.Shape()) {
		return st, fmt.Errorf("shape %v, want %v", got.Shape(), want.Shape())
	}
	g, err := tensor.ToFloat64(got)
	if err != nil {
		return st, err
	}
	w, err := tensor.ToFloat64(want)
	if err != nil {
		return st, err
	}
	exact := !want.DType().IsFloat()
	bad, first := 0, -1
	for i := range w {
		if math.IsNaN(w[i]) || math.IsNaN(g[i]) {
			if math.IsNaN(w[i]) != math.IsNaN(g[i]) {
				bad++
				if first < 0 {
					first = i
				}
			}
			continue
		}
		d := math.Abs(g[i] - w[i])
		if exact {
			if d != 0 {
				bad++
				if first < 0 {
					first = i
				}
			}
			continue
		}
		if math.IsInf(w[i], 0) && g[i] == w[i] {
			continue
		}
		st.maxAbs = max(st.maxAbs, d)
		if math.Abs(w[i]) >= 1e-3 {
			st.maxRel = max(st.maxRel, d/math.Abs(w[i]))
		}
		r := d / (tol.RTol*math.Abs(w[i]) + tol.ATol)
		st.maxTol = max(st.maxTol, r)
		if !(r <= 1) {
			bad++
			if first < 0 {
				first = i
			}
		}
	}
	if bad > 0 {
		return st, fmt.Errorf("%d of %d elements differ (shape %v); first at flat index %d (%v): got %g, want %g; max|Δ| %.3g, worst/tol %.3g",
			bad, len(w), want.Shape(), first, unflatten(first, want.Shape()), g[first], w[first], st.maxAbs, st.maxTol)
	}
	return st, nil
}

func unflatten(i int, shape tensor.Shape) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		if shape[d] > 0 {
			idx[d] = i % shape[d]
			i /= shape[d]
		}
	}
	return idx
}

// TestZooSessionReuse runs every model's cases through one shared session:
// first in order, then from several goroutines at once (Run must be safe for
// concurrent use), checking each result against ONNX Runtime, that Run left
// its inputs untouched, and that outputs returned by earlier runs were not
// changed by later ones.
func TestZooSessionReuse(t *testing.T) {
	byModel := map[string][]zooCase{}
	var models []string
	for _, c := range zooCases(t) {
		if byModel[c.Model] == nil {
			models = append(models, c.Model)
		}
		byModel[c.Model] = append(byModel[c.Model], c)
	}
	for _, model := range models {
		cases := byModel[model]
		t.Run(model, func(t *testing.T) {
			s, err := runtime.Open(filepath.Join(zooDir, model))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			type kept struct {
				c            zooCase
				inputs, outs []*tensor.Tensor
				snapshot     [][]byte
			}
			var runs []kept
			check := func(c zooCase, outs []*tensor.Tensor) error {
				tol := zooTol{zooRTol, zooATol}
				if c.Tolerance != nil {
					tol = *c.Tolerance
				}
				if len(outs) != len(c.Outputs) {
					return fmt.Errorf("%s: %d outputs, want %d", c.Name, len(outs), len(c.Outputs))
				}
				for i, f := range c.Outputs {
					want, err := loadNpy(f)
					if err != nil {
						return err
					}
					if _, err := compareZoo(outs[i], want, tol); err != nil {
						return fmt.Errorf("%s output %d: %v", c.Name, i, err)
					}
				}
				return nil
			}
			// Sequential: every case, twice, on the one session.
			for round := 0; round < 2; round++ {
				for _, c := range cases {
					in := make([]*tensor.Tensor, len(c.Inputs))
					for i, f := range c.Inputs {
						in[i] = readNpy(t, f)
					}
					outs, err := s.Run(in)
					if err != nil {
						t.Fatalf("%s: %v", c.Name, err)
					}
					if err := check(c, outs); err != nil {
						t.Fatal(err)
					}
					k := kept{c: c, inputs: in, outs: outs}
					for _, o := range outs {
						k.snapshot = append(k.snapshot, append([]byte(nil), o.Bytes()...))
					}
					runs = append(runs, k)
				}
			}
			// Concurrent: 4 goroutines × every case.
			errs := make(chan error, 4*len(cases))
			done := make(chan struct{})
			for g := 0; g < 4; g++ {
				go func() {
					defer func() { done <- struct{}{} }()
					for _, c := range cases {
						in := make([]*tensor.Tensor, len(c.Inputs))
						for i, f := range c.Inputs {
							var err error
							if in[i], err = loadNpy(f); err != nil {
								errs <- err
								return
							}
						}
						outs, err := s.Run(in)
						if err == nil {
							err = check(c, outs)
						}
						if err != nil {
							errs <- fmt.Errorf("concurrent %v", err)
						}
					}
				}()
			}
			for g := 0; g < 4; g++ {
				<-done
			}
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			// Earlier outputs and inputs must be as they were.
			for _, k := range runs {
				for i, o := range k.outs {
					if string(o.Bytes()) != string(k.snapshot[i]) {
						t.Errorf("%s: output %d changed after later runs", k.c.Name, i)
					}
				}
				for i, in := range k.inputs {
					if string(in.Bytes()) != string(readNpy(t, k.c.Inputs[i]).Bytes()) {
						t.Errorf("%s: Run modified input %d", k.c.Name, i)
					}
				}
			}
		})
	}
}
