package plot

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nervelab/nerve/internal/atomicfile"

	"gonum.org/v1/plot/vg/draw"
)

// A chart of each kind, drawing into path.
var charts = []struct {
	name string
	draw func(path string) error
}{
	{"Lines", func(p string) error {
		return Lines(p, "Accuracy", "Epoch", "Accuracy",
			Series{Name: "train", Y: []float64{0.5, 0.7, 0.8, 0.85}},
			Series{Name: "test", Y: []float64{0.45, 0.6, 0.7, 0.72}})
	}},
	{"Losses", func(p string) error { return Losses(p, []float64{2.3, 1.2, 0.8, 0.6}, []float64{2.1, 1.3, 0.9, 0.8}) }},
	{"LossesTrainOnly", func(p string) error { return Losses(p, []float64{2.3, 1.2, 0.8, 0.6}, nil) }},
	{"Scatter", func(p string) error {
		return Scatter(p, "Data", "x", "y", Series{Name: "a", X: []float64{1, 2, 3}, Y: []float64{3, 1, 2}})
	}},
	{"PredictedVsActual", func(p string) error {
		return PredictedVsActual(p, []float64{1, 2, 3, 4, 5}, []float64{1.2, 1.8, 3.3, 3.9, 5.4})
	}},
	{"ActualAndPredicted", func(p string) error {
		return ActualAndPredicted(p, []float64{1, 2, 3, 4, 5}, []float64{1.2, 1.8, 3.3, 3.9, 5.4})
	}},
	{"Curve", func(p string) error { return Curve(p, "Dose", "Dose", "Effect", doseCurve(), dosePoints()) }},
	{"LRFinder", func(p string) error { lrs, losses := lrSweep(); return LRFinder(p, lrs, losses, 3e-3) }},
	{"ImageGrid", func(p string) error { return ImageGrid(p, rings(6), 28, 28, []string{"0", "1", "2", "3", "4", "5"}, 3) }},
}

func doseCurve() Series {
	s := Series{Name: "network"}
	for i := 0; i <= 100; i++ {
		x := float64(i) / 100
		s.X, s.Y = append(s.X, x), append(s.Y, math.Max(0, 1-16*(x-0.5)*(x-0.5)))
	}
	return s
}

func dosePoints() Series {
	return Series{Name: "training data", X: []float64{0, 0.5, 1}, Y: []float64{0, 1, 0}}
}

// lrSweep is a typical learning-rate range test: flat, falling, exploding.
func lrSweep() (lrs, losses []float64) {
	for i := range 100 {
		lr := 1e-7 * math.Pow(10, float64(i)*8/99)
		lrs = append(lrs, lr)
		losses = append(losses, 2.3-1.5/(1+math.Exp(-2*(math.Log10(lr)+3)))+lr)
	}
	return lrs, losses
}

// rings returns n 28×28 images of bright rings of different sizes.
func rings(n int) [][]float32 {
	imgs := make([][]float32, n)
	for k := range imgs {
		img := make([]float32, 28*28)
		for y := range 28 {
			for x := range 28 {
				d := math.Abs(math.Hypot(float64(x)-13.5, float64(y)-13.5) - 6 - float64(k%4))
				img[y*28+x] = float32(math.Max(0, 1-d/2))
			}
		}
		imgs[k] = img
	}
	return imgs
}

// readPNG decodes the PNG at path and checks its size and that it is not
// blank: a chart has many colours (text antialiasing, lines, grid).
func readPNG(t *testing.T, path string, w, h int) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("%s: size %dx%d, want %dx%d", path, b.Dx(), b.Dy(), w, h)
	}
	if n := colours(img); n < 8 {
		t.Errorf("%s: only %d distinct colours; blank image?", path, n)
	}
	return img
}

func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
		}
	}
	return len(seen)
}

func TestChartsPNG(t *testing.T) {
	for _, c := range charts {
		if c.name == "ImageGrid" {
			continue // its size depends on its images; see grid_test.go
		}
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "chart.png")
			if err := c.draw(path); err != nil {
				t.Fatal(err)
			}
			readPNG(t, path, widthPx, heightPx)
		})
	}
}

