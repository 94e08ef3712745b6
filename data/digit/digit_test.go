package digit

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seven is a digit 7 in unit coordinates: a bar and a diagonal stroke of
// thickness t, inside the square [0.2, 0.8]².
func seven(t float64) func(u, v float64) bool {
	return func(u, v float64) bool {
		if v >= 0.2 && v <= 0.2+t && u >= 0.25 && u <= 0.75 {
			return true
		}
		// segment from (0.75, 0.2) to (0.4, 0.8)
		ax, ay, bx, by := 0.75, 0.2, 0.4, 0.8
		dx, dy := bx-ax, by-ay
		s := max(0, min(1, ((u-ax)*dx+(v-ay)*dy)/(dx*dx+dy*dy)))
		return math.Hypot(u-ax-s*dx, v-ay-s*dy) <= t/2
	}
}

// coverage rasterises shape on a w×h grid, 4×4 samples a pixel, as the
// fraction of each pixel covered.
func coverage(w, h int, shape func(u, v float64) bool) []float64 {
	c := make([]float64, w*h)
	for y := range h {
		for x := range w {
			n := 0
			for sy := range 4 {
				for sx := range 4 {
					u := (float64(x) + (float64(sx)+0.5)/4) / float64(w)
					v := (float64(y) + (float64(sy)+0.5)/4) / float64(h)
					if shape(u, v) {
						n++
					}
				}
			}
			c[y*w+x] = float64(n) / 16
		}
	}
	return c
}

// blackOnWhite is c as an opaque RGB image: dark ink on white paper.
func blackOnWhite(c []float64, w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i, v := range c {
		g := uint8(math.Round(255 * (1 - v)))
		img.Set(i%w, i/w, color.RGBA{g, g, g, 255})
	}
	return img
}

func writePNG(t *testing.T, name string, img image.Image) string {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, name, buf.Bytes())
}

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// loadErr loads path, wants an error naming it, and returns it.
func loadErr(t *testing.T, path string) error {
	t.Helper()
	pix, err := Load(path)
	if err == nil {
		t.Fatalf("Load(%s) = %d pixels, want an error", filepath.Base(path), len(pix))
	}
	if !strings.Contains(err.Error(), path) || !strings.HasPrefix(err.Error(), "digit: ") {
		t.Errorf("error %q does not name %s", err, path)
	}
	return err
}

func centreOfMass(pix []float32) (cx, cy, maxv float64) {
	var sum float64
	for i, v := range pix {
		sum += float64(v)
		cx += float64(v) * float64(i%Size)
		cy += float64(v) * float64(i/Size)
		maxv = max(maxv, float64(v))
	}
	return cx / sum, cy / sum, maxv
}

func meanAbsDiff(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += math.Abs(float64(a[i] - b[i]))
	}
	return s / float64(len(a))
}

// checkMNISTLike checks pix is a white-on-black digit in a 20-pixel box
// centred by mass.
func checkMNISTLike(t *testing.T, pix []float32) {
	t.Helper()
	if len(pix) != Size*Size {
		t.Fatalf("len = %d, want %d", len(pix), Size*Size)
	}
	cx, cy, maxv := centreOfMass(pix)
	if math.Abs(cx-14) > 0.5 || math.Abs(cy-14) > 0.5 {
		t.Errorf("centre of mass (%.2f, %.2f), want (14, 14) ± 0.5", cx, cy)
	}
	if maxv < 0.95 || maxv > 1 {
		t.Errorf("max = %.3f, want near 1", maxv)
	}
	if f := frameMean(pix, Size, Size); f != 0 {
		t.Errorf("frame mean = %.3f, want 0 (white on black)", f)
	}
	r, _ := inkBox(pix, Size, Size)
	if s := max(r.Dx(), r.Dy()); s < 19 || s > 20 {
		t.Errorf("ink box %v, want its longer side 20", r)
	}
}

func TestNotPNG(t *testing.T) {
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, blackOnWhite(coverage(64, 64, seven(0.1)), 64, 64), nil); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"jpeg.png":  jpg.Bytes(),
		"text.png":  []byte("this is not an image\n"),
		"empty.png": nil,
		"short.png": []byte("\x89PN"),
	} {
		t.Run(name, func(t *testing.T) {
			if err := loadErr(t, writeFile(t, name, b)); !errors.Is(err, ErrNotPNG) {
				t.Errorf("error %q, want ErrNotPNG", err)
			}
		})
	}
}

func TestCorruptPNG(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, blackOnWhite(coverage(64, 64, seven(0.1)), 64, 64)); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	flipped := bytes.Clone(good)
	flipped[len(flipped)-20] ^= 0xff // inside IDAT: bad checksum
	for name, b := range map[string][]byte{
		"header.png":    good[:20],
		"truncated.png": good[:len(good)/2],
		"flipped.png":   flipped,
	} {
		t.Run(name, func(t *testing.T) {
			if err := loadErr(t, writeFile(t, name, b)); errors.Is(err, ErrNotPNG) {
				t.Errorf("error %q, want a decoding error", err)
			}
		})
	}
}

