package shape

import (
	"fmt"
	"unsafe"

	"github.com/sinter-ml/sinter/tensor"
)

// Most operators of this family move elements without looking at their
// values, so they are written once over the element's storage: kind picks
// the Go type that moves a tensor's elements, and the generic loops below
// run on that type. Nothing here allocates for ranks up to stackRank.

// kind is the Go type that moves the elements of a pair of tensors: a
// word of the element's width when both tensors' storage is aligned for
// it, a byte array of that width otherwise (tensors aliasing a model
// file), or string.
type kind uint8

const (
	kString kind = iota
	k1
	k2
	k4
	k8
	k2u // [2]byte
	k4u // [4]byte
	k8u // [8]byte
)

// moveKind returns the kind that moves elements of src into out, checking
// that they share an element type.
func moveKind(op string, out, src *tensor.Tensor) (kind, error) {
	dt := out.DType()
	if src.DType() != dt {
		return 0, fmt.Errorf("%s: dtype mismatch: %v vs %v", op, src.DType(), dt)
	}
	if dt == tensor.String {
		return kString, nil
	}
	if !dt.Valid() {
		return 0, fmt.Errorf("%s: unsupported dtype %v", op, dt)
	}
	sz := dt.Size()
	aligned := alignedFor(out, sz) && alignedFor(src, sz)
	switch {
	case sz == 1:
		return k1, nil
	case sz == 2 && aligned:
		return k2, nil
	case sz == 2:
		return k2u, nil
	case sz == 4 && aligned:
		return k4, nil
	case sz == 4:
		return k4u, nil
	case sz == 8 && aligned:
		return k8, nil
	case sz == 8:
		return k8u, nil
	}
	return 0, fmt.Errorf("%s: unsupported dtype %v", op, dt)
}

// alignedFor reports whether t's storage starts on a multiple of sz bytes.
func alignedFor(t *tensor.Tensor, sz int) bool {
	b := t.Bytes()
	return len(b) == 0 || uintptr(unsafe.Pointer(&b[0]))%uintptr(sz) == 0
}

// words returns t's storage as []T, T a word or byte array of the
// element's width; the caller has checked that a word is aligned.
func words[T any](t *tensor.Tensor) []T {
	b := t.Bytes()
	var z T
	sz := int(unsafe.Sizeof(z))
	if len(b) < sz {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), len(b)/sz)
}

// strided fills dst (contiguous, row-major over shape) from src, where
// output coordinate c reads src element off + Σ c[i]*strides[i].
func (k kind) strided(dst, src *tensor.Tensor, shape, strides []int, off int) {
	var shBuf, stBuf [stackRank]int
	sh, st, n := simplifyStrided(shape, strides, shBuf[:0], stBuf[:0])
	if n == 0 {
		return
	}
	switch k {
	case kString:
		stridedT(dst.Strings(), src.Strings(), sh, st, off)
	case k1:
		stridedT(words[uint8](dst), words[uint8](src), sh, st, off)
	case k2:
		stridedT(words[uint16](dst), words[uint16](src), sh, st, off)
	case k4:
		stridedT(words[uint32](dst), words[uint32](src), sh, st, off)
	case k8:
		stridedT(words[uint64](dst), words[uint64](src), sh, st, off)
	case k2u:
		stridedT(words[[2]byte](dst), words[[2]byte](src), sh, st, off)
	case k4u:
		stridedT(words[[4]byte](dst), words[[4]byte](src), sh, st, off)
	case k8u:
		stridedT(words[[8]byte](dst), words[[8]byte](src), sh, st, off)
	}
}

// take sets dst[dOff+i] = src[offs[i]] for every i.
func (k kind) take(dst *tensor.Tensor, dOff int, src *tensor.Tensor, offs []int) {
	switch k {
	case kString:
		takeT(dst.Strings()[dOff:], src.Strings(), offs)
	case k1:
		takeT(words[uint8](dst)[dOff:], words[uint8](src), offs)
	case k2:
		takeT(words[uint16](dst)[dOff:], words[uint16](src), offs)
	case k4:
		takeT(words[uint32](dst)[dOff:], words[uint32](src), offs)
	case k8:
		takeT(words[uint64](dst)[dOff:], words[uint64](src), offs)
	case k2u:
		takeT(words[[2]byte](dst)[dOff:], words[[2]byte](src), offs)
	case k4u:
		takeT(words[[4]byte](dst)[dOff:], words[[4]byte](src), offs)
	case k8u:
		takeT(words[[8]byte](dst)[dOff:], words[[8]byte](src), offs)
	}
}

