//go:build !amd64 || purego

package cpu

// lstmBackRow is lstmBackLoop over a whole row: no SIMD kernel in this
// build.
func lstmBackRow(dg, a, c, dh, dn, dc []float32, h int) { lstmBackLoop(dg, a, c, dh, dn, dc, h, 0) }
