//go:build !linux

package parallel

func allowedCPUs() []int { return nil }

func pinTo(int) (func(), bool) { return func() {}, false }
