//go:build amd64 && !purego

#include "textflag.h"

// Float32 exp, log, tanh and sigmoid, 16 elements a step (n a multiple of
// 16). Each half of 8 is widened to float64, evaluated there to about
// 1e-15 relative error and rounded once to float32, so a result is
// float32(math.F(float64(x))) or, where the exact value lies next to a
// rounding boundary, 1 ulp from it. vmathK holds the float64 constants
// as bit patterns, each named in its comment.

DATA vmathK<>+0(SB)/8, $0x3ff71547652b82fe // log2e
DATA vmathK<>+8(SB)/8, $0x3fe62e42fee00000 // ln2hi
DATA vmathK<>+16(SB)/8, $0x3dea39ef35793c76 // ln2lo
DATA vmathK<>+24(SB)/8, $0xc087500000000000 // explo
DATA vmathK<>+32(SB)/8, $0x4086300000000000 // exphi
DATA vmathK<>+40(SB)/8, $0x3ff0000000000000 // one
DATA vmathK<>+48(SB)/8, $0x4000000000000000 // two
DATA vmathK<>+56(SB)/8, $0x3fe0000000000000 // half
DATA vmathK<>+64(SB)/8, $0x3ff6a09e667f3bcd // sqrt2
DATA vmathK<>+72(SB)/8, $0x3fe62e42fefa39ef // ln2
DATA vmathK<>+80(SB)/8, $0x3f50000000000000 // tanhsmall
DATA vmathK<>+88(SB)/8, $0xbfd5555555555555 // mthird
DATA vmathK<>+96(SB)/8, $0x3fc1111111111111 // twofifteenth
DATA vmathK<>+104(SB)/8, $0x7ff0000000000000 // posinf
DATA vmathK<>+112(SB)/8, $0xfff0000000000000 // neginf
DATA vmathK<>+120(SB)/8, $0x7ff8000000000000 // nan
DATA vmathK<>+128(SB)/8, $0x8000000000000000 // signbit
DATA vmathK<>+136(SB)/8, $0x3ff0000000000000 // e0
DATA vmathK<>+144(SB)/8, $0x3ff0000000000000 // e1
DATA vmathK<>+152(SB)/8, $0x3fe0000000000000 // e2
DATA vmathK<>+160(SB)/8, $0x3fc5555555555555 // e3
DATA vmathK<>+168(SB)/8, $0x3fa5555555555555 // e4
DATA vmathK<>+176(SB)/8, $0x3f81111111111111 // e5
DATA vmathK<>+184(SB)/8, $0x3f56c16c16c16c17 // e6
DATA vmathK<>+192(SB)/8, $0x3f2a01a01a01a01a // e7
DATA vmathK<>+200(SB)/8, $0x3efa01a01a01a01a // e8
DATA vmathK<>+208(SB)/8, $0x3ec71de3a556c734 // e9
DATA vmathK<>+216(SB)/8, $0x3e927e4fb7789f5c // e10
DATA vmathK<>+224(SB)/8, $0x3e5ae64567f544e4 // e11
DATA vmathK<>+232(SB)/8, $0x3e21eed8eff8d898 // e12
DATA vmathK<>+240(SB)/8, $0x4000000000000000 // l0
DATA vmathK<>+248(SB)/8, $0x3fe5555555555555 // l1
DATA vmathK<>+256(SB)/8, $0x3fd999999999999a // l2
DATA vmathK<>+264(SB)/8, $0x3fd2492492492492 // l3
DATA vmathK<>+272(SB)/8, $0x3fcc71c71c71c71c // l4
DATA vmathK<>+280(SB)/8, $0x3fc745d1745d1746 // l5
DATA vmathK<>+288(SB)/8, $0x3fc3b13b13b13b14 // l6
DATA vmathK<>+296(SB)/8, $0x3fc1111111111111 // l7
DATA vmathK<>+304(SB)/8, $0x3fbe1e1e1e1e1e1e // l8
GLOBL vmathK<>(SB), RODATA|NOPTR, $312

