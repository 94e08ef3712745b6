package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// quickTiming keeps the test fast; the figures are meaningless.
var quickTiming = timing{minSample: 5 * time.Millisecond, samples: 1, steps: 20, warmRuns: 1, opIters: 100}

// TestMain lets the test binary serve as the harness's nerve child.
func TestMain(m *testing.M) {
	if len(os.Args) >= 3 && os.Args[1] == childArg {
		os.Exit(child(os.Args[2], quickTiming))
	}
	os.Exit(m.Run())
}

// tiny selects the workloads cheap enough for CI: small gemm, tiny steps.
var tiny = regexp.MustCompile(`^(gemm/N=64/|tiny/|op/)`)

func TestNerveSideInProcess(t *testing.T) {
	for _, w := range workloads(2, true) {
		if !tiny.MatchString(w.name) {
			continue
		}
		var out bytes.Buffer
		if err := runNerve(&out, w, quickTiming); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		vals := parseResults(&out)
		if v := vals["value"]; !(v > 0) {
			t.Errorf("%s: value %v, want > 0; output:\n%s", w.name, v, out.String())
		}
	}
}

// TestHarnessNerveOnly runs the harness's child processes (this test
// binary, re-invoked) with PyTorch marked unavailable, and checks the
// figures, the RSS read from rusage, the thread check and the table.
func TestHarnessNerveOnly(t *testing.T) {
	var ws []workload
	for _, w := range workloads(2, true) {
		if tiny.MatchString(w.name) {
			ws = append(ws, w)
		}
	}
	h := &harness{threads: 2, torchErr: os.ErrNotExist}
	h.run(ws, 1)
	for _, w := range ws {
		ms := h.nerve[w.name]
		if len(ms) != 1 {
			t.Fatalf("%s: %d measurements, want 1", w.name, len(ms))
		}
		m := ms[0]
		if m.err != nil {
			t.Fatalf("%s: %v", w.name, m.err)
		}
		if !(m.vals["value"] > 0) || !(m.rssMiB > 0) {
			t.Errorf("%s: value %v, rss %v MiB; want both > 0", w.name, m.vals["value"], m.rssMiB)
		}
		if len(h.torch[w.name]) != 0 {
			t.Errorf("%s: PyTorch ran although unavailable", w.name)
		}
	}
	rep := h.report(ws, 1)
	for _, want := range []string{"gemm/N=64/1t", "op/add10", "PyTorch: not measured", "apt-get install python3-torch libopenblas0-pthread", "1 thread, median"} {
		if !strings.Contains(rep, want) {
			t.Errorf("report lacks %q:\n%s", want, rep)
		}
	}
	// The gemm rows give their share of both peaks, the median's the larger.
	if !(h.peak1Med > 0 && h.peak1Med <= h.peak1) {
		t.Errorf("1-thread peak: median %v, best %v", h.peak1Med, h.peak1)
	}
	if ok, _ := regexp.MatchString(`gemm/N=64/1t \| GFLOP/s \| [0-9.]+ \([0-9]+%, [0-9]+%\)`, rep); !ok {
		t.Errorf("gemm row lacks its two shares of the peak:\n%s", rep)
	}
}

func TestParseResults(t *testing.T) {
	vals := parseResults(strings.NewReader("# comment\nRESULT value 1.5 s\nRESULT acc 0.97 fraction\nRESULT bad x\nnoise\n"))
	if vals["value"] != 1.5 || vals["acc"] != 0.97 || len(vals) != 2 {
		t.Errorf("parseResults = %v", vals)
	}
}

func TestPairedRatio(t *testing.T) {
	m := func(v float64) measurement { return measurement{vals: map[string]float64{"value": v}} }
	bad := measurement{err: os.ErrNotExist}
	gemm := workload{unit: "GFLOP/s"}
	// Per round PyTorch/nerve: 10, 10 (round 2 fails), 20: median 15.
	r, ok := pairedRatio(gemm, []measurement{m(10), m(5), m(10)}, []measurement{m(100), bad, m(200)})
	if !ok || r != 15 {
		t.Errorf("gemm ratio = %v, %v; want 15", r, ok)
	}
	secs := workload{unit: "s/epoch"}
	r, ok = pairedRatio(secs, []measurement{m(20), m(30), m(10)}, []measurement{m(2), m(3), m(5)})
	if !ok || r != 10 {
		t.Errorf("time ratio = %v, %v; want 10", r, ok)
	}
	if _, ok := pairedRatio(secs, []measurement{m(1)}, nil); ok {
		t.Error("ratio without a PyTorch figure")
	}
}
