//go:build !amd64 || purego

package cpu

// Without SIMD micro-kernels the pure-Go kernel4x16 and its default
// blocking (gemmBlocking in gemm.go) are the only choice.

// transposeBlocks has no SIMD loop to run in this build: the packing
// loops do all the work.
func transposeBlocks(dst []float32, w int, src []float32, so, ld, rows, kc int) int { return 0 }

// copyRows has no SIMD loop to run in this build: packB copies row by row.
func copyRows(dst, src []float32, so, ld, rows, nr int) bool { return false }