// EXPPD sets x = exp(x) in float64, NaN staying NaN. x is clamped to
// [-746, 710] (beyond, the result is 0 or +Inf anyway); n = round(x/ln2),
// r = x - n·ln2 in two parts (|r| ≤ ln2/2), e^r by its Taylor series to
// degree 12 (truncation < 3e-16 relative), scaled by 2^n with VSCALEFPD,
// which also overflows to +Inf and underflows to 0. Needs Z16 log2e,
// Z17 ln2hi, Z18 ln2lo, Z19 -746, Z20 710, Z21..Z27 the coefficients of
// degree 12..6 (expSetup).
#define EXPPD(x, n, r, p) \
	VMINPD x, Z20, x \
	VMAXPD x, Z19, x \
	VMULPD Z16, x, n \
	VRNDSCALEPD $8, n, n \
	VMOVAPD x, r \
	VFNMADD231PD Z17, n, r \
	VFNMADD231PD Z18, n, r \
	VMOVAPD Z21, p \
	VFMADD213PD Z22, r, p \
	VFMADD213PD Z23, r, p \
	VFMADD213PD Z24, r, p \
	VFMADD213PD Z25, r, p \
	VFMADD213PD Z26, r, p \
	VFMADD213PD Z27, r, p \
	VFMADD213PD.BCST vmathK<>+176(SB), r, p \
	VFMADD213PD.BCST vmathK<>+168(SB), r, p \
	VFMADD213PD.BCST vmathK<>+160(SB), r, p \
	VFMADD213PD.BCST vmathK<>+152(SB), r, p \
	VFMADD213PD.BCST vmathK<>+144(SB), r, p \
	VFMADD213PD.BCST vmathK<>+136(SB), r, p \
	VSCALEFPD n, p, x


