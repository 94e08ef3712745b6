package sched_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/nervelab/nerve/optim"
	"github.com/nervelab/nerve/optim/sched"
	"github.com/nervelab/nerve/tensor"
)

// Comparison against PyTorch 1.13. testdata/sched.json is written by
// testdata/gen_sched.py at the repository root (/usr/bin/python3
// testdata/gen_sched.py); go test only reads it.

type schedCase struct {
	Name, Kind string
	Cfg        json.RawMessage
	LRs        [][]float64 // [step][group]
	Moms       []float64
	Metrics    []float64
}

type schedFile struct {
	GroupLRs []float64 `json:"group_lrs"`
	Cases    []schedCase
}

func loadCases(t *testing.T) schedFile {
	t.Helper()
	b, err := os.ReadFile("testdata/sched.json")
	if err != nil {
		t.Fatal(err)
	}
	var f schedFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// newSGD returns an SGD with momentum 0.9 and one group per rate, as the
// generator builds.
func newSGD(lrs []float64) *optim.SGD {
	var gs []optim.Group
	for _, lr := range lrs {
		gs = append(gs, optim.Group{Params: []*tensor.Tensor{tensor.Zeros(1).SetRequiresGrad(true)}, LR: lr})
	}
	return optim.NewSGDGroups(gs, optim.SGDConfig{LR: lrs[0], Momentum: 0.9})
}

// resumable is what Scheduler and ReduceLROnPlateau share for resuming.
type resumable interface {
	State() sched.State
	LoadState(sched.State) error
}

// build makes the case's schedule over o and returns a function that steps
// it at step i.
func build(t *testing.T, c schedCase, o sched.Optimizer) (step func(i int), r resumable) {
	t.Helper()
	dec := func(v any) {
		if err := json.Unmarshal(c.Cfg, v); err != nil {
			t.Fatal(err)
		}
	}
	var s sched.Scheduler
	switch c.Kind {
	case "step":
		var cfg sched.StepConfig
		dec(&cfg)
		s = sched.NewStepLR(o, cfg)
	case "multistep":
		var cfg sched.MultiStepConfig
		dec(&cfg)
		s = sched.NewMultiStepLR(o, cfg)
	case "exponential":
		var cfg struct{ Gamma float64 }
		dec(&cfg)
		s = sched.NewExponentialLR(o, cfg.Gamma)
	case "cosine":
		var cfg sched.CosineConfig
		dec(&cfg)
		s = sched.NewCosineAnnealingLR(o, cfg)
	case "linear":
		var cfg sched.LinearConfig
		dec(&cfg)
		s = sched.NewLinearLR(o, cfg)
	case "onecycle":
		var cfg sched.OneCycleConfig
		dec(&cfg)
		s = sched.NewOneCycleLR(o, cfg)
	case "plateau":
		var cfg sched.PlateauConfig
		dec(&cfg)
		p := sched.NewReduceLROnPlateau(o, cfg)
		return func(i int) { p.Step(c.Metrics[i]) }, p
	default:
		t.Fatalf("unknown kind %q", c.Kind)
	}
	return func(int) { s.Step() }, s
}

func momentum(t *testing.T, o optim.Optimizer) float64 {
	t.Helper()
	st, err := o.State()
	if err != nil || st.Momentum == nil {
		t.Fatalf("no momentum in state: %v", err)
	}
	return *st.Momentum
}

func TestSchedulesMatchPyTorch(t *testing.T) {
	f := loadCases(t)
	if len(f.Cases) < 20 {
		t.Fatalf("only %d cases", len(f.Cases))
	}
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			o := newSGD(f.GroupLRs)
			step, _ := build(t, c, o)
			for i, want := range c.LRs {
				for k, g := range o.Groups() {
					if math.Abs(g.LR-want[k]) > 1e-12*math.Max(1e-3, math.Abs(want[k])) {
						t.Fatalf("step %d group %d: lr %.17g, PyTorch %.17g", i, k, g.LR, want[k])
					}
				}
				if m := momentum(t, o); math.Abs(m-c.Moms[i]) > 1e-12 {
					t.Fatalf("step %d: momentum %.17g, PyTorch %.17g", i, m, c.Moms[i])
				}
				step(i)
			}
		})
	}
}

