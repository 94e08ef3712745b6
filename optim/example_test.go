package optim_test

import (
	"fmt"

	"github.com/nervelab/nerve/optim"
	"github.com/nervelab/nerve/tensor"
)

// Fit y = 2x + 1 by gradient descent on the mean squared error.
func Example() {
	x := tensor.New([]float32{-1, -0.5, 0, 0.5, 1, 1.5}, 6, 1)
	y := x.MulScalar(2).AddScalar(1)
	w := tensor.Zeros(1, 1).SetRequiresGrad(true)
	b := tensor.Zeros(1).SetRequiresGrad(true)
	opt := optim.NewSGD([]*tensor.Tensor{w, b}, optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	for range 200 {
		opt.ZeroGrad()
		loss := x.MatMul(w).Add(b).Sub(y).Square().Mean()
		loss.Backward()
		opt.Step()
	}
	fmt.Printf("w=%.3f b=%.3f\n", w.Item(), b.Item())
	// Output: w=2.000 b=1.000
}

// Weight decay on the weights only, as usual for AdamW: the biases' group
// turns it off with optim.Zero (a plain 0 would mean the config's value).
func ExampleNewAdamWGroups() {
	w := tensor.Ones(2, 3).SetRequiresGrad(true)
	b := tensor.Ones(2).SetRequiresGrad(true)
	opt := optim.NewAdamWGroups([]optim.Group{
		{Params: []*tensor.Tensor{w}},
		{Params: []*tensor.Tensor{b}, WeightDecay: optim.Zero},
	}, optim.AdamWConfig{LR: 0.01})
	for i, g := range opt.Groups() {
		fmt.Printf("group %d: lr %g, weight decay %g\n", i, g.LR, g.WeightDecay)
	}
	// Output:
	// group 0: lr 0.01, weight decay 0.01
	// group 1: lr 0.01, weight decay 0
}

func ExampleClipGradNorm() {
	p := tensor.Zeros(2).SetRequiresGrad(true)
	p.SetGrad(tensor.New([]float32{3, 4}))
	total := optim.ClipGradNorm([]*tensor.Tensor{p}, 1, 2)
	fmt.Printf("norm %.1f, clipped %.3f\n", total, p.Grad().Data())
	// Output: norm 5.0, clipped [0.600 0.800]
}

// Muon orthogonalizes the updates of matrices and steps the biases with
// AdamW; NewMuon splits the parameters by rank.
func ExampleNewMuon() {
	w := tensor.NewGenerator(1).Randn(4, 3).SetRequiresGrad(true)
	b := tensor.Zeros(4).SetRequiresGrad(true)
	opt := optim.NewMuon([]*tensor.Tensor{w, b}, optim.MuonConfig{})
	for i, g := range opt.Groups() {
		fmt.Printf("group %d: %d parameter(s), lr %g\n", i, len(g.Params), g.LR)
	}
	// Output:
	// group 0: 1 parameter(s), lr 0.02
	// group 1: 1 parameter(s), lr 0.0003
}
