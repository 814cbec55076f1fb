//go:build amd64 && !purego

#include "textflag.h"

// func epiAVX2(c *float32, ldc, rows, n int, bias *float32, mode int, relu bool)
//
// For rows rows of c (row stride ldc floats) and columns [0, n), n a positive
// multiple of 8: x = c[i*ldc+j]; mode 1: x += bias[j]; mode 2: x += bias[i];
// relu: x = max(x, 0) (as Go's max: NaN stays NaN, -0 becomes +0).
TEXT ·epiAVX2(SB), NOSPLIT, $0-49
	MOVQ c+0(FP), DI
	MOVQ ldc+8(FP), R9
	SHLQ $2, R9
	MOVQ rows+16(FP), CX
	MOVQ n+24(FP), BX
	SHLQ $2, BX
	MOVQ bias+32(FP), SI
	MOVQ mode+40(FP), R10
	MOVBLZX relu+48(FP), R11
	VXORPS Y15, Y15, Y15
	TESTQ CX, CX
	JLE done

row:
	CMPQ R10, $2
	JNE cols
	VBROADCASTSS (SI), Y14
	ADDQ $4, SI

cols:
	XORQ AX, AX

col:
	VMOVUPS (DI)(AX*1), Y0
	CMPQ R10, $1
	JNE notcol
	VADDPS (SI)(AX*1), Y0, Y0
	JMP added

notcol:
	CMPQ R10, $2
	JNE added
	VADDPS Y14, Y0, Y0

added:
	TESTQ R11, R11
	JZ store
	// max(0, x) returns x when x is NaN; adding +0 turns -0 into +0.
	VMAXPS Y0, Y15, Y0
	VADDPS Y15, Y0, Y0

store:
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, BX
	JB col
	ADDQ R9, DI
	DECQ CX
	JNZ row

done:
	VZEROUPPER
	RET
