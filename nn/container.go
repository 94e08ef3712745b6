package nn

import (
	"fmt"

	"github.com/nervelab/nerve/tensor"
)

// Sequential chains modules, as torch.nn.Sequential: the output of each is
// the input of the next. Its sub-modules and parameters are named by
// position (0.weight, 2.bias), as PyTorch's are: Layers is inlined by its
// `nn:",inline"` tag.
//
// Shape: the first layer's input → the last layer's output; with no
// layers, the identity.
type Sequential struct {
	Layers []Module `nn:",inline"`
}

// NewSequential returns a Sequential of the given modules, in order.
func NewSequential(mods ...Module) *Sequential { return &Sequential{Layers: mods} }

// Forward runs the layers in order.
func (s *Sequential) Forward(x *tensor.Tensor) *tensor.Tensor {
	for _, m := range s.Layers {
		x = m.Forward(x)
	}
	return x
}

// Flatten merges dims StartDim..EndDim into one, as torch.nn.Flatten;
// negative dims count from the end.
//
// Shape: [N, C, H, W] → [N, C·H·W] with the defaults.
//
// The zero value, Flatten{}, is PyTorch's default Flatten(start_dim=1,
// end_dim=-1), as NewFlatten returns; any other pair is taken as written
// (Flatten{StartDim: 0, EndDim: -1} flattens everything). The pair (0, 0),
// which would change nothing, cannot be written: use Identity. Forward
// panics (a *tensor.IndexError) if a dim is out of range or StartDim comes
// after EndDim.
type Flatten struct{ StartDim, EndDim int }

// NewFlatten returns Flatten(start_dim=1, end_dim=-1).
func NewFlatten() *Flatten { return &Flatten{StartDim: 1, EndDim: -1} }

func (f Flatten) dims() (start, end int) {
	if f.StartDim == 0 && f.EndDim == 0 {
		return 1, -1
	}
	return f.StartDim, f.EndDim
}

// Forward flattens x.
func (f Flatten) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Flatten(f.dims()) }

// ExtraRepr is what Summary prints: start_dim=1, end_dim=-1.
func (f Flatten) ExtraRepr() string {
	s, e := f.dims()
	return fmt.Sprintf("start_dim=%d, end_dim=%d", s, e)
}

// Identity returns its input unchanged, as torch.nn.Identity.
type Identity struct{}

// Forward returns x.
func (Identity) Forward(x *tensor.Tensor) *tensor.Tensor { return x }
