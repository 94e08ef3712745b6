package devicetest

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nervelab/nerve/internal/device"
)

// kinks lists the points near which an op's derivative jumps; sample
// inputs keep away from them, since a finite difference there means
// nothing.
func kinks(c unaryCase) []float64 {
	switch c.op {
	case device.Abs, device.ReLU, device.LeakyReLU, device.ELU:
		return []float64{0}
	case device.Clamp:
		return []float64{float64(c.alpha), float64(c.beta)}
	case device.Softplus:
		return []float64{float64(c.beta) / float64(c.alpha)}
	}
	return nil
}

// gradInputs draws n inputs in the case's range at least 1e-3 from every
// kink.
func gradInputs(c unaryCase, r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		v := c.lo + (c.hi-c.lo)*r.Float64()
		for nearKink(c, v) {
			v = c.lo + (c.hi-c.lo)*r.Float64()
		}
		x[i] = float32(v)
	}
	return x
}

func nearKink(c unaryCase, v float64) bool {
	for _, k := range kinks(c) {
		if math.Abs(v-k) < 1e-3 {
			return true
		}
	}
	return false
}

// refGrad is g·f'(x) by a central difference of the float64 reference.
func refGrad(c unaryCase, x, g float64) float64 {
	if c.op == device.Sign {
		return 0
	}
	a, b := float64(c.alpha), float64(c.beta)
	h := 1e-6 * math.Max(1, math.Abs(x))
	return g * (refUnary(c.op, a, b, x+h) - refUnary(c.op, a, b, x-h)) / (2 * h)
}

// runBackward computes y = op(x) and dx = g·op'(x) on the device, dx in a
// buffer with guards after n.
func runBackward(dev device.Device, c unaryCase, x, g []float32) (dx []float32) {
	n := len(x)
	xb, gb := bufF32(dev, x), bufF32(dev, g)
	yb := dev.Alloc(device.Float32, n)
	dev.Unary(c.op, c.alpha, c.beta, yb, 0, xb, 0, n)
	dxb := guarded(dev, 0, n+3)
	dev.UnaryBackward(c.op, c.alpha, c.beta, dxb, gb, xb, yb, n)
	return readF32(dev, dxb)
}

func testUnaryBackward(t *testing.T, dev device.Device) {
	r := newRand(3)
	for _, c := range unaryCases {
		for _, n := range append(seq(68), 70001) {
			x := gradInputs(c, r, n)
			g := randF32(r, n, -2, 2)
			got := runBackward(dev, c, x, g)
			want := make([]float64, n)
			for i := range want {
				want[i] = refGrad(c, float64(x[i]), float64(g[i]))
			}
			what := name(c.op, "'", " α=", c.alpha, " n=", n)
			checkNear(t, what, got[:n], want, 2e-4, 2e-5)
			checkGuards(t, what, got, 0, n)
		}
	}
	testBackwardEdges(t, dev)
}

// testBackwardEdges pins the conventions at kinks, PyTorch's: ReLU passes
// nothing at 0, Abs has slope 0 at 0, Clamp passes the gradient at both
// bounds, a mask is 0 even for a NaN gradient, Sign has zero gradient, and
// x^0 has zero gradient.
func testBackwardEdges(t *testing.T, dev device.Device) {
	nan := float32(math.NaN())
	cases := []struct {
		c    unaryCase
		x, g []float32
		want []float64
	}{
		{unaryCase{op: device.ReLU}, []float32{0, -1, 2}, []float32{3, nan, 3}, []float64{0, 0, 3}},
		{unaryCase{op: device.LeakyReLU, alpha: 0.2}, []float32{0, -1, 2}, []float32{1, 1, 1}, []float64{0.2, 0.2, 1}},
		{unaryCase{op: device.Abs}, []float32{0, -3, 2}, []float32{5, 5, 5}, []float64{0, -5, 5}},
		{unaryCase{op: device.Clamp, alpha: -1, beta: 1}, []float32{-1, 1, 1.5, -2}, []float32{2, 3, 4, nan}, []float64{2, 3, 0, 0}},
		{unaryCase{op: device.Sign}, []float32{0, -3, 2}, []float32{5, 5, 5}, []float64{0, 0, 0}},
		{unaryCase{op: device.PowScalar, alpha: 0}, []float32{0, -3, 2}, []float32{5, 5, 5}, []float64{0, 0, 0}},
		{unaryCase{op: device.Softplus, alpha: 1, beta: 20}, []float32{25, 0}, []float32{3, 2}, []float64{3, 1}},
	}
	for _, tc := range cases {
		got := runBackward(dev, tc.c, tc.x, tc.g)
		checkNear(t, name(tc.c.op, "' at ", tc.x, " g=", tc.g), got[:len(tc.x)], tc.want, 1e-6, 0)
	}
}
