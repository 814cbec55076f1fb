package batch

import (
	"errors"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sinter-ml/sinter/tensor"
)

func row(cols int) []*tensor.Tensor { return []*tensor.Tensor{tensor.New(tensor.Float32, 1, cols)} }

// checkNoLeak fails if goroutines started during the test outlive it.
func checkNoLeak(t *testing.T) func() {
	before := runtime.NumGoroutine()
	return func() {
		t.Helper()
		for i := 0; i < 200; i++ {
			if runtime.NumGoroutine() <= before {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
	}
}

func TestPriorityThenFIFO(t *testing.T) {
	defer checkNoLeak(t)()
	var mu sync.Mutex
	var order []string
	var sizes []int
	b := New(func(rs []*Request) {
		mu.Lock()
		defer mu.Unlock()
		sizes = append(sizes, len(rs))
		for _, r := range rs {
			order = append(order, r.ID)
		}
	}, Options{MaxBatchSize: 3, MaxWait: time.Hour})
	prios := []Priority{PriorityLow, PriorityNormal, PriorityHigh, PriorityLow, PriorityHigh, PriorityNormal, PriorityNormal, PriorityLow, PriorityHigh}
	names := []string{"l1", "n1", "h1", "l2", "h2", "n2", "n3", "l3", "h3"}
	for i, p := range prios {
		if err := b.Enqueue(&Request{ID: names[i], Priority: p, Inputs: row(4)}); err != nil {
			t.Fatal(err)
		}
	}
	b.Start()
	if err := b.Stop(time.Second); err != nil {
		t.Fatal(err)
	}
	want := []string{"h1", "h2", "h3", "n1", "n2", "n3", "l1", "l2", "l3"}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
	if len(sizes) != 3 || sizes[0] != 3 {
		t.Fatalf("batch sizes %v", sizes)
	}
	if err := b.Enqueue(&Request{Inputs: row(4)}); !errors.Is(err, ErrStopped) {
		t.Fatalf("Enqueue after Stop: %v", err)
	}
}

func TestOnlyCompatibleShapesShareABatch(t *testing.T) {
	defer checkNoLeak(t)()
	var mu sync.Mutex
	var batches [][]string
	b := New(func(rs []*Request) {
		var ids []string
		for _, r := range rs {
			ids = append(ids, r.ID)
		}
		mu.Lock()
		batches = append(batches, ids)
		mu.Unlock()
	}, Options{MaxBatchSize: 8, MaxWait: time.Hour})
	add := func(id string, dt tensor.DType, shape ...int) {
		if err := b.Enqueue(&Request{ID: id, Inputs: []*tensor.Tensor{tensor.New(dt, shape...)}}); err != nil {
			t.Fatal(err)
		}
	}
	add("a", tensor.Float32, 1, 4)
	add("b", tensor.Float32, 1, 5)
	add("c", tensor.Float32, 3, 4)
	add("d", tensor.Float64, 1, 4)
	add("e", tensor.Float32, 1, 4, 1)
	add("f", tensor.Float32, 2, 4)
	if err := b.Enqueue(&Request{ID: "s", Solo: true, Inputs: row(4)}); err != nil {
		t.Fatal(err)
	}
	b.Start()
	b.Stop(time.Second)
	got := map[string]int{}
	for _, bt := range batches {
		for _, id := range bt {
			got[id] = len(bt)
		}
	}
	want := map[string]int{"a": 3, "c": 3, "f": 3, "b": 1, "d": 1, "e": 1, "s": 1}
	for id, n := range want {
		if got[id] != n {
			t.Fatalf("batches %v", batches)
		}
	}
}

func TestBatchGoesWhenFullOrOnTimeout(t *testing.T) {
	defer checkNoLeak(t)()
	type ev struct {
		n  int
		at time.Time
	}
	evs := make(chan ev, 16)
	b := New(func(rs []*Request) { evs <- ev{len(rs), time.Now()} }, Options{MaxBatchSize: 4, MaxWait: 100 * time.Millisecond})
	b.Start()
	defer b.Stop(time.Second)

	start := time.Now()
	for i := 0; i < 4; i++ {
		b.Enqueue(&Request{Inputs: row(2)})
	}
	e := <-evs
	if e.n != 4 || e.at.Sub(start) > 50*time.Millisecond {
		t.Fatalf("full batch: %d requests after %v", e.n, e.at.Sub(start))
	}
	start = time.Now()
	b.Enqueue(&Request{Inputs: row(2)})
	time.Sleep(10 * time.Millisecond)
	b.Enqueue(&Request{Inputs: row(2)})
	e = <-evs
	if waited := e.at.Sub(start); e.n != 2 || waited < 100*time.Millisecond || waited > 400*time.Millisecond {
		t.Fatalf("partial batch: %d requests after %v, want 2 after ~100ms", e.n, waited)
	}
}

func TestRemainderOfAGroupTimesOut(t *testing.T) {
	defer checkNoLeak(t)()
	got := make(chan int, 16)
	b := New(func(rs []*Request) { got <- len(rs) }, Options{MaxBatchSize: 4, MaxWait: 20 * time.Millisecond})
	for i := 0; i < 6; i++ {
		b.Enqueue(&Request{Inputs: row(2)})
	}
	b.Start()
	defer b.Stop(time.Second)
	if n := <-got; n != 4 {
		t.Fatalf("first batch %d", n)
	}
	select {
	case n := <-got:
		if n != 2 {
			t.Fatalf("second batch %d", n)
		}
	case <-time.After(time.Second):
		t.Fatal("the remainder never went")
	}
}

func TestDeadlineAndCancel(t *testing.T) {
	defer checkNoLeak(t)()
	block := make(chan struct{})
	var processed []string
	var mu sync.Mutex
	dropped := make(chan time.Duration, 4)
	b := New(func(rs []*Request) {
		<-block
		mu.Lock()
		for _, r := range rs {
			processed = append(processed, r.ID)
		}
		mu.Unlock()
	}, Options{MaxBatchSize: 1, OnDrop: func(r *Request, err error) {
		if !errors.Is(err, ErrTimeout) {
			t.Errorf("drop error %v", err)
		}
		dropped <- time.Since(r.Deadline)
	}})
	b.Start()
	b.Enqueue(&Request{ID: "busy", Inputs: row(1)}) // occupies the worker
	time.Sleep(5 * time.Millisecond)
	late := &Request{ID: "late", Inputs: row(1), Deadline: time.Now().Add(15 * time.Millisecond)}
	gone := &Request{ID: "gone", Inputs: row(1)}
	keep := &Request{ID: "keep", Inputs: row(1)}
	for _, r := range []*Request{late, gone, keep} {
		if err := b.Enqueue(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Enqueue(keep); !errors.Is(err, ErrBusy) {
		t.Fatalf("double enqueue: %v", err)
	}
	if !b.Cancel(gone) || b.Cancel(gone) {
		t.Fatal("Cancel of a queued request")
	}
	select {
	case d := <-dropped:
		if d > 50*time.Millisecond { // BenchmarkEngineDeadline measures precision
			t.Errorf("deadline fired %v late", d)
		}
	case <-time.After(time.Second):
		t.Fatal("deadline never fired")
	}
	if err := b.Enqueue(&Request{Inputs: row(1), Deadline: time.Now().Add(-time.Millisecond)}); !errors.Is(err, ErrTimeout) {
		t.Fatalf("expired at enqueue: %v", err)
	}
	close(block)
	b.Stop(time.Second)
	if len(processed) != 2 || processed[0] != "busy" || processed[1] != "keep" {
		t.Fatalf("processed %v", processed)
	}
	s := b.Stats()
	if s.Expired != 2 || s.Cancelled != 1 || s.Processed != 2 || s.QueueDepth != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestQueueFullAndStopTimeout(t *testing.T) {
	defer checkNoLeak(t)()
	block := make(chan struct{})
	var drops atomic.Int32
	b := New(func(rs []*Request) { <-block }, Options{MaxBatchSize: 1, MaxQueueSize: 3, OnDrop: func(r *Request, err error) {
		if errors.Is(err, ErrStopped) {
			drops.Add(1)
		}
	}})
	b.Start()
	b.Enqueue(&Request{Inputs: row(1)})
	time.Sleep(5 * time.Millisecond) // the worker takes it and blocks
	for i := 0; i < 3; i++ {
		if err := b.Enqueue(&Request{Inputs: row(1)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Enqueue(&Request{Inputs: row(1)}); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("got %v, want ErrQueueFull", err)
	}
	go func() { time.Sleep(50 * time.Millisecond); close(block) }()
	err := b.Stop(10 * time.Millisecond)
	if !errors.Is(err, ErrStopped) || drops.Load() != 3 {
		t.Fatalf("Stop: %v, %d dropped", err, drops.Load())
	}
}

// TestStress checks that every request gets exactly one fate under random
// priorities, deadlines and cancellations.
func TestStress(t *testing.T) {
	defer checkNoLeak(t)()
	const G, N = 32, 2000
	fates := make([]atomic.Int32, G*N)
	var prev atomic.Int64
	b := New(func(rs []*Request) {
		for _, r := range rs {
			fates[r.Payload.(int)].Add(1)
		}
		// Shapes within a batch agree beyond axis 0.
		for _, r := range rs[1:] {
			if !compatible(rs[0], r) {
				t.Error("incompatible requests share a batch")
			}
		}
		prev.Add(int64(len(rs)))
	}, Options{MaxBatchSize: 16, MaxWait: 200 * time.Microsecond, MaxQueueSize: 256, Workers: 2,
		OnDrop: func(r *Request, err error) { fates[r.Payload.(int)].Add(1) }})
	b.Start()
	var wg sync.WaitGroup
	for g := 0; g < G; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for i := 0; i < N; i++ {
				id := g*N + i
				r := &Request{Payload: id, Priority: Priority(rng.IntN(3) - 1), Inputs: row(1 + rng.IntN(2))}
				if rng.IntN(4) == 0 {
					r.Deadline = time.Now().Add(time.Duration(rng.IntN(500)) * time.Microsecond)
				}
				if err := b.Enqueue(r); err != nil {
					fates[id].Add(1)
					continue
				}
				if rng.IntN(5) == 0 && b.Cancel(r) {
					fates[id].Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if err := b.Stop(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	for i := range fates {
		if n := fates[i].Load(); n != 1 {
			t.Fatalf("request %d had %d fates", i, n)
		}
	}
	s := b.Stats()
	if s.Processed != prev.Load() || s.QueueDepth != 0 {
		t.Fatalf("stats %+v", s)
	}
	t.Logf("stats: enq %d rej %d proc %d batches %d (avg %.1f) exp %d canc %d", s.Enqueued, s.Rejected, s.Processed, s.Batches, s.AvgBatchSize(), s.Expired, s.Cancelled)
}

// steady enqueues preallocated requests and waits for each full batch; its
// allocations are the batcher's own.
type steady struct {
	b    *Batcher
	reqs []*Request
	done chan struct{}
}

func newSteady(size int) *steady {
	s := &steady{done: make(chan struct{}, 1)}
	var seen int
	s.b = New(func(rs []*Request) {
		seen += len(rs)
		if seen == size {
			seen = 0
			s.done <- struct{}{}
		}
	}, Options{MaxBatchSize: size, MaxWait: time.Second})
	for i := 0; i < size; i++ {
		s.reqs = append(s.reqs, &Request{Inputs: row(8), Deadline: time.Now().Add(time.Hour)})
	}
	s.b.Start()
	return s
}

func (s *steady) round() {
	for _, r := range s.reqs {
		if err := s.b.Enqueue(r); err != nil {
			panic(err)
		}
	}
	<-s.done
}

func TestSteadyStateDoesNotAllocate(t *testing.T) {
	s := newSteady(16)
	defer s.b.Stop(time.Second)
	s.round()
	if n := testing.AllocsPerRun(200, s.round); n != 0 {
		t.Fatalf("%v allocs per 16-request round, want 0", n)
	}
}

// BenchmarkEnqueueDispatch reports the cost per request of enqueueing and
// dispatching full batches of 16 (allocs/op must be 0).
func BenchmarkEnqueueDispatch(b *testing.B) {
	s := newSteady(16)
	defer s.b.Stop(time.Second)
	s.round()
	b.ReportAllocs()
	for b.Loop() {
		s.round()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*16), "ns/request")
}
