package optim

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/nervelab/nerve/tensor"
)

// makers builds every optimizer with non-default settings that use all its
// buffers.
var makers = map[string]func(ps []*tensor.Tensor) Optimizer{
	"sgd": func(ps []*tensor.Tensor) Optimizer {
		return NewSGD(ps, SGDConfig{LR: 0.1, Momentum: 0.9, Nesterov: true, WeightDecay: 0.01})
	},
	"adam": func(ps []*tensor.Tensor) Optimizer {
		return NewAdam(ps, AdamConfig{LR: 0.01, AMSGrad: true, WeightDecay: 0.01})
	},
	"adamw": func(ps []*tensor.Tensor) Optimizer { return NewAdamW(ps, AdamWConfig{LR: 0.01, AMSGrad: true}) },
	"adagrad": func(ps []*tensor.Tensor) Optimizer {
		return NewAdagrad(ps, AdagradConfig{LRDecay: 0.1, WeightDecay: 0.1, InitialAccumulatorValue: 0.1})
	},
	"rmsprop": func(ps []*tensor.Tensor) Optimizer {
		return NewRMSprop(ps, RMSpropConfig{Momentum: 0.9, Centered: true, WeightDecay: 0.1})
	},
	"muon": func(ps []*tensor.Tensor) Optimizer {
		return NewMuon(ps, MuonConfig{WeightDecay: 0.1, Aux: AdamWConfig{WeightDecay: 0.1}})
	},
}

func testParams(seed uint64) ([]*tensor.Tensor, [][]*tensor.Tensor) {
	g := tensor.NewGenerator(seed)
	ps := []*tensor.Tensor{g.Randn(6, 4).SetRequiresGrad(true), g.Randn(4).SetRequiresGrad(true),
		g.Randn(2, 3, 2).SetRequiresGrad(true)}
	var grads [][]*tensor.Tensor
	for range 6 {
		var gs []*tensor.Tensor
		for _, p := range ps {
			gs = append(gs, g.Randn(p.Shape()...))
		}
		grads = append(grads, gs)
	}
	return ps, grads
}

func stepWith(o Optimizer, ps, grads []*tensor.Tensor) {
	for i, p := range ps {
		p.SetGrad(grads[i])
	}
	o.Step()
}

// A run saved after 3 steps, encoded to JSON, decoded into a new optimizer
// over copies of the parameters and continued for 3 more steps matches the
// uninterrupted run bit for bit.
func TestStateResumesBitForBit(t *testing.T) {
	for name, mk := range makers {
		t.Run(name, func(t *testing.T) {
			ps, grads := testParams(1)
			o := mk(ps)
			for s := range 3 {
				stepWith(o, ps, grads[s])
			}
			st, err := o.State()
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Buffers) == 0 || len(st.Steps) != len(ps) {
				t.Fatalf("state has %d buffers and %d step counts", len(st.Buffers), len(st.Steps))
			}
			b, err := json.Marshal(st)
			if err != nil {
				t.Fatal(err)
			}
			var back State
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			var copies []*tensor.Tensor
			for _, p := range ps {
				copies = append(copies, p.Detach().Clone().SetRequiresGrad(true))
			}
			o2 := mk(copies)
			if err := o2.LoadState(&back); err != nil {
				t.Fatal(err)
			}
			for s := 3; s < 6; s++ {
				stepWith(o, ps, grads[s])
				stepWith(o2, copies, grads[s])
			}
			for i := range ps {
				a, b := ps[i].Data(), copies[i].Data()
				for k := range a {
					if a[k] != b[k] {
						t.Fatalf("param %d[%d]: resumed %v, uninterrupted %v", i, k, b[k], a[k])
					}
				}
			}
		})
	}
}

// Resuming without the state (a fresh optimizer) does not match, so the
// test above can fail.
func TestFreshOptimizerDiverges(t *testing.T) {
	ps, grads := testParams(1)
	o := makers["adam"](ps)
	for s := range 3 {
		stepWith(o, ps, grads[s])
	}
	copies := []*tensor.Tensor{ps[0].Detach().Clone().SetRequiresGrad(true)}
	o2 := makers["adam"](copies)
	stepWith(o, ps, grads[3])
	stepWith(o2, copies, grads[3][:1])
	if ps[0].Data()[0] == copies[0].Data()[0] {
		t.Fatal("a fresh Adam took the same step as one with three steps of state")
	}
}

func TestStateRestoresHyperparameters(t *testing.T) {
	ps, grads := testParams(4)
	o := NewSGD(ps, SGDConfig{LR: 0.1, Momentum: 0.9})
	stepWith(o, ps, grads[0])
	o.SetMomentum(0.5)
	o.Groups()[0].WeightDecay = 0.3
	st, _ := o.State()
	o2 := NewSGD(ps, SGDConfig{LR: 0.7, Momentum: 0.9})
	if err := o2.LoadState(st); err != nil {
		t.Fatal(err)
	}
	if o2.LR() != 0.1 || o2.Groups()[0].WeightDecay != 0.3 || o2.cfg.Momentum != 0.5 {
		t.Fatalf("lr %v, weight decay %v, momentum %v", o2.LR(), o2.Groups()[0].WeightDecay, o2.cfg.Momentum)
	}
}

