//go:build amd64 && !purego

#include "textflag.h"

// func adamAVX512(p, grad, m, v *float32, n int, k *[8]float32, decoupled bool)
TEXT ·adamAVX512(SB), NOSPLIT, $0-49
	MOVQ p+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), DX
	MOVBLZX decoupled+48(FP), R10
	VBROADCASTSS 0(DX), Z16  // β₁
	VBROADCASTSS 4(DX), Z17  // 1−β₁
	VBROADCASTSS 8(DX), Z18  // β₂
	VBROADCASTSS 12(DX), Z19 // 1−β₂
	VBROADCASTSS 16(DX), Z20 // 1/√(1−β₂ᵗ)
	VBROADCASTSS 20(DX), Z21 // ε
	VBROADCASTSS 24(DX), Z22 // step size
	VBROADCASTSS 28(DX), Z23 // decay
	VPXORD Z24, Z24, Z24     // +0
	SHRQ $4, CX
	JZ done
loop:
	VMOVUPS (SI), Z0 // g
	VMOVUPS (DI), Z1 // θ
	TESTQ R10, R10
	JZ nodecay
	VMULPS Z23, Z1, Z1
	VADDPS Z24, Z1, Z1
nodecay:
	VMOVUPS (R8), Z2 // m ← m·β₁ + g·(1−β₁)
	VMULPS Z16, Z2, Z2
	VADDPS Z24, Z2, Z2
	VMULPS Z17, Z0, Z3
	VADDPS Z24, Z3, Z3
	VADDPS Z3, Z2, Z2
	VMOVUPS Z2, (R8)
	VMOVUPS (R9), Z4 // v ← v·β₂ + g²·(1−β₂)
	VMULPS Z18, Z4, Z4
	VADDPS Z24, Z4, Z4
	VMULPS Z0, Z0, Z5
	VMULPS Z19, Z5, Z5
	VADDPS Z24, Z5, Z5
	VADDPS Z5, Z4, Z4
	VMOVUPS Z4, (R9)
	VSQRTPS Z4, Z6 // denom ← √v·InvBC2 + 0 + ε
	VMULPS Z20, Z6, Z6
	VADDPS Z24, Z6, Z6
	VADDPS Z21, Z6, Z6
	VDIVPS Z6, Z2, Z7 // θ ← θ − (m/denom·step + 0)
	VMULPS Z22, Z7, Z7
	VADDPS Z24, Z7, Z7
	VSUBPS Z7, Z1, Z1
	VMOVUPS Z1, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, R8
	ADDQ $64, R9
	DECQ CX
	JNZ loop
done:
	VZEROUPPER
	RET

// func sgdAVX512(p, grad, b *float32, n int, k *[3]float32)
TEXT ·sgdAVX512(SB), NOSPLIT, $0-40
	MOVQ p+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ b+16(FP), R8
	MOVQ n+24(FP), CX
	MOVQ k+32(FP), DX
	VBROADCASTSS 0(DX), Z16 // lr
	VBROADCASTSS 4(DX), Z17 // μ
	VBROADCASTSS 8(DX), Z18 // 1−τ
	VPXORD Z24, Z24, Z24    // +0
	SHRQ $4, CX
	JZ sgddone
	TESTQ R8, R8
	JNZ momentum
plain:
	VMOVUPS (SI), Z0 // θ ← θ − (g·lr + 0)
	VMOVUPS (DI), Z1
	VMULPS Z16, Z0, Z0
	VADDPS Z24, Z0, Z0
	VSUBPS Z0, Z1, Z1
	VMOVUPS Z1, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ plain
	JMP sgddone
momentum:
	VMOVUPS (SI), Z0 // g
	VMOVUPS (R8), Z2 // b ← (b·μ + 0) + (g·(1−τ) + 0)
	VMULPS Z17, Z2, Z2
	VADDPS Z24, Z2, Z2
	VMULPS Z18, Z0, Z3
	VADDPS Z24, Z3, Z3
	VADDPS Z3, Z2, Z2
	VMOVUPS Z2, (R8)
	VMOVUPS (DI), Z1 // θ ← θ − (b·lr + 0)
	VMULPS Z16, Z2, Z4
	VADDPS Z24, Z4, Z4
	VSUBPS Z4, Z1, Z1
	VMOVUPS Z1, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, R8
	DECQ CX
	JNZ momentum
sgddone:
	VZEROUPPER
	RET
