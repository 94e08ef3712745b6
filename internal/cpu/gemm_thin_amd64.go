//go:build amd64 && !purego

package cpu

// axpyAVX512 sets y[:n] += alpha·x[:n] with fused multiply-adds; n is a
// multiple of 16.
//
//go:noescape
func axpyAVX512(y, x *float32, n int, alpha float32)

// dotAVX512 returns Σ x[k]·y[k] over k < n, n a multiple of 16, in four
// vector accumulators of 16 lanes each.
//
//go:noescape
func dotAVX512(x, y *float32, n int) float32

// axpy sets y += alpha·x.
func axpy(y, x []float32, alpha float32) {
	x = x[:len(y)]
	if n := len(y) &^ 15; hasAVX512 && n >= simdMin {
		axpyAVX512(&y[0], &x[0], n, alpha)
		y, x = y[n:], x[n:]
	}
	axpyRef(y, x, alpha)
}

// dotUnit returns Σ x[k]·y[k] for k < len(x); len(y) ≥ len(x).
func dotUnit(x, y []float32) float32 {
	y = y[:len(x)]
	var s float32
	if n := len(x) &^ 15; hasAVX512 && n >= simdMin {
		s = dotAVX512(&x[0], &y[0], n)
		x, y = x[n:], y[n:]
	}
	return s + dotRef(x, y)
}
