package mt

import (
	"math"
	"testing"
)

func TestFloat64MatchesNumpy(t *testing.T) {
	// np.random.seed(0); np.random.random_sample(5)
	m := New(0)
	for i, w := range []float64{0.5488135, 0.71518937, 0.60276338, 0.54488318, 0.4236548} {
		if g := m.Float64(); math.Abs(g-w) > 1e-8 {
			t.Fatalf("sample %d: %v, want %v", i, g, w)
		}
	}
	// np.random.seed(12345); random_sample(700)[623:627] (crosses a twist)
	m = New(12345)
	for i := 0; i < 623; i++ {
		m.Float64()
	}
	for i, w := range []float64{0.79873835, 0.54463637, 0.19758737, 0.78412174} {
		if g := m.Float64(); math.Abs(g-w) > 1e-8 {
			t.Fatalf("sample %d: %v, want %v", 623+i, g, w)
		}
	}
}

func TestGaussMatchesNumpy(t *testing.T) {
	// np.random.RandomState(0).randn(6)
	m := New(0)
	for i, w := range []float64{1.76405235, 0.40015721, 0.97873798, 2.2408932, 1.86755799, -0.97727788} {
		if g := m.Gauss(); math.Abs(g-w) > 1e-7 {
			t.Fatalf("sample %d: %v, want %v", i, g, w)
		}
	}
}

func TestBernoulliMatchesNumpy(t *testing.T) {
	// p = [0.0, 1.0, 0.1, 0.9, 0.5, 0.3, 0.7, 0.25, 0.75, 0.6]
	// np.random.RandomState(42).binomial(1, p)
	p := []float64{0.0, 1.0, 0.1, 0.9, 0.5, 0.3, 0.7, 0.25, 0.75, 0.6}
	want := []bool{false, true, false, true, false, false, true, true, true, false}
	m := New(42)
	for i, pi := range p {
		if g := m.Bernoulli(pi); g != want[i] {
			t.Fatalf("sample %d (p=%v): %v, want %v", i, pi, g, want[i])
		}
	}
}

func TestFromArrayMatchesNumpy(t *testing.T) {
	// np.random.RandomState(np.array([1, 2, 3, 4], dtype=np.uint32)).random_sample(3)
	m := NewFromArray([]uint32{1, 2, 3, 4})
	for i, w := range []float64{0.67886575, 0.07791416, 0.04822814} {
		if g := m.Float64(); math.Abs(g-w) > 1e-8 {
			t.Fatalf("sample %d: %v, want %v", i, g, w)
		}
	}
}

func TestBernoulliManyMatchesNumpy(t *testing.T) {
	// x = np.random.RandomState(7).random_sample(2000)
	// b = np.random.RandomState(3).binomial(1, x); b.sum(), b[:40]
	src := New(7)
	p := make([]float64, 2000)
	for i := range p {
		p[i] = src.Float64()
	}
	first := "0101101000111001011011011011111111011010"
	m := New(3)
	sum := 0
	for i, pi := range p {
		b := m.Bernoulli(pi)
		if b {
			sum++
		}
		if i < len(first) && b != (first[i] == '1') {
			t.Fatalf("sample %d: %v, want %c", i, b, first[i])
		}
	}
	if sum != 988 {
		t.Fatalf("sum %d, want 988", sum)
	}
}
