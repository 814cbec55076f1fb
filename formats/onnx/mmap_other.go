//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || solaris || illumos || android || ios)

package onnx

import (
	"fmt"
	"io"
	"math"
	"os"
)

// mapFile reads the whole of f into aligned memory: the fallback for systems
// where this package does not use mmap (Windows, wasm, plan9, ...).
func mapFile(f *os.File, size int64) ([]byte, func() error, error) {
	if size > math.MaxInt {
		return nil, nil, fmt.Errorf("%w: file of %d bytes is too large to load", ErrUnsupported, size)
	}
	b := alignedBytes(size)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, nil, err
	}
	return b, func() error { return nil }, nil
}
