package optim

import "github.com/nervelab/nerve/tensor"

// AdamWConfig holds AdamW's hyperparameters. The zero value is PyTorch's
// default; a field's zero means its default, optim.Zero means 0. In
// particular WeightDecay 0 means PyTorch's 1e-2: write
// AdamWConfig{WeightDecay: optim.Zero} for no decay.
type AdamWConfig struct {
	LR          float64 // default 1e-3
	Beta1       float64 // β₁, default 0.9
	Beta2       float64 // β₂, default 0.999
	Eps         float64 // ε, default 1e-8
	WeightDecay float64 // λ, decoupled, default 1e-2
	AMSGrad     bool
	Maximize    bool // ascend the objective instead
}

func (c AdamWConfig) adam() AdamConfig {
	return AdamConfig{LR: c.LR, Beta1: c.Beta1, Beta2: c.Beta2, Eps: c.Eps,
		WeightDecay: OrDefault(c.WeightDecay, 1e-2), AMSGrad: c.AMSGrad, Maximize: c.Maximize}.withDefaults()
}

// AdamW is Adam with decoupled weight decay (Loshchilov and Hutter), as
// torch.optim.AdamW. For each parameter θ with gradient ∇, at its t-th
// update:
//
//	g ← ±∇                                     (− when Maximize)
//	θ ← θ·(1 − lr·λ)
//	m ← β₁·m + (1 − β₁)·g
//	v ← β₂·v + (1 − β₂)·g²
//	v̂ ← max(v̂, v) if AMSGrad, else v
//	θ ← θ − lr/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
//
// Buffers: "exp_avg" (m), "exp_avg_sq" (v), "max_exp_avg_sq" (v̂, AMSGrad).
type AdamW struct{ Adam }

// NewAdamW returns AdamW over params.
func NewAdamW(params []*tensor.Tensor, cfg AdamWConfig) *AdamW {
	return NewAdamWGroups(oneGroup(params), cfg)
}

// NewAdamWGroups returns AdamW over groups; a group's zero LR or
// WeightDecay takes cfg's value, and WeightDecay optim.Zero turns decay off
// for that group (see Group).
func NewAdamWGroups(groups []Group, cfg AdamWConfig) *AdamW {
	c := cfg.adam()
	o := &AdamW{Adam{base: newBase("AdamW", groups, c.LR, c.WeightDecay), cfg: c}}
	o.momentum = &o.cfg.Beta1
	return o
}

// Step applies one AdamW update.
func (o *AdamW) Step() {
	o.each(func(g *Group, i int, p, d *tensor.Tensor) { adamStep(&o.base, o.cfg, true, g, i, p, d) })
}
