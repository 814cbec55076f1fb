package main

import (
	"bytes"
	"fmt"
)

// emitWide writes sgemm_<family>_wide: one row of C across four B strips
// (4·nr columns), so that a single-row product (GEMV-like, M = 1) keeps
// 4·nv independent accumulator chains in flight instead of nv. Strip s of
// row p is at b[s*sstride+p*ldb:]; each element is the same fused chain as
// in the row kernels, so results match rows[1] bit for bit.
func (f x86Family) emitWide(s, g *bytes.Buffer) {
	const strips = 4
	fn := fmt.Sprintf("sgemm_%s_wide", f.name)
	nr := f.nr()
	fmt.Fprintf(g, "// %s computes one row of C over %d strips of %d columns (see refKernel\n", fn, strips, nr)
	fmt.Fprintf(g, "// with r = 1, applied to each strip s with b[s*sstride:] and c[s*%d:]).\n", nr)
	fmt.Fprintf(g, "//\n//go:noescape\nfunc %s(k int, a, b *float32, ldb int, c *float32, sstride int, flags int)\n\n", fn)
	p := func(format string, args ...any) { fmt.Fprintf(s, "\t"+format+"\n", args...) }
	fmt.Fprintf(s, "\n// func %s(k int, a, b *float32, ldb int, c *float32, sstride int, flags int)\nTEXT ·%s(SB), NOSPLIT, $0-56\n", fn, fn)
	p("MOVQ k+0(FP), CX")
	p("MOVQ a+8(FP), SI")
	p("MOVQ b+16(FP), DX")
	p("MOVQ ldb+24(FP), R8")
	p("SHLQ $2, R8")
	p("MOVQ c+32(FP), DI")
	p("MOVQ sstride+40(FP), R11")
	p("SHLQ $2, R11")
	p("LEAQ (DX)(R11*2), R12")
	nacc := strips * f.nv
	acc := func(i int) string { return fmt.Sprintf("%s%d", f.reg, f.nregs-nacc+i) }
	bc := f.reg + "0"
	for i := range nacc {
		p("%s %s, %s, %s", f.zero, acc(i), acc(i), acc(i))
	}
	addr := func(st, v int) string {
		off := v * f.vbytes
		switch st {
		case 0:
			return fmt.Sprintf("%d(DX)", off)
		case 1:
			return fmt.Sprintf("%d(DX)(R11*1)", off)
		case 2:
			return fmt.Sprintf("%d(R12)", off)
		}
		return fmt.Sprintf("%d(R12)(R11*1)", off)
	}
	p("TESTQ CX, CX")
	p("JEQ store")
	fmt.Fprintf(s, "loop:\n")
	p("VBROADCASTSS (SI), %s", bc)
	for st := range strips {
		for v := range f.nv {
			p("VFMADD231PS %s, %s, %s", addr(st, v), bc, acc(st*f.nv+v))
		}
	}
	p("ADDQ $4, SI")
	p("ADDQ R8, DX")
	p("ADDQ R8, R12")
	p("DECQ CX")
	p("JNE loop")
	fmt.Fprintf(s, "store:\n")
	p("MOVQ flags+48(FP), R10")
	p("TESTQ $1, R10")
	p("JEQ overwrite")
	for i := range nacc {
		p("VADDPS %d(DI), %s, %s", i*f.vbytes, acc(i), acc(i))
		p("VMOVUPS %s, %d(DI)", acc(i), i*f.vbytes)
	}
	p("VZEROUPPER")
	p("RET")
	fmt.Fprintf(s, "overwrite:\n")
	for i := range nacc {
		p("VMOVUPS %s, %d(DI)", acc(i), i*f.vbytes)
	}
	p("VZEROUPPER")
	p("RET")
}
