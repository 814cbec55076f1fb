package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestPackBReleasing checks that PackBReleasing (and so PackB) packs op(B)
// in the documented layout, reports the source exactly once in consecutive bands of whole rows that
// tile it to its last element, and reads no band again after reporting it
// (each band is poisoned with NaN as it is reported).
func TestPackBReleasing(t *testing.T) {
	forEachTier(t, func(t *testing.T) {
		kern := current()
		rng := rand.New(rand.NewPCG(41, 42))
		for _, transB := range []bool{false, true} {
			for _, k := range []int{0, 1, 7, kern.kc - 1, kern.kc, kern.kc + 1, 2*kern.kc + 5} {
				for _, n := range []int{0, 1, kern.nr - 1, kern.nr, 3*kern.nr + 2} {
					for _, pad := range []int{0, 3} {
						name := fmt.Sprintf("transB %v k %d n %d pad %d", transB, k, n, pad)
						rows, cols := k, n
						if transB {
							rows, cols = n, k
						}
						ldb := cols + pad
						end := 0
						if rows > 0 && cols > 0 {
							end = (rows-1)*ldb + cols
						}
						// Elements past the matrix must not be reported.
						b := make([]float32, end+5)
						for i := range b {
							b[i] = float32(rng.NormFloat64())
						}
						want := packedLayout(transB, k, n, b, ldb, kern.kc, kern.nr)
						next, bands := 0, 0
						got := PackBReleasing(transB, k, n, b, ldb, func(band []float32) {
							off := int(uintptr(unsafe.Pointer(unsafe.SliceData(band)))-uintptr(unsafe.Pointer(&b[0]))) / 4
							switch {
							case off != next:
								t.Fatalf("%s: band at %d, want %d", name, off, next)
							case off%ldb != 0:
								t.Fatalf("%s: band at %d does not start a row", name, off)
							case len(band) == 0 || cap(band) != len(band):
								t.Fatalf("%s: band of length %d, capacity %d", name, len(band), cap(band))
							}
							next += len(band)
							bands++
							for i := range band {
								band[i] = float32(math.NaN())
							}
						})
						wantBands := 0
						switch {
						case end == 0:
						case transB:
							wantBands = ceilDiv(n, kern.nr)
						default:
							wantBands = ceilDiv(k, kern.kc)
						}
						if next != end || bands != wantBands {
							t.Fatalf("%s: %d bands covering [0, %d), want %d covering [0, %d)", name, bands, next, wantBands, end)
						}
						if got.K() != k || got.N() != n || len(got.data) != len(want) {
							t.Fatalf("%s: packed %d×%d in %d floats, want %d×%d in %d", name, got.K(), got.N(), len(got.data), k, n, len(want))
						}
						for i := range want {
							if math.Float32bits(got.data[i]) != math.Float32bits(want[i]) {
								t.Fatalf("%s: packed[%d] = %v, want %v", name, i, got.data[i], want[i])
							}
						}
					}
				}
			}
		}
	})
}

// packedLayout is PackB's layout written out: K-block pc (of kc rows) at
// pc·stride, in it the strip of nr columns at column jr at jr·kb, row p of
// the strip at p·nr; columns past n are zero.
func packedLayout(transB bool, k, n int, b []float32, ldb, kc, nr int) []float32 {
	stride := roundUp(n, nr)
	data := make([]float32, k*stride)
	for pc := 0; pc < k; pc += kc {
		kb := min(kc, k-pc)
		for jr := 0; jr < n; jr += nr {
			for p := range kb {
				for j := range min(nr, n-jr) {
					i := (pc+p)*ldb + jr + j // op(B)(pc+p, jr+j)
					if transB {
						i = (jr+j)*ldb + pc + p
					}
					data[pc*stride+jr*kb+p*nr+j] = b[i]
				}
			}
		}
	}
	return data
}
