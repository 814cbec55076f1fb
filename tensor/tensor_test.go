package tensor

import (
	"math"
	"testing"
)

func TestNewIsZeroedAndAligned(t *testing.T) {
	for _, dt := range []DType{Float32, Float64, Int8, Int16, Int32, Int64, Uint8, Uint16, Uint32, Uint64, Bool, Float16, BFloat16} {
		x := New(dt, 2, 3)
		if x.Len() != 6 || len(x.Bytes()) != 6*dt.Size() {
			t.Fatalf("%v: len %d bytes %d", dt, x.Len(), len(x.Bytes()))
		}
		for _, b := range x.Bytes() {
			if b != 0 {
				t.Fatalf("%v: not zeroed", dt)
			}
		}
	}
	s := New(String, 2)
	if len(s.Strings()) != 2 || s.Bytes() != nil {
		t.Fatal("string tensor storage")
	}
}

func TestShapeCheckRejectsHostileShapes(t *testing.T) {
	for _, s := range []Shape{{-1}, {1 << 30, 1 << 30, 1 << 30}, {math.MaxInt, 2}} {
		if s.Check() == nil {
			t.Errorf("%v: accepted", []int(s))
		}
	}
	if err := (Shape{0, 1 << 62}).Check(); err != nil {
		t.Errorf("zero-sized dim rejected: %v", err)
	}
}

func TestViewsShareStorage(t *testing.T) {
	x := FromFloat32([]float32{1, 2, 3, 4, 5, 6}, 3, 2)
	r, err := x.Reshape(2, 3)
	if err != nil {
		t.Fatal(err)
	}
	r.Float32s()[5] = 60
	if x.Float32s()[5] != 60 {
		t.Fatal("reshape view does not share storage")
	}
	rows, err := x.Rows(1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Shape().Equal(Shape{2, 2}) || rows.Float32s()[0] != 3 {
		t.Fatalf("rows view: %v %v", rows.Shape(), rows.Float32s())
	}
	if _, err := x.Reshape(4, 2); err == nil {
		t.Fatal("reshape to a different element count accepted")
	}
	if _, err := x.Rows(2, 4); err == nil {
		t.Fatal("rows past the end accepted")
	}
	c := x.Clone()
	c.Float32s()[0] = -1
	if x.Float32s()[0] != 1 {
		t.Fatal("clone shares storage")
	}
}

func TestFromBytesChecksLength(t *testing.T) {
	if _, err := FromBytes(Float32, Shape{2}, make([]byte, 7)); err == nil {
		t.Fatal("short data accepted")
	}
	x, err := FromBytes(Int16, Shape{2}, []byte{1, 0, 0xff, 0xff})
	if err != nil {
		t.Fatal(err)
	}
	if v := Data[int16](x); v[0] != 1 || v[1] != -1 {
		t.Fatalf("little-endian decode: %v", v)
	}
}

func TestDataPanicsOnWrongType(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("reading float32 storage as int64 did not panic")
		}
	}()
	Data[int64](FromFloat32([]float32{1}))
}

