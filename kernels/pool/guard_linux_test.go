//go:build linux

package pool

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"unsafe"
)

// pageGuarded returns n float32s that end right before (atEnd) or start
// right after an inaccessible page, so that a kernel reading past the
// buffer faults instead of reading a neighbour.
func pageGuarded(t *testing.T, n int, atEnd bool) []float32 {
	t.Helper()
	page := syscall.Getpagesize()
	body := (n*4 + page - 1) / page * page
	mem, err := syscall.Mmap(-1, 0, body+2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skip("mmap:", err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[:page], syscall.PROT_NONE); err != nil {
		t.Skip("mprotect:", err)
	}
	if err := syscall.Mprotect(mem[page+body:], syscall.PROT_NONE); err != nil {
		t.Skip("mprotect:", err)
	}
	off := page
	if atEnd {
		off = page + body - n*4
	}
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&mem[off])), n)
}

// TestNoReadsOutsideSrc runs every case with src against a guard page on
// either side: the vector kernels read through raw pointers.
func TestNoReadsOutsideSrc(t *testing.T) {
	forEachTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(9, 10))
		for _, c := range cases() {
			g := c.g
			for _, atEnd := range []bool{false, true} {
				src := pageGuarded(t, planes*g.H*g.W, atEnd)
				copy(src, inputs(rng, len(src)))
				dst := make([]float32, planes*g.OH*g.OW)
				Max(g, dst, src)
				Average(g, dst, src, true)
			}
		}
		for _, n := range []int{1, 8, 9, 17} {
			for _, atEnd := range []bool{false, true} {
				x := pageGuarded(t, n, atEnd)
				GlobalMax(x)
				GlobalAverage(x)
			}
		}
	})
}
