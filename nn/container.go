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
//
// Without a graph (inference, under tensor.NoGrad), the output of one
// nerve layer is released as soon as the next nerve layer has consumed
// it, as PyTorch frees it when its last reference goes: a batch then needs
// the memory of two activations at a time, not of all of them, and a
// ReLU given such an output overwrites it in place. The
// Sequential's input and outputs of (or inputs to) layers of other types
// are never released, since those may keep them.
//
// A ReLU followed by a max pooling runs after it instead: the two commute
// (the largest of the rectified values is the rectified largest value,
// and the gradient reaches the same element), and the ReLU then touches a
// quarter of the elements of a 2×2 pooling.
func (s *Sequential) Forward(x *tensor.Tensor) *tensor.Tensor {
	in, release := x, !tensor.GradEnabled()
	for i := 0; i < len(s.Layers); i++ {
		m := s.Layers[i]
		// dead: x is an output of a nerve layer that only m will read.
		dead := release && i > 0 && transient(s.Layers[i-1]) && transient(m) &&
			!x.SharesStorage(in) && !x.RequiresGrad()
		if isReLU(m) && i+1 < len(s.Layers) && isMaxPool(s.Layers[i+1]) {
			out := s.Layers[i+1].Forward(x)
			if dead && !out.SharesStorage(x) {
				x.Release()
			}
			if release && !out.SharesStorage(x) && !out.SharesStorage(in) {
				out.ReLUInPlace()
			} else {
				out = m.Forward(out)
			}
			x = out
			i++
			continue
		}
		if isReLU(m) && dead {
			x.ReLUInPlace() // PyTorch's ReLU(inplace=True), where it is safe
			continue
		}
		out := m.Forward(x)
		if dead && !out.SharesStorage(x) {
			x.Release()
		}
		x = out
	}
	return x
}

// transient reports whether m is one of nerve's layers, which keep no
// reference to their input or output once Forward returns without a graph.
func transient(m Module) bool {
	switch m.(type) {
	case *Linear, *Conv1d, *Conv2d, *MaxPool1d, *MaxPool2d, *AvgPool2d, *AdaptiveAvgPool2d,
		ReLU, *ReLU, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh, Softplus, Softmax, LogSoftmax,
		Flatten, *Flatten, Identity, *Dropout, *BatchNorm1d, *BatchNorm2d, *LayerNorm, *GroupNorm:
		return true
	}
	return false
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

// isMaxPool reports whether m is one of nerve's max poolings.
func isMaxPool(m Module) bool {
	switch m.(type) {
	case *MaxPool1d, *MaxPool2d:
		return true
	}
	return false
}

func isReLU(m Module) bool {
	switch m.(type) {
	case ReLU, *ReLU:
		return true
	}
	return false
}
