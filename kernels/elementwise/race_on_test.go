//go:build race

package elementwise

// raceEnabled: the race detector changes what escapes and allocates, so
// allocation counts are only meaningful without it.
const raceEnabled = true
