package plot

import (
	"fmt"
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// Lines draws each series as a line, in matplotlib's colour order, with a
// legend of the named series, and writes the chart to path (.png, .svg or
// .pdf). A series of at most 30 points also gets a dot on every point.
// Points whose X or Y is NaN or ±Inf are skipped. When no series has X,
// the x axis is marked at whole numbers only (epochs, samples).
//
// It returns an error, and writes nothing, if there are no series, a
// series is empty or has no finite point, a series' X and Y differ in
// length, the extension is unknown, or the file cannot be written.
func Lines(path, title, xLabel, yLabel string, series ...Series) error {
	return lines(path, title, xLabel, yLabel, series, false)
}

// lines is Lines; with dashSecond the second series is dashed.
func lines(path, title, xLabel, yLabel string, series []Series, dashSecond bool) error {
	if len(series) == 0 {
		return fmt.Errorf("plot: %s: no series to draw", path)
	}
	f := newFigure(title, xLabel, yLabel)
	f.p.X.Tick.Marker = niceTicks{integer: true}
	for i, s := range series {
		if s.X != nil {
			f.p.X.Tick.Marker = niceTicks{}
		}
		xys, err := xyPoints(s, fmt.Sprintf("series %d", i))
		if err == nil {
			err = f.line(s.Name, xys, colour(i), dashSecond && i == 1)
		}
		if err != nil {
			return fmt.Errorf("plot: %s: %w", path, err)
		}
	}
	return f.save(path)
}

// Losses draws the loss per epoch, "Loss" against "Epoch", as the lines
// "train" and, when val is not empty, "validation", and writes the chart to
// path: the loss curve of a training tutorial. Epochs count from 1; train
// and val may differ in length. Errors are those of Lines.
func Losses(path string, train, val []float64) error {
	series := []Series{{Name: "train", Y: train}}
	title := "Training loss"
	if len(val) > 0 {
		series = append(series, Series{Name: "validation", Y: val})
		title = "Training and validation loss"
	}
	return Lines(path, title, "Epoch", "Loss", series...)
}

// Scatter draws each series as markers, in matplotlib's colour order, with
// a legend of the named series, and writes the chart to path. Errors are
// those of Lines.
func Scatter(path, title, xLabel, yLabel string, series ...Series) error {
	if len(series) == 0 {
		return fmt.Errorf("plot: %s: no series to draw", path)
	}
	f := newFigure(title, xLabel, yLabel)
	for i, s := range series {
		xys, err := xyPoints(s, fmt.Sprintf("series %d", i))
		if err == nil {
			err = f.markers(s.Name, xys, colour(i), 3)
		}
		if err != nil {
			return fmt.Errorf("plot: %s: %w", path, err)
		}
	}
	return f.save(path)
}

// PredictedVsActual draws a regression model's predictions against the
// true values, one marker per sample (x = actual, y = predicted), with the
// dashed line y = x where a perfect model's points would lie, both axes
// over the same range, and writes the chart to path. Samples with a NaN or
// infinite value are skipped.
//
// It returns an error, and writes nothing, if actual is empty, the two
// slices differ in length, no sample is finite, the extension is unknown,
// or the file cannot be written.
func PredictedVsActual(path string, actual, predicted []float64) error {
	if err := pair(actual, predicted); err != nil {
		return fmt.Errorf("plot: %s: %w", path, err)
	}
	xys, err := xyPoints(Series{X: actual, Y: predicted}, "samples")
	if err != nil {
		return fmt.Errorf("plot: %s: %w", path, err)
	}
	f := newFigure("Predicted vs actual", "Actual", "Predicted")
	c := colour(0)
	dot := color.NRGBA{R: c.R, G: c.G, B: c.B, A: 0xb0} // overlaps show darker
	lo, hi := span(xys)
	if err := f.markers("predictions", xys, dot, 3); err != nil {
		return fmt.Errorf("plot: %s: %w", path, err)
	}
	if err := f.reference("y = x", plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}}); err != nil {
		return fmt.Errorf("plot: %s: %w", path, err)
	}
	f.p.X.Min, f.p.X.Max, f.p.Y.Min, f.p.Y.Max = lo, hi, lo, hi
	return f.save(path)
}

