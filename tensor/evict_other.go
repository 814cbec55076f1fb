//go:build !linux

package tensor

// evictPages does nothing where Sinter does not map files or the kernel
// has no reclaim hint.
func evictPages([]byte) {}
