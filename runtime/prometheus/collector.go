// Package prometheus exports a runtime.Engine's metrics to Prometheus.
//
// It lives in its own package so that the core runtime does not depend on
// github.com/prometheus/client_golang: only programs that import this
// package compile it in.
//
//	reg := prometheus.NewRegistry()
//	reg.MustRegister(sinterprom.NewCollector(engine))
package prometheus

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sinter-ml/sinter/runtime"
)

// Collector is a prometheus.Collector reading an engine's Metrics at each
// scrape. It is safe for concurrent use.
type Collector struct {
	e *runtime.Engine

	requests, errors, hits, misses, loads *prometheus.Desc
	queueDepth, inFlight, memory, state   *prometheus.Desc
	latency, queueTime, computeTime       *prometheus.Desc
	batchSize                             *prometheus.Desc
}

// NewCollector returns a collector for e with metric names under namespace
// "sinter" and the given constant labels (model name, say; may be nil).
func NewCollector(e *runtime.Engine, constLabels prometheus.Labels) *Collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName("sinter", "", name), help, labels, constLabels)
	}
	return &Collector{
		e:           e,
		requests:    d("requests_total", "Requests that got an outcome."),
		errors:      d("request_errors_total", "Failed requests by reason.", "reason"),
		hits:        d("cache_hits_total", "Requests served from the de-duplication cache or an identical request's run."),
		misses:      d("cache_misses_total", "Requests computed for themselves."),
		loads:       d("model_loads_total", "Successful model loads."),
		queueDepth:  d("queue_depth", "Requests queued now."),
		inFlight:    d("in_flight_requests", "Requests accepted and not yet answered."),
		memory:      d("memory_bytes", "Estimated bytes held by the model and requests in flight."),
		state:       d("engine_state", "Engine state: 0 initializing, 1 ready, 2 loading, 3 stopping, 4 stopped, 5 error."),
		latency:     d("request_latency_seconds", "Submission to outcome, successful requests."),
		queueTime:   d("queue_time_seconds", "Submission to the start of the model run, successful requests."),
		computeTime: d("compute_time_seconds", "Model run duration, successful requests."),
		batchSize:   d("batch_size", "Requests per model run."),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.requests, c.errors, c.hits, c.misses, c.loads, c.queueDepth,
		c.inFlight, c.memory, c.state, c.latency, c.queueTime, c.computeTime, c.batchSize} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	m := c.e.Metrics()
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	counter(c.requests, m.TotalRequests)
	for reason, n := range m.ErrorsByReason {
		counter(c.errors, n, reason)
	}
	counter(c.hits, m.CacheHits)
	counter(c.misses, m.CacheMisses)
	counter(c.loads, m.ModelLoads)
	gauge(c.queueDepth, float64(m.QueueDepth))
	gauge(c.inFlight, float64(m.InFlight))
	gauge(c.memory, float64(m.MemoryBytes))
	gauge(c.state, float64(c.e.State()))
	for _, h := range []struct {
		d *prometheus.Desc
		h runtime.Histogram
	}{{c.latency, m.Latency}, {c.queueTime, m.QueueTime}, {c.computeTime, m.ComputeTime}} {
		ch <- durationHistogram(h.d, h.h)
	}
	ch <- batchHistogram(c.batchSize, m.BatchSizes)
}

func durationHistogram(d *prometheus.Desc, h runtime.Histogram) prometheus.Metric {
	buckets := make(map[float64]uint64, len(h.Bounds))
	var cum uint64
	for i, b := range h.Bounds {
		cum += uint64(h.Counts[i])
		buckets[b.Seconds()] = cum
	}
	return prometheus.MustNewConstHistogram(d, uint64(h.Count), h.Sum.Seconds(), buckets)
}

// batchHistogram buckets batch sizes at powers of two.
func batchHistogram(d *prometheus.Desc, sizes []int64) prometheus.Metric {
	buckets := map[float64]uint64{}
	var count, sum uint64
	for n, k := range sizes {
		count += uint64(k)
		sum += uint64(n) * uint64(k)
	}
	for b := 1; b < len(sizes)*2; b *= 2 {
		var cum uint64
		for n := 1; n <= b && n < len(sizes); n++ {
			cum += uint64(sizes[n])
		}
		buckets[float64(b)] = cum
	}
	return prometheus.MustNewConstHistogram(d, count, float64(sum), buckets)
}

var _ prometheus.Collector = (*Collector)(nil)
