package nn

import (
	"fmt"
	"math"

	"github.com/nervelab/nerve/tensor"
)

// Linear applies y = x·Wᵀ + b, as torch.nn.Linear.
//
// Shape: [..., in] → [..., out]. Weight is [out, in], Bias [out] (nil
// without bias). Both start uniform in ±1/√in, PyTorch's default
// (kaiming_uniform with a = √5 for the weight), drawn from tensor's global
// generator, so tensor.ManualSeed makes a model reproducible.
type Linear struct {
	Weight *tensor.Tensor
	Bias   *tensor.Tensor
}

// NewLinear returns a Linear layer with a bias.
func NewLinear(in, out int) *Linear {
	l := NewLinearNoBias(in, out)
	bound := float32(1 / math.Sqrt(float64(in)))
	l.Bias = tensor.DefaultGenerator().Uniform(-bound, bound, out).SetRequiresGrad(true)
	return l
}

// NewLinearNoBias returns a Linear layer without a bias (bias=False).
func NewLinearNoBias(in, out int) *Linear {
	if in <= 0 || out <= 0 {
		panic(&tensor.ShapeError{Op: "NewLinear", A: []int{in, out}, Why: "features must be positive"})
	}
	bound := float32(1 / math.Sqrt(float64(in)))
	w := tensor.DefaultGenerator().Uniform(-bound, bound, out, in).SetRequiresGrad(true)
	return &Linear{Weight: w}
}

// Forward computes x·Wᵀ + b.
func (l *Linear) Forward(x *tensor.Tensor) *tensor.Tensor {
	y := x.MatMul(l.Weight.T())
	if l.Bias != nil {
		y = y.Add(l.Bias)
	}
	return y
}

// ExtraRepr is what Summary prints inside Linear(…).
func (l *Linear) ExtraRepr() string {
	s := l.Weight.Shape()
	bias := "True"
	if l.Bias == nil {
		bias = "False"
	}
	return fmt.Sprintf("in_features=%d, out_features=%d, bias=%s", s[1], s[0], bias)
}
