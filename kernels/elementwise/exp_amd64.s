// Vector exp (see exp32 in exp.go for the reference steps).

//go:build amd64 && !purego

#include "textflag.h"

DATA expc<>+0(SB)/4, $0xc2aeac50
DATA expc<>+4(SB)/4, $0xc2aeac50
DATA expc<>+8(SB)/4, $0xc2aeac50
DATA expc<>+12(SB)/4, $0xc2aeac50
DATA expc<>+16(SB)/4, $0xc2aeac50
DATA expc<>+20(SB)/4, $0xc2aeac50
DATA expc<>+24(SB)/4, $0xc2aeac50
DATA expc<>+28(SB)/4, $0xc2aeac50
DATA expc<>+32(SB)/4, $0x42b0c0a5
DATA expc<>+36(SB)/4, $0x42b0c0a5
DATA expc<>+40(SB)/4, $0x42b0c0a5
DATA expc<>+44(SB)/4, $0x42b0c0a5
DATA expc<>+48(SB)/4, $0x42b0c0a5
DATA expc<>+52(SB)/4, $0x42b0c0a5
DATA expc<>+56(SB)/4, $0x42b0c0a5
DATA expc<>+60(SB)/4, $0x42b0c0a5
DATA expc<>+64(SB)/4, $0x3fb8aa3b
DATA expc<>+68(SB)/4, $0x3fb8aa3b
DATA expc<>+72(SB)/4, $0x3fb8aa3b
DATA expc<>+76(SB)/4, $0x3fb8aa3b
DATA expc<>+80(SB)/4, $0x3fb8aa3b
DATA expc<>+84(SB)/4, $0x3fb8aa3b
DATA expc<>+88(SB)/4, $0x3fb8aa3b
DATA expc<>+92(SB)/4, $0x3fb8aa3b
DATA expc<>+96(SB)/4, $0x3f318000
DATA expc<>+100(SB)/4, $0x3f318000
DATA expc<>+104(SB)/4, $0x3f318000
DATA expc<>+108(SB)/4, $0x3f318000
DATA expc<>+112(SB)/4, $0x3f318000
DATA expc<>+116(SB)/4, $0x3f318000
DATA expc<>+120(SB)/4, $0x3f318000
DATA expc<>+124(SB)/4, $0x3f318000
DATA expc<>+128(SB)/4, $0xb95e8083
DATA expc<>+132(SB)/4, $0xb95e8083
DATA expc<>+136(SB)/4, $0xb95e8083
DATA expc<>+140(SB)/4, $0xb95e8083
DATA expc<>+144(SB)/4, $0xb95e8083
DATA expc<>+148(SB)/4, $0xb95e8083
DATA expc<>+152(SB)/4, $0xb95e8083
DATA expc<>+156(SB)/4, $0xb95e8083
DATA expc<>+160(SB)/4, $0x39506967
DATA expc<>+164(SB)/4, $0x39506967
DATA expc<>+168(SB)/4, $0x39506967
DATA expc<>+172(SB)/4, $0x39506967
DATA expc<>+176(SB)/4, $0x39506967
DATA expc<>+180(SB)/4, $0x39506967
DATA expc<>+184(SB)/4, $0x39506967
DATA expc<>+188(SB)/4, $0x39506967
DATA expc<>+192(SB)/4, $0x3ab743ce
DATA expc<>+196(SB)/4, $0x3ab743ce
DATA expc<>+200(SB)/4, $0x3ab743ce
DATA expc<>+204(SB)/4, $0x3ab743ce
DATA expc<>+208(SB)/4, $0x3ab743ce
DATA expc<>+212(SB)/4, $0x3ab743ce
DATA expc<>+216(SB)/4, $0x3ab743ce
DATA expc<>+220(SB)/4, $0x3ab743ce
DATA expc<>+224(SB)/4, $0x3c088908
DATA expc<>+228(SB)/4, $0x3c088908
DATA expc<>+232(SB)/4, $0x3c088908
DATA expc<>+236(SB)/4, $0x3c088908
DATA expc<>+240(SB)/4, $0x3c088908
DATA expc<>+244(SB)/4, $0x3c088908
DATA expc<>+248(SB)/4, $0x3c088908
DATA expc<>+252(SB)/4, $0x3c088908
DATA expc<>+256(SB)/4, $0x3d2aa9c1
DATA expc<>+260(SB)/4, $0x3d2aa9c1
DATA expc<>+264(SB)/4, $0x3d2aa9c1
DATA expc<>+268(SB)/4, $0x3d2aa9c1
DATA expc<>+272(SB)/4, $0x3d2aa9c1
DATA expc<>+276(SB)/4, $0x3d2aa9c1
DATA expc<>+280(SB)/4, $0x3d2aa9c1
DATA expc<>+284(SB)/4, $0x3d2aa9c1
DATA expc<>+288(SB)/4, $0x3e2aaaaa
DATA expc<>+292(SB)/4, $0x3e2aaaaa
DATA expc<>+296(SB)/4, $0x3e2aaaaa
DATA expc<>+300(SB)/4, $0x3e2aaaaa
DATA expc<>+304(SB)/4, $0x3e2aaaaa
DATA expc<>+308(SB)/4, $0x3e2aaaaa
DATA expc<>+312(SB)/4, $0x3e2aaaaa
DATA expc<>+316(SB)/4, $0x3e2aaaaa
DATA expc<>+320(SB)/4, $0x3f000000
DATA expc<>+324(SB)/4, $0x3f000000
DATA expc<>+328(SB)/4, $0x3f000000
DATA expc<>+332(SB)/4, $0x3f000000
DATA expc<>+336(SB)/4, $0x3f000000
DATA expc<>+340(SB)/4, $0x3f000000
DATA expc<>+344(SB)/4, $0x3f000000
DATA expc<>+348(SB)/4, $0x3f000000
DATA expc<>+352(SB)/4, $0x3f800000
DATA expc<>+356(SB)/4, $0x3f800000
DATA expc<>+360(SB)/4, $0x3f800000
DATA expc<>+364(SB)/4, $0x3f800000
DATA expc<>+368(SB)/4, $0x3f800000
DATA expc<>+372(SB)/4, $0x3f800000
DATA expc<>+376(SB)/4, $0x3f800000
DATA expc<>+380(SB)/4, $0x3f800000
GLOBL expc<>(SB), RODATA|NOPTR, $384

