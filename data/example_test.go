package data_test

import (
	"fmt"

	"github.com/nervelab/nerve/data"
	"github.com/nervelab/nerve/tensor"
)

// A TensorDataset of 10 examples cut into shuffled batches of 4: the
// same seed gives the same order on every run, a new order every epoch.
func ExampleLoader() {
	x := tensor.Arange(0, 20, 1).Reshape(10, 2)
	y := tensor.FromInt64([]int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	ds, err := data.NewTensorDataset(x, y)
	if err != nil {
		panic(err)
	}
	loader := data.NewLoader(ds, data.Batch(4), data.Shuffle(42), data.DropLast())
	fmt.Println("batches per epoch:", loader.Len())
	for xb, yb := range loader.All() {
		fmt.Println(xb.Shape(), len(yb.Int64s()))
	}
	// Output:
	// batches per epoch: 2
	// [4 2] 4
	// [4 2] 4
}

// RandomSplit divides a dataset by fractions with a seed.
func ExampleRandomSplit() {
	ds, _ := data.NewTensorDataset(tensor.Zeros(10, 3), tensor.Zeros(10))
	parts, err := data.RandomSplit(ds, 1, 0.8, 0.2)
	if err != nil {
		panic(err)
	}
	fmt.Println(parts[0].Len(), parts[1].Len())
	// Output: 8 2
}
