package plot

import (
	"math"
	"slices"
	"testing"

	gplot "gonum.org/v1/plot"
)

func labels(ticks []gplot.Tick) []string {
	var l []string
	for _, t := range ticks {
		if t.Label != "" {
			l = append(l, t.Label)
		}
	}
	return l
}

func TestNiceTicks(t *testing.T) {
	cases := []struct {
		lo, hi  float64
		integer bool
		want    []string
	}{
		{0.3, 2.3, false, []string{"0.50", "0.75", "1.00", "1.25", "1.50", "1.75", "2.00", "2.25"}},
		{0, 1, false, []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}},
		{-0.1, 2.6, false, []string{"0.0", "0.5", "1.0", "1.5", "2.0", "2.5"}},
		{0, 0.01, false, []string{"0.000", "0.002", "0.004", "0.006", "0.008", "0.010"}},
		{0, 1.1, false, []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}},
		{0, 1.9, false, []string{"0.00", "0.25", "0.50", "0.75", "1.00", "1.25", "1.50", "1.75"}},
		{-3, 3, false, []string{"-3", "-2", "-1", "0", "1", "2", "3"}},
		{0, 3e6, false, []string{"0", "5e+05", "1e+06", "1.5e+06", "2e+06", "2.5e+06", "3e+06"}},
		{1, 3, true, []string{"1", "2", "3"}},
		{1, 10, true, []string{"2", "4", "6", "8", "10"}},
		{1, 14, true, []string{"2", "4", "6", "8", "10", "12", "14"}},
	}
	for _, c := range cases {
		got := labels(niceTicks{integer: c.integer}.Ticks(c.lo, c.hi))
		if !slices.Equal(got, c.want) {
			t.Errorf("niceTicks{%v}.Ticks(%g, %g) = %q, want %q", c.integer, c.lo, c.hi, got, c.want)
		}
	}
	if got := labels(niceTicks{}.Ticks(2, 2)); len(got) != 1 {
		t.Errorf("an empty range gives labels %q, want one", got)
	}
}

func TestLogTicks(t *testing.T) {
	ticks := logTicks{}.Ticks(1e-7, 10)
	want := []string{"1e-07", "1e-06", "1e-05", "0.0001", "0.001", "0.01", "0.1", "1", "10"}
	if got := labels(ticks); !slices.Equal(got, want) {
		t.Errorf("labels %q, want %q", got, want)
	}
	if len(ticks) != 8*9+1 { // 1…9 in each of 8 decades, and 10
		t.Errorf("%d ticks, want %d", len(ticks), 8*9+1)
	}
	for _, r := range [][2]float64{{-1, 10}, {0, 1}, {1, 0.5}, {1, math.Inf(1)}, {math.NaN(), 1}} {
		if got := (logTicks{}).Ticks(r[0], r[1]); got != nil {
			t.Errorf("Ticks(%g, %g) = %v, want none", r[0], r[1], got)
		}
	}
	// Less than a decade: the minor ticks are labelled too.
	if got := labels(logTicks{}.Ticks(2e-4, 9e-4)); len(got) != 8 {
		t.Errorf("labels %q, want 8", got)
	}
}

func TestLegendAvoidsData(t *testing.T) {
	cases := []struct {
		name      string
		y         []float64
		top, left bool
	}{
		{"falling loss", []float64{5, 3, 2, 1.5, 1.2, 1.1, 1, 1, 1, 1}, true, false},
		{"rising accuracy", []float64{0.1, 0.5, 0.7, 0.8, 0.85, 0.9, 0.92, 0.93, 0.94, 0.95}, false, false},
		{"rising line", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, true, true},
	}
	for _, c := range cases {
		f := newFigure("", "", "")
		xys, err := xyPoints(Series{Y: c.y}, "y")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.line("y", xys, colour(0), false); err != nil {
			t.Fatal(err)
		}
		f.placeLegend()
		if f.p.Legend.Top != c.top || f.p.Legend.Left != c.left {
			t.Errorf("%s: legend top=%v left=%v, want top=%v left=%v",
				c.name, f.p.Legend.Top, f.p.Legend.Left, c.top, c.left)
		}
	}
}
