//go:build !amd64 || purego

package cpu

import "github.com/nervelab/nerve/internal/device"

// No SIMD kernels in this build: the element-wise loops are the reference
// loops of vec.go.

func reluLoop(d, s []float32)                                   { reluRef(d, s) }
func scaleShift(d, s []float32, mul, add float32)               { scaleShiftRef(d, s, mul, add) }
func maskGrad(d, g, x []float32, slope float32)                 { maskGradRef(d, g, x, slope) }
func arith(op device.BinaryOp, d, a, b []float32)               { arithRef(op, d, a, b) }
func arithScalar(op device.BinaryOp, d, a []float32, y float32) { arithScalarRef(op, d, a, y) }

func addRows(d, s []float32, n, rows, dstride, sstride int) {
	addRowsRef(d, s, n, rows, dstride, sstride)
}
