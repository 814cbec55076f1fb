package conv

import (
	"math"
	"math/rand/v2"
	"os"
	"syscall"
	"testing"
	"unsafe"
)

// guardPages maps n floats between two inaccessible pages, either flush
// against the page before (atEnd false) or the one after, so that a kernel
// reading outside them faults. free unmaps them.
func guardPages(t *testing.T, n int, atEnd bool) (x []float32, free func()) {
	t.Helper()
	ps := os.Getpagesize()
	data := (n*4 + ps - 1) / ps * ps
	mem, err := syscall.Mmap(-1, 0, data+2*ps, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skip("mmap:", err)
	}
	if err := syscall.Mprotect(mem[:ps], syscall.PROT_NONE); err != nil {
		t.Skip("mprotect:", err)
	}
	if err := syscall.Mprotect(mem[ps+data:], syscall.PROT_NONE); err != nil {
		t.Skip("mprotect:", err)
	}
	off := ps
	if atEnd {
		off = ps + data - n*4
	}
	x = unsafe.Slice((*float32)(unsafe.Pointer(&mem[off])), n)
	return x, func() { syscall.Munmap(mem) }
}

// TestDepthwiseKernelReads runs the kernels with x flush against
// inaccessible pages on either side: a read outside x (an unmasked lane left
// of column 0 or right of the last row, say) faults.
func TestDepthwiseKernelReads(t *testing.T) {
	forEachTier(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(15, 16))
		for it := range 400 {
			c := randDWCase(rng)
			x, free := guardPages(t, c.xLen(), it%2 == 1)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			w := randn(rng, (c.kh-1)*c.ldw+c.kw)
			y := make([]float32, c.yLen())
			want := make([]float32, c.yLen())
			dwGo(want, c.ldy, x, c.ldx, c.rows, c.n, w, c.ldw, c.kh, c.kw, c.ldt, c.sw, c.dw, c.c0, c.width, 0.25)
			dwRows(y, c.ldy, x, c.ldx, c.rows, c.n, w, c.ldw, c.kh, c.kw, c.ldt, c.sw, c.dw, c.c0, c.width, 0.25)
			free()
			for i := range want {
				if math.Float32bits(y[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%+v: y[%d] = %v, want %v", c, i, y[i], want[i])
				}
			}
		}
	})
}