func TestHalfConversions(t *testing.T) {
	// Values from IEEE 754: 1.0 = 0x3c00, -2.0 = 0xc000, 65504 = 0x7bff (max),
	// 2^-24 = 0x0001 (smallest subnormal); 1/3 rounds to 0x3555.
	for _, c := range []struct {
		f    float32
		bits uint16
	}{{1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {float32(math.Ldexp(1, -24)), 0x0001}, {1.0 / 3, 0x3555}} {
		if got := ToFloat16(c.f); uint16(got) != c.bits {
			t.Errorf("ToFloat16(%v) = %#04x, want %#04x", c.f, uint16(got), c.bits)
		}
	}
	if got := Float16Bits(0x3c00).Float32(); got != 1 {
		t.Errorf("0x3c00 = %v", got)
	}
	// bfloat16 is the top half of float32: 1.0 = 0x3f80; 1+2^-8 ties to even → 0x3f80.
	if got := ToBFloat16(1); got != 0x3f80 {
		t.Errorf("ToBFloat16(1) = %#x", uint16(got))
	}
	if got := ToBFloat16(1 + 1.0/256); got != 0x3f80 {
		t.Errorf("ToBFloat16(1+2^-8) = %#x, want 0x3f80 (ties to even)", uint16(got))
	}
	if got := ToBFloat16(float32(math.NaN())).Float32(); got == got {
		t.Error("bfloat16 NaN became a number")
	}
}

func TestToFloat64(t *testing.T) {
	v, err := ToFloat64(From([]int8{-3, 4}))
	if err != nil || v[0] != -3 || v[1] != 4 {
		t.Fatalf("%v %v", v, err)
	}
	v, _ = ToFloat64(From([]bool{true, false}))
	if v[0] != 1 || v[1] != 0 {
		t.Fatalf("bool: %v", v)
	}
	if _, err := ToFloat64(FromStrings([]string{"a"})); err == nil {
		t.Fatal("string converted")
	}
}

// TestLoadFloat64 checks the non-allocating form of ToFloat64: every
// element overwritten (bool false included), and no allocation.
func TestLoadFloat64(t *testing.T) {
	dst := []float64{9, 9, 9}
	if err := LoadFloat64(dst, From([]bool{true, false})); err != nil || dst[0] != 1 || dst[1] != 0 || dst[2] != 9 {
		t.Fatalf("bool: %v %v", dst, err)
	}
	h := New(Float16, 2)
	Data[Float16Bits](h)[0], Data[Float16Bits](h)[1] = ToFloat16(1.5), ToFloat16(-2)
	if err := LoadFloat64(dst, h); err != nil || dst[0] != 1.5 || dst[1] != -2 {
		t.Fatalf("float16: %v %v", dst, err)
	}
	if err := LoadFloat64(dst, FromStrings([]string{"a"})); err == nil {
		t.Fatal("string converted")
	}
	x := From([]int32{1, 2, 3})
	if a := testing.AllocsPerRun(10, func() { LoadFloat64(dst, x) }); a != 0 {
		t.Errorf("%v allocations per LoadFloat64", a)
	}
}

// TestLoadHalf checks that LoadHalf inverts StoreHalf on representable
// values, for both half types.
func TestLoadHalf(t *testing.T) {
	src := []float32{0, 1, -2.5, 65504, float32(math.Inf(-1)), float32(math.Ldexp(1, -24))}
	for _, dt := range []DType{Float16, BFloat16} {
		h := New(dt, len(src))
		StoreHalf(h, src)
		got := make([]float32, len(src)+1)
		got[len(src)] = 7
		LoadHalf(got, h)
		for i, v := range src {
			want := v
			if dt == BFloat16 {
				want = ToBFloat16(v).Float32()
			}
			if got[i] != want {
				t.Errorf("%v element %d: %v, want %v", dt, i, got[i], want)
			}
		}
		if got[len(src)] != 7 {
			t.Errorf("%v: LoadHalf wrote past the tensor's elements", dt)
		}
	}
}

func TestScalar(t *testing.T) {
	s := Scalar(int64(7))
	if s.Rank() != 0 || s.Len() != 1 || s.Int64s()[0] != 7 {
		t.Fatalf("scalar: %v %v", s.Shape(), s.Int64s())
	}
}

func TestSplitRows(t *testing.T) {
	x := From([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 6, 2)
	vs, err := x.SplitRows([]int{1, 0, 3, 2})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float32{{1, 2}, {}, {3, 4, 5, 6, 7, 8}, {9, 10, 11, 12}}
	for k, v := range vs {
		if !v.Shape().Equal(Shape{len(want[k]) / 2, 2}) {
			t.Fatalf("view %d shape %v", k, v.Shape())
		}
		got := v.Float32s()
		if len(got) != len(want[k]) || cap(v.Bytes()) != len(v.Bytes()) {
			t.Fatalf("view %d: %v (cap %d bytes of %d)", k, got, cap(v.Bytes()), len(v.Bytes()))
		}
		for i := range got {
			if got[i] != want[k][i] {
				t.Fatalf("view %d: %v, want %v", k, got, want[k])
			}
		}
	}
	// Views share storage with t and reshaping one leaves the others alone.
	vs[2].Float32s()[0] = -3
	if x.Float32s()[2] != -3 {
		t.Fatal("view does not share storage")
	}
	vs[0].Reset(Float32, Shape{2, 1}, vs[0].Bytes())
	if !vs[1].Shape().Equal(Shape{0, 2}) || !vs[0].Shape().Equal(Shape{2, 1}) {
		t.Fatalf("resetting one view's shape changed its neighbour: %v %v", vs[0].Shape(), vs[1].Shape())
	}

	s := FromStrings([]string{"a", "b", "c"}, 3)
	ss, err := s.SplitRows([]int{2, 1})
	if err != nil || len(ss[0].Strings()) != 2 || ss[1].Strings()[0] != "c" {
		t.Fatalf("strings: %v %v", ss, err)
	}

	for _, counts := range [][]int{{1, 2}, {7}, {-1, 7}} {
		if _, err := x.SplitRows(counts); err == nil {
			t.Errorf("counts %v accepted for %v", counts, x.Shape())
		}
	}
	if _, err := Scalar[float32](1).SplitRows([]int{1}); err == nil {
		t.Error("scalar split accepted")
	}
}

// TestStoreFloat64 checks the in-place stores against FromFloat64 and
// ToFloat64 on values that round, saturate and are NaN, for every dtype.
func TestStoreFloat64(t *testing.T) {
	vals := []float64{-1e20, -129.5, -2.5, -0.5, 0, 0.5, 1.5, 2.4, 255.5, 1e20, math.NaN(), math.Inf(1)}
	for _, dt := range []DType{Float32, Float64, Float16, BFloat16, Bool, Int8, Int16, Int32, Int64, Uint8, Uint16, Uint32, Uint64} {
		want, err := FromFloat64(dt, Shape{len(vals)}, vals)
		if err != nil {
			t.Fatal(err)
		}
		got := New(dt, len(vals))
		if err := StoreFloat64(got, vals); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			b := make([]byte, dt.Size())
			if err := PutFloat64(b, dt, v); err != nil {
				t.Fatal(err)
			}
			w := want.Bytes()[i*dt.Size() : (i+1)*dt.Size()]
			if string(b) != string(w) || string(got.Bytes()[i*dt.Size():(i+1)*dt.Size()]) != string(w) {
				t.Fatalf("%v: element %d (%v) stored differently", dt, i, v)
			}
			a, err := ToFloat64(want)
			if err != nil {
				t.Fatal(err)
			}
			if x := Float64At(want, i); math.Float64bits(x) != math.Float64bits(a[i]) {
				t.Fatalf("%v: Float64At(%d) = %v, ToFloat64 %v", dt, i, x, a[i])
			}
		}
	}
	if err := StoreFloat64(New(Float32, 1), []float64{1, 2}); err == nil {
		t.Error("two values stored into one element")
	}
	if err := PutFloat64(make([]byte, 2), Float32, 1); err == nil {
		t.Error("a float32 put into 2 bytes")
	}
	if n := testing.AllocsPerRun(10, func() {
		var buf [8]byte // a stack buffer must stay on the stack
		_ = PutFloat64(buf[:4], Int32, 7.5)
	}); n != 0 {
		t.Errorf("PutFloat64 allocates %v times", n)
	}
}
