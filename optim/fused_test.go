package optim

import (
	"math"
	"testing"

	"github.com/nervelab/nerve/tensor"
)

// TestFusedMatchesComposed runs Adam, AdamW, RMSprop and Adagrad through
// the fused kernels and through the composed ops from the same start and
// checks the parameters and state buffers agree bit for bit.
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
		"rmsprop": func(ps []*tensor.Tensor) Optimizer { return NewRMSprop(ps, RMSpropConfig{LR: 0.01}) },
		"rmsprop-centered-momentum": func(ps []*tensor.Tensor) Optimizer {
			return NewRMSprop(ps, RMSpropConfig{LR: 0.01, Alpha: 0.9, Centered: true, Momentum: 0.8})
		},
		"rmsprop-l2-max": func(ps []*tensor.Tensor) Optimizer {
			return NewRMSprop(ps, RMSpropConfig{LR: 0.003, WeightDecay: 0.1, Maximize: true, Eps: 1e-6})
		},
		"adagrad": func(ps []*tensor.Tensor) Optimizer { return NewAdagrad(ps, AdagradConfig{LR: 0.1}) },
		"adagrad-decay-l2-max": func(ps []*tensor.Tensor) Optimizer {
			return NewAdagrad(ps, AdagradConfig{LR: 0.1, LRDecay: 0.05, WeightDecay: 0.2, InitialAccumulatorValue: 0.5, Maximize: true})
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
			for _, k := range []string{"0.exp_avg", "0.exp_avg_sq", "1.exp_avg", "1.exp_avg_sq", "0.momentum_buffer", "1.momentum_buffer",
				"0.square_avg", "1.square_avg", "0.grad_avg", "1.grad_avg", "0.sum", "1.sum"} {
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