func TestTooSmall(t *testing.T) {
	for _, sz := range []image.Point{{27, 40}, {40, 27}, {1, 1}} {
		path := writePNG(t, "small.png", image.NewGray(image.Rect(0, 0, sz.X, sz.Y)))
		err := loadErr(t, path)
		if !errors.Is(err, ErrTooSmall) || !strings.Contains(err.Error(), "×") {
			t.Errorf("%v: error %q, want ErrTooSmall and the size", sz, err)
		}
	}
	if _, err := Load(writePNG(t, "ok.png", blackOnWhite(coverage(28, 28, seven(0.1)), 28, 28))); err != nil {
		t.Errorf("28×28: %v", err)
	}
}

// pngHeader is a PNG signature and IHDR for an 8-bit grayscale w×h image,
// with no pixel data: DecodeConfig reads it, Decode would fail.
func pngHeader(w, h uint32) []byte {
	ihdr := make([]byte, 4+13)
	copy(ihdr, "IHDR")
	binary.BigEndian.PutUint32(ihdr[4:], w)
	binary.BigEndian.PutUint32(ihdr[8:], h)
	ihdr[12] = 8 // bit depth; colour type 0, the rest 0
	b := []byte(pngSignature)
	b = binary.BigEndian.AppendUint32(b, 13)
	b = append(b, ihdr...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
}

func TestTooLarge(t *testing.T) {
	for _, sz := range [][2]uint32{{8193, 100}, {100, 8193}, {100000, 100000}} {
		err := loadErr(t, writeFile(t, "huge.png", pngHeader(sz[0], sz[1])))
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "×") {
			t.Errorf("%v: error %q, want ErrTooLarge and the size", sz, err)
		}
	}
	// The header alone passes the size checks and then fails to decode.
	err := loadErr(t, writeFile(t, "max.png", pngHeader(8192, 8192)))
	if errors.Is(err, ErrTooLarge) {
		t.Errorf("8192×8192: %v", err)
	}
}

func TestBlackOnWhiteRGB(t *testing.T) {
	pix, err := Load(writePNG(t, "seven.png", blackOnWhite(coverage(280, 280, seven(0.08)), 280, 280)))
	if err != nil {
		t.Fatal(err)
	}
	checkMNISTLike(t, pix)
}

func TestOffCentreWide(t *testing.T) {
	// A small digit in the top-left corner of a wide sheet of grey paper.
	shape := seven(0.08)
	img := blackOnWhite(coverage(600, 200, func(u, v float64) bool {
		return u < 0.2 && v < 0.6 && shape(u/0.2, v/0.6)
	}), 600, 200)
	for i := range img.Pix {
		if i%4 != 3 {
			img.Pix[i] = uint8(float64(img.Pix[i]) * 0.8) // paper 204, ink 0
		}
	}
	checkMNISTLike(t, Prepare(img))
}

// same checks that images encoded different ways prepare to nearly the
// same digit as want.
func same(t *testing.T, name string, img image.Image, want []float32) {
	t.Helper()
	pix, err := Load(writePNG(t, name+".png", img))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	checkMNISTLike(t, pix)
	if d := meanAbsDiff(pix, want); d > 0.01 {
		t.Errorf("%s: mean |diff| from the RGB version = %.4f, want ≤ 0.01", name, d)
	}
}

func TestFormats(t *testing.T) {
	const w, h = 200, 240
	c := coverage(w, h, seven(0.09))
	want := Prepare(blackOnWhite(c, w, h))
	checkMNISTLike(t, want)

	black, white := image.NewNRGBA(image.Rect(0, 0, w, h)), image.NewNRGBA(image.Rect(0, 0, w, h))
	gray16 := image.NewGray16(image.Rect(0, 0, w, h))
	pal := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.White, color.Black})
	for i, v := range c {
		x, y := i%w, i/w
		a := uint8(math.Round(255 * v))
		black.SetNRGBA(x, y, color.NRGBA{0, 0, 0, a})       // black ink on a transparent layer
		white.SetNRGBA(x, y, color.NRGBA{255, 255, 255, a}) // white ink on a transparent layer
		gray16.SetGray16(x, y, color.Gray16{uint16(math.Round(0xffff * (1 - v)))})
		if v >= 0.5 {
			pal.SetColorIndex(x, y, 1)
		}
	}
	same(t, "rgba-black", black, want)
	same(t, "rgba-white", white, want)
	same(t, "gray16", gray16, want)
	pix, err := Load(writePNG(t, "paletted.png", pal))
	if err != nil {
		t.Fatal(err)
	}
	checkMNISTLike(t, pix) // binary: close, not the same
	if d := meanAbsDiff(pix, want); d > 0.05 {
		t.Errorf("paletted: mean |diff| from the RGB version = %.4f, want ≤ 0.05", d)
	}
}

