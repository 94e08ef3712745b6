package optim

import (
	"math"

	"github.com/nervelab/nerve/tensor"
)

// AdamConfig holds Adam's hyperparameters; the zero value is PyTorch's
// default (LR 1e-3, betas 0.9 and 0.999, Eps 1e-8, no weight decay).
type AdamConfig struct {
	LR          float64 // default 1e-3
	Beta1       float64 // default 0.9
	Beta2       float64 // default 0.999
	Eps         float64 // default 1e-8
	WeightDecay float64 // L2 penalty added to the gradient
	AMSGrad     bool
	Maximize    bool
}

func (c AdamConfig) withDefaults() AdamConfig {
	c.LR = or(c.LR, 1e-3)
	c.Beta1 = or(c.Beta1, 0.9)
	c.Beta2 = or(c.Beta2, 0.999)
	c.Eps = or(c.Eps, 1e-8)
	return c
}

func or(x, def float64) float64 {
	if x == 0 {
		return def
	}
	return x
}

// Adam is Kingma and Ba's Adam with L2 weight decay, as torch.optim.Adam:
//
//	g ← ±∇ + λ·θ
//	m ← β₁·m + (1 − β₁)·g
//	v ← β₂·v + (1 − β₂)·g²
//	v̂ ← max(v̂, v) if AMSGrad, else v
//	θ ← θ − lr/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
type Adam struct {
	base
	cfg       AdamConfig
	decoupled bool // AdamW: θ ← θ·(1 − lr·λ) instead of adding λ·θ to g
}

// NewAdam returns Adam over params.
func NewAdam(params []*tensor.Tensor, cfg AdamConfig) *Adam {
	return NewAdamGroups(oneGroup(params), cfg)
}

// NewAdamGroups returns Adam over groups; a group's zero LR or WeightDecay
// falls back to cfg's.
func NewAdamGroups(groups []Group, cfg AdamConfig) *Adam {
	cfg = cfg.withDefaults()
	return &Adam{base: newBase(groups, cfg.LR, cfg.WeightDecay), cfg: cfg}
}

// Step applies one Adam update.
func (o *Adam) Step() {
	c := o.cfg
	o.each(func(g *Group, i int, p, d *tensor.Tensor) {
		if c.Maximize {
			d = d.Neg()
		}
		if o.decoupled {
			p.MulScalarInPlace(f32(1 - g.LR*g.WeightDecay))
		} else if g.WeightDecay != 0 {
			d = d.Add(p.MulScalar(f32(g.WeightDecay)))
		}
		m := o.buf(i, "exp_avg", p, 0)
		v := o.buf(i, "exp_avg_sq", p, 0)
		o.steps[i]++
		t := float64(o.steps[i])
		m.MulScalarInPlace(f32(c.Beta1))
		m.AddInPlace(d.MulScalar(f32(1 - c.Beta1)))
		v.MulScalarInPlace(f32(c.Beta2))
		v.AddInPlace(d.Mul(d).MulScalar(f32(1 - c.Beta2)))
		if c.AMSGrad {
			vmax := o.buf(i, "max_exp_avg_sq", p, 0)
			vmax.CopyFrom(vmax.Maximum(v))
			v = vmax
		}
		bc1 := 1 - math.Pow(c.Beta1, t)
		bc2 := math.Sqrt(1 - math.Pow(c.Beta2, t))
		denom := v.Sqrt().DivScalar(f32(bc2)).AddScalar(f32(c.Eps))
		p.SubInPlace(m.Div(denom).MulScalar(f32(g.LR / bc1)))
	})
}

// SetMomentum sets β₁, the decay of the first-moment average, as PyTorch's
// OneCycleLR does for Adam when it cycles momentum.
func (o *Adam) SetMomentum(beta1 float64) { o.cfg.Beta1 = beta1 }