// Saving a schedule and its optimizer after 7 steps, through JSON, and
// loading both into fresh ones continues with the same rates.
func TestStateResumes(t *testing.T) {
	f := loadCases(t)
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			o := newSGD(f.GroupLRs)
			step, s := build(t, c, o)
			for i := range 7 {
				step(i)
			}
			b, err := json.Marshal(s.State())
			if err != nil {
				t.Fatal(err)
			}
			ost, _ := o.State()
			ob, err := json.Marshal(ost)
			if err != nil {
				t.Fatal(err)
			}

			o2 := newSGD(f.GroupLRs)
			step2, s2 := build(t, c, o2)
			var st sched.State
			var ost2 optim.State
			if err := json.Unmarshal(b, &st); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(ob, &ost2); err != nil {
				t.Fatal(err)
			}
			if err := o2.LoadState(&ost2); err != nil {
				t.Fatal(err)
			}
			if err := s2.LoadState(st); err != nil {
				t.Fatal(err)
			}
			for i := 7; i < len(c.LRs)-1; i++ {
				step(i)
				step2(i)
				for k := range o.Groups() {
					if a, b := o.Groups()[k].LR, o2.Groups()[k].LR; a != b {
						t.Fatalf("step %d group %d: resumed lr %v, uninterrupted %v", i, k, b, a)
					}
				}
				if a, b := momentum(t, o), momentum(t, o2); a != b {
					t.Fatalf("step %d: resumed momentum %v, uninterrupted %v", i, b, a)
				}
			}
		})
	}
}

func TestLoadStateRejectsOtherGroups(t *testing.T) {
	s := sched.NewStepLR(newSGD([]float64{0.1, 0.2}), sched.StepConfig{StepSize: 2})
	s3 := sched.NewStepLR(newSGD([]float64{0.1, 0.2, 0.3}), sched.StepConfig{StepSize: 2})
	if err := s3.LoadState(s.State()); err == nil {
		t.Fatal("a two-group state loaded into a three-group schedule")
	}
}

func TestPerBatch(t *testing.T) {
	o := newSGD([]float64{1})
	per := map[string]bool{
		"StepLR":            sched.NewStepLR(o, sched.StepConfig{StepSize: 2}).PerBatch(),
		"MultiStepLR":       sched.NewMultiStepLR(o, sched.MultiStepConfig{}).PerBatch(),
		"ExponentialLR":     sched.NewExponentialLR(o, 0.9).PerBatch(),
		"CosineAnnealingLR": sched.NewCosineAnnealingLR(o, sched.CosineConfig{TMax: 3}).PerBatch(),
		"LinearLR":          sched.NewLinearLR(o, sched.LinearConfig{}).PerBatch(),
		"ReduceLROnPlateau": sched.NewReduceLROnPlateau(o, sched.PlateauConfig{}).PerBatch(),
	}
	for name, pb := range per {
		if pb {
			t.Errorf("%s steps per batch", name)
		}
	}
	if !sched.NewOneCycleLR(o, sched.OneCycleConfig{MaxLR: 1, TotalSteps: 10}).PerBatch() {
		t.Error("OneCycleLR steps per epoch")
	}
}

// OneCycleLR cycles Adam's β₁ as PyTorch does (group["betas"][0]) and
// leaves an optimizer without momentum alone.
func TestOneCycleMomentumOnAdamAndAdagrad(t *testing.T) {
	p := tensor.Zeros(1).SetRequiresGrad(true)
	adam := optim.NewAdam([]*tensor.Tensor{p}, optim.AdamConfig{})
	s := sched.NewOneCycleLR(adam, sched.OneCycleConfig{MaxLR: 1, TotalSteps: 10})
	if m := momentum(t, adam); m != 0.95 {
		t.Fatalf("β₁ at step 0: %v, want 0.95", m)
	}
	s.Step()
	if m := momentum(t, adam); math.Abs(m-0.9) > 1e-12 { // halfway up the first phase
		t.Fatalf("β₁ at step 1: %v, want 0.9", m)
	}
	ada := optim.NewAdagrad([]*tensor.Tensor{p}, optim.AdagradConfig{})
	sched.NewOneCycleLR(ada, sched.OneCycleConfig{MaxLR: 1, TotalSteps: 10}).Step()
	if want := (1 + 1.0/25) / 2; math.Abs(ada.LR()-want) > 1e-12 {
		t.Fatalf("Adagrad lr at step 1: %v, want %v", ada.LR(), want)
	}
}

