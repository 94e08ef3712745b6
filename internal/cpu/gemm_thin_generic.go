//go:build !amd64 || purego

package cpu

// axpy sets y += alpha·x.
func axpy(y, x []float32, alpha float32) { axpyRef(y, x, alpha) }

// dotUnit returns Σ x[k]·y[k] for k < len(x); len(y) ≥ len(x).
func dotUnit(x, y []float32) float32 { return dotRef(x, y[:len(x)]) }
