//go:build race

package compiler

// raceEnabled: under the race detector sync.Pool drops some of what is put
// back (the kernels recycle their work records through one), so allocation
// counts are only meaningful without it.
const raceEnabled = true
