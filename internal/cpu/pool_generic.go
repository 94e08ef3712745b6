//go:build !amd64 || purego

package cpu

// maxRow2x2 writes the maxima and their positions of the ow windows of 2×2,
// stride 2, over rows r0 and r1 (r0 at position at0 of its plane, r1 w
// after it).
func maxRow2x2(y, idx, r0, r1 []float32, at0, w int) { maxRow2x2Ref(y, idx, r0, r1, at0, w) }
