//go:build race

package gemm

// raceEnabled: under the race detector sync.Pool drops some of what is put
// back, so allocation counts are only meaningful without it.
const raceEnabled = true