// func expShiftSumAVX512(dst, src *float32, n int, shift float32) float32
TEXT ·expShiftSumAVX512(SB), NOSPLIT, $0-36
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS shift+24(FP), Z15
	VBROADCASTSS expc<>+0(SB), Z16
	VBROADCASTSS expc<>+32(SB), Z17
	VBROADCASTSS expc<>+64(SB), Z18
	VBROADCASTSS expc<>+96(SB), Z19
	VBROADCASTSS expc<>+128(SB), Z20
	VBROADCASTSS expc<>+160(SB), Z21
	VBROADCASTSS expc<>+192(SB), Z22
	VBROADCASTSS expc<>+224(SB), Z23
	VBROADCASTSS expc<>+256(SB), Z24
	VBROADCASTSS expc<>+288(SB), Z25
	VBROADCASTSS expc<>+320(SB), Z26
	VBROADCASTSS expc<>+352(SB), Z27
	VPXORD Z14, Z14, Z14
	TESTQ CX, CX
	JEQ done
loop:
	VMOVUPS (SI), Z0
	VSUBPS Z15, Z0, Z0
	VCMPPS $1, Z16, Z0, K1
	VMINPS Z0, Z17, Z0
	VMULPS Z18, Z0, Z1
	VRNDSCALEPS $0, Z1, Z1
	VFNMADD231PS Z19, Z1, Z0
	VFNMADD231PS Z20, Z1, Z0
	VMULPS Z0, Z0, Z2
	VMOVAPS Z21, Z3
	VFMADD213PS Z22, Z0, Z3
	VFMADD213PS Z23, Z0, Z3
	VFMADD213PS Z24, Z0, Z3
	VFMADD213PS Z25, Z0, Z3
	VFMADD213PS Z26, Z0, Z3
	VFMADD213PS Z0, Z2, Z3
	VADDPS Z27, Z3, Z3
	VSCALEFPS Z1, Z3, Z3
	VPXORD Z3, Z3, K1, Z3
	VMOVUPS Z3, (DI)
	VADDPS Z3, Z14, Z14
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JNE loop
done:
	VEXTRACTF32X8 $1, Z14, Y1
	VADDPS Y1, Y14, Y14
	VEXTRACTF128 $1, Y14, X1
	VADDPS X1, X14, X14
	VMOVHLPS X14, X14, X1
	VADDPS X1, X14, X14
	VPSHUFD $1, X14, X1
	VADDSS X1, X14, X14
	VMOVSS X14, ret+32(FP)
	VZEROUPPER
	RET

// func expShiftSumAVX2(dst, src *float32, n int, shift float32) float32
TEXT ·expShiftSumAVX2(SB), NOSPLIT, $0-36
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS shift+24(FP), Y15
	VMOVUPS expc<>+0(SB), Y8
	VMOVUPS expc<>+32(SB), Y9
	VMOVUPS expc<>+64(SB), Y10
	VMOVUPS expc<>+96(SB), Y11
	VMOVUPS expc<>+128(SB), Y12
	VMOVUPS expc<>+352(SB), Y13
	VXORPS Y14, Y14, Y14
	TESTQ CX, CX
	JEQ done
loop:
	VMOVUPS (SI), Y0
	VSUBPS Y15, Y0, Y0
	VCMPPS $1, Y8, Y0, Y4
	VMINPS Y0, Y9, Y0
	VMULPS Y10, Y0, Y1
	VROUNDPS $0, Y1, Y1
	VFNMADD231PS Y11, Y1, Y0
	VFNMADD231PS Y12, Y1, Y0
	VMULPS Y0, Y0, Y2
	VMOVUPS expc<>+160(SB), Y3
	VFMADD213PS expc<>+192(SB), Y0, Y3
	VFMADD213PS expc<>+224(SB), Y0, Y3
	VFMADD213PS expc<>+256(SB), Y0, Y3
	VFMADD213PS expc<>+288(SB), Y0, Y3
	VFMADD213PS expc<>+320(SB), Y0, Y3
	VFMADD213PS Y0, Y2, Y3
	VADDPS Y13, Y3, Y3
	VCVTPS2DQ Y1, Y2
	VPSLLD $23, Y2, Y2
	VPADDD Y2, Y3, Y3
	VANDNPS Y3, Y4, Y3
	VMOVUPS Y3, (DI)
	VADDPS Y3, Y14, Y14
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNE loop
done:
	VEXTRACTF128 $1, Y14, X1
	VADDPS X1, X14, X14
	VMOVHLPS X14, X14, X1
	VADDPS X1, X14, X14
	VPSHUFD $1, X14, X1
	VADDSS X1, X14, X14
	VMOVSS X14, ret+32(FP)
	VZEROUPPER
	RET

