package peak

import (
	"slices"
	"testing"
)

func TestMeasure(t *testing.T) {
	rs := Measure(2, 200_000, 3)
	if len(rs) != 2 {
		t.Fatalf("got %d results, want 2", len(rs))
	}
	for _, r := range rs {
		if r.OK && (r.One <= 0 || r.All <= 0) {
			t.Errorf("%s: measured %v / %v GFLOP/s", r.Kernel, r.One, r.All)
		}
		if r.OK && (len(r.OneRuns) != 3 || len(r.AllRuns) != 3 || r.One != slices.Max(r.OneRuns) || r.All != slices.Max(r.AllRuns)) {
			t.Errorf("%s: best %v / %v of runs %v / %v", r.Kernel, r.One, r.All, r.OneRuns, r.AllRuns)
		}
		if !r.OK && r.Why == "" {
			t.Errorf("%s: not measured and no reason given", r.Kernel)
		}
		t.Logf("%s ok=%v %s: 1 thread %.1f, %d threads %.1f GFLOP/s", r.Kernel, r.OK, r.Why, r.One, r.Threads, r.All)
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := Median(c.xs); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.xs, got, c.want)
		}
	}
	rs := []Result{{OK: true, OneRuns: []float64{1, 9, 2}, AllRuns: []float64{4, 6, 5}}, {OK: false, OneRuns: []float64{100}}}
	if one, all := Medians(rs); one != 2 || all != 5 {
		t.Errorf("Medians = %v, %v; want 2, 5", one, all)
	}
}
