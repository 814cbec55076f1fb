package parallel

import (
	"sync"
	"sync/atomic"
	"testing"
)

func TestRunCoversEveryTaskOnce(t *testing.T) {
	for _, threads := range []int{1, 2, 3, 8} {
		p := New(Options{Threads: threads, Pin: true})
		for _, n := range []int{0, 1, 2, 7, 100, 1000} {
			hits := make([]atomic.Int32, n)
			slots := p.Slots(n)
			var bad atomic.Bool
			p.Run(n, func(slot, task int) {
				if slot < 0 || slot >= slots {
					bad.Store(true)
				}
				hits[task].Add(1)
			})
			if bad.Load() {
				t.Fatalf("threads %d n %d: slot out of range", threads, n)
			}
			for i := range hits {
				if hits[i].Load() != 1 {
					t.Fatalf("threads %d n %d: task %d ran %d times", threads, n, i, hits[i].Load())
				}
			}
		}
		p.Close()
		p.Close()
		p.Run(3, func(int, int) {}) // closed pool: runs on the caller
	}
}

func TestSlotsAreExclusive(t *testing.T) {
	p := New(Options{Threads: 4})
	defer p.Close()
	var wg sync.WaitGroup
	for range 4 { // concurrent Runs share the helpers
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				busy := make([]atomic.Int32, p.Slots(64))
				p.Run(64, func(slot, task int) {
					if busy[slot].Add(1) != 1 {
						t.Error("slot used by two goroutines at once")
					}
					busy[slot].Add(-1)
				})
			}
		}()
	}
	wg.Wait()
}

func TestPanicPropagates(t *testing.T) {
	p := New(Options{Threads: 2})
	defer p.Close()
	defer func() {
		if r := recover(); r != "boom" {
			t.Fatalf("recovered %v", r)
		}
	}()
	p.Run(16, func(slot, task int) {
		if task == 5 {
			panic("boom")
		}
	})
}

func TestPinning(t *testing.T) {
	p := New(Options{Threads: 2, Pin: true})
	defer p.Close()
	p.Run(2, func(int, int) {})
	t.Logf("pinned helpers: %d, allowed CPUs %v", p.Pinned(), allowedCPUs())
}

func BenchmarkRunOverhead(b *testing.B) {
	p := Default()
	for b.Loop() {
		p.Run(p.Threads(), func(int, int) {})
	}
}

// countTask records which tasks ran.
type countTask struct{ hits []atomic.Int32 }

func (c *countTask) Run(_, task int) { c.hits[task].Add(1) }

func TestRunTaskCoversEveryTaskOnceWithoutAllocating(t *testing.T) {
	for _, threads := range []int{1, 2, 3} {
		p := New(Options{Threads: threads})
		for _, n := range []int{0, 1, 5, 64} {
			c := &countTask{hits: make([]atomic.Int32, n)}
			p.RunTask(n, c)
			for i := range c.hits {
				if c.hits[i].Load() != 1 {
					t.Fatalf("threads %d n %d: task %d ran %d times", threads, n, i, c.hits[i].Load())
				}
			}
		}
		c := &countTask{hits: make([]atomic.Int32, 16)}
		p.RunTask(16, c) // warm the job pool
		if a := testing.AllocsPerRun(200, func() { p.RunTask(16, c) }); a != 0 {
			t.Errorf("threads %d: RunTask allocates %.1f times per call", threads, a)
		}
		p.Close()
	}
}

// BenchmarkHandOff times a Run of two no-op tasks back to back: the cost a
// kernel pays for splitting its work at all.
func BenchmarkHandOff(b *testing.B) {
	p := New(Options{Threads: 2})
	defer p.Close()
	c := &countTask{hits: make([]atomic.Int32, 2)}
	for b.Loop() {
		p.RunTask(2, c)
	}
}

// rangeHits counts how often each item is covered.
type rangeHits struct{ hits []atomic.Int32 }

func (r *rangeHits) Range(lo, hi int) {
	for i := lo; i < hi; i++ {
		r.hits[i].Add(1)
	}
}

func TestRunRangesCoversEveryItemOnce(t *testing.T) {
	var nilPool *Pool
	pools := []*Pool{nilPool, New(Options{Threads: 1}), New(Options{Threads: 3})}
	for _, p := range pools {
		for _, n := range []int{0, 1, 7, 64, 1000} {
			for _, grain := range []int{0, 1, 5, 64, 2000} {
				r := &rangeHits{hits: make([]atomic.Int32, n)}
				p.RunRanges(n, grain, r)
				for i := range r.hits {
					if r.hits[i].Load() != 1 {
						t.Fatalf("n %d grain %d: item %d covered %d times", n, grain, i, r.hits[i].Load())
					}
				}
			}
		}
		if p != nil {
			p.Close()
		}
	}
}
