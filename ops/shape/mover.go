package shape

import (
	"fmt"
	"unsafe"

	"github.com/sinter-ml/sinter/tensor"
)

// mover moves elements between tensors of one dtype without looking at their
// values. It is implemented once per storage width (and once for strings),
// so the data-movement operators are written once for every dtype.
type mover interface {
	// strided fills dst (contiguous, row-major over shape) from src, where
	// output coordinate c reads src element off + Σ c[i]*strides[i].
	strided(dst, src *tensor.Tensor, shape, strides []int, off int)
	// take sets dst[dOff+i] = src[idx[i]], or the fill value (element 0 of
	// fill, zero when fill is nil) where idx[i] < 0.
	take(dst *tensor.Tensor, dOff int, src *tensor.Tensor, idx []int, fill *tensor.Tensor)
	// put sets dst[idx[i]] = src[i] for every i, in order.
	put(dst *tensor.Tensor, idx []int, src *tensor.Tensor)
	// copy copies n elements from src[si:] to dst[di:].
	copy(dst *tensor.Tensor, di int, src *tensor.Tensor, si, n int)
	// fill sets dst[off:off+n] to element 0 of v (zero when v is nil).
	fill(dst *tensor.Tensor, off, n int, v *tensor.Tensor)
}

type moverT[T any] struct{}

// elems returns t's storage as []T: its strings for a String tensor, else a
// reinterpretation of its bytes.
func elems[T any](t *tensor.Tensor) []T {
	var z T
	if _, ok := any(z).(string); ok {
		return any(t.Strings()).([]T)
	}
	b := t.Bytes()
	sz := int(unsafe.Sizeof(z))
	if len(b) < sz {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), len(b)/sz)
}

func (moverT[T]) strided(dst, src *tensor.Tensor, shape, strides []int, off int) {
	d, s := elems[T](dst), elems[T](src)
	shape, strides = simplifyStrided(shape, strides)
	n := 1
	for _, v := range shape {
		n *= v
	}
	if n == 0 {
		return
	}
	r := len(shape)
	if r == 0 {
		d[0] = s[off]
		return
	}
	inner, is := shape[r-1], strides[r-1]
	if is != 1 && is != 0 {
		for j := r - 2; j >= 0; j-- {
			if strides[j] == 1 {
				tiled(d, s, shape, strides, off, j)
				return
			}
		}
	}
	idx := make([]int, r)
	p := off
	for o := 0; o < n; o += inner {
		switch is {
		case 1:
			copy(d[o:o+inner], s[p:p+inner])
		case 0:
			v := s[p]
			row := d[o : o+inner]
			for k := range row {
				row[k] = v
			}
		default:
			q := p
			row := d[o : o+inner]
			for k := range row {
				row[k] = s[q]
				q += is
			}
		}
		for ax := r - 2; ax >= 0; ax-- {
			idx[ax]++
			p += strides[ax]
			if idx[ax] < shape[ax] {
				break
			}
			p -= strides[ax] * shape[ax]
			idx[ax] = 0
		}
	}
}

// tiled is strided for a transpose-like pattern: the last output axis reads
// the source with a stride while axis j reads it contiguously. It copies the
// (j, last) plane in square tiles so both sides stay in cache.
func tiled[T any](d, s []T, shape, strides []int, off, j int) {
	const tile = 32
	r := len(shape)
	ost := make([]int, r)
	n := 1
	for a := r - 1; a >= 0; a-- {
		ost[a] = n
		n *= shape[a]
	}
	nj, ni, is, oj := shape[j], shape[r-1], strides[r-1], ost[j]
	// Odometer over the remaining axes.
	var rest []int
	for a := 0; a < r-1; a++ {
		if a != j {
			rest = append(rest, a)
		}
	}
	idx := make([]int, len(rest))
	p, q := off, 0
	for {
		for jb := 0; jb < nj; jb += tile {
			je := min(jb+tile, nj)
			for ib := 0; ib < ni; ib += tile {
				ie := min(ib+tile, ni)
				for jj := jb; jj < je; jj++ {
					row := d[q+jj*oj+ib : q+jj*oj+ie]
					sp := p + jj + ib*is
					for k := range row {
						row[k] = s[sp]
						sp += is
					}
				}
			}
		}
		k := len(rest) - 1
		for ; k >= 0; k-- {
			a := rest[k]
			idx[k]++
			p += strides[a]
			q += ost[a]
			if idx[k] < shape[a] {
				break
			}
			p -= strides[a] * shape[a]
			q -= ost[a] * shape[a]
			idx[k] = 0
		}
		if k < 0 {
			return
		}
	}
}

