package optim

import "github.com/nervelab/nerve/tensor"

// AdagradConfig holds Adagrad's hyperparameters; the zero value is
// PyTorch's default (LR 1e-2, Eps 1e-10, no decay, accumulator 0).
type AdagradConfig struct {
	LR                      float64 // default 1e-2
	LRDecay                 float64
	WeightDecay             float64
	InitialAccumulatorValue float64
	Eps                     float64 // default 1e-10
	Maximize                bool
}

// Adagrad is Duchi et al.'s adaptive gradient method, as torch.optim.Adagrad:
//
//	g ← ±∇ + λ·θ
//	η ← lr / (1 + (t − 1)·LRDecay)
//	s ← s + g²                       (s starts at InitialAccumulatorValue)
//	θ ← θ − η · g / (√s + ε)
type Adagrad struct {
	base
	cfg AdagradConfig
}

// NewAdagrad returns Adagrad over params.
func NewAdagrad(params []*tensor.Tensor, cfg AdagradConfig) *Adagrad {
	return NewAdagradGroups(oneGroup(params), cfg)
}

// NewAdagradGroups returns Adagrad over groups; a group's zero LR or
// WeightDecay falls back to cfg's.
func NewAdagradGroups(groups []Group, cfg AdagradConfig) *Adagrad {
	cfg.LR = or(cfg.LR, 1e-2)
	cfg.Eps = or(cfg.Eps, 1e-10)
	return &Adagrad{base: newBase(groups, cfg.LR, cfg.WeightDecay), cfg: cfg}
}

// Step applies one Adagrad update.
func (o *Adagrad) Step() {
	c := o.cfg
	o.each(func(g *Group, i int, p, d *tensor.Tensor) {
		if c.Maximize {
			d = d.Neg()
		}
		if g.WeightDecay != 0 {
			d = d.Add(p.MulScalar(f32(g.WeightDecay)))
		}
		s := o.buf(i, "sum", p, f32(c.InitialAccumulatorValue))
		o.steps[i]++
		clr := g.LR / (1 + float64(o.steps[i]-1)*c.LRDecay)
		s.AddInPlace(d.Mul(d))
		std := s.Sqrt().AddScalar(f32(c.Eps))
		p.SubInPlace(d.Div(std).MulScalar(f32(clr)))
	})
}
