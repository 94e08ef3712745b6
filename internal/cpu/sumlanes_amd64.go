//go:build amd64 && !purego

package cpu

// sumLanesAVX512 is sumLanesRef on x[:n], n a multiple of 32: four
// accumulators of eight float64 lanes hold t, each lane adding its
// elements in the same order as the scalar loop.
//
//go:noescape
func sumLanesAVX512(t *[sumLanes]float64, x *float32, n int)

// sumLanesBlocks adds x's whole blocks of sumLanes elements into t as
// sumLanesRef does and returns the rest of x.
func sumLanesBlocks(t *[sumLanes]float64, x []float32) []float32 {
	if n := len(x) &^ (sumLanes - 1); hasAVX512 && n > 0 {
		sumLanesAVX512(t, &x[0], n)
		x = x[n:]
	}
	return sumLanesRef(t, x)
}
