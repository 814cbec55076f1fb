package trees

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/sinter-ml/sinter/ir/ensemble"
)

// The reference is ensemble.Eval: a one-row-at-a-time walker that follows
// the documented semantics literally.

// pool of "interesting" values shared by thresholds and features, so rows
// land exactly on thresholds, next to them, and on float32 rounding edges.
var interesting = []float64{0, -0, 1, -1, 0.5, 1.5, 2, 3, 7, 31, 32, 33, 64, -0.5, -0.999, 0.1, 1.0 / 3,
	float64(float32(0.1)), math.Nextafter(float64(float32(0.1)), 1), math.Nextafter(float64(float32(0.1)), -1),
	1e-36, -1e-36, 1e-34, 1e-40, ensemble.ZeroThreshold, -ensemble.ZeroThreshold, math.MaxFloat32, 1e39, -1e39,
	math.Inf(1), math.Inf(-1), 2147483000, 1e10}

func pick(rng *rand.Rand) float64 {
	if rng.IntN(3) == 0 {
		return rng.NormFloat64() * 3
	}
	return interesting[rng.IntN(len(interesting))]
}

func randomEnsemble(rng *rand.Rand, nf, k, nTrees int, cfg func(e *ensemble.Ensemble)) *ensemble.Ensemble {
	e := &ensemble.Ensemble{NumFeatures: nf, NumTargets: k,
		Precision:  ensemble.Precision(rng.IntN(3)),
		Accumulate: ensemble.Accumulate(rng.IntN(2)),
		Aggregate:  ensemble.Sum,
		Categories: ensemble.Categories(rng.IntN(4)),
		LinearNaN:  ensemble.LinearNaN(rng.IntN(2)),
		Post:       ensemble.Post(rng.IntN(9)),
		BaseFirst:  rng.IntN(2) == 0,
	}
	if rng.IntN(2) == 0 {
		e.BaseValues = make([]float64, k)
		for j := range e.BaseValues {
			e.BaseValues[j] = rng.NormFloat64()
		}
	}
	if rng.IntN(3) == 0 {
		e.TreeWeights = make([]float64, nTrees)
		for i := range e.TreeWeights {
			e.TreeWeights[i] = rng.Float64() * 2
		}
	}
	multi := rng.IntN(2) == 0
	linear := rng.IntN(4) == 0
	for t := 0; t < nTrees; t++ {
		var nodes []ensemble.Node
		var grow func(depth int) int32
		grow = func(depth int) int32 {
			i := int32(len(nodes))
			nodes = append(nodes, ensemble.Node{})
			if depth == 0 || rng.IntN(6) == 0 {
				nd := ensemble.Node{Op: ensemble.Leaf, ID: i}
				if multi && rng.IntN(2) == 0 {
					for j := 0; j < 1+rng.IntN(3); j++ {
						nd.Leaf = append(nd.Leaf, ensemble.LeafValue{Target: int32(rng.IntN(k)), Value: rng.NormFloat64()})
					}
				} else {
					nd.Leaf = []ensemble.LeafValue{{Target: int32(t % k), Value: rng.NormFloat64()}}
				}
				if linear && rng.IntN(2) == 0 {
					lt := ensemble.LinearTerm{Target: int32(t % k), Const: rng.NormFloat64()}
					for j := 0; j < rng.IntN(3); j++ {
						lt.Features = append(lt.Features, int32(rng.IntN(nf)))
						lt.Coeffs = append(lt.Coeffs, rng.NormFloat64())
					}
					nd.Linear = []ensemble.LinearTerm{lt}
				}
				nodes[i] = nd
				return i
			}
			nd := ensemble.Node{Feature: int32(rng.IntN(nf)), Missing: ensemble.Missing(rng.IntN(4)), DefaultTrue: rng.IntN(2) == 0, ID: i}
			switch r := rng.IntN(10); {
			case r < 5:
				nd.Op = ensemble.Op(1 + rng.IntN(4)) // LT…GE
				nd.Threshold = pick(rng)
			case r < 6:
				nd.Op = ensemble.Op(5 + rng.IntN(2)) // EQ, NE
				nd.Threshold = pick(rng)
			case r < 8:
				nd.Op = ensemble.InSet
				for j := 0; j < 1+rng.IntN(6); j++ {
					nd.Cats = ensemble.SetBit(nd.Cats, rng.IntN(70))
				}
			default:
				nd.Op = ensemble.InValues
				for j := 0; j < 1+rng.IntN(4); j++ {
					nd.Values = append(nd.Values, pick(rng))
				}
			}
			nd.True = grow(depth - 1)
			nd.False = grow(depth - 1)
			nodes[i] = nd
			return i
		}
		grow(1 + rng.IntN(7))
		e.Trees = append(e.Trees, ensemble.Tree{Nodes: nodes})
	}
	if rng.IntN(3) == 0 {
		if k == 1 {
			e.Classes = &ensemble.Classes{Int64: []int64{3, 7}}
		} else if k >= 2 {
			e.Classes = &ensemble.Classes{Strings: make([]string, k)}
		}
	}
	if cfg != nil {
		cfg(e)
	}
	return e
}

