//go:build amd64 && !purego

package cpu

// lstmBackAVX512 runs lstmBackLoop's arithmetic on the first n elements
// (a multiple of 16) of one row, 16 at a time, with the same IEEE
// operations in the same order, so its results are the loop's bit for
// bit. dn may be nil.
//
//go:noescape
func lstmBackAVX512(dg, a, c, dh, dn, dc *float32, h, n int)

// lstmBackRow is lstmBackLoop over a whole row, with the SIMD kernel
// where it applies (AVX-512, H ≥ 16) and the loop for the rest.
func lstmBackRow(dg, a, c, dh, dn, dc []float32, h int) {
	j0 := 0
	if hasAVX512 && h >= 16 {
		if len(dg) < 4*h || len(a) < 5*h || len(c) < h || len(dh) < h || len(dc) < h || dn != nil && len(dn) < h {
			panic("cpu: lstmBackRow operands out of range")
		}
		j0 = h &^ 15
		lstmBackAVX512(&dg[0], &a[0], &c[0], &dh[0], firstOrNil(dn), &dc[0], h, j0)
	}
	lstmBackLoop(dg, a, c, dh, dn, dc, h, j0)
}

// gruBackAVX512 runs gruBackLoop's arithmetic on the first n elements (a
// multiple of 16) of one row, 16 at a time, with the same IEEE operations
// in the same order. dn may be nil.
//
//go:noescape
func gruBackAVX512(dx, dgh, a, hp, dh, dn, dp *float32, h, n int)

// gruBackRow is gruBackLoop over a whole row, with the SIMD kernel where
// it applies (AVX-512, H ≥ 16) and the loop for the rest.
func gruBackRow(dx, dgh, a, hp, dh, dn, dp []float32, h int) {
	j0 := 0
	if hasAVX512 && h >= 16 {
		if len(dx) < 3*h || len(dgh) < 3*h || len(a) < 4*h || len(hp) < h || len(dh) < h || len(dp) < h || dn != nil && len(dn) < h {
			panic("cpu: gruBackRow operands out of range")
		}
		j0 = h &^ 15
		gruBackAVX512(&dx[0], &dgh[0], &a[0], &hp[0], &dh[0], firstOrNil(dn), &dp[0], h, j0)
	}
	gruBackLoop(dx, dgh, a, hp, dh, dn, dp, h, j0)
}

// firstOrNil returns the address of s's first element, or nil for a nil
// s (no next step's gradient).
func firstOrNil(s []float32) *float32 {
	if s == nil {
		return nil
	}
	return &s[0]
}
