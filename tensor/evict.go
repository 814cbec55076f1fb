package tensor

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
