package tensor

import "unsafe"

// MarkMapped records that t's storage aliases a file mapping whose pages
// the operating system can always re-read from the file (formats set it
// on the tensors they map). Only such tensors are affected by Evict.
func (t *Tensor) MarkMapped() { t.mapped = true }

// Evict hints that t's bytes will not be read again soon. For a tensor
// over a file mapping (MarkMapped), the resident pages wholly inside its
// storage are handed back to the operating system: the bytes are not
// changed, and a later read faults them back in from the file. Loaders
// call it on weights whose prepared copies (packed panels) replace them,
// so that a model's memory is not counted twice. Elsewhere it does
// nothing.
func Evict(t *Tensor) {
	if t != nil && t.mapped && len(t.data) > 0 {
		evictPages(t.data)
	}
}

// EvictPart is Evict for part of t's storage: part must lie within
// t.Bytes() (loaders pass the pieces of a weight they have finished
// with while preparing it); only pages wholly inside part are affected.
func EvictPart(t *Tensor, part []byte) {
	if t == nil || !t.mapped || len(part) == 0 || len(t.data) == 0 {
		return
	}
	lo := uintptr(unsafe.Pointer(&t.data[0]))
	p := uintptr(unsafe.Pointer(&part[0]))
	if p < lo || p+uintptr(len(part)) > lo+uintptr(len(t.data)) {
		return // not t's storage: never touch other memory
	}
	evictPages(part)
}
