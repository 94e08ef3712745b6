//go:build amd64 && !purego

package cpu

import "golang.org/x/sys/cpu"

// kernelAVX512 is the AVX-512F micro-kernel for a 14×32 tile: 28 zmm
// accumulators, two zmm for a row of B and two for broadcasts of A. It
// computes what kernel4x16 computes for its own tile (see gemm_amd64.s,
// written by gemm_asm_gen.go).
//
//go:noescape
func kernelAVX512(kc int, a, b []float32, c []float32, ldc int, alpha float32)

// kernelAVX2 is the AVX2+FMA micro-kernel for a 6×16 tile: 12 ymm
// accumulators.
//
//go:noescape
func kernelAVX2(kc int, a, b []float32, c []float32, ldc int, alpha float32)

// checked wraps an assembly micro-kernel for an mr×nr tile with the bounds
// checks the assembly does not make.
func checked(mr, nr int, k microKernel) microKernel {
	return func(kc int, a, b []float32, c []float32, ldc int, alpha float32) {
		if kc < 0 || len(a) < kc*mr || len(b) < kc*nr || ldc < nr || len(c) < (mr-1)*ldc+nr {
			panic("cpu: gemm micro-kernel operands out of range")
		}
		k(kc, a, b, c, ldc, alpha)
	}
}

var (
	blockingAVX512 = blocking{
		mr: 14, nr: 32,
		kc: 384, mc: 336, nc: 1024,
		kernel: checked(14, 32, kernelAVX512),
	}
	blockingAVX2 = blocking{
		mr: 6, nr: 16,
		kc: 256, mc: 144, nc: 512,
		kernel: checked(6, 16, kernelAVX2),
	}
)

func init() {
	switch {
	case cpu.X86.HasAVX512F:
		gemmBlocking = blockingAVX512
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		gemmBlocking = blockingAVX2
	}
}
