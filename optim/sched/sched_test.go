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

type fakeOpt struct{ lr, mom float64 }

func (f *fakeOpt) LR() float64           { return f.lr }
func (f *fakeOpt) SetLR(lr float64)      { f.lr = lr }
func (f *fakeOpt) SetMomentum(m float64) { f.mom = m }

type schedCase struct {
	Name, Kind string
	Cfg        map[string]any
	LRs, Moms  []float64
	Metrics    []float64
}

func num(c map[string]any, k string) float64 {
	v, _ := c[k].(float64)
	return v
}

func build(c schedCase, o *fakeOpt) (step func(i int), oc sched.Scheduler) {
	cfg := c.Cfg
	var s sched.Scheduler
	switch c.Kind {
	case "step":
		s = sched.NewStepLR(o, sched.StepConfig{StepSize: int(num(cfg, "step_size")), Gamma: num(cfg, "gamma")})
	case "multistep":
		var ms []int
		for _, m := range cfg["milestones"].([]any) {
			ms = append(ms, int(m.(float64)))
		}
		s = sched.NewMultiStepLR(o, sched.MultiStepConfig{Milestones: ms, Gamma: num(cfg, "gamma")})
	case "exponential":
		s = sched.NewExponentialLR(o, num(cfg, "gamma"))
	case "cosine":
		s = sched.NewCosineAnnealingLR(o, sched.CosineConfig{TMax: int(num(cfg, "t_max")), EtaMin: num(cfg, "eta_min")})
	case "linear":
		s = sched.NewLinearLR(o, sched.LinearConfig{StartFactor: num(cfg, "start_factor"),
			EndFactor: num(cfg, "end_factor"), TotalIters: int(num(cfg, "total_iters"))})
	case "onecycle":
		lin, _ := cfg["linear"].(bool)
		s = sched.NewOneCycleLR(o, sched.OneCycleConfig{MaxLR: num(cfg, "max_lr"), TotalSteps: int(num(cfg, "total_steps")),
			PctStart: num(cfg, "pct_start"), LinearAnneal: lin})
	case "plateau":
		mx, _ := cfg["max"].(bool)
		abs, _ := cfg["abs"].(bool)
		_, hasP := cfg["patience"]
		p := sched.NewReduceLROnPlateau(o, sched.PlateauConfig{Max: mx, Factor: num(cfg, "factor"),
			Patience: int(num(cfg, "patience")), NoPatience: hasP && num(cfg, "patience") == 0,
			Threshold: num(cfg, "threshold"), AbsThreshold: abs, Cooldown: int(num(cfg, "cooldown")), MinLR: num(cfg, "min_lr")})
		return func(i int) { p.StepMetric(c.Metrics[i]) }, nil
	default:
		panic("unknown kind " + c.Kind)
	}
	return func(int) { s.Step() }, s
}

func loadCases(t *testing.T) []schedCase {
	b, err := os.ReadFile("testdata/sched.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Cases []schedCase }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f.Cases
}

func TestSchedulesMatchPyTorch(t *testing.T) {
	cases := loadCases(t)
	if len(cases) < 13 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			o := &fakeOpt{lr: 0.1, mom: 0.9}
			step, _ := build(c, o)
			for i, want := range c.LRs {
				if math.Abs(o.lr-want) > 1e-9*math.Max(1, math.Abs(want)) {
					t.Fatalf("epoch %d: lr %.12g, PyTorch %.12g", i, o.lr, want)
				}
				if c.Kind == "onecycle" && math.Abs(o.mom-c.Moms[i]) > 1e-9 {
					t.Fatalf("epoch %d: momentum %.12g, PyTorch %.12g", i, o.mom, c.Moms[i])
				}
				step(i)
			}
		})
	}
}

func TestStateResumes(t *testing.T) {
	for _, c := range loadCases(t) {
		if c.Kind == "plateau" {
			continue
		}
		o := &fakeOpt{lr: 0.1, mom: 0.9}
		step, s := build(c, o)
		for i := 0; i < 7; i++ {
			step(i)
		}
		st := s.State()
		o2 := &fakeOpt{lr: 0.1, mom: 0.9}
		_, s2 := build(c, o2) // a fresh run…
		if err := s2.LoadState(st); err != nil {
			t.Fatal(err)
		}
		o2.lr = o.lr // …whose optimizer state (holding the lr) was restored too
		for i := 7; i < 12; i++ {
			s.Step()
			s2.Step()
			if o.lr != o2.lr {
				t.Fatalf("%s: epoch %d after resume lr %v, uninterrupted %v", c.Name, i, o2.lr, o.lr)
			}
		}
	}
}

func TestDrivesRealOptimizer(t *testing.T) {
	p := tensor.Zeros(1).SetRequiresGrad(true)
	opt := optim.NewSGD([]*tensor.Tensor{p}, optim.SGDConfig{LR: 1})
	s := sched.NewStepLR(opt, sched.StepConfig{StepSize: 2})
	var got []string
	for i := 0; i < 5; i++ {
		got = append(got, fmt.Sprintf("%.2g", opt.LR()))
		s.Step()
	}
	if fmt.Sprint(got) != "[1 1 0.1 0.1 0.01]" {
		t.Fatalf("lrs %v", got)
	}
	if s.PerBatch() || !sched.NewOneCycleLR(opt, sched.OneCycleConfig{MaxLR: 1, TotalSteps: 10}).PerBatch() {
		t.Fatal("PerBatch")
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
