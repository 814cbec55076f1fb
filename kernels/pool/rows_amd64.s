//go:build amd64 && !purego

#include "textflag.h"

// The row kernels share one frame layout and register plan:
//	DI dst row, SI src row, R8 rs in bytes, CX n, R9 kh, R10 kw,
//	R12 dstep and R13 sstep in bytes, rows counted down in its argument slot;
//	AX first output of the block, BX tap row pointer, DX kx (and scratch),
//	R11 window rows left.
// Blocks of 8 outputs run from AX = 0; when fewer than 8 remain the last
// block starts at n−8 and recomputes some outputs (n ≥ 8). Then the next
// output row starts (rows ≥ 1). Windows of 2 and 3 columns have their taps
// unrolled; other widths loop over kx.
//
// VMAXPS Y0, Y1, Y0 computes Y0 = Y1 > Y0 ? Y1 : Y0 lane by lane (the
// second source, the running maximum, wins ties and NaNs): the step of
// Max's rule with Y1 the new tap. The max kernels start the running
// maximum at the window's first tap; VADDPS adds each tap to the running
// sum as the second operand, like Go's s += v.
//
// For stride 2 the taps of block lanes 0..7 are x[2i] with x at the tap's
// position: the loads x[0:8] and x[7:15] give them through VSHUFPS $0xD8
// in the order 0 2 8 10 | 4 6 12 14 (i = 0 1 4 5 | 2 3 6 7), which every
// tap shares; VPERMPD $0xD8 restores the order before the store. The
// second load ends at the tap itself, so nothing past the last tap is read.

// NEXT jumps to label for the next block of the row, then for the first
// block of the next row, and falls through when all rows are done.
#define NEXT(label) \
	ADDQ $8, AX; \
	LEAQ 8(AX), DX; \
	CMPQ DX, CX; \
	JLE  label; \
	CMPQ AX, CX; \
	JGE  3(PC); \
	LEAQ -8(CX), AX; \
	JMP  label; \
	XORQ AX, AX; \
	ADDQ R12, DI; \
	ADDQ R13, SI; \
	DECQ rows+48(FP); \
	JNZ  label

#define ARGS \
	MOVQ dst+0(FP), DI; \
	MOVQ src+8(FP), SI; \
	MOVQ rs+16(FP), R8; \
	SHLQ $2, R8; \
	MOVQ n+24(FP), CX; \
	MOVQ kh+32(FP), R9; \
	MOVQ kw+40(FP), R10; \
	MOVQ dstep+56(FP), R12; \
	SHLQ $2, R12; \
	MOVQ sstep+64(FP), R13; \
	SHLQ $2, R13; \
	XORQ AX, AX

// Stride-1 taps at byte offset off from BX (or BX+DX*4).
#define LOAD1(off) VMOVUPS off(BX), Y0
#define MAX1(off) VMOVUPS off(BX), Y1; VMAXPS Y0, Y1, Y0
#define ADD1(off) VADDPS off(BX), Y0, Y0

// Stride-2 taps at byte offset off from BX; off28 is off+28.
#define GATHER2(off, off28, y) VMOVUPS off(BX), y; VMOVUPS off28(BX), Y2; VSHUFPS $0xD8, Y2, y, y
// The three taps of a 3-wide stride-2 row at BX: x[2i] and x[2i+1] from
// the loads x[0:8] and x[8:16] (VSHUFPS $0x88 and $0xDD pick the same lane
// order as $0xD8 above), x[2i+2] by GATHER2.
#define EVEN_ODD(e, o) VMOVUPS (BX), e; VMOVUPS 32(BX), Y2; VSHUFPS $0xDD, Y2, e, o; VSHUFPS $0x88, Y2, e, e
#define LOAD2(off, off28) GATHER2(off, off28, Y0)
#define MAX2(off, off28) GATHER2(off, off28, Y1); VMAXPS Y0, Y1, Y0
#define ADD2(off, off28) GATHER2(off, off28, Y1); VADDPS Y1, Y0, Y0

// func maxS1AVX2(dst, src *float32, rs, n, kh, kw, rows, dstep, sstep int)
TEXT ·maxS1AVX2(SB), NOSPLIT, $0-72
	ARGS
	CMPQ R10, $3
	JEQ  k3
	CMPQ R10, $2
	JEQ  k2

