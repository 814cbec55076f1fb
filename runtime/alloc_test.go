package runtime_test

import (
	"path/filepath"
	"testing"

	"github.com/sinter-ml/sinter/internal/allocs"
	"github.com/sinter-ml/sinter/runtime"
	"github.com/sinter-ml/sinter/tensor"
)

// steadyStateCases are the zoo cases whose every step has a planned,
// allocation-free kernel: once the first run has recorded the memory plan,
// RunInto into the previous outputs must allocate nothing. The zoo cases
// left out still allocate: control flow (If/Loop/Scan bodies do not run
// from memory plans), data-dependent outputs (NonZero, Unique,
// NonMaxSuppression), float16 MatMul, 3-D Conv, and a fused MatMul whose
// addend needs general broadcasting (audio).
var steadyStateCases = []string{
	"mlp_gelu_b1", "mlp_gelu_b64", "mlp_ln_b1", "mlp_ln_b64", "resnet_b2", "mobilenet_b1",
	"bert_b1_s128", "bert_b2_s32", "vit_b2", "seghead_b1", "convpad_b1", "kws_b3", "legacy7_b1",
	"decoder_prefill", "decoder_step", "decoder_chunk", "quant_b1", "rnn_variants", "numerics",
	"idioms", "gemm_shapes", "encodings", "ml_pipeline",
}

func TestSteadyStateRunAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	cases := map[string]zooCase{}
	for _, c := range zooCases(t) {
		cases[c.Name] = c
	}
	for _, name := range steadyStateCases {
		c, ok := cases[name]
		if !ok {
			t.Fatalf("zoo has no case %q", name)
		}
		for _, threads := range []int{1, 2} {
			s, err := runtime.Open(filepath.Join(zooDir, c.Model), runtime.WithThreads(threads))
			if err != nil {
				t.Fatal(err)
			}
			inputs := make([]*tensor.Tensor, len(c.Inputs))
			for i, f := range c.Inputs {
				inputs[i] = readNpy(t, f)
			}
			outs := make([]*tensor.Tensor, len(s.Outputs()))
			for range 3 {
				if err := s.RunInto(inputs, outs); err != nil {
					t.Fatal(err)
				}
			}
			if n := allocs.InRuns(t, 50, func() error { return s.RunInto(inputs, outs) }); n > 1 {
				t.Errorf("%s, %d threads: %d allocations in 50 steady-state runs, want 0", name, threads, n)
			}
			s.Close()
		}
	}
}
