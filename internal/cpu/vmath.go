package cpu

import "math"

// The reference loops of the float32 exp, log, tanh and sigmoid kernels:
// the float64 function rounded to float32. The SIMD kernels
// (vmath_amd64.s) agree with them within 1 ulp.

func expRef(d, s []float32)     { mapF64(d, s, math.Exp) }
func logRef(d, s []float32)     { mapF64(d, s, math.Log) }
func tanhRef(d, s []float32)    { mapF64(d, s, math.Tanh) }
func sigmoidRef(d, s []float32) { mapF64(d, s, sigmoid) }
