// Package trees compares Sinter's tree-ensemble kernels (kernels/trees) with
// github.com/dmitryikh/leaves, a pure-Go LightGBM/XGBoost predictor, on
//
//   - testdata/lightgbm/binary_63leaves (LightGBM 4.6: 200 trees of 63
//     leaves, 30 features, float64 input), and
//   - testdata/xgb500x8 (XGBoost 1.7.4: 500 trees of depth 8, 50 features,
//     binary:logistic; written by gen_xgb.py), the target scenario, on
//     100,000 rows.
//
// Throughput (rows/s) with 1 and 2 threads and batch-1 latency:
//
//	cd bench && go test ./trees -run XXX -bench . -benchtime 3x
//
// XGBoost's own predictor is timed by xgb_time.py.
package trees

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"sync"
	"testing"

	"github.com/dmitryikh/leaves"
	"github.com/sinter-ml/sinter/formats/lightgbm"
	"github.com/sinter-ml/sinter/formats/xgboost"
	"github.com/sinter-ml/sinter/ir/ensemble"
	"github.com/sinter-ml/sinter/kernels/trees"
	"github.com/sinter-ml/sinter/tensor"
	"github.com/sinter-ml/sinter/tensor/encoding/npy"
)

func gunzip(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func readNpy(tb testing.TB, b []byte) *tensor.Tensor {
	tb.Helper()
	t, err := npy.Decode(b)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// parallel is a Parallel hook splitting n into one chunk per worker.
func parallel(workers int) func(n int, fn func(lo, hi int)) {
	if workers <= 1 {
		return nil
	}
	return func(n int, fn func(lo, hi int)) {
		var wg sync.WaitGroup
		chunk := (n + workers - 1) / workers
		for lo := 0; lo < n; lo += chunk {
			wg.Add(1)
			go func(lo, hi int) { defer wg.Done(); fn(lo, hi) }(lo, min(n, lo+chunk))
		}
		wg.Wait()
	}
}

// fixture is one model in both predictors with inputs.
type fixture struct {
	name   string
	e      *ensemble.Ensemble
	lv     *leaves.Ensemble
	nf     int
	x64    []float64 // 100,000 rows
	x32    []float32
	rows   int
	use32  bool // Sinter reads float32 (XGBoost) or float64 (LightGBM)
	check  []float64
	checkN int
}

var (
	fixOnce sync.Once
	fixes   []*fixture
	fixErr  error
)

const benchRows = 100_000

func load(tb testing.TB) []*fixture {
	fixOnce.Do(func() {
		// LightGBM binary_63leaves: the fixture's 1,000 rows tiled to 100,000.
		text := gunzip(tb, "../../testdata/lightgbm/binary_63leaves/model.txt.gz")
		m, err := lightgbm.Parse(text)
		if err != nil {
			fixErr = err
			return
		}
		e, err := m.Ensemble()
		if err != nil {
			fixErr = err
			return
		}
		// leaves reads only "version=v3" headers; the v4 tree blocks of this
		// (non-linear) model are the same, so relabel it for leaves.
		v3 := bytes.Replace(text, []byte("\nversion=v4\n"), []byte("\nversion=v3\n"), 1)
		lv, err := leaves.LGEnsembleFromReader(bufio.NewReader(bytes.NewReader(v3)), true)
		if err != nil {
			fixErr = fmt.Errorf("leaves: %w", err)
			return
		}
		in := readNpy(tb, gunzip(tb, "../../testdata/lightgbm/binary_63leaves/input.npy.gz")).Float64s()
		exp := readNpy(tb, mustRead(tb, "../../testdata/lightgbm/binary_63leaves/expected.npy")).Float64s()
		f := &fixture{name: "lgb_binary_63leaves", e: e, lv: lv, nf: e.NumFeatures, check: exp, checkN: len(exp)}
		f.x64 = tile(in, benchRows*f.nf)
		f.rows = benchRows
		fixes = append(fixes, f)

		// XGBoost 500×8: 100,000 fresh rows of the training distribution.
		xm, err := xgboost.Decode(gunzip(tb, "testdata/xgb500x8.json.gz"))
		if err != nil {
			fixErr = err
			return
		}
		xe, err := xm.Ensemble()
		if err != nil {
			fixErr = err
			return
		}
		// XGBoost ≥ 1.0 prefixes its legacy binary format with "binf";
		// leaves predates that.
		bin := legacyForLeaves(bytes.TrimPrefix(gunzip(tb, "testdata/xgb500x8.bin.gz"), []byte("binf")))
		xlv, err := leaves.XGEnsembleFromReader(bufio.NewReader(bytes.NewReader(bin)), true)
		if err != nil {
			fixErr = fmt.Errorf("leaves: %w", err)
			return
		}
		g := &fixture{name: "xgb_500x8", e: xe, lv: xlv, nf: xe.NumFeatures, use32: true, rows: benchRows}
		rng := rand.New(rand.NewPCG(43, 44))
		g.x32 = make([]float32, benchRows*g.nf)
		g.x64 = make([]float64, len(g.x32))
		first := readNpy(tb, mustRead(tb, "testdata/input1k.npy")).Float32s()
		copy(g.x32, first) // the checked rows first
		for i := len(first); i < len(g.x32); i++ {
			v := float32(rng.NormFloat64())
			if rng.IntN(50) == 0 {
				v = float32(math.NaN())
			}
			g.x32[i] = v
		}
		for i, v := range g.x32 {
			g.x64[i] = float64(v)
		}
		e32 := readNpy(tb, mustRead(tb, "testdata/expected1k.npy")).Float32s()
		for _, v := range e32 {
			g.check = append(g.check, float64(v))
		}
		g.checkN = len(e32)
		fixes = append(fixes, g)
	})
	if fixErr != nil {
		tb.Fatal(fixErr)
	}
	return fixes
}

// legacyForLeaves sets the gbtree parameter num_output_group, which
// XGBoost 1.x writes as 0 (deprecated), to 1 so that leaves can read the
// file: after the 136-byte learner parameters come the objective and booster
// names (uint64 length + bytes each), then GBTreeModelParam with
// num_output_group at byte 24.
//
// leaves also adds base_score to the margin as is, while XGBoost 1.x
// applies the objective's link first (logit(0.5) = 0 for this model), so
// base_score is set to 0.
func legacyForLeaves(b []byte) []byte {
	b = bytes.Clone(b)
	if math.Float32frombits(binary.LittleEndian.Uint32(b)) == 0.5 {
		binary.LittleEndian.PutUint32(b, 0)
	}
	off := 136
	for range 2 {
		n := int(binary.LittleEndian.Uint64(b[off:]))
		off += 8 + n
	}
	if p := off + 24; binary.LittleEndian.Uint32(b[p:]) == 0 {
		binary.LittleEndian.PutUint32(b[p:], 1)
	}
	return b
}

func mustRead(tb testing.TB, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func tile(src []float64, n int) []float64 {
	out := make([]float64, n)
	for i := 0; i < n; i += len(src) {
		copy(out[i:], src)
	}
	return out
}

func (f *fixture) sinter(tb testing.TB, threads int) *trees.Model {
	m, err := trees.Compile(f.e, trees.Options{Parallel: parallel(threads)})
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

func (f *fixture) input(lo, hi int) trees.Input {
	if f.use32 {
		return trees.Input{F32: f.x32[lo*f.nf : hi*f.nf], Rows: hi - lo}
	}
	return trees.Input{F64: f.x64[lo*f.nf : hi*f.nf], Rows: hi - lo}
}

// TestAgreement checks both predictors against the libraries' outputs on
// the fixture rows.
func TestAgreement(t *testing.T) {
	for _, f := range load(t) {
		m := f.sinter(t, 1)
		pred := make([]float64, f.checkN)
		if err := m.Run(f.input(0, f.checkN), &trees.Outputs{Pred64: pred}); err != nil {
			t.Fatal(err)
		}
		lp := make([]float64, f.checkN)
		if err := f.lv.PredictDense(f.x64[:f.checkN*f.nf], f.checkN, f.nf, lp, 0, 1); err != nil {
			t.Fatal(err)
		}
		var ws, wl float64
		for i, w := range f.check {
			ws = math.Max(ws, math.Abs(pred[i]-w))
			wl = math.Max(wl, math.Abs(lp[i]-w))
		}
		t.Logf("%s: %d trees; max |Sinter − library| %.3g, max |leaves − library| %.3g", f.name, len(f.e.Trees), ws, wl)
		if ws > 1e-6 {
			t.Errorf("%s: Sinter differs from the library by %g", f.name, ws)
		}
	}
}

func BenchmarkThroughput(b *testing.B) {
	for _, f := range load(b) {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/sinter/threads=%d", f.name, threads), func(b *testing.B) {
				m := f.sinter(b, threads)
				out := trees.Outputs{Pred64: make([]float64, f.rows)}
				b.ResetTimer()
				for range b.N {
					if err := m.Run(f.input(0, f.rows), &out); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(f.rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
			b.Run(fmt.Sprintf("%s/leaves/threads=%d", f.name, threads), func(b *testing.B) {
				out := make([]float64, f.rows)
				b.ResetTimer()
				for range b.N {
					if err := f.lv.PredictDense(f.x64, f.rows, f.nf, out, 0, threads); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(f.rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}

func BenchmarkBatch1(b *testing.B) {
	for _, f := range load(b) {
		b.Run(f.name+"/sinter", func(b *testing.B) {
			m := f.sinter(b, 1)
			out := trees.Outputs{Pred64: make([]float64, 1)}
			b.ResetTimer()
			for i := range b.N {
				r := i % 1000
				if err := m.Run(f.input(r, r+1), &out); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(f.name+"/leaves", func(b *testing.B) {
			var s float64
			for i := range b.N {
				r := i % 1000
				s += f.lv.PredictSingle(f.x64[r*f.nf:(r+1)*f.nf], 0)
			}
			_ = s
		})
	}
}