// put sets dst[offs[i]] = src[sOff+i] for every i, in order.
func (k kind) put(dst *tensor.Tensor, offs []int, src *tensor.Tensor, sOff int) {
	switch k {
	case kString:
		putT(dst.Strings(), src.Strings()[sOff:], offs)
	case k1:
		putT(words[uint8](dst), words[uint8](src)[sOff:], offs)
	case k2:
		putT(words[uint16](dst), words[uint16](src)[sOff:], offs)
	case k4:
		putT(words[uint32](dst), words[uint32](src)[sOff:], offs)
	case k8:
		putT(words[uint64](dst), words[uint64](src)[sOff:], offs)
	case k2u:
		putT(words[[2]byte](dst), words[[2]byte](src)[sOff:], offs)
	case k4u:
		putT(words[[4]byte](dst), words[[4]byte](src)[sOff:], offs)
	case k8u:
		putT(words[[8]byte](dst), words[[8]byte](src)[sOff:], offs)
	}
}

func takeT[T any](d, s []T, offs []int) {
	d = d[:len(offs)]
	for i, j := range offs {
		d[i] = s[j]
	}
}

func putT[T any](d, s []T, offs []int) {
	s = s[:len(offs)]
	for i, j := range offs {
		d[j] = s[i]
	}
}

// copyElems copies n elements from src[si:] to dst[di:]; the tensors
// share an element type.
func copyElems(dst *tensor.Tensor, di int, src *tensor.Tensor, si, n int) {
	if n <= 0 {
		return
	}
	if dst.DType() == tensor.String {
		copy(dst.Strings()[di:di+n], src.Strings()[si:si+n])
		return
	}
	sz := dst.DType().Size()
	copy(dst.Bytes()[di*sz:(di+n)*sz], src.Bytes()[si*sz:(si+n)*sz])
}

// fillFrom sets dst[off:off+n] to element si of src, or to zero (the
// empty string) when src is nil.
func fillFrom(dst *tensor.Tensor, off, n int, src *tensor.Tensor, si int) {
	if n <= 0 {
		return
	}
	if dst.DType() == tensor.String {
		var v string
		if src != nil {
			v = src.Strings()[si]
		}
		d := dst.Strings()[off : off+n]
		for i := range d {
			d[i] = v
		}
		return
	}
	sz := dst.DType().Size()
	var v []byte
	if src != nil {
		v = src.Bytes()[si*sz : (si+1)*sz]
	}
	fillBytes(dst.Bytes()[off*sz:(off+n)*sz], v)
}

// fillBytes repeats the element v over d (len(d) a multiple of len(v));
// a nil or all-zero v clears d.
func fillBytes(d, v []byte) {
	zero := true
	for _, c := range v {
		if c != 0 {
			zero = false
			break
		}
	}
	if zero {
		clear(d)
		return
	}
	if len(d) == 0 {
		return
	}
	copy(d, v)
	for n := len(v); n < len(d); n *= 2 {
		copy(d[n:], d[:n])
	}
}

// simplifyStrided drops unit axes and merges adjacent axes that are
// contiguous in the source, so the inner loop runs as long as possible.
// It appends to sh and st and also returns the element count.
func simplifyStrided(shape, strides, sh, st []int) ([]int, []int, int) {
	n := 1
	for i, d := range shape {
		if d == 0 {
			return sh[:0], st[:0], 0
		}
		n *= d
		if d == 1 {
			continue
		}
		if k := len(sh) - 1; k >= 0 && st[k] == strides[i]*d {
			sh[k] *= d
			st[k] = strides[i]
			continue
		}
		sh = append(sh, d)
		st = append(st, strides[i])
	}
	return sh, st, n
}

