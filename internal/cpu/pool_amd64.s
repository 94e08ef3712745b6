//go:build amd64 && !purego

#include "textflag.h"

// Lane indices for splitting 32 floats into even and odd ones, and the
// offsets 0, 2, …, 30 of the 16 windows of a block as floats.
DATA poolEven<>+0(SB)/4, $0
DATA poolEven<>+4(SB)/4, $2
DATA poolEven<>+8(SB)/4, $4
DATA poolEven<>+12(SB)/4, $6
DATA poolEven<>+16(SB)/4, $8
DATA poolEven<>+20(SB)/4, $10
DATA poolEven<>+24(SB)/4, $12
DATA poolEven<>+28(SB)/4, $14
DATA poolEven<>+32(SB)/4, $16
DATA poolEven<>+36(SB)/4, $18
DATA poolEven<>+40(SB)/4, $20
DATA poolEven<>+44(SB)/4, $22
DATA poolEven<>+48(SB)/4, $24
DATA poolEven<>+52(SB)/4, $26
DATA poolEven<>+56(SB)/4, $28
DATA poolEven<>+60(SB)/4, $30
GLOBL poolEven<>(SB), RODATA|NOPTR, $64

DATA poolOdd<>+0(SB)/4, $1
DATA poolOdd<>+4(SB)/4, $3
DATA poolOdd<>+8(SB)/4, $5
DATA poolOdd<>+12(SB)/4, $7
DATA poolOdd<>+16(SB)/4, $9
DATA poolOdd<>+20(SB)/4, $11
DATA poolOdd<>+24(SB)/4, $13
DATA poolOdd<>+28(SB)/4, $15
DATA poolOdd<>+32(SB)/4, $17
DATA poolOdd<>+36(SB)/4, $19
DATA poolOdd<>+40(SB)/4, $21
DATA poolOdd<>+44(SB)/4, $23
DATA poolOdd<>+48(SB)/4, $25
DATA poolOdd<>+52(SB)/4, $27
DATA poolOdd<>+56(SB)/4, $29
DATA poolOdd<>+60(SB)/4, $31
GLOBL poolOdd<>(SB), RODATA|NOPTR, $64

// MAXPOOL_BLOCK takes the rows of 16 windows from Z0, Z1 (top) and Z10,
// Z11 (bottom) and leaves their maxima in Z2 and positions in Z9.
#define MAXPOOL_BLOCK \
	VMOVAPS Z0, Z2; VPERMT2PS Z1, Z30, Z2 \ // top-left
	VMOVAPS Z0, Z3; VPERMT2PS Z1, Z31, Z3 \ // top-right
	VMOVAPS Z10, Z4; VPERMT2PS Z11, Z30, Z4 \ // bottom-left
	VMOVAPS Z10, Z5; VPERMT2PS Z11, Z31, Z5 \ // bottom-right
	VMOVAPS Z24, Z9 \
	VCMPPS $0x1e, Z2, Z3, K1; VCMPPS $3, Z3, Z3, K2; KORW K2, K1, K1 \
	VADDPS Z25, Z24, Z6; VMOVAPS Z3, K1, Z2; VMOVAPS Z6, K1, Z9 \
	VCMPPS $0x1e, Z2, Z4, K1; VCMPPS $3, Z4, Z4, K2; KORW K2, K1, K1 \
	VADDPS Z27, Z24, Z7; VMOVAPS Z4, K1, Z2; VMOVAPS Z7, K1, Z9 \
	VCMPPS $0x1e, Z2, Z5, K1; VCMPPS $3, Z5, Z5, K2; KORW K2, K1, K1 \
	VADDPS Z25, Z7, Z8; VMOVAPS Z5, K1, Z2; VMOVAPS Z8, K1, Z9

// func maxRow2x2AVX512(y, idx, r0, r1 *float32, n int, at0, w float32)
//
// For n windows of 2×2 (stride 2) over the rows r0 and r1 (2n floats
// each): the maximum in y and the position of the first maximum (a NaN
// counts as larger than anything, as in PyTorch; a later NaN wins) in idx,
// as the float at0 + 2·o (+1 for the right column, +w for the lower row).
// Blocks of 16 windows, then one masked block for the rest.
TEXT ·maxRow2x2AVX512(SB), NOSPLIT, $0-48
	MOVQ y+0(FP), DI
	MOVQ idx+8(FP), SI
	MOVQ r0+16(FP), AX
	MOVQ r1+24(FP), BX
	MOVQ n+32(FP), CX
	VMOVDQU32 poolEven<>(SB), Z30
	VMOVDQU32 poolOdd<>(SB), Z31
	VCVTDQ2PS Z30, Z24           // 0, 2, …, 30
	VBROADCASTSS at0+40(FP), Z28
	VADDPS Z28, Z24, Z24         // positions of the block's first windows
	VBROADCASTSS w+44(FP), Z27
	MOVL $0x3f800000, DX         // 1.0
	VPBROADCASTD DX, Z25
	MOVL $0x42000000, DX         // 32.0
	VPBROADCASTD DX, Z26
	MOVQ CX, R8
	SHRQ $4, CX
	JZ mp_tail
mp_loop:
	VMOVUPS 0(AX), Z0
	VMOVUPS 64(AX), Z1
	VMOVUPS 0(BX), Z10
	VMOVUPS 64(BX), Z11
	MAXPOOL_BLOCK
	VMOVUPS Z2, (DI)
	VMOVUPS Z9, (SI)
	VADDPS Z26, Z24, Z24
	ADDQ $128, AX
	ADDQ $128, BX
	ADDQ $64, DI
	ADDQ $64, SI
	DECQ CX
	JNZ mp_loop
mp_tail:
	ANDQ $15, R8
	JZ mp_done
	MOVQ R8, CX
	MOVL $1, DX
	SHLQ CX, DX
	DECQ DX
	KMOVW DX, K3                 // the rem outputs
	ADDQ R8, CX                  // 2·rem inputs per row
	MOVL $1, DX
	SHLQ CX, DX
	DECQ DX
	KMOVW DX, K4                 // the first 16 of them
	SHRQ $16, DX
	KMOVW DX, K5                 // the rest
	VMOVUPS.Z 0(AX), K4, Z0
	VMOVUPS.Z 64(AX), K5, Z1
	VMOVUPS.Z 0(BX), K4, Z10
	VMOVUPS.Z 64(BX), K5, Z11
	MAXPOOL_BLOCK
	VMOVUPS Z2, K3, (DI)
	VMOVUPS Z9, K3, (SI)
mp_done:
	VZEROUPPER
	RET
