package trees

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sinter-ml/sinter/formats/lightgbm"
	"github.com/sinter-ml/sinter/ir/ensemble"
	"github.com/sinter-ml/sinter/tensor/encoding/npy"
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

// TestThroughputVariants compares the block paths on a loaded machine:
// variants run round-robin on 10,000-row slices and the best slice counts.
// Models: 500 trees of depth 8 on 50 features (float32, XGBoost-like) and
// the LightGBM fixture binary_63leaves (200 trees of 63 leaves, float64).
// Run with SINTER_VARIANTS=1 go test -run ThroughputVariants -v.
func TestThroughputVariants(t *testing.T) {
	if os.Getenv("SINTER_VARIANTS") == "" {
		t.Skip("set SINTER_VARIANTS=1")
	}
	const n = 10_000
	type model struct {
		name  string
		e     *ensemble.Ensemble
		in    Input
		steps float64 // node visits per row (for ns/step)
	}
	xe := benchEnsemble(500, 8, 50, ensemble.Float32)
	models := []model{{"xgb-like 500x8", xe, Input{F32: benchRows(n, 50), Rows: n}, 500 * 8}}
	if le, x, err := lgbFixture(n); err == nil {
		models = append(models, model{"lgb binary_63leaves", le, Input{F64: x, Rows: n}, 200 * 8.65})
	} else {
		t.Log(err)
	}
	for _, md := range models {
		type variant struct {
			name string
			m    *Model
		}
		var vs []variant
		for _, v := range []struct {
			name  string
			noKey bool
			block int
		}{{"general-128", true, 128}, {"key-32", false, 32}, {"key-64", false, 64}, {"key-128", false, 128}} {
			m, err := Compile(md.e, Options{Block: v.block})
			if err != nil {
				t.Fatal(err)
			}
			m.noKey = v.noKey
			vs = append(vs, variant{v.name, m})
		}
		best := make([]time.Duration, len(vs))
		out := Outputs{Pred64: make([]float64, n)}
		for round := 0; round < 15; round++ {
			for vi, v := range vs {
				start := time.Now()
				v.m.Run(md.in, &out)
				d := time.Since(start)
				if best[vi] == 0 || d < best[vi] {
					best[vi] = d
				}
			}
		}
		for vi, v := range vs {
			t.Logf("%-20s %-12s %8.0f rows/s  %.2f ns/step", md.name, v.name, n/best[vi].Seconds(), float64(best[vi].Nanoseconds())/(n*md.steps))
		}
	}
}

// lgbFixture loads testdata/lightgbm/binary_63leaves with its input rows
// tiled to n.
func lgbFixture(n int) (*ensemble.Ensemble, []float64, error) {
	read := func(p string) ([]byte, error) {
		b, err := os.ReadFile(p)
		if err != nil || !strings.HasSuffix(p, ".gz") {
			return b, err
		}
		r, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(r)
	}
	const dir = "../../testdata/lightgbm/binary_63leaves/"
	text, err := read(dir + "model.txt.gz")
	if err != nil {
		return nil, nil, err
	}
	m, err := lightgbm.Parse(text)
	if err != nil {
		return nil, nil, err
	}
	e, err := m.Ensemble()
	if err != nil {
		return nil, nil, err
	}
	raw, err := read(dir + "input.npy.gz")
	if err != nil {
		return nil, nil, err
	}
	tt, err := npy.Decode(raw)
	if err != nil {
		return nil, nil, err
	}
	src := tt.Float64s()
	x := make([]float64, n*e.NumFeatures)
	for i := 0; i < len(x); i += len(src) {
		copy(x[i:], src)
	}
	return e, x, nil
}