kany:
	LEAQ (SI)(AX*4), BX
	LOAD1(0)
	MOVQ R9, R11

kanyrow:
	XORQ DX, DX

kanytap:
	VMOVUPS (BX)(DX*4), Y1
	VMAXPS  Y0, Y1, Y0
	INCQ    DX
	CMPQ    DX, R10
	JLT     kanytap
	ADDQ    R8, BX
	DECQ    R11
	JNZ     kanyrow
	VMOVUPS Y0, (DI)(AX*4)
	NEXT(kany)
	JMP  done

k3:
	LEAQ (SI)(AX*4), BX
	LOAD1(0)
	MAX1(4)
	MAX1(8)
	MOVQ R9, R11
	DECQ R11
	JZ   k3store

k3row:
	ADDQ R8, BX
	MAX1(0)
	MAX1(4)
	MAX1(8)
	DECQ R11
	JNZ  k3row

k3store:
	VMOVUPS Y0, (DI)(AX*4)
	NEXT(k3)
	JMP  done

k2:
	LEAQ (SI)(AX*4), BX
	LOAD1(0)
	MAX1(4)
	MOVQ R9, R11
	DECQ R11
	JZ   k2store

k2row:
	ADDQ R8, BX
	MAX1(0)
	MAX1(4)
	DECQ R11
	JNZ  k2row

k2store:
	VMOVUPS Y0, (DI)(AX*4)
	NEXT(k2)

done:
	VZEROUPPER
	RET

// func maxS2AVX2(dst, src *float32, rs, n, kh, kw, rows, dstep, sstep int)
TEXT ·maxS2AVX2(SB), NOSPLIT, $0-72
	ARGS
	CMPQ R10, $3
	JEQ  k3
	CMPQ R10, $2
	JEQ  k2

kany:
	LEAQ (SI)(AX*8), BX
	LOAD2(0, 28)
	MOVQ R9, R11

kanyrow:
	XORQ DX, DX

kanytap:
	VMOVUPS (BX)(DX*4), Y1
	VMOVUPS 28(BX)(DX*4), Y2
	VSHUFPS $0xD8, Y2, Y1, Y1
	VMAXPS  Y0, Y1, Y0
	INCQ    DX
	CMPQ    DX, R10
	JLT     kanytap
	ADDQ    R8, BX
	DECQ    R11
	JNZ     kanyrow
	VPERMPD $0xD8, Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	NEXT(kany)
	JMP  done

k3:
	LEAQ   (SI)(AX*8), BX
	EVEN_ODD(Y0, Y1)
	VMAXPS Y0, Y1, Y0
	MAX2(8, 36)
	MOVQ   R9, R11
	DECQ   R11
	JZ     k3store

k3row:
	ADDQ   R8, BX
	EVEN_ODD(Y1, Y4)
	VMAXPS Y0, Y1, Y0
	VMAXPS Y0, Y4, Y0
	MAX2(8, 36)
	DECQ   R11
	JNZ    k3row

k3store:
	VPERMPD $0xD8, Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	NEXT(k3)
	JMP  done

k2:
	LEAQ   (SI)(AX*8), BX
	EVEN_ODD(Y0, Y1)
	VMAXPS Y0, Y1, Y0
	MOVQ   R9, R11
	DECQ   R11
	JZ     k2store

k2row:
	ADDQ   R8, BX
	EVEN_ODD(Y1, Y4)
	VMAXPS Y0, Y1, Y0
	VMAXPS Y0, Y4, Y0
	DECQ   R11
	JNZ    k2row

k2store:
	VPERMPD $0xD8, Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	NEXT(k2)

done:
	VZEROUPPER
	RET

// func avgS1AVX2(dst, src *float32, rs, n, kh, kw, rows, dstep, sstep int, div float32)
TEXT ·avgS1AVX2(SB), NOSPLIT, $0-76
	ARGS
	VBROADCASTSS div+72(FP), Y3
	CMPQ         R10, $3
	JEQ          k3
	CMPQ         R10, $2
	JEQ          k2

kany:
	LEAQ   (SI)(AX*4), BX
	VXORPS Y0, Y0, Y0
	MOVQ   R9, R11

