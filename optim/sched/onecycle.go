package sched

import (
	"fmt"
	"math"
)

// OneCycleConfig configures OneCycleLR. Zero values are PyTorch's defaults.
type OneCycleConfig struct {
	MaxLR           float64 // required
	TotalSteps      int     // required: epochs × batches per epoch
	PctStart        float64 // share of steps spent rising, default 0.3
	LinearAnneal    bool    // anneal linearly instead of along a cosine
	DivFactor       float64 // initial lr = MaxLR/DivFactor, default 25
	FinalDivFactor  float64 // final lr = initial/FinalDivFactor, default 1e4
	BaseMomentum    float64 // default 0.85
	MaxMomentum     float64 // default 0.95
	NoCycleMomentum bool    // keep the momentum fixed
}

type oneCycle struct {
	opt  Optimizer
	cfg  OneCycleConfig
	step int
}

// NewOneCycleLR is Smith's 1cycle policy, stepped after every batch: the lr
// rises from MaxLR/DivFactor to MaxLR over the first PctStart of the steps,
// then anneals to initial/FinalDivFactor; momentum moves the opposite way
// between MaxMomentum and BaseMomentum when the optimizer implements
// MomentumSetter. The two-phase form (three_phase=False) of PyTorch's
// OneCycleLR. It panics without MaxLR or TotalSteps.
func NewOneCycleLR(opt Optimizer, cfg OneCycleConfig) Scheduler {
	if cfg.MaxLR <= 0 || cfg.TotalSteps <= 0 {
		panic(fmt.Sprintf("sched: OneCycleLR needs MaxLR > 0 and TotalSteps > 0, got %v and %d", cfg.MaxLR, cfg.TotalSteps))
	}
	cfg.PctStart = orF(cfg.PctStart, 0.3)
	cfg.DivFactor = orF(cfg.DivFactor, 25)
	cfg.FinalDivFactor = orF(cfg.FinalDivFactor, 1e4)
	cfg.BaseMomentum = orF(cfg.BaseMomentum, 0.85)
	cfg.MaxMomentum = orF(cfg.MaxMomentum, 0.95)
	o := &oneCycle{opt: opt, cfg: cfg}
	o.apply()
	return o
}

func (o *oneCycle) anneal(start, end, pct float64) float64 {
	if o.cfg.LinearAnneal {
		return (end-start)*pct + start
	}
	return end + (start-end)/2*(math.Cos(math.Pi*pct)+1)
}

// values returns the lr and momentum of the current step.
func (o *oneCycle) values() (lr, mom float64) {
	c := o.cfg
	initial := c.MaxLR / c.DivFactor
	minLR := initial / c.FinalDivFactor
	mid := c.PctStart*float64(c.TotalSteps) - 1
	end := float64(c.TotalSteps - 1)
	s := float64(o.step)
	if s <= mid {
		pct := s / mid
		return o.anneal(initial, c.MaxLR, pct), o.anneal(c.MaxMomentum, c.BaseMomentum, pct)
	}
	pct := (s - mid) / (end - mid)
	return o.anneal(c.MaxLR, minLR, pct), o.anneal(c.BaseMomentum, c.MaxMomentum, pct)
}

func (o *oneCycle) apply() {
	lr, mom := o.values()
	o.opt.SetLR(lr)
	if ms, ok := o.opt.(MomentumSetter); ok && !o.cfg.NoCycleMomentum {
		ms.SetMomentum(mom)
	}
}

// Step advances one batch. It panics past TotalSteps, as PyTorch raises.
func (o *oneCycle) Step() {
	if o.step+1 > o.cfg.TotalSteps {
		panic(fmt.Sprintf("sched: OneCycleLR stepped %d times with TotalSteps %d", o.step+1, o.cfg.TotalSteps))
	}
	o.step++
	o.apply()
}

// LR returns the optimizer's current learning rate.
func (o *oneCycle) LR() float64 { return o.opt.LR() }

// Momentum returns the momentum of the current step (applied only to
// optimizers that implement MomentumSetter).
func (o *oneCycle) Momentum() float64 { _, m := o.values(); return m }

// PerBatch is true: OneCycleLR steps after every batch.
func (o *oneCycle) PerBatch() bool { return true }

