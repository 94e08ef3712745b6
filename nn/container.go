package nn

import (
	"fmt"

	"github.com/nervelab/nerve/tensor"
)

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
