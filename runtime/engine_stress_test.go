package runtime_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sinter-ml/sinter/batch"
	"github.com/sinter-ml/sinter/runtime"
	"github.com/sinter-ml/sinter/tensor"
)

// TestEngineStress sends ≥ 100,000 requests from 64 goroutines with random
// priorities, deadlines and cancellations. Every request must get exactly
// one outcome, every success must equal the unbatched result for its own
// input, and no goroutine may outlive Shutdown.
func TestEngineStress(t *testing.T) {
	t.Cleanup(noLeak(t))
	const G, perG = 64, 1600
	if testing.Short() {
		t.Skip("stress test")
	}
	cfg := runtime.DefaultConfig()
	cfg.MaxBatchSize = 32
	cfg.BatchTimeout = time.Millisecond
	cfg.DedupCacheSize = 64 // small, so entries are evicted and recomputed
	e, err := runtime.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.LoadModel(mlpPath); err != nil {
		t.Fatal(err)
	}
	sess, err := runtime.Open(mlpPath)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()

	// A corpus of inputs (1–3 rows) with their unbatched results; repeats
	// exercise de-duplication.
	rng := rand.New(rand.NewPCG(11, 12))
	const corpus = 512
	xs := make([]*tensor.Tensor, corpus)
	want := make([][]float32, corpus)
	for i := range xs {
		xs[i] = randRows(rng, 1+rng.IntN(3), 4)
		want[i] = unbatchedRun(t, sess, xs[i])
	}

	var submitted, outcomes, successes atomic.Int64
	var mu sync.Mutex
	reasons := map[string]int{}
	check := func(i int, r runtime.Result, err error) {
		outcomes.Add(1)
		if err != nil {
			var reason string
			switch {
			case errors.Is(err, runtime.ErrTimeout):
				reason = "timeout"
			case errors.Is(err, context.Canceled):
				reason = "canceled"
			case errors.Is(err, context.DeadlineExceeded):
				reason = "deadline"
			case errors.Is(err, runtime.ErrQueueFull):
				reason = "queue_full"
			default:
				t.Errorf("unexpected error: %v", err)
			}
			mu.Lock()
			reasons[reason]++
			mu.Unlock()
			return
		}
		successes.Add(1)
		y := r.Output("y")
		if y == nil || !nearlyEqual32(y.Float32s(), want[i]) {
			t.Errorf("input %d: batched result differs from unbatched", i)
		}
	}

	start := time.Now()
	var wg sync.WaitGroup
	for g := 0; g < G; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 99))
			for n := 0; n < perG; {
				i := rng.IntN(corpus)
				p := batch.Priority(rng.IntN(3) - 1)
				switch op := rng.IntN(20); {
				case op < 8: // Predict, sometimes with a short context deadline
					ctx, cancel := context.Background(), context.CancelFunc(func() {})
					if rng.IntN(5) == 0 {
						ctx, cancel = context.WithTimeout(ctx, time.Duration(rng.IntN(2000))*time.Microsecond)
					}
					submitted.Add(1)
					r, err := e.Predict(ctx, xs[i])
					cancel()
					check(i, r, err)
					n++
				case op < 17: // Enqueue with a priority, a queue timeout, maybe a cancel
					ctx, cancel := context.WithCancel(context.Background())
					var timeout time.Duration
					if rng.IntN(3) == 0 {
						timeout = time.Duration(rng.IntN(3000)) * time.Microsecond
					}
					submitted.Add(1)
					f := e.Enqueue(ctx, xs[i], p, timeout)
					if rng.IntN(6) == 0 {
						cancel()
					}
					<-f.Done()
					r, err := f.Wait(context.Background())
					cancel()
					check(i, r, err)
					n++
				default: // PredictBatch of 1–4 requests
					k := 1 + rng.IntN(4)
					idx := make([]int, k)
					in := make([]*tensor.Tensor, k)
					for j := range idx {
						idx[j] = rng.IntN(corpus)
						in[j] = xs[idx[j]]
					}
					submitted.Add(int64(k))
					outs := e.PredictBatch(context.Background(), in, time.Duration(rng.IntN(4000))*time.Microsecond)
					if len(outs) != k {
						t.Errorf("PredictBatch: %d outcomes for %d inputs", len(outs), k)
					}
					for j, o := range outs {
						check(idx[j], o.Result, o.Err)
					}
					n += k
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	m := e.Metrics()
	if outcomes.Load() != submitted.Load() || m.TotalRequests != submitted.Load() {
		t.Fatalf("%d submitted, %d outcomes seen, %d recorded", submitted.Load(), outcomes.Load(), m.TotalRequests)
	}
	if submitted.Load() < 100000 {
		t.Fatalf("only %d requests", submitted.Load())
	}
	if m.InFlight != 0 || m.QueueDepth != 0 {
		t.Fatalf("after Shutdown: %d in flight, %d queued", m.InFlight, m.QueueDepth)
	}
	if successes.Load() < submitted.Load()/2 {
		t.Fatalf("only %d of %d succeeded", successes.Load(), submitted.Load())
	}
	t.Logf("%d requests in %v: %d ok, errors %v; avg batch %.1f, cache hits %d misses %d, p99 %v",
		submitted.Load(), elapsed, successes.Load(), reasons, m.AvgBatchSize, m.CacheHits, m.CacheMisses, m.LatencyP99)
}