kanyrow:
	XORQ DX, DX

kanytap:
	VADDPS  (BX)(DX*4), Y0, Y0
	INCQ    DX
	CMPQ    DX, R10
	JLT     kanytap
	ADDQ    R8, BX
	DECQ    R11
	JNZ     kanyrow
	VDIVPS  Y3, Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	NEXT(kany)
	JMP  done

k3:
	LEAQ   (SI)(AX*4), BX
	VXORPS Y0, Y0, Y0
	MOVQ   R9, R11

k3row:
	ADD1(0)
	ADD1(4)
	ADD1(8)
	ADDQ R8, BX
	DECQ R11
	JNZ  k3row
	VDIVPS  Y3, Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	NEXT(k3)
	JMP  done

k2:
	LEAQ   (SI)(AX*4), BX
	VXORPS Y0, Y0, Y0
	MOVQ   R9, R11

k2row:
	ADD1(0)
	ADD1(4)
	ADDQ R8, BX
	DECQ R11
	JNZ  k2row
	VDIVPS  Y3, Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	NEXT(k2)

done:
	VZEROUPPER
	RET

// func avgS2AVX2(dst, src *float32, rs, n, kh, kw, rows, dstep, sstep int, div float32)
TEXT ·avgS2AVX2(SB), NOSPLIT, $0-76
	ARGS
	VBROADCASTSS div+72(FP), Y3
	CMPQ         R10, $3
	JEQ          k3
	CMPQ         R10, $2
	JEQ          k2

kany:
	LEAQ   (SI)(AX*8), BX
	VXORPS Y0, Y0, Y0
	MOVQ   R9, R11

kanyrow:
	XORQ DX, DX

kanytap:
	VMOVUPS (BX)(DX*4), Y1
	VMOVUPS 28(BX)(DX*4), Y2
	VSHUFPS $0xD8, Y2, Y1, Y1
	VADDPS  Y1, Y0, Y0
	INCQ    DX
	CMPQ    DX, R10
	JLT     kanytap
	ADDQ    R8, BX
	DECQ    R11
	JNZ     kanyrow
	VDIVPS  Y3, Y0, Y0
	VPERMPD $0xD8, Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	NEXT(kany)
	JMP  done

k3:
	LEAQ   (SI)(AX*8), BX
	VXORPS Y0, Y0, Y0
	MOVQ   R9, R11

k3row:
	EVEN_ODD(Y1, Y4)
	VADDPS Y1, Y0, Y0
	VADDPS Y4, Y0, Y0
	ADD2(8, 36)
	ADDQ   R8, BX
	DECQ R11
	JNZ  k3row
	VDIVPS  Y3, Y0, Y0
	VPERMPD $0xD8, Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	NEXT(k3)
	JMP  done

k2:
	LEAQ   (SI)(AX*8), BX
	VXORPS Y0, Y0, Y0
	MOVQ   R9, R11

k2row:
	EVEN_ODD(Y1, Y4)
	VADDPS Y1, Y0, Y0
	VADDPS Y4, Y0, Y0
	ADDQ   R8, BX
	DECQ R11
	JNZ  k2row
	VDIVPS  Y3, Y0, Y0
	VPERMPD $0xD8, Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	NEXT(k2)

done:
	VZEROUPPER
	RET

// func maxNoNaNAVX2(x *float32, n int) float32
TEXT ·maxNoNaNAVX2(SB), NOSPLIT, $0-20
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	MOVL         $0xff800000, AX
	VMOVD        AX, X0
	VBROADCASTSS X0, Y0

loop:
	VMOVUPS (SI), Y1
	VMAXPS  Y0, Y1, Y0
	ADDQ    $32, SI
	SUBQ    $8, CX
	JNE     loop

	// No lane holds a NaN: any order of combining gives the maximum.
	VEXTRACTF128 $1, Y0, X1
	VMAXPS       X1, X0, X0
	VMOVHLPS     X0, X0, X1
	VMAXPS       X1, X0, X0
	VPSHUFD      $1, X0, X1
	VMAXSS       X1, X0, X0
	VMOVSS       X0, ret+16(FP)
	VZEROUPPER
	RET
