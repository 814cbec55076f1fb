package elementwise

// The lane interpreter: how an ElementwiseChain applies a run of cheap
// steps (arithmetic with a constant, Max/Min, Relu, Neg, Abs).
//
// The standalone kernels of these operators are scalar Go loops that load,
// compute and store one element per iteration: about a cycle each, so a
// chain of them is bound by instructions, not by memory, and running each
// step over an L1 block (which saves only memory traffic) gains nothing.
// runLanes instead loads 8 elements into locals, applies every step of the
// run to them in registers — one dispatch per step per 8 elements — and
// stores them once: Mul→Add costs half what two passes do.
//
// Invariant: each lane step computes, per element, exactly the float32
// expression of the operator's standalone kernel (binScalar, kew.Relu,
// unary32): one IEEE operation, rounded to float32 — the explicit
// conversions keep the compiler from fusing a multiply and an add into one
// FMA across steps, which the unfused operators, storing every result,
// never do. A swapped Add, Mul, Max or Min computes x op c as binScalar
// does.

// laneOp is a lane step's operation.
type laneOp uint8

const (
	lAdd  laneOp = iota // x + c
	lSub                // x − c
	lRSub               // c − x
	lMul                // x · c
	lDiv                // x / c
	lRDiv               // c / x
	lMax                // max(x, c)
	lMin                // min(x, c)
	lRelu               // max(x, 0)
	lNeg                // −x
	lAbs                // |x|
)

// laneStep is one step the lane interpreter runs.
type laneStep struct {
	op laneOp
	c  float32
}

// laneOf returns s as a lane step, if it is one.
func laneOf(s chainStep) (laneStep, bool) {
	switch s.kind {
	case stepBinary:
		switch s.k {
		case bAdd:
			return laneStep{lAdd, s.c}, true
		case bMul:
			return laneStep{lMul, s.c}, true
		case bSub:
			if s.swap {
				return laneStep{lRSub, s.c}, true
			}
			return laneStep{lSub, s.c}, true
		case bDiv:
			if s.swap {
				return laneStep{lRDiv, s.c}, true
			}
			return laneStep{lDiv, s.c}, true
		case bMax:
			return laneStep{lMax, s.c}, true
		case bMin:
			return laneStep{lMin, s.c}, true
		}
	case stepUnary:
		switch s.u {
		case uRelu:
			return laneStep{op: lRelu}, true
		case uNeg:
			return laneStep{op: lNeg}, true
		case uAbs:
			return laneStep{op: lAbs}, true
		}
	}
	return laneStep{}, false
}

// apply is the reference of the lane interpreter: the step on one element.
func (s laneStep) apply(v float32) float32 {
	c := s.c
	switch s.op {
	case lAdd:
		return float32(v + c)
	case lSub:
		return float32(v - c)
	case lRSub:
		return float32(c - v)
	case lMul:
		return float32(v * c)
	case lDiv:
		return float32(v / c)
	case lRDiv:
		return float32(c / v)
	case lMax:
		return max(v, c)
	case lMin:
		return min(v, c)
	case lRelu:
		return max(v, 0)
	case lNeg:
		return -v
	}
	return abs32(v)
}

// runLanes sets y[i] to x[i] taken through every step of prog, in order:
//
//	for i, v := range x {
//		for _, s := range prog {
//			v = s.apply(v)
//		}
//		y[i] = v
//	}
//
// eight elements at a time in registers. y and x have equal lengths and
// are the same slice or disjoint.
func runLanes(y, x []float32, prog []laneStep) {
	x = x[:len(y)]
	n := len(y) &^ 7
	for i := 0; i < n; i += 8 {
		p := x[i : i+8 : i+8]
		v0, v1, v2, v3, v4, v5, v6, v7 := p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]
		for k := range prog {
			c := prog[k].c
			switch prog[k].op {
			case lAdd:
				v0, v1, v2, v3 = float32(v0+c), float32(v1+c), float32(v2+c), float32(v3+c)
				v4, v5, v6, v7 = float32(v4+c), float32(v5+c), float32(v6+c), float32(v7+c)
			case lSub:
				v0, v1, v2, v3 = float32(v0-c), float32(v1-c), float32(v2-c), float32(v3-c)
				v4, v5, v6, v7 = float32(v4-c), float32(v5-c), float32(v6-c), float32(v7-c)
			case lRSub:
				v0, v1, v2, v3 = float32(c-v0), float32(c-v1), float32(c-v2), float32(c-v3)
				v4, v5, v6, v7 = float32(c-v4), float32(c-v5), float32(c-v6), float32(c-v7)
			case lMul:
				v0, v1, v2, v3 = float32(v0*c), float32(v1*c), float32(v2*c), float32(v3*c)
				v4, v5, v6, v7 = float32(v4*c), float32(v5*c), float32(v6*c), float32(v7*c)
			case lDiv:
				v0, v1, v2, v3 = float32(v0/c), float32(v1/c), float32(v2/c), float32(v3/c)
				v4, v5, v6, v7 = float32(v4/c), float32(v5/c), float32(v6/c), float32(v7/c)
			case lRDiv:
				v0, v1, v2, v3 = float32(c/v0), float32(c/v1), float32(c/v2), float32(c/v3)
				v4, v5, v6, v7 = float32(c/v4), float32(c/v5), float32(c/v6), float32(c/v7)
			case lMax:
				v0, v1, v2, v3 = max(v0, c), max(v1, c), max(v2, c), max(v3, c)
				v4, v5, v6, v7 = max(v4, c), max(v5, c), max(v6, c), max(v7, c)
			case lMin:
				v0, v1, v2, v3 = min(v0, c), min(v1, c), min(v2, c), min(v3, c)
				v4, v5, v6, v7 = min(v4, c), min(v5, c), min(v6, c), min(v7, c)
			case lRelu:
				v0, v1, v2, v3 = max(v0, 0), max(v1, 0), max(v2, 0), max(v3, 0)
				v4, v5, v6, v7 = max(v4, 0), max(v5, 0), max(v6, 0), max(v7, 0)
			case lNeg:
				v0, v1, v2, v3, v4, v5, v6, v7 = -v0, -v1, -v2, -v3, -v4, -v5, -v6, -v7
			case lAbs:
				v0, v1, v2, v3 = abs32(v0), abs32(v1), abs32(v2), abs32(v3)
				v4, v5, v6, v7 = abs32(v4), abs32(v5), abs32(v6), abs32(v7)
			}
		}
		q := y[i : i+8 : i+8]
		q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7] = v0, v1, v2, v3, v4, v5, v6, v7
	}
	for i := n; i < len(y); i++ {
		v := x[i]
		for _, s := range prog {
			v = s.apply(v)
		}
		y[i] = v
	}
}
