package cpu

import (
	"math"

	"github.com/nervelab/nerve/internal/device"
)

var _ device.Conv = Device{}

// im2col unfolds one image x [C, H, W] into cols [C·KH·KW, OH·OW]: row
// (c, i, j), output position p holds the input under tap (i, j) of the
// window at p, 0 in the padding.
func im2col(cols, x []float32, g *device.ConvGeom) {
	l, kk, hw := g.OH*g.OW, g.KH*g.KW, g.H*g.W
	for r := range g.C * kk {
		c, k := r/kk, r%kk
		im2colRow(cols[r*l:][:l], x[c*hw:][:hw], k/g.KW, k%g.KW, g)
	}
}

// im2colRow writes into dst [OH·OW] the plane src [H, W] as seen by tap
// (ki, kj) of every window.
func im2colRow(dst, src []float32, ki, kj int, g *device.ConvGeom) {
	off := kj*g.DW - g.PW
	lo, hi := validRange(off, g.SW, g.W, g.OW)
	if g.SH == 1 && g.SW == 1 && g.OW == g.W {
		im2colShift(dst, src, ki*g.DH-g.PH, off, lo, hi, g)
		return
	}
	for oh := range g.OH {
		row := dst[oh*g.OW:][:g.OW]
		ih := oh*g.SH - g.PH + ki*g.DH
		if ih < 0 || ih >= g.H || lo >= hi {
			clear(row)
			continue
		}
		clear(row[:lo])
		clear(row[hi:])
		s := src[ih*g.W:][:g.W]
		if g.SW == 1 {
			copy(row[lo:hi], s[lo+off:hi+off])
			continue
		}
		for ow := lo; ow < hi; ow++ {
			row[ow] = s[ow*g.SW+off]
		}
	}
}

// im2colShift is im2colRow for stride 1 with outputs as wide as the input
// (a "same" convolution): the tap's plane is src shifted by top rows and
// off columns, so the rows it reaches are one copy, after which the
// columns that wrapped around from a neighbouring row are zeroed. On the
// small planes of a CNN this replaces three calls per row with one per
// plane.
func im2colShift(dst, src []float32, top, off, lo, hi int, g *device.ConvGeom) {
	w := g.W
	r0, r1 := validRange(top, 1, g.H, g.OH)
	if lo >= hi || r0 >= r1 {
		clear(dst[:g.OH*w])
		return
	}
	clear(dst[:r0*w])
	clear(dst[r1*w : g.OH*w])
	shift := top*w + off // dst[i] = src[i+shift] inside the reach
	start, end := r0*w+lo, (r1-1)*w+hi
	copy(dst[start:end], src[start+shift:end+shift])
	for oh := r0; oh < r1; oh++ {
		row := dst[oh*w:][:w]
		clear(row[:lo])
		clear(row[hi:])
	}
}

// validRange returns the outputs o in [0, n) whose tap o·s + off falls
// inside [0, w), as the range [lo, hi).
func validRange(off, s, w, n int) (lo, hi int) {
	if off < 0 {
		lo = (-off + s - 1) / s
	}
	if w-1-off >= 0 {
		hi = (w-1-off)/s + 1
	}
	lo, hi = min(lo, n), min(hi, n)
	return lo, max(hi, lo)
}

// col2im is im2col's adjoint: it overwrites one image's dx [C, H, W]
// with the sum, over every tap reading an input element, of cols [C·KH·KW,
// OH·OW] at that tap. It may set the elements of cols that read padding
// to zero (see col2imShift).
func col2im(dx, cols []float32, g *device.ConvGeom) {
	l, kk, hw := g.OH*g.OW, g.KH*g.KW, g.H*g.W
	for c := range g.C {
		d := dx[c*hw:][:hw]
		clear(d)
		for k := range kk {
			col2imRow(d, cols[(c*kk+k)*l:][:l], k/g.KW, k%g.KW, g)
		}
	}
}

// col2imRow adds src [OH·OW], the values of tap (ki, kj), into the plane
// dst [H, W] where the tap reads it; it may zero the elements of src that
// read padding.
func col2imRow(dst, src []float32, ki, kj int, g *device.ConvGeom) {
	off := kj*g.DW - g.PW
	lo, hi := validRange(off, g.SW, g.W, g.OW)
	if lo >= hi {
		return
	}
	if g.SH == 1 && g.SW == 1 && g.OW == g.W {
		col2imShift(dst, src, ki*g.DH-g.PH, off, lo, hi, g)
		return
	}
	if g.SW == 1 { // one strided add over the rows the tap reaches
		top := ki*g.DH - g.PH
		r0, r1 := validRange(top, g.SH, g.H, g.OH)
		if r0 < r1 {
			addRows(dst[(r0*g.SH+top)*g.W+lo+off:], src[r0*g.OW+lo:], hi-lo, r1-r0, g.SH*g.W, g.OW)
		}
		return
	}
	for oh := range g.OH {
		ih := oh*g.SH - g.PH + ki*g.DH
		if ih < 0 || ih >= g.H {
			continue
		}
		row := src[oh*g.OW:][:g.OW]
		d := dst[ih*g.W:][:g.W]
		for ow := lo; ow < hi; ow++ {
			d[ow*g.SW+off] += row[ow]
		}
	}
}