// State returns the step counter.
func (o *oneCycle) State() map[string]float64 {
	return map[string]float64{"last_epoch": float64(o.step)}
}

// LoadState restores a State and re-applies that step's values.
func (o *oneCycle) LoadState(s map[string]float64) error {
	e, ok := s["last_epoch"]
	if !ok {
		return fmt.Errorf("sched: state lacks last_epoch")
	}
	o.step = int(e)
	o.apply()
	return nil
}

// PlateauConfig configures ReduceLROnPlateau. Zero values are PyTorch's
// defaults except where noted.
type PlateauConfig struct {
	Max          bool    // the metric should rise (mode='max'); default 'min'
	Factor       float64 // lr multiplier, default 0.1
	Patience     int     // bad epochs tolerated, default 10; use NoPatience for 0
	NoPatience   bool    // patience 0: reduce after every epoch without improvement
	Threshold    float64 // default 1e-4
	AbsThreshold bool    // threshold_mode='abs' (default 'rel')
	Cooldown     int     // epochs to wait after a reduction, default 0
	MinLR        float64 // default 0
	Eps          float64 // smallest change applied, default 1e-8
}

// ReduceLROnPlateau multiplies the lr by Factor once the monitored metric
// has not improved (by more than Threshold) for more than Patience epochs.
type ReduceLROnPlateau struct {
	opt                  Optimizer
	cfg                  PlateauConfig
	best                 float64
	bad, cooldown, epoch int
}

// NewReduceLROnPlateau returns the schedule; call StepMetric after each
// epoch's validation.
func NewReduceLROnPlateau(opt Optimizer, cfg PlateauConfig) *ReduceLROnPlateau {
	cfg.Factor = orF(cfg.Factor, 0.1)
	if cfg.Patience == 0 && !cfg.NoPatience {
		cfg.Patience = 10
	}
	cfg.Threshold = orF(cfg.Threshold, 1e-4)
	cfg.Eps = orF(cfg.Eps, 1e-8)
	if cfg.Factor >= 1 {
		panic("sched: ReduceLROnPlateau factor should be < 1.0")
	}
	best := math.Inf(1)
	if cfg.Max {
		best = math.Inf(-1)
	}
	return &ReduceLROnPlateau{opt: opt, cfg: cfg, best: best}
}

func (r *ReduceLROnPlateau) better(a float64) bool {
	c := r.cfg
	switch {
	case !c.Max && !c.AbsThreshold:
		return a < r.best*(1-c.Threshold)
	case !c.Max:
		return a < r.best-c.Threshold
	case !c.AbsThreshold:
		return a > r.best*(1+c.Threshold)
	}
	return a > r.best+c.Threshold
}

// StepMetric records one epoch's metric and reduces the lr if it has
// plateaued.
func (r *ReduceLROnPlateau) StepMetric(metric float64) {
	r.epoch++
	if r.better(metric) {
		r.best, r.bad = metric, 0
	} else {
		r.bad++
	}
	if r.cooldown > 0 {
		r.cooldown--
		r.bad = 0
	}
	if r.bad > r.cfg.Patience {
		old := r.opt.LR()
		if nl := math.Max(old*r.cfg.Factor, r.cfg.MinLR); old-nl > r.cfg.Eps {
			r.opt.SetLR(nl)
		}
		r.cooldown, r.bad = r.cfg.Cooldown, 0
	}
}

// LR returns the optimizer's current learning rate.
func (r *ReduceLROnPlateau) LR() float64 { return r.opt.LR() }

// State returns the best metric, counters and epoch.
func (r *ReduceLROnPlateau) State() map[string]float64 {
	return map[string]float64{"best": r.best, "num_bad_epochs": float64(r.bad),
		"cooldown_counter": float64(r.cooldown), "last_epoch": float64(r.epoch)}
}

// LoadState restores a State.
func (r *ReduceLROnPlateau) LoadState(s map[string]float64) error {
	for _, k := range []string{"best", "num_bad_epochs", "cooldown_counter", "last_epoch"} {
		if _, ok := s[k]; !ok {
			return fmt.Errorf("sched: state lacks %s", k)
		}
	}
	r.best, r.bad, r.cooldown, r.epoch = s["best"], int(s["num_bad_epochs"]), int(s["cooldown_counter"]), int(s["last_epoch"])
	return nil
}
