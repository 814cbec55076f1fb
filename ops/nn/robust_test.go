package nn

import (
	"math/rand"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
)

// TestRandomGeometriesDoNotPanic runs window ops over random small shapes and
// attributes: each must return a result or an error, never panic.
func TestRandomGeometriesDoNotPanic(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	dim := func() int { return rng.Intn(5) }
	ints := func(n, lo, hi int) []int64 {
		v := make([]int64, n)
		for i := range v {
			v[i] = int64(lo + rng.Intn(hi-lo+1))
		}
		return v
	}
	pads := []string{"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"}
	for it := 0; it < 3000; it++ {
		d := 1 + rng.Intn(3)
		xs := []int{dim(), 1 + rng.Intn(4)}
		ks := []int{1 + rng.Intn(4), 0}
		for i := 0; i < d; i++ {
			xs = append(xs, dim())
			ks = append(ks, rng.Intn(4))
		}
		group := 1 + rng.Intn(2)
		ks[1] = xs[1] / group
		if rng.Intn(5) == 0 {
			ks[1]++
		}
		attrs := []*ir.Attribute{sattr("auto_pad", pads[rng.Intn(4)]), iattr("group", int64(group))}
		if rng.Intn(2) == 0 {
			attrs = append(attrs, intsattr("strides", ints(d, 1, 3)...))
		}
		if rng.Intn(2) == 0 {
			attrs = append(attrs, intsattr("dilations", ints(d, 1, 3)...))
		}
		if rng.Intn(2) == 0 {
			attrs = append(attrs, intsattr("pads", ints(2*d, 0, 3)...))
		}
		x := tensor.New(tensor.Float32, xs...)
		w := tensor.New(tensor.Float32, ks...)
		kern := make([]int64, d)
		for i := range kern {
			kern[i] = int64(1 + rng.Intn(3))
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("x %v w %v attrs %v: panic %v", xs, ks, attrs, r)
				}
			}()
			runOp(t, "Conv", 11, 1, attrs, x, w)
			wt := tensor.New(tensor.Float32, append([]int{xs[1], 1 + rng.Intn(3)}, ks[2:]...)...)
			ta := append(attrs, intsattr("output_padding", ints(d, 0, 1)...))
			if rng.Intn(3) == 0 {
				ta = append(ta, intsattr("output_shape", ints(d, 0, 9)...))
			}
			runOp(t, "ConvTranspose", 11, 1, ta, x, wt)
			pa := append(attrs[:1:1], intsattr("kernel_shape", kern...), iattr("ceil_mode", int64(rng.Intn(2))))
			pa = append(pa, attrs[2:]...)
			runOp(t, "MaxPool", 12, 2, pa, x)
			runOp(t, "AveragePool", 11, 1, append(pa, iattr("count_include_pad", 1)), x)
			runOp(t, "LpPool", 11, 1, pa, x)
		}()
	}
}
