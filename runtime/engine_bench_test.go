package runtime_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sinter-ml/sinter/batch"
	"github.com/sinter-ml/sinter/runtime"
	"github.com/sinter-ml/sinter/tensor"
)

// benchDims is the MLP the engine benchmarks serve: 64 → 256 → 256 → 10.
var benchDims = []int{64, 256, 256, 10}

func benchEngine(b *testing.B, cfg runtime.Config, dims ...int) *runtime.Engine {
	e, err := runtime.NewEngine(cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := e.LoadModelBytes(mlpBytes(b, dims...)); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Shutdown(context.Background()) })
	return e
}

func pct99(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[(len(d)*99)/100]
}

func pct50(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[len(d)/2]
}

// BenchmarkEngineMLP: 64 concurrent callers, each sending one row at a
// time, with batching on and off, on MLPs of seven shapes, from one whose
// weights fit in L1 to one (1024-2048-2048-10, 25 MB) that a single-row
// run must stream from the last-level cache: batching pays off as its
// rows share each weight load. Reports throughput, the callers' p99
// latency and the p50 compute time of one model run.
func BenchmarkEngineMLP(b *testing.B) {
	for _, dims := range [][]int{{4, 8, 3}, {784, 512, 512, 10}, {1024, 2048, 2048, 10}, {16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 4}, {16, 32, 32, 32, 32, 32, 32, 32, 32, 4}, {32, 64, 64, 8}, benchDims} {
		for _, on := range []bool{true, false} {
			name := "mlp=" + dimsName(dims) + "/batching=off"
			if on {
				name = "mlp=" + dimsName(dims) + "/batching=on"
			}
			b.Run(name, func(b *testing.B) { benchMLP(b, dims, on) })
		}
	}
}

func dimsName(dims []int) string {
	s := ""
	for i, d := range dims {
		if i > 0 {
			s += "-"
		}
		s += strconv.Itoa(d)
	}
	return s
}

func benchMLP(b *testing.B, dims []int, on bool) {
	{
		{
			cfg := runtime.DefaultConfig()
			cfg.EnableBatching = on
			cfg.EnableRequestDeduplication = false // distinct inputs anyway
			if v, err := strconv.Atoi(os.Getenv("SINTER_BENCH_MAXBATCH")); err == nil {
				cfg.MaxBatchSize = v
			}
			e, err := runtime.NewEngine(cfg)
			if err != nil {
				b.Fatal(err)
			}
			if err := e.LoadModelBytes(mlpBytes(b, dims...)); err != nil {
				b.Fatal(err)
			}
			defer e.Shutdown(context.Background())
			const callers = 64
			rng := rand.New(rand.NewPCG(1, 1))
			xs := make([]*tensor.Tensor, 256)
			for i := range xs {
				xs[i] = randRows(rng, 1, dims[0])
			}
			var next atomic.Int64
			lats := make([][]time.Duration, callers)
			b.ResetTimer()
			var wg sync.WaitGroup
			for g := 0; g < callers; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						t0 := time.Now()
						if _, err := e.Predict(context.Background(), xs[i%int64(len(xs))]); err != nil {
							b.Error(err)
							return
						}
						lats[g] = append(lats[g], time.Since(t0))
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			all := slices.Concat(lats...)
			m := e.Metrics()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			b.ReportMetric(float64(pct99(all).Microseconds()), "p99-µs")
			b.ReportMetric(float64(m.ComputeTimeP50.Microseconds()), "run-p50-µs")
			b.ReportMetric(m.AvgBatchSize, "avg-batch")
		}
	}
}

