package plot

import (
	"fmt"
	"image"
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Layout of an image grid, in PNG pixels.
const (
	gridCell    = 84 // small images are enlarged by a whole factor to about this size
	gridPad     = 10 // space around and between cells
	gridMaxCols = 8  // columns when cols ≤ 0, as torchvision's make_grid
)

// ImageGrid draws grayscale images in a grid of cols columns, each with an
// optional caption under it (a predicted label, say), and writes it to
// path (.png, .svg or .pdf): the "look at some predictions" picture of an
// MNIST tutorial.
//
// Each image is h*w values in row-major order, 0 black and 1 white
// (matplotlib's cmap="gray" with vmin=0, vmax=1); values outside [0, 1]
// are clamped and NaN is drawn black. Small images are enlarged by a whole
// factor to about 84 pixels, with no smoothing, so 28×28 digits show as
// 84×84 blocks of sharp pixels. labels is nil for no captions, or holds
// one caption per image; a cell is widened to fit the longest caption.
// cols ≤ 0 means min(len(images), 8). The picture's size follows from the
// images and captions.
//
// It returns an error, and writes nothing, if there are no images, h or
// w is not positive, an image does not hold h*w values, labels is not nil
// and its length differs from the number of images, the extension is
// unknown, or the file cannot be written.
func ImageGrid(path string, images [][]float32, h, w int, labels []string, cols int) error {
	if err := checkGrid(images, h, w, labels); err != nil {
		return fmt.Errorf("plot: %s: %w", path, err)
	}
	g := newGridLayout(len(images), h, w, labels, cols)
	return render(path, pxToPt(float64(g.width)), pxToPt(float64(g.height)), func(c draw.Canvas) {
		for i, img := range images {
			g.drawCell(c, i, enlarge(img, h, w, g.scale))
			if labels != nil {
				g.caption(c, i, labels[i])
			}
		}
	})
}

// checkGrid validates ImageGrid's arguments.
func checkGrid(images [][]float32, h, w int, labels []string) error {
	switch {
	case len(images) == 0:
		return fmt.Errorf("no images")
	case h <= 0 || w <= 0:
		return fmt.Errorf("image size %d×%d is not positive", h, w)
	case labels != nil && len(labels) != len(images):
		return fmt.Errorf("%d images and %d labels", len(images), len(labels))
	}
	for i, img := range images {
		if len(img) != h*w {
			return fmt.Errorf("image %d has %d values, want %d×%d = %d", i, len(img), h, w, h*w)
		}
	}
	return nil
}

// gridLayout places the cells of an image grid; all sizes are in pixels
// of the PNG, measured from the top-left corner.
type gridLayout struct {
	cols, scale   int
	imgW, imgH    int // an enlarged image
	cellW, cellH  int // an image and its caption
	captionH      int
	width, height int // the whole picture
	style         text.Style
}

func newGridLayout(n, h, w int, labels []string, cols int) gridLayout {
	if cols <= 0 {
		cols = min(n, gridMaxCols)
	}
	cols = min(cols, n)
	g := gridLayout{cols: cols, scale: max(1, int(math.Round(gridCell/float64(max(h, w)))))}
	g.imgW, g.imgH = w*g.scale, h*g.scale
	g.style = text.Style{
		Color:   color.Black,
		Font:    font.From(sans, 10),
		XAlign:  draw.XCenter,
		YAlign:  draw.YTop,
		Handler: gplot.DefaultTextHandler,
	}
	g.cellW = g.imgW
	if labels != nil {
		g.captionH = int(math.Ceil(ptToPx(g.style.FontExtents().Height))) + 4
		for _, l := range labels {
			g.cellW = max(g.cellW, int(math.Ceil(ptToPx(g.style.Width(l))))+4)
		}
	}
	g.cellH = g.imgH + g.captionH
	rows := (n + cols - 1) / cols
	g.width = cols*g.cellW + (cols+1)*gridPad
	g.height = rows*g.cellH + (rows+1)*gridPad
	return g
}

// cellOrigin returns the top-left pixel of cell i.
func (g gridLayout) cellOrigin(i int) (x, y int) {
	row, col := i/g.cols, i%g.cols
	return gridPad + col*(g.cellW+gridPad), gridPad + row*(g.cellH+gridPad)
}

// point converts a pixel position (from the top left) to a canvas point
// (from the bottom left, in points).
func (g gridLayout) point(x, y int) vg.Point {
	return vg.Point{X: pxToPt(float64(x)), Y: pxToPt(float64(g.height - y))}
}

// drawCell draws img, already enlarged, centred at the top of cell i.
func (g gridLayout) drawCell(c draw.Canvas, i int, img image.Image) {
	x, y := g.cellOrigin(i)
	x += (g.cellW - g.imgW) / 2
	rect := vg.Rectangle{Min: g.point(x, y+g.imgH), Max: g.point(x+g.imgW, y)}
	c.DrawImage(rect, img)
}

// caption writes label centred under the image of cell i.
func (g gridLayout) caption(c draw.Canvas, i int, label string) {
	x, y := g.cellOrigin(i)
	c.FillText(g.style, g.point(x+g.cellW/2, y+g.imgH+2), label)
}

// enlarge turns h*w values in [0, 1] into a grayscale image enlarged s
// times with nearest-neighbour sampling.
func enlarge(v []float32, h, w, s int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w*s, h*s))
	for y := range h * s {
		row := img.Pix[y*img.Stride:]
		for x := range w * s {
			row[x] = gray(v[(y/s)*w+x/s])
		}
	}
	return img
}

// gray maps [0, 1] to 0..255, clamping outside values and NaN to black.
func gray(v float32) uint8 {
	if !(v > 0) {
		return 0
	}
	if v >= 1 {
		return 255
	}
	return uint8(v*255 + 0.5)
}