// Sigmoid and GELU on 16 lanes (see sigmoidGo and geluGo in act.go for the
// reference steps). gelc<> holds each constant 16 times (64 bytes).
DATA gelc<>+0(SB)/4, $0x3f3504f3
DATA gelc<>+4(SB)/4, $0x3f3504f3
DATA gelc<>+8(SB)/4, $0x3f3504f3
DATA gelc<>+12(SB)/4, $0x3f3504f3
DATA gelc<>+16(SB)/4, $0x3f3504f3
DATA gelc<>+20(SB)/4, $0x3f3504f3
DATA gelc<>+24(SB)/4, $0x3f3504f3
DATA gelc<>+28(SB)/4, $0x3f3504f3
DATA gelc<>+32(SB)/4, $0x3f3504f3
DATA gelc<>+36(SB)/4, $0x3f3504f3
DATA gelc<>+40(SB)/4, $0x3f3504f3
DATA gelc<>+44(SB)/4, $0x3f3504f3
DATA gelc<>+48(SB)/4, $0x3f3504f3
DATA gelc<>+52(SB)/4, $0x3f3504f3
DATA gelc<>+56(SB)/4, $0x3f3504f3
DATA gelc<>+60(SB)/4, $0x3f3504f3
DATA gelc<>+64(SB)/4, $0x7fffffff
DATA gelc<>+68(SB)/4, $0x7fffffff
DATA gelc<>+72(SB)/4, $0x7fffffff
DATA gelc<>+76(SB)/4, $0x7fffffff
DATA gelc<>+80(SB)/4, $0x7fffffff
DATA gelc<>+84(SB)/4, $0x7fffffff
DATA gelc<>+88(SB)/4, $0x7fffffff
DATA gelc<>+92(SB)/4, $0x7fffffff
DATA gelc<>+96(SB)/4, $0x7fffffff
DATA gelc<>+100(SB)/4, $0x7fffffff
DATA gelc<>+104(SB)/4, $0x7fffffff
DATA gelc<>+108(SB)/4, $0x7fffffff
DATA gelc<>+112(SB)/4, $0x7fffffff
DATA gelc<>+116(SB)/4, $0x7fffffff
DATA gelc<>+120(SB)/4, $0x7fffffff
DATA gelc<>+124(SB)/4, $0x7fffffff
DATA gelc<>+128(SB)/4, $0x80000000
DATA gelc<>+132(SB)/4, $0x80000000
DATA gelc<>+136(SB)/4, $0x80000000
DATA gelc<>+140(SB)/4, $0x80000000
DATA gelc<>+144(SB)/4, $0x80000000
DATA gelc<>+148(SB)/4, $0x80000000
DATA gelc<>+152(SB)/4, $0x80000000
DATA gelc<>+156(SB)/4, $0x80000000
DATA gelc<>+160(SB)/4, $0x80000000
DATA gelc<>+164(SB)/4, $0x80000000
DATA gelc<>+168(SB)/4, $0x80000000
DATA gelc<>+172(SB)/4, $0x80000000
DATA gelc<>+176(SB)/4, $0x80000000
DATA gelc<>+180(SB)/4, $0x80000000
DATA gelc<>+184(SB)/4, $0x80000000
DATA gelc<>+188(SB)/4, $0x80000000
DATA gelc<>+192(SB)/4, $0x3ea7ba05
DATA gelc<>+196(SB)/4, $0x3ea7ba05
DATA gelc<>+200(SB)/4, $0x3ea7ba05
DATA gelc<>+204(SB)/4, $0x3ea7ba05
DATA gelc<>+208(SB)/4, $0x3ea7ba05
DATA gelc<>+212(SB)/4, $0x3ea7ba05
DATA gelc<>+216(SB)/4, $0x3ea7ba05
DATA gelc<>+220(SB)/4, $0x3ea7ba05
DATA gelc<>+224(SB)/4, $0x3ea7ba05
DATA gelc<>+228(SB)/4, $0x3ea7ba05
DATA gelc<>+232(SB)/4, $0x3ea7ba05
DATA gelc<>+236(SB)/4, $0x3ea7ba05
DATA gelc<>+240(SB)/4, $0x3ea7ba05
DATA gelc<>+244(SB)/4, $0x3ea7ba05
DATA gelc<>+248(SB)/4, $0x3ea7ba05
DATA gelc<>+252(SB)/4, $0x3ea7ba05
DATA gelc<>+256(SB)/4, $0x3e827906
DATA gelc<>+260(SB)/4, $0x3e827906
DATA gelc<>+264(SB)/4, $0x3e827906
DATA gelc<>+268(SB)/4, $0x3e827906
DATA gelc<>+272(SB)/4, $0x3e827906
DATA gelc<>+276(SB)/4, $0x3e827906
DATA gelc<>+280(SB)/4, $0x3e827906
DATA gelc<>+284(SB)/4, $0x3e827906
DATA gelc<>+288(SB)/4, $0x3e827906
DATA gelc<>+292(SB)/4, $0x3e827906
DATA gelc<>+296(SB)/4, $0x3e827906
DATA gelc<>+300(SB)/4, $0x3e827906
DATA gelc<>+304(SB)/4, $0x3e827906
DATA gelc<>+308(SB)/4, $0x3e827906
DATA gelc<>+312(SB)/4, $0x3e827906
DATA gelc<>+316(SB)/4, $0x3e827906
DATA gelc<>+320(SB)/4, $0xbe91a98e
DATA gelc<>+324(SB)/4, $0xbe91a98e
DATA gelc<>+328(SB)/4, $0xbe91a98e
DATA gelc<>+332(SB)/4, $0xbe91a98e
DATA gelc<>+336(SB)/4, $0xbe91a98e
DATA gelc<>+340(SB)/4, $0xbe91a98e
DATA gelc<>+344(SB)/4, $0xbe91a98e
DATA gelc<>+348(SB)/4, $0xbe91a98e
DATA gelc<>+352(SB)/4, $0xbe91a98e
DATA gelc<>+356(SB)/4, $0xbe91a98e
DATA gelc<>+360(SB)/4, $0xbe91a98e
DATA gelc<>+364(SB)/4, $0xbe91a98e
DATA gelc<>+368(SB)/4, $0xbe91a98e
DATA gelc<>+372(SB)/4, $0xbe91a98e
DATA gelc<>+376(SB)/4, $0xbe91a98e
DATA gelc<>+380(SB)/4, $0xbe91a98e
DATA gelc<>+384(SB)/4, $0x3fb5f0e3
DATA gelc<>+388(SB)/4, $0x3fb5f0e3
DATA gelc<>+392(SB)/4, $0x3fb5f0e3
DATA gelc<>+396(SB)/4, $0x3fb5f0e3
DATA gelc<>+400(SB)/4, $0x3fb5f0e3
DATA gelc<>+404(SB)/4, $0x3fb5f0e3
DATA gelc<>+408(SB)/4, $0x3fb5f0e3
DATA gelc<>+412(SB)/4, $0x3fb5f0e3
DATA gelc<>+416(SB)/4, $0x3fb5f0e3
DATA gelc<>+420(SB)/4, $0x3fb5f0e3
DATA gelc<>+424(SB)/4, $0x3fb5f0e3
DATA gelc<>+428(SB)/4, $0x3fb5f0e3
DATA gelc<>+432(SB)/4, $0x3fb5f0e3
DATA gelc<>+436(SB)/4, $0x3fb5f0e3
DATA gelc<>+440(SB)/4, $0x3fb5f0e3
DATA gelc<>+444(SB)/4, $0x3fb5f0e3
DATA gelc<>+448(SB)/4, $0xbfba00e3
DATA gelc<>+452(SB)/4, $0xbfba00e3
DATA gelc<>+456(SB)/4, $0xbfba00e3
DATA gelc<>+460(SB)/4, $0xbfba00e3
DATA gelc<>+464(SB)/4, $0xbfba00e3
DATA gelc<>+468(SB)/4, $0xbfba00e3
DATA gelc<>+472(SB)/4, $0xbfba00e3
DATA gelc<>+476(SB)/4, $0xbfba00e3
DATA gelc<>+480(SB)/4, $0xbfba00e3
DATA gelc<>+484(SB)/4, $0xbfba00e3
DATA gelc<>+488(SB)/4, $0xbfba00e3
DATA gelc<>+492(SB)/4, $0xbfba00e3
DATA gelc<>+496(SB)/4, $0xbfba00e3
DATA gelc<>+500(SB)/4, $0xbfba00e3
DATA gelc<>+504(SB)/4, $0xbfba00e3
DATA gelc<>+508(SB)/4, $0xbfba00e3
DATA gelc<>+512(SB)/4, $0x3f87dc22
DATA gelc<>+516(SB)/4, $0x3f87dc22
DATA gelc<>+520(SB)/4, $0x3f87dc22
DATA gelc<>+524(SB)/4, $0x3f87dc22
DATA gelc<>+528(SB)/4, $0x3f87dc22
DATA gelc<>+532(SB)/4, $0x3f87dc22
DATA gelc<>+536(SB)/4, $0x3f87dc22
DATA gelc<>+540(SB)/4, $0x3f87dc22
DATA gelc<>+544(SB)/4, $0x3f87dc22
DATA gelc<>+548(SB)/4, $0x3f87dc22
DATA gelc<>+552(SB)/4, $0x3f87dc22
DATA gelc<>+556(SB)/4, $0x3f87dc22
DATA gelc<>+560(SB)/4, $0x3f87dc22
DATA gelc<>+564(SB)/4, $0x3f87dc22
DATA gelc<>+568(SB)/4, $0x3f87dc22
DATA gelc<>+572(SB)/4, $0x3f87dc22
DATA gelc<>+576(SB)/4, $0x3f000000
DATA gelc<>+580(SB)/4, $0x3f000000
DATA gelc<>+584(SB)/4, $0x3f000000
DATA gelc<>+588(SB)/4, $0x3f000000
DATA gelc<>+592(SB)/4, $0x3f000000
DATA gelc<>+596(SB)/4, $0x3f000000
DATA gelc<>+600(SB)/4, $0x3f000000
DATA gelc<>+604(SB)/4, $0x3f000000
DATA gelc<>+608(SB)/4, $0x3f000000
DATA gelc<>+612(SB)/4, $0x3f000000
DATA gelc<>+616(SB)/4, $0x3f000000
DATA gelc<>+620(SB)/4, $0x3f000000
DATA gelc<>+624(SB)/4, $0x3f000000
DATA gelc<>+628(SB)/4, $0x3f000000
DATA gelc<>+632(SB)/4, $0x3f000000
DATA gelc<>+636(SB)/4, $0x3f000000
DATA gelc<>+640(SB)/4, $0x3f906ebb
DATA gelc<>+644(SB)/4, $0x3f906ebb
DATA gelc<>+648(SB)/4, $0x3f906ebb
DATA gelc<>+652(SB)/4, $0x3f906ebb
DATA gelc<>+656(SB)/4, $0x3f906ebb
DATA gelc<>+660(SB)/4, $0x3f906ebb
DATA gelc<>+664(SB)/4, $0x3f906ebb
DATA gelc<>+668(SB)/4, $0x3f906ebb
DATA gelc<>+672(SB)/4, $0x3f906ebb
DATA gelc<>+676(SB)/4, $0x3f906ebb
DATA gelc<>+680(SB)/4, $0x3f906ebb
DATA gelc<>+684(SB)/4, $0x3f906ebb
DATA gelc<>+688(SB)/4, $0x3f906ebb
DATA gelc<>+692(SB)/4, $0x3f906ebb
DATA gelc<>+696(SB)/4, $0x3f906ebb
DATA gelc<>+700(SB)/4, $0x3f906ebb
DATA gelc<>+704(SB)/4, $0xbeaaaaab
DATA gelc<>+708(SB)/4, $0xbeaaaaab
DATA gelc<>+712(SB)/4, $0xbeaaaaab
DATA gelc<>+716(SB)/4, $0xbeaaaaab
DATA gelc<>+720(SB)/4, $0xbeaaaaab
DATA gelc<>+724(SB)/4, $0xbeaaaaab
DATA gelc<>+728(SB)/4, $0xbeaaaaab
DATA gelc<>+732(SB)/4, $0xbeaaaaab
DATA gelc<>+736(SB)/4, $0xbeaaaaab
DATA gelc<>+740(SB)/4, $0xbeaaaaab
DATA gelc<>+744(SB)/4, $0xbeaaaaab
DATA gelc<>+748(SB)/4, $0xbeaaaaab
DATA gelc<>+752(SB)/4, $0xbeaaaaab
DATA gelc<>+756(SB)/4, $0xbeaaaaab
DATA gelc<>+760(SB)/4, $0xbeaaaaab
DATA gelc<>+764(SB)/4, $0xbeaaaaab
DATA gelc<>+768(SB)/4, $0x3dcccccd
DATA gelc<>+772(SB)/4, $0x3dcccccd
DATA gelc<>+776(SB)/4, $0x3dcccccd
DATA gelc<>+780(SB)/4, $0x3dcccccd
DATA gelc<>+784(SB)/4, $0x3dcccccd
DATA gelc<>+788(SB)/4, $0x3dcccccd
DATA gelc<>+792(SB)/4, $0x3dcccccd
DATA gelc<>+796(SB)/4, $0x3dcccccd
DATA gelc<>+800(SB)/4, $0x3dcccccd
DATA gelc<>+804(SB)/4, $0x3dcccccd
DATA gelc<>+808(SB)/4, $0x3dcccccd
DATA gelc<>+812(SB)/4, $0x3dcccccd
DATA gelc<>+816(SB)/4, $0x3dcccccd
DATA gelc<>+820(SB)/4, $0x3dcccccd
DATA gelc<>+824(SB)/4, $0x3dcccccd
DATA gelc<>+828(SB)/4, $0x3dcccccd
DATA gelc<>+832(SB)/4, $0xbcc30c31
DATA gelc<>+836(SB)/4, $0xbcc30c31
DATA gelc<>+840(SB)/4, $0xbcc30c31
DATA gelc<>+844(SB)/4, $0xbcc30c31
DATA gelc<>+848(SB)/4, $0xbcc30c31
DATA gelc<>+852(SB)/4, $0xbcc30c31
DATA gelc<>+856(SB)/4, $0xbcc30c31
DATA gelc<>+860(SB)/4, $0xbcc30c31
DATA gelc<>+864(SB)/4, $0xbcc30c31
DATA gelc<>+868(SB)/4, $0xbcc30c31
DATA gelc<>+872(SB)/4, $0xbcc30c31
DATA gelc<>+876(SB)/4, $0xbcc30c31
DATA gelc<>+880(SB)/4, $0xbcc30c31
DATA gelc<>+884(SB)/4, $0xbcc30c31
DATA gelc<>+888(SB)/4, $0xbcc30c31
DATA gelc<>+892(SB)/4, $0xbcc30c31
DATA gelc<>+896(SB)/4, $0x3b97b426
DATA gelc<>+900(SB)/4, $0x3b97b426
DATA gelc<>+904(SB)/4, $0x3b97b426
DATA gelc<>+908(SB)/4, $0x3b97b426
DATA gelc<>+912(SB)/4, $0x3b97b426
DATA gelc<>+916(SB)/4, $0x3b97b426
DATA gelc<>+920(SB)/4, $0x3b97b426
DATA gelc<>+924(SB)/4, $0x3b97b426
DATA gelc<>+928(SB)/4, $0x3b97b426
DATA gelc<>+932(SB)/4, $0x3b97b426
DATA gelc<>+936(SB)/4, $0x3b97b426
DATA gelc<>+940(SB)/4, $0x3b97b426
DATA gelc<>+944(SB)/4, $0x3b97b426
DATA gelc<>+948(SB)/4, $0x3b97b426
DATA gelc<>+952(SB)/4, $0x3b97b426
DATA gelc<>+956(SB)/4, $0x3b97b426
DATA gelc<>+960(SB)/4, $0xba46980c
DATA gelc<>+964(SB)/4, $0xba46980c
DATA gelc<>+968(SB)/4, $0xba46980c
DATA gelc<>+972(SB)/4, $0xba46980c
DATA gelc<>+976(SB)/4, $0xba46980c
DATA gelc<>+980(SB)/4, $0xba46980c
DATA gelc<>+984(SB)/4, $0xba46980c
DATA gelc<>+988(SB)/4, $0xba46980c
DATA gelc<>+992(SB)/4, $0xba46980c
DATA gelc<>+996(SB)/4, $0xba46980c
DATA gelc<>+1000(SB)/4, $0xba46980c
DATA gelc<>+1004(SB)/4, $0xba46980c
DATA gelc<>+1008(SB)/4, $0xba46980c
DATA gelc<>+1012(SB)/4, $0xba46980c
DATA gelc<>+1016(SB)/4, $0xba46980c
DATA gelc<>+1020(SB)/4, $0xba46980c
GLOBL gelc<>(SB), RODATA|NOPTR, $1024

