package kernels

import "testing"

func TestForce(t *testing.T) {
	defer Reset()
	if err := Force("generic"); err != nil {
		t.Fatal(err)
	}
	if Tier() != "generic" {
		t.Fatalf("tier %s", Tier())
	}
	if err := Force("mmx"); err == nil {
		t.Fatal("Force(mmx) succeeded")
	}
	Reset()
	if Tier() != Best() {
		t.Fatal("Reset")
	}
	t.Log(Name())
}
