// Command sequential trains an nn.Sequential — Linear(10,5) → ReLU →
// Linear(5,1) → Sigmoid — on a batch of 10 random inputs with 0/1 targets,
// with the mean squared error and SGD (lr 0.01) for 50 epochs, then writes
// a loss curve and an actual-vs-predicted plot.
//
//	go run ./examples/sequential [-out DIR]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/optim"
	"github.com/nervelab/nerve/plot"
	"github.com/nervelab/nerve/tensor"
)

// run trains, writes the plots into dir and returns the per-epoch losses.
func run(w io.Writer, dir string) ([]float64, error) {
	tensor.ManualSeed(0)
	model := nn.NewSequential(
		nn.NewLinear(10, 5),
		nn.ReLU{},
		nn.NewLinear(5, 1),
		nn.Sigmoid{},
	)
	fmt.Fprintln(w, nn.Summary(model))
	x := tensor.Randn(10, 10)
	y := tensor.RandInt(0, 2, 10, 1).Float()
	opt := optim.NewSGD(nn.Parameters(model), optim.SGDConfig{LR: 0.01})
	const epochs = 50
	var losses []float64
	for epoch := 1; epoch <= epochs; epoch++ {
		loss := nn.MSELoss(model.Forward(x), y)
		opt.ZeroGrad()
		loss.Backward()
		opt.Step()
		losses = append(losses, float64(loss.Item()))
		if epoch%10 == 0 {
			fmt.Fprintf(w, "Epoch [%d/%d], Loss: %.4f\n", epoch, epochs, loss.Item())
		}
	}
	var pred *tensor.Tensor
	tensor.NoGrad(func() { pred = model.Forward(x) })
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return losses, err
	}
	lossPath := filepath.Join(dir, "sequential_loss.png")
	predPath := filepath.Join(dir, "sequential_predictions.png")
	if err := plot.Losses(lossPath, losses, nil); err != nil {
		return losses, err
	}
	if err := plot.ActualAndPredicted(predPath, f64(y.Data()), f64(pred.Data())); err != nil {
		return losses, err
	}
	fmt.Fprintf(w, "wrote %s and %s\n", lossPath, predPath)
	return losses, nil
}

func f64(xs []float32) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}

func main() {
	out := flag.String("out", ".", "folder for the PNG plots")
	flag.Parse()
	if _, err := run(os.Stdout, *out); err != nil {
		fmt.Fprintln(os.Stderr, "sequential:", err)
		os.Exit(1)
	}
}