// EXPCONST16 loads the exp constants into Z16..Z27 (Z27 = 1).
#define EXPCONST16 \
	VBROADCASTSS expc<>+0(SB), Z16 \
	VBROADCASTSS expc<>+32(SB), Z17 \
	VBROADCASTSS expc<>+64(SB), Z18 \
	VBROADCASTSS expc<>+96(SB), Z19 \
	VBROADCASTSS expc<>+128(SB), Z20 \
	VBROADCASTSS expc<>+160(SB), Z21 \
	VBROADCASTSS expc<>+192(SB), Z22 \
	VBROADCASTSS expc<>+224(SB), Z23 \
	VBROADCASTSS expc<>+256(SB), Z24 \
	VBROADCASTSS expc<>+288(SB), Z25 \
	VBROADCASTSS expc<>+320(SB), Z26 \
	VBROADCASTSS expc<>+352(SB), Z27

// EXP16(x, y) sets y = exp32(x) on 16 lanes; clobbers x, Z1, Z2, K1.
#define EXP16(x, y) \
	VCMPPS $1, Z16, x, K1 \
	VMINPS x, Z17, x \
	VMULPS Z18, x, Z1 \
	VRNDSCALEPS $0, Z1, Z1 \
	VFNMADD231PS Z19, Z1, x \
	VFNMADD231PS Z20, Z1, x \
	VMULPS x, x, Z2 \
	VMOVAPS Z21, y \
	VFMADD213PS Z22, x, y \
	VFMADD213PS Z23, x, y \
	VFMADD213PS Z24, x, y \
	VFMADD213PS Z25, x, y \
	VFMADD213PS Z26, x, y \
	VFMADD213PS x, Z2, y \
	VADDPS Z27, y, y \
	VSCALEFPS Z1, y, y \
	VPXORD y, y, K1, y

