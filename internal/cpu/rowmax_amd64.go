//go:build amd64 && !purego

package cpu

// hasSIMDExtreme reports whether rowExtreme has a kernel to answer with.
var hasSIMDExtreme = hasAVX512

// extremeAVX512 reduces s[:n] (n a positive multiple of 16) to 16 lanes of
// running maxima (minima unless isMax) in acc, lane i covering the
// elements i mod 16, and reports whether any element is NaN (acc is then
// meaningless).
//
//go:noescape
func extremeAVX512(s *float32, n int, acc *[16]float32, isMax bool) (nan bool)

// rowExtreme returns the maximum (or minimum) of a contiguous row and true
// where the SIMD kernel determines it unambiguously: no NaN and a nonzero
// extreme, whose bits are then those of every element equal to it, so it
// is what rowArg would select. Otherwise (short rows, NaN, a ±0 extreme
// whose sign depends on which zero comes first) it returns false and the
// caller uses rowArg.
func rowExtreme(x []float32, isMax bool) (float32, bool) {
	if !hasAVX512 || len(x) < 64 {
		return rowExtremeRef(x, isMax)
	}
	var acc [16]float32
	n := len(x) &^ 15
	if extremeAVX512(&x[0], n, &acc, isMax) {
		return 0, false
	}
	m := acc[0]
	for _, v := range acc[1:] {
		if isMax && v > m || !isMax && v < m {
			m = v
		}
	}
	for _, v := range x[n:] {
		switch {
		case v != v:
			return 0, false
		case isMax && v > m, !isMax && v < m:
			m = v
		}
	}
	return m, m != 0
}
