package elementwise

import "math"

// chunk bounds the scratch the two-pass activations keep on the stack.
const chunk = 256

// actFunc names an activation with vector kernels, for actVector.
type actFunc uint8

const (
	actSigmoid actFunc = iota
	actTanh
	actErf
	actGelu
)

// Sigmoid sets dst[i] = 1/(1+exp(−x[i])).
func Sigmoid(dst, x []float32) {
	checkLen(dst, x)
	done := actVector(actSigmoid, dst, x)
	sigmoidGo(dst[done:], x[done:])
}

// sigmoidGo is the generic twin of the sigmoid kernels.
func sigmoidGo(dst, x []float32) {
	var buf [chunk]float32
	for i := 0; i < len(x); i += chunk {
		xs := x[i:min(i+chunk, len(x))]
		ds := dst[i : i+len(xs)]
		t := buf[:len(xs)]
		for j, v := range xs {
			t[j] = -v
		}
		expShiftSum(t, t, 0)
		for j := range ds {
			ds[j] = 1 / (1 + t[j])
		}
	}
}

// Tanh sets dst[i] = tanh(x[i]): an odd Taylor polynomial for |x| < 0.125,
// else sign(x)·(1 − 2/(exp(2|x|)+1)).
func Tanh(dst, x []float32) {
	checkLen(dst, x)
	done := actVector(actTanh, dst, x)
	tanhGo(dst[done:], x[done:])
}

// tanhGo is the generic twin of the tanh kernels.
func tanhGo(dst, x []float32) {
	var buf [chunk]float32
	for i := 0; i < len(x); i += chunk {
		xs := x[i:min(i+chunk, len(x))]
		ds := dst[i : i+len(xs)]
		t := buf[:len(xs)]
		for j, v := range xs {
			t[j] = 2 * abs32(v)
		}
		expShiftSum(t, t, 0)
		for j, v := range xs {
			a := abs32(v)
			var r float32
			if a < 0.125 {
				z := v * v
				r = v + v*z*(-1.0/3+z*(2.0/15+z*(-17.0/315)))
			} else {
				r = 1 - 2/(t[j]+1)
				if v < 0 {
					r = -r
				}
			}
			if v != v {
				r = v
			}
			ds[j] = r
		}
	}
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// Erf sets dst[i] = erf(x[i]): a Taylor series for |x| < 0.5, else
// Abramowitz–Stegun 7.1.26 with the vector exp (absolute error below 4e-7).
func Erf(dst, x []float32) {
	checkLen(dst, x)
	done := actVector(actErf, dst, x)
	dst, x = dst[done:], x[done:]
	var buf [chunk]float32
	for i := 0; i < len(x); i += chunk {
		xs := x[i:min(i+chunk, len(x))]
		erfChunk(dst[i:i+len(xs)], xs, buf[:len(xs)], 1)
	}
}

// erfChunk sets dst[j] = erf(x[j]·scale), using t as scratch.
func erfChunk(dst, x, t []float32, scale float32) {
	for j, v := range x {
		u := v * scale
		t[j] = -u * u
	}
	expShiftSum(t, t, 0)
	const (
		p  = 0.3275911
		a1 = 0.254829592
		a2 = -0.284496736
		a3 = 1.421413741
		a4 = -1.453152027
		a5 = 1.061405429
	)
	for j, v := range x {
		u := v * scale
		a := abs32(u)
		var y float32
		if a < 0.5 {
			// Taylor series: the rational form cancels badly near 0.
			z := u * u
			y = u * (2 / math.SqrtPi) * (1 + z*(-1.0/3+z*(1.0/10+z*(-1.0/42+z*(1.0/216+z*(-1.0/1320))))))
		} else {
			k := 1 / (1 + p*a)
			y = 1 - (((((a5*k+a4)*k)+a3)*k+a2)*k+a1)*k*t[j]
			if u < 0 {
				y = -y
			}
		}
		if u != u {
			y = u
		}
		dst[j] = y
	}
}

// Gelu sets dst[i] = x·Φ(x) = x/2·(1+erf(x/√2)).
func Gelu(dst, x []float32) {
	checkLen(dst, x)
	done := actVector(actGelu, dst, x)
	geluGo(dst[done:], x[done:])
}

// geluGo is the generic twin of the GELU kernels.
func geluGo(dst, x []float32) {
	var buf, e [chunk]float32
	for i := 0; i < len(x); i += chunk {
		xs := x[i:min(i+chunk, len(x))]
		es := e[:len(xs)]
		erfChunk(es, xs, buf[:len(xs)], 1/math.Sqrt2)
		ds := dst[i : i+len(xs)]
		for j, v := range xs {
			ds[j] = 0.5 * v * (1 + es[j])
		}
	}
}

// Relu sets dst[i] = max(x[i], 0).
func Relu(dst, x []float32) {
	checkLen(dst, x)
	for i, v := range x {
		dst[i] = max(v, 0)
	}
}
