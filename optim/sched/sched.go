package sched

import (
	"fmt"
	"math"

	"github.com/nervelab/nerve/optim"
)

// Optimizer is what a schedule drives: its parameter groups' learning
// rates. Every optimizer of package optim satisfies it.
type Optimizer interface{ Groups() []*optim.Group }

// MomentumSetter is implemented by optimizers whose momentum (or Adam's
// β₁) OneCycleLR cycles: optim.SGD, RMSprop, Adam and AdamW.
type MomentumSetter interface{ SetMomentum(m float64) }

// Scheduler is a learning-rate schedule stepped once per epoch, or once
// per batch when PerBatch says so.
type Scheduler interface {
	// Step advances the schedule by one epoch (or batch) and sets the
	// optimizer's rates.
	Step()
	// LR returns the first group's current learning rate.
	LR() float64
	// PerBatch reports whether Step is meant to be called after every
	// batch (OneCycleLR) rather than after every epoch.
	PerBatch() bool
	// State returns the schedule's position, for resuming.
	State() State
	// LoadState restores a State from the same schedule.
	LoadState(State) error
}

// State is a schedule's position, JSON-encodable. The optimizer's current
// rates are not in it: they are in the optimizer's own state.
type State struct {
	LastEpoch int       `json:"last_epoch"`         // steps taken
	BaseLRs   []float64 `json:"base_lrs,omitempty"` // each group's base rate

	// ReduceLROnPlateau only.
	Best            *float64 `json:"best,omitempty"` // nil before the first metric
	NumBadEpochs    int      `json:"num_bad_epochs,omitempty"`
	CooldownCounter int      `json:"cooldown_counter,omitempty"`
}

// chain is the machinery of the epoch schedules: the epoch counter, each
// group's base rate, and a rule that computes a group's next rate from its
// current one (PyTorch's recursive get_lr).
type chain struct {
	opt   Optimizer
	base  []float64 // PyTorch's base_lrs
	epoch int       // PyTorch's last_epoch
	next  func(epoch int, cur, base float64) float64
}

func newChain(opt Optimizer, next func(epoch int, cur, base float64) float64) *chain {
	c := &chain{opt: opt, next: next}
	for _, g := range opt.Groups() {
		c.base = append(c.base, g.LR)
	}
	c.apply()
	return c
}

func (c *chain) apply() {
	for k, g := range c.opt.Groups() {
		g.LR = c.next(c.epoch, g.LR, c.base[k])
	}
}

// Step advances one epoch and sets every group's learning rate.
func (c *chain) Step() {
	c.epoch++
	c.apply()
}

// LR returns the first group's current learning rate.
func (c *chain) LR() float64 { return c.opt.Groups()[0].LR }

// PerBatch is false: step once per epoch.
func (c *chain) PerBatch() bool { return false }

// State returns the epoch counter and the base rates.
func (c *chain) State() State {
	return State{LastEpoch: c.epoch, BaseLRs: append([]float64(nil), c.base...)}
}

// LoadState restores a State. It returns an error if the State has another
// number of groups.
func (c *chain) LoadState(s State) error {
	if len(s.BaseLRs) != len(c.base) || s.LastEpoch < 0 {
		return fmt.Errorf("sched: state has %d base rates and epoch %d, schedule %d groups",
			len(s.BaseLRs), s.LastEpoch, len(c.base))
	}
	c.epoch = s.LastEpoch
	copy(c.base, s.BaseLRs)
	return nil
}

// StepConfig configures StepLR.
type StepConfig struct {
	StepSize int     // epochs between decays, required > 0
	Gamma    float64 // decay factor, default 0.1
}

// NewStepLR multiplies each group's rate by Gamma every StepSize epochs,
// as torch.optim.lr_scheduler.StepLR: lr = base·γ^⌊epoch/StepSize⌋. It
// panics if StepSize ≤ 0.
func NewStepLR(opt Optimizer, cfg StepConfig) Scheduler {
	if cfg.StepSize <= 0 {
		panic(fmt.Sprintf("sched: StepLR needs a positive StepSize, got %d", cfg.StepSize))
	}
	g := optim.OrDefault(cfg.Gamma, 0.1)
	return newChain(opt, func(e int, cur, _ float64) float64 {
		if e == 0 || e%cfg.StepSize != 0 {
			return cur
		}
		return cur * g
	})
}

// MultiStepConfig configures MultiStepLR.
type MultiStepConfig struct {
	Milestones []int   // epochs at which to decay
	Gamma      float64 // decay factor, default 0.1
}

