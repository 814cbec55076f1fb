package tensor

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// evictPages asks the kernel to reclaim the pages wholly inside b
// (MADV_PAGEOUT: contents are kept, clean file pages are dropped and read
// again on the next access). Errors (e.g. kernels before 5.4) are ignored:
// it is only a hint.
func evictPages(b []byte) {
	page := uintptr(os.Getpagesize())
	start := uintptr(unsafe.Pointer(&b[0]))
	end := start + uintptr(len(b))
	lo := (start + page - 1) &^ (page - 1)
	hi := end &^ (page - 1)
	if hi <= lo {
		return
	}
	_ = unix.Madvise(b[lo-start:hi-start], unix.MADV_PAGEOUT)
}
