package runtime_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sinter-ml/sinter/batch"
	"github.com/sinter-ml/sinter/runtime"
	"github.com/sinter-ml/sinter/tensor"
)

func newEngine(t *testing.T, cfg runtime.Config) *runtime.Engine {
	t.Helper()
	e, err := runtime.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.LoadModel(mlpPath); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return e
}

func unbatchedRun(t testing.TB, sess *runtime.Session, x *tensor.Tensor) []float32 {
	out, err := sess.Run([]*tensor.Tensor{x})
	if err != nil {
		t.Fatal(err)
	}
	return out[0].Float32s()
}

func TestEngineBatchesAndSplitsExactly(t *testing.T) {
	t.Cleanup(noLeak(t))
	cfg := runtime.DefaultConfig()
	cfg.BatchTimeout = 5 * time.Second // the batch fills long before
	cfg.MaxBatchSize = 8
	cfg.EnableRequestDeduplication = false
	e := newEngine(t, cfg)
	sess, err := runtime.Open(mlpPath)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	var xs []*tensor.Tensor
	for i := 0; i < 8; i++ {
		xs = append(xs, randRows(rng, 1+i%3, 4)) // requests of 1–3 rows
	}
	res := make([]runtime.Result, len(xs))
	var wg sync.WaitGroup
	for i, x := range xs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := e.Predict(context.Background(), x)
			if err != nil {
				t.Error(err)
			}
			res[i] = r
		}()
	}
	wg.Wait()
	for i, r := range res {
		y := r.Output("y")
		if y == nil || !y.Shape().Equal(tensor.Shape{xs[i].Shape()[0], 3}) {
			t.Fatalf("request %d: output %v", i, y)
		}
		if !nearlyEqual32(y.Float32s(), unbatchedRun(t, sess, xs[i])) {
			t.Fatalf("request %d differs from its unbatched result", i)
		}
		if r.Metadata.BatchSize != 8 || r.Metadata.RequestID == "" || r.Metadata.ComputeTime <= 0 {
			t.Fatalf("request %d metadata %+v", i, r.Metadata)
		}
	}
	// Each request owns its outputs: overwriting one leaves the others (which
	// may share the batch's storage) exactly as they were.
	for i, r := range res {
		clear(r.Output("y").Float32s())
		for j := i + 1; j < len(res); j++ {
			if !nearlyEqual32(res[j].Output("y").Float32s(), unbatchedRun(t, sess, xs[j])) {
				t.Fatalf("overwriting request %d's output changed request %d's", i, j)
			}
		}
	}
	m := e.Metrics()
	if m.TotalRequests != 8 || m.TotalBatches != 1 || m.AvgBatchSize != 8 || m.BatchSizes[8] != 1 {
		t.Fatalf("metrics %+v", m)
	}
}

// A full batch with idle run slots is computed in concurrent parts; every
// request must still get exactly its own rows.
func TestEngineSplitsLargeBatchesOverIdleSlots(t *testing.T) {
	t.Cleanup(noLeak(t))
	cfg := runtime.DefaultConfig()
	cfg.BatchTimeout = 5 * time.Second
	cfg.MaxBatchSize = 64
	cfg.NumThreads = 4 // three idle slots: four parts of 16 requests
	cfg.EnableRequestDeduplication = false
	e := newEngine(t, cfg)
	sess, err := runtime.Open(mlpPath)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	rng := rand.New(rand.NewPCG(5, 6))
	xs := make([]*tensor.Tensor, 64)
	for i := range xs {
		xs[i] = randRows(rng, 1+i%3, 4)
	}
	res := make([]runtime.Result, len(xs))
	var wg sync.WaitGroup
	for i, x := range xs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := e.Predict(context.Background(), x)
			if err != nil {
				t.Error(err)
			}
			res[i] = r
		}()
	}
	wg.Wait()
	for i, r := range res {
		y := r.Output("y")
		if y == nil || !nearlyEqual32(y.Float32s(), unbatchedRun(t, sess, xs[i])) {
			t.Fatalf("request %d differs from its unbatched result", i)
		}
		if r.Metadata.BatchSize != 64 {
			t.Fatalf("request %d: batch size %d, want 64", i, r.Metadata.BatchSize)
		}
	}
	if m := e.Metrics(); m.TotalBatches != 1 {
		t.Fatalf("%d batches, want 1", m.TotalBatches)
	}
}