// func sigmoidAVX512(dst, src *float32, n int)
TEXT ·sigmoidAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	EXPCONST16
	VPXORD Z5, Z5, Z5
loop:
	VMOVUPS (SI), Z0
	VSUBPS Z0, Z5, Z0
	EXP16(Z0, Z3)
	VADDPS Z27, Z3, Z3
	VDIVPS Z3, Z27, Z3
	VMOVUPS Z3, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JNE loop
	VZEROUPPER
	RET

// func geluAVX512(dst, src *float32, n int)
TEXT ·geluAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	EXPCONST16
	VPXORD Z5, Z5, Z5
loop:
	VMOVUPS (SI), Z6
	VMULPS gelc<>+0(SB), Z6, Z7
	VANDPS gelc<>+64(SB), Z7, Z8
	VMULPS Z7, Z7, Z12
	VSUBPS Z12, Z5, Z0
	EXP16(Z0, Z3)
	VMOVAPS Z27, Z9
	VFMADD231PS gelc<>+192(SB), Z8, Z9
	VDIVPS Z9, Z27, Z9
	VMOVUPS gelc<>+512(SB), Z10
	VFMADD213PS gelc<>+448(SB), Z9, Z10
	VFMADD213PS gelc<>+384(SB), Z9, Z10
	VFMADD213PS gelc<>+320(SB), Z9, Z10
	VFMADD213PS gelc<>+256(SB), Z9, Z10
	VMULPS Z9, Z10, Z10
	VMULPS Z3, Z10, Z10
	VSUBPS Z10, Z27, Z11
	VANDPS gelc<>+128(SB), Z7, Z13
	VORPS Z13, Z11, Z11
	VMOVUPS gelc<>+960(SB), Z14
	VFMADD213PS gelc<>+896(SB), Z12, Z14
	VFMADD213PS gelc<>+832(SB), Z12, Z14
	VFMADD213PS gelc<>+768(SB), Z12, Z14
	VFMADD213PS gelc<>+704(SB), Z12, Z14
	VFMADD213PS Z27, Z12, Z14
	VMULPS gelc<>+640(SB), Z7, Z15
	VMULPS Z14, Z15, Z15
	VCMPPS $1, gelc<>+576(SB), Z8, K2
	VBLENDMPS Z15, Z11, K2, Z11
	VADDPS Z27, Z11, Z11
	VMULPS Z6, Z11, Z11
	VMULPS gelc<>+576(SB), Z11, Z11
	VMOVUPS Z11, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JNE loop
	VZEROUPPER
	RET

