// Package mt is the 32-bit Mersenne Twister (MT19937) with numpy's legacy
// RandomState conventions, so seeded random operators (Dropout, Bernoulli,
// RandomNormal, …) draw the same numbers as ONNX's numpy-based reference
// implementation.
//
// A *MT is not safe for concurrent use: kernels create one per call.
package mt

import "math"

const n = 624

// MT is the generator state, plus numpy's cached second Gaussian deviate.
type MT struct {
	state [n]uint32
	pos   int

	hasGauss bool
	gauss    float64
}

// New returns a generator seeded as numpy's RandomState(seed) is for an
// integer seed (init_genrand).
func New(seed uint32) *MT {
	m := &MT{}
	m.seed(seed)
	return m
}

func (m *MT) seed(seed uint32) {
	m.state[0] = seed
	for i := 1; i < n; i++ {
		p := m.state[i-1]
		m.state[i] = 1812433253*(p^(p>>30)) + uint32(i)
	}
	m.pos = n
}

// NewFromArray returns a generator seeded from key with the reference
// init_by_array, which uses every word of key (numpy seeds this way from an
// array). It is the way to seed from more than 32 bits of entropy.
func NewFromArray(key []uint32) *MT {
	m := &MT{}
	m.seed(19650218)
	i, j := 1, 0
	k := max(n, len(key))
	for ; k > 0; k-- {
		p := m.state[i-1]
		m.state[i] = (m.state[i] ^ (p^(p>>30))*1664525) + key[j] + uint32(j)
		i++
		j++
		if i >= n {
			m.state[0] = m.state[n-1]
			i = 1
		}
		if j >= len(key) {
			j = 0
		}
	}
	for k = n - 1; k > 0; k-- {
		p := m.state[i-1]
		m.state[i] = (m.state[i] ^ (p^(p>>30))*1566083941) - uint32(i)
		i++
		if i >= n {
			m.state[0] = m.state[n-1]
			i = 1
		}
	}
	m.state[0] = 0x80000000
	return m
}

func (m *MT) twist() {
	const upper, lower, matrixA = 0x80000000, 0x7fffffff, 0x9908b0df
	for i := 0; i < n; i++ {
		y := m.state[i]&upper | m.state[(i+1)%n]&lower
		v := m.state[(i+397)%n] ^ y>>1
		if y&1 != 0 {
			v ^= matrixA
		}
		m.state[i] = v
	}
	m.pos = 0
}

// Uint32 returns the next tempered 32-bit output.
func (m *MT) Uint32() uint32 {
	if m.pos >= n {
		m.twist()
	}
	y := m.state[m.pos]
	m.pos++
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	y ^= y >> 18
	return y
}

// Float64 is numpy's random_sample: 53 random bits in [0, 1).
func (m *MT) Float64() float64 {
	a, b := m.Uint32()>>5, m.Uint32()>>6
	return (float64(a)*67108864 + float64(b)) / 9007199254740992
}

// Gauss is numpy's legacy standard normal deviate (RandomState.randn): the
// Marsaglia polar method, which yields two deviates per accepted pair and
// returns the cached second one on the next call.
func (m *MT) Gauss() float64 {
	if m.hasGauss {
		m.hasGauss = false
		return m.gauss
	}
	var x1, x2, r2 float64
	for {
		x1 = 2*m.Float64() - 1
		x2 = 2*m.Float64() - 1
		r2 = x1*x1 + x2*x2
		if r2 < 1 && r2 != 0 {
			break
		}
	}
	f := math.Sqrt(-2 * math.Log(r2) / r2)
	m.gauss = f * x1
	m.hasGauss = true
	return f * x2
}

// Bernoulli draws one sample of numpy's legacy RandomState.binomial(1, p):
// the inversion algorithm numpy uses for n·p ≤ 30, specialised to n = 1 but
// keeping its floating-point steps so seeded draws agree with numpy. p must
// be in [0, 1] (not NaN). Like numpy's legacy path, every call consumes at
// least one uniform draw, even for p = 0.
func (m *MT) Bernoulli(p float64) bool {
	if p <= 0.5 {
		return m.binomialInversion1(p) == 1
	}
	return m.binomialInversion1(1-p) == 0
}

// binomialInversion1 is numpy's random_binomial_inversion with n = 1.
func (m *MT) binomialInversion1(p float64) int {
	q := 1 - p
	qn := math.Exp(math.Log(q)) // exp(n·log(q)) with n = 1
	np := p
	bound := int(min(1, np+10*math.Sqrt(np*q+1)))
	x := 0
	px := qn
	u := m.Float64()
	for u > px {
		x++
		if x > bound {
			x = 0
			px = qn
			u = m.Float64()
		} else {
			u -= px
			px = (float64(1-x+1) * p * px) / (float64(x) * q)
		}
	}
	return x
}
