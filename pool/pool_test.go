package pool

import (
	"sync"
	"testing"

	"github.com/sinter-ml/sinter/tensor"
)

func TestReuseIsZeroed(t *testing.T) {
	p := New(2)
	a := p.Get([]int{2, 3}, tensor.Float32)
	for i := range a.Float32s() {
		a.Float32s()[i] = float32(i + 1)
	}
	p.Put(a)
	if s := p.Stats(); s.Buffers != 1 || s.BytesHeld != 24 || s.Misses != 1 {
		t.Fatalf("stats after put: %+v", s)
	}
	b := p.Get([]int{2, 3}, tensor.Float32)
	if b != a {
		t.Fatal("buffer not reused")
	}
	for i, v := range b.Float32s() {
		if v != 0 {
			t.Fatalf("element %d = %v after reuse, want 0", i, v)
		}
	}
	if s := p.Stats(); s.Hits != 1 || s.Buffers != 0 || s.BytesHeld != 0 {
		t.Fatalf("stats after reuse: %+v", s)
	}
}

func TestKeysOnShapeAndDType(t *testing.T) {
	p := New(4)
	p.Put(tensor.New(tensor.Float32, 2, 3))
	for _, c := range []struct {
		shape []int
		dt    tensor.DType
	}{{[]int{3, 2}, tensor.Float32}, {[]int{6}, tensor.Float32}, {[]int{2, 3}, tensor.Int32}, {[]int{2, 3, 1}, tensor.Float32}} {
		g := p.Get(c.shape, c.dt)
		if !g.Shape().Equal(c.shape) || g.DType() != c.dt {
			t.Fatalf("Get(%v, %v) returned %v", c.shape, c.dt, g)
		}
	}
	if s := p.Stats(); s.Hits != 0 || s.Misses != 4 || s.Buffers != 1 {
		t.Fatalf("stats: %+v", s)
	}
}

func TestBoundsAndClear(t *testing.T) {
	p := New(2)
	for i := 0; i < 5; i++ {
		p.Put(tensor.New(tensor.Float64, 4))
	}
	p.Put(tensor.FromStrings([]string{"a"}))
	p.Put(nil)
	s := p.Stats()
	if s.Buffers != 2 || s.Discarded != 4 || s.BytesHeld != 64 {
		t.Fatalf("stats: %+v", s)
	}
	p.Clear()
	if s := p.Stats(); s.Buffers != 0 || s.BytesHeld != 0 {
		t.Fatalf("after Clear: %+v", s)
	}
	if g := p.Get([]int{4}, tensor.Float64); g == nil || g.Len() != 4 {
		t.Fatal("Get after Clear")
	}
	if g := p.Get([]int{2}, tensor.String); g.DType() != tensor.String || g.Len() != 2 {
		t.Fatal("string Get")
	}
}

func TestConcurrent(t *testing.T) {
	p := New(8)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				x := p.Get([]int{1 + i%3, 4}, tensor.Float32)
				for k, v := range x.Float32s() {
					if v != 0 {
						t.Errorf("dirty buffer at %d", k)
						return
					}
					x.Float32s()[k] = 1
				}
				p.Put(x)
			}
		}()
	}
	wg.Wait()
	s := p.Stats()
	if s.Hits+s.Misses != 16000 || s.Buffers > 3*8 {
		t.Fatalf("stats: %+v", s)
	}
}

// BenchmarkGetPut is the steady state of a serving loop: it must not allocate.
func BenchmarkGetPut(b *testing.B) {
	p := New(4)
	shape := []int{64, 16}
	p.Put(p.Get(shape, tensor.Float32))
	b.ReportAllocs()
	for b.Loop() {
		p.Put(p.Get(shape, tensor.Float32))
	}
}

func TestGetPutDoesNotAllocate(t *testing.T) {
	p := New(4)
	shape := []int{64, 16}
	p.Put(p.Get(shape, tensor.Float32))
	if n := testing.AllocsPerRun(1000, func() { p.Put(p.Get(shape, tensor.Float32)) }); n != 0 {
		t.Fatalf("%v allocs per Get/Put, want 0", n)
	}
}