// Tanh on 16 lanes (see tanhGo in act.go).
DATA tanhc<>+0(SB)/4, $0x3e088889
DATA tanhc<>+4(SB)/4, $0x3e088889
DATA tanhc<>+8(SB)/4, $0x3e088889
DATA tanhc<>+12(SB)/4, $0x3e088889
DATA tanhc<>+16(SB)/4, $0x3e088889
DATA tanhc<>+20(SB)/4, $0x3e088889
DATA tanhc<>+24(SB)/4, $0x3e088889
DATA tanhc<>+28(SB)/4, $0x3e088889
DATA tanhc<>+32(SB)/4, $0x3e088889
DATA tanhc<>+36(SB)/4, $0x3e088889
DATA tanhc<>+40(SB)/4, $0x3e088889
DATA tanhc<>+44(SB)/4, $0x3e088889
DATA tanhc<>+48(SB)/4, $0x3e088889
DATA tanhc<>+52(SB)/4, $0x3e088889
DATA tanhc<>+56(SB)/4, $0x3e088889
DATA tanhc<>+60(SB)/4, $0x3e088889
DATA tanhc<>+64(SB)/4, $0xbd5d0dd1
DATA tanhc<>+68(SB)/4, $0xbd5d0dd1
DATA tanhc<>+72(SB)/4, $0xbd5d0dd1
DATA tanhc<>+76(SB)/4, $0xbd5d0dd1
DATA tanhc<>+80(SB)/4, $0xbd5d0dd1
DATA tanhc<>+84(SB)/4, $0xbd5d0dd1
DATA tanhc<>+88(SB)/4, $0xbd5d0dd1
DATA tanhc<>+92(SB)/4, $0xbd5d0dd1
DATA tanhc<>+96(SB)/4, $0xbd5d0dd1
DATA tanhc<>+100(SB)/4, $0xbd5d0dd1
DATA tanhc<>+104(SB)/4, $0xbd5d0dd1
DATA tanhc<>+108(SB)/4, $0xbd5d0dd1
DATA tanhc<>+112(SB)/4, $0xbd5d0dd1
DATA tanhc<>+116(SB)/4, $0xbd5d0dd1
DATA tanhc<>+120(SB)/4, $0xbd5d0dd1
DATA tanhc<>+124(SB)/4, $0xbd5d0dd1
DATA tanhc<>+128(SB)/4, $0x3e000000
DATA tanhc<>+132(SB)/4, $0x3e000000
DATA tanhc<>+136(SB)/4, $0x3e000000
DATA tanhc<>+140(SB)/4, $0x3e000000
DATA tanhc<>+144(SB)/4, $0x3e000000
DATA tanhc<>+148(SB)/4, $0x3e000000
DATA tanhc<>+152(SB)/4, $0x3e000000
DATA tanhc<>+156(SB)/4, $0x3e000000
DATA tanhc<>+160(SB)/4, $0x3e000000
DATA tanhc<>+164(SB)/4, $0x3e000000
DATA tanhc<>+168(SB)/4, $0x3e000000
DATA tanhc<>+172(SB)/4, $0x3e000000
DATA tanhc<>+176(SB)/4, $0x3e000000
DATA tanhc<>+180(SB)/4, $0x3e000000
DATA tanhc<>+184(SB)/4, $0x3e000000
DATA tanhc<>+188(SB)/4, $0x3e000000
DATA tanhc<>+192(SB)/4, $0x40000000
DATA tanhc<>+196(SB)/4, $0x40000000
DATA tanhc<>+200(SB)/4, $0x40000000
DATA tanhc<>+204(SB)/4, $0x40000000
DATA tanhc<>+208(SB)/4, $0x40000000
DATA tanhc<>+212(SB)/4, $0x40000000
DATA tanhc<>+216(SB)/4, $0x40000000
DATA tanhc<>+220(SB)/4, $0x40000000
DATA tanhc<>+224(SB)/4, $0x40000000
DATA tanhc<>+228(SB)/4, $0x40000000
DATA tanhc<>+232(SB)/4, $0x40000000
DATA tanhc<>+236(SB)/4, $0x40000000
DATA tanhc<>+240(SB)/4, $0x40000000
DATA tanhc<>+244(SB)/4, $0x40000000
DATA tanhc<>+248(SB)/4, $0x40000000
DATA tanhc<>+252(SB)/4, $0x40000000
GLOBL tanhc<>(SB), RODATA|NOPTR, $256

