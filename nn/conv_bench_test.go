package nn_test

import (
	"testing"

	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/optim"
	"github.com/nervelab/nerve/tensor"
)

// TestTinyCNNOverfits trains a small CNN on a few random images with
// random labels: it must memorise them.
func TestTinyCNNOverfits(t *testing.T) {
	g := tensor.NewGenerator(7)
	m := nn.NewSequential(
		nn.NewConv2d(1, 8, 3, nn.Padding(1), nn.ConvGenerator(g)), nn.ReLU{}, nn.NewMaxPool2d(2),
		nn.NewConv2d(8, 8, 3, nn.PaddingSame(), nn.Groups(2), nn.ConvGenerator(g)), nn.ReLU{},
		nn.NewAdaptiveAvgPool2d(2, 2), nn.NewFlatten(), nn.NewLinear(32, 4, nn.WithGenerator(g)))
	opt := optim.NewAdam(nn.Parameters(m), optim.AdamConfig{LR: 0.01})
	x, y := g.Randn(8, 1, 12, 12), g.RandInt(0, 4, 8)
	var first, last float32
	for step := range 150 {
		opt.ZeroGrad()
		l := nn.CrossEntropyLoss(m.Forward(x), y)
		l.Backward()
		opt.Step()
		if step == 0 {
			first = l.Item()
		}
		last = l.Item()
	}
	if last > 0.1*first || last > 0.1 {
		t.Fatalf("loss %v → %v: the CNN did not fit 8 samples", first, last)
	}
}

// BenchmarkCNNStep is one training step of the MNIST CNN (Conv2d(1,32,3,
// padding 1), ReLU, MaxPool2d(2), Conv2d(32,64,3, padding 1), ReLU,
// MaxPool2d(2), Flatten, Linear(3136,128), ReLU, Linear(128,10)) on a
// batch of 64 28×28 images: cross-entropy, Adam.
func BenchmarkCNNStep(b *testing.B) {
	tensor.ManualSeed(0)
	m := mnistCNN()
	opt := optim.NewAdam(nn.Parameters(m), optim.AdamConfig{LR: 1e-3})
	g := tensor.NewGenerator(1)
	x, y := g.Rand(64, 1, 28, 28), g.RandInt(0, 10, 64)
	step := func() {
		opt.ZeroGrad()
		nn.CrossEntropyLoss(m.Forward(x), y).Backward(tensor.FreeActivations()) // as fit does
		opt.Step()
	}
	step()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		step()
	}
}

// BenchmarkCNNForward is the CNN's inference on a batch of 64.
func BenchmarkCNNForward(b *testing.B) {
	tensor.ManualSeed(0)
	m := mnistCNN()
	x := tensor.NewGenerator(1).Rand(64, 1, 28, 28)
	b.ReportAllocs()
	for range b.N {
		tensor.NoGrad(func() { m.Forward(x) })
	}
}
