//go:build !amd64 || purego

package cpu

// Without SIMD micro-kernels the pure-Go kernel4x16 and its default
// blocking (gemmBlocking in gemm.go) are the only choice.