// stridedT is strided on typed storage, for a simplified layout of at
// least one element.
func stridedT[T any](d, s []T, shape, strides []int, off int) {
	r := len(shape)
	if r == 0 {
		d[0] = s[off]
		return
	}
	inner, is := shape[r-1], strides[r-1]
	if is != 1 && is != 0 && inner > 1 {
		for j := r - 2; j >= 0; j-- {
			if strides[j] == 1 {
				tiled(d, s, shape, strides, off, j)
				return
			}
		}
	}
	// The last two axes run as plain loops; an odometer walks the others.
	rows, rs := 1, 0
	if r >= 2 {
		rows, rs = shape[r-2], strides[r-2]
	}
	var idxBuf [stackRank]int
	idx := scratch(idxBuf[:], max(r-2, 0))
	o, p := 0, off
	for {
		q := p
		for range rows {
			row := d[o : o+inner]
			switch is {
			case 1:
				copy(row, s[q:q+inner])
			case 0:
				v := s[q]
				for k := range row {
					row[k] = v
				}
			default:
				x := q
				for k := range row {
					row[k] = s[x]
					x += is
				}
			}
			o += inner
			q += rs
		}
		ax := r - 3
		for ; ax >= 0; ax-- {
			idx[ax]++
			p += strides[ax]
			if idx[ax] < shape[ax] {
				break
			}
			p -= strides[ax] * shape[ax]
			idx[ax] = 0
		}
		if ax < 0 {
			return
		}
	}
}

// tiled is stridedT for a transpose-like layout: the last output axis
// reads the source with a stride while axis j reads it contiguously. It
// transposes the (j, last) planes in tiles, so that both sides stay in
// cache.
func tiled[T any](d, s []T, shape, strides []int, off, j int) {
	const tileJ, tileI = 32, 64
	r := len(shape)
	var ostBuf, idxBuf [stackRank]int
	ost := scratch(ostBuf[:], r)
	n := 1
	for a := r - 1; a >= 0; a-- {
		ost[a] = n
		n *= shape[a]
	}
	nj, ni, is, oj := shape[j], shape[r-1], strides[r-1], ost[j]
	idx := scratch(idxBuf[:], r)
	clear(idx)
	p, q := off, 0
	for {
		for jb := 0; jb < nj; jb += tileJ {
			je := min(jb+tileJ, nj)
			for ib := 0; ib < ni; ib += tileI {
				ie := min(ib+tileI, ni)
				transposeTile(d[q:], s, p, jb, je, ib, ie, oj, is)
			}
		}
		// Odometer over the axes other than j and the last.
		a := r - 2
		for ; a >= 0; a-- {
			if a == j {
				continue
			}
			idx[a]++
			p += strides[a]
			q += ost[a]
			if idx[a] < shape[a] {
				break
			}
			p -= strides[a] * shape[a]
			q -= ost[a] * shape[a]
			idx[a] = 0
		}
		if a < 0 {
			return
		}
	}
}

// transposeTile sets d[jj*oj+ii] = s[p+jj+ii*is] for jj in [jb, je) and
// ii in [ib, ie); is may be negative. It fills eight (then four, then one) output rows at a time:
// each step reads that many contiguous source elements and writes one
// element to each row.
func transposeTile[T any](d, s []T, p, jb, je, ib, ie, oj, is int) {
	n := ie - ib
	jj := jb
	for ; jj+8 <= je; jj += 8 {
		d0 := d[jj*oj+ib:][:n]
		d1 := d[(jj+1)*oj+ib:][:n]
		d2 := d[(jj+2)*oj+ib:][:n]
		d3 := d[(jj+3)*oj+ib:][:n]
		d4 := d[(jj+4)*oj+ib:][:n]
		d5 := d[(jj+5)*oj+ib:][:n]
		d6 := d[(jj+6)*oj+ib:][:n]
		d7 := d[(jj+7)*oj+ib:][:n]
		x := p + jj + ib*is
		for k := range d0 {
			v := s[x : x+8 : x+8]
			d0[k], d1[k], d2[k], d3[k] = v[0], v[1], v[2], v[3]
			d4[k], d5[k], d6[k], d7[k] = v[4], v[5], v[6], v[7]
			x += is
		}
	}
	for ; jj+4 <= je; jj += 4 {
		d0 := d[jj*oj+ib:][:n]
		d1 := d[(jj+1)*oj+ib:][:n]
		d2 := d[(jj+2)*oj+ib:][:n]
		d3 := d[(jj+3)*oj+ib:][:n]
		x := p + jj + ib*is
		for k := range d0 {
			v := s[x : x+4 : x+4]
			d0[k], d1[k], d2[k], d3[k] = v[0], v[1], v[2], v[3]
			x += is
		}
	}
	for ; jj < je; jj++ {
		row := d[jj*oj+ib:][:n]
		x := p + jj + ib*is
		for k := range row {
			row[k] = s[x]
			x += is
		}
	}
}
