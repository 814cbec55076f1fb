//go:build !race

package trees

const raceEnabled = false
