//go:build amd64 && !purego

#include "textflag.h"

// The kind argument (see the kind constants in epilogue.go):
// 0 Clip, 1 Clip with alpha = +0, 2 LeakyRelu, 3 HardSigmoid, 4 HardSwish.
//
// In Go's operand order, VMAXPS b, a, d sets d = a > b ? a : b, which is b
// when either is NaN or a == b (so also for +0 against −0); VMINPS b, a, d
// sets d = a < b ? a : b, likewise.
//
// The activation bodies work on x in place with t as scratch; Z is +0, A
// alpha, B beta and O 1 (all broadcast). Leaky's mask is K1 (AVX-512) or the
// scratch m (AVX2).
#define CLIP(x, A, B) \
	VMAXPS x, A, x \
	VMINPS x, B, x

#define CLIPZERO(x, Z, A, B) \
	VMAXPS x, A, x \
	VADDPS Z, x, x \
	VMINPS x, B, x

#define LEAKY512(x, t, Z, A) \
	VMULPS  A, x, t \
	VCMPPS  $1, Z, x, K1 \
	VMOVAPS t, K1, x

#define LEAKY256(x, t, m, Z, A) \
	VMULPS    A, x, t \
	VCMPPS    $1, Z, x, m \
	VBLENDVPS m, t, x, x

#define HSIG(x, Z, A, B, O) \
	VMULPS A, x, x \
	VADDPS B, x, x \
	VMINPS x, O, x \
	VMAXPS x, Z, x \
	VADDPS Z, x, x

#define HSWISH(x, t, Z, A, B, O) \
	VMULPS A, x, t \
	VADDPS B, t, t \
	VMINPS t, O, t \
	VMAXPS t, Z, t \
	VMULPS t, x, x

// ACTLOOP(lbl, body, V, step, end) applies one kind to [DI, CX) in place.
#define ACTLOOP(lbl, body, V, step, end) \
lbl: \
	VMOVUPS (DI), V \
	body \
	VMOVUPS V, (DI) \
	ADDQ    $step, DI \
	CMPQ    DI, CX \
	JB      lbl \
	JMP     end

// EPILOOP(body, V, BV, step, end, labels) runs one kind over rows CX of c
// (DI, row stride R9 bytes, BX bytes per row), first adding the bias: for
// mode R10 = 1 the vector at (SI)(AX*1), for mode 2 bias[i] broadcast into
// BV (SI steps one float per row).
#define EPILOOP(body, V, BV, step, end, row, cols, col, vec, act) \
row: \
	CMPQ         R10, $2 \
	JNE          cols \
	VBROADCASTSS (SI), BV \
	ADDQ         $4, SI \
cols: \
	XORQ AX, AX \
col: \
	VMOVUPS (DI)(AX*1), V \
	CMPQ    R10, $1 \
	JB      act \
	JEQ     vec \
	VADDPS  BV, V, V \
	JMP     act \
vec: \
	VADDPS (SI)(AX*1), V, V \
act: \
	body \
	VMOVUPS V, (DI)(AX*1) \
	ADDQ    $step, AX \
	CMPQ    AX, BX \
	JB      col \
	ADDQ    R9, DI \
	DECQ    CX \
	JNZ     row \
	JMP     end

// EPIHEAD loads the arguments of epiActAVX512 / epiActAVX2 and jumps to the
// loop of the kind (labels clip, clipzero, leaky, hsig; HardSwish falls
// through).
#define EPIHEAD(clip, clipzero, leaky, hsig, end) \
	MOVQ  c+0(FP), DI \
	MOVQ  ldc+8(FP), R9 \
	SHLQ  $2, R9 \
	MOVQ  rows+16(FP), CX \
	MOVQ  n+24(FP), BX \
	SHLQ  $2, BX \
	MOVQ  bias+32(FP), SI \
	MOVQ  mode+40(FP), R10 \
	MOVQ  kind+48(FP), R11 \
	TESTQ CX, CX \
	JLE   end \
	CMPQ  R11, $1 \
	JB    clip \
	JEQ   clipzero \
	CMPQ  R11, $3 \
	JB    leaky \
	JEQ   hsig

// func actAVX512(x *float32, n, kind int, alpha, beta float32)
TEXT ·actAVX512(SB), NOSPLIT, $0-32
	MOVQ         x+0(FP), DI
	MOVQ         n+8(FP), CX
	MOVQ         kind+16(FP), AX
	VBROADCASTSS alpha+24(FP), Z1
	VBROADCASTSS beta+28(FP), Z2
	VPXORD       Z0, Z0, Z0
	MOVL         $0x3f800000, DX
	VPBROADCASTD DX, Z3
	SHLQ         $2, CX
	ADDQ         DI, CX
	CMPQ         AX, $1
	JB           clip512
	JEQ          clipzero512
	CMPQ         AX, $3
	JB           leaky512
	JEQ          hsig512
	ACTLOOP(hswish512, HSWISH(Z4, Z5, Z0, Z1, Z2, Z3), Z4, 64, done512)
	ACTLOOP(hsig512, HSIG(Z4, Z0, Z1, Z2, Z3), Z4, 64, done512)
	ACTLOOP(leaky512, LEAKY512(Z4, Z5, Z0, Z1), Z4, 64, done512)
	ACTLOOP(clipzero512, CLIPZERO(Z4, Z0, Z1, Z2), Z4, 64, done512)
	ACTLOOP(clip512, CLIP(Z4, Z1, Z2), Z4, 64, done512)

