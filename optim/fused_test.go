package optim

import (
	"math"
	"testing"

	"github.com/nervelab/nerve/tensor"
)

// TestFusedMatchesComposed runs Adam, AdamW and SGD through the fused
// kernel and through the composed ops from the same start and checks the
// parameters and moments agree bit for bit.
func TestFusedMatchesComposed(t *testing.T) {
	configs := map[string]func(ps []*tensor.Tensor) Optimizer{
		"adam": func(ps []*tensor.Tensor) Optimizer { return NewAdam(ps, AdamConfig{LR: 0.01}) },
		"adam-l2-max": func(ps []*tensor.Tensor) Optimizer {
			return NewAdam(ps, AdamConfig{LR: 0.01, WeightDecay: 0.1, Maximize: true})
		},
		"adamw": func(ps []*tensor.Tensor) Optimizer { return NewAdamW(ps, AdamWConfig{LR: 0.003}) },
		"adamw-betas": func(ps []*tensor.Tensor) Optimizer {
			return NewAdamW(ps, AdamWConfig{LR: 0.1, Beta1: 0.5, Beta2: 0.9, WeightDecay: 0.3})
		},
	}
	for name, mk := range configs {
		run := func(fused bool) []*tensor.Tensor {
			fuse = fused
			defer func() { fuse = true }()
			g := tensor.NewGenerator(3)
			ps := []*tensor.Tensor{g.Randn(37, 5).SetRequiresGrad(true), g.Randn(70001).SetRequiresGrad(true)}
			opt := mk(ps)
			for step := 0; step < 5; step++ {
				for _, p := range ps {
					p.SetGrad(g.Randn(p.Shape()...))
				}
				opt.Step()
			}
			st, _ := opt.State()
			out := append([]*tensor.Tensor{}, ps...)
			for _, k := range []string{"0.exp_avg", "0.exp_avg_sq", "1.exp_avg", "1.exp_avg_sq", "0.momentum_buffer", "1.momentum_buffer"} {
				if b, ok := st.Buffers[k]; ok {
					out = append(out, b)
				}
			}
			return out
		}
		a, b := run(true), run(false)
		for k := range a {
			da, db := a[k].Data(), b[k].Data()
			for i := range da {
				if math.Float32bits(da[i]) != math.Float32bits(db[i]) {
					t.Fatalf("%s: tensor %d element %d: fused %v, composed %v", name, k, i, da[i], db[i])
				}
			}
		}
	}
}