// col2imShift is col2imRow for the geometries of im2colShift: the tap's
// values go to the plane shifted by top rows and off columns. It zeroes
// the columns of src that read padding left or right of the plane, after
// which the rows the tap reaches are one add, instead of one per row.
func col2imShift(dst, src []float32, top, off, lo, hi int, g *device.ConvGeom) {
	w := g.W
	r0, r1 := validRange(top, 1, g.H, g.OH)
	if r0 >= r1 {
		return
	}
	for oh := r0; oh < r1; oh++ {
		row := src[oh*w:][:w]
		clear(row[:lo])
		clear(row[hi:])
	}
	shift := top*w + off // src[i] goes to dst[i+shift] inside the reach
	start, end := r0*w+lo, (r1-1)*w+hi
	addRows(dst[start+shift:], src[start:], end-start, 1, 0, 0)
}

// planeGrain is the number of planes of size sz worth a unit of work.
func planeGrain(sz int) int { return max(1, grainElems/max(sz, 1)) }

// MaxPool2d writes window maxima and their positions (see device.Conv).
func (Device) MaxPool2d(y, idx, x device.Buffer, xOff, planes int, g device.ConvGeom) {
	ys, xs := f32s(y), f32s(x)
	var is []float32
	if idx != nil {
		is = f32s(idx)
	}
	hw, l := g.H*g.W, g.OH*g.OW
	parallelFor(planes, planeGrain(hw), func(lo, hi int) {
		var scratch []float32 // the positions nobody asked for
		if is == nil {
			scratch = make([]float32, l)
		}
		for p := lo; p < hi; p++ {
			ip := scratch
			if is != nil {
				ip = is[p*l:][:l]
			}
			maxPlane(ys[p*l:][:l], ip, xs[xOff+p*hw:][:hw], &g)
		}
	})
}

func maxPlane(y, idx, x []float32, g *device.ConvGeom) {
	if *g == (device.ConvGeom{H: g.H, W: g.W, KH: 2, KW: 2, SH: 2, SW: 2, DH: 1, DW: 1, OH: g.OH, OW: g.OW}) &&
		2*g.OH <= g.H && 2*g.OW <= g.W { // no ceil-mode window past the edge
		maxPlane2x2(y, idx, x, g.W, g.OH, g.OW)
		return
	}
	w, ow, kh, kw, dh, dw := g.W, g.OW, g.KH, g.KW, g.DH, g.DW
	for oh := range g.OH {
		h0 := oh*g.SH - g.PH
		ilo, ihi := validRange(h0, dh, g.H, kh)
		yr, ir := y[oh*ow:][:ow], idx[oh*ow:][:ow]
		for o := range yr {
			w0 := o*g.SW - g.PW
			jlo, jhi := 0, kw
			if w0 < 0 || w0+(kw-1)*dw >= w { // a window over the padding
				jlo, jhi = validRange(w0, dw, w, kw)
			}
			at := (h0+ilo*dh)*w + w0 + jlo*dw
			best := x[at]
			// PyTorch's rule: the first maximum, but a later NaN replaces
			// an earlier one. Branch-free: random data mispredicts.
			for i := ilo; i < ihi; i++ {
				base := (h0+i*dh)*w + w0
				for j := jlo; j < jhi; j++ {
					p := base + j*dw
					v := x[p]
					at += (b2i(v > best) | b2i(v != v)) * (p - at)
					best = max(best, v)
				}
			}
			yr[o], ir[o] = best, float32(at)
		}
	}
}

// maxPlane2x2 is maxPlane for the common 2×2 window, stride 2, without
// padding or dilation, a row of windows at a time.
func maxPlane2x2(y, idx, x []float32, w, oh, ow int) {
	for i := range oh {
		base := 2 * i * w
		maxRow2x2(y[i*ow:][:ow], idx[i*ow:][:ow], x[base:], x[base+w:], base, w)
	}
}

// maxRow2x2Ref is the plain loop of maxRow2x2: a later value replaces the
// maximum when it is larger or NaN, as PyTorch's max pooling does. It
// selects without branches (random data mispredicts every comparison).
func maxRow2x2Ref(y, idx, r0, r1 []float32, at0, w int) {
	r0, r1 = r0[:2*len(y)], r1[:2*len(y)]
	for o := range y {
		j := 2 * o
		best, at := math.Float32bits(r0[j]), at0+j
		take := func(v float32, pos int) {
			c := b2i(v > math.Float32frombits(best)) | b2i(v != v)
			m := uint32(-int32(c))
			best = math.Float32bits(v)&m | best&^m
			at += c * (pos - at)
		}
		take(r0[j+1], at0+j+1)
		take(r1[j], at0+w+j)
		take(r1[j+1], at0+w+j+1)
		y[o], idx[o] = math.Float32frombits(best), float32(at)
	}
}

