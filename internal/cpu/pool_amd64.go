//go:build amd64 && !purego

package cpu

// maxRow2x2AVX512 is maxRow2x2Ref on n windows (see pool_amd64.s).
//
//go:noescape
func maxRow2x2AVX512(y, idx, r0, r1 *float32, n int, at0, w float32)

// maxRow2x2 writes the maxima and their positions of the ow windows of 2×2,
// stride 2, over rows r0 and r1 (r0 at position at0 of its plane, r1 w
// after it).
func maxRow2x2(y, idx, r0, r1 []float32, at0, w int) {
	ow := len(y)
	idx, r0, r1 = idx[:ow], r0[:2*ow], r1[:2*ow]
	if hasAVX512 && ow > 0 {
		maxRow2x2AVX512(&y[0], &idx[0], &r0[0], &r1[0], ow, float32(at0), float32(w))
		return
	}
	maxRow2x2Ref(y, idx, r0, r1, at0, w)
}
