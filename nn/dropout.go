package nn

import (
	"fmt"

	"github.com/nervelab/nerve/tensor"
)

// Dropout zeroes each element with probability P during training and
// scales the others by 1/(1−P) (inverted dropout), so that evaluation is
// the identity, as torch.nn.Dropout.
//
// Shape: any → the same. A new Dropout is in training mode, as PyTorch's
// modules are; nn.Eval switches it off and nn.Train on again. The mask is
// drawn from Generator, or from tensor's global generator when Generator
// is nil, so tensor.ManualSeed makes it reproducible (the masks differ from
// PyTorch's). The zero value is Dropout(p=0), which drops nothing: use
// NewDropout(0.5) for PyTorch's default.
type Dropout struct {
	P         float32
	Generator *tensor.Generator
	eval      bool
}

// NewDropout returns Dropout(p). It panics unless 0 ≤ p ≤ 1.
func NewDropout(p float32) *Dropout {
	if !(p >= 0 && p <= 1) {
		panic(&tensor.IndexError{Op: "NewDropout", Why: fmt.Sprintf("dropout probability has to be between 0 and 1, but got %v", p)})
	}
	return &Dropout{P: p}
}

// SetTraining switches between training (dropping) and evaluation (the
// identity).
func (d *Dropout) SetTraining(on bool) { d.eval = !on }

// Training reports whether d is in training mode.
func (d *Dropout) Training() bool { return !d.eval }

// Forward applies dropout in training mode and returns x itself in
// evaluation mode or when P is 0.
func (d *Dropout) Forward(x *tensor.Tensor) *tensor.Tensor {
	if d.eval || d.P == 0 {
		return x
	}
	if d.P >= 1 {
		return x.MulScalar(0)
	}
	return x.Mul(genOr(d.Generator).DropoutMask(d.P, x.Shape()...))
}

// ExtraRepr is what Summary prints: p=0.5, inplace=False.
func (d *Dropout) ExtraRepr() string { return fmt.Sprintf("p=%v, inplace=False", d.P) }
