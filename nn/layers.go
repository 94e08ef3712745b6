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

// Sequential chains modules: the output of each is the input of the next.
// Its parameters are named by position (0.weight, 2.bias), as PyTorch's.
type Sequential struct {
	Layers []Module `nn:",inline"`
}

// NewSequential returns a Sequential of the given modules.
func NewSequential(mods ...Module) *Sequential { return &Sequential{Layers: mods} }

// Forward runs the layers in order.
func (s *Sequential) Forward(x *tensor.Tensor) *tensor.Tensor {
	for _, m := range s.Layers {
		x = m.Forward(x)
	}
	return x
}

// Flatten merges dims StartDim..EndDim, as torch.nn.Flatten. Use
// NewFlatten for PyTorch's defaults (1, −1): the zero value flattens
// everything, from dim 0 to dim 0.
type Flatten struct{ StartDim, EndDim int }

// NewFlatten returns Flatten(start_dim=1, end_dim=-1).
func NewFlatten() *Flatten { return &Flatten{StartDim: 1, EndDim: -1} }

// Forward flattens x.
func (f *Flatten) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Flatten(f.StartDim, f.EndDim) }

// ExtraRepr is what Summary prints.
func (f *Flatten) ExtraRepr() string {
	return fmt.Sprintf("start_dim=%d, end_dim=%d", f.StartDim, f.EndDim)
}

// Identity returns its input.
type Identity struct{}

// Forward returns x.
func (Identity) Forward(x *tensor.Tensor) *tensor.Tensor { return x }

// Dropout zeroes each element with probability P in training and scales the
// rest by 1/(1−P) (inverted dropout), so evaluation is the identity. A new
// Dropout is in training mode; nn.Eval switches it off. The mask is drawn
// from tensor's global generator.
type Dropout struct {
	P    float32
	eval bool
}

// NewDropout returns Dropout(p). It panics unless 0 ≤ p ≤ 1.
func NewDropout(p float32) *Dropout {
	if p < 0 || p > 1 {
		panic(&tensor.IndexError{Op: "NewDropout", Why: fmt.Sprintf("dropout probability has to be between 0 and 1, but got %v", p)})
	}
	return &Dropout{P: p}
}

// SetTraining switches between training (dropping) and evaluation.
func (d *Dropout) SetTraining(on bool) { d.eval = !on }

// Forward applies dropout in training mode.
func (d *Dropout) Forward(x *tensor.Tensor) *tensor.Tensor {
	if d.eval || d.P == 0 {
		return x
	}
	if d.P >= 1 {
		return x.MulScalar(0)
	}
	keep := tensor.DefaultGenerator().Rand(x.Shape()...).GtScalar(d.P).MulScalar(1 / (1 - d.P))
	return x.Mul(keep)
}

// ExtraRepr is what Summary prints.
func (d *Dropout) ExtraRepr() string { return fmt.Sprintf("p=%v, inplace=False", d.P) }
