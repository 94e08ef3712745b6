//go:build amd64 && !purego

#include "textflag.h"

// func lstmBackAVX512(dg, a, c, dh, dn, dc *float32, h, n int)
//
// lstmBackLoop's arithmetic for elements 0..n of one row (n a multiple of
// 16), the same IEEE operations associated the same way (no fused
// multiply-add). dg and a point at rows of 4h and 5h floats; dn may be nil.
TEXT ·lstmBackAVX512(SB), NOSPLIT, $0-64
	MOVQ dg+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ c+16(FP), R10
	MOVQ dh+24(FP), R11
	MOVQ dn+32(FP), R12
	MOVQ dc+40(FP), R13
	MOVQ h+48(FP), R8
	MOVQ n+56(FP), CX
	SHLQ $2, R8           // a gate's stride in bytes
	LEAQ (R8)(R8*2), R9   // three gates
	MOVL $0x3f800000, AX
	VPBROADCASTD AX, Z31  // 1
	SHRQ $4, CX
	JZ   done

loop:
	VMOVUPS (R11), Z0 // d = ∂h
	TESTQ   R12, R12
	JZ      nonext
	VADDPS  (R12), Z0, Z0 // d += ∂h from the next step
	ADDQ    $64, R12

nonext:
	VMOVUPS (SI), Z5        // σ(i)
	VMOVUPS (SI)(R8*1), Z6  // σ(f)
	VMOVUPS (SI)(R8*2), Z7  // tanh(g)
	VMOVUPS (SI)(R9*1), Z1  // σ(o)
	VMOVUPS (SI)(R8*4), Z2  // tanh(c_t)

	// dct = ∂c + (d·o)·(1 − tc²)
	VMULPS Z1, Z0, Z3
	VMULPS Z2, Z2, Z4
	VSUBPS Z4, Z31, Z4
	VMULPS Z4, Z3, Z3
	VADDPS (R13), Z3, Z3

	// ∂i = ((dct·g)·i)·(1 − i)
	VMULPS  Z7, Z3, Z8
	VMULPS  Z5, Z8, Z8
	VSUBPS  Z5, Z31, Z9
	VMULPS  Z9, Z8, Z8
	VMOVUPS Z8, (DI)

	// ∂f = ((dct·c)·f)·(1 − f)
	VMULPS  (R10), Z3, Z8
	VMULPS  Z6, Z8, Z8
	VSUBPS  Z6, Z31, Z9
	VMULPS  Z9, Z8, Z8
	VMOVUPS Z8, (DI)(R8*1)

	// ∂g = (dct·i)·(1 − g²)
	VMULPS  Z5, Z3, Z8
	VMULPS  Z7, Z7, Z9
	VSUBPS  Z9, Z31, Z9
	VMULPS  Z9, Z8, Z8
	VMOVUPS Z8, (DI)(R8*2)

	// ∂o = ((d·tc)·o)·(1 − o)
	VMULPS  Z2, Z0, Z8
	VMULPS  Z1, Z8, Z8
	VSUBPS  Z1, Z31, Z9
	VMULPS  Z9, Z8, Z8
	VMOVUPS Z8, (DI)(R9*1)

	// ∂c_{t−1} = dct·f
	VMULPS  Z6, Z3, Z3
	VMOVUPS Z3, (R13)

	ADDQ $64, DI
	ADDQ $64, SI
	ADDQ $64, R10
	ADDQ $64, R11
	ADDQ $64, R13
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET

// func gruBackAVX512(dx, dgh, a, hp, dh, dn, dp *float32, h, n int)
//
// gruBackLoop's arithmetic for elements 0..n of one row (n a multiple of
// 16), the same IEEE operations associated the same way. dx and dgh point
// at rows of 3h floats, a at a row of 4h; dn may be nil.
TEXT ·gruBackAVX512(SB), NOSPLIT, $0-72
	MOVQ dx+0(FP), DI
	MOVQ dgh+8(FP), DX
	MOVQ a+16(FP), SI
	MOVQ hp+24(FP), R10
	MOVQ dh+32(FP), R11
	MOVQ dn+40(FP), R12
	MOVQ dp+48(FP), R13
	MOVQ h+56(FP), R8
	MOVQ n+64(FP), CX
	SHLQ $2, R8           // a gate's stride in bytes
	LEAQ (R8)(R8*2), R9   // three gates
	MOVL $0x3f800000, AX
	VPBROADCASTD AX, Z31  // 1
	SHRQ $4, CX
	JZ   gdone

gloop:
	VMOVUPS (R11), Z0 // d = ∂h
	TESTQ   R12, R12
	JZ      gnonext
	VADDPS  (R12), Z0, Z0 // d += ∂h from the next step
	ADDQ    $64, R12

gnonext:
	VMOVUPS (SI), Z1        // r
	VMOVUPS (SI)(R8*1), Z2  // z
	VMOVUPS (SI)(R8*2), Z3  // n
	VMOVUPS (SI)(R9*1), Z4  // gh_n

	// ∂x_n = (d·(1 − z))·(1 − n²)
	VSUBPS Z2, Z31, Z5 // 1 − z
	VMULPS Z5, Z0, Z6
	VMULPS Z3, Z3, Z7
	VSUBPS Z7, Z31, Z7
	VMULPS Z7, Z6, Z6

	// ∂r = ((∂x_n·gh_n)·r)·(1 − r)
	VMULPS Z4, Z6, Z7
	VMULPS Z1, Z7, Z7
	VSUBPS Z1, Z31, Z8
	VMULPS Z8, Z7, Z7

	// ∂z = ((d·(h_{t−1} − n))·z)·(1 − z)
	VMOVUPS (R10), Z8
	VSUBPS  Z3, Z8, Z8
	VMULPS  Z8, Z0, Z8
	VMULPS  Z2, Z8, Z8
	VMULPS  Z5, Z8, Z8

	VMOVUPS Z7, (DI)
	VMOVUPS Z8, (DI)(R8*1)
	VMOVUPS Z6, (DI)(R8*2)
	VMOVUPS Z7, (DX)
	VMOVUPS Z8, (DX)(R8*1)
	VMULPS  Z1, Z6, Z6 // ∂gh_n = ∂x_n·r
	VMOVUPS Z6, (DX)(R8*2)

	// ∂h_{t−1} ⊇ d·z
	VMULPS  Z2, Z0, Z0
	VMOVUPS Z0, (R13)

	ADDQ $64, DI
	ADDQ $64, DX
	ADDQ $64, SI
	ADDQ $64, R10
	ADDQ $64, R11
	ADDQ $64, R13
	DECQ CX
	JNZ  gloop

gdone:
	VZEROUPPER
	RET
