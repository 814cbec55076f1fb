package conv

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/sinter-ml/sinter/kernels/gemm"
	"github.com/sinter-ml/sinter/kernels/parallel"
)

// oldConvTranspose is the loop ConvTranspose ran before it took packed
// weights and went row by row, kept as the bit-exact reference: per image
// and group cols = W_gᵀ·X_g by SgemmWith, then per output channel the
// bias, the columns scattered in (kh, kw, ih, iw) order with a test per
// element, the residual and the activation.
func oldConvTranspose(o Options, p TransposeParams, x, w, bias, y []float32) {
	p.norm()
	oh, ow := p.OutH(), p.OutW()
	cg, ocg := p.C/p.Group, p.OC/p.Group
	hw, ohw, kk := p.H*p.W, oh*ow, p.KH*p.KW
	rows := ocg * kk
	cols := make([]float32, rows*hw)
	for n := range p.N {
		for g := range p.Group {
			xg := x[(n*p.C+g*cg)*hw : (n*p.C+(g+1)*cg)*hw]
			wg := w[g*cg*rows : (g+1)*cg*rows]
			gemm.SgemmWith(gemm.Options{Pool: o.Pool}, true, false, rows, hw, cg, 1, wg, rows, xg, hw, 0, cols, hw)
			yoff := (n*p.OC + g*ocg) * ohw
			for oc := range ocg {
				yc := y[yoff+oc*ohw : yoff+(oc+1)*ohw]
				var b float32
				if bias != nil {
					b = bias[g*ocg+oc]
				}
				for i := range yc {
					yc[i] = b
				}
				for kh := range p.KH {
					for kw := range p.KW {
						col := cols[(oc*kk+kh*p.KW+kw)*hw:][:hw]
						for ih := range p.H {
							oy := ih*p.StrideH - p.PadT + kh*p.DilationH
							if oy < 0 || oy >= oh {
								continue
							}
							for iw := range p.W {
								if ox := iw*p.StrideW - p.PadL + kw*p.DilationW; uint(ox) < uint(ow) {
									yc[oy*ow+ox] += col[ih*p.W+iw]
								}
							}
						}
					}
				}
				if o.Residual != nil {
					for i := range yc {
						yc[i] += o.Residual[yoff+oc*ohw+i]
					}
				}
				gemm.Activate(o.Act, o.Alpha, o.Beta, yc)
			}
		}
	}
}

var transposeCases = []TransposeParams{
	{Params: Params{N: 1, C: 4, H: 5, W: 6, OC: 3, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadT: 1, PadL: 1, PadB: 1, PadR: 1}, OutPadH: 1, OutPadW: 1},
	{Params: Params{N: 2, C: 6, H: 4, W: 4, OC: 4, KH: 2, KW: 3, Group: 2, DilationW: 2}},
	{Params: Params{N: 1, C: 3, H: 7, W: 3, OC: 5, KH: 4, KW: 4, StrideH: 3, StrideW: 1, PadT: 2, PadR: 1}},
	// The DB head of PaddleOCR's detector: 2×2 stride 2, then one channel.
	{Params: Params{N: 1, C: 24, H: 40, W: 40, OC: 24, KH: 2, KW: 2, StrideH: 2, StrideW: 2}},
	{Params: Params{N: 1, C: 24, H: 80, W: 80, OC: 1, KH: 2, KW: 2, StrideH: 2, StrideW: 2}},
	// Grouped, stride 3 across, pads wider than a stride, output padding.
	{Params: Params{N: 2, C: 8, H: 9, W: 11, OC: 12, KH: 3, KW: 5, Group: 4, StrideH: 2, StrideW: 3, PadT: 3, PadL: 4, PadB: 1, PadR: 2}, OutPadH: 1, OutPadW: 2},
	// Taps that miss the output entirely on some rows and columns.
	{Params: Params{N: 1, C: 2, H: 3, W: 3, OC: 2, KH: 5, KW: 5, DilationH: 2, DilationW: 3, PadT: 6, PadL: 7, PadB: 2, PadR: 5}},
	// One tap per element, every element covered, cropped by pads: stored
	// in one pass.
	{Params: Params{N: 1, C: 3, H: 5, W: 6, OC: 4, KH: 2, KW: 2, StrideH: 2, StrideW: 2, PadT: 1, PadL: 1, PadB: 1, PadR: 1}},
	// One tap per element at most: gaps between the windows, output
	// padding left uncovered.
	{Params: Params{N: 1, C: 3, H: 4, W: 5, OC: 2, KH: 2, KW: 2, StrideH: 3, StrideW: 3}, OutPadH: 2, OutPadW: 1},
	{Params: Params{N: 1, C: 3, H: 4, W: 5, OC: 2, KH: 2, KW: 2, StrideH: 2, StrideW: 2}, OutPadH: 1, OutPadW: 1},
	// Stored in one pass, unit and wide strides.
	{Params: Params{N: 2, C: 5, H: 3, W: 4, OC: 3, KH: 1, KW: 1}},
	{Params: Params{N: 1, C: 2, H: 3, W: 4, OC: 2, KH: 3, KW: 3, StrideH: 3, StrideW: 3}},
	// Disjoint rows, overlapping columns.
	{Params: Params{N: 1, C: 2, H: 4, W: 5, OC: 3, KH: 2, KW: 3, StrideH: 2, StrideW: 1}},
}

