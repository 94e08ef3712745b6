package fit_test

import (
	"fmt"

	"github.com/nervelab/nerve/data"
	"github.com/nervelab/nerve/fit"
	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/optim"
	"github.com/nervelab/nerve/tensor"
)

// Fit trains a model on a loader and returns the per-epoch history: here
// a logistic regression on two separable clusters.
func ExampleFit() {
	g := tensor.NewGenerator(1)
	x := g.Randn(200, 2)
	xs := x.Data()
	labels := make([]int64, 200)
	for i := range labels {
		if i%2 == 1 {
			labels[i] = 1
			xs[2*i] += 4 // class 1 sits to the right
		}
	}
	ds, _ := data.NewTensorDataset(tensor.New(xs, 200, 2), tensor.FromInt64(labels))
	model := nn.NewLinear(2, 2, nn.WithGenerator(g))
	history, err := fit.Fit(model, data.NewLoader(ds, data.Batch(20), data.Shuffle(1)), fit.Options{
		Epochs:    5,
		Loss:      nn.CrossEntropyLoss,
		Optimizer: optim.NewAdam(nn.Parameters(model), optim.AdamConfig{LR: 0.1}),
		Metrics:   []fit.Metric{fit.Accuracy()},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("epochs:", len(history.Epochs))
	fmt.Println("accuracy above 95%:", history.Last()["accuracy"] > 0.95)
	// Output:
	// epochs: 5
	// accuracy above 95%: true
}
