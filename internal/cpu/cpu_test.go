package cpu

import "testing"

func TestParseTier(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Tier
	}{{"generic", Generic}, {"AVX2", AVX2}, {"avx512", AVX512}, {"neon", NEON}, {"purego", Generic}} {
		got, err := ParseTier(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseTier(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if got.String() != tc.want.String() {
			t.Errorf("String mismatch")
		}
	}
	if _, err := ParseTier("sse9"); err == nil {
		t.Error("ParseTier accepted sse9")
	}
}

func TestDisableRestores(t *testing.T) {
	start := Current()
	if !Supported(start) {
		t.Fatalf("current tier %v unsupported", start)
	}
	r1 := Disable(AVX512)
	if Current() == AVX512 {
		t.Fatal("AVX512 still in force")
	}
	r2 := Disable(AVX2)
	r3 := Disable(NEON)
	if Current() != Generic {
		t.Fatalf("after disabling all: %v", Current())
	}
	r3()
	r2()
	r1()
	if Current() != start {
		t.Fatalf("restored %v, want %v", Current(), start)
	}
	if err := SetTier(Tier(99)); err == nil {
		t.Error("SetTier(99) succeeded")
	}
	for _, tr := range Tiers() {
		if err := SetTier(tr); err != nil {
			t.Error(err)
		}
	}
	Reset()
	if Current() != Best() {
		t.Fatal("Reset")
	}
	t.Log(Name())
}
