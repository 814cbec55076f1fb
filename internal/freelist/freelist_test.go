package freelist

import (
	"runtime"
	"sync"
	"testing"
)

func TestReuse(t *testing.T) {
	var l List[[64]byte]
	a := l.Get()
	a[0] = 7
	l.Put(a)
	if b := l.Get(); b != a {
		t.Fatal("Get after Put made a new object")
	}
	l.Put(nil) // ignored
	if c := l.Get(); c == nil || c == a {
		t.Fatal("empty list did not make a new object")
	}
	n := 0
	m := List[int]{New: func() *int { n++; return new(int) }}
	m.Put(m.Get())
	m.Get()
	if n != 1 {
		t.Fatalf("New called %d times, want 1", n)
	}
}

// TestSteadyStateAcrossProcessorsAndGC: unlike sync.Pool, objects survive
// garbage collections and any goroutine can take any free object, so a
// loop of Get/Put from goroutines that migrate allocates nothing.
func TestSteadyStateAcrossProcessorsAndGC(t *testing.T) {
	var l List[[256]byte]
	var wg sync.WaitGroup
	const workers = 4
	cycle := func() {
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				x := l.Get()
				runtime.Gosched()
				l.Put(x)
			}()
		}
		wg.Wait()
	}
	for range 10 {
		cycle() // reach the peak number of objects
	}
	runtime.GC()
	l.mu.Lock()
	held := len(l.free)
	l.mu.Unlock()
	if held == 0 || held > workers {
		t.Fatalf("holds %d objects after a GC, want 1..%d", held, workers)
	}
	var made int
	l.New = func() *[256]byte { made++; return new([256]byte) }
	for range 200 {
		x := l.Get()
		l.Put(x)
	}
	if made != 0 {
		t.Fatalf("made %d objects in a steady state", made)
	}
}

func BenchmarkGetPut(b *testing.B) {
	var l List[[64]byte]
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.Put(l.Get())
		}
	})
}
