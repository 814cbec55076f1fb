//go:build race

package signal

// raceEnabled: under the race detector instrumentation may allocate, so
// allocation counts are only meaningful without it.
const raceEnabled = true
