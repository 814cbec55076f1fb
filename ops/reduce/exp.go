package reduce

import "math"

// exp32 is exp(x) accurate to well within float32 precision (relative error
// below 1e-9), for results that will be rounded to float32. It reduces x to
// k·ln2 + r with |r| ≤ ln2/2 and evaluates a degree-9 polynomial for e^r.
func exp32(x float64) float64 {
	switch {
	case x != x:
		return x
	case x > 709:
		return math.Inf(1)
	case x < -708:
		return math.Exp(x) // subnormal or zero results
	}
	const (
		log2e = 1.4426950408889634
		ln2hi = 6.93147180369123816490e-01
		ln2lo = 1.90821492927058770002e-10
	)
	k := math.Floor(x*log2e + 0.5)
	r := x - k*ln2hi - k*ln2lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040+r*(1.0/40320+r*(1.0/362880)))))))))
	return p * math.Float64frombits(uint64(int64(k)+1023)<<52)
}
