package plot

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImageGridSize(t *testing.T) {
	cases := []struct {
		n, h, w, cols int
		labels        bool
		wantW, wantH  int
	}{
		// 28×28 is enlarged 3 times to 84×84; 10 px around and between cells.
		{10, 28, 28, 5, false, 5*84 + 6*10, 2*84 + 3*10},
		{10, 28, 28, 0, false, 8*84 + 9*10, 2*84 + 3*10},    // default: 8 columns
		{3, 28, 28, 0, false, 3*84 + 4*10, 84 + 2*10},       // fewer images than 8
		{3, 28, 28, 10, false, 3*84 + 4*10, 84 + 2*10},      // more columns than images
		{4, 100, 200, 2, false, 2*200 + 3*10, 2*100 + 3*10}, // large: not enlarged
		{2, 8, 8, 2, false, 2*88 + 3*10, 88 + 2*10},         // 8×8: 84/8 rounds to 11
	}
	for _, c := range cases {
		path := filepath.Join(t.TempDir(), "grid.png")
		imgs := make([][]float32, c.n)
		for i := range imgs {
			imgs[i] = make([]float32, c.h*c.w)
			for j := range imgs[i] {
				imgs[i][j] = float32(j%13) / 12
			}
		}
		if err := ImageGrid(path, imgs, c.h, c.w, nil, c.cols); err != nil {
			t.Fatal(err)
		}
		readPNG(t, path, c.wantW, c.wantH)
	}
}

func TestImageGridCaptions(t *testing.T) {
	dir := t.TempDir()
	plain, captioned := filepath.Join(dir, "plain.png"), filepath.Join(dir, "captioned.png")
	labels := []string{"pred 7", "pred 2", "pred 1", "a much longer caption"}
	if err := ImageGrid(plain, rings(4), 28, 28, nil, 2); err != nil {
		t.Fatal(err)
	}
	if err := ImageGrid(captioned, rings(4), 28, 28, labels, 2); err != nil {
		t.Fatal(err)
	}
	g := newGridLayout(4, 28, 28, labels, 2)
	if g.captionH < 10 || g.cellW <= 84 {
		t.Errorf("caption height %d, cell width %d: the long caption should widen the cells", g.captionH, g.cellW)
	}
	readPNG(t, plain, 2*84+3*10, 2*84+3*10)
	img := readPNG(t, captioned, g.width, g.height)
	// Under the first image, the caption row holds dark text pixels.
	x0, y0 := g.cellOrigin(0)
	dark := 0
	for y := y0 + g.imgH; y < y0+g.cellH; y++ {
		for x := x0; x < x0+g.cellW; x++ {
			if c := color.GrayModel.Convert(img.At(x, y)).(color.Gray); c.Y < 128 {
				dark++
			}
		}
	}
	if dark < 10 {
		t.Errorf("%d dark pixels in the first caption, want text", dark)
	}
}

// TestImageGridPixels checks the values land where they should, enlarged
// without smoothing: a 2×2 checkerboard becomes four flat 42×42 blocks.
func TestImageGridPixels(t *testing.T) {
	path := filepath.Join(t.TempDir(), "grid.png")
	checker := []float32{0, 1, 1, 0}
	grey := []float32{0.5, 0.5, 0.5, 0.5}
	clamped := []float32{-3, 7, float32(math.NaN()), 0.25}
	if err := ImageGrid(path, [][]float32{checker, grey, clamped}, 2, 2, nil, 3); err != nil {
		t.Fatal(err)
	}
	img := readPNGAny(t, path)
	g := newGridLayout(3, 2, 2, nil, 3)
	if g.scale != 42 {
		t.Fatalf("scale %d, want 42", g.scale)
	}
	want := [][]uint8{{0, 255, 255, 0}, {128, 128, 128, 128}, {0, 255, 0, 64}}
	for i, w := range want {
		x0, y0 := g.cellOrigin(i)
		for q, v := range w {
			// every pixel of the quadrant, edges included
			for y := y0 + (q/2)*42; y < y0+(q/2+1)*42; y++ {
				for x := x0 + (q%2)*42; x < x0+(q%2+1)*42; x++ {
					if c := color.GrayModel.Convert(img.At(x, y)).(color.Gray); c.Y != v {
						t.Fatalf("image %d quadrant %d pixel (%d,%d) = %d, want %d", i, q, x, y, c.Y, v)
					}
				}
			}
		}
	}
	// the padding around the cells is white
	if c := color.GrayModel.Convert(img.At(2, 2)).(color.Gray); c.Y != 255 {
		t.Errorf("corner pixel %d, want white", c.Y)
	}
}

func TestImageGridSVG(t *testing.T) {
	path := filepath.Join(t.TempDir(), "grid.svg")
	if err := ImageGrid(path, rings(3), 28, 28, []string{"a", "b", "c"}, 0); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("<?xml")) || bytes.Count(b, []byte("<image")) != 3 {
		t.Errorf("svg of %d bytes with %d <image> elements, want 3", len(b), bytes.Count(b, []byte("<image")))
	}
}

func TestImageGridBadData(t *testing.T) {
	imgs := rings(2)
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"no images", ImageGrid("g.png", nil, 28, 28, nil, 0), "no images"},
		{"zero size", ImageGrid("g.png", imgs, 0, 28, nil, 0), "not positive"},
		{"wrong length", ImageGrid("g.png", [][]float32{imgs[0], imgs[1][:10]}, 28, 28, nil, 0), "image 1 has 10 values, want 28×28 = 784"},
		{"labels", ImageGrid("g.png", imgs, 28, 28, []string{"one"}, 0), "2 images and 1 labels"},
		{"extension", ImageGrid("g.gif", imgs, 28, 28, nil, 0), "unknown image format"},
	}
	for _, c := range cases {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, c.err, c.want)
		}
	}
}

// readPNGAny decodes the PNG at path.
func readPNGAny(t *testing.T, path string) image.Image {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}
