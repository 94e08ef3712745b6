package plot

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/nervelab/nerve/internal/atomicfile"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one named sequence of points, Y against X, drawn as a line or
// as markers depending on the chart.
type Series struct {
	// Name is the legend entry; an empty Name leaves the series out of
	// the legend.
	Name string
	// Y holds the values, one per point.
	Y []float64
	// X holds the positions; nil means 1, 2, …, len(Y) (epochs, samples).
	X []float64
}

// The size of every chart: 640×480 pixels in a PNG (96 dots per inch),
// 480×360 points in an SVG or PDF.
const (
	widthPx  = 640
	heightPx = 480
	dpi      = 96
)

// pxToPt converts PNG pixels to vg lengths (points).
func pxToPt(px float64) vg.Length { return vg.Length(px * 72 / dpi) }

// ptToPx converts vg lengths (points) to PNG pixels.
func ptToPx(l vg.Length) float64 { return float64(l) * dpi / 72 }

// formats are the file extensions an image may have, without the dot.
var formats = []string{"png", "svg", "pdf"}

// format returns the image format named by path's extension, in lower case.
func format(path string) (string, error) {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	for _, f := range formats {
		if ext == f {
			return f, nil
		}
	}
	if ext == "" {
		return "", fmt.Errorf("plot: %s: no file extension (want .png, .svg or .pdf)", path)
	}
	return "", fmt.Errorf("plot: %s: unknown image format %q (want .png, .svg or .pdf)", path, "."+ext)
}

// xyPoints checks s and returns its finite points; what names the series
// in an error. A point whose X or Y is NaN or ±Inf is skipped, so a
// diverged loss still draws up to where it diverged.
func xyPoints(s Series, what string) (plotter.XYs, error) {
	if s.Name != "" {
		what = fmt.Sprintf("%s %q", what, s.Name)
	}
	if len(s.Y) == 0 {
		return nil, fmt.Errorf("%s is empty", what)
	}
	if s.X != nil && len(s.X) != len(s.Y) {
		return nil, fmt.Errorf("%s has %d x values and %d y values", what, len(s.X), len(s.Y))
	}
	xys := make(plotter.XYs, 0, len(s.Y))
	for i, y := range s.Y {
		x := float64(i + 1)
		if s.X != nil {
			x = s.X[i]
		}
		if finite(x) && finite(y) {
			xys = append(xys, plotter.XY{X: x, Y: y})
		}
	}
	if len(xys) == 0 {
		return nil, fmt.Errorf("%s has no finite values", what)
	}
	return xys, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// pair checks that actual and predicted are non-empty and of one length.
func pair(actual, predicted []float64) error {
	switch {
	case len(actual) == 0:
		return errors.New("actual is empty")
	case len(predicted) != len(actual):
		return fmt.Errorf("%d actual values and %d predicted values", len(actual), len(predicted))
	}
	return nil
}

// render draws onto a canvas of size w×h in the format path names, encodes
// it in memory and writes it to path atomically. A panic inside the
// drawing library is returned as an error: a plot is never worth crashing
// the training run that asked for it.
func render(path string, w, h vg.Length, drawFn func(draw.Canvas)) error {
	f, err := format(path)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	err = func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("plot: %s: drawing: %v", path, r)
			}
		}()
		c, err := draw.NewFormattedCanvas(w, h, f)
		if err != nil {
			return fmt.Errorf("plot: %s: %w", path, err)
		}
		drawFn(draw.New(c))
		if _, err := c.WriteTo(&buf); err != nil {
			return fmt.Errorf("plot: %s: encoding: %w", path, err)
		}
		return nil
	}()
	if err != nil {
		return err
	}
	return writeFile(path, buf.Bytes())
}

// writeFile writes data to path atomically (see internal/atomicfile).
func writeFile(path string, data []byte) error {
	if err := atomicfile.WriteBytes(path, data); err != nil {
		return fmt.Errorf("plot: %s: %w", path, err)
	}
	return nil
}
