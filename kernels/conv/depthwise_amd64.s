//go:build amd64 && !purego

#include "textflag.h"

// The depthwise kernels (see depthwise_amd64.go). Registers:
//
//	DI  y of the current row tile     SI  x of the current row tile
//	R8  ldy·4                         R9  ldx·4
//	R10 rows left                     R11 n
//	R14 3·ldx·4                       AX  column j
//	BX  x of filter row a, column j   CX  x of tap (a, b), column j
//	DX  w of tap (a, b)               R12 taps left in the filter row
//
// and on the stack ldt·4, dw·4, the filter rows left, (ldw−kw)·4 (the step
// from the end of one filter row to the next), the lane masks of the kw
// taps of the current column block (masks: 16 bits each for AVX-512, a pair
// of vectors for AVX2), the window length they are cut to (cnt), a count
// (bleft) and, for AVX2, the block's columns m and their store mask. BX
// and CX point into x at the block's first column c0 + j·sw (plus the tap's
// offset), which may lie left of the row: masked lanes are not read. The accumulators of
// rows 0–3 of a tile are Z0–Z3 (Y0–Y3), the bias is in Z29 (Y13) and the
// broadcast weight in Z30 (Y12).

// Lane i of dwEven picks element 2i of a 32-float pair (VPERMT2PS).
DATA dwEven<>+0x00(SB)/4, $0
DATA dwEven<>+0x04(SB)/4, $2
DATA dwEven<>+0x08(SB)/4, $4
DATA dwEven<>+0x0c(SB)/4, $6
DATA dwEven<>+0x10(SB)/4, $8
DATA dwEven<>+0x14(SB)/4, $10
DATA dwEven<>+0x18(SB)/4, $12
DATA dwEven<>+0x1c(SB)/4, $14
DATA dwEven<>+0x20(SB)/4, $16
DATA dwEven<>+0x24(SB)/4, $18
DATA dwEven<>+0x28(SB)/4, $20
DATA dwEven<>+0x2c(SB)/4, $22
DATA dwEven<>+0x30(SB)/4, $24
DATA dwEven<>+0x34(SB)/4, $26
DATA dwEven<>+0x38(SB)/4, $28
DATA dwEven<>+0x3c(SB)/4, $30
GLOBL dwEven<>(SB), RODATA|NOPTR, $64

// ---- AVX-512 ----

// LD1_512 / LD2_512 load the 16 inputs of one row at a (stride 1, lanes K1),
// or the even elements of the 32 at a and b = a+64 (stride 2, lanes K1 and
// K2), into v; masked-off lanes are zero and not read.
#define LD1_512(a, b, v, t) VMOVUPS.Z a, K1, v
#define LD2_512(a, b, v, t) \
	VMOVUPS.Z a, K1, v \
	VMOVUPS.Z b, K2, t \
	VPERMT2PS t, Z31, v

// TAPMASKS stores at masks the lanes of each of the kw taps that fall in
// [0, width), for the column block starting at AX with CX = m columns
// (1..16); SW is the stride, KTAP loads a tap's masks into K1 (and K2).
// Clobbers BX, CX, DX, R12, R13; sets K3 to the m store lanes.
#define TAPMASKS(SW, CNT) \
	MOVL    $1, R12 \
	SHLL    CX, R12 \
	DECL    R12 \
	KMOVW   R12, K3 \
	CNT \
	MOVQ    CX, cnt-40(SP) \
	MOVQ    c0+104(FP), BX \
	LEAQ    (BX)(AX*SW), BX \
	LEAQ    masks-176(SP), R12 \
	MOVQ    kw+72(FP), DX \
	MOVQ    DX, bleft-48(SP)

