//go:build amd64 && !purego

#include "textflag.h"

// Element-wise AVX-512 kernels, 16 float32 a step; n is a multiple of 16.
// Each does the reference loop's IEEE operations (vec.go) and nothing else.

// func reluAVX512(d, s *float32, n int)
TEXT ·reluAVX512(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ s+8(FP), SI
	MOVQ n+16(FP), CX
	VPXORD Z31, Z31, Z31
	SHRQ $4, CX
	JZ relu_done
relu_loop:
	VMOVUPS (SI), Z0
	VCMPPS $6, Z31, Z0, K1 // K1 = !(x <= 0): x > 0 or NaN
	VMOVUPS.Z Z0, K1, Z1
	VMOVUPS Z1, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ relu_loop
relu_done:
	VZEROUPPER
	RET

// func scaleShiftAVX512(d, s *float32, n int, mul, add float32)
TEXT ·scaleShiftAVX512(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ s+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS mul+24(FP), Z30
	VBROADCASTSS add+28(FP), Z31
	SHRQ $4, CX
	JZ ss_done
ss_loop:
	VMOVUPS (SI), Z0
	VMULPS Z30, Z0, Z0 // x·mul, then + add: no FMA
	VADDPS Z31, Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ ss_loop
ss_done:
	VZEROUPPER
	RET

// func maskGradAVX512(d, gs, xs *float32, n int, slope float32)
TEXT ·maskGradAVX512(SB), NOSPLIT, $0-36
	MOVQ d+0(FP), DI
	MOVQ gs+8(FP), SI
	MOVQ xs+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS slope+32(FP), Z30
	VPXORD Z31, Z31, Z31
	SHRQ $4, CX
	JZ mg_done
	MOVL slope+32(FP), AX
	SHLL $1, AX // drop the sign: ±0 both mean "exactly 0"
	JNZ mg_slope
mg_zero:
	VMOVUPS (DX), Z0
	VCMPPS $0x1e, Z31, Z0, K1 // K1 = x > 0
	VMOVUPS.Z (SI), K1, Z1
	VMOVUPS Z1, (DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	DECQ CX
	JNZ mg_zero
	JMP mg_done
mg_slope:
	VMOVUPS (DX), Z0
	VCMPPS $0x1e, Z31, Z0, K1
	VMOVUPS (SI), Z2
	VMULPS Z30, Z2, Z1
	VMOVUPS Z2, K1, Z1
	VMOVUPS Z1, (DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	DECQ CX
	JNZ mg_slope
mg_done:
	VZEROUPPER
	RET

// func arithAVX512(op int, d, a, b *float32, n int)
TEXT ·arithAVX512(SB), NOSPLIT, $0-40
	MOVQ op+0(FP), AX
	MOVQ d+8(FP), DI
	MOVQ a+16(FP), SI
	MOVQ b+24(FP), DX
	MOVQ n+32(FP), CX
	SHRQ $4, CX
	JZ ar_done
	CMPQ AX, $0
	JEQ ar_add
	CMPQ AX, $1
	JEQ ar_sub
	CMPQ AX, $2
	JEQ ar_mul
	JMP ar_div
ar_add:
	VMOVUPS (SI), Z0
	VADDPS (DX), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	DECQ CX
	JNZ ar_add
	JMP ar_done
ar_sub:
	VMOVUPS (SI), Z0
	VSUBPS (DX), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	DECQ CX
	JNZ ar_sub
	JMP ar_done
ar_mul:
	VMOVUPS (SI), Z0
	VMULPS (DX), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	DECQ CX
	JNZ ar_mul
	JMP ar_done
ar_div:
	VMOVUPS (SI), Z0
	VDIVPS (DX), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, DI
	DECQ CX
	JNZ ar_div
	JMP ar_done
ar_done:
	VZEROUPPER
	RET

// func arithScalarAVX512(op int, d, a *float32, n int, y float32)
TEXT ·arithScalarAVX512(SB), NOSPLIT, $0-36
	MOVQ op+0(FP), AX
	MOVQ d+8(FP), DI
	MOVQ a+16(FP), SI
	MOVQ n+24(FP), CX
	VBROADCASTSS y+32(FP), Z31
	SHRQ $4, CX
	JZ as_done
	CMPQ AX, $0
	JEQ as_add
	CMPQ AX, $1
	JEQ as_sub
	CMPQ AX, $2
	JEQ as_mul
	JMP as_div
as_add:
	VMOVUPS (SI), Z0
	VADDPS Z31, Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ as_add
	JMP as_done
as_sub:
	VMOVUPS (SI), Z0
	VSUBPS Z31, Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ as_sub
	JMP as_done
as_mul:
	VMOVUPS (SI), Z0
	VMULPS Z31, Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ as_mul
	JMP as_done
as_div:
	VMOVUPS (SI), Z0
	VDIVPS Z31, Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ as_div
	JMP as_done
as_done:
	VZEROUPPER
	RET

// func addRowsAVX512(d, s *float32, n, rows, dstride, sstride int)
// d[r·dstride + i] += s[r·sstride + i] for r < rows, i < n (any n ≥ 1);
// the last partial vector of each row is masked.
TEXT ·addRowsAVX512(SB), NOSPLIT, $0-48
	MOVQ d+0(FP), DI
	MOVQ s+8(FP), SI
	MOVQ n+16(FP), DX
	MOVQ rows+24(FP), R8
	MOVQ dstride+32(FP), R9
	MOVQ sstride+40(FP), R10
	SHLQ $2, R9
	SHLQ $2, R10
	MOVQ DX, CX
	ANDQ $15, CX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1 // the tail's lanes
	SHRQ $4, DX  // whole vectors per row
	TESTQ R8, R8
	JLE ar_done
ar_row:
	MOVQ DI, R11
	MOVQ SI, R12
	MOVQ DX, BX
	TESTQ BX, BX
	JZ ar_tail
ar_vec:
	VMOVUPS (R11), Z0
	VADDPS (R12), Z0, Z0
	VMOVUPS Z0, (R11)
	ADDQ $64, R11
	ADDQ $64, R12
	DECQ BX
	JNZ ar_vec
ar_tail:
	TESTQ CX, CX
	JZ ar_next
	VMOVUPS.Z (R11), K1, Z0
	VMOVUPS.Z (R12), K1, Z1
	VADDPS Z1, Z0, Z0
	VMOVUPS Z0, K1, (R11)
ar_next:
	ADDQ R9, DI
	ADDQ R10, SI
	DECQ R8
	JNZ ar_row
ar_done:
	VZEROUPPER
	RET