func TestChartsSVGAndPDF(t *testing.T) {
	for _, c := range charts {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			svg, pdf := filepath.Join(dir, "chart.svg"), filepath.Join(dir, "chart.PDF")
			if err := c.draw(svg); err != nil {
				t.Fatal(err)
			}
			if err := c.draw(pdf); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(svg)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b, []byte("<?xml")) && !bytes.HasPrefix(b, []byte("<svg")) {
				t.Errorf("svg starts with %q", b[:min(len(b), 20)])
			}
			if !bytes.Contains(b, []byte("</svg>")) {
				t.Error("svg has no closing </svg>")
			}
			if b, err = os.ReadFile(pdf); err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b, []byte("%PDF-")) {
				t.Errorf("pdf starts with %q", b[:min(len(b), 20)])
			}
		})
	}
}

func TestChartsUnknownExtension(t *testing.T) {
	for _, c := range charts {
		for _, name := range []string{"chart.jpg", "chart.txt", "chart"} {
			path := filepath.Join(t.TempDir(), name)
			err := c.draw(path)
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Errorf("%s(%s): error %v, want one naming the path", c.name, name, err)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s(%s): file was written", c.name, name)
			}
		}
	}
}

func TestChartsBadData(t *testing.T) {
	three := []float64{1, 2, 3}
	nan := math.NaN()
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"Lines no series", Lines("x.png", "", "", ""), "no series"},
		{"Lines empty series", Lines("x.png", "", "", "", Series{Name: "val"}), `"val" is empty`},
		{"Lines X/Y lengths", Lines("x.png", "", "", "", Series{X: three, Y: three[:2]}), "3 x values and 2 y values"},
		{"Lines all NaN", Lines("x.png", "", "", "", Series{Y: []float64{nan, math.Inf(1)}}), "no finite values"},
		{"Losses empty", Losses("x.png", nil, nil), "empty"},
		{"Scatter no series", Scatter("x.png", "", "", ""), "no series"},
		{"Scatter empty", Scatter("x.png", "", "", "", Series{}), "empty"},
		{"PredictedVsActual empty", PredictedVsActual("x.png", nil, nil), "actual is empty"},
		{"PredictedVsActual lengths", PredictedVsActual("x.png", three, three[:1]), "3 actual values and 1 predicted"},
		{"ActualAndPredicted lengths", ActualAndPredicted("x.png", three[:1], three), "1 actual values and 3 predicted"},
		{"Curve empty points", Curve("x.png", "", "", "", doseCurve(), Series{}), "points is empty"},
		{"Curve empty curve", Curve("x.png", "", "", "", Series{}, dosePoints()), "curve is empty"},
		{"LRFinder empty", LRFinder("x.png", nil, nil, 1e-3), "no learning rates"},
		{"LRFinder lengths", LRFinder("x.png", three, three[:2], 1e-3), "3 learning rates and 2 losses"},
		{"LRFinder zero lr", LRFinder("x.png", []float64{0, 1}, three[:2], 1e-3), "positive"},
		{"LRFinder NaN lr", LRFinder("x.png", []float64{nan, 1}, three[:2], 1e-3), "positive"},
	}
	for _, c := range cases {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) || !strings.Contains(c.err.Error(), "x.png") {
			t.Errorf("%s: error %v, want one naming x.png and saying %q", c.name, c.err, c.want)
		}
	}
	if _, err := os.Stat("x.png"); err == nil {
		t.Error("a failed call wrote x.png")
	}
}

func TestNonFinitePointsAreSkipped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "loss.png")
	if err := Losses(path, []float64{2, 1, math.NaN(), math.Inf(1), 0.5}, nil); err != nil {
		t.Fatal(err)
	}
	readPNG(t, path, widthPx, heightPx)
	lrs, losses := lrSweep()
	losses[98], losses[99] = math.Inf(1), math.NaN() // diverged
	if err := LRFinder(path, lrs, losses, math.NaN()); err != nil {
		t.Fatal(err)
	}
}

func TestUnwritablePath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		filepath.Join(dir, "missing", "loss.png"), // no such directory
		filepath.Join(file, "loss.png"),           // parent is a file
	} {
		for _, c := range charts {
			if err := c.draw(path); err == nil || !strings.Contains(err.Error(), path) {
				t.Errorf("%s(%s): error %v, want one naming the path", c.name, path, err)
			}
		}
	}
}

