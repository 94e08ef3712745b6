package nn_test

import (
	"testing"

	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/tensor"
)

// BenchmarkBatchNorm2d times a training step's forward and backward on a
// [32, 16, 28, 28] batch (PyTorch's counterpart, one thread per core:
// bn(x).backward(g) with x, g of that shape).
func BenchmarkBatchNorm2d(b *testing.B) {
	bn := nn.NewBatchNorm2d(16)
	x := tensor.Randn(32, 16, 28, 28).SetRequiresGrad(true)
	g := tensor.Randn(32, 16, 28, 28)
	for b.Loop() {
		bn.Forward(x).BackwardWith(g)
	}
}

// BenchmarkLayerNorm times LayerNorm(256) forward and backward on
// [64, 128, 256].
func BenchmarkLayerNorm(b *testing.B) {
	ln := nn.NewLayerNorm([]int{256})
	x := tensor.Randn(64, 128, 256).SetRequiresGrad(true)
	g := tensor.Randn(64, 128, 256)
	for b.Loop() {
		ln.Forward(x).BackwardWith(g)
	}
}
