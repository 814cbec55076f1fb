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

func TestScalar(t *testing.T) {
	s := Scalar(int64(7))
	if s.Rank() != 0 || s.Len() != 1 || s.Int64s()[0] != 7 {
		t.Fatalf("scalar: %v %v", s.Shape(), s.Int64s())
	}
}
