// Package data: TEMPORARY stand-in for the declarations this branch codes
// against; removed before merging the real package.
package data

import (
	"fmt"

	"github.com/nervelab/nerve/tensor"
)

// Dataset is a collection of (input, target) examples addressed by index.
type Dataset interface {
	Len() int
	Item(i int) (x, y *tensor.Tensor)
}

// Batcher is the optional fast path.
type Batcher interface {
	Batch(idx []int) (x, y *tensor.Tensor)
}

// TensorDataset holds inputs and targets in host memory.
type TensorDataset struct{ X, Y *tensor.Tensor }

// NewTensorDataset checks that the first dims agree.
func NewTensorDataset(x, y *tensor.Tensor) (*TensorDataset, error) {
	if x.Shape()[0] != y.Shape()[0] {
		return nil, fmt.Errorf("data: first dims differ")
	}
	return &TensorDataset{x, y}, nil
}

// Len is the number of examples.
func (d *TensorDataset) Len() int { return d.X.Shape()[0] }

// Item is unimplemented in the stand-in.
func (d *TensorDataset) Item(i int) (x, y *tensor.Tensor) { panic("stand-in") }
