// Command summary prints a two-layer network the way PyTorch's
// print(model) does, followed by a table of its parameters.
//
//	go run ./examples/summary
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/tensor"
)

// SimpleNN is a 2 → 2 → 1 network.
type SimpleNN struct {
	FC1 *nn.Linear
	FC2 *nn.Linear
}

// Forward computes fc2(relu(fc1(x))).
func (m *SimpleNN) Forward(x *tensor.Tensor) *tensor.Tensor {
	return m.FC2.Forward(m.FC1.Forward(x).ReLU())
}

func run(w io.Writer) {
	model := &SimpleNN{FC1: nn.NewLinear(2, 2), FC2: nn.NewLinear(2, 1)}
	fmt.Fprintln(w, nn.Summary(model))
	fmt.Fprintln(w)
	fmt.Fprint(w, nn.SummaryTable(model))
}

func main() { run(os.Stdout) }