func TestBlank(t *testing.T) {
	white := image.NewGray(image.Rect(0, 0, 100, 100))
	faint := image.NewGray(image.Rect(0, 0, 100, 100))
	for i := range white.Pix {
		white.Pix[i] = 255
		faint.Pix[i] = uint8(128 + i%7) // noise, no digit
	}
	clear := image.NewNRGBA(image.Rect(0, 0, 50, 50))
	for name, img := range map[string]image.Image{"white": white, "faint": faint, "transparent": clear} {
		if err := loadErr(t, writePNG(t, name+".png", img)); !errors.Is(err, ErrBlank) {
			t.Errorf("%s: error %q, want ErrBlank", name, err)
		}
		if pix := Prepare(img); meanAbsDiff(pix, make([]float32, Size*Size)) != 0 {
			t.Errorf("%s: Prepare is not all zeros", name)
		}
	}
}

// mnistLike is a 28×28 white-on-black anti-aliased 7 whose ink fills a
// 20-pixel box, shifted so its centre of mass is within half a pixel of
// (14, 14).
func mnistLike() *image.Gray {
	shape := seven(0.12)
	// The shape's extent in unit coordinates, measured on a fine grid.
	const n = 500
	var fine []float32
	for _, v := range coverage(n, n, shape) {
		fine = append(fine, float32(v))
	}
	r, _ := inkBox(fine, n, n)
	side := float64(max(r.Dx(), r.Dy())) / n
	c := coverage(20, 20, func(u, v float64) bool {
		return shape(float64(r.Min.X)/n+u*side, float64(r.Min.Y)/n+v*side)
	})
	pix := make([]float32, Size*Size)
	for i, v := range c {
		pix[(i/20+4)*Size+i%20+4] = float32(v)
	}
	cx, cy, _ := centreOfMass(pix)
	dx, dy := int(math.Round(14-cx)), int(math.Round(14-cy))
	img := image.NewGray(image.Rect(0, 0, Size, Size))
	for i, v := range pix {
		if v > 0 {
			img.SetGray(i%Size+dx, i/Size+dy, color.Gray{uint8(math.Round(255 * float64(v)))})
		}
	}
	return img
}

func TestMNISTUnchanged(t *testing.T) {
	img := mnistLike()
	in := make([]float32, Size*Size)
	for i, p := range img.Pix {
		in[i] = float32(p) / 255
	}
	r, _ := inkBox(in, Size, Size)
	if max(r.Dx(), r.Dy()) != 20 {
		t.Fatalf("test digit's box is %v, want a longer side of 20", r)
	}
	out := Prepare(img)
	if d := meanAbsDiff(in, out); d > 0.005 {
		t.Errorf("mean |out-in| = %.4f, want ≤ 0.005", d)
	}
}

func TestSaveRoundTrip(t *testing.T) {
	want := Prepare(blackOnWhite(coverage(140, 140, seven(0.08)), 140, 140))
	dir := t.TempDir()
	path := filepath.Join(dir, "seven.png")
	for range 2 { // the second Save replaces the first
		if err := Save(path, want, Size, Size); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if d := meanAbsDiff(got, want); d > 0.01 {
		t.Errorf("mean |Load(Save(x)) - x| = %.4f, want ≤ 0.01", d)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d files in the directory, want 1 (temporary file left?)", len(ents))
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := img.(*image.Gray)
	if !ok || g.Bounds().Dx() != Size {
		t.Fatalf("saved %T %v, want a 28×28 *image.Gray", img, img.Bounds())
	}
}

func TestSaveClampsAndChecks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.png")
	pix := []float32{-1, 0, 0.5, 1, 2, float32(math.NaN())}
	if err := Save(path, pix, 2, 3); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := img.(*image.Gray).Pix, []uint8{0, 0, 128, 255, 255, 0}; !bytes.Equal(got, want) {
		t.Errorf("pixels %v, want %v", got, want)
	}
	for _, c := range []struct{ n, h, w int }{{6, 3, 3}, {0, 0, 0}, {6, -2, -3}} {
		if err := Save(path, make([]float32, c.n), c.h, c.w); err == nil {
			t.Errorf("Save(%d values, %d×%d) did not fail", c.n, c.h, c.w)
		}
	}
	if err := Save(filepath.Join(t.TempDir(), "no", "such", "dir.png"), pix, 2, 3); err == nil {
		t.Error("Save into a missing directory did not fail")
	}
}

func TestPrepareOddImages(t *testing.T) {
	for name, img := range map[string]image.Image{
		"empty": image.NewGray(image.Rect(0, 0, 0, 0)),
		"1×1":   image.NewGray(image.Rect(0, 0, 1, 1)),
		"1×40":  image.NewGray(image.Rect(0, 0, 1, 40)),
	} {
		if pix := Prepare(img); len(pix) != Size*Size {
			t.Errorf("%s: len = %d", name, len(pix))
		}
	}
	// A sub-image whose bounds do not start at (0, 0).
	big := blackOnWhite(coverage(300, 300, seven(0.08)), 300, 300)
	sub := big.SubImage(image.Rect(10, 10, 290, 290))
	checkMNISTLike(t, Prepare(sub))
	// A single bright stroke (a 1) upscaled from a tiny box.
	one := image.NewGray(image.Rect(0, 0, 40, 40))
	for y := 15; y < 25; y++ {
		one.SetGray(20, y, color.Gray{255})
	}
	checkMNISTLike(t, Prepare(one))
}