// TAPMASK computes one tap's mask for the window at input column BX:
// lanes [lo, hi) with lo = max(0, −BX), hi = max(lo, min(cnt, width−BX)),
// stored at (R12).
#define TAPMASK \
	MOVQ    BX, R13 \
	NEGQ    R13 \
	XORL    DX, DX \
	CMPQ    R13, DX \
	CMOVQLT DX, R13 \
	MOVQ    width+112(FP), CX \
	SUBQ    BX, CX \
	CMPQ    CX, cnt-40(SP) \
	CMOVQGT cnt-40(SP), CX \
	CMPQ    CX, R13 \
	CMOVQLT R13, CX \
	SUBQ    R13, CX \
	MOVL    $1, DX \
	SHLL    CX, DX \
	DECL    DX \
	MOVQ    R13, CX \
	SHLL    CX, DX \
	MOVL    DX, (R12) \
	ADDQ    $4, R12 \
	ADDQ    dw+96(FP), BX

#define CNT1_512
#define CNT2_512 LEAQ -1(CX)(CX*1), CX
#define KTAP1_512 KMOVW (R13), K1
#define KTAP2_512 \
	KMOVW (R13), K1 \
	KMOVW 2(R13), K2

// BODY512 runs the row tiles: four rows while at least four are left, then
// one. SW is the stride (the scale from output to input columns).
#define BODY512(SW, CNT, KTAP, LD, r4, c4, m4, a4, t4, r1, c1, m1, a1, t1, end) \
r4: \
	CMPQ R10, $4 \
	JLT  r1 \
	XORQ AX, AX \
c4: \
	MOVQ    R11, CX \
	SUBQ    AX, CX \
	MOVQ    $16, R12 \
	CMPQ    CX, R12 \
	CMOVQGT R12, CX \
	TAPMASKS(SW, CNT) \
m4: \
	TAPMASK \
	DECQ bleft-48(SP) \
	JNZ  m4 \
	VMOVAPS Z29, Z0 \
	VMOVAPS Z29, Z1 \
	VMOVAPS Z29, Z2 \
	VMOVAPS Z29, Z3 \
	MOVQ    c0+104(FP), BX \
	LEAQ    (BX)(AX*SW), BX \
	LEAQ    (SI)(BX*4), BX \
	MOVQ    w+48(FP), DX \
	MOVQ    kh+64(FP), R13 \
	MOVQ    R13, arows-24(SP) \
a4: \
	MOVQ BX, CX \
	MOVQ kw+72(FP), R12 \
	LEAQ masks-176(SP), R13 \
t4: \
	VBROADCASTSS (DX), Z30 \
	KTAP \
	LD((CX), 64(CX), Z4, Z8) \
	LD((CX)(R9*1), 64(CX)(R9*1), Z5, Z9) \
	LD((CX)(R9*2), 64(CX)(R9*2), Z6, Z10) \
	LD((CX)(R14*1), 64(CX)(R14*1), Z7, Z11) \
	VMULPS Z30, Z4, Z4 \
	VMULPS Z30, Z5, Z5 \
	VMULPS Z30, Z6, Z6 \
	VMULPS Z30, Z7, Z7 \
	VADDPS Z4, Z0, Z0 \
	VADDPS Z5, Z1, Z1 \
	VADDPS Z6, Z2, Z2 \
	VADDPS Z7, Z3, Z3 \
	ADDQ   dw4-16(SP), CX \
	ADDQ   $4, DX \
	ADDQ   $4, R13 \
	DECQ   R12 \
	JNZ    t4 \
	ADDQ   ldt4-8(SP), BX \
	ADDQ   wskip-32(SP), DX \
	DECQ   arows-24(SP) \
	JNZ    a4 \
	LEAQ    (DI)(AX*4), CX \
	VMOVUPS Z0, K3, (CX) \
	VMOVUPS Z1, K3, (CX)(R8*1) \
	VMOVUPS Z2, K3, (CX)(R8*2) \
	LEAQ    (R8)(R8*2), R12 \
	VMOVUPS Z3, K3, (CX)(R12*1) \
	ADDQ    $16, AX \
	CMPQ    AX, R11 \
	JLT     c4 \
	LEAQ    (DI)(R8*4), DI \
	LEAQ    (SI)(R9*4), SI \
	SUBQ    $4, R10 \
	JMP     r4 \
r1: \
	TESTQ R10, R10 \
	JEQ   end \
	XORQ  AX, AX \
