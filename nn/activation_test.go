package nn_test

import (
	"testing"

	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/tensor"
)

// TestActivationsMatchPyTorch runs every activation module, built as a Go
// user would (zero values for PyTorch's defaults), on PyTorch's input.
func TestActivationsMatchPyTorch(t *testing.T) {
	f := loadFixture(t).Activations
	mods := map[string]nn.Module{
		"ReLU": nn.ReLU{}, "LeakyReLU": nn.LeakyReLU{}, "LeakyReLU(0.2)": nn.LeakyReLU{Slope: 0.2},
		"ELU": nn.ELU{}, "ELU(0.5)": &nn.ELU{Alpha: 0.5}, "GELU": nn.GELU{}, "SiLU": nn.SiLU{},
		"Sigmoid": nn.Sigmoid{}, "Tanh": nn.Tanh{}, "Softplus": nn.Softplus{},
		"Softplus(2, 10)": nn.Softplus{Beta: 2, Threshold: 10}, "Softmax(1)": nn.Softmax{Dim: 1},
		"Softmax(0)": nn.Softmax{}, "LogSoftmax(-1)": nn.LogSoftmax{Dim: -1}, "Identity": nn.Identity{},
	}
	if len(f.Outputs) != len(mods) {
		t.Fatalf("fixture has %d activations, test %d", len(f.Outputs), len(mods))
	}
	x := tensor.New(f.X, f.Shape...)
	for name, m := range mods {
		want, ok := f.Outputs[name]
		if !ok {
			t.Fatalf("fixture lacks %s", name)
		}
		near(t, name, m.Forward(x).Data(), want, 1e-5)
	}
}
