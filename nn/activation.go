package nn

import (
	"fmt"
	"strings"

	"github.com/nervelab/nerve/tensor"
)

// The activation modules wrap tensor's activation ops so they fit in a
// Sequential or a struct field; each is torch.nn's module of the same name.
// Shape: any → the same. They hold no parameters and may be used by value
// (nn.ReLU{}) or by pointer.
//
// Their fields are PyTorch's arguments, and a zero field means PyTorch's
// default wherever zero is not itself a useful value: LeakyReLU{} has
// slope 0.01, ELU{} alpha 1, Softplus{} beta 1 and threshold 20. (A slope
// of exactly 0 is ReLU; an alpha or beta of 0 would be degenerate.)
// Softmax and LogSoftmax take Dim as written, 0 included: PyTorch's
// implicit dim is deprecated, so set it.

// ReLU is max(x, 0), as torch.nn.ReLU.
type ReLU struct{}

// Forward applies ReLU.
func (ReLU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.ReLU() }

// LeakyReLU is x for x > 0 and Slope·x otherwise, as torch.nn.LeakyReLU
// (zero Slope: 0.01, PyTorch's default negative_slope).
type LeakyReLU struct{ Slope float32 }

func (l LeakyReLU) slope() float32 { return orDefault(l.Slope, 0.01) }

// Forward applies LeakyReLU.
func (l LeakyReLU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.LeakyReLU(l.slope()) }

// ExtraRepr is what Summary prints: negative_slope=0.01.
func (l LeakyReLU) ExtraRepr() string { return fmt.Sprintf("negative_slope=%v", l.slope()) }

// ELU is x for x > 0 and Alpha·(eˣ−1) otherwise, as torch.nn.ELU (zero
// Alpha: 1).
type ELU struct{ Alpha float32 }

func (e ELU) alpha() float32 { return orDefault(e.Alpha, 1) }

// Forward applies ELU.
func (e ELU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.ELU(e.alpha()) }

// ExtraRepr is what Summary prints: alpha=1.0.
func (e ELU) ExtraRepr() string { return "alpha=" + pyFloat(e.alpha()) }

// GELU is x·Φ(x), Φ the standard normal CDF, as torch.nn.GELU with its
// default approximate='none' (the tanh approximation is not offered).
type GELU struct{}

// Forward applies GELU.
func (GELU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.GELU() }

// ExtraRepr is what Summary prints: approximate='none'.
func (GELU) ExtraRepr() string { return "approximate='none'" }

// SiLU (swish) is x·σ(x), as torch.nn.SiLU.
type SiLU struct{}

// Forward applies SiLU.
func (SiLU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.SiLU() }

// Sigmoid is σ(x) = 1/(1+e⁻ˣ), as torch.nn.Sigmoid.
type Sigmoid struct{}

// Forward applies Sigmoid.
func (Sigmoid) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Sigmoid() }

// Tanh is the hyperbolic tangent, as torch.nn.Tanh.
type Tanh struct{}

// Forward applies Tanh.
func (Tanh) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Tanh() }

// Softplus is log(1+e^(β·x))/β, and x itself where β·x > Threshold, as
// torch.nn.Softplus (zero values: β 1, threshold 20).
type Softplus struct{ Beta, Threshold float32 }

func (s Softplus) params() (float32, float32) {
	return orDefault(s.Beta, 1), orDefault(s.Threshold, 20)
}

// Forward applies Softplus.
func (s Softplus) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Softplus(s.params()) }

// ExtraRepr is what Summary prints: beta=1, threshold=20.
func (s Softplus) ExtraRepr() string {
	b, t := s.params()
	return fmt.Sprintf("beta=%v, threshold=%v", b, t)
}

// Softmax is exp(x)/Σexp(x) along Dim (negative counts from the end), as
// torch.nn.Softmax. Forward panics (a *tensor.IndexError) if Dim is out of
// range.
type Softmax struct{ Dim int }

// Forward applies Softmax.
func (s Softmax) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Softmax(s.Dim) }

// ExtraRepr is what Summary prints: dim=1.
func (s Softmax) ExtraRepr() string { return fmt.Sprintf("dim=%d", s.Dim) }

// LogSoftmax is log(Softmax(x)) along Dim, computed stably, as
// torch.nn.LogSoftmax. Forward panics (a *tensor.IndexError) if Dim is out
// of range.
type LogSoftmax struct{ Dim int }

// Forward applies LogSoftmax.
func (s LogSoftmax) Forward(x *tensor.Tensor) *tensor.Tensor { return x.LogSoftmax(s.Dim) }

// ExtraRepr is what Summary prints: dim=1.
func (s LogSoftmax) ExtraRepr() string { return fmt.Sprintf("dim=%d", s.Dim) }

func orDefault(v, def float32) float32 {
	if v == 0 {
		return def
	}
	return v
}

// pyFloat formats like Python's repr of a float: 1.0, 0.5, 1e-05.
func pyFloat(v float32) string {
	s := fmt.Sprintf("%v", v)
	if strings.ContainsAny(s, ".eNI") { // a point, an exponent, NaN, ±Inf
		return s
	}
	return s + ".0"
}