func TestLoadStateErrors(t *testing.T) {
	ps, grads := testParams(3)
	o := makers["adam"](ps)
	stepWith(o, ps, grads[0])
	st, _ := o.State()
	other := NewAdam([]*tensor.Tensor{tensor.Ones(2).SetRequiresGrad(true), tensor.Ones(4).SetRequiresGrad(true),
		tensor.Ones(2, 3, 2).SetRequiresGrad(true)}, AdamConfig{})
	if err := other.LoadState(st); err == nil || !strings.Contains(err.Error(), "shape") {
		t.Fatalf("shape mismatch: %v", err)
	}
	if err := makers["adamw"](ps).LoadState(st); err == nil || !strings.Contains(err.Error(), "Adam") {
		t.Fatalf("Adam state into AdamW: %v", err)
	}
	st.Buffers["9.exp_avg"] = tensor.Ones(1)
	if err := o.LoadState(st); err == nil {
		t.Fatal("bad index accepted")
	}
	for _, bad := range []string{
		`{"optimizer":"Adam","buffers":{"0.exp_avg":{"shape":[2],"f32le":"AAAAAA=="}}}`,
		`{"optimizer":"Adam","buffers":{"0.exp_avg":{"shape":[-1],"f32le":""}}}`,
		`{"optimizer":"Adam","buffers":{"0.exp_avg":{"shape":[99999,99999,99999],"f32le":""}}}`,
		`{"optimizer":"Adam","buffers":{"0.exp_avg":{"shape":[1],"f32le":"!!"}}}`,
	} {
		var s State
		if err := json.Unmarshal([]byte(bad), &s); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestSkipsNilGradAndFrozen(t *testing.T) {
	for name, mk := range makers {
		t.Run(name, func(t *testing.T) {
			a := tensor.Ones(3).SetRequiresGrad(true)
			b := tensor.Ones(3)
			b.SetGrad(tensor.Ones(3)) // frozen, yet has a gradient
			o := mk([]*tensor.Tensor{a, b})
			o.Step()
			for _, p := range []*tensor.Tensor{a, b} {
				for _, v := range p.Data() {
					if v != 1 {
						t.Fatalf("skipped parameter changed: %v", p.Data())
					}
				}
			}
		})
	}
}

func TestStepRecordsNoGraph(t *testing.T) {
	for name, mk := range makers {
		t.Run(name, func(t *testing.T) {
			ps, grads := testParams(2)
			o := mk(ps)
			stepWith(o, ps, grads[0])
			for _, p := range ps {
				if !p.IsLeaf() || !p.RequiresGrad() {
					t.Fatal("Step turned a parameter into a non-leaf")
				}
			}
			o.ZeroGrad()
			if ps[0].Grad() != nil {
				t.Fatal("ZeroGrad left a gradient")
			}
		})
	}
}

func TestLRAndGroups(t *testing.T) {
	a, b, c := tensor.Ones(2).SetRequiresGrad(true), tensor.Ones(2).SetRequiresGrad(true), tensor.Ones(2).SetRequiresGrad(true)
	o := NewSGDGroups([]Group{{Params: []*tensor.Tensor{a}, LR: 0.5}, {Params: []*tensor.Tensor{b}},
		{Params: []*tensor.Tensor{c}, LR: Zero, WeightDecay: Zero}}, SGDConfig{LR: 0.1, WeightDecay: 0.2})
	g := o.Groups()
	if g[0].LR != 0.5 || g[1].LR != 0.1 || g[0].WeightDecay != 0.2 || g[2].LR != 0 || g[2].WeightDecay != 0 {
		t.Fatalf("groups %+v %+v %+v", *g[0], *g[1], *g[2])
	}
	if math.Signbit(g[2].LR) || math.Signbit(g[2].WeightDecay) {
		t.Fatal("Zero kept its sign after construction")
	}
	o.SetLR(0.3)
	if o.LR() != 0.3 || g[1].LR != 0.3 || g[2].LR != 0.3 {
		t.Fatal("SetLR")
	}
	if NewSGD(nil, SGDConfig{}).LR() != 1e-3 || NewSGD(nil, SGDConfig{LR: Zero}).LR() != 0 {
		t.Fatal("SGD default LR")
	}
}

func TestZeroValuesAreDefaultsAndZeroIsZero(t *testing.T) {
	if OrDefault(0, 5) != 5 || OrDefault(Zero, 5) != 0 || math.Signbit(OrDefault(Zero, 5)) || OrDefault(2, 5) != 2 {
		t.Fatal("OrDefault")
	}
	if c := (AdamConfig{}).withDefaults(); c != (AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}) {
		t.Fatalf("Adam defaults %+v", c)
	}
	if c := (AdamConfig{Beta1: Zero, Eps: Zero}).withDefaults(); c.Beta1 != 0 || c.Eps != 0 || c.Beta2 != 0.999 {
		t.Fatalf("Adam with Zero %+v", c)
	}
	if wd := NewAdamW(nil, AdamWConfig{}).Groups()[0].WeightDecay; wd != 1e-2 {
		t.Fatalf("AdamW default weight decay %v", wd)
	}
	if wd := NewAdamW(nil, AdamWConfig{WeightDecay: Zero}).Groups()[0].WeightDecay; wd != 0 {
		t.Fatalf("AdamW Zero weight decay %v", wd)
	}
	if c := NewRMSprop(nil, RMSpropConfig{Alpha: Zero}).cfg; c.Alpha != 0 || c.Eps != 1e-8 || c.LR != 1e-2 {
		t.Fatalf("RMSprop %+v", c)
	}
	if c := NewAdagrad(nil, AdagradConfig{}).cfg; c.LR != 1e-2 || c.Eps != 1e-10 {
		t.Fatalf("Adagrad %+v", c)
	}
	// Zero survives a JSON round trip of a config.
	b, _ := json.Marshal(AdamWConfig{WeightDecay: Zero})
	var back AdamWConfig
	if err := json.Unmarshal(b, &back); err != nil || back.WeightDecay != 0 || !math.Signbit(back.WeightDecay) {
		t.Fatalf("AdamWConfig JSON round trip: %s → %+v, %v", b, back, err)
	}
}

func TestMuonSplitsByRank(t *testing.T) {
	w, b, k := tensor.Ones(3, 2), tensor.Ones(2), tensor.Ones(2, 1, 3, 3)
	o := NewMuon([]*tensor.Tensor{b, w, k}, MuonConfig{})
	g := o.Groups()
	if len(g[0].Params) != 2 || g[0].Params[0] != w || g[0].Params[1] != k || g[1].Params[0] != b {
		t.Fatal("Muon did not put the ≥2-D parameters first and the others second")
	}
	if g[0].LR != 0.02 || g[1].LR != 3e-4 || g[0].WeightDecay != 0 || g[1].WeightDecay != 0 {
		t.Fatalf("groups %+v %+v", *g[0], *g[1])
	}
	if o.aux != (AdamConfig{LR: 3e-4, Beta1: 0.9, Beta2: 0.95, Eps: 1e-10}) || o.cfg.Momentum != 0.95 || o.cfg.NSSteps != 5 {
		t.Fatalf("defaults %+v %+v", o.cfg, o.aux)
	}
	o.SetLR(0.01)
	if g[0].LR != 0.01 || g[1].LR != 1.5e-4 {
		t.Fatalf("SetLR: %v %v", g[0].LR, g[1].LR)
	}
}

// Newton–Schulz leaves the singular values of its result near 1: XᵀX (or
// XXᵀ for a wide matrix) is close to the identity on the diagonal.
func TestNewtonSchulzOrthogonalizes(t *testing.T) {
	for _, shape := range [][2]int{{8, 5}, {5, 8}, {6, 6}} {
		g := tensor.NewGenerator(7).Randn(shape[0], shape[1])
		x := newtonSchulz(g, 5)
		gram := x.T().MatMul(x)
		if shape[0] < shape[1] {
			gram = x.MatMul(x.T())
		}
		n := gram.Size(0)
		for i := range n {
			if d := gram.At(i, i); d < 0.25 || d > 2.25 {
				t.Fatalf("%v: squared singular value %v on the diagonal", shape, d)
			}
		}
	}
}

func TestSGDNesterovPanics(t *testing.T) {
	for _, cfg := range []SGDConfig{{Nesterov: true}, {Nesterov: true, Momentum: 0.9, Dampening: 0.1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%+v: no panic", cfg)
				}
			}()
			NewSGD(nil, cfg)
		}()
	}
}

// SetMomentum turns momentum on for an SGD built without it, as PyTorch's
// OneCycleLR does by writing group["momentum"].
func TestSetMomentumTurnsMomentumOn(t *testing.T) {
	p := tensor.Zeros(1).SetRequiresGrad(true)
	o := NewSGD([]*tensor.Tensor{p}, SGDConfig{LR: 1})
	o.SetMomentum(0.5)
	for range 2 {
		p.SetGrad(tensor.Ones(1))
		o.Step()
	}
	if got := p.Item(); got != -2.5 { // −1, then −(0.5·1 + 1)
		t.Fatalf("p = %v, want -2.5", got)
	}
}