func TestEngineQueueSemantics(t *testing.T) {
	t.Cleanup(noLeak(t))
	cfg := runtime.DefaultConfig()
	cfg.BatchTimeout = time.Hour // nothing leaves the queue unless full
	cfg.MaxQueueSize = 3
	e := newEngine(t, cfg)
	ctx := context.Background()
	x := tensor.FromFloat32([]float32{1, 2, 3, 4}, 1, 4)

	// A deadline that passes in the queue: ErrTimeout, promptly.
	start := time.Now()
	f := e.Enqueue(ctx, x, batch.PriorityNormal, 20*time.Millisecond)
	if _, err := f.Wait(ctx); !errors.Is(err, runtime.ErrTimeout) {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d < 20*time.Millisecond || d > time.Second {
		t.Fatalf("timed out after %v", d)
	}

	// Cancelling the context leaves the queue at once.
	cctx, cancel := context.WithCancel(ctx)
	f = e.Enqueue(cctx, x, batch.PriorityLow, 0)
	if e.Metrics().QueueDepth != 1 {
		t.Fatal("request not queued")
	}
	cancel()
	select {
	case <-f.Done():
	case <-time.After(time.Second):
		t.Fatal("cancel did not complete the future")
	}
	if _, err := f.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if d := e.Metrics().QueueDepth; d != 0 {
		t.Fatalf("queue depth %d after cancel", d)
	}

	// A full queue rejects at once.
	var fs []*runtime.Future
	for i := 0; i < 3; i++ {
		fs = append(fs, e.Enqueue(ctx, x, batch.PriorityNormal, 0))
	}
	if _, err := e.Enqueue(ctx, x, batch.PriorityNormal, 0).Wait(ctx); !errors.Is(err, runtime.ErrQueueFull) {
		t.Fatalf("got %v, want ErrQueueFull", err)
	}
	// Wait's own context only bounds the wait.
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Millisecond)
	defer wcancel()
	if _, err := fs[0].Wait(wctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	// Shutdown flushes the queued ones without waiting for a full batch.
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if r, err := f.Wait(ctx); err != nil || r.Output("y") == nil {
			t.Fatalf("queued request after Shutdown: %v", err)
		}
	}
	if _, err := e.Predict(ctx, x); !errors.Is(err, runtime.ErrShuttingDown) {
		t.Fatalf("got %v, want ErrShuttingDown", err)
	}
	if e.State() != runtime.StateStopped {
		t.Fatalf("state %v", e.State())
	}
	m := e.Metrics()
	for _, r := range []string{"timeout", "canceled", "queue_full", "shutting_down"} {
		if m.ErrorsByReason[r] != 1 {
			t.Fatalf("errors by reason %v", m.ErrorsByReason)
		}
	}
}

func TestEnginePriorityOrder(t *testing.T) {
	t.Cleanup(noLeak(t))
	cfg := runtime.DefaultConfig()
	cfg.EnableBatching = false // one at a time, so the order is visible
	cfg.NumThreads = 1
	cfg.EnableRequestDeduplication = false
	e := newEngine(t, cfg)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 6))
	// Fill the queue faster than one worker drains it.
	type sub struct {
		p batch.Priority
		f *runtime.Future
	}
	var subs []sub
	for i := 0; i < 300; i++ {
		p := batch.Priority(rng.IntN(3) - 1)
		subs = append(subs, sub{p, e.Enqueue(ctx, randRows(rng, 1, 4), p, 0)})
	}
	var qt [3]time.Duration
	var n [3]int
	for _, s := range subs {
		r, err := s.f.Wait(ctx)
		if err != nil {
			t.Fatal(err)
		}
		qt[s.p+1] += r.Metadata.QueueTime
		n[s.p+1]++
	}
	high, low := qt[0]/time.Duration(n[0]), qt[2]/time.Duration(n[2])
	if high >= low {
		t.Fatalf("mean queue time high %v ≥ low %v", high, low)
	}
}

func TestEngineLimits(t *testing.T) {
	t.Cleanup(noLeak(t))
	ctx := context.Background()
	x := tensor.FromFloat32([]float32{1, 2, 3, 4}, 1, 4)

	cfg := runtime.DefaultConfig()
	cfg.BatchTimeout = time.Hour
	cfg.MaxConcurrentRequests = 2
	e := newEngine(t, cfg)
	e.Enqueue(ctx, x, 0, 0)
	e.Enqueue(ctx, x, 0, 0)
	if _, err := e.Enqueue(ctx, x, 0, 0).Wait(ctx); !errors.Is(err, runtime.ErrOverloaded) {
		t.Fatalf("got %v, want ErrOverloaded", err)
	}

	st, _ := os.Stat(mlpPath)
	cfg = runtime.DefaultConfig()
	cfg.MemoryLimitBytes = st.Size() / 2
	e2, _ := runtime.NewEngine(cfg)
	defer e2.Shutdown(ctx)
	if err := e2.LoadModel(mlpPath); !errors.Is(err, runtime.ErrResourceExhausted) {
		t.Fatalf("got %v, want ErrResourceExhausted", err)
	}
	if e2.State() != runtime.StateError {
		t.Fatalf("state %v after failed first load", e2.State())
	}
	if _, err := e2.Predict(ctx, x); !errors.Is(err, runtime.ErrNoModel) {
		t.Fatalf("got %v, want ErrNoModel", err)
	}

	cfg.MemoryLimitBytes = st.Size() + 1000
	e3 := newEngine(t, cfg)
	if _, err := e3.Predict(ctx, x); err != nil {
		t.Fatal(err)
	}
	big := tensor.New(tensor.Float32, 1000, 4)
	if _, err := e3.Predict(ctx, big); !errors.Is(err, runtime.ErrResourceExhausted) {
		t.Fatalf("got %v, want ErrResourceExhausted", err)
	}
	if m := e3.Metrics(); m.MemoryBytes != st.Size() || m.InFlight != 0 {
		t.Fatalf("memory %d in flight %d after requests", m.MemoryBytes, m.InFlight)
	}
}