// func tanhAVX512(dst, src *float32, n int)
TEXT ·tanhAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	EXPCONST16
loop:
	VMOVUPS (SI), Z6
	VANDPS gelc<>+64(SB), Z6, Z8
	VMULPS tanhc<>+192(SB), Z8, Z0
	EXP16(Z0, Z3)
	VADDPS Z27, Z3, Z3
	VMOVUPS tanhc<>+192(SB), Z9
	VDIVPS Z3, Z9, Z9
	VSUBPS Z9, Z27, Z11
	VANDPS gelc<>+128(SB), Z6, Z13
	VORPS Z13, Z11, Z11
	VMULPS Z6, Z6, Z12
	VMOVUPS tanhc<>+64(SB), Z14
	VFMADD213PS tanhc<>+0(SB), Z12, Z14
	VFMADD213PS gelc<>+704(SB), Z12, Z14
	VMULPS Z6, Z12, Z15
	VFMADD213PS Z6, Z15, Z14
	VCMPPS $1, tanhc<>+128(SB), Z8, K2
	VBLENDMPS Z14, Z11, K2, Z11
	VMOVUPS Z11, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JNE loop
	VZEROUPPER
	RET

// EXP8(x, y, m) sets y = exp32(x) on 8 lanes with the constants in memory;
// clobbers x, m, Y1, Y2.
#define EXP8(x, y, m) \
	VCMPPS $1, expc<>+0(SB), x, m \
	VMOVUPS expc<>+32(SB), Y1 \
	VMINPS x, Y1, x \
	VMULPS expc<>+64(SB), x, Y1 \
	VROUNDPS $0, Y1, Y1 \
	VFNMADD231PS expc<>+96(SB), Y1, x \
	VFNMADD231PS expc<>+128(SB), Y1, x \
	VMULPS x, x, Y2 \
	VMOVUPS expc<>+160(SB), y \
	VFMADD213PS expc<>+192(SB), x, y \
	VFMADD213PS expc<>+224(SB), x, y \
	VFMADD213PS expc<>+256(SB), x, y \
	VFMADD213PS expc<>+288(SB), x, y \
	VFMADD213PS expc<>+320(SB), x, y \
	VFMADD213PS x, Y2, y \
	VADDPS expc<>+352(SB), y, y \
	VCVTPS2DQ Y1, Y2 \
	VPSLLD $23, Y2, Y2 \
	VPADDD Y2, y, y \
	VANDNPS y, m, y

// func sigmoidAVX2(dst, src *float32, n int)
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Y5, Y5, Y5
	VMOVUPS expc<>+352(SB), Y15
loop:
	VMOVUPS (SI), Y0
	VSUBPS Y0, Y5, Y0
	EXP8(Y0, Y3, Y4)
	VADDPS Y15, Y3, Y3
	VDIVPS Y3, Y15, Y3
	VMOVUPS Y3, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNE loop
	VZEROUPPER
	RET

// func geluAVX2(dst, src *float32, n int)
TEXT ·geluAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Y5, Y5, Y5
	VMOVUPS expc<>+352(SB), Y15
loop:
	VMOVUPS (SI), Y6
	VMULPS gelc<>+0(SB), Y6, Y7
	VANDPS gelc<>+64(SB), Y7, Y8
	VMULPS Y7, Y7, Y12
	VSUBPS Y12, Y5, Y0
	EXP8(Y0, Y3, Y4)
	VMOVAPS Y15, Y9
	VFMADD231PS gelc<>+192(SB), Y8, Y9
	VDIVPS Y9, Y15, Y9
	VMOVUPS gelc<>+512(SB), Y10
	VFMADD213PS gelc<>+448(SB), Y9, Y10
	VFMADD213PS gelc<>+384(SB), Y9, Y10
	VFMADD213PS gelc<>+320(SB), Y9, Y10
	VFMADD213PS gelc<>+256(SB), Y9, Y10
	VMULPS Y9, Y10, Y10
	VMULPS Y3, Y10, Y10
	VSUBPS Y10, Y15, Y11
	VANDPS gelc<>+128(SB), Y7, Y13
	VORPS Y13, Y11, Y11
	VMOVUPS gelc<>+960(SB), Y14
	VFMADD213PS gelc<>+896(SB), Y12, Y14
	VFMADD213PS gelc<>+832(SB), Y12, Y14
	VFMADD213PS gelc<>+768(SB), Y12, Y14
	VFMADD213PS gelc<>+704(SB), Y12, Y14
	VFMADD213PS Y15, Y12, Y14
	VMULPS gelc<>+640(SB), Y7, Y13
	VMULPS Y14, Y13, Y13
	VCMPPS $1, gelc<>+576(SB), Y8, Y4
	VBLENDVPS Y4, Y13, Y11, Y11
	VADDPS Y15, Y11, Y11
	VMULPS Y6, Y11, Y11
	VMULPS gelc<>+576(SB), Y11, Y11
	VMOVUPS Y11, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNE loop
	VZEROUPPER
	RET

