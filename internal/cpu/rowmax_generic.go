//go:build !amd64 || purego

package cpu

// rowExtreme reports the maximum (or minimum) of a contiguous row where a
// SIMD kernel finds it unambiguously; this build has none.
func rowExtreme(x []float32, isMax bool) (float32, bool) { return rowExtremeRef(x, isMax) }

const hasSIMDExtreme = false
