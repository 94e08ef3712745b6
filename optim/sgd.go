package optim

import "github.com/nervelab/nerve/tensor"

// SGDConfig holds SGD's hyperparameters; the zero value is PyTorch's
// default except LR, which PyTorch 1.13 requires: a zero LR means 0.001.
type SGDConfig struct {
	LR          float64 // default 0.001
	Momentum    float64
	Dampening   float64
	WeightDecay float64
	Nesterov    bool
	Maximize    bool
}

// SGD is stochastic gradient descent with optional momentum, as PyTorch's
// torch.optim.SGD:
//
//	g ← ±∇ + λ·θ                      (− when Maximize, λ = WeightDecay)
//	b ← g (first step), else μ·b + (1 − τ)·g   (μ = Momentum, τ = Dampening)
//	g ← g + μ·b if Nesterov, else b    (when μ ≠ 0)
//	θ ← θ − lr·g
type SGD struct {
	base
	cfg SGDConfig
}

// NewSGD returns SGD over params. It panics if Nesterov is set with zero
// momentum or nonzero dampening, as PyTorch does.
func NewSGD(params []*tensor.Tensor, cfg SGDConfig) *SGD {
	return NewSGDGroups(oneGroup(params), cfg)
}

// NewSGDGroups returns SGD over groups; a group's zero LR or WeightDecay
// falls back to cfg's.
func NewSGDGroups(groups []Group, cfg SGDConfig) *SGD {
	if cfg.LR == 0 {
		cfg.LR = 1e-3
	}
	if cfg.Nesterov && (cfg.Momentum <= 0 || cfg.Dampening != 0) {
		panic("optim: NewSGD: Nesterov momentum requires a momentum and zero dampening")
	}
	return &SGD{base: newBase(groups, cfg.LR, cfg.WeightDecay), cfg: cfg}
}

// Step applies one SGD update.
func (o *SGD) Step() {
	c := o.cfg
	o.each(func(g *Group, i int, p, d *tensor.Tensor) {
		if c.Maximize {
			d = d.Neg()
		}
		if g.WeightDecay != 0 {
			d = d.Add(p.MulScalar(f32(g.WeightDecay)))
		}
		if c.Momentum != 0 {
			b, ok := o.bufs[i]["momentum_buffer"]
			if !ok {
				b = d.Clone()
				o.bufs[i]["momentum_buffer"] = b
			} else {
				b.MulScalarInPlace(f32(c.Momentum))
				b.AddInPlace(d.MulScalar(f32(1 - c.Dampening)))
			}
			if c.Nesterov {
				d = d.Add(b.MulScalar(f32(c.Momentum)))
			} else {
				d = b
			}
		}
		o.steps[i]++
		p.SubInPlace(d.MulScalar(f32(g.LR)))
	})
}

// SetMomentum sets the momentum μ (for schedules that cycle it, such as
// sched.OneCycleLR). It has effect only if the optimizer was built with
// momentum, since a momentum-free SGD keeps no buffer.
func (o *SGD) SetMomentum(m float64) {
	if o.cfg.Momentum != 0 {
		o.cfg.Momentum = m
	}
}