// NewMultiStepLR multiplies each group's rate by Gamma at each milestone
// epoch (by Gamma^k at a milestone listed k times), as
// torch.optim.lr_scheduler.MultiStepLR.
func NewMultiStepLR(opt Optimizer, cfg MultiStepConfig) Scheduler {
	g := optim.OrDefault(cfg.Gamma, 0.1)
	ms := append([]int(nil), cfg.Milestones...)
	return newChain(opt, func(e int, cur, _ float64) float64 {
		for _, m := range ms {
			if m == e {
				cur *= g
			}
		}
		return cur
	})
}

// NewExponentialLR multiplies each group's rate by gamma every epoch, as
// torch.optim.lr_scheduler.ExponentialLR: lr = base·γ^epoch.
func NewExponentialLR(opt Optimizer, gamma float64) Scheduler {
	return newChain(opt, func(e int, cur, _ float64) float64 {
		if e == 0 {
			return cur
		}
		return cur * gamma
	})
}

// CosineConfig configures CosineAnnealingLR.
type CosineConfig struct {
	TMax   int     // half-period in epochs, required > 0
	EtaMin float64 // lowest rate, default 0
}

// NewCosineAnnealingLR anneals each group's rate along a cosine from its
// base rate to EtaMin over TMax epochs, and back up over the next TMax, as
// torch.optim.lr_scheduler.CosineAnnealingLR. Like PyTorch 1.13's get_lr
// it computes each rate from the previous one,
//
//	lr_e = η_min + (lr_{e−1} − η_min)·(1 + cos(πe/T))/(1 + cos(π(e−1)/T))
//	lr_e = lr_{e−1} + (base − η_min)·(1 − cos(π/T))/2   when (e − 1 − T) mod 2T = 0
//
// which equals the closed form η_min + (base − η_min)·(1 + cos(πe/T))/2 up
// to rounding. It panics if TMax ≤ 0.
func NewCosineAnnealingLR(opt Optimizer, cfg CosineConfig) Scheduler {
	if cfg.TMax <= 0 {
		panic(fmt.Sprintf("sched: CosineAnnealingLR needs a positive TMax, got %d", cfg.TMax))
	}
	T, eta := float64(cfg.TMax), cfg.EtaMin
	return newChain(opt, func(e int, cur, base float64) float64 {
		switch {
		case e == 0:
			return cur
		case (e-1-cfg.TMax)%(2*cfg.TMax) == 0:
			return cur + (base-eta)*(1-math.Cos(math.Pi/T))/2
		}
		return (1+math.Cos(math.Pi*float64(e)/T))/(1+math.Cos(math.Pi*float64(e-1)/T))*(cur-eta) + eta
	})
}

// LinearConfig configures LinearLR.
type LinearConfig struct {
	StartFactor float64 // factor at epoch 0, in (0, 1], default 1/3
	EndFactor   float64 // factor from TotalIters on, in [0, 1], default 1
	TotalIters  int     // epochs of the ramp, default 5
}

// NewLinearLR scales each group's rate linearly from StartFactor·base to
// EndFactor·base over TotalIters epochs and then holds it, as
// torch.optim.lr_scheduler.LinearLR: the usual warm-up, or with
// StartFactor 1 and EndFactor optim.Zero a linear decay to 0. Like
// PyTorch 1.13 it computes each rate from the previous one:
//
//	lr_e = lr_{e−1}·(1 + (f − s)/(n·s + (e − 1)·(f − s)))   for 0 < e ≤ n
//
// It panics if a factor is out of range (a StartFactor of 0 would divide
// by zero in that form).
func NewLinearLR(opt Optimizer, cfg LinearConfig) Scheduler {
	s, f := optim.OrDefault(cfg.StartFactor, 1.0/3), optim.OrDefault(cfg.EndFactor, 1)
	n := cfg.TotalIters
	if n == 0 {
		n = 5
	}
	if s <= 0 || s > 1 || f < 0 || f > 1 || n < 0 {
		panic(fmt.Sprintf("sched: LinearLR needs 0 < StartFactor ≤ 1, 0 ≤ EndFactor ≤ 1, TotalIters ≥ 0; got %v, %v, %d", s, f, n))
	}
	return newChain(opt, func(e int, cur, _ float64) float64 {
		switch {
		case e == 0:
			return cur * s
		case e > n:
			return cur
		}
		return cur * (1 + (f-s)/(float64(n)*s+float64(e-1)*(f-s)))
	})
}
