//go:build amd64 && !purego

#include "textflag.h"

// func extremeAVX512(s *float32, n int, acc *[16]float32, isMax bool) (nan bool)
TEXT ·extremeAVX512(SB), NOSPLIT, $0-33
	MOVQ s+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ acc+16(FP), DI
	MOVBLZX isMax+24(FP), AX
	VMOVUPS (SI), Z0
	VCMPPS $3, Z0, Z0, K1 // K1: lanes that saw a NaN
	ADDQ $64, SI
	SHRQ $4, CX
	DECQ CX
	JZ ext_done
	TESTQ AX, AX
	JZ ext_min
ext_max:
	VMOVUPS (SI), Z1
	VCMPPS $3, Z1, Z1, K2
	KORW K2, K1, K1
	VMAXPS Z1, Z0, Z0
	ADDQ $64, SI
	DECQ CX
	JNZ ext_max
	JMP ext_done
ext_min:
	VMOVUPS (SI), Z1
	VCMPPS $3, Z1, Z1, K2
	KORW K2, K1, K1
	VMINPS Z1, Z0, Z0
	ADDQ $64, SI
	DECQ CX
	JNZ ext_min
ext_done:
	VMOVUPS Z0, (DI)
	KORTESTW K1, K1
	SETNE nan+32(FP)
	VZEROUPPER
	RET
