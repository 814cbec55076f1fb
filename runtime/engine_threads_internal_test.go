package runtime

import (
	"context"
	"testing"
)

// With batching on, the engine's concurrent batch runs are the parallelism:
// each session run is single-threaded unless a LoadOption says otherwise.
// With batching off the session gets NumThreads, as before.
func TestEngineSessionThreads(t *testing.T) {
	for _, tc := range []struct {
		batching bool
		opts     []LoadOption
		want     int
	}{
		{true, nil, 1},
		{true, []LoadOption{WithThreads(3)}, 3},
		{false, nil, 2},
	} {
		cfg := DefaultConfig()
		cfg.EnableBatching = tc.batching
		cfg.NumThreads = 2
		e, err := NewEngine(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.LoadModel("../testdata/models/mlp.onnx", tc.opts...); err != nil {
			t.Fatal(err)
		}
		if got := e.model.Load().sess.threads; got != tc.want {
			t.Errorf("batching=%v opts=%d: session threads %d, want %d", tc.batching, len(tc.opts), got, tc.want)
		}
		e.Shutdown(context.Background())
	}
}