func randomRows(rng *rand.Rand, n, nf int) []float64 {
	x := make([]float64, n*nf)
	for i := range x {
		switch rng.IntN(8) {
		case 0:
			x[i] = math.NaN()
		case 1:
			x[i] = float64(rng.IntN(80) - 5) // categories, incl. negative and unseen
		case 3:
			x[i] = float64(256 + rng.IntN(80)) // wrapping categories
		case 2:
			x[i] = float64(rng.IntN(80)) + 0.5
		default:
			x[i] = pick(rng)
		}
	}
	return x
}

func same(a, b float64) bool {
	return a == b || (math.IsNaN(a) && math.IsNaN(b)) || math.Float64bits(a) == math.Float64bits(b)
}

// serialPool is a Parallel hook running chunks on goroutines.
func goParallel(workers int) func(n int, fn func(lo, hi int)) {
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

func TestAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for it := 0; it < 450; it++ {
		nf := 1 + rng.IntN(6)
		k := 1 + rng.IntN(3)
		e := randomEnsemble(rng, nf, k, 1+rng.IntN(40), func(e *ensemble.Ensemble) {
			e.Aggregate = ensemble.Aggregate(rng.IntN(4))
			e.OutputType = ensemble.OutputType(rng.IntN(2))
		})
		if err := e.Validate(); err != nil {
			t.Fatal(err)
		}
		n := 1 + rng.IntN(300)
		if it%3 == 0 {
			n = 1 + rng.IntN(singleRows) // the single-row path
		}
		x64 := randomRows(rng, n, nf)
		opts := Options{Block: []int{1, 7, 64, 128}[rng.IntN(4)]}
		if rng.IntN(2) == 0 {
			opts.Parallel = goParallel(1 + rng.IntN(3))
		}
		m, err := Compile(e, opts)
		if err != nil {
			t.Fatal(err)
		}
		checkAgainstReference(t, it, e, m, x64, n)
	}
}

