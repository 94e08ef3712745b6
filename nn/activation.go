package nn

import (
	"fmt"

	"github.com/nervelab/nerve/tensor"
)

// The activation modules wrap tensor's activation ops so they fit in a
// Sequential. Zero-valued parameters mean PyTorch's defaults where zero is
// not a useful value (LeakyReLU's slope 0.01, ELU's alpha 1, Softplus's beta
// 1 and threshold 20); Softmax and LogSoftmax need their Dim set.

// ReLU is max(x, 0).
type ReLU struct{}

// Forward applies ReLU.
func (ReLU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.ReLU() }

// LeakyReLU is x for x > 0 and Slope·x otherwise (zero Slope: 0.01).
type LeakyReLU struct{ Slope float32 }

func (l LeakyReLU) slope() float32 { return orDefault(l.Slope, 0.01) }

// Forward applies LeakyReLU.
func (l LeakyReLU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.LeakyReLU(l.slope()) }

// ExtraRepr is what Summary prints.
func (l LeakyReLU) ExtraRepr() string { return fmt.Sprintf("negative_slope=%v", l.slope()) }

// ELU is x for x > 0 and Alpha·(eˣ−1) otherwise (zero Alpha: 1).
type ELU struct{ Alpha float32 }

func (e ELU) alpha() float32 { return orDefault(e.Alpha, 1) }

// Forward applies ELU.
func (e ELU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.ELU(e.alpha()) }

// ExtraRepr is what Summary prints.
func (e ELU) ExtraRepr() string { return "alpha=" + pyFloat(e.alpha()) }

// GELU is x·Φ(x), the exact form.
type GELU struct{}

// Forward applies GELU.
func (GELU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.GELU() }

// ExtraRepr is what Summary prints.
func (GELU) ExtraRepr() string { return "approximate='none'" }

// SiLU is x·σ(x).
type SiLU struct{}

// Forward applies SiLU.
func (SiLU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.SiLU() }

// Sigmoid is 1/(1+e⁻ˣ).
type Sigmoid struct{}

// Forward applies Sigmoid.
func (Sigmoid) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Sigmoid() }

// Tanh is the hyperbolic tangent.
type Tanh struct{}

// Forward applies Tanh.
func (Tanh) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Tanh() }

// Softplus is log(1+e^(βx))/β, linear above βx > Threshold (zero values:
// β 1, threshold 20).
type Softplus struct{ Beta, Threshold float32 }

func (s Softplus) params() (float32, float32) {
	return orDefault(s.Beta, 1), orDefault(s.Threshold, 20)
}

// Forward applies Softplus.
func (s Softplus) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Softplus(s.params()) }

// ExtraRepr is what Summary prints.
func (s Softplus) ExtraRepr() string {
	b, t := s.params()
	return fmt.Sprintf("beta=%v, threshold=%v", b, t)
}

// Softmax normalises along Dim.
type Softmax struct{ Dim int }

// Forward applies Softmax.
func (s Softmax) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Softmax(s.Dim) }

// ExtraRepr is what Summary prints.
func (s Softmax) ExtraRepr() string { return fmt.Sprintf("dim=%d", s.Dim) }

// LogSoftmax is log(Softmax) along Dim, computed stably.
type LogSoftmax struct{ Dim int }

// Forward applies LogSoftmax.
func (s LogSoftmax) Forward(x *tensor.Tensor) *tensor.Tensor { return x.LogSoftmax(s.Dim) }

// ExtraRepr is what Summary prints.
func (s LogSoftmax) ExtraRepr() string { return fmt.Sprintf("dim=%d", s.Dim) }

func orDefault(v, def float32) float32 {
	if v == 0 {
		return def
	}
	return v
}

// pyFloat formats like Python's repr of a float: 1.0, 0.5.
func pyFloat(v float32) string {
	s := fmt.Sprintf("%v", v)
	for _, c := range s {
		if c == '.' || c == 'e' {
			return s
		}
	}
	return s + ".0"
}
