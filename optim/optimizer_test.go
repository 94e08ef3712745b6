package optim

import (
	"encoding/json"
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
}

func testParams(seed uint64) ([]*tensor.Tensor, [][]*tensor.Tensor) {
	g := tensor.NewGenerator(seed)
	ps := []*tensor.Tensor{g.Randn(6, 4).SetRequiresGrad(true), g.Randn(4).SetRequiresGrad(true)}
	var grads [][]*tensor.Tensor
	for range 5 {
		grads = append(grads, []*tensor.Tensor{g.Randn(6, 4), g.Randn(4)})
	}
	return ps, grads
}

func stepWith(o Optimizer, ps, grads []*tensor.Tensor) {
	for i, p := range ps {
		p.SetGrad(grads[i])
	}
	o.Step()
}

func TestStateRoundTrip(t *testing.T) {
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
			if _, err := json.Marshal(st); err != nil {
				t.Fatal(err)
			}
			var copies []*tensor.Tensor
			for _, p := range ps {
				copies = append(copies, p.Detach().Clone().SetRequiresGrad(true))
			}
			o2 := mk(copies)
			if err := o2.LoadState(st); err != nil {
				t.Fatal(err)
			}
			for s := 3; s < 5; s++ {
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
	a, b := tensor.Ones(2).SetRequiresGrad(true), tensor.Ones(2).SetRequiresGrad(true)
	o := NewSGDGroups([]Group{{Params: []*tensor.Tensor{a}, LR: 0.5}, {Params: []*tensor.Tensor{b}}}, SGDConfig{LR: 0.1, WeightDecay: 0.2})
	if g := o.Groups(); g[0].LR != 0.5 || g[1].LR != 0.1 || g[0].WeightDecay != 0.2 {
		t.Fatalf("groups %+v %+v", *g[0], *g[1])
	}
	o.SetLR(0.3)
	if o.LR() != 0.3 || o.Groups()[1].LR != 0.3 {
		t.Fatal("SetLR")
	}
	if NewSGD(nil, SGDConfig{}).LR() != 1e-3 {
		t.Fatal("SGD default LR")
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

func TestLoadStateErrors(t *testing.T) {
	ps, grads := testParams(3)
	o := makers["adam"](ps)
	stepWith(o, ps, grads[0])
	st, _ := o.State()
	other := NewAdam([]*tensor.Tensor{tensor.Ones(2).SetRequiresGrad(true), tensor.Ones(4).SetRequiresGrad(true)}, AdamConfig{})
	if err := other.LoadState(st); err == nil {
		t.Fatal("shape mismatch accepted")
	}
	st.Buffers["9.exp_avg"] = tensor.Ones(1)
	if err := o.LoadState(st); err == nil {
		t.Fatal("bad index accepted")
	}
}
