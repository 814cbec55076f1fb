package main

import (
	"bytes"
	"fmt"
)

// neonFamily is an mr×(4·nv) NEON kernel: B rows in V0..V(nv-1), A values in
// V3.. (four rows per vector, then one per register for the remainder),
// accumulators V8..V31. The Go assembler lacks by-element FMLA and vector
// FADD, so those are encoded as WORDs.
type neonFamily struct {
	name   string
	mr, nv int
}

func (f neonFamily) fn(r int) string  { return fmt.Sprintf("sgemm_%s_r%d", f.name, r) }
func (f neonFamily) nr() int          { return 4 * f.nv }
func (f neonFamily) acc(i, v int) int { return 8 + i*f.nv + v }

// fmlaElem encodes FMLA Vd.4S, Vn.4S, Vm.S[idx].
func fmlaElem(d, n, m, idx int) uint32 {
	return 0x4F801000 | uint32(idx&1)<<21 | uint32(m&31)<<16 | uint32(idx>>1)<<11 | uint32(n)<<5 | uint32(d)
}

// faddVec encodes FADD Vd.4S, Vn.4S, Vm.4S.
func faddVec(d, n, m int) uint32 {
	return 0x4E20D400 | uint32(m)<<16 | uint32(n)<<5 | uint32(d)
}

func vlist(first, n int) string {
	var b bytes.Buffer
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "V%d.S4", first+i)
	}
	b.WriteString("]")
	return b.String()
}

func (f neonFamily) emit(s, g *bytes.Buffer, r int) {
	fn := f.fn(r)
	docComment(g, fn, r, f.nr())
	p := func(format string, args ...any) { fmt.Fprintf(s, "\t"+format+"\n", args...) }
	fmt.Fprintf(s, "\n// func %s(%s)\nTEXT ·%s(SB), NOSPLIT, $0-56\n", fn, signature, fn)
	p("MOVD k+0(FP), R3")
	p("MOVD a+8(FP), R0")
	p("MOVD b+16(FP), R1")
	p("MOVD ldb+24(FP), R5")
	p("LSL $2, R5, R5")
	p("MOVD c+32(FP), R2")
	p("MOVD ldc+40(FP), R6")
	p("LSL $2, R6, R6")
	for i := range r {
		for v := range f.nv {
			a := f.acc(i, v)
			p("VEOR V%d.B16, V%d.B16, V%d.B16", a, a, a)
		}
	}
	quads, rem := r/4, r%4
	// where row i's A value lives: register and lane
	areg := func(i int) (int, int) {
		if i < 4*quads {
			return 3 + i/4, i % 4
		}
		return 5 + i - 4*quads, 0
	}
	p("CBZ R3, store")
	fmt.Fprintf(s, "loop:\n")
	p("VLD1 (R1), %s", vlist(0, f.nv))
	p("ADD R5, R1, R1")
	for q := range quads {
		p("VLD1.P 16(R0), [V%d.S4]", 3+q)
	}
	for j := range rem {
		p("FMOVS %d(R0), F%d", 4*j, 5+j)
	}
	if rem > 0 {
		p("ADD $%d, R0, R0", 4*rem)
	}
	for i := range r {
		m, lane := areg(i)
		for v := range f.nv {
			p("WORD $0x%08x // FMLA V%d.4S, V%d.4S, V%d.S[%d]", fmlaElem(f.acc(i, v), v, m, lane), f.acc(i, v), v, m, lane)
		}
	}
	p("SUBS $1, R3, R3")
	p("BNE loop")
	fmt.Fprintf(s, "store:\n")
	p("MOVD flags+48(FP), R7")
	p("TBZ $0, R7, overwrite")
	for i := range r {
		p("VLD1 (R2), %s", vlist(0, f.nv))
		for v := range f.nv {
			a := f.acc(i, v)
			p("WORD $0x%08x // FADD V%d.4S, V%d.4S, V%d.4S", faddVec(a, a, v), a, a, v)
		}
		p("VST1 %s, (R2)", vlist(f.acc(i, 0), f.nv))
		p("ADD R6, R2, R2")
	}
	p("RET")
	fmt.Fprintf(s, "overwrite:\n")
	for i := range r {
		p("VST1 %s, (R2)", vlist(f.acc(i, 0), f.nv))
		p("ADD R6, R2, R2")
	}
	p("RET")
}

func (f neonFamily) table(g *bytes.Buffer) {
	fmt.Fprintf(g, "// %sRows lists the %s functions by row count.\n", f.name, f.name)
	fmt.Fprintf(g, "var %sRows = [...]rowKernel{nil", f.name)
	for r := 1; r <= f.mr; r++ {
		fmt.Fprintf(g, ", %s", f.fn(r))
	}
	fmt.Fprintf(g, "}\n\nconst %sMR, %sNR = %d, %d\n\n", f.name, f.name, f.mr, f.nr())
}
