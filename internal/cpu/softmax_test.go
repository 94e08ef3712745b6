package cpu

import (
	"math"
	"math/rand"
	"testing"
)

// TestSoftmaxUnitMatchesFloat64 runs the contiguous softmax and
// log-softmax rows (SIMD exponentials) and their backward against the
// strided rows, which take every exponential and sum in float64, on the
// same values laid out every other element: lengths 1..70 and 1000,
// values up to ±1000, a −∞ among them, and rows holding NaN or +∞ (NaN
// wherever the strided row has it).
func TestSoftmaxUnitMatchesFloat64(t *testing.T) {
	r := rand.New(rand.NewSource(13))
	lengths := append(seq(71)[1:], 1000)
	for it, n := range lengths {
		for _, spread := range []float64{1, 30, 1000} {
			x, g := make([]float32, n), make([]float32, n)
			for i := range x {
				x[i] = float32(r.NormFloat64() * spread)
				g[i] = float32(r.NormFloat64())
			}
			if n > 3 && it%3 == 0 {
				x[2] = float32(math.Inf(-1))
			}
			if n > 5 && it%7 == 0 {
				x[5] = [2]float32{float32(math.NaN()), float32(math.Inf(1))}[it%2]
			}
			wide := func(s []float32) []float32 { // s at even positions
				w := make([]float32, 2*len(s))
				for i, v := range s {
					w[2*i], w[2*i+1] = v, 99
				}
				return w
			}
			for _, log := range []bool{false, true} {
				got, want := make([]float32, n), make([]float32, 2*n)
				softmaxRow(got, x, 0, 1, n, log)
				softmaxRow(want, wide(x), 0, 2, n, log)
				dGot, dWant := make([]float32, n), make([]float32, 2*n)
				y := append([]float32(nil), got...)
				if log {
					logSoftmaxGradRow(dGot, g, y, 0, 1, n)
					logSoftmaxGradRow(dWant, wide(g), wide(y), 0, 2, n)
				} else {
					softmaxGradRow(dGot, g, y, 0, 1, n)
					softmaxGradRow(dWant, wide(g), wide(y), 0, 2, n)
				}
				// Within a few float32 roundings of the result, and of the
				// upstream gradient where the backward cancels (g − Σg·y).
				var gmax float64
				for _, v := range g {
					gmax = max(gmax, math.Abs(float64(v)))
				}
				for i := range n {
					for _, c := range [][2]float32{{got[i], want[2*i]}, {dGot[i], dWant[2*i]}} {
						a, b := float64(c[0]), float64(c[1])
						if math.IsNaN(a) != math.IsNaN(b) || !math.IsNaN(b) && math.Abs(a-b) > 4e-6*math.Abs(b)+5e-7*gmax {
							t.Fatalf("n=%d spread=%v log=%v: element %d: contiguous %v (grad %v), strided %v (grad %v)",
								n, spread, log, i, got[i], dGot[i], want[2*i], dWant[2*i])
						}
					}
				}
			}
		}
	}
}

// TestSiLUMatchesFloat64 checks SiLU and its derivative (SIMD sigmoid,
// element-wise kernels) against float64 formulas over lengths 0..67 and
// past several chunks, with ±Inf, NaN and ±100 among normal values, and
// in place (d the same slice as the input).
func TestSiLUMatchesFloat64(t *testing.T) {
	r := rand.New(rand.NewSource(14))
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	for _, n := range append(seq(68), 1000, 3*vecChunk+5) {
		x, g := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], g[i] = float32(r.NormFloat64()*4), float32(r.NormFloat64())
		}
		for i, v := range []float64{math.Inf(1), math.Inf(-1), math.NaN(), 100, -100} {
			if 7*i+3 < n {
				x[7*i+3] = float32(v)
			}
		}
		y, d := make([]float32, n), make([]float32, n)
		siluLoop(y, x)
		siluGrad(d, g, x)
		for i, xi := range x {
			xf, s := float64(xi), sig(float64(xi))
			for _, c := range []struct {
				what string
				got  float32
				want float64
			}{{"silu", y[i], xf * s}, {"grad", d[i], float64(g[i]) * s * (1 + xf*(1-s))}} {
				got := float64(c.got)
				if math.IsInf(xf, 0) && c.what == "grad" {
					continue // ∞·0 in the formula; PyTorch's float32 gives NaN or 0 there too
				}
				if math.IsNaN(got) != math.IsNaN(c.want) || math.Abs(got-c.want) > 1e-6*math.Abs(c.want)+1e-6*math.Abs(float64(g[i]))*(1+math.Abs(xf))*1e-1 {
					t.Fatalf("n=%d x=%v: %s %v, want %v", n, xi, c.what, got, c.want)
				}
			}
		}
		in := append([]float32(nil), x...)
		siluLoop(in, in)
		gin := append([]float32(nil), g...)
		siluGrad(gin, gin, x)
		for i := range x {
			if math.Float32bits(in[i]) != math.Float32bits(y[i]) || math.Float32bits(gin[i]) != math.Float32bits(d[i]) {
				t.Fatalf("n=%d: element %d in place: %v, %v; apart: %v, %v", n, i, in[i], gin[i], y[i], d[i])
			}
		}
	}
}
