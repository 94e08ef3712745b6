//go:build !amd64 || purego

package cpu

// sumLanesBlocks is sumLanesRef: no SIMD kernel in this build.
func sumLanesBlocks(t *[sumLanes]float64, x []float32) []float32 { return sumLanesRef(t, x) }