// func expAVX512(d, s *float32, n int)
TEXT ·expAVX512(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ s+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSD vmathK<>+0(SB), Z16
	VBROADCASTSD vmathK<>+8(SB), Z17
	VBROADCASTSD vmathK<>+16(SB), Z18
	VBROADCASTSD vmathK<>+24(SB), Z19
	VBROADCASTSD vmathK<>+32(SB), Z20
	VBROADCASTSD vmathK<>+232(SB), Z21
	VBROADCASTSD vmathK<>+224(SB), Z22
	VBROADCASTSD vmathK<>+216(SB), Z23
	VBROADCASTSD vmathK<>+208(SB), Z24
	VBROADCASTSD vmathK<>+200(SB), Z25
	VBROADCASTSD vmathK<>+192(SB), Z26
	VBROADCASTSD vmathK<>+184(SB), Z27
	SHRQ $4, CX
	JZ expAVX512_done
expAVX512_loop:
	VCVTPS2PD (SI), Z0
	VCVTPS2PD 32(SI), Z4
	EXPPD(Z0, Z1, Z2, Z3)
	EXPPD(Z4, Z5, Z6, Z7)
	VCVTPD2PS Z0, Y0
	VCVTPD2PS Z4, Y4
	VMOVUPS Y0, (DI)
	VMOVUPS Y4, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ expAVX512_loop
expAVX512_done:
	VZEROUPPER
	RET


// func sigmoidAVX512(d, s *float32, n int)
TEXT ·sigmoidAVX512(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ s+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSD vmathK<>+0(SB), Z16
	VBROADCASTSD vmathK<>+8(SB), Z17
	VBROADCASTSD vmathK<>+16(SB), Z18
	VBROADCASTSD vmathK<>+24(SB), Z19
	VBROADCASTSD vmathK<>+32(SB), Z20
	VBROADCASTSD vmathK<>+232(SB), Z21
	VBROADCASTSD vmathK<>+224(SB), Z22
	VBROADCASTSD vmathK<>+216(SB), Z23
	VBROADCASTSD vmathK<>+208(SB), Z24
	VBROADCASTSD vmathK<>+200(SB), Z25
	VBROADCASTSD vmathK<>+192(SB), Z26
	VBROADCASTSD vmathK<>+184(SB), Z27
	VBROADCASTSD vmathK<>+40(SB), Z30
	VPXORQ Z31, Z31, Z31
	SHRQ $4, CX
	JZ sigmoidAVX512_done
sigmoidAVX512_loop:
	VCVTPS2PD (SI), Z0
	VCVTPS2PD 32(SI), Z4
	VSUBPD Z0, Z31, Z0 // 1/(1 + e^-x)
	EXPPD(Z0, Z1, Z2, Z3)
	VADDPD Z30, Z0, Z0
	VDIVPD Z0, Z30, Z0
	VSUBPD Z4, Z31, Z4 // 1/(1 + e^-x)
	EXPPD(Z4, Z5, Z6, Z7)
	VADDPD Z30, Z4, Z4
	VDIVPD Z4, Z30, Z4
	VCVTPD2PS Z0, Y0
	VCVTPD2PS Z4, Y4
	VMOVUPS Y0, (DI)
	VMOVUPS Y4, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ sigmoidAVX512_loop
sigmoidAVX512_done:
	VZEROUPPER
	RET


// func tanhAVX512(d, s *float32, n int)
TEXT ·tanhAVX512(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ s+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSD vmathK<>+0(SB), Z16
	VBROADCASTSD vmathK<>+8(SB), Z17
	VBROADCASTSD vmathK<>+16(SB), Z18
	VBROADCASTSD vmathK<>+24(SB), Z19
	VBROADCASTSD vmathK<>+32(SB), Z20
	VBROADCASTSD vmathK<>+232(SB), Z21
	VBROADCASTSD vmathK<>+224(SB), Z22
	VBROADCASTSD vmathK<>+216(SB), Z23
	VBROADCASTSD vmathK<>+208(SB), Z24
	VBROADCASTSD vmathK<>+200(SB), Z25
	VBROADCASTSD vmathK<>+192(SB), Z26
	VBROADCASTSD vmathK<>+184(SB), Z27
	VBROADCASTSD vmathK<>+40(SB), Z30
	VBROADCASTSD vmathK<>+128(SB), Z31
	VBROADCASTSD vmathK<>+48(SB), Z28
	VBROADCASTSD vmathK<>+80(SB), Z29
	VBROADCASTSD vmathK<>+88(SB), Z14
	VBROADCASTSD vmathK<>+96(SB), Z15
	SHRQ $4, CX
	JZ tanhAVX512_done
tanhAVX512_loop:
	VCVTPS2PD (SI), Z0
	VCVTPS2PD 32(SI), Z4
	VPANDNQ Z0, Z31, Z8 // a = |x|
	VPANDQ Z31, Z0, Z9 // the sign of x
	VMULPD Z8, Z8, Z1 // small a: a + a³·(-1/3 + a²·2/15)
	VMOVAPD Z15, Z12
	VFMADD213PD Z14, Z1, Z12
	VMULPD Z1, Z12, Z12
	VFMADD213PD Z8, Z8, Z12
	VADDPD Z8, Z8, Z0 // else 1 - 2/(e^2a + 1)
	EXPPD(Z0, Z1, Z2, Z3)
	VADDPD Z30, Z0, Z0
	VDIVPD Z0, Z28, Z0
	VSUBPD Z0, Z30, Z0
	VCMPPD $1, Z29, Z8, K1 // a < 2^-10
	VMOVAPD Z12, K1, Z0
	VPORQ Z9, Z0, Z0 // tanh is odd
	VPANDNQ Z4, Z31, Z10 // a = |x|
	VPANDQ Z31, Z4, Z11 // the sign of x
	VMULPD Z10, Z10, Z5 // small a: a + a³·(-1/3 + a²·2/15)
	VMOVAPD Z15, Z13
	VFMADD213PD Z14, Z5, Z13
	VMULPD Z5, Z13, Z13
	VFMADD213PD Z10, Z10, Z13
	VADDPD Z10, Z10, Z4 // else 1 - 2/(e^2a + 1)
	EXPPD(Z4, Z5, Z6, Z7)
	VADDPD Z30, Z4, Z4
	VDIVPD Z4, Z28, Z4
	VSUBPD Z4, Z30, Z4
	VCMPPD $1, Z29, Z10, K1 // a < 2^-10
	VMOVAPD Z13, K1, Z4
	VPORQ Z11, Z4, Z4 // tanh is odd
	VCVTPD2PS Z0, Y0
	VCVTPD2PS Z4, Y4
	VMOVUPS Y0, (DI)
	VMOVUPS Y4, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ tanhAVX512_loop
tanhAVX512_done:
	VZEROUPPER
	RET


// func logAVX512(d, s *float32, n int)
TEXT ·logAVX512(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ s+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSD vmathK<>+120(SB), Z16
	VBROADCASTSD vmathK<>+112(SB), Z17
	VBROADCASTSD vmathK<>+72(SB), Z18
	VBROADCASTSD vmathK<>+56(SB), Z19
	VBROADCASTSD vmathK<>+64(SB), Z20
	VBROADCASTSD vmathK<>+104(SB), Z15
	VBROADCASTSD vmathK<>+40(SB), Z30
	VPXORQ Z31, Z31, Z31
	VBROADCASTSD vmathK<>+240(SB), Z21
	VBROADCASTSD vmathK<>+248(SB), Z22
	VBROADCASTSD vmathK<>+256(SB), Z23
	VBROADCASTSD vmathK<>+264(SB), Z24
	VBROADCASTSD vmathK<>+272(SB), Z25
	VBROADCASTSD vmathK<>+280(SB), Z26
	VBROADCASTSD vmathK<>+288(SB), Z27
	VBROADCASTSD vmathK<>+296(SB), Z28
	VBROADCASTSD vmathK<>+304(SB), Z29
	SHRQ $4, CX
	JZ logAVX512_done
logAVX512_loop:
	VCVTPS2PD (SI), Z0
	VCVTPS2PD 32(SI), Z4
	VGETMANTPD $0, Z0, Z1 // x = m·2^e, m in [1, 2)
	VGETEXPPD Z0, Z2
	VCMPPD $0x1e, Z20, Z1, K1 // m > √2: halve it
	VMULPD Z19, Z1, K1, Z1
	VADDPD Z30, Z2, K1, Z2
	VSUBPD Z30, Z1, Z3 // s = (m-1)/(m+1), log m = 2·atanh s
	VADDPD Z30, Z1, Z1
	VDIVPD Z1, Z3, Z3
	VMULPD Z3, Z3, Z8
	VMOVAPD Z29, Z9 // s·Σ 2s^2k/(2k+1), k ≤ 8
	VFMADD213PD Z28, Z8, Z9
	VFMADD213PD Z27, Z8, Z9
	VFMADD213PD Z26, Z8, Z9
	VFMADD213PD Z25, Z8, Z9
	VFMADD213PD Z24, Z8, Z9
	VFMADD213PD Z23, Z8, Z9
	VFMADD213PD Z22, Z8, Z9
	VFMADD213PD Z21, Z8, Z9
	VMULPD Z3, Z9, Z9
	VFMADD231PD Z18, Z2, Z9 // + e·ln2
	VCMPPD $0, Z31, Z0, K1 // x = ±0: -Inf
	VMOVAPD Z17, K1, Z9
	VCMPPD $1, Z31, Z0, K1 // x < 0: NaN
	VMOVAPD Z16, K1, Z9
	VCMPPD $0, Z15, Z0, K1 // x = +Inf: +Inf
	VMOVAPD Z15, K1, Z9
	VCMPPD $3, Z0, Z0, K1 // x NaN: x
	VMOVAPD Z0, K1, Z9
	VMOVAPD Z9, Z0
	VGETMANTPD $0, Z4, Z5 // x = m·2^e, m in [1, 2)
	VGETEXPPD Z4, Z6
	VCMPPD $0x1e, Z20, Z5, K1 // m > √2: halve it
	VMULPD Z19, Z5, K1, Z5
	VADDPD Z30, Z6, K1, Z6
	VSUBPD Z30, Z5, Z7 // s = (m-1)/(m+1), log m = 2·atanh s
	VADDPD Z30, Z5, Z5
	VDIVPD Z5, Z7, Z7
	VMULPD Z7, Z7, Z10
	VMOVAPD Z29, Z11 // s·Σ 2s^2k/(2k+1), k ≤ 8
	VFMADD213PD Z28, Z10, Z11
	VFMADD213PD Z27, Z10, Z11
	VFMADD213PD Z26, Z10, Z11
	VFMADD213PD Z25, Z10, Z11
	VFMADD213PD Z24, Z10, Z11
	VFMADD213PD Z23, Z10, Z11
	VFMADD213PD Z22, Z10, Z11
	VFMADD213PD Z21, Z10, Z11
	VMULPD Z7, Z11, Z11
	VFMADD231PD Z18, Z6, Z11 // + e·ln2
	VCMPPD $0, Z31, Z4, K1 // x = ±0: -Inf
	VMOVAPD Z17, K1, Z11
	VCMPPD $1, Z31, Z4, K1 // x < 0: NaN
	VMOVAPD Z16, K1, Z11
	VCMPPD $0, Z15, Z4, K1 // x = +Inf: +Inf
	VMOVAPD Z15, K1, Z11
	VCMPPD $3, Z4, Z4, K1 // x NaN: x
	VMOVAPD Z4, K1, Z11
	VMOVAPD Z11, Z4
	VCVTPD2PS Z0, Y0
	VCVTPD2PS Z4, Y4
	VMOVUPS Y0, (DI)
	VMOVUPS Y4, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ logAVX512_loop
logAVX512_done:
	VZEROUPPER
	RET

