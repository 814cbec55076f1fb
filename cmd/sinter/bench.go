package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	goruntime "runtime"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/sinter-ml/sinter/runtime"
	"github.com/sinter-ml/sinter/tensor"
)

// benchResult is what bench reports; with --json it prints as one line with
// these keys, in this order.
type benchResult struct {
	Model        string  `json:"model"`
	Threads      int     `json:"threads"`
	Iters        int     `json:"iters"`
	MedianMS     float64 `json:"median_ms"`
	P90MS        float64 `json:"p90_ms"`
	MinMS        float64 `json:"min_ms"`
	AllocsPerRun float64 `json:"allocs_per_run"`
	BytesPerRun  float64 `json:"bytes_per_run"`
}

// cmdBench: sinter bench MODEL [-i ...] [--threads N] [--iters N] [--warmup N] [--batch N] [--json] [--cpuprofile FILE] [--memprofile FILE]
func cmdBench(args []string, stdout io.Writer) error {
	fs := newFlagSet("bench")
	mf := addModelFlags(fs)
	var specs stringList
	fs.Var(&specs, "i", "input `[NAME=]FILE`; inputs not given are synthesized")
	threads := fs.Int("threads", 0, "kernel threads (0: GOMAXPROCS)")
	iters := fs.Int("iters", 100, "timed runs")
	warmup := fs.Int("warmup", 5, "untimed runs first")
	batch := fs.Int("batch", 1, "first dim of synthesized inputs when symbolic")
	asJSON := fs.Bool("json", false, "print one JSON line")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the timed runs to `FILE` (go tool pprof)")
	memProfile := fs.String("memprofile", "", "write a profile of every allocation the timed runs make to `FILE` (go tool pprof -sample_index=alloc_objects)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	model, err := oneModel("bench", pos)
	if err != nil {
		return err
	}
	switch {
	case *threads < 0:
		return usagef("bench: --threads %d: want ≥ 0", *threads)
	case *iters < 1:
		return usagef("bench: --iters %d: want ≥ 1", *iters)
	case *warmup < 0:
		return usagef("bench: --warmup %d: want ≥ 0", *warmup)
	case *batch < 1:
		return usagef("bench: --batch %d: want ≥ 1", *batch)
	}

	opts, err := mf.options()
	if err != nil {
		return err
	}
	s, err := runtime.Open(model, append(opts, runtime.WithThreads(*threads))...)
	if err != nil {
		return err
	}
	defer s.Close()
	files, err := bindInputs(specs, s.Inputs())
	if err != nil {
		return err
	}
	inputs, err := loadInputs(files, s.Inputs(), true, *batch)
	if err != nil {
		return err
	}
	// Outputs are reused run to run, as a serving loop would: the timed
	// runs then measure inference, not the allocation of results.
	outputs := make([]*tensor.Tensor, len(s.Outputs()))
	for range *warmup {
		if err := s.RunInto(inputs, outputs); err != nil {
			return err
		}
	}
	durs := make([]time.Duration, *iters)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *memProfile != "" {
		old := goruntime.MemProfileRate
		goruntime.MemProfileRate = 1
		defer func() { goruntime.MemProfileRate = old }()
		defer func() {
			if f, err := os.Create(*memProfile); err == nil {
				pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		}()
	}
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	for i := range durs {
		start := time.Now()
		err := s.RunInto(inputs, outputs)
		durs[i] = time.Since(start)
		if err != nil {
			return err
		}
	}
	goruntime.ReadMemStats(&after)

	n := *threads
	if n == 0 {
		n = goruntime.GOMAXPROCS(0)
	}
	res := summarize(durs)
	res.Model, res.Threads = model, n
	res.AllocsPerRun = float64(after.Mallocs-before.Mallocs) / float64(*iters)
	res.BytesPerRun = float64(after.TotalAlloc-before.TotalAlloc) / float64(*iters)
	if *asJSON {
		b, err := json.Marshal(res)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	fmt.Fprintf(stdout, "model    %s\nthreads  %d\niters    %d (after %d warmup)\nmedian   %v\np90      %v\nmin      %v\nallocs   %.1f per run\nbytes    %.0f per run\n",
		res.Model, res.Threads, res.Iters, *warmup, msDuration(res.MedianMS), msDuration(res.P90MS), msDuration(res.MinMS),
		res.AllocsPerRun, res.BytesPerRun)
	return nil
}

// summarize fills the timing fields of a benchResult from run durations.
func summarize(durs []time.Duration) benchResult {
	ms := make([]float64, len(durs))
	for i, d := range durs {
		ms[i] = float64(d.Nanoseconds()) / 1e6
	}
	slices.Sort(ms)
	return benchResult{
		Iters:    len(ms),
		MedianMS: roundNS(percentile(ms, 0.5)),
		P90MS:    roundNS(percentile(ms, 0.9)),
		MinMS:    roundNS(percentile(ms, 0)),
	}
}

// roundNS rounds milliseconds to whole nanoseconds, so JSON shows no
// floating-point noise.
func roundNS(ms float64) float64 { return math.Round(ms*1e6) / 1e6 }

// msDuration converts milliseconds back to a Duration for printing.
func msDuration(ms float64) time.Duration { return time.Duration(math.Round(ms * 1e6)) }

// percentile interpolates linearly between the closest ranks of sorted (as
// numpy.percentile does by default); 0 for an empty slice.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	pos := p * float64(len(sorted)-1)
	lo := int(pos)
	if lo >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (sorted[lo+1]-sorted[lo])*(pos-float64(lo))
}