// MaxPool2dBackward scatters gy to the positions of the maxima.
func (Device) MaxPool2dBackward(dx, gy device.Buffer, gOff int, idx device.Buffer, planes int, g device.ConvGeom) {
	ds, gs, is := f32s(dx), f32s(gy), f32s(idx)
	hw, l := g.H*g.W, g.OH*g.OW
	parallelFor(planes, planeGrain(hw), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			d := ds[p*hw:][:hw]
			clear(d)
			for o, at := range is[p*l:][:l] {
				d[int(at)] += gs[gOff+p*l+o]
			}
		}
	})
}

// AvgPool2d writes window means, each window's sum divided as div says
// (see device.Conv).
func (Device) AvgPool2d(y, x device.Buffer, xOff, planes int, g device.ConvGeom, div device.AvgDivisor) {
	windowMeans(y, x, xOff, planes, &g, avgWindow(&g, div))
}

// AvgPool2dBackward spreads each gradient evenly over its window.
func (Device) AvgPool2dBackward(dx, gy device.Buffer, gOff, planes int, g device.ConvGeom, div device.AvgDivisor) {
	windowMeansBackward(dx, gy, gOff, planes, &g, avgWindow(&g, div))
}

// AdaptiveAvgPool2d averages PyTorch's adaptive windows (see device.Conv).
func (Device) AdaptiveAvgPool2d(y, x device.Buffer, xOff, planes int, g device.ConvGeom) {
	windowMeans(y, x, xOff, planes, &g, adaptiveWindows(&g))
}

// AdaptiveAvgPool2dBackward spreads each gradient evenly over its window.
func (Device) AdaptiveAvgPool2dBackward(dx, gy device.Buffer, gOff, planes int, g device.ConvGeom) {
	windowMeansBackward(dx, gy, gOff, planes, &g, adaptiveWindows(&g))
}

// meanWindow gives output (oh, ow)'s window of the input plane, rows
// [h0, h1) and columns [w0, w1), and what its sum is divided by.
type meanWindow func(oh, ow int) (h0, h1, w0, w1 int, div float32)

// avgWindow is AvgPool2d's: the kernel window clipped to the input, divided
// as div says.
func avgWindow(g *device.ConvGeom, div device.AvgDivisor) meanWindow {
	return func(oh, ow int) (h0, h1, w0, w1 int, d float32) {
		hs, ws := oh*g.SH-g.PH, ow*g.SW-g.PW
		h0, h1 = max(hs, 0), min(hs+g.KH, g.H)
		w0, w1 = max(ws, 0), min(ws+g.KW, g.W)
		return h0, h1, w0, w1, float32(div.Of(g, hs, ws))
	}
}

// adaptiveWindows is AdaptiveAvgPool2d's: PyTorch's window of output i of
// n over a size-s axis is [⌊i·s/n⌋, ⌈(i+1)·s/n⌉), divided by its size.
func adaptiveWindows(g *device.ConvGeom) meanWindow {
	return func(oh, ow int) (h0, h1, w0, w1 int, d float32) {
		h0, h1 = oh*g.H/g.OH, ((oh+1)*g.H+g.OH-1)/g.OH
		w0, w1 = ow*g.W/g.OW, ((ow+1)*g.W+g.OW-1)/g.OW
		return h0, h1, w0, w1, float32((h1 - h0) * (w1 - w0))
	}
}

// windowMeans writes, for each of planes planes of x [H, W] (from xOff),
// the mean of every output's window into y [planes, OH, OW].
func windowMeans(y, x device.Buffer, xOff, planes int, g *device.ConvGeom, win meanWindow) {
	ys, xs := f32s(y), f32s(x)
	hw, l := g.H*g.W, g.OH*g.OW
	parallelFor(planes, planeGrain(hw), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			x, y := xs[xOff+p*hw:][:hw], ys[p*l:][:l]
			for oh := range g.OH {
				for ow := range g.OW {
					h0, h1, w0, w1, div := win(oh, ow)
					var s float32
					for ih := h0; ih < h1; ih++ {
						for _, v := range x[ih*g.W+w0 : ih*g.W+w1] {
							s += v
						}
					}
					y[oh*g.OW+ow] = s / div
				}
			}
		}
	})
}

// windowMeansBackward overwrites dx with windowMeans's adjoint applied to
// gy (from gOff): each gradient spread evenly over its window.
func windowMeansBackward(dx, gy device.Buffer, gOff, planes int, g *device.ConvGeom, win meanWindow) {
	ds, gs := f32s(dx), f32s(gy)
	hw, l := g.H*g.W, g.OH*g.OW
	parallelFor(planes, planeGrain(hw), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			d, gp := ds[p*hw:][:hw], gs[gOff+p*l:][:l]
			clear(d)
			for oh := range g.OH {
				for ow := range g.OW {
					h0, h1, w0, w1, div := win(oh, ow)
					v := gp[oh*g.OW+ow] / div
					for ih := h0; ih < h1; ih++ {
						row := d[ih*g.W+w0 : ih*g.W+w1]
						for i := range row {
							row[i] += v
						}
					}
				}
			}
		}
	})
}

// b2i is 1 for true, 0 for false, without a branch.
func b2i(b bool) int {
	var i int
	if b {
		i = 1
	}
	return i
}
