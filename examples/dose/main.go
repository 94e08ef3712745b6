// Command dose is the tutorial's hand-built "dose → effectiveness" network,
// written with tensor ops: two ReLU hidden units with fixed weights, a
// trainable final bias b, and a final ReLU. With b = −16 it fits the three
// training points; here b starts at 0 and is found by gradient descent
// (lr 0.1, the per-point squared errors accumulated, one step per epoch,
// stopping once the epoch loss is below 1e-4).
//
//	go run ./examples/dose [-out DIR]
//
// It writes DIR/dose_loss.png (loss per epoch) and DIR/dose_fit.png (the
// fitted curve over doses 0..1 with the training points).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/nervelab/nerve/optim"
	"github.com/nervelab/nerve/plot"
	"github.com/nervelab/nerve/tensor"
)

// forward computes relu(relu(1.7·d − 0.85)·(−40.8) + relu(12.6·d + 0)·2.7 + b).
func forward(dose, b *tensor.Tensor) *tensor.Tensor {
	top := dose.MulScalar(1.7).AddScalar(-0.85).ReLU().MulScalar(-40.8)
	bottom := dose.MulScalar(12.6).AddScalar(0).ReLU().MulScalar(2.7)
	return top.Add(bottom).Add(b).ReLU()
}

// train finds the final bias; it returns it and the loss of each epoch.
func train(w io.Writer) (float32, []float64) {
	inputs := []float32{0, 0.5, 1}
	labels := []float32{0, 1, 0}
	b := tensor.Scalar(0).SetRequiresGrad(true)
	opt := optim.NewSGD([]*tensor.Tensor{b}, optim.SGDConfig{LR: 0.1})
	var losses []float64
	for epoch := 0; epoch < 100; epoch++ {
		total := 0.0
		for i := range inputs {
			out := forward(tensor.Scalar(inputs[i]), b)
			loss := out.SubScalar(labels[i]).Square()
			loss.Backward() // gradients accumulate over the three points
			total += float64(loss.Item())
		}
		losses = append(losses, total)
		if total < 1e-4 {
			fmt.Fprintf(w, "Num steps: %d\n", epoch)
			break
		}
		opt.Step() // one SGD step per epoch
		opt.ZeroGrad()
		fmt.Fprintf(w, "Step: %d Final Bias: %.4f\n", epoch, b.Item())
	}
	fmt.Fprintf(w, "Final bias, after optimization: %.4f\n", b.Item())
	return b.Item(), losses
}

// run trains, prints, and writes the two plots into dir.
func run(w io.Writer, dir string) (float32, error) {
	fmt.Fprintln(w, "outputs with b = -16:", forward(tensor.New([]float32{0, 0.5, 1}), tensor.Scalar(-16)))
	b, losses := train(w)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return b, err
	}
	if err := plot.Lines(filepath.Join(dir, "dose_loss.png"), "Dose network: training loss", "Epoch", "Summed squared error",
		plot.Series{Name: "loss", Y: losses}); err != nil {
		return b, err
	}
	doses := tensor.Linspace(0, 1, 101)
	var fitted *tensor.Tensor
	tensor.NoGrad(func() { fitted = forward(doses, tensor.Scalar(b)) })
	curve := plot.Series{Name: fmt.Sprintf("network (b = %.2f)", b), X: f64(doses.Data()), Y: f64(fitted.Data())}
	points := plot.Series{Name: "training data", X: []float64{0, 0.5, 1}, Y: []float64{0, 1, 0}}
	if err := plot.Curve(filepath.Join(dir, "dose_fit.png"), "Effectiveness vs dose", "Dose", "Effectiveness", curve, points); err != nil {
		return b, err
	}
	fmt.Fprintf(w, "wrote %s and %s\n", filepath.Join(dir, "dose_loss.png"), filepath.Join(dir, "dose_fit.png"))
	return b, nil
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
		fmt.Fprintln(os.Stderr, "dose:", err)
		os.Exit(1)
	}
}