func TestOneCyclePanicsPastTotalSteps(t *testing.T) {
	s := sched.NewOneCycleLR(newSGD([]float64{1}), sched.OneCycleConfig{MaxLR: 1, TotalSteps: 3})
	for range 3 {
		s.Step() // PyTorch allows total_steps steps after construction
	}
	defer func() {
		if recover() == nil {
			t.Fatal("no panic on step TotalSteps+1")
		}
	}()
	s.Step()
}

func TestBadConfigsPanic(t *testing.T) {
	o := newSGD([]float64{1, 2})
	for name, f := range map[string]func(){
		"StepLR StepSize 0":         func() { sched.NewStepLR(o, sched.StepConfig{}) },
		"Cosine TMax 0":             func() { sched.NewCosineAnnealingLR(o, sched.CosineConfig{}) },
		"Linear StartFactor Zero":   func() { sched.NewLinearLR(o, sched.LinearConfig{StartFactor: optim.Zero}) },
		"Linear EndFactor 2":        func() { sched.NewLinearLR(o, sched.LinearConfig{EndFactor: 2}) },
		"OneCycle no TotalSteps":    func() { sched.NewOneCycleLR(o, sched.OneCycleConfig{MaxLR: 1}) },
		"OneCycle MaxLRs length":    func() { sched.NewOneCycleLR(o, sched.OneCycleConfig{MaxLRs: []float64{1}, TotalSteps: 5}) },
		"OneCycle PctStart above 1": func() { sched.NewOneCycleLR(o, sched.OneCycleConfig{MaxLR: 1, TotalSteps: 5, PctStart: 1.5}) },
		"Plateau Factor 1":          func() { sched.NewReduceLROnPlateau(o, sched.PlateauConfig{Factor: 1}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func ExampleNewStepLR() {
	p := tensor.Zeros(1).SetRequiresGrad(true)
	opt := optim.NewSGD([]*tensor.Tensor{p}, optim.SGDConfig{LR: 0.1})
	s := sched.NewStepLR(opt, sched.StepConfig{StepSize: 2, Gamma: 0.5})
	for epoch := 0; epoch < 5; epoch++ {
		fmt.Printf("epoch %d: lr %.3f\n", epoch, opt.LR())
		s.Step()
	}
	// Output:
	// epoch 0: lr 0.100
	// epoch 1: lr 0.100
	// epoch 2: lr 0.050
	// epoch 3: lr 0.050
	// epoch 4: lr 0.025
}

// A training loop that steps any schedule at the right place: OneCycleLR
// after every batch, the others after every epoch. The values are
// PyTorch's.
func ExampleScheduler() {
	p := tensor.Zeros(1).SetRequiresGrad(true)
	opt := optim.NewSGD([]*tensor.Tensor{p}, optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	const epochs, batches = 3, 4
	var s sched.Scheduler = sched.NewOneCycleLR(opt, sched.OneCycleConfig{MaxLR: 0.5, TotalSteps: epochs * batches})
	for epoch := 0; epoch < epochs; epoch++ {
		fmt.Printf("epoch %d: lr %.4f\n", epoch, s.LR())
		for batch := 0; batch < batches; batch++ {
			// … forward, backward, opt.Step() …
			if s.PerBatch() {
				s.Step()
			}
		}
		if !s.PerBatch() {
			s.Step()
		}
	}
	// Output:
	// epoch 0: lr 0.0200
	// epoch 1: lr 0.4665
	// epoch 2: lr 0.1415
}
