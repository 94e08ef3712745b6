package nn

import (
	"fmt"

	"github.com/nervelab/nerve/tensor"
)

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
