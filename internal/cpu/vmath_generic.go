//go:build !amd64 || purego

package cpu

// No SIMD kernels in this build: the reference loops of vmath.go.

func expLoop(d, s []float32)     { expRef(d, s) }
func logLoop(d, s []float32)     { logRef(d, s) }
func tanhLoop(d, s []float32)    { tanhRef(d, s) }
func sigmoidLoop(d, s []float32) { sigmoidRef(d, s) }