// TestConvTransposeBits holds ConvTranspose and ConvTransposePacked (one
// thread or three, with a residual and an activation or not, with a bias
// or not) bit for bit to the old loop, and checks that they write exactly
// the output, NaN-filled beforehand. The pooled column buffers hold the
// previous call's columns, so stale data there would show too.
func TestConvTransposeBits(t *testing.T) {
	three := parallel.New(parallel.Options{Threads: 3})
	defer three.Close()
	one := parallel.New(parallel.Options{Threads: 1})
	defer one.Close()
	rng := rand.New(rand.NewPCG(15, 16))
	forEachTier(t, func(t *testing.T) {
		for ci, p := range transposeCases {
			q := p
			q.norm()
			x := randn(rng, q.N*q.C*q.H*q.W)
			w := randn(rng, q.C*q.OC/q.Group*q.KH*q.KW)
			bias := randn(rng, q.OC)
			n := q.N * q.OC * q.OutH() * q.OutW()
			res := randn(rng, n)
			tw, err := PackTransposeWeights(p, w)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range []Options{{}, {Act: gemm.ActRelu, Residual: res}, {Act: gemm.ActSigmoid}} {
				for _, b := range [][]float32{bias, nil} {
					want := make([]float32, n)
					oldConvTranspose(Options{Pool: one, Act: o.Act, Residual: o.Residual}, p, x, w, b, want)
					for _, pool := range []*parallel.Pool{one, three} {
						for _, packed := range []bool{false, true} {
							o.Pool = pool
							buf, y := guarded(n)
							for i := range y {
								y[i] = float32(math.NaN())
							}
							if packed {
								err = ConvTransposePacked(o, p, x, tw, b, y)
							} else {
								err = ConvTranspose(o, p, x, w, b, y)
							}
							if err != nil {
								t.Fatal(err)
							}
							checkGuards(t, buf, n)
							what := fmt.Sprintf("case %d act %v bias %v, %d threads, packed %v",
								ci, o.Act, b != nil, pool.Threads(), packed)
							for i := range y {
								if math.Float32bits(y[i]) != math.Float32bits(want[i]) {
									t.Fatalf("%s: y[%d] = %v, old loop %v", what, i, y[i], want[i])
								}
							}
						}
					}
				}
			}
		}
	})
}

// TestConvTransposeRejects checks the misuse ConvTranspose and
// ConvTransposePacked report.
func TestConvTransposeRejects(t *testing.T) {
	p := transposeCases[1]
	q := p
	q.norm()
	x := make([]float32, q.N*q.C*q.H*q.W)
	w := make([]float32, q.C*q.OC/q.Group*q.KH*q.KW)
	y := make([]float32, q.N*q.OC*q.OutH()*q.OutW())
	tw, err := PackTransposeWeights(p, w)
	if err != nil {
		t.Fatal(err)
	}
	other := p
	other.OC, other.Group = 6, 3
	if err := ConvTransposePacked(Options{}, other, x, tw, nil, make([]float32, 2*6*5*8)); err == nil {
		t.Error("weights packed for other channels accepted")
	}
	if err := ConvTransposePacked(Options{}, p, x, nil, nil, y); err == nil {
		t.Error("no packed weights accepted")
	}
	if err := ConvTranspose(Options{}, p, x, nil, nil, y); err == nil {
		t.Error("no weights accepted")
	}
	if err := ConvTranspose(Options{}, p, x, w[1:], nil, y); err == nil {
		t.Error("short w accepted")
	}
	if err := ConvTranspose(Options{}, p, x, w, nil, y[1:]); err == nil {
		t.Error("short y accepted")
	}
	if _, err := PackTransposeWeights(p, w[1:]); err == nil {
		t.Error("short w packed")
	}
}

// TestConvTransposeAllocs checks that steady-state transposed convolutions
// (packed weights or not) allocate nothing beyond what kernels/gemm
// allocates per call (once per image group), on one thread and on two.
func TestConvTransposeAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	rng := rand.New(rand.NewPCG(17, 18))
	for _, th := range []int{1, 2} {
		pool := parallel.New(parallel.Options{Threads: th})
		a, b, c := make([]float32, 64*64), make([]float32, 64*64), make([]float32, 64*64)
		pa := gemm.PackA(false, 64, 64, 1, a, 64)
		perGemm := testing.AllocsPerRun(20, func() {
			gemm.SgemmPackedA(gemm.Options{Pool: pool}, pa, false, 64, b, 64, nil, 0, c, 64)
		})
		for _, p := range []TransposeParams{transposeCases[3], transposeCases[4], transposeCases[5]} {
			q := p
			q.norm()
			x, w := randn(rng, q.N*q.C*q.H*q.W), randn(rng, q.C*q.OC/q.Group*q.KH*q.KW)
			bias, y := randn(rng, q.OC), make([]float32, q.N*q.OC*q.OutH()*q.OutW())
			tw, err := PackTransposeWeights(p, w)
			if err != nil {
				t.Fatal(err)
			}
			for _, packed := range []bool{false, true} {
				run := func() {
					if packed {
						err = ConvTransposePacked(Options{Pool: pool}, p, x, tw, bias, y)
					} else {
						err = ConvTranspose(Options{Pool: pool}, p, x, w, bias, y)
					}
					if err != nil {
						t.Fatal(err)
					}
				}
				run()
				want := perGemm * float64(q.N*q.Group)
				if got := testing.AllocsPerRun(20, run); got > want {
					t.Errorf("%d threads, packed %v, %+v: %v allocations per call, want ≤ %v", th, packed, p, got, want)
				}
			}
		}
		pool.Close()
	}
}
