package sched

import (
	"fmt"
	"math"

	"github.com/nervelab/nerve/optim"
)

// OneCycleConfig configures OneCycleLR. The zero value of each field is
// PyTorch's default; optim.Zero gives 0 where 0 is legal.
type OneCycleConfig struct {
	MaxLR      float64   // peak rate of every group; required unless MaxLRs is set
	MaxLRs     []float64 // peak rate per group, overriding MaxLR
	TotalSteps int       // required: epochs × batches per epoch

	PctStart       float64 // share of the steps spent rising, default 0.3
	LinearAnneal   bool    // anneal linearly (anneal_strategy='linear'), not along a cosine
	DivFactor      float64 // initial rate = peak/DivFactor, default 25
	FinalDivFactor float64 // final rate = initial/FinalDivFactor, default 1e4
	ThreePhase     bool    // fall back to the initial rate before annealing to the final one

	NoCycleMomentum bool    // leave momentum alone (cycle_momentum=False)
	BaseMomentum    float64 // momentum at the peak rate, default 0.85
	MaxMomentum     float64 // momentum at the initial and final rates, default 0.95
}

type oneCycle struct {
	opt   Optimizer
	cfg   OneCycleConfig
	peaks []float64 // peak rate per group
	step  int
}

// NewOneCycleLR is Smith's 1cycle policy, as
// torch.optim.lr_scheduler.OneCycleLR, stepped after every batch. With
// initial = peak/DivFactor and final = initial/FinalDivFactor, the rate
// rises from initial to peak over the first PctStart·TotalSteps steps and
// then anneals to final by step TotalSteps − 1; with ThreePhase it falls
// back to initial over as many steps again before annealing to final.
// Annealing follows a cosine, end + (start − end)·(1 + cos(π·pct))/2, or a
// line with LinearAnneal. Momentum moves the opposite way, between
// MaxMomentum and BaseMomentum, on an optimizer that implements
// MomentumSetter (see the package doc).
//
// It panics without a positive TotalSteps and peak rate, with MaxLRs of
// another length than the optimizer's groups, or with PctStart outside
// [0, 1].
func NewOneCycleLR(opt Optimizer, cfg OneCycleConfig) Scheduler {
	n := len(opt.Groups())
	peaks := cfg.MaxLRs
	if peaks == nil {
		peaks = make([]float64, n)
		for k := range peaks {
			peaks[k] = cfg.MaxLR
		}
	}
	if len(peaks) != n || cfg.TotalSteps <= 0 || smallest(peaks) <= 0 {
		panic(fmt.Sprintf("sched: OneCycleLR needs TotalSteps > 0 and a positive peak rate for each of %d groups, got %d and %v",
			n, cfg.TotalSteps, peaks))
	}
	cfg.PctStart = optim.OrDefault(cfg.PctStart, 0.3)
	cfg.DivFactor = optim.OrDefault(cfg.DivFactor, 25)
	cfg.FinalDivFactor = optim.OrDefault(cfg.FinalDivFactor, 1e4)
	cfg.BaseMomentum = optim.OrDefault(cfg.BaseMomentum, 0.85)
	cfg.MaxMomentum = optim.OrDefault(cfg.MaxMomentum, 0.95)
	if cfg.PctStart < 0 || cfg.PctStart > 1 {
		panic(fmt.Sprintf("sched: OneCycleLR needs 0 ≤ PctStart ≤ 1, got %v", cfg.PctStart))
	}
	o := &oneCycle{opt: opt, cfg: cfg, peaks: append([]float64(nil), peaks...)}
	o.apply()
	return o
}

func smallest(xs []float64) float64 {
	m := math.Inf(1)
	for _, x := range xs {
		m = math.Min(m, x)
	}
	return m
}

func (o *oneCycle) anneal(start, end, pct float64) float64 {
	if o.cfg.LinearAnneal {
		return (end-start)*pct + start
	}
	return end + (start-end)/2*(math.Cos(math.Pi*pct)+1)
}

// at returns the rate and momentum of step s for a group peaking at peak,
// walking the phases as PyTorch's get_lr does.
func (o *oneCycle) at(s int, peak float64) (lr, mom float64) {
	c := o.cfg
	initial := peak / c.DivFactor
	final := initial / c.FinalDivFactor
	n := float64(c.TotalSteps)
	type phase struct{ end, lr0, lr1, m0, m1 float64 }
	phases := []phase{
		{c.PctStart*n - 1, initial, peak, c.MaxMomentum, c.BaseMomentum},
		{n - 1, peak, final, c.BaseMomentum, c.MaxMomentum},
	}
	if c.ThreePhase {
		phases = []phase{
			phases[0],
			{2*c.PctStart*n - 2, peak, initial, c.BaseMomentum, c.MaxMomentum},
			{n - 1, initial, final, c.MaxMomentum, c.MaxMomentum},
		}
	}
	start := 0.0
	for i, p := range phases {
		if float64(s) <= p.end || i == len(phases)-1 {
			pct := (float64(s) - start) / (p.end - start)
			lr, mom = o.anneal(p.lr0, p.lr1, pct), o.anneal(p.m0, p.m1, pct)
			break
		}
		start = p.end
	}
	return lr, mom
}

func (o *oneCycle) apply() {
	var mom float64
	for k, g := range o.opt.Groups() {
		g.LR, mom = o.at(o.step, o.peaks[k])
	}
	if ms, ok := o.opt.(MomentumSetter); ok && !o.cfg.NoCycleMomentum {
		ms.SetMomentum(mom)
	}
}

// Step advances one batch. It panics when stepped more than TotalSteps
// times, as PyTorch raises.
func (o *oneCycle) Step() {
	if o.step+1 > o.cfg.TotalSteps {
		panic(fmt.Sprintf("sched: OneCycleLR stepped %d times with TotalSteps %d", o.step+1, o.cfg.TotalSteps))
	}
	o.step++
	o.apply()
}

// LR returns the first group's current learning rate.
func (o *oneCycle) LR() float64 { return o.opt.Groups()[0].LR }

// PerBatch is true: OneCycleLR steps after every batch.
func (o *oneCycle) PerBatch() bool { return true }

// State returns the step counter.
func (o *oneCycle) State() State { return State{LastEpoch: o.step} }

// LoadState restores a State and applies that step's rates and momentum.
func (o *oneCycle) LoadState(s State) error {
	if s.LastEpoch < 0 || s.LastEpoch > o.cfg.TotalSteps {
		return fmt.Errorf("sched: OneCycleLR state at step %d of %d", s.LastEpoch, o.cfg.TotalSteps)
	}
	o.step = s.LastEpoch
	o.apply()
	return nil
}
