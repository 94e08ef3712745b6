package peak

import "testing"

func TestMeasure(t *testing.T) {
	rs := Measure(2, 200_000, 3)
	if len(rs) != 2 {
		t.Fatalf("got %d results, want 2", len(rs))
	}
	for _, r := range rs {
		if r.OK && (r.One <= 0 || r.All <= 0) {
			t.Errorf("%s: measured %v / %v GFLOP/s", r.Kernel, r.One, r.All)
		}
		if !r.OK && r.Why == "" {
			t.Errorf("%s: not measured and no reason given", r.Kernel)
		}
		t.Logf("%s ok=%v %s: 1 thread %.1f, %d threads %.1f GFLOP/s", r.Kernel, r.OK, r.Why, r.One, r.Threads, r.All)
	}
}
