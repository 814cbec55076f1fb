package trees

import (
	"os"
	"testing"
	"time"

	"github.com/sinter-ml/sinter/ir/ensemble"
)

// TestLatencyVariants compares the batch-1 paths on a loaded machine:
// variants run round-robin in short slices and the best slice counts.
// Run with SINTER_VARIANTS=1 go test -run LatencyVariants -v.
func TestLatencyVariants(t *testing.T) {
	if os.Getenv("SINTER_VARIANTS") == "" {
		t.Skip("set SINTER_VARIANTS=1")
	}
	for _, rows := range []int{1, 4, 8} {
		for _, depth := range []int{4, 8} {
			const nTrees, nf = 500, 50
			e := benchEnsemble(nTrees, depth, nf, ensemble.Float32)
			x := benchRows(1000, nf)
			type variant struct {
				name string
				m    *Model
			}
			var vs []variant
			for _, v := range []struct {
				name           string
				blocks, noUnrl bool
			}{{"blocks", true, false}, {"single-loop", false, true}, {"single-unroll8", false, false}} {
				m, err := Compile(e, Options{})
				if err != nil {
					t.Fatal(err)
				}
				m.forceBlocks, m.noUnroll, m.singleMax = v.blocks, v.noUnrl, 8
				vs = append(vs, variant{v.name, m})
			}
			best := make([]time.Duration, len(vs))
			out := Outputs{Pred32: make([]float32, rows)}
			const per = 20
			for round := 0; round < 400; round++ {
				for vi, v := range vs {
					start := time.Now()
					for i := 0; i < per; i++ {
						r := (round*per + i) % (1000 - rows)
						v.m.Run(Input{F32: x[r*nf : (r+rows)*nf], Rows: rows}, &out)
					}
					d := time.Since(start) / per
					if best[vi] == 0 || d < best[vi] {
						best[vi] = d
					}
				}
			}
			for vi, v := range vs {
				t.Logf("%d rows, depth %d, %d trees: %-15s %v", rows, depth, nTrees, v.name, best[vi])
			}
		}
	}
}
