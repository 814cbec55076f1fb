// Package allocs counts heap allocations, for the tests that hold
// inference paths to allocating nothing.
//
// testing.AllocsPerRun does not fit them: it sets GOMAXPROCS to 1, which
// hides allocations that happen only when a run's goroutines move between
// processors (sync.Pool's per-processor caches did exactly that), and it
// returns a truncated average, which hides one allocation in a few runs.
package allocs

import (
	"runtime"
	"testing"
)

// Count returns how many heap allocations runs calls of f make, the
// fewest over three tries, at the process's GOMAXPROCS. Taking the fewest
// discounts the Go runtime's own bookkeeping, which allocates a few objects
// now and then (starting an OS thread after a garbage collection on a busy
// machine, say); an allocation f makes itself shows in every try. The
// first error f returns stops the count.
func Count(runs int, f func() error) (uint64, error) {
	best := ^uint64(0)
	for range 3 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range runs {
			if err := f(); err != nil {
				return 0, err
			}
		}
		runtime.ReadMemStats(&after)
		best = min(best, after.Mallocs-before.Mallocs)
	}
	return best, nil
}

// InRuns is Count for a test: it fails tb on f's error.
func InRuns(tb testing.TB, runs int, f func() error) uint64 {
	tb.Helper()
	n, err := Count(runs, f)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}
