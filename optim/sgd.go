package optim

import "github.com/nervelab/nerve/tensor"

// SGDConfig holds SGD's hyperparameters. The zero value is PyTorch's
// default, except that PyTorch 1.13 requires an lr: a zero LR means 1e-3
// (PyTorch 2's default); optim.Zero means 0.
type SGDConfig struct {
	LR          float64 // default 1e-3
	Momentum    float64 // μ, default 0
	Dampening   float64 // τ, default 0
	WeightDecay float64 // λ, L2 penalty added to the gradient, default 0
	Nesterov    bool
	Maximize    bool // ascend the objective instead
}

// SGD is stochastic gradient descent with optional momentum, as
// torch.optim.SGD. For each parameter θ with gradient ∇:
//
//	g ← ±∇ + λ·θ                               (− when Maximize)
//	b ← g on the first step, else μ·b + (1 − τ)·g
//	g ← g + μ·b if Nesterov, else b            (when μ ≠ 0)
//	θ ← θ − lr·g
//
// Buffer: "momentum_buffer" (b), once μ ≠ 0.
type SGD struct {
	base
	cfg SGDConfig
}

// NewSGD returns SGD over params. It panics if Nesterov is set with zero
// momentum or non-zero dampening, as PyTorch raises.
func NewSGD(params []*tensor.Tensor, cfg SGDConfig) *SGD {
	return NewSGDGroups(oneGroup(params), cfg)
}

// NewSGDGroups returns SGD over groups; a group's zero LR or WeightDecay
// takes cfg's value (see Group). It panics as NewSGD does.
func NewSGDGroups(groups []Group, cfg SGDConfig) *SGD {
	cfg.LR = OrDefault(cfg.LR, 1e-3)
	if cfg.Nesterov && (cfg.Momentum <= 0 || cfg.Dampening != 0) {
		panic("optim: NewSGD: Nesterov momentum requires a momentum and zero dampening")
	}
	o := &SGD{base: newBase("SGD", groups, cfg.LR, cfg.WeightDecay), cfg: cfg}
	o.momentum = &o.cfg.Momentum
	return o
}

// Step applies one SGD update.
func (o *SGD) Step() {
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

// fused runs Step's update for one parameter as a single kernel when the
// device offers it (the same bits as the composed path below).
func (o *SGD) fused(g *Group, i int, p, d *tensor.Tensor) bool {
	c := o.cfg
	a := tensor.SGDParams{LR: f32(g.LR), WeightDecay: f32(g.WeightDecay), Momentum: f32(c.Momentum),
		OneMinusDamp: f32(1 - c.Dampening), Nesterov: c.Nesterov, Maximize: c.Maximize}
	var b *tensor.Tensor
	if c.Momentum != 0 {
		var ok bool
		if b, ok = o.bufs[i]["momentum_buffer"]; !ok {
			b, a.First = tensor.ZerosLike(p), true
		}
	}
	if !tensor.FusedSGDStep(p, d, b, a) {
		return false
	}
	if a.First {
		o.bufs[i]["momentum_buffer"] = b
	}
	o.steps[i]++
	return true
}

// SetMomentum sets μ, as sched.OneCycleLR does when it cycles momentum.
// Like PyTorch, this turns momentum on for an SGD built without it.
func (o *SGD) SetMomentum(m float64) { o.cfg.Momentum = m }