// span returns the smallest and largest of all coordinates in xys,
// widened by 5% on each side (by 1 if they are equal).
func span(xys plotter.XYs) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, pt := range xys {
		lo, hi = min(lo, pt.X, pt.Y), max(hi, pt.X, pt.Y)
	}
	pad := 0.05 * (hi - lo)
	if pad == 0 {
		pad = 1
	}
	return lo - pad, hi + pad
}

// ActualAndPredicted draws the true values and a model's predictions
// against the sample number (1, 2, …, n), as the lines "actual" (solid)
// and "predicted" (dashed), and writes the chart to path: the companion of
// PredictedVsActual that shows where along the data the model misses.
// Errors are those of PredictedVsActual.
func ActualAndPredicted(path string, actual, predicted []float64) error {
	if err := pair(actual, predicted); err != nil {
		return fmt.Errorf("plot: %s: %w", path, err)
	}
	return lines(path, "Actual and predicted", "Sample", "Value",
		[]Series{{Name: "actual", Y: actual}, {Name: "predicted", Y: predicted}}, true)
}

// Curve draws curve as a line and points as large markers on one chart,
// and writes it to path: a fitted function over its input range together
// with the training points it was fitted to (a small network's output
// over doses 0..1 with its three training doses, say). Named series
// appear in the legend. Errors are those of Lines; both series must be
// non-empty.
func Curve(path, title, xLabel, yLabel string, curve, points Series) error {
	c, err := xyPoints(curve, "curve")
	if err != nil {
		return fmt.Errorf("plot: %s: %w", path, err)
	}
	pts, err := xyPoints(points, "points")
	if err != nil {
		return fmt.Errorf("plot: %s: %w", path, err)
	}
	f := newFigure(title, xLabel, yLabel)
	if err := f.line(curve.Name, c, colour(0), false); err != nil {
		return fmt.Errorf("plot: %s: %w", path, err)
	}
	if err := f.markers(points.Name, pts, colour(1), 5); err != nil {
		return fmt.Errorf("plot: %s: %w", path, err)
	}
	return f.save(path)
}

// LRFinder draws the loss against the learning rate of a learning-rate
// range test (fastai's lr_find, PyTorch Lightning's LR finder) on a
// logarithmic x axis, with a dashed vertical line at the suggested rate,
// and writes the chart to path. A suggested rate that is not positive and
// finite draws no line. Losses that are NaN or infinite (the run diverged)
// are skipped.
//
// It returns an error, and writes nothing, if lrs is empty, the slices
// differ in length, a learning rate is not positive and finite, no loss
// is finite, the extension is unknown, or the file cannot be written.
func LRFinder(path string, lrs, losses []float64, suggested float64) error {
	if len(lrs) == 0 {
		return fmt.Errorf("plot: %s: no learning rates", path)
	}
	if len(losses) != len(lrs) {
		return fmt.Errorf("plot: %s: %d learning rates and %d losses", path, len(lrs), len(losses))
	}
	for i, lr := range lrs {
		if !(lr > 0) || math.IsInf(lr, 1) {
			return fmt.Errorf("plot: %s: learning rate %d is %g; a log axis needs positive finite rates", path, i, lr)
		}
	}
	xys, err := xyPoints(Series{X: lrs, Y: losses}, "losses")
	if err != nil {
		return fmt.Errorf("plot: %s: %w", path, err)
	}
	f := newFigure("Learning rate finder", "Learning rate (log scale)", "Loss")
	f.p.X.Scale = gplot.LogScale{}
	f.p.X.Tick.Marker = logTicks{}
	if err := f.line("loss", xys, colour(0), false); err != nil {
		return fmt.Errorf("plot: %s: %w", path, err)
	}
	if suggested > 0 && !math.IsInf(suggested, 1) {
		_, _, ylo, yhi := plotter.XYRange(xys)
		mark := plotter.XYs{{X: suggested, Y: ylo}, {X: suggested, Y: yhi}}
		if err := f.reference(fmt.Sprintf("suggested lr = %.3g", suggested), mark); err != nil {
			return fmt.Errorf("plot: %s: %w", path, err)
		}
	}
	if f.p.X.Min == f.p.X.Max { // one rate: gonum would widen by ±1, below 0
		f.p.X.Min, f.p.X.Max = f.p.X.Min/10, f.p.X.Max*10
	}
	return f.save(path)
}