func TestEngineDeduplicates(t *testing.T) {
	t.Cleanup(noLeak(t))
	cfg := runtime.DefaultConfig()
	cfg.BatchTimeout = 20 * time.Millisecond
	e := newEngine(t, cfg)
	ctx := context.Background()
	x := tensor.FromFloat32([]float32{0.5, -1, 2, 0}, 1, 4)
	var wg sync.WaitGroup
	res := make([]runtime.Result, 10)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each caller has its own tensor with the same bytes.
			r, err := e.Predict(ctx, tensor.FromFloat32([]float32{0.5, -1, 2, 0}, 1, 4))
			if err != nil {
				t.Error(err)
			}
			res[i] = r
		}()
	}
	wg.Wait()
	m := e.Metrics()
	if m.CacheMisses != 1 || m.CacheHits != 9 {
		t.Fatalf("hits %d misses %d, want 9 and 1", m.CacheHits, m.CacheMisses)
	}
	for _, r := range res[1:] {
		if !nearlyEqual32(r.Outputs[0].Float32s(), res[0].Outputs[0].Float32s()) {
			t.Fatal("shared results differ")
		}
	}
	// Results belong to their callers: scribbling on one changes no other.
	res[0].Outputs[0].Float32s()[0] = 42
	r, err := e.Predict(ctx, x)
	if err != nil || !r.Metadata.CacheHit || r.Outputs[0].Float32s()[0] == 42 {
		t.Fatalf("cached result %v %+v", err, r.Metadata)
	}
	// Same bytes, other shape: not the same request.
	r, err = e.Predict(ctx, tensor.FromFloat32([]float32{0.5, -1, 2, 0, 0.5, -1, 2, 0}, 2, 4))
	if err != nil || r.Metadata.CacheHit {
		t.Fatalf("different shape served from cache: %v", err)
	}
}

func TestEngineFeatureScaling(t *testing.T) {
	t.Cleanup(noLeak(t))
	sc := &runtime.Scaler{Mean: []float32{1, 2, 3, 4}, Scale: []float32{2, 0.5, 0, 4}}
	cfg := runtime.DefaultConfig()
	cfg.EnableFeatureScaling = true
	cfg.Scaler = sc
	cfg.BatchTimeout = time.Millisecond
	e := newEngine(t, cfg)
	sess, _ := runtime.Open(mlpPath)
	defer sess.Close()
	x := tensor.FromFloat32([]float32{3, 1, 5, 8, 0, 0, 0, 0}, 2, 4)
	scaled := tensor.FromFloat32([]float32{1, -2, 2, 1, -0.5, -4, -3, -1}, 2, 4)
	r, err := e.Predict(context.Background(), x)
	if err != nil {
		t.Fatal(err)
	}
	if !nearlyEqual32(r.Outputs[0].Float32s(), unbatchedRun(t, sess, scaled)) {
		t.Fatal("scaled result differs")
	}
	if x.Float32s()[0] != 3 {
		t.Fatal("the caller's input was modified")
	}
	cfg.Scaler = &runtime.Scaler{Mean: []float32{1}, Scale: []float32{1}}
	e2, _ := runtime.NewEngine(cfg)
	defer e2.Shutdown(context.Background())
	if err := e2.LoadModel(mlpPath); err == nil {
		t.Fatal("a 1-feature scaler accepted for a 4-feature model")
	}
}

