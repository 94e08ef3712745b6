// Package sched changes an optimizer's learning rate over training, as
// torch.optim.lr_scheduler does.
//
// # Use
//
//	opt := optim.NewSGD(params, optim.SGDConfig{LR: 0.1})
//	s := sched.NewStepLR(opt, sched.StepConfig{StepSize: 30})
//	for epoch := 0; epoch < 100; epoch++ {
//		train(…)  // uses opt.LR()
//		s.Step()  // once per epoch
//	}
//
// As in PyTorch, constructing a scheduler applies the value for epoch 0, and
// the schedules are computed step by step from the optimizer's current rate
// (PyTorch's chainable form), so values match PyTorch's to rounding.
// OneCycleLR steps per batch: PerBatch reports which. ReduceLROnPlateau
// steps with a metric (StepMetric).
//
// # Defaults
//
// Config structs' zero values are PyTorch's defaults where zero is not a
// meaningful value (gamma 0.1, factor 0.1, patience 10, …); each field says
// so.
package sched

import (
	"fmt"
	"math"
)

// Optimizer is what a schedule drives: the optim optimizers satisfy it.
type Optimizer interface {
	LR() float64
	SetLR(lr float64)
}

// MomentumSetter is implemented by optimizers whose momentum (or Adam's
// β₁) OneCycleLR can cycle. Optimizers without it keep their momentum.
type MomentumSetter interface{ SetMomentum(m float64) }

// Scheduler is a learning-rate schedule stepped once per epoch (or per
// batch when PerBatch says so).
type Scheduler interface {
	Step()
	LR() float64
	// PerBatch reports whether Step is meant to be called after every
	// batch (OneCycleLR) rather than every epoch.
	PerBatch() bool
	// State and LoadState save and restore the schedule's position, for
	// resuming training (the optimizer's own state holds the current lr).
	State() map[string]float64
	LoadState(map[string]float64) error
}

// chain is the shared machinery: the epoch counter and a rule computing the
// next lr from the current one.
type chain struct {
	opt   Optimizer
	base  float64 // the lr at construction (PyTorch's initial_lr)
	epoch int     // PyTorch's last_epoch
	next  func(epoch int, cur float64) float64
}

func newChain(opt Optimizer, next func(epoch int, cur float64) float64) *chain {
	c := &chain{opt: opt, base: opt.LR(), next: next}
	opt.SetLR(next(0, c.base))
	return c
}

// Step advances one epoch and sets the optimizer's learning rate.
func (c *chain) Step() {
	c.epoch++
	c.opt.SetLR(c.next(c.epoch, c.opt.LR()))
}

// LR returns the optimizer's current learning rate.
func (c *chain) LR() float64 { return c.opt.LR() }

// PerBatch is false: step once per epoch.
func (c *chain) PerBatch() bool { return false }

// State returns the epoch counter and the base learning rate.
func (c *chain) State() map[string]float64 {
	return map[string]float64{"last_epoch": float64(c.epoch), "base_lr": c.base}
}

// LoadState restores a State.
func (c *chain) LoadState(s map[string]float64) error {
	e, ok1 := s["last_epoch"]
	b, ok2 := s["base_lr"]
	if !ok1 || !ok2 {
		return fmt.Errorf("sched: state lacks last_epoch or base_lr")
	}
	c.epoch, c.base = int(e), b
	return nil
}

func orF(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// StepConfig configures StepLR.
type StepConfig struct {
	StepSize int     // required, > 0
	Gamma    float64 // default 0.1
}

// NewStepLR multiplies the lr by Gamma every StepSize epochs:
// lr = base·γ^⌊epoch/step⌋. It panics if StepSize ≤ 0.
func NewStepLR(opt Optimizer, cfg StepConfig) Scheduler {
	if cfg.StepSize <= 0 {
		panic(fmt.Sprintf("sched: StepLR needs a positive StepSize, got %d", cfg.StepSize))
	}
	g := orF(cfg.Gamma, 0.1)
	return newChain(opt, func(e int, cur float64) float64 {
		if e == 0 || e%cfg.StepSize != 0 {
			return cur
		}
		return cur * g
	})
}

// MultiStepConfig configures MultiStepLR.
type MultiStepConfig struct {
	Milestones []int   // epochs at which to decay
	Gamma      float64 // default 0.1
}

// NewMultiStepLR multiplies the lr by Gamma at each milestone epoch
// (repeated milestones multiply repeatedly).
func NewMultiStepLR(opt Optimizer, cfg MultiStepConfig) Scheduler {
	g := orF(cfg.Gamma, 0.1)
	return newChain(opt, func(e int, cur float64) float64 {
		for _, m := range cfg.Milestones {
			if m == e {
				cur *= g
			}
		}
		return cur
	})
}

// NewExponentialLR multiplies the lr by gamma every epoch: lr = base·γ^epoch.
func NewExponentialLR(opt Optimizer, gamma float64) Scheduler {
	return newChain(opt, func(e int, cur float64) float64 {
		if e == 0 {
			return cur
		}
		return cur * gamma
	})
}

// CosineConfig configures CosineAnnealingLR.
type CosineConfig struct {
	TMax   int     // half-period in epochs, required > 0
	EtaMin float64 // minimum lr, default 0
}

// NewCosineAnnealingLR anneals the lr along a cosine from its base value to
// EtaMin over TMax epochs (and back up over the next TMax, as PyTorch's
// recursive form does):
//
//	lr_e = η_min + (lr_{e−1} − η_min)·(1 + cos(πe/T))/(1 + cos(π(e−1)/T))
func NewCosineAnnealingLR(opt Optimizer, cfg CosineConfig) Scheduler {
	if cfg.TMax <= 0 {
		panic(fmt.Sprintf("sched: CosineAnnealingLR needs a positive TMax, got %d", cfg.TMax))
	}
	var c *chain
	T := float64(cfg.TMax)
	c = newChain(opt, func(e int, cur float64) float64 {
		switch {
		case e == 0:
			return cur
		case (e-1-cfg.TMax)%(2*cfg.TMax) == 0:
			return cur + (c.base-cfg.EtaMin)*(1-math.Cos(math.Pi/T))/2
		}
		return (1+math.Cos(math.Pi*float64(e)/T))/(1+math.Cos(math.Pi*float64(e-1)/T))*(cur-cfg.EtaMin) + cfg.EtaMin
	})
	return c
}

// LinearConfig configures LinearLR (linear warm-up).
type LinearConfig struct {
	StartFactor float64 // default 1/3
	EndFactor   float64 // default 1
	TotalIters  int     // default 5
}

// NewLinearLR scales the lr linearly from StartFactor·base to
// EndFactor·base over TotalIters epochs, then holds it: the usual warm-up.
func NewLinearLR(opt Optimizer, cfg LinearConfig) Scheduler {
	s, f := orF(cfg.StartFactor, 1.0/3), orF(cfg.EndFactor, 1)
	n := cfg.TotalIters
	if n == 0 {
		n = 5
	}
	return newChain(opt, func(e int, cur float64) float64 {
		switch {
		case e == 0:
			return cur * s
		case e > n:
			return cur
		}
		return cur * (1 + (f-s)/(float64(n)*s+float64(e-1)*(f-s)))
	})
}
