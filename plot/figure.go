package plot

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// palette is matplotlib's "tab10" colour cycle.
var palette = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, // blue
	{0xff, 0x7f, 0x0e, 0xff}, // orange
	{0x2c, 0xa0, 0x2c, 0xff}, // green
	{0xd6, 0x27, 0x28, 0xff}, // red
	{0x94, 0x67, 0xbd, 0xff}, // purple
	{0x8c, 0x56, 0x4b, 0xff}, // brown
	{0xe3, 0x77, 0xc2, 0xff}, // pink
	{0x7f, 0x7f, 0x7f, 0xff}, // grey
	{0xbc, 0xbd, 0x22, 0xff}, // olive
	{0x17, 0xbe, 0xcf, 0xff}, // cyan
}

func colour(i int) color.RGBA { return palette[i%len(palette)] }

// sans is the font of all text: Liberation Sans, close to matplotlib's
// DejaVu Sans, embedded in gonum/plot.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// markerMax is the longest series that gets a dot on every point, as
// matplotlib's "o-": short curves (a few epochs) read better with dots.
const markerMax = 30

// figure is a gonum chart being built, with what it needs to place and
// frame its legend, which gonum draws without a box.
type figure struct {
	p     *gplot.Plot
	names []string      // legend entries, in order
	data  []plotter.XYs // every point drawn, to keep the legend off them
}

// newFigure returns an empty chart with a title, axis labels, a light grid
// and sans-serif text.
func newFigure(title, xLabel, yLabel string) *figure {
	p := gplot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, 13)
	p.Title.Padding = vg.Points(6)
	for _, a := range []*gplot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 11)
		a.Tick.Label.Font = font.From(sans, 9)
		a.Tick.Marker = niceTicks{}
	}
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Legend.TextStyle.Font = font.From(sans, 10)
	p.Legend.Padding = vg.Points(4)
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{Y: 0xe6}
	g.Horizontal.Color = color.Gray{Y: 0xe6}
	p.Add(g)
	return &figure{p: p}
}

// legend adds an entry unless name is empty.
func (f *figure) legend(name string, thumbs ...gplot.Thumbnailer) {
	if name != "" {
		f.p.Legend.Add(name, thumbs...)
		f.names = append(f.names, name)
	}
}

// line draws xys as a line of colour c, solid or dashed, with a dot on
// every point when there are at most markerMax of them.
func (f *figure) line(name string, xys plotter.XYs, c color.Color, dashed bool) error {
	l, err := plotter.NewLine(xys)
	if err != nil {
		return err
	}
	l.Color = c
	l.Width = vg.Points(1.5)
	if dashed {
		l.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
	}
	f.p.Add(l)
	f.data = append(f.data, xys)
	thumbs := []gplot.Thumbnailer{l}
	if len(xys) <= markerMax {
		s, err := plotter.NewScatter(xys)
		if err != nil {
			return err
		}
		s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
		f.p.Add(s)
		thumbs = append(thumbs, s)
	}
	f.legend(name, thumbs...)
	return nil
}

// markers draws xys as filled circles of colour c and radius r points.
func (f *figure) markers(name string, xys plotter.XYs, c color.Color, r float64) error {
	s, err := plotter.NewScatter(xys)
	if err != nil {
		return err
	}
	s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(r), Shape: draw.CircleGlyph{}}
	f.p.Add(s)
	f.data = append(f.data, xys)
	f.legend(name, s)
	return nil
}

// reference draws xys as a thin dashed red line, such as y = x or a
// suggested value; the legend may cover it.
func (f *figure) reference(name string, xys plotter.XYs) error {
	l, err := plotter.NewLine(xys)
	if err != nil {
		return err
	}
	l.Color = colour(3)
	l.Width = vg.Points(1.2)
	l.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
	f.p.Add(l)
	f.legend(name, l)
	return nil
}

// save places the legend, draws the chart at the standard size in the
// format path names and writes it to path atomically.
func (f *figure) save(path string) error {
	f.placeLegend()
	return render(path, pxToPt(widthPx), pxToPt(heightPx), f.draw)
}

// draw draws the chart, then the legend on a white box framed in grey,
// as matplotlib does, so lines under it do not run through its text.
func (f *figure) draw(c draw.Canvas) {
	l := f.p.Legend
	f.p.Legend = gplot.NewLegend() // empty: gonum would draw it unframed
	f.p.Draw(c)
	f.p.Legend = l
	if len(f.names) == 0 {
		return
	}
	dc := f.p.DataCanvas(c)
	r := f.legendBox(dc)
	box := []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}, r.Min}
	c.FillPolygon(color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xd0}, box)
	c.StrokeLines(draw.LineStyle{Color: color.Gray{Y: 0xcc}, Width: vg.Points(0.8)}, box)
	l.Draw(dc)
}

