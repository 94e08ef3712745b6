package devicetest

import (
	"math"
	"testing"

	"github.com/nervelab/nerve/internal/device"
)

// unaryCase is one op with its parameters and an input range where it is
// defined and well conditioned.
type unaryCase struct {
	op          device.UnaryOp
	alpha, beta float32
	lo, hi      float64
}

var unaryCases = []unaryCase{
	{op: device.Neg, lo: -4, hi: 4},
	{op: device.Abs, lo: -4, hi: 4},
	{op: device.Exp, lo: -10, hi: 10},
	{op: device.Log, lo: 0.01, hi: 100},
	{op: device.Sqrt, lo: 0, hi: 100},
	{op: device.ReLU, lo: -4, hi: 4},
	{op: device.LeakyReLU, alpha: 0.1, lo: -4, hi: 4},
	{op: device.ELU, alpha: 1.3, lo: -4, hi: 4},
	{op: device.GELU, lo: -6, hi: 6},
	{op: device.SiLU, lo: -10, hi: 10},
	{op: device.Sigmoid, lo: -20, hi: 20},
	{op: device.Tanh, lo: -5, hi: 5},
	{op: device.Softplus, alpha: 1, beta: 20, lo: -30, hi: 30},
	{op: device.Softplus, alpha: 2, beta: 3, lo: -5, hi: 5},
	{op: device.AddScalar, alpha: 2.5, lo: -4, hi: 4},
	{op: device.MulScalar, alpha: -1.5, lo: -4, hi: 4},
	{op: device.PowScalar, alpha: 2.5, lo: 0.1, hi: 4},
	{op: device.PowScalar, alpha: 2, lo: -3, hi: 3},
	{op: device.PowScalar, alpha: 3, lo: -3, hi: 3},
	{op: device.PowScalar, alpha: -1, lo: 0.2, hi: 4},
	{op: device.RPowScalar, alpha: 1.7, lo: -5, hi: 5},
	{op: device.Clamp, alpha: -0.5, beta: 0.7, lo: -2, hi: 2},
	{op: device.Sign, lo: -4, hi: 4},
	{op: device.Reciprocal, lo: 0.2, hi: 4},
	{op: device.Reciprocal, lo: -4, hi: -0.2},
	{op: device.Square, lo: -4, hi: 4},
}

// refUnary is op in float64, written from the PyTorch definitions.
func refUnary(op device.UnaryOp, a, b, x float64) float64 {
	switch op {
	case device.Neg:
		return -x
	case device.Abs:
		return math.Abs(x)
	case device.Exp:
		return math.Exp(x)
	case device.Log:
		return math.Log(x)
	case device.Sqrt:
		return math.Sqrt(x)
	case device.ReLU:
		return refIf(x > 0 || x != x, x, 0)
	case device.LeakyReLU:
		return refIf(x > 0, x, a*x)
	case device.ELU:
		return refIf(x > 0, x, a*(math.Exp(x)-1))
	case device.GELU:
		return x * 0.5 * math.Erfc(-x/math.Sqrt2)
	case device.SiLU:
		return x / (1 + math.Exp(-x))
	case device.Sigmoid:
		return 1 / (1 + math.Exp(-x))
	case device.Tanh:
		return math.Tanh(x)
	case device.Softplus:
		return refIf(a*x > b, x, math.Log1p(math.Exp(a*x))/a)
	}
	return refUnaryArith(op, a, b, x)
}

func refUnaryArith(op device.UnaryOp, a, b, x float64) float64 {
	switch op {
	case device.AddScalar:
		return x + a
	case device.MulScalar:
		return x * a
	case device.PowScalar:
		return math.Pow(x, a)
	case device.RPowScalar:
		return math.Pow(a, x)
	case device.Clamp:
		return refIf(x != x, x, math.Min(math.Max(x, a), b))
	case device.Sign:
		return refIf(x > 0, 1, refIf(x < 0, -1, 0))
	case device.Reciprocal:
		return 1 / x
	case device.Square:
		return x * x
	}
	panic("devicetest: no reference for " + op.String())
}

func refIf(c bool, t, f float64) float64 {
	if c {
		return t
	}
	return f
}

// unaryWant is the reference rounded to float32, so overflow gives ±Inf as
// it must in a float32 result.
func unaryWant(c unaryCase, x []float32) []float64 {
	w := make([]float64, len(x))
	for i, v := range x {
		w[i] = float64(float32(refUnary(c.op, float64(c.alpha), float64(c.beta), float64(v))))
	}
	return w
}

func testUnary(t *testing.T, dev device.Device) {
	r := newRand(2)
	const pad = 3
	for _, c := range unaryCases {
		for _, o := range [][2]int{{0, 0}, {1, 3}, {3, 1}} {
			sizes := seq(68)
			if o[0] == 1 {
				sizes = append(sizes, 100003) // the parallel path
			}
			for _, n := range sizes {
				x := randF32(r, n, c.lo, c.hi)
				src := bufF32(dev, append(make([]float32, o[0]), x...))
				dst := guarded(dev, pad, n+o[1])
				dev.Unary(c.op, c.alpha, c.beta, dst, pad+o[1], src, o[0], n)
				got := readF32(dev, dst)
				what := name(c.op, " α=", c.alpha, " n=", n, " offs=", o)
				checkNear(t, what, got[pad+o[1]:pad+o[1]+n], unaryWant(c, x), 1e-5, 1e-6)
				checkGuards(t, what, got, pad+o[1], pad+o[1]+n)
			}
		}
	}
	testUnarySpecial(t, dev)
}

// testUnarySpecial checks infinities, NaN, zeros and overflow.
func testUnarySpecial(t *testing.T, dev device.Device) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	x := []float32{0, float32(math.Copysign(0, -1)), 1, -1, inf, -inf, nan, 100, -100, 1000, -1000}
	cases := []struct {
		op   device.UnaryOp
		a, b float32
	}{
		{device.Exp, 0, 0}, {device.ReLU, 0, 0}, {device.Sigmoid, 0, 0}, {device.Tanh, 0, 0},
		{device.Softplus, 1, 20}, {device.Clamp, -1, 1}, {device.Sign, 0, 0}, {device.Abs, 0, 0},
		{device.Neg, 0, 0}, {device.Square, 0, 0}, {device.LeakyReLU, 0.01, 0},
	}
	for _, c := range cases {
		dst := dev.Alloc(device.Float32, len(x))
		dev.Unary(c.op, c.a, c.b, dst, 0, bufF32(dev, x), 0, len(x))
		want := unaryWant(unaryCase{op: c.op, alpha: c.a, beta: c.b}, x)
		checkNear(t, name(c.op, " special values ", x), readF32(dev, dst), want, 1e-6, 0)
	}
	for _, op := range []device.UnaryOp{device.Log, device.Sqrt} {
		v := []float32{0, -1, inf}
		dst := dev.Alloc(device.Float32, 3)
		dev.Unary(op, 0, 0, dst, 0, bufF32(dev, v), 0, 3)
		checkNear(t, name(op, " of 0, -1, +Inf"), readF32(dev, dst), unaryWant(unaryCase{op: op}, v), 0, 0)
	}
}
