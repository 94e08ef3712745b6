package optim

import "github.com/nervelab/nerve/tensor"

// RMSpropConfig holds RMSprop's hyperparameters. The zero value is
// PyTorch's default; a field's zero means its default, optim.Zero means 0.
type RMSpropConfig struct {
	LR          float64 // default 1e-2
	Alpha       float64 // α, default 0.99
	Eps         float64 // ε, default 1e-8
	WeightDecay float64 // λ, L2 penalty added to the gradient, default 0
	Momentum    float64 // μ, default 0
	Centered    bool
	Maximize    bool // ascend the objective instead
}

// RMSprop is Hinton's RMSprop, as torch.optim.RMSprop. For each parameter
// θ with gradient ∇:
//
//	g ← ±∇ + λ·θ                               (− when Maximize)
//	v ← α·v + (1 − α)·g²
//	ḡ ← α·ḡ + (1 − α)·g;  v̂ ← v − ḡ²           if Centered, else v̂ ← v
//	d ← g / (√v̂ + ε)
//	b ← μ·b + d;  θ ← θ − lr·b                 if μ > 0
//	θ ← θ − lr·d                               otherwise
//
// Buffers: "square_avg" (v), "grad_avg" (ḡ, Centered), "momentum_buffer"
// (b, μ > 0).
type RMSprop struct {
	base
	cfg RMSpropConfig
}

// NewRMSprop returns RMSprop over params.
func NewRMSprop(params []*tensor.Tensor, cfg RMSpropConfig) *RMSprop {
	return NewRMSpropGroups(oneGroup(params), cfg)
}

// NewRMSpropGroups returns RMSprop over groups; a group's zero LR or
// WeightDecay takes cfg's value (see Group).
func NewRMSpropGroups(groups []Group, cfg RMSpropConfig) *RMSprop {
	cfg.LR = OrDefault(cfg.LR, 1e-2)
	cfg.Alpha = OrDefault(cfg.Alpha, 0.99)
	cfg.Eps = OrDefault(cfg.Eps, 1e-8)
	o := &RMSprop{base: newBase("RMSprop", groups, cfg.LR, cfg.WeightDecay), cfg: cfg}
	o.momentum = &o.cfg.Momentum
	return o
}

// Step applies one RMSprop update.
func (o *RMSprop) Step() {
	c := o.cfg
	o.each(func(g *Group, i int, p, d *tensor.Tensor) {
		if fuse && o.fused(g, i, p, d) {
			return
		}
		if c.Maximize {
			d = d.Neg()
		}
		if g.WeightDecay != 0 {
			d = d.Add(p.MulScalar(f32(g.WeightDecay)))
		}
		o.steps[i]++
		v := o.buf(i, "square_avg", p, 0)
		v.MulScalarInPlace(f32(c.Alpha))
		v.AddInPlace(d.Mul(d).MulScalar(f32(1 - c.Alpha)))
		avg := v
		if c.Centered {
			ga := o.buf(i, "grad_avg", p, 0)
			ga.MulScalarInPlace(f32(c.Alpha))
			ga.AddInPlace(d.MulScalar(f32(1 - c.Alpha)))
			avg = v.Sub(ga.Mul(ga))
		}
		step := d.Div(avg.Sqrt().AddScalar(f32(c.Eps)))
		if c.Momentum > 0 {
			b := o.buf(i, "momentum_buffer", p, 0)
			b.MulScalarInPlace(f32(c.Momentum))
			b.AddInPlace(step)
			step = b
		}
		p.SubInPlace(step.MulScalar(f32(g.LR)))
	})
}

// SetMomentum sets μ, as sched.OneCycleLR does when it cycles momentum.
// Like PyTorch, this turns momentum on for an RMSprop built without it.
func (o *RMSprop) SetMomentum(m float64) { o.cfg.Momentum = m }

// fused runs the step through the device's fused kernel (the same bits
// as the composed ops above), and reports whether it could.
func (o *RMSprop) fused(g *Group, i int, p, d *tensor.Tensor) bool {
	c := o.cfg
	v := o.buf(i, "square_avg", p, 0)
	var ga, b *tensor.Tensor
	if c.Centered {
		ga = o.buf(i, "grad_avg", p, 0)
	}
	if c.Momentum > 0 {
		b = o.buf(i, "momentum_buffer", p, 0)
	}
	a := tensor.RMSpropParams{LR: f32(g.LR), WeightDecay: f32(g.WeightDecay), Alpha: f32(c.Alpha),
		OneMinusAlpha: f32(1 - c.Alpha), Eps: f32(c.Eps), Momentum: f32(c.Momentum), Maximize: c.Maximize}
	if !tensor.FusedRMSpropStep(p, d, v, ga, b, a) {
		return false
	}
	o.steps[i]++
	return true
}
