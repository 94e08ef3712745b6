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

// kernelAVX512Set and kernelAVX2Set are the same kernels storing
// C = alpha·A·B: they never read C.
//
//go:noescape
func kernelAVX512Set(kc int, a, b []float32, c []float32, ldc int, alpha float32)

//go:noescape
func kernelAVX2Set(kc int, a, b []float32, c []float32, ldc int, alpha float32)

// checked wraps an assembly micro-kernel for an mr×nr tile with the bounds
// checks the assembly does not make.
func checked(mr, nr int, k microKernel) microKernel { return checkedRows(mr, mr, nr, k) }

// checkedRows wraps an assembly kernel for the first rows rows of an
// mr×nr tile (its A sliver packed mr rows tall) with the bounds checks
// the assembly does not make.
func checkedRows(rows, mr, nr int, k microKernel) microKernel {
	return func(kc int, a, b []float32, c []float32, ldc int, alpha float32) {
		if kc < 0 || len(a) < kc*mr || len(b) < kc*nr || ldc < nr || len(c) < (rows-1)*ldc+nr {
			panic("cpu: gemm micro-kernel operands out of range")
		}
		k(kc, a, b, c, ldc, alpha)
	}
}

var (
	// kc is 512 rather than 384, although a B sliver of 64 KiB no longer
	// fits L1: K = 512 is then one panel, so the tiles of a product with
	// up to 336 rows per tile pack their A once (see gemmBlocked), and
	// longer K takes fewer passes over C. Interleaved runs on Zen 5 gave
	// +1 to +3% on two threads for N = 512, the MLP's products and a
	// convolution's weight gradient, and no loss on one.
	blockingAVX512 = blocking{
		mr: 14, nr: 32,
		kc: 512, mc: 336, nc: 1024,
		kernel:    checked(14, 32, kernelAVX512),
		kernelSet: checked(14, 32, kernelAVX512Set),
		rows:      &kernelsAVX512Rows,
		rowsSet:   &kernelsAVX512RowsSet,

		kernelPackB:    checkedPackB(14, 32, kernelAVX512PackB),
		kernelSetPackB: checkedPackB(14, 32, kernelAVX512SetPackB),
	}
	// blockingAVX512Large (blockingAVX512.large, set at init) is for
	// products with a C too large for the caches: the same kernels with
	// deeper panels. On Zen 5, N = 2048 on one thread went from 181 to
	// 196 GFLOP/s (1024: 185 to 191), as panels of K = 1024 replaced
	// ones of 342.
	blockingAVX512Large = func(b blocking) blocking {
		b.kc, b.mc = 1024, 140
		return b
	}(blockingAVX512)
	blockingAVX2 = blocking{
		mr: 6, nr: 16,
		kc: 256, mc: 144, nc: 512,
		kernel:    checked(6, 16, kernelAVX2),
		kernelSet: checked(6, 16, kernelAVX2Set),
	}
)

func init() {
	blockingAVX512.large = &blockingAVX512Large
	switch {
	case cpu.X86.HasAVX512F:
		gemmBlocking = blockingAVX512
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		gemmBlocking = blockingAVX2
	}
}

// transpose16AVX512 and transpose14AVX512 pack by transposing: for each
// of blocks blocks of 16 columns (block b starting at src + 64·b bytes),
// column c of rows 0..15 (0..13) of src, ld bytes apart, is stored as 16
// (14) consecutive floats at dst + (16·b + c)·stride bytes. See
// genTranspose in gemm_asm_gen.go.
//
//go:noescape
func transpose16AVX512(dst *float32, stride int, src *float32, ld int, blocks int)

//go:noescape
func transpose14AVX512(dst *float32, stride int, src *float32, ld int, blocks int)

// transposeBlocks stores column k of the rows×kc block of src that starts
// at so (rows ld apart) as dst[k·w : k·w+rows], for k below the largest
// multiple of 16 not above kc, which it returns; it does nothing (and
// returns 0) unless rows is 14 or 16 and the CPU has AVX-512.
func transposeBlocks(dst []float32, w int, src []float32, so, ld, rows, kc int) int {
	blocks := kc / 16
	if !hasAVX512 || blocks == 0 || rows != 16 && rows != 14 {
		return 0
	}
	if so < 0 || ld < 16 || so+(rows-1)*ld+16*blocks > len(src) || w < rows || (16*blocks-1)*w+rows > len(dst) {
		panic("cpu: transposeBlocks operands out of range")
	}
	if rows == 16 {
		transpose16AVX512(&dst[0], 4*w, &src[so], 4*ld, blocks)
	} else {
		transpose14AVX512(&dst[0], 4*w, &src[so], 4*ld, blocks)
	}
	return 16 * blocks
}

// copyRows32AVX512 and copyRows16AVX2 copy rows rows of 32 (16) floats,
// ld bytes apart in src, to consecutive floats of dst. See genCopyRows in
// gemm_asm_gen.go.
//
//go:noescape
func copyRows32AVX512(dst *float32, src *float32, ld int, rows int)

//go:noescape
func copyRows16AVX2(dst *float32, src *float32, ld int, rows int)

// copyRows14AVX512 copies rows of 14 floats, for packA on a transposed A.
//
//go:noescape
func copyRows14AVX512(dst *float32, src *float32, ld int, rows int)

// copyRows stores rows rows of nr floats of src, starting at so and ld
// apart, as dst[k·nr : (k+1)·nr] for k < rows: one full sliver of a
// row-major B (see packB) or of a transposed A (packA). It does nothing
// and returns false unless the CPU has a loop for that nr (32 and 14 with
// AVX-512, 16 with AVX2).
func copyRows(dst, src []float32, so, ld, rows, nr int) bool {
	simd := (nr == 32 || nr == 14) && hasAVX512 || nr == 16 && cpu.X86.HasAVX2
	if !simd || rows <= 0 {
		return false
	}
	if so < 0 || ld < nr || so+(rows-1)*ld+nr > len(src) || rows*nr > len(dst) {
		panic("cpu: copyRows operands out of range")
	}
	switch nr {
	case 32:
		copyRows32AVX512(&dst[0], &src[so], 4*ld, rows)
	case 14:
		copyRows14AVX512(&dst[0], &src[so], 4*ld, rows)
	default:
		copyRows16AVX2(&dst[0], &src[so], 4*ld, rows)
	}
	return true
}

// kernelAVX512PackB and kernelAVX512SetPackB are kernelAVX512 and
// kernelAVX512Set reading the kc rows of B from bsrc (ldb floats apart,
// 32 each) and storing them as the packed sliver b as they go.
//
//go:noescape
func kernelAVX512PackB(kc int, a, b []float32, c []float32, ldc int, alpha float32, bsrc []float32, ldb int)

//go:noescape
func kernelAVX512SetPackB(kc int, a, b []float32, c []float32, ldc int, alpha float32, bsrc []float32, ldb int)

// checkedPackB wraps an assembly packing kernel (see packingKernel) with
// the bounds checks the assembly does not make.
func checkedPackB(mr, nr int, k packingKernel) packingKernel {
	return func(kc int, a, b []float32, c []float32, ldc int, alpha float32, bsrc []float32, ldb int) {
		if kc <= 0 || len(a) < kc*mr || len(b) < kc*nr || ldc < nr || len(c) < (mr-1)*ldc+nr || ldb < nr || len(bsrc) < (kc-1)*ldb+nr {
			panic("cpu: gemm packing micro-kernel operands out of range")
		}
		k(kc, a, b, c, ldc, alpha, bsrc, ldb)
	}
}
