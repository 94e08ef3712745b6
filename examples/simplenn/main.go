// Command simplenn is the first PyTorch tutorial program in nerve: a
// two-layer network Linear(10,20) → ReLU → Linear(20,2) fitted with Adam
// (lr 0.01) and the mean squared error to one random input and target,
// printing the loss every 10 of 100 epochs.
//
//	go run ./examples/simplenn
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/optim"
	"github.com/nervelab/nerve/tensor"
)

// SimpleNN is the tutorial's model; its parameters are fc1.weight,
// fc1.bias, fc2.weight and fc2.bias, found from the fields.
type SimpleNN struct {
	FC1 *nn.Linear
	FC2 *nn.Linear
}

// Forward computes fc2(relu(fc1(x))).
func (m *SimpleNN) Forward(x *tensor.Tensor) *tensor.Tensor {
	return m.FC2.Forward(m.FC1.Forward(x).ReLU())
}

// run trains the model and returns the final loss.
func run(w io.Writer) float32 {
	tensor.ManualSeed(42)
	model := &SimpleNN{FC1: nn.NewLinear(10, 20), FC2: nn.NewLinear(20, 2)}
	input := tensor.Randn(1, 10)
	target := tensor.Randn(1, 2)
	opt := optim.NewAdam(nn.Parameters(model), optim.AdamConfig{LR: 0.01})
	const epochs = 100
	var last float32
	for epoch := 1; epoch <= epochs; epoch++ {
		loss := nn.MSELoss(model.Forward(input), target)
		opt.ZeroGrad()
		loss.Backward()
		opt.Step()
		last = loss.Item()
		if epoch%10 == 0 {
			fmt.Fprintf(w, "Epoch [%d/%d], Loss: %.4f\n", epoch, epochs, last)
		}
	}
	return last
}

func main() { run(os.Stdout) }
