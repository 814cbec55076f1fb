package xgboost

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sinter-ml/sinter/compiler"
	"github.com/sinter-ml/sinter/ir/ensemble"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/ops/all"
	"github.com/sinter-ml/sinter/tensor"
)

// TestCompiledAgreesWithXGBoost runs every fixture through IRModel,
// compiler.Compile and the registered TreeEnsemble kernel, and compares
// with XGBoost 1.7.4's predictions, margins and leaf ids.
func TestCompiledAgreesWithXGBoost(t *testing.T) {
	reg := all.Registry()
	if !reg.Has(ensemble.Domain, ensemble.OpType, ensemble.Version) {
		t.Skip("the canonical TreeEnsemble op is not registered yet")
	}
	var total agreement
	for _, f := range fixtures(t) {
		for _, file := range f.modelFiles() {
			m := f.decode(t, file)
			im, err := m.IRModel()
			if err != nil {
				t.Fatalf("%s/%s: %v", f.name, file, err)
			}
			p, err := compiler.Compile(im, reg)
			if err != nil {
				t.Fatalf("%s/%s: compile: %v", f.name, file, err)
			}
			outs, err := p.Run([]ops.Value{f.x}, nil)
			if err != nil {
				t.Fatalf("%s/%s: run: %v", f.name, file, err)
			}
			names := p.OutputNames()
			got := map[string]*tensor.Tensor{}
			for i, n := range names {
				got[n] = outs[i].(*tensor.Tensor)
			}
			total.add(compareCompiled(t, f, file, m, got))
		}
	}
	t.Logf("%s", total)
}

func compareCompiled(t *testing.T, f *fixture, file string, m *Model, got map[string]*tensor.Tensor) agreement {
	t.Helper()
	var a agreement
	n := f.x.Shape()[0]
	k := m.Groups()
	at := f.name + "/" + file
	margin := got[NameMargin]
	if margin == nil || margin.Len() != n*k {
		t.Fatalf("%s: margin output %v", at, margin)
	}
	wantMargin := f.margin.Float32s()
	for i, v := range margin.Float32s() {
		d := relErr(float64(v), float64(wantMargin[i]))
		a.maxRelMargin = math.Max(a.maxRelMargin, d)
		if d > marginTol {
			t.Fatalf("%s: margin[%d] %v, XGBoost %v", at, i, v, wantMargin[i])
		}
	}
	a.rows += n
	a.values += n * k
	pred := got[NamePrediction]
	wantPred := f.pred.Float32s()
	if m.Objective == "multi:softmax" {
		if pred == nil || pred.DType() != tensor.Int64 || pred.Len() != n {
			t.Fatalf("%s: class output %v", at, pred)
		}
		for i, c := range pred.Int64s() {
			a.classRows++
			if float32(c) != wantPred[i] {
				a.classBad++
				t.Fatalf("%s row %d: class %d, XGBoost %v", at, i, c, wantPred[i])
			}
		}
	} else {
		if pred == nil || pred.Len() != n*k {
			t.Fatalf("%s: prediction output %v", at, pred)
		}
		for i, v := range pred.Float32s() {
			d := relErr(float64(v), float64(wantPred[i]))
			a.maxRelPred = math.Max(a.maxRelPred, d)
			if d > predTol {
				t.Fatalf("%s: prediction[%d] %v, XGBoost %v", at, i, v, wantPred[i])
			}
		}
	}
	if f.leaf != nil {
		leaf := got[NameLeaf]
		wantLeaf := f.leaf.Int32s()
		if leaf == nil || leaf.Len() != len(wantLeaf) {
			t.Fatalf("%s: leaf output %v, want %d values", at, leaf, len(wantLeaf))
		}
		trees := len(wantLeaf) / n
		for i, id := range leaf.Int64s() {
			if i%trees == 0 {
				a.leafRows++
			}
			if int32(id) != wantLeaf[i] {
				a.leafWrong++
				t.Fatalf("%s row %d tree %d: leaf %d, XGBoost %d", at, i/trees, i%trees, id, wantLeaf[i])
			}
		}
	}
	return a
}

// TestSharedFixtures runs the shared fixtures that are too large to copy
// into testdata (500-tree benchmark, 200-tree regression, binary_logistic_nan
// with its XGBoost 3.1-style base_score, count_poisson) when the shared
// directory is present (SINTER_XGB_FIXTURES or ../../../shared/fixtures/xgboost).
func TestSharedFixtures(t *testing.T) {
	root := os.Getenv("SINTER_XGB_FIXTURES")
	if root == "" {
		root = "../../../shared/fixtures/xgboost"
	}
	dirs, _ := filepath.Glob(filepath.Join(root, "*", "model.json"))
	if len(dirs) == 0 {
		t.Skipf("no shared fixtures under %s", root)
	}
	if testing.Short() {
		t.Skip("short mode")
	}
	reg := all.Registry()
	compiled := reg.Has(ensemble.Domain, ensemble.OpType, ensemble.Version)
	var ref, cmp agreement
	for _, f := range loadFixtures(t, root, dirs) {
		var first *ensemble.Ensemble
		for _, file := range f.modelFiles() {
			m := f.decode(t, file)
			e, err := m.Ensemble()
			if err != nil {
				t.Fatalf("%s/%s: %v", f.name, file, err)
			}
			if first == nil {
				first = e
			} else if !reflect.DeepEqual(first, e) {
				t.Errorf("%s: %s differs from model.json", f.name, file)
			}
			if f.x.Shape()[0]*len(e.Trees) <= 1e6 { // the reference evaluator is slow
				ref.add(compareReference(t, f, file, m, e))
			}
			if !compiled {
				continue
			}
			im, err := m.IRModel()
			if err != nil {
				t.Fatal(err)
			}
			p, err := compiler.Compile(im, reg)
			if err != nil {
				t.Fatal(err)
			}
			outs, err := p.Run([]ops.Value{f.x}, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]*tensor.Tensor{}
			for i, n := range p.OutputNames() {
				got[n] = outs[i].(*tensor.Tensor)
			}
			cmp.add(compareCompiled(t, f, file, m, got))
		}
	}
	t.Logf("reference: %s", ref)
	t.Logf("compiled:  %s", cmp)
}