// legendBox returns the rectangle around the legend as gonum's
// Legend.Draw lays it out on dc, with a margin.
func (f *figure) legendBox(dc draw.Canvas) vg.Rectangle {
	l := &f.p.Legend
	sty := l.TextStyle
	var w, enth vg.Length
	for _, n := range f.names {
		r := sty.Rectangle(" " + n)
		w, enth = max(w, r.Max.X), max(enth, sty.Rectangle(n).Max.Y)
	}
	w += l.ThumbnailWidth
	n := vg.Length(len(f.names))
	h := n*enth + (n-1)*l.Padding
	descent := sty.FontExtents().Descent
	var r vg.Rectangle
	if l.Left {
		r.Min.X = dc.Min.X + l.XOffs
		r.Max.X = r.Min.X + w
	} else {
		r.Max.X = dc.Max.X + l.XOffs
		r.Min.X = r.Max.X - w
	}
	if l.Top {
		r.Max.Y = dc.Max.Y - descent + l.YOffs
		r.Min.Y = r.Max.Y - h
	} else {
		r.Min.Y = dc.Min.Y + l.YOffs
		r.Max.Y = r.Min.Y + h
	}
	m := vg.Points(5)
	r.Min.X, r.Min.Y, r.Max.X, r.Max.Y = r.Min.X-m, r.Min.Y-m, r.Max.X+m, r.Max.Y+m
	return r
}

// placeLegend puts the legend in the corner of the data area that holds
// the fewest points, preferring top right, then top left, bottom right,
// bottom left on a tie: a simple form of matplotlib's loc="best".
func (f *figure) placeLegend() {
	corners := []struct{ top, left bool }{{true, false}, {true, true}, {false, false}, {false, true}}
	best, fewest := 0, math.MaxInt
	for i, c := range corners {
		n := 0
		for _, xys := range f.data {
			for _, pt := range xys {
				if inCorner(f.p.X.Norm(pt.X), f.p.Y.Norm(pt.Y), c.top, c.left) {
					n++
				}
			}
		}
		if n < fewest {
			best, fewest = i, n
		}
	}
	l := &f.p.Legend
	l.Top, l.Left = corners[best].top, corners[best].left
	l.XOffs, l.YOffs = vg.Points(-10), vg.Points(-8)
	if l.Left {
		l.XOffs = vg.Points(10)
	}
	if !l.Top {
		l.YOffs = vg.Points(10)
	}
}

// inCorner reports whether the normalised point (x, y) in [0, 1]² falls
// where a legend in the given corner would be: the outer 40% of the width
// and 30% of the height.
func inCorner(x, y float64, top, left bool) bool {
	inX := x >= 0.6
	if left {
		inX = x <= 0.4
	}
	inY := y <= 0.3
	if top {
		inY = y >= 0.7
	}
	return inX && inY
}

// logTicks marks a logarithmic axis: a labelled major tick at every power
// of ten ("1e-05", "0.001", "1", "100") and unlabelled minor ticks at 2…9
// times each. An axis that spans less than a decade labels its minor
// ticks too.
type logTicks struct{}

// Ticks implements gonum's plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []gplot.Tick {
	if !(lo > 0) || !(hi >= lo) || math.IsInf(hi, 1) {
		return nil // not a range a log axis can show
	}
	var ticks []gplot.Tick
	majors := 0
	for e := int(math.Floor(math.Log10(lo))); e <= int(math.Ceil(math.Log10(hi))); e++ {
		for m := 1; m <= 9; m++ {
			v := float64(m) * math.Pow10(e)
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := gplot.Tick{Value: v}
			if m == 1 {
				t.Label = fmt.Sprintf("%g", v)
				majors++
			}
			ticks = append(ticks, t)
		}
	}
	if majors < 2 {
		for i := range ticks {
			ticks[i].Label = fmt.Sprintf("%.2g", ticks[i].Value)
		}
	}
	return ticks
}

// niceTicks marks a linear axis as matplotlib does: five to nine labelled
// ticks at a round step (1, 2, 2.5 or 5 times a power of ten), all
// labels with the same number of decimals ("0.0", "0.5", "1.0").
type niceTicks struct {
	integer bool // whole steps only: epochs and sample numbers
}

// Ticks implements gonum's plot.Ticker.
func (t niceTicks) Ticks(lo, hi float64) []gplot.Tick {
	if !(hi > lo) || !finite(lo) || !finite(hi) {
		return []gplot.Tick{{Value: lo, Label: fmt.Sprintf("%g", lo)}}
	}
	step := niceStep((hi - lo) / 8) // at most 8 intervals
	if t.integer && step < 1 {
		step = 1
	} else if t.integer && step == 2.5 {
		step = 2
	}
	var ticks []gplot.Tick
	for k := math.Ceil(lo/step - 1e-9); k*step <= hi+step*1e-9; k++ {
		v := k * step
		ticks = append(ticks, gplot.Tick{Value: v, Label: tickLabel(v, step, max(-lo, hi))})
	}
	return ticks
}

// niceStep rounds d up to 1, 2, 2.5 or 5 times a power of ten.
func niceStep(d float64) float64 {
	p := math.Pow10(int(math.Floor(math.Log10(d))))
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*p >= d*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// tickLabel formats v, a multiple of step on an axis reaching ±extent,
// with just enough digits to tell neighbouring ticks apart.
func tickLabel(v, step, extent float64) string {
	digits := -int(math.Floor(math.Log10(step) + 1e-9))
	if m := step / math.Pow10(-digits); math.Abs(m-2.5) < 1e-6 {
		digits++ // 0.25, 0.50, 0.75
	}
	if v == 0 {
		v = 0 // no "-0"
	}
	if extent >= 1e5 || extent < 1e-4 {
		sig := int(math.Floor(math.Log10(extent))) + digits + 1
		return strconv.FormatFloat(v, 'g', max(sig, 1), 64)
	}
	return strconv.FormatFloat(v, 'f', max(digits, 0), 64)
}
