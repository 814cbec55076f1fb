//go:build linux

package parallel

import "golang.org/x/sys/unix"

// allowedCPUs lists the CPUs in the process's affinity mask.
func allowedCPUs() []int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil
	}
	var cpus []int
	for i := range len(set) * 64 {
		if set.IsSet(i) {
			cpus = append(cpus, i)
		}
	}
	return cpus
}

// pinTo binds the calling (locked) thread to cpu and returns a function that
// restores its previous mask.
func pinTo(cpu int) (restore func(), ok bool) {
	var old unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return func() {}, false
	}
	var set unix.CPUSet
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return func() {}, false
	}
	return func() { _ = unix.SchedSetaffinity(0, &old) }, true
}
