//go:build race

package trees

// raceEnabled: the race detector's instrumentation allocates, so
// allocation counts are only meaningful without it.
const raceEnabled = true
