//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly || solaris || illumos || android || ios

package onnx

import (
	"fmt"
	"math"
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps size bytes of f privately (copy-on-write) and returns the
// mapping with the function that releases it.
func mapFile(f *os.File, size int64) ([]byte, func() error, error) {
	if size == 0 {
		return []byte{}, func() error { return nil }, nil
	}
	if size > math.MaxInt {
		return nil, nil, fmt.Errorf("%w: file of %d bytes is too large to map", ErrUnsupported, size)
	}
	b, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if err != nil {
		return nil, nil, fmt.Errorf("mmap %s: %w", f.Name(), err)
	}
	done := false
	return b, func() error {
		if done {
			return nil
		}
		done = true
		return unix.Munmap(b)
	}, nil
}
