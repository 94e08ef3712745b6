package tensor_test

import (
	"fmt"

	"github.com/nervelab/nerve/tensor"
)

func Example() {
	x := tensor.New([]float32{1, 2, 3, 4}, 2, 2)
	w := tensor.New([]float32{0.5, -1, 2, 0.25}, 2, 2).SetRequiresGrad(true)
	y := x.MatMul(w).ReLU().Sum()
	y.Backward()
	fmt.Println(y)
	fmt.Println(w.Grad())
	// Output:
	// tensor(14., grad_fn=<SumBackward0>)
	// tensor([[4., 0.],
	//         [6., 0.]])
}

func ExampleTensor_Reshape() {
	x := tensor.Arange(0, 6, 1)
	fmt.Println(x.Reshape(2, -1))
	fmt.Println(x.Reshape(2, 3).Transpose(0, 1))
	// Output:
	// tensor([[0., 1., 2.],
	//         [3., 4., 5.]])
	// tensor([[0., 3.],
	//         [1., 4.],
	//         [2., 5.]])
}

func ExampleNoGrad() {
	w := tensor.Ones(3).SetRequiresGrad(true)
	tensor.NoGrad(func() {
		fmt.Println(w.MulScalar(2).RequiresGrad())
	})
	fmt.Println(w.MulScalar(2).RequiresGrad())
	// Output:
	// false
	// true
}

func ExampleCatch() {
	err := tensor.Catch(func() {
		tensor.Zeros(2, 3).Add(tensor.Zeros(4))
	})
	fmt.Println(err)
	// Output:
	// Add: shapes [2 3] and [4] cannot be broadcast
}