// func tanhAVX2(dst, src *float32, n int)
TEXT ·tanhAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VMOVUPS expc<>+352(SB), Y15
loop:
	VMOVUPS (SI), Y6
	VANDPS gelc<>+64(SB), Y6, Y8
	VMULPS tanhc<>+192(SB), Y8, Y0
	EXP8(Y0, Y3, Y4)
	VADDPS Y15, Y3, Y3
	VMOVUPS tanhc<>+192(SB), Y9
	VDIVPS Y3, Y9, Y9
	VSUBPS Y9, Y15, Y11
	VANDPS gelc<>+128(SB), Y6, Y13
	VORPS Y13, Y11, Y11
	VMULPS Y6, Y6, Y12
	VMOVUPS tanhc<>+64(SB), Y14
	VFMADD213PS tanhc<>+0(SB), Y12, Y14
	VFMADD213PS gelc<>+704(SB), Y12, Y14
	VMULPS Y6, Y12, Y10
	VFMADD213PS Y6, Y10, Y14
	VCMPPS $1, tanhc<>+128(SB), Y8, Y4
	VBLENDVPS Y4, Y14, Y11, Y11
	VMOVUPS Y11, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNE loop
	VZEROUPPER
	RET

// func erfAVX512(dst, src *float32, n int)
TEXT ·erfAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	EXPCONST16
	VPXORD Z5, Z5, Z5
loop:
	VMOVUPS (SI), Z7
	VANDPS gelc<>+64(SB), Z7, Z8
	VMULPS Z7, Z7, Z12
	VSUBPS Z12, Z5, Z0
	EXP16(Z0, Z3)
	VMOVAPS Z27, Z9
	VFMADD231PS gelc<>+192(SB), Z8, Z9
	VDIVPS Z9, Z27, Z9
	VMOVUPS gelc<>+512(SB), Z10
	VFMADD213PS gelc<>+448(SB), Z9, Z10
	VFMADD213PS gelc<>+384(SB), Z9, Z10
	VFMADD213PS gelc<>+320(SB), Z9, Z10
	VFMADD213PS gelc<>+256(SB), Z9, Z10
	VMULPS Z9, Z10, Z10
	VMULPS Z3, Z10, Z10
	VSUBPS Z10, Z27, Z11
	VANDPS gelc<>+128(SB), Z7, Z13
	VORPS Z13, Z11, Z11
	VMOVUPS gelc<>+960(SB), Z14
	VFMADD213PS gelc<>+896(SB), Z12, Z14
	VFMADD213PS gelc<>+832(SB), Z12, Z14
	VFMADD213PS gelc<>+768(SB), Z12, Z14
	VFMADD213PS gelc<>+704(SB), Z12, Z14
	VFMADD213PS Z27, Z12, Z14
	VMULPS gelc<>+640(SB), Z7, Z15
	VMULPS Z14, Z15, Z15
	VCMPPS $1, gelc<>+576(SB), Z8, K2
	VBLENDMPS Z15, Z11, K2, Z11
	VMOVUPS Z11, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JNE loop
	VZEROUPPER
	RET

// func erfAVX2(dst, src *float32, n int)
TEXT ·erfAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Y5, Y5, Y5
	VMOVUPS expc<>+352(SB), Y15
loop:
	VMOVUPS (SI), Y7
	VANDPS gelc<>+64(SB), Y7, Y8
	VMULPS Y7, Y7, Y12
	VSUBPS Y12, Y5, Y0
	EXP8(Y0, Y3, Y4)
	VMOVAPS Y15, Y9
	VFMADD231PS gelc<>+192(SB), Y8, Y9
	VDIVPS Y9, Y15, Y9
	VMOVUPS gelc<>+512(SB), Y10
	VFMADD213PS gelc<>+448(SB), Y9, Y10
	VFMADD213PS gelc<>+384(SB), Y9, Y10
	VFMADD213PS gelc<>+320(SB), Y9, Y10
	VFMADD213PS gelc<>+256(SB), Y9, Y10
	VMULPS Y9, Y10, Y10
	VMULPS Y3, Y10, Y10
	VSUBPS Y10, Y15, Y11
	VANDPS gelc<>+128(SB), Y7, Y13
	VORPS Y13, Y11, Y11
	VMOVUPS gelc<>+960(SB), Y14
	VFMADD213PS gelc<>+896(SB), Y12, Y14
	VFMADD213PS gelc<>+832(SB), Y12, Y14
	VFMADD213PS gelc<>+768(SB), Y12, Y14
	VFMADD213PS gelc<>+704(SB), Y12, Y14
	VFMADD213PS Y15, Y12, Y14
	VMULPS gelc<>+640(SB), Y7, Y13
	VMULPS Y14, Y13, Y13
	VCMPPS $1, gelc<>+576(SB), Y8, Y4
	VBLENDVPS Y4, Y13, Y11, Y11
	VMOVUPS Y11, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNE loop
	VZEROUPPER
	RET
