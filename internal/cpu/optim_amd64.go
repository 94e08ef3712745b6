//go:build amd64 && !purego

package cpu

import (
	"golang.org/x/sys/cpu"

	"github.com/nervelab/nerve/internal/device"
)

// adamAVX512 runs adamLoop's arithmetic on the first n&^15 elements, 16 at
// a time, with the same IEEE operations in the same order (no fused
// multiply-add), so its results are the scalar loop's bit for bit. k holds
// the float32 scalars: β₁, 1−β₁, β₂, 1−β₂, InvBC2, ε, StepSize, Decay;
// decay multiplies θ first when decoupled is set (AdamW).
//
//go:noescape
func adamAVX512(p, grad, m, v *float32, n int, k *[8]float32, decoupled bool)

var hasAVX512 = cpu.X86.HasAVX512F

// adamBlock updates p, g, m, v (same lengths) with the SIMD kernel where
// it applies (AVX-512, no Maximize, no L2 weight decay) and the scalar
// loop for the rest.
func adamBlock(p, g, m, v []float32, a *device.AdamParams) {
	n := len(p)
	if hasAVX512 && !a.Maximize && (a.Decoupled || a.WeightDecay == 0) && n >= 16 {
		g, m, v = g[:n], m[:n], v[:n]
		k := [8]float32{a.Beta1, a.OneMinusBeta1, a.Beta2, a.OneMinusBeta2, a.InvBC2, a.Eps, a.StepSize, a.Decay}
		adamAVX512(&p[0], &g[0], &m[0], &v[0], n, &k, a.Decoupled)
		done := n &^ 15
		p, g, m, v = p[done:], g[done:], m[done:], v[done:]
	}
	adamLoop(p, g, m, v, a)
}

// sgdAVX512 runs sgdLoop's arithmetic on the first n&^15 elements, 16 at
// a time, in the same IEEE operations and order: without a buffer
// (b nil) θ ← θ − (g·lr + 0); with one, b ← (b·μ + 0) + (g·(1−τ) + 0) and
// θ ← θ − (b·lr + 0). k holds lr, μ, 1−τ.
//
//go:noescape
func sgdAVX512(p, grad, b *float32, n int, k *[3]float32)

// sgdBlock updates p (and the momentum buffer b, nil without momentum)
// with the SIMD kernel where it applies (AVX-512; no Maximize, weight
// decay, Nesterov, or first step of a buffer) and the scalar loop for the
// rest.
func sgdBlock(p, g, b []float32, a *device.SGDParams) {
	n := len(p)
	if hasAVX512 && !a.Maximize && a.WeightDecay == 0 && (b == nil || (!a.First && !a.Nesterov)) && n >= 16 {
		g = g[:n]
		var bp *float32
		if b != nil {
			b = b[:n]
			bp = &b[0]
		}
		k := [3]float32{a.LR, a.Momentum, a.OneMinusDamp}
		sgdAVX512(&p[0], &g[0], bp, n, &k)
		done := n &^ 15
		p, g = p[done:], g[done:]
		if b != nil {
			b = b[done:]
		}
	}
	sgdLoop(p, g, b, a)
}
