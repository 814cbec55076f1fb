package reduce

import (
	"math"
	"testing"
)

func TestExp32(t *testing.T) {
	for x := -700.0; x < 700; x += 0.0137 {
		got, want := exp32(x), math.Exp(x)
		if math.Abs(got-want) > 1e-10*want {
			t.Fatalf("exp32(%v) = %v, want %v", x, got, want)
		}
	}
	if exp32(-1000) != 0 || !math.IsInf(exp32(1000), 1) || !math.IsNaN(exp32(math.NaN())) || exp32(math.Inf(-1)) != 0 {
		t.Fatal("special values")
	}
}
