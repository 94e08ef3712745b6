package cpu

import (
	"fmt"
	"math"

	"github.com/nervelab/nerve/internal/device"
)

// Unary sets dst[dOff+i] = op(src[sOff+i]) for i < n. Both buffers are
// Float32. The ops follow PyTorch exactly (see device.UnaryOp); exp, log,
// tanh, sigmoid and SiLU run SIMD kernels within 2 ulp of the float64
// functions (vmath.go), the other transcendental ones are evaluated in
// float64 and rounded once.
func (Device) Unary(op device.UnaryOp, alpha, beta float32, dst device.Buffer, dOff int,
	src device.Buffer, sOff int, n int) {
	d := f32s(dst)[dOff : dOff+n]
	s := f32s(src)[sOff : sOff+n]
	f := unaryLoop(op, alpha, beta)
	if n < parallelThreshold {
		f(d, s)
		return
	}
	parallelElems(n, func(lo, hi int) { f(d[lo:hi], s[lo:hi]) })
}

// unaryLoop returns the loop computing op over a slice; the cheap ops and
// exp, log, tanh, sigmoid (SIMD kernels, vmath.go) and SiLU get their own
// loop, the others map a float64 function.
func unaryLoop(op device.UnaryOp, alpha, beta float32) func(d, s []float32) {
	switch op {
	case device.Neg:
		return func(d, s []float32) { scaleShift(d, s, -1, 0) }
	case device.AddScalar:
		return func(d, s []float32) { scaleShift(d, s, 1, alpha) }
	case device.MulScalar:
		return func(d, s []float32) { scaleShift(d, s, alpha, 0) }
	case device.ReLU:
		return reluLoop
	case device.Square:
		return func(d, s []float32) { mapF32(d, s, func(x float32) float32 { return x * x }) }
	case device.Abs:
		return func(d, s []float32) { mapF32(d, s, abs32) }
	case device.Sign:
		return func(d, s []float32) { mapF32(d, s, sign32) }
	case device.LeakyReLU:
		return func(d, s []float32) { mapF32(d, s, func(x float32) float32 { return leaky(x, alpha) }) }
	case device.Clamp:
		return func(d, s []float32) { mapF32(d, s, func(x float32) float32 { return clamp(x, alpha, beta) }) }
	case device.Exp:
		return expLoop
	case device.Log:
		return logLoop
	case device.Tanh:
		return tanhLoop
	case device.Sigmoid:
		return sigmoidLoop
	case device.SiLU:
		return siluLoop
	}
	f := unaryF64(op, float64(alpha), float64(beta))
	return func(d, s []float32) { mapF64(d, s, f) }
}

// vecChunk is the stretch of a slice that the loops composed of several
// element-wise kernels work through at a time, in stack buffers that stay
// in L1.
const vecChunk = 1024

// siluLoop sets d = s·σ(s), σ by the SIMD kernel (float32, as PyTorch's
// silu); d may be s.
func siluLoop(d, s []float32) {
	var sg [vecChunk]float32
	for lo := 0; lo < len(d); lo += vecChunk {
		hi := min(lo+vecChunk, len(d))
		t := sg[:hi-lo]
		sigmoidLoop(t, s[lo:hi])
		arith(device.Mul, d[lo:hi], t, s[lo:hi])
	}
}

// siluGrad sets d = g·σ(x)·(1 + x − x·σ(x)), SiLU's derivative with σ
// by the SIMD kernel; d may be g or x.
func siluGrad(d, g, x []float32) {
	var sg, t [vecChunk]float32
	for lo := 0; lo < len(d); lo += vecChunk {
		hi := min(lo+vecChunk, len(d))
		s, u, xs := sg[:hi-lo], t[:hi-lo], x[lo:hi]
		sigmoidLoop(s, xs)
		arith(device.Mul, u, xs, s)
		arith(device.Sub, u, xs, u)
		scaleShift(u, u, 1, 1)
		arith(device.Mul, u, u, s)
		arith(device.Mul, d[lo:hi], g[lo:hi], u)
	}
}

