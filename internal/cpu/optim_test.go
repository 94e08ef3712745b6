package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nervelab/nerve/internal/device"
)

// TestAdamBlockMatchesLoop runs the dispatching Adam kernel (SIMD where
// the build has it) against the scalar loop for lengths 0..67 and 1000 at
// unaligned offsets, with guard values around each slice, for Adam and
// AdamW, and wants identical bits.
func TestAdamBlockMatchesLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	params := []device.AdamParams{
		{Beta1: 0.9, OneMinusBeta1: 0.1, Beta2: 0.999, OneMinusBeta2: 0.001, InvBC2: 1 / 0.0447, Eps: 1e-8, StepSize: 0.01},
		{Beta1: 0.5, OneMinusBeta1: 0.5, Beta2: 0.9, OneMinusBeta2: 0.1, InvBC2: 3, Eps: 1e-3, StepSize: 0.2, Decay: 0.97, Decoupled: true},
	}
	const guard = -12345
	for _, a := range params {
		for _, n := range append(seq(68), 1000) {
			for _, off := range []int{0, 1, 3} {
				mk := func() (s []float32) {
					s = make([]float32, off+n+2)
					for i := range s {
						s[i] = guard
					}
					for i := off; i < off+n; i++ {
						s[i] = float32(r.NormFloat64())
					}
					return s
				}
				p, g, m, v := mk(), mk(), mk(), mk()
				for i := off; i < off+n; i++ {
					v[i] = float32(math.Abs(float64(v[i])))
					if i%7 == 0 {
						g[i] = 0 // ReLU zeros
					}
				}
				p2, m2, v2 := clone(p), clone(m), clone(v)
				adamBlock(p[off:off+n], g[off:off+n], m[off:off+n], v[off:off+n], &a)
				adamLoop(p2[off:off+n], g[off:off+n], m2[off:off+n], v2[off:off+n], &a)
				for _, pair := range [][2][]float32{{p, p2}, {m, m2}, {v, v2}} {
					for i := range pair[0] {
						if math.Float32bits(pair[0][i]) != math.Float32bits(pair[1][i]) {
							t.Fatalf("n=%d off=%d decoupled=%v: element %d: %v vs %v", n, off, a.Decoupled, i, pair[0][i], pair[1][i])
						}
					}
					if pair[0][0] != guard && off > 0 || pair[0][len(pair[0])-1] != guard {
						t.Fatalf("n=%d off=%d: guard overwritten", n, off)
					}
				}
			}
		}
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func clone(s []float32) []float32 { return append([]float32{}, s...) }

// TestSGDBlockMatchesLoop is TestAdamBlockMatchesLoop for SGD: plain,
// with a momentum buffer after its first step, and the cases the SIMD
// kernel leaves to the loop.
func TestSGDBlockMatchesLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	params := []struct {
		a        device.SGDParams
		momentum bool
	}{
		{device.SGDParams{LR: 0.1}, false},
		{device.SGDParams{LR: 0.05, Momentum: 0.9, OneMinusDamp: 0.8}, true},
		{device.SGDParams{LR: 0.05, Momentum: 0.9, OneMinusDamp: 1, Nesterov: true, WeightDecay: 0.01}, true},
		{device.SGDParams{LR: 0.05, Momentum: 0.9, OneMinusDamp: 1, First: true}, true},
	}
	const guard = -777
	for _, c := range params {
		for _, n := range append(seq(68), 1000) {
			for _, off := range []int{0, 1, 3} {
				mk := func() []float32 {
					s := make([]float32, off+n+2)
					for i := range s {
						s[i] = guard
					}
					for i := off; i < off+n; i++ {
						s[i] = float32(r.NormFloat64())
						if i%5 == 0 {
							s[i] = 0
						}
					}
					return s
				}
				p, g, b := mk(), mk(), mk()
				p2, b2 := clone(p), clone(b)
				var bs, bs2 []float32
				if c.momentum {
					bs, bs2 = b[off:off+n], b2[off:off+n]
				}
				sgdBlock(p[off:off+n], g[off:off+n], bs, &c.a)
				sgdLoop(p2[off:off+n], g[off:off+n], bs2, &c.a)
				for _, pair := range [][2][]float32{{p, p2}, {b, b2}} {
					for i := range pair[0] {
						if math.Float32bits(pair[0][i]) != math.Float32bits(pair[1][i]) {
							t.Fatalf("%+v n=%d off=%d: element %d: %v vs %v", c.a, n, off, i, pair[0][i], pair[1][i])
						}
					}
					if (off > 0 && pair[0][0] != guard) || pair[0][len(pair[0])-1] != guard {
						t.Fatalf("n=%d off=%d: guard overwritten", n, off)
					}
				}
			}
		}
	}
}
