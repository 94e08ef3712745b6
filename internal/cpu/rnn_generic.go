//go:build !amd64 || purego

package cpu

// lstmBackRow is lstmBackLoop over a whole row: no SIMD kernel in this
// build.
func lstmBackRow(dg, a, c, dh, dn, dc []float32, h int) { lstmBackLoop(dg, a, c, dh, dn, dc, h, 0) }

// gruBackRow is gruBackLoop over a whole row: no SIMD kernel in this
// build.
func gruBackRow(dx, dgh, a, hp, dh, dn, dp []float32, h int) {
	gruBackLoop(dx, dgh, a, hp, dh, dn, dp, h, 0)
}