// simplifyStrided drops unit axes and merges adjacent axes that are
// contiguous in the source, so the inner loop runs as long as possible.
func simplifyStrided(shape, strides []int) ([]int, []int) {
	sh := make([]int, 0, len(shape))
	st := make([]int, 0, len(shape))
	for i, d := range shape {
		if d == 0 {
			return []int{0}, []int{0}
		}
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
	return sh, st
}

func (moverT[T]) take(dst *tensor.Tensor, dOff int, src *tensor.Tensor, idx []int, fill *tensor.Tensor) {
	d, s := elems[T](dst)[dOff:], elems[T](src)
	var f T
	if fill != nil {
		f = elems[T](fill)[0]
	}
	for i, j := range idx {
		if j < 0 {
			d[i] = f
		} else {
			d[i] = s[j]
		}
	}
}

func (moverT[T]) put(dst *tensor.Tensor, idx []int, src *tensor.Tensor) {
	d, s := elems[T](dst), elems[T](src)
	for i, j := range idx {
		d[j] = s[i]
	}
}

func (moverT[T]) copy(dst *tensor.Tensor, di int, src *tensor.Tensor, si, n int) {
	if n <= 0 {
		return
	}
	copy(elems[T](dst)[di:di+n], elems[T](src)[si:si+n])
}

func (moverT[T]) fill(dst *tensor.Tensor, off, n int, v *tensor.Tensor) {
	var f T
	if v != nil {
		f = elems[T](v)[0]
	}
	d := elems[T](dst)[off : off+n]
	for i := range d {
		d[i] = f
	}
}

// moverFor returns the mover for tensors of dt. Tensors whose bytes are not
// aligned for the natural word width (e.g. aliasing a model file) use byte
// arrays instead of words.
func moverFor(dt tensor.DType, ts ...*tensor.Tensor) (mover, error) {
	if dt == tensor.String {
		return moverT[string]{}, nil
	}
	if !dt.Valid() {
		return nil, fmt.Errorf("unsupported dtype %v", dt)
	}
	sz := dt.Size()
	aligned := true
	for _, t := range ts {
		if t == nil {
			continue
		}
		if b := t.Bytes(); len(b) > 0 && uintptr(unsafe.Pointer(&b[0]))%uintptr(sz) != 0 {
			aligned = false
		}
	}
	switch sz {
	case 1:
		return moverT[uint8]{}, nil
	case 2:
		if aligned {
			return moverT[uint16]{}, nil
		}
		return moverT[[2]byte]{}, nil
	case 4:
		if aligned {
			return moverT[uint32]{}, nil
		}
		return moverT[[4]byte]{}, nil
	case 8:
		if aligned {
			return moverT[uint64]{}, nil
		}
		return moverT[[8]byte]{}, nil
	}
	return nil, fmt.Errorf("unsupported dtype %v", dt)
}

// newTensor allocates a zeroed tensor of dt and shape after checking the shape.
func newTensor(dt tensor.DType, shape tensor.Shape) (*tensor.Tensor, error) {
	if err := shape.Check(); err != nil {
		return nil, err
	}
	if !dt.Valid() {
		return nil, fmt.Errorf("unsupported dtype %v", dt)
	}
	return tensor.New(dt, shape...), nil
}