// tempFiles returns the names in dir that look like our temporary files.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var tmp []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			tmp = append(tmp, e.Name())
		}
	}
	return tmp
}

func TestRenameOntoDirectoryFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "loss.png")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "keep"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Losses(path, []float64{3, 2, 1}, nil); err == nil {
		t.Fatal("no error writing over a directory")
	}
	if b, err := os.ReadFile(filepath.Join(path, "keep")); err != nil || string(b) != "x" {
		t.Errorf("directory at path damaged: %q, %v", b, err)
	}
	if tmp := tempFiles(t, dir); len(tmp) != 0 {
		t.Errorf("temporary files left behind: %v", tmp)
	}
}

func TestFailedWriteKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "loss.png")
	if err := Losses(path, []float64{3, 2, 1}, nil); err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func(r func(string, string) error) { atomicfile.Rename = r }(atomicfile.Rename)
	atomicfile.Rename = func(string, string) error { return errors.New("disk on fire") }
	err = Losses(path, []float64{1, 2, 3, 4, 5}, []float64{5, 4, 3, 2, 1})
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("error %v, want the rename's", err)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, old) {
		t.Error("the old image was changed by a failed write")
	}
	if tmp := tempFiles(t, dir); len(tmp) != 0 {
		t.Errorf("temporary files left behind: %v", tmp)
	}
	// A failed call on bad data leaves the old file too.
	if err := Losses(path, nil, nil); err == nil {
		t.Fatal("no error for empty losses")
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, old) {
		t.Error("the old image was changed by a call with bad data")
	}
}

func TestOverwrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "loss.png")
	if err := os.WriteFile(path, []byte("not a png"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Losses(path, []float64{3, 2, 1}, nil); err != nil {
		t.Fatal(err)
	}
	readPNG(t, path, widthPx, heightPx)
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want just the image", len(entries))
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, %v; want -rw-r--r--", fi.Mode(), err)
	}
}

func TestRelativePath(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := Losses("loss.svg", []float64{3, 2, 1}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("loss.svg"); err != nil {
		t.Fatal(err)
	}
}

func TestPanicInDrawingIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.png")
	err := render(path, 100, 100, func(c draw.Canvas) { panic("boom") })
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("error %v, want the panic's message", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Error("a failed drawing wrote a file")
	}
}

// Charts drawn from many goroutines at once share nothing mutable (run
// with -race).
func TestConcurrent(t *testing.T) {
	dir := t.TempDir()
	errs := make(chan error, len(charts))
	for i, c := range charts {
		go func() { errs <- c.draw(filepath.Join(dir, fmt.Sprintf("%d.png", i))) }()
	}
	for range charts {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// One epoch, one sample, one learning rate: the degenerate ranges gonum
// widens by ±1 (below zero on a log axis) still draw.
func TestSinglePoint(t *testing.T) {
	dir := t.TempDir()
	one, flat := []float64{0.7}, []float64{2, 2, 2}
	for name, draw := range map[string]func(string) error{
		"Losses":             func(p string) error { return Losses(p, one, one) },
		"Lines flat":         func(p string) error { return Lines(p, "", "", "", Series{Y: flat}) },
		"Scatter":            func(p string) error { return Scatter(p, "", "", "", Series{Y: one}) },
		"PredictedVsActual":  func(p string) error { return PredictedVsActual(p, one, one) },
		"ActualAndPredicted": func(p string) error { return ActualAndPredicted(p, one, one) },
		"Curve":              func(p string) error { return Curve(p, "", "", "", Series{Y: one}, Series{Y: one}) },
		"LRFinder":           func(p string) error { return LRFinder(p, []float64{1e-3}, one, 0) },
		"LRFinder same lr":   func(p string) error { return LRFinder(p, []float64{1e-3, 1e-3}, []float64{1, 2}, 1e-3) },
		"LRFinder suggested": func(p string) error { return LRFinder(p, []float64{1e-3}, one, 1e-2) },
	} {
		path := filepath.Join(dir, name+".png")
		if err := draw(path); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		readPNG(t, path, widthPx, heightPx)
	}
}