c1: \
	MOVQ    R11, CX \
	SUBQ    AX, CX \
	MOVQ    $16, R12 \
	CMPQ    CX, R12 \
	CMOVQGT R12, CX \
	TAPMASKS(SW, CNT) \
m1: \
	TAPMASK \
	DECQ bleft-48(SP) \
	JNZ  m1 \
	VMOVAPS Z29, Z0 \
	MOVQ    c0+104(FP), BX \
	LEAQ    (BX)(AX*SW), BX \
	LEAQ    (SI)(BX*4), BX \
	MOVQ    w+48(FP), DX \
	MOVQ    kh+64(FP), R13 \
	MOVQ    R13, arows-24(SP) \
a1: \
	MOVQ BX, CX \
	MOVQ kw+72(FP), R12 \
	LEAQ masks-176(SP), R13 \
t1: \
	VBROADCASTSS (DX), Z30 \
	KTAP \
	LD((CX), 64(CX), Z4, Z8) \
	VMULPS Z30, Z4, Z4 \
	VADDPS Z4, Z0, Z0 \
	ADDQ   dw4-16(SP), CX \
	ADDQ   $4, DX \
	ADDQ   $4, R13 \
	DECQ   R12 \
	JNZ    t1 \
	ADDQ   ldt4-8(SP), BX \
	ADDQ   wskip-32(SP), DX \
	DECQ   arows-24(SP) \
	JNZ    a1 \
	VMOVUPS Z0, K3, (DI)(AX*4) \
	ADDQ    $16, AX \
	CMPQ    AX, R11 \
	JLT     c1 \
	ADDQ    R8, DI \
	ADDQ    R9, SI \
	DECQ    R10 \
	JMP     r1

// ---- AVX2 ----

// dwLanes is 16 zeros, 16 all-ones, 16 zeros: the 8 dwords at dwLanes +
// 4·(16−lo) have lane l set iff l ≥ lo (lo ≤ 16), and those at
// dwLanes + 4·(32−hi) iff l < hi (16 ≥ hi ≥ 0 and l < 16).
DATA dwLanes<>+0x00(SB)/8, $0
DATA dwLanes<>+0x08(SB)/8, $0
DATA dwLanes<>+0x10(SB)/8, $0
DATA dwLanes<>+0x18(SB)/8, $0
DATA dwLanes<>+0x20(SB)/8, $0
DATA dwLanes<>+0x28(SB)/8, $0
DATA dwLanes<>+0x30(SB)/8, $0
DATA dwLanes<>+0x38(SB)/8, $0
DATA dwLanes<>+0x40(SB)/8, $-1
DATA dwLanes<>+0x48(SB)/8, $-1
DATA dwLanes<>+0x50(SB)/8, $-1
DATA dwLanes<>+0x58(SB)/8, $-1
DATA dwLanes<>+0x60(SB)/8, $-1
DATA dwLanes<>+0x68(SB)/8, $-1
DATA dwLanes<>+0x70(SB)/8, $-1
DATA dwLanes<>+0x78(SB)/8, $-1
DATA dwLanes<>+0x80(SB)/8, $0
DATA dwLanes<>+0x88(SB)/8, $0
DATA dwLanes<>+0x90(SB)/8, $0
DATA dwLanes<>+0x98(SB)/8, $0
DATA dwLanes<>+0xa0(SB)/8, $0
DATA dwLanes<>+0xa8(SB)/8, $0
DATA dwLanes<>+0xb0(SB)/8, $0
DATA dwLanes<>+0xb8(SB)/8, $0
GLOBL dwLanes<>(SB), RODATA|NOPTR, $192

// LD1_256 / LD2_256 load the 8 inputs of one row at a (stride 1, lanes of
// Y14), or the even elements of the 16 at a and b = a+32 (stride 2, lanes
// of Y14 and Y15), into v; masked-off lanes are zero and not read.
#define LD1_256(a, b, v, t) VMASKMOVPS a, Y14, v
#define LD2_256(a, b, v, t) \
	VMASKMOVPS a, Y14, v \
	VMASKMOVPS b, Y15, t \
	VSHUFPS    $0x88, t, v, v \
	VPERMPD    $0xd8, v, v

