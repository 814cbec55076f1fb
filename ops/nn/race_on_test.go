//go:build race

package nn

// raceEnabled: under the race detector sync.Pool drops some of what is put
// back and instrumentation may allocate, so allocation counts are only
// meaningful without it.
const raceEnabled = true