done512:
	VZEROUPPER
	RET

// func actAVX2(x *float32, n, kind int, alpha, beta float32)
TEXT ·actAVX2(SB), NOSPLIT, $0-32
	MOVQ         x+0(FP), DI
	MOVQ         n+8(FP), CX
	MOVQ         kind+16(FP), AX
	VBROADCASTSS alpha+24(FP), Y1
	VBROADCASTSS beta+28(FP), Y2
	VXORPS       Y0, Y0, Y0
	MOVL         $0x3f800000, DX
	MOVL         DX, X3
	VBROADCASTSS X3, Y3
	SHLQ         $2, CX
	ADDQ         DI, CX
	CMPQ         AX, $1
	JB           clip2
	JEQ          clipzero2
	CMPQ         AX, $3
	JB           leaky2
	JEQ          hsig2
	ACTLOOP(hswish2, HSWISH(Y4, Y5, Y0, Y1, Y2, Y3), Y4, 32, done2)
	ACTLOOP(hsig2, HSIG(Y4, Y0, Y1, Y2, Y3), Y4, 32, done2)
	ACTLOOP(leaky2, LEAKY256(Y4, Y5, Y6, Y0, Y1), Y4, 32, done2)
	ACTLOOP(clipzero2, CLIPZERO(Y4, Y0, Y1, Y2), Y4, 32, done2)
	ACTLOOP(clip2, CLIP(Y4, Y1, Y2), Y4, 32, done2)

done2:
	VZEROUPPER
	RET

// func epiActAVX512(c *float32, ldc, rows, n int, bias *float32, mode, kind int, alpha, beta float32)
TEXT ·epiActAVX512(SB), NOSPLIT, $0-64
	VBROADCASTSS alpha+56(FP), Z1
	VBROADCASTSS beta+60(FP), Z2
	VPXORD       Z0, Z0, Z0
	MOVL         $0x3f800000, DX
	VPBROADCASTD DX, Z3
	EPIHEAD(eclip512, eclipzero512, eleaky512, ehsig512, edone512)
	EPILOOP(HSWISH(Z4, Z5, Z0, Z1, Z2, Z3), Z4, Z14, 64, edone512, ehswish512, ehswish512c, ehswish512j, ehswish512v, ehswish512a)
	EPILOOP(HSIG(Z4, Z0, Z1, Z2, Z3), Z4, Z14, 64, edone512, ehsig512, ehsig512c, ehsig512j, ehsig512v, ehsig512a)
	EPILOOP(LEAKY512(Z4, Z5, Z0, Z1), Z4, Z14, 64, edone512, eleaky512, eleaky512c, eleaky512j, eleaky512v, eleaky512a)
	EPILOOP(CLIPZERO(Z4, Z0, Z1, Z2), Z4, Z14, 64, edone512, eclipzero512, eclipzero512c, eclipzero512j, eclipzero512v, eclipzero512a)
	EPILOOP(CLIP(Z4, Z1, Z2), Z4, Z14, 64, edone512, eclip512, eclip512c, eclip512j, eclip512v, eclip512a)

edone512:
	VZEROUPPER
	RET

// func epiActAVX2(c *float32, ldc, rows, n int, bias *float32, mode, kind int, alpha, beta float32)
TEXT ·epiActAVX2(SB), NOSPLIT, $0-64
	VBROADCASTSS alpha+56(FP), Y1
	VBROADCASTSS beta+60(FP), Y2
	VXORPS       Y0, Y0, Y0
	MOVL         $0x3f800000, DX
	MOVL         DX, X3
	VBROADCASTSS X3, Y3
	EPIHEAD(eclip2, eclipzero2, eleaky2, ehsig2, edone2)
	EPILOOP(HSWISH(Y4, Y5, Y0, Y1, Y2, Y3), Y4, Y14, 32, edone2, ehswish2, ehswish2c, ehswish2j, ehswish2v, ehswish2a)
	EPILOOP(HSIG(Y4, Y0, Y1, Y2, Y3), Y4, Y14, 32, edone2, ehsig2, ehsig2c, ehsig2j, ehsig2v, ehsig2a)
	EPILOOP(LEAKY256(Y4, Y5, Y6, Y0, Y1), Y4, Y14, 32, edone2, eleaky2, eleaky2c, eleaky2j, eleaky2v, eleaky2a)
	EPILOOP(CLIPZERO(Y4, Y0, Y1, Y2), Y4, Y14, 32, edone2, eclipzero2, eclipzero2c, eclipzero2j, eclipzero2v, eclipzero2a)
	EPILOOP(CLIP(Y4, Y1, Y2), Y4, Y14, 32, edone2, eclip2, eclip2c, eclip2j, eclip2v, eclip2a)

edone2:
	VZEROUPPER
	RET
