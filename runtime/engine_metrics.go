package runtime

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// Metrics is a snapshot of an engine's counters. Totals cover the engine's
// lifetime; percentiles cover the successful requests of the last Window
// (at most windowSamples of them).
type Metrics struct {
	TotalRequests int64 // requests that got an outcome
	TotalErrors   int64 // of which failed
	CacheHits     int64 // served from the cache or an identical request's run
	CacheMisses   int64 // computed for themselves

	// Submission to outcome, over the window.
	LatencyP50, LatencyP90, LatencyP99 time.Duration
	// Submission to the start of the model run, over the window.
	QueueTimeP50, QueueTimeP99 time.Duration
	// Model run duration, over the window.
	ComputeTimeP50, ComputeTimeP99 time.Duration
	// Window is the span the percentiles cover; WindowRequests the
	// successful requests in it; Throughput their rate per second.
	Window         time.Duration
	WindowRequests int
	Throughput     float64

	// AvgBatchSize is requests per model run over the lifetime.
	AvgBatchSize float64
	TotalBatches int64
	// BatchSizes[n] counts model runs of n requests (index 0 unused). Its
	// length is one more than the largest run so far, not MaxBatchSize+1:
	// a generous MaxBatchSize costs nothing until batches that big occur.
	BatchSizes []int64

	QueueDepth  int   // requests queued now
	InFlight    int   // requests accepted and not yet answered
	MemoryBytes int64 // estimated bytes held: model plus requests
	ModelLoads  int64

	// ErrorsByReason counts failures: queue_full, timeout, overloaded,
	// shutting_down, no_model, resource_exhausted, canceled,
	// deadline_exceeded, invalid_input, model_error.
	ErrorsByReason map[string]int64

	// Lifetime histograms of successful requests, for exporters.
	Latency, QueueTime, ComputeTime Histogram
}

// Histogram counts durations into buckets: Counts[i] holds values ≤
// Bounds[i] (and above Bounds[i-1]); the last Counts entry holds the rest.
type Histogram struct {
	Bounds []time.Duration
	Counts []int64
	Count  int64
	Sum    time.Duration
}

// histBounds are 1-2-5 steps from 10µs to 10s.
var histBounds = func() []time.Duration {
	var b []time.Duration
	for d := 10 * time.Microsecond; d <= 10*time.Second; d *= 10 {
		b = append(b, d, 2*d, 5*d)
	}
	return b
}()

func (h *Histogram) add(d time.Duration) {
	i, _ := slices.BinarySearch(h.Bounds, d)
	h.Counts[i]++
	h.Count++
	h.Sum += d
}

func newHistogram() Histogram {
	return Histogram{Bounds: histBounds, Counts: make([]int64, len(histBounds)+1)}
}

func (h Histogram) clone() Histogram {
	h.Counts = slices.Clone(h.Counts)
	return h
}

const (
	metricsWindow = time.Minute
	windowSamples = 1 << 14
)

type sample struct {
	at                      int64 // unix nanos
	latency, queue, compute time.Duration
}

// recorder accumulates metrics; one mutex guards it.
type recorder struct {
	mu                            sync.Mutex
	ring                          []sample
	pos, n                        int
	total, errs, hits, misses     int64
	batches, batchReqs            int64
	batchSizes                    []int64
	byReason                      map[string]int64
	latency, queueTime, computeTm Histogram
}

func newRecorder() *recorder {
	return &recorder{
		ring:      make([]sample, windowSamples),
		byReason:  make(map[string]int64),
		latency:   newHistogram(),
		queueTime: newHistogram(),
		computeTm: newHistogram(),
	}
}

func (r *recorder) done(submitted time.Time, md Metadata, err error) {
	now := time.Now()
	r.mu.Lock()
	r.doneLocked(now, submitted, md, err)
	r.mu.Unlock()
}

// doneAll records the settled outcomes of fs with one clock read and one
// lock acquisition.
func (r *recorder) doneAll(fs []*Future) {
	if len(fs) == 0 {
		return
	}
	now := time.Now()
	r.mu.Lock()
	for _, f := range fs {
		r.doneLocked(now, f.submitted, f.res.Metadata, f.err)
	}
	r.mu.Unlock()
}

