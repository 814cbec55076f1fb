package gemm

import (
	"unsafe"

	"github.com/sinter-ml/sinter/internal/cpu"
)

// The pure-Go micro-kernel: 4×8 tiles. It is the tier used with the purego
// tag, on architectures without assembly, and under SINTER_CPU=generic.
const genericMR, genericNR = 4, 8

func init() {
	k := &kernel{name: "go4x8", tier: cpu.Generic, mr: genericMR, nr: genericNR}
	for r := 1; r <= genericMR; r++ {
		k.rows[r] = func(kk int, a, b *float32, ldb int, c *float32, ldc int, flags int) {
			goKernel(r, genericNR, kk, a, b, ldb, c, ldc, flags)
		}
	}
	k.rows[4] = goKernel4x8
	kernels[cpu.Generic] = k
}

// floats views n float32s at p (nil when n is 0).
func floats(p *float32, n int) []float32 {
	if n <= 0 {
		return nil
	}
	return unsafe.Slice(p, n)
}

// goKernel is refKernel for any r and nr, used for the generic edge rows.
func goKernel(r, nr, k int, ap, bp *float32, ldb int, cp *float32, ldc int, flags int) {
	a := floats(ap, k*r)
	b := floats(bp, (k-1)*ldb+nr)
	c := floats(cp, (r-1)*ldc+nr)
	var acc [genericNR]float32
	for i := range r {
		acc = [genericNR]float32{}
		for p := range k {
			ai := a[p*r+i]
			bb := b[p*ldb : p*ldb+nr]
			for j := range bb {
				acc[j] += ai * bb[j]
			}
		}
		ci := c[i*ldc : i*ldc+nr]
		if flags&flagAccumulate != 0 {
			for j := range ci {
				ci[j] += acc[j]
			}
		} else {
			copy(ci, acc[:nr])
		}
	}
}

// goKernel4x8 is the generic full tile, with its 32 accumulators named so
// the compiler can keep them in registers where it has enough.
func goKernel4x8(k int, ap, bp *float32, ldb int, cp *float32, ldc int, flags int) {
	a := floats(ap, 4*k)
	b := floats(bp, (k-1)*ldb+8)
	var c00, c01, c02, c03, c04, c05, c06, c07 float32
	var c10, c11, c12, c13, c14, c15, c16, c17 float32
	var c20, c21, c22, c23, c24, c25, c26, c27 float32
	var c30, c31, c32, c33, c34, c35, c36, c37 float32
	for p := range k {
		bb := b[p*ldb : p*ldb+8 : p*ldb+8]
		aa := a[p*4 : p*4+4 : p*4+4]
		b0, b1, b2, b3, b4, b5, b6, b7 := bb[0], bb[1], bb[2], bb[3], bb[4], bb[5], bb[6], bb[7]
		a0 := aa[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c04 += a0 * b4
		c05 += a0 * b5
		c06 += a0 * b6
		c07 += a0 * b7
		a1 := aa[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c14 += a1 * b4
		c15 += a1 * b5
		c16 += a1 * b6
		c17 += a1 * b7
		a2 := aa[2]
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c24 += a2 * b4
		c25 += a2 * b5
		c26 += a2 * b6
		c27 += a2 * b7
		a3 := aa[3]
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
		c34 += a3 * b4
		c35 += a3 * b5
		c36 += a3 * b6
		c37 += a3 * b7
	}
	c := floats(cp, 3*ldc+8)
	rows := [4][8]float32{
		{c00, c01, c02, c03, c04, c05, c06, c07},
		{c10, c11, c12, c13, c14, c15, c16, c17},
		{c20, c21, c22, c23, c24, c25, c26, c27},
		{c30, c31, c32, c33, c34, c35, c36, c37},
	}
	for i := range 4 {
		ci := c[i*ldc : i*ldc+8 : i*ldc+8]
		if flags&flagAccumulate != 0 {
			for j := range 8 {
				ci[j] += rows[i][j]
			}
		} else {
			copy(ci, rows[i][:])
		}
	}
}
