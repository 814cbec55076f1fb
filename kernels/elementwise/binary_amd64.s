//go:build amd64 && !purego

#include "textflag.h"

// BINARY512(name, op) defines func name(dst, a, b *float32, n int) computing
// dst[i] = a[i] op b[i] for n a positive multiple of 16.
#define BINARY512(name, op) \
TEXT name(SB), NOSPLIT, $0-32 \
	MOVQ dst+0(FP), DI \
	MOVQ a+8(FP), SI \
	MOVQ b+16(FP), DX \
	MOVQ n+24(FP), CX \
loop: \
	VMOVUPS (SI), Z0 \
	op (DX), Z0, Z0 \
	VMOVUPS Z0, (DI) \
	ADDQ $64, SI \
	ADDQ $64, DX \
	ADDQ $64, DI \
	SUBQ $16, CX \
	JNE loop \
	VZEROUPPER \
	RET

#define BINARY256(name, op) \
TEXT name(SB), NOSPLIT, $0-32 \
	MOVQ dst+0(FP), DI \
	MOVQ a+8(FP), SI \
	MOVQ b+16(FP), DX \
	MOVQ n+24(FP), CX \
loop: \
	VMOVUPS (SI), Y0 \
	op (DX), Y0, Y0 \
	VMOVUPS Y0, (DI) \
	ADDQ $32, SI \
	ADDQ $32, DX \
	ADDQ $32, DI \
	SUBQ $8, CX \
	JNE loop \
	VZEROUPPER \
	RET

BINARY512(·addAVX512, VADDPS)
BINARY512(·subAVX512, VSUBPS)
BINARY512(·mulAVX512, VMULPS)
BINARY512(·divAVX512, VDIVPS)
BINARY256(·addAVX2, VADDPS)
BINARY256(·subAVX2, VSUBPS)
BINARY256(·mulAVX2, VMULPS)
BINARY256(·divAVX2, VDIVPS)