func (r *recorder) doneLocked(now, submitted time.Time, md Metadata, err error) {
	lat := now.Sub(submitted)
	r.total++
	if err != nil {
		r.errs++
		r.byReason[reason(err)]++
		return
	}
	r.ring[r.pos] = sample{now.UnixNano(), lat, md.QueueTime, md.ComputeTime}
	r.pos = (r.pos + 1) % len(r.ring)
	r.n = min(r.n+1, len(r.ring))
	r.latency.add(lat)
	r.queueTime.add(md.QueueTime)
	r.computeTm.add(md.ComputeTime)
}

func (r *recorder) cache(hit bool) {
	r.mu.Lock()
	if hit {
		r.hits++
	} else {
		r.misses++
	}
	r.mu.Unlock()
}

func (r *recorder) batch(n int) {
	r.mu.Lock()
	r.batches++
	r.batchReqs += int64(n)
	r.batchSizes = countSize(r.batchSizes, n)
	r.mu.Unlock()
}

func reason(err error) string {
	switch {
	case errors.Is(err, ErrQueueFull):
		return "queue_full"
	case errors.Is(err, ErrTimeout):
		return "timeout"
	case errors.Is(err, ErrOverloaded):
		return "overloaded"
	case errors.Is(err, ErrShuttingDown):
		return "shutting_down"
	case errors.Is(err, ErrNoModel):
		return "no_model"
	case errors.Is(err, ErrResourceExhausted):
		return "resource_exhausted"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline_exceeded"
	case errors.Is(err, ErrInvalidInput):
		return "invalid_input"
	}
	return "model_error"
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// Metrics returns a snapshot of the engine's metrics.
func (e *Engine) Metrics() Metrics {
	r := e.rec
	now := time.Now()
	cut := now.Add(-metricsWindow).UnixNano()
	r.mu.Lock()
	m := Metrics{
		TotalRequests:  r.total,
		TotalErrors:    r.errs,
		CacheHits:      r.hits,
		CacheMisses:    r.misses,
		TotalBatches:   r.batches,
		BatchSizes:     slices.Clone(r.batchSizes),
		ErrorsByReason: make(map[string]int64, len(r.byReason)),
		Latency:        r.latency.clone(),
		QueueTime:      r.queueTime.clone(),
		ComputeTime:    r.computeTm.clone(),
	}
	for k, v := range r.byReason {
		m.ErrorsByReason[k] = v
	}
	if r.batches > 0 {
		m.AvgBatchSize = float64(r.batchReqs) / float64(r.batches)
	}
	lat := make([]time.Duration, 0, r.n)
	qt := make([]time.Duration, 0, r.n)
	ct := make([]time.Duration, 0, r.n)
	oldest := now.UnixNano()
	for i := 0; i < r.n; i++ {
		s := r.ring[(r.pos-1-i+len(r.ring))%len(r.ring)]
		if s.at < cut {
			break
		}
		oldest = s.at
		lat = append(lat, s.latency)
		qt = append(qt, s.queue)
		ct = append(ct, s.compute)
	}
	r.mu.Unlock()
	for _, s := range [][]time.Duration{lat, qt, ct} {
		slices.Sort(s)
	}
	m.LatencyP50, m.LatencyP90, m.LatencyP99 = pct(lat, .5), pct(lat, .9), pct(lat, .99)
	m.QueueTimeP50, m.QueueTimeP99 = pct(qt, .5), pct(qt, .99)
	m.ComputeTimeP50, m.ComputeTimeP99 = pct(ct, .5), pct(ct, .99)
	m.WindowRequests = len(lat)
	m.Window = metricsWindow
	if span := now.Sub(time.Unix(0, oldest)); len(lat) > 1 && span > 0 {
		m.Throughput = float64(len(lat)) / span.Seconds()
	}
	m.QueueDepth = e.batcher.Len()
	m.InFlight = int(e.inflight.Load())
	m.MemoryBytes = e.memUsed.Load()
	m.ModelLoads = e.loads.Load()
	return m
}

// countSize adds one to hist[n], first growing hist to n+1 entries if
// needed (append's growth keeps that to O(log n) allocations in all).
func countSize(hist []int64, n int) []int64 {
	if n >= len(hist) {
		hist = append(hist, make([]int64, n+1-len(hist))...)
	}
	hist[n]++
	return hist
}
