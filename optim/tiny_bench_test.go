package optim_test

import (
	"testing"

	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/optim"
	"github.com/nervelab/nerve/tensor"
)

// The tiny-model steps of the benchmark suite: per-step framework
// overhead (zero_grad, forward, loss, backward, step) on models whose
// arithmetic is negligible.

type mlp10 struct{ FC1, FC2 *nn.Linear }

func (m *mlp10) Forward(x *tensor.Tensor) *tensor.Tensor {
	return m.FC2.Forward(m.FC1.Forward(x).ReLU())
}

// BenchmarkStepMLP10x20x2Adam is Linear(10,20), ReLU, Linear(20,2), MSE,
// Adam on one input vector.
func BenchmarkStepMLP10x20x2Adam(b *testing.B) {
	g := tensor.NewGenerator(0)
	m := &mlp10{nn.NewLinear(10, 20, nn.WithGenerator(g)), nn.NewLinear(20, 2, nn.WithGenerator(g))}
	opt := optim.NewAdam(nn.Parameters(m), optim.AdamConfig{LR: 0.01})
	x, y := g.Randn(10), g.Randn(2)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		opt.ZeroGrad()
		nn.MSELoss(m.Forward(x), y).Backward()
		opt.Step()
	}
}

// BenchmarkStepLinear2x1SGD is Linear(2,1) on a batch of 10×2, MSE, SGD.
func BenchmarkStepLinear2x1SGD(b *testing.B) {
	g := tensor.NewGenerator(0)
	m := nn.NewLinear(2, 1, nn.WithGenerator(g))
	opt := optim.NewSGD(nn.Parameters(m), optim.SGDConfig{LR: 0.01})
	x := g.Randn(10, 2)
	y := x.MatMul(tensor.New([]float32{2, -3}, 2, 1)).AddScalar(0.5)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		opt.ZeroGrad()
		nn.MSELoss(m.Forward(x), y).Backward()
		opt.Step()
	}
}

// BenchmarkStepMLPQuickstartAdam is one steady-state training step of the
// quickstart MLP (784-512-512-10, batch 64, cross-entropy, Adam): the
// arithmetic is real, so this measures heap bytes per step as much as time.
func BenchmarkStepMLPQuickstartAdam(b *testing.B) {
	g := tensor.NewGenerator(0)
	m := nn.NewSequential(nn.NewLinear(784, 512, nn.WithGenerator(g)), nn.ReLU{},
		nn.NewLinear(512, 512, nn.WithGenerator(g)), nn.ReLU{}, nn.NewLinear(512, 10, nn.WithGenerator(g)))
	opt := optim.NewAdam(nn.Parameters(m), optim.AdamConfig{LR: 1e-3})
	x, y := g.Rand(64, 784), g.RandInt(0, 10, 64)
	step := func() {
		opt.ZeroGrad()
		nn.CrossEntropyLoss(m.Forward(x), y).Backward(tensor.FreeActivations()) // as fit does
		opt.Step()
	}
	step() // the optimizer's buffers
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		step()
	}
}