// BenchmarkEnginePriority saturates the engine serving a 784-512-512-10
// MLP: 4 submitters each enqueue bursts of 256 requests (one in eight high
// priority, the rest low) without waiting, then collect them, so the queue
// stays hundreds deep. Reports each class's p50 and p99 queue time.
func BenchmarkEnginePriority(b *testing.B) {
	// Saturation means compute is the bottleneck. On the 64-256-256-10
	// benchDims MLP a 16-row batch computes in ~20 µs, about what its 16
	// Enqueue calls cost, so the queue's depth there follows goroutine
	// scheduling rather than load; this MLP's batch takes ~250 µs.
	priorityDims := []int{784, 512, 512, 10}
	cfg := runtime.DefaultConfig()
	cfg.MaxBatchSize = 16
	cfg.MaxQueueSize = 4096
	cfg.MaxConcurrentRequests = 4096
	cfg.EnableRequestDeduplication = false
	e := benchEngine(b, cfg, priorityDims...)
	x := randRows(rand.New(rand.NewPCG(2, 2)), 1, priorityDims[0])
	var next atomic.Int64
	var mu sync.Mutex
	qt := map[batch.Priority][]time.Duration{}
	b.ResetTimer()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var hi, lo []time.Duration
			fs := make([]*runtime.Future, 0, 256)
			ps := make([]batch.Priority, 0, 256)
			for next.Load() < int64(b.N) {
				fs, ps = fs[:0], ps[:0]
				for k := 0; k < 256 && next.Add(1) <= int64(b.N); k++ {
					p := batch.PriorityLow
					if k%8 == 0 {
						p = batch.PriorityHigh
					}
					fs = append(fs, e.Enqueue(context.Background(), x, p, 0))
					ps = append(ps, p)
				}
				for k, f := range fs {
					r, err := f.Wait(context.Background())
					if err != nil {
						b.Error(err)
						return
					}
					if ps[k] == batch.PriorityHigh {
						hi = append(hi, r.Metadata.QueueTime)
					} else {
						lo = append(lo, r.Metadata.QueueTime)
					}
				}
			}
			mu.Lock()
			qt[batch.PriorityHigh] = append(qt[batch.PriorityHigh], hi...)
			qt[batch.PriorityLow] = append(qt[batch.PriorityLow], lo...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	b.StopTimer()
	hi, lo := pct99(qt[batch.PriorityHigh]), pct99(qt[batch.PriorityLow])
	b.ReportMetric(float64(hi.Microseconds()), "high-p99-queue-µs")
	b.ReportMetric(float64(lo.Microseconds()), "low-p99-queue-µs")
	if lo > 0 {
		b.ReportMetric(float64(hi)/float64(lo), "high/low")
	}
	b.ReportMetric(e.Metrics().AvgBatchSize, "avg-batch")
	b.ReportMetric(float64(pct50(qt[batch.PriorityHigh]).Microseconds()), "high-p50-queue-µs")
	b.ReportMetric(float64(pct50(qt[batch.PriorityLow]).Microseconds()), "low-p50-queue-µs")
}

// BenchmarkEngineDeadline queues requests that can never be dispatched
// (the batch never fills) with deadlines 1–20 ms away and reports how late
// their ErrTimeout outcomes arrive. One collector goroutine waits for the
// futures in deadline order, so the figure is the engine's lateness plus
// one goroutine wake-up.
func BenchmarkEngineDeadline(b *testing.B) {
	cfg := runtime.DefaultConfig()
	cfg.BatchTimeout = time.Hour
	cfg.MaxBatchSize = 1 << 20
	cfg.MaxQueueSize = 1 << 20
	cfg.MaxConcurrentRequests = 1 << 20
	e := benchEngine(b, cfg, benchDims...)
	x := randRows(rand.New(rand.NewPCG(3, 3)), 1, benchDims[0])
	rng := rand.New(rand.NewPCG(4, 4))
	type pending struct {
		dl time.Time
		f  *runtime.Future
	}
	// The collector keeps the pending requests in deadline order and waits
	// on the earliest.
	// The collector allocates nothing while it measures (late and h are
	// sized up front): an allocating collector is made to assist the
	// garbage collector, and its own delay would count as lateness.
	ch := make(chan pending, 1024)
	late := make([]time.Duration, 0, b.N)
	done := make(chan struct{})
	go func() {
		defer close(done)
		h := make([]pending, 0, min(b.N, 1<<16))
		in := ch
		for in != nil || len(h) > 0 {
			if len(h) == 0 {
				p, ok := <-in
				if !ok {
					in = nil
					continue
				}
				h = append(h, p)
				continue
			}
			i := 0
			for k := range h {
				if h[k].dl.Before(h[i].dl) {
					i = k
				}
			}
			select {
			case p, ok := <-in:
				if !ok {
					in = nil
				} else {
					h = append(h, p)
				}
			case <-h[i].f.Done():
				late = append(late, time.Since(h[i].dl))
				if _, err := h[i].f.Wait(context.Background()); !errors.Is(err, runtime.ErrTimeout) {
					b.Errorf("got %v, want ErrTimeout", err)
				}
				h[i] = h[len(h)-1]
				h = h[:len(h)-1]
			}
		}
	}()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		timeout := time.Millisecond + time.Duration(rng.IntN(19000))*time.Microsecond
		dl := time.Now().Add(timeout)
		ch <- pending{dl, e.Enqueue(context.Background(), x, 0, timeout)}
		if i%16 == 15 {
			time.Sleep(time.Millisecond) // spread the deadlines out
		}
	}
	close(ch)
	<-done
	b.StopTimer()
	slices.Sort(late)
	b.ReportMetric(float64(late[len(late)/2].Microseconds()), "late-p50-µs")
	b.ReportMetric(float64(pct99(late).Microseconds()), "late-p99-µs")
	b.ReportMetric(float64(late[len(late)*999/1000].Microseconds()), "late-p999-µs")
	b.ReportMetric(float64(late[len(late)-1].Microseconds()), "late-max-µs")
}
