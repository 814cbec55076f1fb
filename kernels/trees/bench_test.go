package trees

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sinter-ml/sinter/ir/ensemble"
)

// benchEnsemble is an XGBoost-like binary model: nTrees full trees of the
// given depth over nf features, float32 "x < t" splits with default
// directions, logistic output.
func benchEnsemble(nTrees, depth, nf int, prec ensemble.Precision) *ensemble.Ensemble {
	rng := rand.New(rand.NewPCG(42, 43))
	e := &ensemble.Ensemble{NumFeatures: nf, NumTargets: 1, Precision: prec, Accumulate: ensemble.AccumFloat32,
		Post: ensemble.Logistic, BaseFirst: true, BaseValues: []float64{0}}
	if prec == ensemble.Float64 {
		e.Accumulate = ensemble.AccumFloat64
	}
	for t := 0; t < nTrees; t++ {
		var nodes []ensemble.Node
		var grow func(d int) int32
		grow = func(d int) int32 {
			i := int32(len(nodes))
			nodes = append(nodes, ensemble.Node{})
			if d == depth {
				nodes[i] = ensemble.Node{Op: ensemble.Leaf, ID: i, Leaf: []ensemble.LeafValue{{Target: 0, Value: rng.NormFloat64() * 0.1}}}
				return i
			}
			nd := ensemble.Node{Op: ensemble.LT, Feature: int32(rng.IntN(nf)), Threshold: rng.NormFloat64() * 0.7,
				Missing: ensemble.MissingNaN, DefaultTrue: rng.IntN(2) == 0, ID: i}
			nd.True = grow(d + 1)
			nd.False = grow(d + 1)
			nodes[i] = nd
			return i
		}
		grow(0)
		e.Trees = append(e.Trees, ensemble.Tree{Nodes: nodes})
	}
	return e
}

func benchRows(n, nf int) []float32 {
	rng := rand.New(rand.NewPCG(5, 6))
	x := make([]float32, n*nf)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
		if rng.IntN(50) == 0 {
			x[i] = float32(math.NaN())
		}
	}
	return x
}

func BenchmarkPredict(b *testing.B) {
	const nTrees, depth, nf, n = 500, 8, 50, 100_000
	e := benchEnsemble(nTrees, depth, nf, ensemble.Float32)
	x := benchRows(n, nf)
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("500x8_100k/threads=%d", threads), func(b *testing.B) {
			o := Options{}
			if threads > 1 {
				o.Parallel = goParallel(threads)
			}
			m, err := Compile(e, o)
			if err != nil {
				b.Fatal(err)
			}
			out := Outputs{Pred32: make([]float32, n)}
			b.ResetTimer()
			for range b.N {
				if err := m.Run(Input{F32: x, Rows: n}, &out); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
	for _, c := range []struct {
		name    string
		threads int
		blocks  bool
		loop    bool
	}{{"500x8_batch1/threads=1", 1, false, false}, {"500x8_batch1/threads=2", 2, false, false},
		{"500x8_batch1_blocks/threads=1", 1, true, false}, {"500x8_batch1_loop/threads=1", 1, false, true}} {
		threads := c.threads
		b.Run(c.name, func(b *testing.B) {
			o := Options{}
			if threads > 1 {
				o.Parallel = goParallel(threads)
			}
			m, err := Compile(e, o)
			if err != nil {
				b.Fatal(err)
			}
			m.forceBlocks, m.noUnroll = c.blocks, c.loop
			out := Outputs{Pred32: make([]float32, 1)}
			b.ResetTimer()
			for i := range b.N {
				r := i % 1000
				if err := m.Run(Input{F32: x[r*nf : (r+1)*nf], Rows: 1}, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReference is the reference walker on the same model, for scale.
func BenchmarkReference(b *testing.B) {
	const nTrees, depth, nf = 500, 8, 50
	e := benchEnsemble(nTrees, depth, nf, ensemble.Float32)
	x := benchRows(1000, nf)
	row := make([]float64, nf)
	m := make([]float64, 1)
	b.ResetTimer()
	for i := range b.N {
		r := i % 1000
		for j := range row {
			row[j] = float64(x[r*nf+j])
		}
		e.Eval(row, m, nil, nil)
	}
}
