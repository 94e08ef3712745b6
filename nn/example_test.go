package nn_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/tensor"
)

// ExampleNet is the network of PyTorch's tutorials: two Linear layers with
// a ReLU between them. Its fields name its parameters: fc1.weight, fc1.bias,
// fc2.weight, fc2.bias.
type ExampleNet struct {
	FC1 *nn.Linear
	FC2 *nn.Linear
}

// Forward computes fc2(relu(fc1(x))).
func (m *ExampleNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	return m.FC2.Forward(m.FC1.Forward(x).ReLU())
}

func Example() {
	tensor.ManualSeed(0) // the same weights on every run
	model := &ExampleNet{FC1: nn.NewLinear(2, 2), FC2: nn.NewLinear(2, 1)}
	fmt.Println(nn.Summary(model))
	for _, p := range nn.NamedParameters(model) {
		fmt.Println(p.Name, p.Tensor.Shape())
	}

	x := tensor.New([]float32{1, 2, 3, 4, 5, 6}, 3, 2) // a batch of 3 inputs
	var y *tensor.Tensor
	tensor.NoGrad(func() { y = model.Forward(x) }) // inference: no graph
	fmt.Println(y.Shape())
	fmt.Printf("%.4f\n", y.Data())
	// Output:
	// ExampleNet(
	//   (fc1): Linear(in_features=2, out_features=2, bias=True)
	//   (fc2): Linear(in_features=2, out_features=1, bias=True)
	// )
	// fc1.weight [2 2]
	// fc1.bias [2]
	// fc2.weight [1 2]
	// fc2.bias [1]
	// [3 1]
	// [0.7871 1.4243 2.0616]
}

func ExampleSequential() {
	model := nn.NewSequential(
		nn.NewFlatten(),
		nn.NewLinear(784, 128),
		nn.ReLU{},
		nn.NewDropout(0.2),
		nn.NewLinear(128, 10),
		nn.LogSoftmax{Dim: 1},
	)
	fmt.Println(nn.Summary(model))
	total, trainable := nn.NumParameters(model)
	fmt.Println(total, trainable, nn.NamedParameters(model)[2].Name)
	// Output:
	// Sequential(
	//   (0): Flatten(start_dim=1, end_dim=-1)
	//   (1): Linear(in_features=784, out_features=128, bias=True)
	//   (2): ReLU()
	//   (3): Dropout(p=0.2, inplace=False)
	//   (4): Linear(in_features=128, out_features=10, bias=True)
	//   (5): LogSoftmax(dim=1)
	// )
	// 101770 101770 4.weight
}

func ExampleSummaryTable() {
	model := &ExampleNet{FC1: nn.NewLinear(2, 2), FC2: nn.NewLinear(2, 1, nn.NoBias())}
	model.FC1.Bias.SetRequiresGrad(false) // frozen: listed, not trainable
	fmt.Print(nn.SummaryTable(model))
	// Output:
	// Parameter   Shape               Count  Trainable
	// --------------------------------------------------
	// fc1.weight  [2 2]                   4  yes
	// fc1.bias    [2]                     2  no
	// fc2.weight  [1 2]                   2  yes
	// --------------------------------------------------
	// Total parameters: 8
	// Trainable parameters: 6
	// Non-trainable parameters: 2
}

func ExampleSave() {
	dir, _ := os.MkdirTemp("", "nerve")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")

	a := &ExampleNet{FC1: nn.NewLinear(2, 2), FC2: nn.NewLinear(2, 1)}
	if err := nn.Save(a, path); err != nil {
		fmt.Println(err)
	}
	b := &ExampleNet{FC1: nn.NewLinear(2, 2), FC2: nn.NewLinear(2, 1)}
	if err := nn.Load(b, path); err != nil {
		fmt.Println(err)
	}
	fmt.Println(b.FC2.Weight.At(0, 1) == a.FC2.Weight.At(0, 1))

	wrong := &ExampleNet{FC1: nn.NewLinear(2, 3), FC2: nn.NewLinear(3, 1, nn.NoBias())}
	err := nn.Load(wrong, path)
	fmt.Println(strings.ReplaceAll(err.Error(), dir, "DIR"))
	// Output:
	// true
	// nn.Load: DIR/model.safetensors: 4 mismatches, nothing loaded:
	// 	"fc1.bias": shape [2] in file, [3] in model
	// 	"fc1.weight": shape [2 2] in file, [3 2] in model
	// 	unexpected "fc2.bias"
	// 	"fc2.weight": shape [1 2] in file, [1 3] in model
}

func ExampleFunc() {
	double := nn.Func(func(x *tensor.Tensor) *tensor.Tensor { return x.MulScalar(2) })
	model := nn.NewSequential(double, nn.Func((*tensor.Tensor).ReLU))
	fmt.Println(model.Forward(tensor.New([]float32{-1, 3}, 2)).Data())
	// Output:
	// [0 6]
}