func TestEngineConfigAndFormats(t *testing.T) {
	t.Cleanup(noLeak(t))
	cfg := runtime.DefaultConfig()
	cfg.EnableQuantization = true
	if _, err := runtime.NewEngine(cfg); !errors.Is(err, runtime.ErrUnsupported) {
		t.Fatalf("got %v, want ErrUnsupported", err)
	}
	cfg = runtime.DefaultConfig()
	cfg.EnableJIT = false
	e, err := runtime.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Shutdown(context.Background())
	if e.State() != runtime.StateInitializing {
		t.Fatalf("state %v", e.State())
	}
	if err := e.LoadModelBytes([]byte("\x80\x04 not really a pickle")); err == nil {
		t.Fatal("a broken pickle loaded")
	}
	if e.State() != runtime.StateError {
		t.Fatalf("state %v after a failed first load", e.State())
	}
	data, err := os.ReadFile(mlpPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.LoadModelBytes(data, runtime.WithModelType(runtime.ModelONNX), runtime.WithCompile(false)); err != nil {
		t.Fatal(err)
	}
	if e.State() != runtime.StateReady {
		t.Fatalf("state %v", e.State())
	}
	if _, err := e.Predict(context.Background(), tensor.FromFloat32([]float32{1, 2, 3, 4}, 1, 4)); err != nil {
		t.Fatal(err)
	}
	// A failed reload keeps the old model serving.
	bad := filepath.Join(t.TempDir(), "bad.onnx")
	os.WriteFile(bad, []byte("\xff\xff not a model"), 0o644)
	if err := e.LoadModel(bad); err == nil {
		t.Fatal("garbage loaded")
	}
	if e.State() != runtime.StateReady {
		t.Fatalf("state %v after failed reload", e.State())
	}
	if _, err := e.Predict(context.Background(), tensor.New(tensor.Float32, 1, 5)); !errors.Is(err, runtime.ErrInvalidInput) {
		t.Fatalf("got %v, want ErrInvalidInput", err)
	}
	if _, err := e.PredictNamed(context.Background(), map[string]*tensor.Tensor{"nope": tensor.New(tensor.Float32, 1, 4)}); !errors.Is(err, runtime.ErrInvalidInput) {
		t.Fatalf("got %v, want ErrInvalidInput", err)
	}
	r, err := e.PredictNamed(context.Background(), map[string]*tensor.Tensor{"x": tensor.New(tensor.Float32, 2, 4)})
	if err != nil || !r.Output("y").Shape().Equal(tensor.Shape{2, 3}) {
		t.Fatalf("PredictNamed: %v", err)
	}
}

func TestEngineValidate(t *testing.T) {
	t.Cleanup(noLeak(t))
	e, _ := runtime.NewEngine(runtime.DefaultConfig())
	defer e.Shutdown(context.Background())
	if rep := e.Validate(); rep.OK || !errors.Is(rep.Err, runtime.ErrNoModel) {
		t.Fatalf("Validate without a model: %+v", rep)
	}
	if err := e.LoadModel(mlpPath); err != nil {
		t.Fatal(err)
	}
	rep := e.Validate()
	if !rep.OK || rep.ModelType != runtime.ModelONNX || len(rep.Outputs) != 1 || rep.Duration <= 0 {
		t.Fatalf("report %+v", rep)
	}
	o := rep.Outputs[0]
	if o.Name != "y" || !o.Shape.Equal(tensor.Shape{1, 3}) || !o.Finite || o.DType != tensor.Float32 {
		t.Fatalf("output report %+v", o)
	}
}

// TestEngineReloadWhileServing swaps the model under load: every request
// succeeds on one model or the other.
func TestEngineReloadWhileServing(t *testing.T) {
	t.Cleanup(noLeak(t))
	cfg := runtime.DefaultConfig()
	cfg.BatchTimeout = time.Millisecond
	e := newEngine(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			for ctx.Err() == nil {
				if _, err := e.Predict(context.Background(), randRows(rng, 1, 4)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := 0; i < 5; i++ {
		if err := e.LoadModel(mlpPath); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if m := e.Metrics(); m.ModelLoads != 6 || m.TotalErrors != 0 {
		t.Fatalf("loads %d errors %d", m.ModelLoads, m.TotalErrors)
	}
}

func TestEngineShutdownTimeout(t *testing.T) {
	t.Cleanup(noLeak(t))
	cfg := runtime.DefaultConfig()
	cfg.BatchTimeout = time.Hour
	cfg.NumThreads = 1
	e := newEngine(t, cfg)
	ctx := context.Background()
	var fs []*runtime.Future
	rng := rand.New(rand.NewPCG(1, 1))
	for i := 0; i < 200; i++ {
		fs = append(fs, e.Enqueue(ctx, randRows(rng, 1, 4), 0, 0))
	}
	sctx, cancel := context.WithCancel(ctx)
	cancel() // already over: queued requests are dropped
	err := e.Shutdown(sctx)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, runtime.ErrShuttingDown) {
		t.Fatalf("Shutdown: %v", err)
	}
	for _, f := range fs {
		select {
		case <-f.Done():
		default:
			t.Fatal("a request has no outcome after Shutdown")
		}
	}
}
