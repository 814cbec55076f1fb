package lightgbm

import (
	"math"
	"runtime"
	"testing"
)

// FuzzParse checks that no input makes Parse, Ensemble, IR or the
// reference evaluator panic, that parsing allocates at most a small multiple
// of the input, and that whatever parses converts to a valid ensemble.
// Seeds: the small real models of testdata/lightgbm, hand-made models
// covering linear, single-leaf, categorical, multiclass and random-forest
// trees, and the committed corpus under testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"lleaves_tiniest_single_tree", "lleaves_pure_categorical", "lleaves_single_tree"} {
		f.Add(mustFixture(f, name, "model.txt"))
	}
	f.Add([]byte(hostileBase()))
	f.Add([]byte(writeModel(header("regression", 1, 3, ""), linearTree, linearSingle)))
	f.Add([]byte(writeModel(header("multiclassova num_class:2 sigmoid:2", 2, 2, "average_output\n"),
		stump(0, 0.5, 0.5, 9), stump(1, 0, 1, 9), singleLeaf(1), stump(1, 0, 3, 9))))
	f.Fuzz(func(t *testing.T, b []byte) {
		var before, after runtime.MemStats
		measure := len(b) < 1<<16
		if measure {
			runtime.ReadMemStats(&before)
		}
		m, err := Parse(b)
		if measure {
			runtime.ReadMemStats(&after)
			if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(64*len(b)+1<<16); got > limit {
				t.Fatalf("Parse of %d bytes allocated %d bytes (limit %d)", len(b), got, limit)
			}
		}
		if err != nil {
			return
		}
		e, err := m.Ensemble()
		if err != nil {
			if len(m.Trees) == 0 {
				return
			}
			t.Fatalf("parsed model does not convert: %v", err)
		}
		if _, err := m.IR(Options{Outputs: []Output{Prediction, RawScore, LeafIndex}}); err != nil {
			t.Fatalf("IR: %v", err)
		}
		rows := [][]float64{make([]float64, e.NumFeatures), make([]float64, e.NumFeatures), make([]float64, e.NumFeatures)}
		for i := range rows[1] {
			rows[1][i] = math.NaN()
			rows[2][i] = float64(i) - 1.5
		}
		pred := make([]float64, e.NumTargets)
		leaves := make([]int64, len(e.Trees))
		for _, x := range rows {
			e.Eval(x, nil, pred, leaves)
		}
	})
}