// unaryF64 returns op as a float64 function, for the ops computed in
// double precision.
func unaryF64(op device.UnaryOp, a, b float64) func(float64) float64 {
	switch op {
	case device.Exp:
		return math.Exp
	case device.Log:
		return math.Log
	case device.Sqrt:
		return math.Sqrt
	case device.ELU:
		return func(x float64) float64 { return elu(x, a) }
	case device.GELU:
		return func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x*math.Sqrt2/2)) }
	case device.Sigmoid:
		return sigmoid
	case device.Tanh:
		return math.Tanh
	case device.Softplus:
		return func(x float64) float64 { return softplus(x, a, b) }
	case device.PowScalar:
		return powScalar(a)
	case device.RPowScalar:
		return func(x float64) float64 { return math.Pow(a, x) }
	case device.Reciprocal:
		return func(x float64) float64 { return 1 / x }
	}
	panic(fmt.Sprintf("cpu: Unary: unknown op %v", op))
}

func mapF32(d, s []float32, f func(float32) float32) {
	s = s[:len(d)]
	for i, x := range s {
		d[i] = f(x)
	}
}

func mapF64(d, s []float32, f func(float64) float64) {
	s = s[:len(d)]
	for i, x := range s {
		d[i] = float32(f(float64(x)))
	}
}

func abs32(x float32) float32 {
	return math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
}

// sign32 is −1, 0 or 1; NaN gives 0.
func sign32(x float32) float32 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

func leaky(x, slope float32) float32 {
	if x > 0 {
		return x
	}
	return x * slope
}

// clamp is min(max(x, lo), hi) with NaN passing through, as torch.clamp.
func clamp(x, lo, hi float32) float32 {
	if x < lo {
		x = lo
	}
	if x > hi {
		x = hi
	}
	return x
}

