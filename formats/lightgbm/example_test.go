package lightgbm_test

import (
	"fmt"
	"log"
	"os"

	"github.com/sinter-ml/sinter/formats/lightgbm"
)

// Parse a model, convert it to the canonical ensemble and score one row
// with the reference evaluator.
func Example() {
	b, err := os.ReadFile("../../testdata/lightgbm/lleaves_tiniest_single_tree/model.txt")
	if err != nil {
		log.Fatal(err)
	}
	m, err := lightgbm.Parse(b)
	if err != nil {
		log.Fatal(err)
	}
	e, err := m.Ensemble()
	if err != nil {
		log.Fatal(err)
	}
	pred := make([]float64, e.NumTargets)
	leaves := make([]int64, len(e.Trees))
	e.Eval([]float64{0.5, 0.8, 0.95}, nil, pred, leaves)
	fmt.Println(m.Version, m.Objective, len(m.Trees), "tree")
	fmt.Println(pred[0], leaves[0])
	// Output:
	// v3 regression 1 tree
	// 0.49040602357823876 3
}
