package nn

import (
	"fmt"
	"math"

	"github.com/nervelab/nerve/tensor"
)

// Linear applies y = x·Wᵀ + b, as torch.nn.Linear.
//
// Shape: [..., in] → [..., out]; any number of leading batch dims. Weight
// is [out, in], Bias [out] (nil without a bias).
//
// Init: both uniform in ±1/√in, PyTorch's default (kaiming_uniform with
// a = √5 for the weight, which has that bound, and the same bound for the
// bias), weight first, then bias, drawn from tensor's global generator —
// so tensor.ManualSeed makes a model reproducible — or from the generator
// given with WithGenerator. The numbers differ from PyTorch's, whose
// random stream is another.
type Linear struct {
	Weight *tensor.Tensor
	Bias   *tensor.Tensor
}

// LinearOption configures NewLinear.
type LinearOption func(*linearConfig)

type linearConfig struct {
	noBias bool
	gen    *tensor.Generator
}

// NoBias makes NewLinear leave out the bias, as PyTorch's bias=False.
func NoBias() LinearOption { return func(c *linearConfig) { c.noBias = true } }

// WithGenerator makes NewLinear draw its initial weights from g rather than
// from tensor's global generator.
func WithGenerator(g *tensor.Generator) LinearOption {
	return func(c *linearConfig) { c.gen = g }
}

// NewLinear returns Linear(in_features=in, out_features=out), with a bias
// unless NoBias is given, initialised as PyTorch does. It panics unless in
// and out are positive.
func NewLinear(in, out int, opts ...LinearOption) *Linear {
	if in <= 0 || out <= 0 {
		panic(&tensor.ShapeError{Op: "NewLinear", A: []int{in, out}, Why: "in and out features must be positive"})
	}
	var c linearConfig
	for _, o := range opts {
		o(&c)
	}
	g := genOr(c.gen)
	bound := float32(1 / math.Sqrt(float64(in)))
	l := &Linear{Weight: g.Uniform(-bound, bound, out, in).SetRequiresGrad(true)}
	if !c.noBias {
		l.Bias = g.Uniform(-bound, bound, out).SetRequiresGrad(true)
	}
	return l
}

// Forward computes x·Wᵀ + b (tensor.Linear: one gemm, bias included). It panics (a *tensor.ShapeError) if x's last
// dim is not in.
func (l *Linear) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.Linear(x, l.Weight, l.Bias)
}

// ExtraRepr is what Summary prints inside Linear(…):
// in_features=2, out_features=1, bias=True.
func (l *Linear) ExtraRepr() string {
	s := l.Weight.Shape()
	bias := "True"
	if l.Bias == nil {
		bias = "False"
	}
	return fmt.Sprintf("in_features=%d, out_features=%d, bias=%s", s[1], s[0], bias)
}
