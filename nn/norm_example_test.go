package nn_test

import (
	"fmt"

	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/tensor"
)

// A batch-normalised block: the running statistics are buffers, saved with
// the model but not handed to the optimizer.
func ExampleNewBatchNorm1d() {
	model := nn.NewSequential(nn.NewLinear(10, 20), nn.NewBatchNorm1d(20), nn.ReLU{}, nn.NewLinear(20, 2))
	fmt.Println(nn.Summary(model))
	total, _ := nn.NumParameters(model)
	fmt.Println("parameters:", len(nn.Parameters(model)), "tensors,", total, "elements")
	for _, b := range nn.NamedBuffers(model) {
		fmt.Println("buffer:", b.Name, b.Tensor.Shape())
	}
	model.Forward(tensor.Randn(8, 10)) // training mode: batch statistics, running averages updated
	nn.Eval(model)                     // evaluation: the running averages
	fmt.Println(model.Forward(tensor.Randn(1, 10)).Shape())
	// Output:
	// Sequential(
	//   (0): Linear(in_features=10, out_features=20, bias=True)
	//   (1): BatchNorm1d(20, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
	//   (2): ReLU()
	//   (3): Linear(in_features=20, out_features=2, bias=True)
	// )
	// parameters: 6 tensors, 302 elements
	// buffer: 1.running_mean [20]
	// buffer: 1.running_var [20]
	// buffer: 1.num_batches_tracked []
	// [1 2]
}

func ExampleNewLayerNorm() {
	ln := nn.NewLayerNorm([]int{4})
	y := ln.Forward(tensor.New([]float32{1, 2, 3, 4, 10, 10, 10, 10}, 2, 4))
	fmt.Println(nn.Summary(ln))
	fmt.Println(y)
	// Output:
	// LayerNorm((4,), eps=1e-05, elementwise_affine=True)
	// tensor([[-1.3416, -0.4472,  0.4472,  1.3416],
	//         [ 0.0000,  0.0000,  0.0000,  0.0000]],
	//        grad_fn=<NativeLayerNormBackward0>)
}
