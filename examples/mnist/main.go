// Command mnist is PyTorch's quickstart in nerve: a three-layer MLP
// trained with Adam on real MNIST, evaluated on the test set after every
// epoch, its loss curve plotted and its weights saved.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/nervelab/nerve/data"
	"github.com/nervelab/nerve/data/mnist"
	"github.com/nervelab/nerve/fit"
	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/optim"
	"github.com/nervelab/nerve/plot"
	"github.com/nervelab/nerve/tensor"
)

func main() {
	epochs := flag.Int("epochs", 3, "passes over the training data")
	limit := flag.Int("limit", 0, "train on the first N images only (0: all)")
	flag.Parse()
	acc, err := run(*epochs, *limit)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("test accuracy: %.2f%%\n", 100*acc)
}

// run trains and returns the final test accuracy.
func run(epochs, limit int) (float64, error) {
	train, test, err := mnist.Load(mnist.DefaultDir())
	if err != nil {
		return 0, err
	}
	var ds data.Dataset = train
	if limit > 0 {
		ds = data.Head(train, limit)
	}
	tensor.ManualSeed(1)
	loader := data.NewLoader(ds, data.Batch(64), data.Shuffle(1), data.Workers(1))
	model := nn.NewSequential(nn.NewFlatten(), nn.NewLinear(784, 512), nn.ReLU{},
		nn.NewLinear(512, 512), nn.ReLU{}, nn.NewLinear(512, 10))
	history, err := fit.Fit(model, loader, fit.Options{
		Epochs: epochs, Loss: nn.CrossEntropyLoss,
		Optimizer: optim.NewAdam(nn.Parameters(model), optim.AdamConfig{LR: 1e-3}),
		Validate:  data.NewLoader(test, data.Batch(1000)),
		Metrics:   []fit.Metric{fit.Accuracy()},
		Progress:  os.Stdout, Checkpoint: "mnist.ckpt",
	})
	if err != nil {
		return 0, err
	}
	if err := plot.Losses("loss.png", history.Series("loss"), history.Series("val_loss")); err != nil {
		return 0, err
	}
	if err := nn.Save(model, "mnist.safetensors"); err != nil {
		return 0, err
	}
	return history.Last()["val_accuracy"], nil
}