// TAPMASKS256 is TAPMASKS for AVX2: the masks are vectors of 32 bytes
// (MSTEP 32, stride 1) or pairs of them (MSTEP 64, stride 2), built from
// dwLanes; the store mask goes to the stack (smask) when m < 8.
#define TAPMASKS256(SW, CNT) \
	LEAQ    dwLanes<>(SB), R13 \
	MOVQ    $32, R12 \
	SUBQ    CX, R12 \
	VMOVDQU (R13)(R12*4), Y4 \
	VMOVDQU Y4, smask-96(SP) \
	CNT \
	MOVQ    CX, cnt-40(SP) \
	MOVQ    c0+104(FP), BX \
	LEAQ    (BX)(AX*SW), BX \
	LEAQ    masks-2144(SP), R12 \
	MOVQ    kw+72(FP), DX \
	MOVQ    DX, bleft-48(SP)

// TAPMASK256 computes one tap's lanes [lo, hi) (as TAPMASK) and stores the
// 16-lane mask vector pair at (R12), advancing R12 by MSTEP.
#define TAPMASK256(MSTEP) \
	MOVQ    BX, R13 \
	NEGQ    R13 \
	XORL    DX, DX \
	CMPQ    R13, DX \
	CMOVQLT DX, R13 \
	MOVQ    $16, DX \
	CMPQ    R13, DX \
	CMOVQGT DX, R13 \
	MOVQ    width+112(FP), CX \
	SUBQ    BX, CX \
	CMPQ    CX, cnt-40(SP) \
	CMOVQGT cnt-40(SP), CX \
	CMPQ    CX, R13 \
	CMOVQLT R13, CX \
	MOVQ    $16, DX \
	SUBQ    R13, DX \
	LEAQ    dwLanes<>(SB), R13 \
	VMOVDQU (R13)(DX*4), Y4 \
	VMOVDQU 32(R13)(DX*4), Y5 \
	MOVQ    $32, DX \
	SUBQ    CX, DX \
	VPAND   (R13)(DX*4), Y4, Y4 \
	VPAND   32(R13)(DX*4), Y5, Y5 \
	VMOVDQU Y4, (R12) \
	VMOVDQU Y5, 32(R12) \
	ADDQ    $MSTEP, R12 \
	ADDQ    dw+96(FP), BX

#define CNT1_256
#define CNT2_256 LEAQ -1(CX)(CX*1), CX
#define KTAP1_256 VMOVDQU (R13), Y14
#define KTAP2_256 \
	VMOVDQU (R13), Y14 \
	VMOVDQU 32(R13), Y15

// STORE256(v, addr, part, next) stores the m (R12) columns of v: whole
// when m = 8, else through the mask on the stack.
#define STORE256(v, addr, part, next) \
	CMPQ       R12, $8 \
	JNE        part \
	VMOVUPS    v, addr \
	JMP        next \
part: \
	VMOVDQU    smask-96(SP), Y14 \
	VMASKMOVPS v, Y14, addr \
next:

// BODY256 is BODY512 on 8 columns per vector.
#define BODY256(SW, CNT, KTAP, LD, MSTEP, r4, c4, m4, a4, t4, r1, c1, m1, a1, t1, end, p0, q0, p1, q1, p2, q2, p3, q3, p4, q4) \
r4: \
	CMPQ R10, $4 \
	JLT  r1 \
	XORQ AX, AX \
c4: \
	MOVQ    R11, CX \
	SUBQ    AX, CX \
	MOVQ    $8, R12 \
	CMPQ    CX, R12 \
	CMOVQGT R12, CX \
	MOVQ    CX, m-56(SP) \
	TAPMASKS256(SW, CNT) \
