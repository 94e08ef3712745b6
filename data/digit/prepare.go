package digit

import (
	"image"
	"image/color"
	"math"
)

// Tuning of Prepare, on the levelled image where the paper is 0 and the
// brightest ink 1.
const (
	// InkThreshold is the value above which a pixel is ink when cropping.
	InkThreshold = 0.1
	// MinContrast is the least difference between the brightest pixel and
	// the frame's mean, before levelling, for an image not to be blank.
	MinContrast = 0.1
	// boxSide is the side of the box the digit is scaled into, as in MNIST.
	boxSide = 20
)

// Prepare returns img as Size×Size float32 pixels in [0,1], row-major,
// white digit on black, made as the package comment describes. It accepts
// an image of any size (Decode applies the limits) and returns all zeros
// for an empty or blank one. It does not panic.
func Prepare(img image.Image) []float32 {
	pix, _ := prepare(img)
	return pix
}

// prepare is Prepare that also says whether a digit was found.
func prepare(img image.Image) ([]float32, bool) {
	out := make([]float32, Size*Size)
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	if w <= 0 || h <= 0 {
		return out, false
	}
	g := luminance(img)
	if !level(g, w, h) {
		return out, false
	}
	r, ok := inkBox(g, w, h)
	if !ok {
		return out, false
	}
	bw, bh := r.Dx(), r.Dy()
	long := float64(max(bw, bh))
	nw := max(1, int(math.Round(float64(bw)*boxSide/long)))
	nh := max(1, int(math.Round(float64(bh)*boxSide/long)))
	box := resize(g, w, r, nw, nh)
	place(out, box, nw, nh)
	return out, true
}

// luminance returns img's luminance in [0,1], row-major, with transparent
// pixels composited over the background the package comment describes.
func luminance(img image.Image) []float32 {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	at := rgba64At(img)
	g := make([]float32, w*h)
	var sumLum, sumAlpha float64
	transparent := false
	for y := range h {
		for x := range w {
			lum, a := gray16(at(b.Min.X+x, b.Min.Y+y))
			g[y*w+x] = lum
			sumLum += float64(lum)
			sumAlpha += float64(a)
			transparent = transparent || a < 1
		}
	}
	if !transparent || sumAlpha == 0 || sumLum/sumAlpha >= 0.5 {
		return g // opaque, or light strokes: composite over black (add 0)
	}
	for y := range h { // dark strokes: composite over white
		for x := range w {
			_, a := gray16(at(b.Min.X+x, b.Min.Y+y))
			g[y*w+x] += 1 - a
		}
	}
	return g
}

// rgba64At returns img's pixel accessor; the standard image types have one
// that does not allocate.
func rgba64At(img image.Image) func(x, y int) color.RGBA64 {
	if m, ok := img.(image.RGBA64Image); ok {
		return m.RGBA64At
	}
	return func(x, y int) color.RGBA64 {
		r, g, b, a := img.At(x, y).RGBA()
		return color.RGBA64{R: uint16(r), G: uint16(g), B: uint16(b), A: uint16(a)}
	}
}

// level inverts g if its outer frame is bright, then maps the frame's mean
// to 0 and the maximum to 1, clamping. It reports false if the contrast is
// below MinContrast.
func level(g []float32, w, h int) bool {
	paper := frameMean(g, w, h)
	if paper > 0.5 {
		for i, v := range g {
			g[i] = 1 - v
		}
		paper = 1 - paper
	}
	ink := paper
	for _, v := range g {
		ink = max(ink, v)
	}
	if ink-paper < MinContrast {
		return false
	}
	scale := 1 / (ink - paper)
	for i, v := range g {
		g[i] = min(1, max(0, (v-paper)*scale))
	}
	return true
}

// frameMean is the mean of the outer one-pixel frame of g.
func frameMean(g []float32, w, h int) float32 {
	var sum float64
	n := 0
	for y := range h {
		step := w - 1 // first and last column of a middle row
		if y == 0 || y == h-1 || w == 1 {
			step = 1 // whole first and last row
		}
		for x := 0; x < w; x += step {
			sum += float64(g[y*w+x])
			n++
		}
	}
	return float32(sum / float64(n))
}

// inkBox is the bounding box of the pixels above InkThreshold.
func inkBox(g []float32, w, h int) (image.Rectangle, bool) {
	r := image.Rectangle{Min: image.Pt(w, h)} // empty until ink is seen
	for y := range h {
		for x := range w {
			if g[y*w+x] > InkThreshold {
				r.Min.X, r.Min.Y = min(r.Min.X, x), min(r.Min.Y, y)
				r.Max.X, r.Max.Y = max(r.Max.X, x+1), max(r.Max.Y, y+1)
			}
		}
	}
	return r, r.Min.X < r.Max.X
}

// resize scales the part r of g (stride w) to nw×nh: columns first, then
// rows, each axis by resampleWeights.
func resize(g []float32, w int, r image.Rectangle, nw, nh int) []float32 {
	bw, bh := r.Dx(), r.Dy()
	across, down := resampleWeights(bw, nw), resampleWeights(bh, nh)
	tmp := make([]float32, bh*nw)
	for y := range bh {
		row := g[(r.Min.Y+y)*w+r.Min.X:]
		for x, taps := range across {
			var s float64
			for _, t := range taps {
				s += t.w * float64(row[t.i])
			}
			tmp[y*nw+x] = float32(s)
		}
	}
	out := make([]float32, nh*nw)
	for y, taps := range down {
		for x := range nw {
			var s float64
			for _, t := range taps {
				s += t.w * float64(tmp[t.i*nw+x])
			}
			out[y*nw+x] = float32(s)
		}
	}
	return out
}

// tap is one source sample of an output pixel.
type tap struct {
	i int
	w float64
}

// resampleWeights maps n source pixels to m: each output pixel is the
// area-weighted mean of the source pixels it covers when shrinking, and
// interpolates its two nearest source pixels (centres aligned) otherwise,
// which is the identity when m == n.
func resampleWeights(n, m int) [][]tap {
	taps := make([][]tap, m)
	scale := float64(n) / float64(m) // source pixels per output pixel
	for i := range taps {
		if m < n {
			lo, hi := float64(i)*scale, float64(i+1)*scale
			for j := int(lo); j < n && float64(j) < hi; j++ {
				cover := min(float64(j+1), hi) - max(float64(j), lo)
				taps[i] = append(taps[i], tap{j, cover / scale})
			}
			continue
		}
		src := min(float64(n-1), max(0, (float64(i)+0.5)*scale-0.5))
		j := int(src)
		f := src - float64(j)
		taps[i] = []tap{{j, 1 - f}, {min(j+1, n-1), f}}
	}
	return taps
}

// place copies box (nw×nh) into the Size×Size out, shifted by whole pixels
// so that its centre of mass lands on (Size/2, Size/2), kept inside out.
func place(out, box []float32, nw, nh int) {
	var sum, sx, sy float64
	for y := range nh {
		for x := range nw {
			v := float64(box[y*nw+x])
			sum += v
			sx += v * float64(x)
			sy += v * float64(y)
		}
	}
	ox, oy := (Size-nw)/2, (Size-nh)/2
	if sum > 0 {
		ox = min(Size-nw, max(0, int(math.Round(Size/2-sx/sum))))
		oy = min(Size-nh, max(0, int(math.Round(Size/2-sy/sum))))
	}
	for y := range nh {
		copy(out[(y+oy)*Size+ox:], box[y*nw:(y+1)*nw])
	}
}
