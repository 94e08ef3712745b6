// Command linear fits a Linear(2,1) model to 10 random samples of a noisy
// plane with plain SGD (lr 0.01) and the mean squared error for 100 epochs,
// switching the model to training mode before the loop and to evaluation
// mode for the final prediction, as a PyTorch tutorial does with
// model.train() and model.eval().
//
//	go run ./examples/linear
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/optim"
	"github.com/nervelab/nerve/tensor"
)

// run trains and returns the loss of every epoch.
func run(w io.Writer) []float32 {
	tensor.ManualSeed(1)
	x := tensor.Randn(10, 2)
	trueW := tensor.New([]float32{2, -3}, 2, 1)
	y := x.MatMul(trueW).AddScalar(0.5).Add(tensor.Randn(10, 1).MulScalar(0.1))

	model := nn.NewLinear(2, 1)
	opt := optim.NewSGD(nn.Parameters(model), optim.SGDConfig{LR: 0.01})
	const epochs = 100
	var losses []float32
	nn.Train(model)
	for epoch := 1; epoch <= epochs; epoch++ {
		loss := nn.MSELoss(model.Forward(x), y)
		opt.ZeroGrad()
		loss.Backward()
		opt.Step()
		losses = append(losses, loss.Item())
		if epoch%10 == 0 {
			fmt.Fprintf(w, "Epoch [%d/%d], Loss: %.4f\n", epoch, epochs, loss.Item())
		}
	}
	nn.Eval(model)
	tensor.NoGrad(func() {
		fmt.Fprintln(w, "prediction for [1, 1]:", model.Forward(tensor.New([]float32{1, 1}, 1, 2)))
	})
	fmt.Fprintln(w, "learned weight:", model.Weight.Detach(), "bias:", model.Bias.Detach())
	return losses
}

func main() { run(os.Stdout) }