// checkAgainstReference runs m on x64 (n rows) as float64 and float32
// input and compares every output with e.Eval bit for bit.
func checkAgainstReference(t *testing.T, it int, e *ensemble.Ensemble, m *Model, x64 []float64, n int) {
	t.Helper()
	nf, k := e.NumFeatures, e.NumTargets
	x32 := make([]float32, len(x64))
	for i, v := range x64 {
		x32[i] = float32(v)
	}
	for _, use32 := range []bool{false, true} {
		in := Input{Rows: n}
		if use32 {
			in.F32 = x32
		} else {
			in.F64 = x64
		}
		out := Outputs{Pred64: make([]float64, n*k), Margin64: make([]float64, n*k), Leaves: make([]int64, n*len(e.Trees))}
		if e.Classes != nil {
			out.Proba64 = make([]float64, n*m.NumClasses())
			out.Class = make([]int32, n)
		}
		if err := m.Run(in, &out); err != nil {
			t.Fatal(err)
		}
		// Without leaves (the fast accumulation paths).
		fast := Outputs{Margin64: make([]float64, n*k), Pred32: make([]float32, n*k)}
		if err := m.Run(in, &fast); err != nil {
			t.Fatal(err)
		}
		for i, v := range fast.Margin64 {
			if !same(v, out.Margin64[i]) || !same(float64(fast.Pred32[i]), float64(float32(out.Pred64[i]))) {
				t.Fatalf("it %d: without leaves margin[%d] %v pred %v, with leaves %v %v", it, i, v, fast.Pred32[i], out.Margin64[i], out.Pred64[i])
			}
		}
		margin, pred := make([]float64, k), make([]float64, k)
		leaves := make([]int64, len(e.Trees))
		proba := make([]float64, m.NumClasses())
		for r := 0; r < n; r++ {
			row := x64[r*nf : (r+1)*nf]
			if use32 {
				row = make([]float64, nf)
				for j := range row {
					row[j] = float64(x32[r*nf+j])
				}
			}
			e.Eval(row, margin, pred, leaves)
			for j := 0; j < k; j++ {
				if !same(margin[j], out.Margin64[r*k+j]) || !same(pred[j], out.Pred64[r*k+j]) {
					t.Fatalf("it %d row %d target %d (f32 input %v): margin %v pred %v, reference %v %v\nrow %v",
						it, r, j, use32, out.Margin64[r*k+j], out.Pred64[r*k+j], margin[j], pred[j], row)
				}
			}
			for ti, l := range leaves {
				if out.Leaves[r*len(e.Trees)+ti] != l {
					t.Fatalf("it %d row %d tree %d: leaf %d, reference %d\nrow %v\ntree %+v", it, r, ti, out.Leaves[r*len(e.Trees)+ti], l, row, e.Trees[ti])
				}
			}
			if e.Classes != nil {
				cls := e.Probabilities(pred, proba)
				if int(out.Class[r]) != cls {
					t.Fatalf("row %d: class %d, reference %d", r, out.Class[r], cls)
				}
				for j, v := range proba {
					if !same(v, out.Proba64[r*len(proba)+j]) {
						t.Fatalf("row %d: proba %v, reference %v", r, out.Proba64[r*len(proba):], proba)
					}
				}
			}
		}
	}
}

func TestZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	e := randomEnsemble(rng, 8, 1, 50, nil)
	m, err := Compile(e, Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 1000
	x := make([]float32, n*8)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	out := Outputs{Pred32: make([]float32, n)}
	allocs := testing.AllocsPerRun(20, func() {
		if err := m.Run(Input{F32: x, Rows: n}, &out); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Fatalf("%v allocations per Run", allocs)
	}
}

func TestRunErrors(t *testing.T) {
	e := &ensemble.Ensemble{NumFeatures: 2, NumTargets: 1, Trees: []ensemble.Tree{{Nodes: []ensemble.Node{{Op: ensemble.Leaf}}}}}
	m, err := Compile(e, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Run(Input{F32: make([]float32, 3), Rows: 2}, &Outputs{}) == nil {
		t.Error("short input accepted")
	}
	if m.Run(Input{F32: make([]float32, 4), Rows: 2}, &Outputs{Pred32: make([]float32, 1)}) == nil {
		t.Error("short output accepted")
	}
	if m.Run(Input{F32: make([]float32, 4), Rows: 2}, &Outputs{Class: make([]int32, 2)}) == nil {
		t.Error("class output on a regressor accepted")
	}
}

// TestDeepTrees: trees deeper than the lock-step depth (LightGBM's
// leaf-wise trees reach depth 20+), on the single-row and block paths.
func TestDeepTrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	const nf = 4
	e := &ensemble.Ensemble{NumFeatures: nf, NumTargets: 1, Precision: ensemble.Float64, Accumulate: ensemble.AccumFloat64}
	for ti := 0; ti < 20; ti++ {
		var nodes []ensemble.Node
		// A caterpillar: each split has one leaf child and one deeper split.
		depth := 10 + rng.IntN(25)
		for d := 0; d < depth; d++ {
			i := int32(len(nodes))
			nodes = append(nodes,
				ensemble.Node{Op: ensemble.LE, Feature: int32(rng.IntN(nf)), Threshold: rng.NormFloat64(), Missing: ensemble.MissingNaN, DefaultTrue: rng.IntN(2) == 0, True: i + 1, False: i + 2},
				ensemble.Node{Op: ensemble.Leaf, ID: i + 1, Leaf: []ensemble.LeafValue{{Value: rng.NormFloat64()}}})
			if rng.IntN(2) == 0 { // the leaf on the other side
				nodes[i].True, nodes[i].False = i+2, i+1
			}
		}
		nodes = append(nodes, ensemble.Node{Op: ensemble.Leaf, ID: int32(len(nodes)), Leaf: []ensemble.LeafValue{{Value: 1}}})
		e.Trees = append(e.Trees, ensemble.Tree{Nodes: nodes})
	}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	m, err := Compile(e, Options{})
	if err != nil {
		t.Fatal(err)
	}
	x := randomRows(rng, 300, nf)
	for _, n := range []int{1, 3, 8, 300} {
		out := Outputs{Margin64: make([]float64, n)}
		if err := m.Run(Input{F64: x[:n*nf], Rows: n}, &out); err != nil {
			t.Fatal(err)
		}
		mg := make([]float64, 1)
		for r := 0; r < n; r++ {
			e.Eval(x[r*nf:(r+1)*nf], mg, nil, nil)
			if !same(mg[0], out.Margin64[r]) {
				t.Fatalf("%d rows, row %d: %v, reference %v", n, r, out.Margin64[r], mg[0])
			}
		}
	}
}

// numericOnly rewrites every split of e into a numeric comparison (LT…GE)
// with any missing rule but Zero, so that trees take the perfect layout.
func numericOnly(rng *rand.Rand, e *ensemble.Ensemble) {
	for ti := range e.Trees {
		for i := range e.Trees[ti].Nodes {
			nd := &e.Trees[ti].Nodes[i]
			if nd.Op == ensemble.Leaf {
				continue
			}
			nd.Op = ensemble.Op(1 + rng.IntN(4))
			nd.Threshold = pick(rng)
			nd.Cats, nd.Values = nil, nil
			if nd.Missing == ensemble.MissingZero {
				nd.Missing = ensemble.MissingNaN
			}
		}
	}
}

func TestKeyFormsAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 19))
	perfect, chain := 0, 0
	for it := 0; it < 300; it++ {
		nf := 1 + rng.IntN(6)
		k := 1 + rng.IntN(3)
		e := randomEnsemble(rng, nf, k, 1+rng.IntN(40), func(e *ensemble.Ensemble) {
			e.Aggregate = ensemble.Aggregate(rng.IntN(4))
			e.OutputType = ensemble.OutputType(rng.IntN(2))
			numericOnly(rng, e)
		})
		if err := e.Validate(); err != nil {
			t.Fatal(err)
		}
		n := singleRows + 1 + rng.IntN(300)
		if it%3 == 0 {
			n = 1 + rng.IntN(singleRows) // the single-row path
		}
		x64 := randomRows(rng, n, nf)
		opts := Options{Block: []int{1, 7, 64, 128}[rng.IntN(4)]}
		if rng.IntN(2) == 0 {
			opts.Parallel = goParallel(1 + rng.IntN(3))
		}
		if it%2 == 1 {
			perfMaxDepth = 0 // chain form for all but one-leaf trees
		}
		m, err := Compile(e, opts)
		perfMaxDepth = 10
		if err != nil {
			t.Fatal(err)
		}
		p, ch := m.keyTrees()
		perfect += p
		chain += ch
		checkAgainstReference(t, it, e, m, x64, n)
	}
	if perfect == 0 || chain == 0 {
		t.Fatalf("%d perfect and %d chain trees", perfect, chain)
	}
	t.Logf("%d perfect and %d chain trees", perfect, chain)
}

// TestSingleRowPerfect checks the single-row walk of eight interleaved
// perfect trees (full trees of one depth), float32 and float64.
func TestSingleRowPerfect(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 29))
	for it, prec := range []ensemble.Precision{ensemble.Float32, ensemble.Float64, ensemble.Float32Input} {
		for _, depth := range []int{1, 3, 6} {
			e := benchEnsemble(24+it, depth, 5, prec)
			for ti := range e.Trees {
				for i := range e.Trees[ti].Nodes {
					nd := &e.Trees[ti].Nodes[i]
					if nd.Op != ensemble.Leaf && rng.IntN(3) == 0 {
						nd.Threshold = pick(rng) // on ±Inf, 0, …
					}
				}
			}
			m, err := Compile(e, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for n := 1; n <= singleRows; n++ {
				checkAgainstReference(t, it, e, m, randomRows(rng, n, 5), n)
			}
		}
	}
}
