package nn_test

import "github.com/nervelab/nerve/tensor"

// fxTensor is a float32 tensor in a PyTorch fixture file (testdata/*.json,
// written by testdata/gen_*.py): its shape and its elements in row-major
// order.
type fxTensor struct {
	Shape []int     `json:"shape"`
	Data  []float32 `json:"data"`
}

func (x *fxTensor) tensor() *tensor.Tensor { return tensor.New(x.Data, x.Shape...) }