m4: \
	TAPMASK256(MSTEP) \
	DECQ bleft-48(SP) \
	JNZ  m4 \
	VMOVAPS Y13, Y0 \
	VMOVAPS Y13, Y1 \
	VMOVAPS Y13, Y2 \
	VMOVAPS Y13, Y3 \
	MOVQ    c0+104(FP), BX \
	LEAQ    (BX)(AX*SW), BX \
	LEAQ    (SI)(BX*4), BX \
	MOVQ    w+48(FP), DX \
	MOVQ    kh+64(FP), R13 \
	MOVQ    R13, arows-24(SP) \
a4: \
	MOVQ BX, CX \
	MOVQ kw+72(FP), R12 \
	LEAQ masks-2144(SP), R13 \
t4: \
	VBROADCASTSS (DX), Y12 \
	KTAP \
	LD((CX), 32(CX), Y4, Y8) \
	LD((CX)(R9*1), 32(CX)(R9*1), Y5, Y9) \
	LD((CX)(R9*2), 32(CX)(R9*2), Y6, Y10) \
	LD((CX)(R14*1), 32(CX)(R14*1), Y7, Y11) \
	VMULPS Y12, Y4, Y4 \
	VMULPS Y12, Y5, Y5 \
	VMULPS Y12, Y6, Y6 \
	VMULPS Y12, Y7, Y7 \
	VADDPS Y4, Y0, Y0 \
	VADDPS Y5, Y1, Y1 \
	VADDPS Y6, Y2, Y2 \
	VADDPS Y7, Y3, Y3 \
	ADDQ   dw4-16(SP), CX \
	ADDQ   $4, DX \
	ADDQ   $MSTEP, R13 \
	DECQ   R12 \
	JNZ    t4 \
	ADDQ   ldt4-8(SP), BX \
	ADDQ   wskip-32(SP), DX \
	DECQ   arows-24(SP) \
	JNZ    a4 \
	LEAQ   (DI)(AX*4), CX \
	LEAQ   (R8)(R8*2), BX \
	MOVQ   m-56(SP), R12 \
	STORE256(Y0, (CX), p0, q0) \
	STORE256(Y1, (CX)(R8*1), p1, q1) \
	STORE256(Y2, (CX)(R8*2), p2, q2) \
	STORE256(Y3, (CX)(BX*1), p3, q3) \
	ADDQ    $8, AX \
	CMPQ    AX, R11 \
	JLT     c4 \
	LEAQ    (DI)(R8*4), DI \
	LEAQ    (SI)(R9*4), SI \
	SUBQ    $4, R10 \
	JMP     r4 \
r1: \
	TESTQ R10, R10 \
	JEQ   end \
	XORQ  AX, AX \
c1: \
	MOVQ    R11, CX \
	SUBQ    AX, CX \
	MOVQ    $8, R12 \
	CMPQ    CX, R12 \
	CMOVQGT R12, CX \
	MOVQ    CX, m-56(SP) \
	TAPMASKS256(SW, CNT) \
m1: \
	TAPMASK256(MSTEP) \
	DECQ bleft-48(SP) \
	JNZ  m1 \
	VMOVAPS Y13, Y0 \
	MOVQ    c0+104(FP), BX \
	LEAQ    (BX)(AX*SW), BX \
	LEAQ    (SI)(BX*4), BX \
	MOVQ    w+48(FP), DX \
	MOVQ    kh+64(FP), R13 \
	MOVQ    R13, arows-24(SP) \
a1: \
	MOVQ BX, CX \
	MOVQ kw+72(FP), R12 \
	LEAQ masks-2144(SP), R13 \
t1: \
	VBROADCASTSS (DX), Y12 \
	KTAP \
	LD((CX), 32(CX), Y4, Y8) \
	VMULPS Y12, Y4, Y4 \
	VADDPS Y4, Y0, Y0 \
	ADDQ   dw4-16(SP), CX \
	ADDQ   $4, DX \
	ADDQ   $MSTEP, R13 \
	DECQ   R12 \
	JNZ    t1 \
	ADDQ   ldt4-8(SP), BX \
	ADDQ   wskip-32(SP), DX \
	DECQ   arows-24(SP) \
	JNZ    a1 \
	LEAQ   (DI)(AX*4), CX \
	MOVQ   m-56(SP), R12 \
	STORE256(Y0, (CX), p4, q4) \
	ADDQ    $8, AX \
	CMPQ    AX, R11 \
	JLT     c1 \
	ADDQ    R8, DI \
	ADDQ    R9, SI \
	DECQ    R10 \
	JMP     r1

