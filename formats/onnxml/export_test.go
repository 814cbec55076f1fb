package onnxml

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sinter-ml/sinter/compiler"
	"github.com/sinter-ml/sinter/formats/onnx"
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ir/ensemble"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/ops/all"
	"github.com/sinter-ml/sinter/tensor"
)

var edge = []float64{0, -0, 1, -1, 0.5, 1.5, 2, 3, 7, 31, 32, 33, -0.5, -0.999, 0.1, 1.0 / 3,
	float64(float32(0.1)), math.Nextafter(float64(float32(0.1)), 1), math.Nextafter(float64(float32(0.1)), -1),
	1e-36, -1e-36, 1e-34, ensemble.ZeroThreshold, -ensemble.ZeroThreshold, 1e39, -1e39, math.Inf(1), math.Inf(-1)}

func pick(rng *rand.Rand) float64 {
	if rng.IntN(3) == 0 {
		return rng.NormFloat64() * 3
	}
	return edge[rng.IntN(len(edge))]
}

// randomEnsemble builds an exportable random ensemble: every split kind and
// missing rule, tree weights, base values first or last, every aggregation.
func randomEnsemble(rng *rand.Rand, nf, k, nTrees int) *ensemble.Ensemble {
	e := &ensemble.Ensemble{NumFeatures: nf, NumTargets: k,
		Precision:  ensemble.Precision(rng.IntN(3)),
		Accumulate: ensemble.AccumFloat64,
		Aggregate:  ensemble.Aggregate(rng.IntN(4)),
		Categories: ensemble.Categories(rng.IntN(4)),
	}
	if e.Precision == ensemble.Float32 && rng.IntN(2) == 0 {
		e.Accumulate = ensemble.AccumFloat32
	}
	if rng.IntN(2) == 0 {
		e.BaseValues = make([]float64, k)
		for j := range e.BaseValues {
			e.BaseValues[j] = rng.NormFloat64()
		}
		e.BaseFirst = e.Aggregate == ensemble.Sum && rng.IntN(2) == 0
	}
	if rng.IntN(3) == 0 {
		e.TreeWeights = make([]float64, nTrees)
		for i := range e.TreeWeights {
			e.TreeWeights[i] = rng.Float64() * 2
		}
	}
	for t := 0; t < nTrees; t++ {
		var nodes []ensemble.Node
		var grow func(depth int) int32
		grow = func(depth int) int32 {
			i := int32(len(nodes))
			nodes = append(nodes, ensemble.Node{})
			if depth == 0 || rng.IntN(6) == 0 {
				nd := ensemble.Node{Op: ensemble.Leaf, ID: i}
				if rng.IntN(4) == 0 {
					for j := 0; j < 1+rng.IntN(3); j++ {
						nd.Leaf = append(nd.Leaf, ensemble.LeafValue{Target: int32(rng.IntN(k)), Value: rng.NormFloat64()})
					}
				} else {
					nd.Leaf = []ensemble.LeafValue{{Target: int32(t % k), Value: rng.NormFloat64()}}
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
		grow(1 + rng.IntN(6))
		e.Trees = append(e.Trees, ensemble.Tree{Nodes: nodes})
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
			x[i] = float64(rng.IntN(80) - 5)
		case 2:
			x[i] = float64(rng.IntN(80)) + 0.5
		case 3:
			x[i] = float64(256*rng.IntN(3) + rng.IntN(70))
		default:
			x[i] = pick(rng)
		}
	}
	return x
}

// run compiles m with Sinter and returns its outputs for input x.
func run(t *testing.T, m *ir.Model, x *tensor.Tensor) []*tensor.Tensor {
	t.Helper()
	p, err := compiler.Compile(m, all.Registry())
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run([]ops.Value{x}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*tensor.Tensor, len(res))
	for i, r := range res {
		out[i] = r.(*tensor.Tensor)
	}
	return out
}

// encodeDecode writes m as ONNX and reads it back.
func encodeDecode(t *testing.T, m *ir.Model) *ir.Model {
	t.Helper()
	b, err := onnx.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	d, err := onnx.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func floats(t *testing.T, x *tensor.Tensor) []float64 {
	v, err := tensor.ToFloat64(x)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func sameBits(a, b float64) bool {
	return a == b || (math.IsNaN(a) && math.IsNaN(b))
}

// TestRoundTripRandom: Export, encode, decode, compile with Sinter; the
// margins equal the canonical model's bit for bit (as float32) for every
// split kind and missing rule.
func TestRoundTripRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for it := 0; it < 200; it++ {
		nf, k := 1+rng.IntN(5), 1+rng.IntN(3)
		e := randomEnsemble(rng, nf, k, 1+rng.IntN(20))
		if err := e.Validate(); err != nil {
			t.Fatal(err)
		}
		inType := tensor.Float64
		if rng.IntN(2) == 0 {
			inType = tensor.Float32
		}
		src, err := ensemble.Model(e, ensemble.ModelOptions{InputType: inType})
		if err != nil {
			t.Fatal(err)
		}
		exp, err := Export(src)
		if err != nil {
			t.Fatalf("it %d: %v", it, err)
		}
		exp = encodeDecode(t, exp)
		n := 50
		rows := randomRows(rng, n, nf)
		var x *tensor.Tensor
		if inType == tensor.Float32 {
			f := make([]float32, len(rows))
			for i, v := range rows {
				f[i] = float32(v)
			}
			x = tensor.From(f, n, nf)
		} else {
			x = tensor.From(rows, n, nf)
		}
		want := floats(t, run(t, src, x)[0])
		got := floats(t, run(t, exp, x)[0])
		uneven := false
		if e.Aggregate == ensemble.Average {
			for _, c := range e.TreesPerTarget() {
				uneven = uneven || c != len(e.Trees)
			}
		}
		for i := range want {
			w := float64(float32(want[i]))
			if sameBits(got[i], w) {
				continue
			}
			// A sum rounded to float32 and then divided may differ from
			// the float64 quotient rounded by one float32 ulp.
			// (and the base value added after) may differ from the float64
			// result rounded once by a few float32 ulps.
			if uneven && e.Accumulate == ensemble.AccumFloat64 && math.Abs(got[i]-w) <= 5e-7*(math.Abs(w)+1) {
				continue
			}
			t.Fatalf("it %d (precision %d, accumulate %d, aggregate %d, base first %v, input %v): row %d target %d: exported %v, canonical %v",
				it, e.Precision, e.Accumulate, e.Aggregate, e.BaseFirst, inType, i/k, i%k, got[i], want[i])
		}
	}
}

// TestTransforms: output transforms through standard nodes and attributes.
func TestTransforms(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, post := range []ensemble.Post{ensemble.None, ensemble.Logistic, ensemble.Softmax, ensemble.SoftmaxZero,
		ensemble.Probit, ensemble.Exp, ensemble.Softplus, ensemble.Step, ensemble.SignSquare} {
		for _, scale := range []float64{1, 0.5} {
			k := 2
			if post == ensemble.Probit {
				k = 1 // ONNX Runtime applies PROBIT to one target only
			}
			e := randomEnsemble(rng, 3, k, 10)
			e.Precision, e.Accumulate = ensemble.Float64, ensemble.AccumFloat64
			e.Aggregate, e.BaseFirst = ensemble.Sum, false
			e.Post, e.PostScale = post, scale
			if post == ensemble.Probit {
				// Keep margins inside (0, 1).
				for ti := range e.Trees {
					for ni := range e.Trees[ti].Nodes {
						nd := &e.Trees[ti].Nodes[ni]
						if nd.Op == ensemble.Leaf {
							// One vote per leaf: ONNX Runtime's one-target PROBIT.
							nd.Leaf = []ensemble.LeafValue{{Target: 0, Value: 0.01 + rng.Float64()*0.03}}
						}
					}
				}
				e.BaseValues = nil
			}
			for _, withMargin := range []bool{false, true} {
				outs := []string{"Y"}
				if withMargin {
					outs = append(outs, "margin")
				}
				src, err := ensemble.Model(e, ensemble.ModelOptions{InputType: tensor.Float64, Outputs: outs})
				if err != nil {
					t.Fatal(err)
				}
				exp, err := Export(src)
				if withMargin && (post == ensemble.SoftmaxZero || post == ensemble.Probit) {
					if !errors.Is(err, ErrUnsupported) {
						t.Fatalf("%v with margin: error %v", post, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%v: %v", post, err)
				}
				exp = encodeDecode(t, exp)
				x := tensor.From(randomRows(rng, 40, 3), 40, 3)
				want, got := run(t, src, x), run(t, exp, x)
				for o := range outs {
					w, g := floats(t, want[o]), floats(t, got[o])
					for i := range w {
						if d := math.Abs(g[i] - w[i]); !(d <= 1e-6*math.Max(1, math.Abs(w[i]))) && !sameBits(g[i], w[i]) {
							t.Fatalf("%v scale %v output %s[%d]: exported %v, canonical %v", post, scale, outs[o], i, g[i], w[i])
						}
					}
				}
			}
		}
	}
}

// TestClassifiers: binary logistic and multi-class softmax classifiers
// export to TreeEnsembleClassifier with the same labels and probabilities.
func TestClassifiers(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for it := 0; it < 40; it++ {
		k := 1 + 2*(it%2) // 1 (binary) or 3
		e := randomEnsemble(rng, 4, k, 15)
		e.Aggregate = ensemble.Sum
		if k == 1 {
			e.Post = ensemble.Logistic
			e.Classes = &ensemble.Classes{Int64: []int64{4, 9}}
			if it%4 == 0 { // only positive leaves
				for ti := range e.Trees {
					for ni := range e.Trees[ti].Nodes {
						for li := range e.Trees[ti].Nodes[ni].Leaf {
							lv := &e.Trees[ti].Nodes[ni].Leaf[li]
							lv.Value = math.Abs(lv.Value)
						}
					}
				}
				if e.BaseValues != nil {
					e.BaseValues[0] = math.Abs(e.BaseValues[0])
				}
				e.TreeWeights = nil
			}
		} else {
			e.Post = []ensemble.Post{ensemble.Softmax, ensemble.Logistic, ensemble.None}[it%3]
			e.Classes = &ensemble.Classes{Strings: []string{"a", "b", "c"}}
		}
		src, err := ensemble.Model(e, ensemble.ModelOptions{InputType: tensor.Float32})
		if err != nil {
			t.Fatal(err)
		}
		exp, err := Export(src)
		if err != nil {
			t.Fatal(err)
		}
		exp = encodeDecode(t, exp)
		rows := randomRows(rng, 60, 4)
		f := make([]float32, len(rows))
		for i, v := range rows {
			f[i] = float32(v)
		}
		x := tensor.From(f, 60, 4)
		want, got := run(t, src, x), run(t, exp, x)
		wp, gp := floats(t, want[1]), floats(t, got[1])
		nc := len(wp) / 60
		for r := 0; r < 60; r++ {
			for j := 0; j < nc; j++ {
				i := r*nc + j
				if math.Abs(gp[i]-wp[i]) > 2e-7 {
					t.Fatalf("it %d row %d: probabilities %v, canonical %v", it, r, gp[r*nc:r*nc+nc], wp[r*nc:r*nc+nc])
				}
			}
			// Labels agree unless the top two probabilities are within rounding.
			var wl, gl any
			if k == 1 {
				wl, gl = want[0].Int64s()[r], got[0].Int64s()[r]
			} else {
				wl, gl = want[0].Strings()[r], got[0].Strings()[r]
			}
			if wl != gl {
				row := wp[r*nc : r*nc+nc]
				close := false
				for a := range row {
					for b := range row {
						close = close || (a != b && math.Abs(row[a]-row[b]) < 1e-6 && row[a] >= 0.3)
					}
				}
				if !close {
					t.Fatalf("it %d row %d: label %v, canonical %v (probabilities %v)", it, r, gl, wl, row)
				}
			}
		}
	}
}

// TestUnsupported: what ONNX-ML cannot express fails with ErrUnsupported.
func TestUnsupported(t *testing.T) {
	leaf := ensemble.Node{Op: ensemble.Leaf, Leaf: []ensemble.LeafValue{{Target: 0, Value: 1}}}
	base := func() *ensemble.Ensemble {
		return &ensemble.Ensemble{NumFeatures: 2, NumTargets: 1, Trees: []ensemble.Tree{{Nodes: []ensemble.Node{leaf}}}}
	}
	lin := base()
	lin.Trees[0].Nodes[0].Linear = []ensemble.LinearTerm{{Target: 0, Const: 1, Features: []int32{1}, Coeffs: []float64{2}}}
	mixed := base()
	mixed.Accumulate = ensemble.AccumFloat32
	hinge := base()
	hinge.Post = ensemble.Step
	hinge.Classes = &ensemble.Classes{Int64: []int64{0, 1}}
	for name, e := range map[string]*ensemble.Ensemble{"linear": lin, "float64 compare, float32 sum": mixed, "hinge classifier": hinge} {
		if _, err := ExportEnsemble(e, tensor.Float32); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: error %v", name, err)
		}
	}
	m, err := ensemble.Model(base(), ensemble.ModelOptions{Outputs: []string{"Y", "", "leaves"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Export(m); !errors.Is(err, ErrUnsupported) {
		t.Errorf("leaves: error %v", err)
	}
}
