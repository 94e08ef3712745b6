package plot_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/nervelab/nerve/plot"
)

// tempDir stands in for the directory a program would write its pictures to.
func tempDir() string {
	dir, err := os.MkdirTemp("", "nerve-plot-example")
	if err != nil {
		panic(err)
	}
	return dir
}

// The loss curve of a training run: train and validation loss per epoch.
func ExampleLosses() {
	dir := tempDir()
	defer os.RemoveAll(dir)

	train := []float64{2.30, 1.12, 0.71, 0.52, 0.43, 0.38}
	val := []float64{2.05, 1.21, 0.83, 0.66, 0.61, 0.60}
	err := plot.Losses(filepath.Join(dir, "loss.png"), train, val)
	fmt.Println(err)
	// Output: <nil>
}

// Metric curves with Lines: any number of named series.
func ExampleLines() {
	dir := tempDir()
	defer os.RemoveAll(dir)

	err := plot.Lines(filepath.Join(dir, "accuracy.svg"), "Accuracy", "Epoch", "Accuracy",
		plot.Series{Name: "train", Y: []float64{0.81, 0.92, 0.95, 0.97}},
		plot.Series{Name: "test", Y: []float64{0.85, 0.91, 0.93, 0.94}})
	fmt.Println(err)
	// Output: <nil>
}

// A regression model judged two ways: predicted against actual with the
// line y = x, and both against the sample number.
func ExamplePredictedVsActual() {
	dir := tempDir()
	defer os.RemoveAll(dir)

	actual := []float64{1.0, 2.1, 2.9, 4.2, 5.1, 5.8}
	predicted := []float64{1.2, 1.9, 3.1, 3.9, 5.3, 6.1}
	fmt.Println(plot.PredictedVsActual(filepath.Join(dir, "scatter.png"), actual, predicted))
	fmt.Println(plot.ActualAndPredicted(filepath.Join(dir, "samples.png"), actual, predicted))
	// Output:
	// <nil>
	// <nil>
}

// A network's output over doses 0..1, with the three points it was
// trained on.
func ExampleCurve() {
	dir := tempDir()
	defer os.RemoveAll(dir)

	curve := plot.Series{Name: "network"}
	for i := 0; i <= 100; i++ {
		dose := float64(i) / 100
		curve.X = append(curve.X, dose)
		curve.Y = append(curve.Y, math.Max(0, 1-16*(dose-0.5)*(dose-0.5)))
	}
	train := plot.Series{Name: "training data", X: []float64{0, 0.5, 1}, Y: []float64{0, 1, 0}}
	err := plot.Curve(filepath.Join(dir, "dose.png"), "Dose response", "Dose", "Effectiveness", curve, train)
	fmt.Println(err)
	// Output: <nil>
}

// Errors say which file and what was wrong; nothing is written.
func ExampleLines_errors() {
	fmt.Println(plot.Losses("loss.gif", []float64{1, 0.5}, nil))
	fmt.Println(plot.Lines("acc.png", "", "", "", plot.Series{Name: "val", X: []float64{1, 2}, Y: []float64{0.5}}))
	fmt.Println(plot.PredictedVsActual("pred.png", []float64{1, 2, 3}, []float64{1, 2}))
	// Output:
	// plot: loss.gif: unknown image format ".gif" (want .png, .svg or .pdf)
	// plot: acc.png: series 0 "val" has 2 x values and 1 y values
	// plot: pred.png: 3 actual values and 2 predicted values
}

// Some test digits with their predicted labels under them.
func ExampleImageGrid() {
	dir := tempDir()
	defer os.RemoveAll(dir)

	images := make([][]float32, 4) // each 28×28, values in [0, 1]
	for i := range images {
		images[i] = make([]float32, 28*28)
		for y := 4; y < 24; y++ {
			images[i][y*28+10+2*i] = 1 // a vertical stroke
		}
	}
	labels := []string{"pred 1", "pred 1", "pred 7", "pred 1"}
	err := plot.ImageGrid(filepath.Join(dir, "digits.png"), images, 28, 28, labels, 2)
	fmt.Println(err)
	// Output: <nil>
}
