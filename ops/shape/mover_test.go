package shape

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/sinter-ml/sinter/tensor"
)

// refStrided is the reference loop of kind.strided: element by element,
// output coordinate c reads src element off + Σ c[i]*strides[i].
func refStrided[T any](d, s []T, shape, strides []int, off int) {
	n := prod(shape)
	c := make([]int, len(shape))
	for o := range n {
		p := off
		for i := range c {
			p += c[i] * strides[i]
		}
		d[o] = s[p]
		for a := len(c) - 1; a >= 0; a-- {
			c[a]++
			if c[a] < shape[a] {
				break
			}
			c[a] = 0
		}
	}
}

// randLayout returns a random strided layout over a source of the
// returned length: permuted, sliced (with negative steps), broadcast
// (zero strides) and unit axes, with extents large enough now and then to
// span several transpose tiles.
func randLayout(rng *rand.Rand) (shape, strides []int, off, srcLen int) {
	r := rng.Intn(6)
	src := make([]int, r)
	for i := range src {
		src[i] = 1 + rng.Intn(6)
		if rng.Intn(4) == 0 {
			src[i] = 1 + rng.Intn(80)
		}
	}
	st := make([]int, r)
	stridesInto(st, src)
	perm := rng.Perm(r)
	shape, strides = make([]int, r), make([]int, r)
	lo, hi := 0, 0
	for i, a := range perm {
		shape[i], strides[i] = src[a], st[a]
		switch rng.Intn(6) {
		case 0: // broadcast
			strides[i] = 0
			shape[i] = 1 + rng.Intn(4)
		case 1: // step of -1 or 2
			if rng.Intn(2) == 0 {
				strides[i] = -strides[i]
			} else {
				strides[i] *= 2
				shape[i] = (shape[i] + 1) / 2
			}
		case 2:
			if rng.Intn(3) == 0 {
				shape[i] = 0
			}
		}
		if strides[i] < 0 {
			lo += max(shape[i]-1, 0) * strides[i]
		} else {
			hi += max(shape[i]-1, 0) * strides[i]
		}
	}
	return shape, strides, -lo, hi - lo + 1
}

// guarded returns a tensor of n elements of dt whose storage sits between
// guard bytes filled with a sentinel, at an odd offset when unaligned is
// set, and a check that the guards are intact.
func guarded(dt tensor.DType, n int, unaligned bool) (*tensor.Tensor, func() bool) {
	const guard, sentinel = 64, 0xC3
	sz := dt.Size()
	skew := 0
	if unaligned {
		skew = 1
	}
	buf := make([]byte, 2*guard+n*sz+skew)
	for i := range buf {
		buf[i] = sentinel
	}
	t, err := tensor.FromBytes(dt, tensor.Shape{n}, buf[guard+skew:guard+skew+n*sz])
	if err != nil {
		panic(err)
	}
	return t, func() bool {
		for _, b := range buf[:guard+skew] {
			if b != sentinel {
				return false
			}
		}
		for _, b := range buf[guard+skew+n*sz:] {
			if b != sentinel {
				return false
			}
		}
		return true
	}
}

// TestStridedMatchesReference runs kind.strided against its reference
// loop for every element width, aligned and not, and strings, writing
// into guarded buffers.
func TestStridedMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for it := range 3000 {
		shape, strides, off, srcLen := randLayout(rng)
		for srcLen > 1<<15 || prod(shape) > 1<<15 {
			shape, strides, off, srcLen = randLayout(rng)
		}
		n := prod(shape)
		dt := []tensor.DType{tensor.Uint8, tensor.Float16, tensor.Float32, tensor.Int64, tensor.String}[it%5]
		unaligned := it%3 == 0
		name := fmt.Sprintf("%v %v strides %v off %d unaligned %v", dt, shape, strides, off, unaligned)
		if dt == tensor.String {
			s := make([]string, srcLen)
			for i := range s {
				s[i] = fmt.Sprint(i)
			}
			src := tensor.FromStrings(s, srcLen)
			got := tensor.New(tensor.String, n)
			want := make([]string, n)
			refStrided(want, s, shape, strides, off)
			k, err := moveKind("test", got, src)
			if err != nil {
				t.Fatal(err)
			}
			k.strided(got, src, shape, strides, off)
			if fmt.Sprint(got.Strings()) != fmt.Sprint(want) {
				t.Fatalf("%s: got %v, want %v", name, got.Strings(), want)
			}
			continue
		}
		sz := dt.Size()
		src, _ := guarded(dt, srcLen, unaligned)
		rng.Read(src.Bytes())
		dst, intact := guarded(dt, n, unaligned)
		k, err := moveKind("test", dst, src)
		if err != nil {
			t.Fatal(err)
		}
		k.strided(dst, src, shape, strides, off)
		// The reference moves whole elements as byte arrays.
		want := make([][8]byte, n)
		s := make([][8]byte, srcLen)
		for i := range s {
			copy(s[i][:], src.Bytes()[i*sz:(i+1)*sz])
		}
		refStrided(want, s, shape, strides, off)
		for i := range n {
			if string(dst.Bytes()[i*sz:(i+1)*sz]) != string(want[i][:sz]) {
				t.Fatalf("%s: element %d differs", name, i)
			}
		}
		if !intact() {
			t.Fatalf("%s: wrote outside the output", name)
		}
	}
}

// TestTransposeTileMatchesReference checks transposeTile against the loop
// its doc comment states, over tile edges that are not multiples of the
// unrolled row counts.
func TestTransposeTileMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for range 500 {
		nj, ni := 1+rng.Intn(40), 1+rng.Intn(40)
		is, oj := nj+rng.Intn(5), ni+rng.Intn(5)
		jb, ib := rng.Intn(nj), rng.Intn(ni)
		je, ie := jb+1+rng.Intn(nj-jb), ib+1+rng.Intn(ni-ib)
		s := make([]uint32, (ni-1)*is+nj)
		for i := range s {
			s[i] = uint32(i)
		}
		// Half the time the source rows run backwards from the last.
		p := 0
		if rng.Intn(2) == 0 {
			p, is = (ni-1)*is, -is
		}
		got := make([]uint32, (nj-1)*oj+ni)
		want := make([]uint32, len(got))
		transposeTile(got, s, p, jb, je, ib, ie, oj, is)
		for jj := jb; jj < je; jj++ {
			for ii := ib; ii < ie; ii++ {
				want[jj*oj+ii] = s[p+jj+ii*is]
			}
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("nj %d ni %d is %d oj %d tile [%d,%d)×[%d,%d): element %d is %d, want %d", nj, ni, is, oj, jb, je, ib, ie, i, got[i], want[i])
			}
		}
	}
}
