package gemm

import (
	"fmt"
	"math"
	"os"
	"sync"

	"github.com/sinter-ml/sinter/internal/cpu"
)

// maxMR is the most rows any micro-kernel computes at once.
const maxMR = 16

// flagAccumulate makes a micro-kernel add its product to C instead of
// overwriting C.
const flagAccumulate = 1

// rowKernel computes an r×nr tile of C from a packed A micro-panel (r rows,
// k-major: a[p*r+i]) and a B micro-panel (k rows of nr floats, row p at
// b[p*ldb:]), where r is fixed by the function. The reference loop is
// refKernel. Every output element is one sequential fused multiply-add chain
// over p, then (if accumulating) one add to C, so an element's value never
// depends on which r or which tile computed it.
type rowKernel func(k int, a, b *float32, ldb int, c *float32, ldc int, flags int)

// wideKernel computes one row of C over wideStrips B strips of nr columns,
// strip s at b[s*sstride:] (row p at +p*ldb), into c[0:wideStrips*nr]; each
// element exactly as rows[1] computes it.
type wideKernel func(k int, a, b *float32, ldb int, c *float32, sstride int, flags int)

const wideStrips = 4

// kernel is one tier's micro-kernel family and its cache blocking.
type kernel struct {
	name       string
	tier       cpu.Tier
	mr, nr     int
	rows       [maxMR + 1]rowKernel // rows[r] computes r rows, 1 ≤ r ≤ mr
	wide       wideKernel           // optional: one row over wideStrips strips
	kc, mc, nc int                  // K block, M block (multiple of mr), N block (multiple of nr)
}

// kernels holds each tier's kernel; tiers without one use generic.
var kernels [cpu.NumTiers]*kernel

// testKernel, when set by a test, overrides the tier's kernel.
var testKernel *kernel

var blockOnce sync.Once

// current returns the kernel for the tier in force.
func current() *kernel {
	blockOnce.Do(sizeBlocks)
	if testKernel != nil {
		return testKernel
	}
	if k := kernels[cpu.Current()]; k != nil {
		return k
	}
	return kernels[cpu.Generic]
}

// sizeBlocks fits each kernel's blocking to the detected caches: a kc×nr B
// micro-panel stays in L1, an mc×kc A block in L2, a kc×nc B panel in L3.
// Blocking never changes results (K blocks are fixed by kc, which only
// depends on the kernel and the L1 size).
func sizeBlocks() {
	l1, l2, l3 := cpu.Has.L1D, cpu.Has.L2, cpu.Has.L3
	if l1 <= 0 {
		l1 = 32 << 10
	}
	if l2 <= 0 {
		l2 = 512 << 10
	}
	if l3 <= 0 {
		l3 = 4 << 20
	}
	for _, k := range append(kernels[:], asmKernels...) {
		if k == nil || k.kc != 0 {
			continue
		}
		// B micro-panel kc×nr×4 bytes ≈ L1; clamp to a sane range.
		kc := l1 / (4 * k.nr)
		kc = min(max(kc&^7, 128), 512)
		// A block mc×kc×4 ≈ half of L2.
		mc := (l2 / 2) / (4 * kc)
		mc = min(max(mc/k.mr*k.mr, k.mr), 60*k.mr)
		// B panel kc×nc×4 ≈ a quarter of L3 (shared by cores), ≤ 4096 columns.
		nc := (l3 / 4) / (4 * kc)
		nc = min(max(nc/k.nr*k.nr, k.nr), 4096/k.nr*k.nr)
		k.kc, k.mc, k.nc = kc, mc, nc
		// For measurements: SINTER_GEMM_BLOCKS=kc,mc,nc overrides (rounded).
		if v := os.Getenv("SINTER_GEMM_BLOCKS"); v != "" {
			var a, b, c int
			if n, _ := fmt.Sscanf(v, "%d,%d,%d", &a, &b, &c); n == 3 && a > 0 && b > 0 && c > 0 {
				k.kc, k.mc, k.nc = a, max(b/k.mr, 1)*k.mr, max(c/k.nr, 1)*k.nr
			}
		}
	}
}

// refKernel is the reference loop every rowKernel implements (the assembly
// kernels' doc comments point here): for an r×nr tile,
//
//	for i < r, j < nr:
//		s := float32(0)
//		for p < k: s = fma(a[p*r+i], b[p*ldb+j], s)
//		c[i*ldc+j] = s, or c[i*ldc+j] += s with flagAccumulate
//
// Preconditions: a holds k*r floats, b holds (k-1)*ldb+nr, c holds
// (r-1)*ldc+nr; c does not overlap a or b. k may be 0.
func refKernel(r, nr, k int, a, b []float32, ldb int, c []float32, ldc int, flags int) {
	for i := range r {
		for j := range nr {
			var s float32
			for p := range k {
				s = float32(math.FMA(float64(a[p*r+i]), float64(b[p*ldb+j]), float64(s)))
			}
			if flags&flagAccumulate != 0 {
				c[i*ldc+j] += s
			} else {
				c[i*ldc+j] = s
			}
		}
	}
}
