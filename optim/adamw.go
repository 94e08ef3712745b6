package optim

import "github.com/nervelab/nerve/tensor"

// AdamWConfig holds AdamW's hyperparameters; the zero value is PyTorch's
// default (LR 1e-3, betas 0.9 and 0.999, Eps 1e-8, weight decay 1e-2).
// WeightDecay is a pointer so that 0 is expressible: nil means 1e-2, and
// &zero turns decay off.
type AdamWConfig struct {
	LR          float64  // default 1e-3
	Beta1       float64  // default 0.9
	Beta2       float64  // default 0.999
	Eps         float64  // default 1e-8
	WeightDecay *float64 // default 1e-2 when nil
	AMSGrad     bool
	Maximize    bool
}

// AdamW is Adam with decoupled weight decay (Loshchilov and Hutter), as
// torch.optim.AdamW:
//
//	θ ← θ·(1 − lr·λ)
//	m ← β₁·m + (1 − β₁)·g
//	v ← β₂·v + (1 − β₂)·g²
//	v̂ ← max(v̂, v) if AMSGrad, else v
//	θ ← θ − lr/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
type AdamW struct{ Adam }

// NewAdamW returns AdamW over params.
func NewAdamW(params []*tensor.Tensor, cfg AdamWConfig) *AdamW {
	return NewAdamWGroups(oneGroup(params), cfg)
}

// NewAdamWGroups returns AdamW over groups; a group's zero LR or WeightDecay
// falls back to cfg's.
func NewAdamWGroups(groups []Group, cfg AdamWConfig) *AdamW {
	wd := 1e-2
	if cfg.WeightDecay != nil {
		wd = *cfg.WeightDecay
	}
	c := AdamConfig{LR: cfg.LR, Beta1: cfg.Beta1, Beta2: cfg.Beta2, Eps: cfg.Eps,
		WeightDecay: wd, AMSGrad: cfg.AMSGrad, Maximize: cfg.Maximize}.withDefaults()
	return &AdamW{Adam{base: newBase(groups, c.LR, c.WeightDecay), cfg: c, decoupled: true}}
}