// ---- Functions ----

// func dwMaskedAVX512(y *float32, ldy int, x *float32, ldx, rows, n int, w *float32, ldw, kh, kw, ldt, sw, dw, c0, width int, bias float32)
TEXT ·dwMaskedAVX512(SB), NOSPLIT, $176-124
	MOVQ         y+0(FP), DI
	MOVQ         ldy+8(FP), R8
	SHLQ         $2, R8
	MOVQ         x+16(FP), SI
	MOVQ         ldx+24(FP), R9
	SHLQ         $2, R9
	LEAQ         (R9)(R9*2), R14
	MOVQ         rows+32(FP), R10
	MOVQ         n+40(FP), R11
	MOVQ         ldt+80(FP), AX
	SHLQ         $2, AX
	MOVQ         AX, ldt4-8(SP)
	MOVQ         dw+96(FP), AX
	SHLQ         $2, AX
	MOVQ         AX, dw4-16(SP)
	MOVQ         ldw+56(FP), AX
	SUBQ         kw+72(FP), AX
	SHLQ         $2, AX
	MOVQ         AX, wskip-32(SP)
	VBROADCASTSS bias+120(FP), Z29
	VMOVUPS      dwEven<>(SB), Z31
	CMPQ         sw+88(FP), $2
	JEQ          stride2
	BODY512(1, CNT1_512, KTAP1_512, LD1_512, s1r4, s1c4, s1m4, s1a4, s1t4, s1r1, s1c1, s1m1, s1a1, s1t1, done)

stride2:
	BODY512(2, CNT2_512, KTAP2_512, LD2_512, s2r4, s2c4, s2m4, s2a4, s2t4, s2r1, s2c1, s2m1, s2a1, s2t1, done)

done:
	VZEROUPPER
	RET

// func dwMaskedAVX2(y *float32, ldy int, x *float32, ldx, rows, n int, w *float32, ldw, kh, kw, ldt, sw, dw, c0, width int, bias float32)
TEXT ·dwMaskedAVX2(SB), 0, $2144-124
	MOVQ         y+0(FP), DI
	MOVQ         ldy+8(FP), R8
	SHLQ         $2, R8
	MOVQ         x+16(FP), SI
	MOVQ         ldx+24(FP), R9
	SHLQ         $2, R9
	LEAQ         (R9)(R9*2), R14
	MOVQ         rows+32(FP), R10
	MOVQ         n+40(FP), R11
	MOVQ         ldt+80(FP), AX
	SHLQ         $2, AX
	MOVQ         AX, ldt4-8(SP)
	MOVQ         dw+96(FP), AX
	SHLQ         $2, AX
	MOVQ         AX, dw4-16(SP)
	MOVQ         ldw+56(FP), AX
	SUBQ         kw+72(FP), AX
	SHLQ         $2, AX
	MOVQ         AX, wskip-32(SP)
	VBROADCASTSS bias+120(FP), Y13
	CMPQ         sw+88(FP), $2
	JEQ          stride2
	BODY256(1, CNT1_256, KTAP1_256, LD1_256, 32, s1r4, s1c4, s1m4, s1a4, s1t4, s1r1, s1c1, s1m1, s1a1, s1t1, done, s1p0, s1q0, s1p1, s1q1, s1p2, s1q2, s1p3, s1q3, s1p4, s1q4)

stride2:
	BODY256(2, CNT2_256, KTAP2_256, LD2_256, 64, s2r4, s2c4, s2m4, s2a4, s2t4, s2r1, s2c1, s2m1, s2a1, s2t1, done, s2p0, s2q0, s2p1, s2q1, s2p2, s2q2, s2p3, s2q3, s2p4, s2q4)

done:
	VZEROUPPER
	RET
