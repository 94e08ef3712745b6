package sched

import (
	"fmt"
	"math"

	"github.com/nervelab/nerve/optim"
)

// PlateauConfig configures ReduceLROnPlateau. The zero value of each field
// is PyTorch's default; optim.Zero gives 0 where 0 is legal.
type PlateauConfig struct {
	Max          bool    // the metric should rise (mode='max'); default 'min'
	Factor       float64 // rate multiplier on a plateau, in [0, 1), default 0.1
	Patience     int     // epochs without improvement tolerated, default 10
	NoPatience   bool    // patience 0: reduce after every epoch without improvement
	Threshold    float64 // least improvement that counts, default 1e-4
	AbsThreshold bool    // threshold_mode='abs': improve by Threshold, not by a Threshold share
	Cooldown     int     // epochs to wait after a reduction, default 0
	MinLR        float64 // lowest rate of every group, default 0
	Eps          float64 // smallest change applied, default 1e-8
}

// ReduceLROnPlateau multiplies each group's rate by Factor (not below
// MinLR) once the monitored metric has not improved for more than Patience
// epochs, as torch.optim.lr_scheduler.ReduceLROnPlateau. A metric a
// improves on the best b when, in mode min, a < b·(1 − Threshold), or
// a < b − Threshold with AbsThreshold (mode max: a > b·(1 + Threshold),
// a > b + Threshold). After a reduction it ignores Cooldown epochs. A
// change smaller than Eps is not applied.
//
// It is stepped per epoch with the metric, Step(validationLoss), and so
// has no Step(); otherwise it has the methods of Scheduler.
type ReduceLROnPlateau struct {
	opt                  Optimizer
	cfg                  PlateauConfig
	best                 float64
	bad, cooldown, epoch int
}

// NewReduceLROnPlateau returns the schedule. It panics unless
// 0 ≤ Factor < 1, as PyTorch raises.
func NewReduceLROnPlateau(opt Optimizer, cfg PlateauConfig) *ReduceLROnPlateau {
	cfg.Factor = optim.OrDefault(cfg.Factor, 0.1)
	if cfg.Patience == 0 && !cfg.NoPatience {
		cfg.Patience = 10
	}
	cfg.Threshold = optim.OrDefault(cfg.Threshold, 1e-4)
	cfg.MinLR = optim.OrDefault(cfg.MinLR, 0)
	cfg.Eps = optim.OrDefault(cfg.Eps, 1e-8)
	if cfg.Factor >= 1 || cfg.Factor < 0 {
		panic(fmt.Sprintf("sched: ReduceLROnPlateau needs 0 ≤ Factor < 1, got %v", cfg.Factor))
	}
	r := &ReduceLROnPlateau{opt: opt, cfg: cfg}
	r.best = r.worst()
	return r
}

// worst is PyTorch's mode_worse, the best metric before any is seen.
func (r *ReduceLROnPlateau) worst() float64 {
	if r.cfg.Max {
		return math.Inf(-1)
	}
	return math.Inf(1)
}

func (r *ReduceLROnPlateau) better(a float64) bool {
	c := r.cfg
	switch {
	case !c.Max && !c.AbsThreshold:
		return a < r.best*(1-c.Threshold)
	case !c.Max:
		return a < r.best-c.Threshold
	case !c.AbsThreshold:
		return a > r.best*(c.Threshold+1)
	}
	return a > r.best+c.Threshold
}

// Step records one epoch's metric and reduces the rates if the metric has
// plateaued.
func (r *ReduceLROnPlateau) Step(metric float64) {
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
		for _, g := range r.opt.Groups() {
			if nl := math.Max(g.LR*r.cfg.Factor, r.cfg.MinLR); g.LR-nl > r.cfg.Eps {
				g.LR = nl
			}
		}
		r.cooldown, r.bad = r.cfg.Cooldown, 0
	}
}

// LR returns the first group's current learning rate.
func (r *ReduceLROnPlateau) LR() float64 { return r.opt.Groups()[0].LR }

// PerBatch is false: step once per epoch, after validation.
func (r *ReduceLROnPlateau) PerBatch() bool { return false }

// State returns the best metric, the counters and the epoch.
func (r *ReduceLROnPlateau) State() State {
	s := State{LastEpoch: r.epoch, NumBadEpochs: r.bad, CooldownCounter: r.cooldown}
	if !math.IsInf(r.best, 0) {
		b := r.best
		s.Best = &b
	}
	return s
}

// LoadState restores a State.
func (r *ReduceLROnPlateau) LoadState(s State) error {
	if s.LastEpoch < 0 || s.NumBadEpochs < 0 || s.CooldownCounter < 0 {
		return fmt.Errorf("sched: ReduceLROnPlateau state with negative counters: %+v", s)
	}
	r.best = r.worst()
	if s.Best != nil {
		r.best = *s.Best
	}
	r.epoch, r.bad, r.cooldown = s.LastEpoch, s.NumBadEpochs, s.CooldownCounter
	return nil
}