func elu(x, alpha float64) float64 {
	if x > 0 {
		return x
	}
	return alpha * math.Expm1(x)
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// softplus is log(1+exp(βx))/β, or x where βx > threshold.
func softplus(x, beta, threshold float64) float64 {
	if x*beta > threshold {
		return x
	}
	return math.Log1p(math.Exp(x*beta)) / beta
}

func powScalar(e float64) func(float64) float64 {
	switch e {
	case 1:
		return func(x float64) float64 { return x }
	case 2:
		return func(x float64) float64 { return x * x }
	case 3:
		return func(x float64) float64 { return x * x * x }
	}
	return func(x float64) float64 { return math.Pow(x, e) }
}

// UnaryBackward sets dx[i] = g[i]·op'(x[i]) for i < n, reading the forward
// output y instead of x where that is cheaper (Exp, Sqrt, Sigmoid, Tanh,
// RPowScalar, Reciprocal). A buffer the op does not read may be nil. Where
// the derivative is a mask (ReLU, Clamp, Sign) dx is 0 outside it even for
// an infinite or NaN g, as in PyTorch.
func (Device) UnaryBackward(op device.UnaryOp, alpha, beta float32, dx, g, x, y device.Buffer, n int) {
	d, gs := f32s(dx)[:n], f32s(g)[:n]
	xs, ys := optF32(x, n), optF32(y, n)
	if f := gradLinear(op, alpha, beta, d, gs, xs); f != nil {
		parallelElems(n, f)
		return
	}
	f := gradFunc(op, float64(alpha), float64(beta))
	if n < parallelThreshold {
		gradRange(f, d, gs, xs, ys, 0, n)
		return
	}
	parallelElems(n, func(lo, hi int) { gradRange(f, d, gs, xs, ys, lo, hi) })
}

// gradRange sets d[i] = g[i]·f(x[i], y[i]) for lo ≤ i < hi, in float64; a
// nil x or y reads as zeros.
func gradRange(f func(x, y float64) float64, d, g, x, y []float32, lo, hi int) {
	for i := lo; i < hi; i++ {
		var xi, yi float32
		if x != nil {
			xi = x[i]
		}
		if y != nil {
			yi = y[i]
		}
		d[i] = float32(float64(g[i]) * f(float64(xi), float64(yi)))
	}
}

// optF32 is the first n elements of b, or nil when b is nil.
func optF32(b device.Buffer, n int) []float32 {
	if b == nil {
		return nil
	}
	return f32s(b)[:n]
}

// gradLinear returns the backward loop of the piecewise-linear ops, which
// select or scale g directly, and of SiLU (element-wise kernels), or nil
// for the other ops.
func gradLinear(op device.UnaryOp, a, b float32, d, g, x []float32) func(lo, hi int) {
	switch op {
	case device.Neg:
		return func(lo, hi int) { scaleShift(d[lo:hi], g[lo:hi], -1, 0) }
	case device.AddScalar:
		return func(lo, hi int) { copy(d[lo:hi], g[lo:hi]) }
	case device.MulScalar:
		return func(lo, hi int) { scaleShift(d[lo:hi], g[lo:hi], a, 0) }
	case device.Sign:
		return func(lo, hi int) { clear(d[lo:hi]) }
	case device.ReLU:
		return func(lo, hi int) { maskGrad(d[lo:hi], g[lo:hi], x[lo:hi], 0) }
	case device.LeakyReLU:
		return func(lo, hi int) { maskGrad(d[lo:hi], g[lo:hi], x[lo:hi], a) }
	case device.Clamp:
		return func(lo, hi int) { clampGrad(d[lo:hi], g[lo:hi], x[lo:hi], a, b) }
	case device.SiLU: // not linear, but its own SIMD loop
		return func(lo, hi int) { siluGrad(d[lo:hi], g[lo:hi], x[lo:hi]) }
	}
	return nil
}

// clampGrad sets d = g where lo ≤ x ≤ hi, else 0.
func clampGrad(d, g, x []float32, lo, hi float32) {
	g, x = g[:len(d)], x[:len(d)]
	for i, xi := range x {
		if lo <= xi && xi <= hi {
			d[i] = g[i]
		} else {
			d[i] = 0
		}
	}
}

// gradFunc returns dy/dx of a smooth op as a function of x and y = op(x).
func gradFunc(op device.UnaryOp, a, b float64) func(x, y float64) float64 {
	switch op {
	case device.Exp:
		return func(_, y float64) float64 { return y }
	case device.Sqrt:
		return func(_, y float64) float64 { return 1 / (2 * y) }
	case device.Sigmoid:
		return func(_, y float64) float64 { return y * (1 - y) }
	case device.Tanh:
		return func(_, y float64) float64 { return 1 - y*y }
	case device.RPowScalar:
		return rpowGrad(a)
	case device.Reciprocal:
		return func(_, y float64) float64 { return -y * y }
	case device.PowScalar:
		return powGrad(a)
	case device.Abs:
		return func(x, _ float64) float64 { return float64(sign32(float32(x))) }
	}
	return gradOfX(op, a, b)
}

// gradOfX covers the smooth ops whose derivative is written in x.
func gradOfX(op device.UnaryOp, a, b float64) func(x, y float64) float64 {
	switch op {
	case device.Log:
		return func(x, _ float64) float64 { return 1 / x }
	case device.Square:
		return func(x, _ float64) float64 { return 2 * x }
	case device.ELU:
		return func(x, _ float64) float64 { return step(x > 0, 1, a*math.Exp(x)) }
	case device.GELU:
		return geluGrad
	case device.Softplus:
		return func(x, _ float64) float64 { return step(x*a > b, 1, sigmoid(x*a)) }
	}
	panic(fmt.Sprintf("cpu: UnaryBackward: unknown op %v", op))
}

func step(c bool, t, f float64) float64 {
	if c {
		return t
	}
	return f
}

// geluGrad is Φ(x) + x·φ(x) for the exact GELU.
func geluGrad(x, _ float64) float64 {
	cdf := 0.5 * (1 + math.Erf(x*math.Sqrt2/2))
	pdf := math.Exp(-0.5*x*x) / math.Sqrt(2*math.Pi)
	return cdf + x*pdf
}

// powGrad is e·x^(e−1), and 0 for e = 0 (as PyTorch).
func powGrad(e float64) func(x, y float64) float64 {
	if e == 0 {
		return func(_, _ float64) float64 { return 0 }
	}
	return func(x, _ float64) float64 { return e * math.Pow(x, e-1) }
}

// rpowGrad is y·ln(base), and 0 where base = 0 and x ≥ 0 (as PyTorch).
func rpowGrad(base float64) func(x, y float64) float64 {
	lb := math.Log(base)
	return func(x, y float64) float64 {
		if base == 0 && x >= 0 {
			return 0
		}
		return y * lb
	}
}
