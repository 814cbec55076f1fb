// Package elementwise holds Sinter's vectorised float32 math: exp and the
// activations built on it (sigmoid, tanh, erf, GELU), softmax in one fused
// pass structure, LayerNorm, and reductions (sum, max, mean). Every function
// has a pure-Go twin; the exp core has AVX-512 and AVX2 assembly chosen once
// per CPU tier.
//
// Accuracy: Exp is within 2 ulp of the true value for x in
// [−87.33, 88.37]; below it returns 0 (no denormals), above it saturates at
// exp(88.37) ≈ 2.4e38; NaN propagates.
package elementwise

import "math"

// Constants of the exp approximation: exp(x) = 2^n · exp(r) with
// n = round(x·log2 e), r = x − n·ln2 (in two parts), and exp(r) = 1 + r +
// r²·P(r) with P a degree-5 minimax polynomial on [−ln2/2, ln2/2] (Cephes).
const (
	expLo    = -87.3365447 // exp(expLo) is the smallest normal float32
	expHi    = 88.3762626647949
	expLog2e = 1.44269504088896341
	expLn2Hi = 0.693359375
	expLn2Lo = -2.12194440e-4
	expC0    = 1.9875691500e-4
	expC1    = 1.3981999507e-3
	expC2    = 8.3334519073e-3
	expC3    = 4.1665795894e-2
	expC4    = 1.6666665459e-1
	expC5    = 5.0000001201e-1
)

// exp32 is the scalar reference of the vector exp: the assembly kernels do
// exactly these steps on 8 or 16 lanes (with fused multiply-adds).
func exp32(x float32) float32 {
	if x != x {
		return x
	}
	if x < expLo {
		return 0
	}
	x = min(x, expHi)
	n := float32(math.RoundToEven(float64(x * expLog2e)))
	r := x - n*expLn2Hi
	r -= n * expLn2Lo
	z := r * r
	p := float32(expC0)
	p = p*r + expC1
	p = p*r + expC2
	p = p*r + expC3
	p = p*r + expC4
	p = p*r + expC5
	y := p*z + r + 1
	return y * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// expShiftSumGo is the generic twin of the assembly kernels:
//
//	for i := range n { dst[i] = exp32(src[i] - shift); sum += dst[i] }
//
// dst and src hold n floats and may be the same slice (not otherwise overlap).
func expShiftSumGo(dst, src []float32, shift float32) float32 {
	var sum float32
	src = src[:len(dst)]
	for i, v := range src {
		e := exp32(v - shift)
		dst[i] = e
		sum += e
	}
	return sum
}

// expShiftSum is expShiftSumGo with the vector kernel of the tier in force
// doing the leading multiple of its lanes.
func expShiftSum(dst, src []float32, shift float32) float32 {
	n := len(dst)
	src = src[:n]
	done, sum := expVector(dst, src, shift)
	if done < n {
		sum += expShiftSumGo(dst[done:], src[done:], shift)
	}
	return sum
}

// Exp sets dst[i] = exp(x[i]). dst and x must have the same length (they may
// be the same slice).
func Exp(dst, x []float32) {
	checkLen(dst, x)
	expShiftSum(dst, x, 0)
}

func checkLen(dst, x []float32) {
	if len(dst) != len(x) {
		panic("elementwise: length mismatch")
	}
}
