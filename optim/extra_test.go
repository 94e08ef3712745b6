package optim

import (
	"encoding/json"
	"testing"

	"github.com/nervelab/nerve/tensor"
)

func extraOptimizer(t *testing.T, c fxCase, gs []Group, dec func(any)) Optimizer {
	switch c.Opt {
	case "adamw":
		var cfg AdamWConfig
		dec(&cfg)
		return NewAdamWGroups(gs, cfg)
	case "adagrad":
		var cfg AdagradConfig
		dec(&cfg)
		return NewAdagradGroups(gs, cfg)
	case "rmsprop":
		var cfg RMSpropConfig
		dec(&cfg)
		return NewRMSpropGroups(gs, cfg)
	case "muon":
		var cfg MuonConfig
		dec(&cfg)
		return NewMuon(gs[0].Params, cfg)
	}
	return nil
}

func init() {
	makers["adamw"] = func(ps []*tensor.Tensor) Optimizer { return NewAdamW(ps, AdamWConfig{LR: 0.01, AMSGrad: true}) }
	makers["adagrad"] = func(ps []*tensor.Tensor) Optimizer {
		return NewAdagrad(ps, AdagradConfig{LRDecay: 0.1, WeightDecay: 0.1, InitialAccumulatorValue: 0.1})
	}
	makers["rmsprop"] = func(ps []*tensor.Tensor) Optimizer {
		return NewRMSprop(ps, RMSpropConfig{Momentum: 0.9, Centered: true, WeightDecay: 0.1})
	}
	makers["muon"] = func(ps []*tensor.Tensor) Optimizer { return NewMuon(ps, MuonConfig{WeightDecay: 0.1}) }
}

func TestAdamWZeroDecay(t *testing.T) {
	zero := 0.0
	if wd := NewAdamW(nil, AdamWConfig{}).Groups()[0].WeightDecay; wd != 1e-2 {
		t.Fatalf("default weight decay %v", wd)
	}
	if wd := NewAdamW(nil, AdamWConfig{WeightDecay: &zero}).Groups()[0].WeightDecay; wd != 0 {
		t.Fatalf("zero weight decay %v", wd)
	}
	b, _ := json.Marshal(AdamWConfig{WeightDecay: &zero})
	var back AdamWConfig
	if json.Unmarshal(b, &back) != nil || back.WeightDecay == nil || *back.WeightDecay != 0 {
		t.Fatal("AdamWConfig JSON round trip")
	}
}

func TestMuonSplitsByRank(t *testing.T) {
	w, b := tensor.Ones(3, 2), tensor.Ones(2)
	o := NewMuon([]*tensor.Tensor{b, w}, MuonConfig{})
	g := o.Groups()
	if len(g[0].Params) != 1 || g[0].Params[0] != w || g[1].Params[0] != b || g[0].LR != 0.02 || g[1].LR != 3e-4 {
		t.Fatalf("groups %+v %+v", *g[0], *g[1])
	}
	o.SetLR(0.01)
	if g[0].LR != 0.01 || g[1].LR != 1.5e-4 {
		t.Fatalf("SetLR: %v %v", g[0].LR, g[1].LR)
	}
}
