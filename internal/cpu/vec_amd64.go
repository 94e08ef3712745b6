//go:build amd64 && !purego

package cpu

import "github.com/nervelab/nerve/internal/device"

// The AVX-512 kernels below process n elements, n a multiple of 16, with
// the same IEEE operations as the reference loops of vec.go, so their
// results are those loops' bit for bit. op is device.Add, Sub, Mul or Div.

//go:noescape
func reluAVX512(d, s *float32, n int)

//go:noescape
func scaleShiftAVX512(d, s *float32, n int, mul, add float32)

//go:noescape
func maskGradAVX512(d, gs, xs *float32, n int, slope float32)

//go:noescape
func arithAVX512(op int, d, a, b *float32, n int)

//go:noescape
func arithScalarAVX512(op int, d, a *float32, n int, y float32)

// simdMin is the length from which the SIMD kernels are used.
const simdMin = 16

func reluLoop(d, s []float32) {
	s = s[:len(d)]
	if n := len(d) &^ 15; hasAVX512 && n >= simdMin {
		reluAVX512(&d[0], &s[0], n)
		d, s = d[n:], s[n:]
	}
	reluRef(d, s)
}

func scaleShift(d, s []float32, mul, add float32) {
	s = s[:len(d)]
	if n := len(d) &^ 15; hasAVX512 && n >= simdMin {
		scaleShiftAVX512(&d[0], &s[0], n, mul, add)
		d, s = d[n:], s[n:]
	}
	scaleShiftRef(d, s, mul, add)
}

func maskGrad(d, g, x []float32, slope float32) {
	g, x = g[:len(d)], x[:len(d)]
	if n := len(d) &^ 15; hasAVX512 && n >= simdMin {
		maskGradAVX512(&d[0], &g[0], &x[0], n, slope)
		d, g, x = d[n:], g[n:], x[n:]
	}
	maskGradRef(d, g, x, slope)
}

func arith(op device.BinaryOp, d, a, b []float32) {
	a, b = a[:len(d)], b[:len(d)]
	if n := len(d) &^ 15; hasAVX512 && n >= simdMin && op <= device.Div {
		arithAVX512(int(op), &d[0], &a[0], &b[0], n)
		d, a, b = d[n:], a[n:], b[n:]
	}
	arithRef(op, d, a, b)
}

func arithScalar(op device.BinaryOp, d, a []float32, y float32) {
	a = a[:len(d)]
	if n := len(d) &^ 15; hasAVX512 && n >= simdMin && op <= device.Div {
		arithScalarAVX512(int(op), &d[0], &a[0], n, y)
		d, a = d[n:], a[n:]
	}
	arithScalarRef(op, d, a, y)
}

//go:noescape
func addRowsAVX512(d, s *float32, n, rows, dstride, sstride int)

// addRows sets d[r·dstride+i] += s[r·sstride+i] for r < rows, i < n.
func addRows(d, s []float32, n, rows, dstride, sstride int) {
	if n <= 0 || rows <= 0 {
		return
	}
	_, _ = d[(rows-1)*dstride+n-1], s[(rows-1)*sstride+n-1] // bounds, once
	if hasAVX512 {
		addRowsAVX512(&d[0], &s[0], n, rows, dstride, sstride)
		return
	}
	addRowsRef(d, s, n, rows, dstride, sstride)
}
