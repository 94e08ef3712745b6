package digit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"

	"github.com/nervelab/nerve/internal/atomicfile"
)

// Size is the side of the square MNIST image Prepare returns.
const Size = 28

// MaxSide is the largest width or height Decode accepts.
const MaxSide = 8192

// Errors wrapped by Load and Decode; the message adds the file name.
var (
	ErrNotPNG   = errors.New("not a PNG image")
	ErrTooSmall = errors.New("image too small: need at least 28×28 pixels")
	ErrTooLarge = errors.New("image too large: at most 8192×8192 pixels")
	ErrBlank    = errors.New("image is blank")
)

const pngSignature = "\x89PNG\r\n\x1a\n"

// Load reads the PNG file at path and returns its digit as Size×Size
// float32 pixels in [0,1], row-major, white on black like MNIST. See
// Decode for the errors.
func Load(path string) ([]float32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("digit: %w", err)
	}
	defer f.Close()
	return Decode(f, path)
}

// Decode reads a PNG from r and returns Prepare of it. name is used in
// errors only. It returns an error wrapping ErrNotPNG if r does not start
// with the PNG signature, ErrTooLarge or ErrTooSmall if the header's width
// or height is above MaxSide or below Size (checked before the pixels are
// decoded), ErrBlank if the image has no digit in it, and the decoder's
// error for a corrupt or truncated file.
func Decode(r io.Reader, name string) ([]float32, error) {
	br := bufio.NewReader(r)
	sig, err := br.Peek(len(pngSignature))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("digit: %s: %w", name, err)
	}
	if string(sig) != pngSignature {
		return nil, fmt.Errorf("digit: %s: %w", name, ErrNotPNG)
	}
	var head bytes.Buffer // what DecodeConfig consumes, replayed to Decode
	cfg, err := png.DecodeConfig(io.TeeReader(br, &head))
	if err != nil {
		return nil, decodeError(name, err)
	}
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return nil, fmt.Errorf("digit: %s: %d×%d pixels: %w", name, cfg.Width, cfg.Height, err)
	}
	img, err := png.Decode(io.MultiReader(&head, br))
	if err != nil {
		return nil, decodeError(name, err)
	}
	pix, ok := prepare(img)
	if !ok {
		return nil, fmt.Errorf("digit: %s: %w", name, ErrBlank)
	}
	return pix, nil
}

func checkSize(w, h int) error {
	switch {
	case w > MaxSide || h > MaxSide:
		return ErrTooLarge
	case w < Size || h < Size:
		return ErrTooSmall
	}
	return nil
}

func decodeError(name string, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("digit: %s: truncated PNG: %w", name, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("digit: %s: %w", name, err)
}

// Save writes pix, h rows of w values, as an 8-bit grayscale PNG at path:
// values are clamped to [0,1] and mapped to 0..255 (NaN to 0). It writes a
// temporary file in the same directory and renames it over path, so a
// reader never sees a partial file. It returns an error if h or w is not
// positive or len(pix) != h*w.
func Save(path string, pix []float32, h, w int) error {
	if h <= 0 || w <= 0 || len(pix) != h*w {
		return fmt.Errorf("digit: %s: %d values do not make a %d×%d image", path, len(pix), h, w)
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i, v := range pix {
		img.Pix[i] = toByte(v)
	}
	if err := atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, img) }); err != nil {
		return fmt.Errorf("digit: %w", err)
	}
	return nil
}

func toByte(v float32) uint8 {
	if !(v > 0) { // also NaN
		return 0
	}
	if v >= 1 {
		return 255
	}
	return uint8(math.Round(float64(v) * 255))
}

// gray16 is the luminance of a colour in [0,1], premultiplied by its alpha
// (so a transparent pixel has 0), and its alpha, as color.GrayModel weighs
// the channels.
func gray16(c color.RGBA64) (lum, alpha float32) {
	y := (19595*uint32(c.R) + 38470*uint32(c.G) + 7471*uint32(c.B) + 1<<15) >> 16
	return float32(y) / 0xffff, float32(c.A) / 0xffff
}
