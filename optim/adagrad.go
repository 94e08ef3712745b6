package optim

import "github.com/nervelab/nerve/tensor"

// AdagradConfig holds Adagrad's hyperparameters. The zero value is
// PyTorch's default; a field's zero means its default, optim.Zero means 0.
type AdagradConfig struct {
	LR                      float64 // default 1e-2
	LRDecay                 float64 // default 0
	WeightDecay             float64 // λ, L2 penalty added to the gradient, default 0
	InitialAccumulatorValue float64 // s₀, default 0
	Eps                     float64 // ε, default 1e-10
	Maximize                bool    // ascend the objective instead
}

// Adagrad is Duchi et al.'s adaptive gradient method, as
// torch.optim.Adagrad. For each parameter θ with gradient ∇, at its t-th
// update:
//
//	g ← ±∇ + λ·θ                               (− when Maximize)
//	η ← lr / (1 + (t − 1)·LRDecay)
//	s ← s + g²                                 (s starts at s₀)
//	θ ← θ − η · g / (√s + ε)
//
// Buffer: "sum" (s).
type Adagrad struct {
	base
	cfg AdagradConfig
}

// NewAdagrad returns Adagrad over params.
func NewAdagrad(params []*tensor.Tensor, cfg AdagradConfig) *Adagrad {
	return NewAdagradGroups(oneGroup(params), cfg)
}

// NewAdagradGroups returns Adagrad over groups; a group's zero LR or
// WeightDecay takes cfg's value (see Group).
func NewAdagradGroups(groups []Group, cfg AdagradConfig) *Adagrad {
	cfg.LR = OrDefault(cfg.LR, 1e-2)
	cfg.Eps = OrDefault(cfg.Eps, 1e-10)
	return &Adagrad{base: newBase("Adagrad", groups, cfg.LR, cfg.WeightDecay), cfg: cfg}
}

// Step applies one Adagrad update.
func (o *Adagrad) Step() {
	c := o.cfg
	o.each(func(g *Group, i int, p, d *tensor.Tensor) {
		s := o.buf(i, "sum", p, f32(c.InitialAccumulatorValue))
		clr := g.LR / (1 + float64(o.steps[i])*c.LRDecay) // this step is the (steps+1)-th
		if fuse && tensor.FusedAdagradStep(p, d, s, tensor.AdagradParams{LR: f32(clr),
			WeightDecay: f32(g.WeightDecay), Eps: f32(c.Eps), Maximize: c.Maximize}) {
			o.steps[i]++
			return
		}
		if c.Maximize {
			d = d.Neg()
		}
		if g.WeightDecay != 0 {
			d = d.Add(p.MulScalar(f32(g.WeightDecay)))
		}
		o.steps[i]++
		s.AddInPlace(d.Mul(d))
		std := s.Sqrt().AddScalar(f32(c.Eps))
		p.SubInPlace(d.Div(std).MulScalar(f32(clr)))
	})
}
