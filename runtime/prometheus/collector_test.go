package prometheus_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sinter-ml/sinter/runtime"
	sinterprom "github.com/sinter-ml/sinter/runtime/prometheus"
	"github.com/sinter-ml/sinter/tensor"
)

func TestCollector(t *testing.T) {
	e, err := runtime.NewEngine(runtime.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer e.Shutdown(context.Background())
	if err := e.LoadModel("../../testdata/models/mlp.onnx"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	x := tensor.FromFloat32([]float32{1, 2, 3, 4}, 1, 4)
	for i := 0; i < 3; i++ {
		if _, err := e.Predict(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	e.Predict(ctx, tensor.New(tensor.Float32, 1, 7)) // invalid input

	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sinterprom.NewCollector(e, prometheus.Labels{"model": "mlp"}))
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range fams {
		for _, m := range f.Metric {
			switch {
			case m.Counter != nil:
				got[f.GetName()] += m.Counter.GetValue()
			case m.Gauge != nil:
				got[f.GetName()] = m.Gauge.GetValue()
			case m.Histogram != nil:
				got[f.GetName()] = float64(m.Histogram.GetSampleCount())
			}
		}
	}
	want := map[string]float64{
		"sinter_requests_total":          4,
		"sinter_request_errors_total":    1,
		"sinter_cache_hits_total":        2,
		"sinter_cache_misses_total":      1,
		"sinter_request_latency_seconds": 3,
		"sinter_batch_size":              1,
		"sinter_engine_state":            float64(runtime.StateReady),
		"sinter_model_loads_total":       1,
		"sinter_queue_depth":             0,
		"sinter_compute_time_seconds":    3,
		"sinter_queue_time_seconds":      3,
		"sinter_in_flight_requests":      0,
	}
	for name, v := range want {
		if got[name] != v {
			t.Errorf("%s = %v, want %v", name, got[name], v)
		}
	}
}
