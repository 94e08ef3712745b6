package optim

import (
	"math"

	"github.com/nervelab/nerve/tensor"
)

// AdamConfig holds Adam's hyperparameters. The zero value is PyTorch's
// default; a field's zero means its default, optim.Zero means 0.
type AdamConfig struct {
	LR          float64 // default 1e-3
	Beta1       float64 // β₁, default 0.9
	Beta2       float64 // β₂, default 0.999
	Eps         float64 // ε, default 1e-8
	WeightDecay float64 // λ, L2 penalty added to the gradient, default 0
	AMSGrad     bool
	Maximize    bool // ascend the objective instead
}

func (c AdamConfig) withDefaults() AdamConfig {
	c.LR = OrDefault(c.LR, 1e-3)
	c.Beta1 = OrDefault(c.Beta1, 0.9)
	c.Beta2 = OrDefault(c.Beta2, 0.999)
	c.Eps = OrDefault(c.Eps, 1e-8)
	c.WeightDecay = OrDefault(c.WeightDecay, 0)
	return c
}

// Adam is Kingma and Ba's Adam with L2 weight decay, as torch.optim.Adam.
// For each parameter θ with gradient ∇, at its t-th update:
//
//	g ← ±∇ + λ·θ                               (− when Maximize)
//	m ← β₁·m + (1 − β₁)·g
//	v ← β₂·v + (1 − β₂)·g²
//	v̂ ← max(v̂, v) if AMSGrad, else v
//	θ ← θ − lr/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
//
// Buffers: "exp_avg" (m), "exp_avg_sq" (v), "max_exp_avg_sq" (v̂, AMSGrad).
type Adam struct {
	base
	cfg AdamConfig
}

// NewAdam returns Adam over params.
func NewAdam(params []*tensor.Tensor, cfg AdamConfig) *Adam {
	return NewAdamGroups(oneGroup(params), cfg)
}

// NewAdamGroups returns Adam over groups; a group's zero LR or WeightDecay
// takes cfg's value (see Group).
func NewAdamGroups(groups []Group, cfg AdamConfig) *Adam {
	cfg = cfg.withDefaults()
	o := &Adam{base: newBase("Adam", groups, cfg.LR, cfg.WeightDecay), cfg: cfg}
	o.momentum = &o.cfg.Beta1
	return o
}

// Step applies one Adam update.
func (o *Adam) Step() {
	o.each(func(g *Group, i int, p, d *tensor.Tensor) { adamStep(&o.base, o.cfg, false, g, i, p, d) })
}

// adamStep updates parameter i (p, gradient d) by Adam's rule, or AdamW's
// when decoupled: θ ← θ·(1 − lr·λ) instead of adding λ·θ to the gradient.
func adamStep(b *base, c AdamConfig, decoupled bool, g *Group, i int, p, d *tensor.Tensor) {
	if fuse && !c.AMSGrad && fusedAdam(b, c, decoupled, g, i, p, d) {
		return
	}
	if c.Maximize {
		d = d.Neg()
	}
	if decoupled {
		p.MulScalarInPlace(f32(1 - g.LR*g.WeightDecay))
	} else if g.WeightDecay != 0 {
		d = d.Add(p.MulScalar(f32(g.WeightDecay)))
	}
	m := b.buf(i, "exp_avg", p, 0)
	v := b.buf(i, "exp_avg_sq", p, 0)
	b.steps[i]++
	t := float64(b.steps[i])
	m.MulScalarInPlace(f32(c.Beta1))
	m.AddInPlace(d.MulScalar(f32(1 - c.Beta1)))
	v.MulScalarInPlace(f32(c.Beta2))
	v.AddInPlace(d.Mul(d).MulScalar(f32(1 - c.Beta2)))
	if c.AMSGrad {
		vmax := b.buf(i, "max_exp_avg_sq", p, 0)
		vmax.CopyFrom(vmax.Maximum(v))
		v = vmax
	}
	bc1 := 1 - math.Pow(c.Beta1, t)
	bc2 := math.Sqrt(1 - math.Pow(c.Beta2, t))
	denom := v.Sqrt().DivScalar(f32(bc2)).AddScalar(f32(c.Eps))
	p.SubInPlace(m.Div(denom).MulScalar(f32(g.LR / bc1)))
}

// fuse enables the fused kernels; tests turn it off to compare the paths.
var fuse = true

// fusedAdam runs adamStep's update (without AMSGrad) as one kernel when
// the device offers it; the float32 scalars are rounded exactly as the
// composed path rounds them, so both give the same bits.
func fusedAdam(b *base, c AdamConfig, decoupled bool, g *Group, i int, p, d *tensor.Tensor) bool {
	m := b.buf(i, "exp_avg", p, 0)
	v := b.buf(i, "exp_avg_sq", p, 0)
	t := float64(b.steps[i] + 1)
	bc1 := 1 - math.Pow(c.Beta1, t)
	bc2 := math.Sqrt(1 - math.Pow(c.Beta2, t))
	a := tensor.AdamParams{
		Beta1: f32(c.Beta1), OneMinusBeta1: f32(1 - c.Beta1),
		Beta2: f32(c.Beta2), OneMinusBeta2: f32(1 - c.Beta2),
		InvBC2: 1 / f32(bc2), Eps: f32(c.Eps), StepSize: f32(g.LR / bc1),
		Decay: f32(1 - g.LR*g.WeightDecay), WeightDecay: f32(g.WeightDecay),
		Decoupled: decoupled, Maximize: c.Maximize,
	}
	if !tensor.FusedAdamStep(p, d, m, v, a) {
		return false
	}
	b.steps[i]++
	return true
}

// SetMomentum sets β₁, the decay of the first-moment average, as PyTorch's
// OneCycleLR does for Adam and AdamW when it cycles momentum.
func (o *Adam) SetMomentum(beta1 float64) { o.cfg.Beta1 = beta1 }
