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
