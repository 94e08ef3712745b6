// Command bench measures nerve against PyTorch on the same workloads, in
// one invocation, so that a noisy machine hits both sides alike:
//
//	go run ./bench                 # everything, 3 interleaved rounds
//	go run ./bench -quick          # fewer sizes, 1 round
//	go run ./bench -only 'gemm|add'
//
// It first measures the machine's fp32 FMA peak (AVX-512 and AVX2 loops on
// 1 thread and on every core), then runs each workload in nerve and in
// PyTorch, alternating which side goes first, each side in its own child
// process so that its peak RSS can be read. It prints a Markdown table of
// the medians over the rounds and writes it, with the machine's
// description, to bench/RESULTS.md. See bench/README.md.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nervelab/nerve/bench/internal/peak"
	"github.com/nervelab/nerve/data/mnist"
)

// childArg is the hidden first argument that makes the binary run one
// workload on the nerve side and exit.
const childArg = "nerve-child"

type kind int

const (
	kindGemm kind = iota
	kindMLP
	kindCNN
	kindLSTM
	kindTinyAdam
	kindTinySGD
	kindAdd
)

type workload struct {
	name    string
	kind    kind
	threads int
	n       int    // gemm size
	opt     string // MLP optimizer
	batch   int    // MLP batch size
	unit    string // of the main figure
}

// rate reports whether the main figure is a rate (higher is better) rather
// than a time.
func (w workload) rate() bool { return w.unit == "GFLOP/s" }

// workloads lists every workload; all is the thread count of the
// multi-threaded runs (every core).
func workloads(all int, quick bool) []workload {
	sizes := []int{64, 128, 256, 512, 1024, 2048}
	if quick {
		sizes = []int{64, 256}
	}
	threads := []int{1}
	if all > 1 {
		threads = append(threads, all)
	}
	var ws []workload
	for _, t := range threads {
		for _, n := range sizes {
			ws = append(ws, workload{name: fmt.Sprintf("gemm/N=%d/%dt", n, t), kind: kindGemm, threads: t, n: n, unit: "GFLOP/s"})
		}
	}
	mlps := []workload{{opt: "adam", batch: 64}, {opt: "sgd", batch: 64}, {opt: "adam", batch: 256}}
	if quick {
		mlps = mlps[:1]
	}
	for _, m := range mlps {
		m.name = fmt.Sprintf("mlp/%s-b%d", m.opt, m.batch)
		m.kind, m.threads, m.unit = kindMLP, all, "s/epoch"
		ws = append(ws, m)
	}
	if !quick {
		ws = append(ws,
			workload{name: "cnn/adam-b64", kind: kindCNN, threads: all, unit: "s/epoch"},
			workload{name: "lstm/adam-b64", kind: kindLSTM, threads: all, unit: "s/epoch"})
	}
	return append(ws,
		workload{name: "tiny/mlp10-20-2-adam", kind: kindTinyAdam, threads: all, unit: "µs/step"},
		workload{name: "tiny/linear2-1-sgd", kind: kindTinySGD, threads: all, unit: "µs/step"},
		workload{name: "op/add10", kind: kindAdd, threads: all, unit: "µs"},
	)
}

func main() {
	if len(os.Args) >= 3 && os.Args[1] == childArg {
		os.Exit(child(os.Args[2], fullTiming))
	}
	rounds := flag.Int("rounds", 3, "interleaved rounds per workload (the table shows medians)")
	only := flag.String("only", "", "run only the workloads whose name matches this regular expression")
	quick := flag.Bool("quick", false, "fewer gemm sizes and MLP runs, 1 round (for testing the harness)")
	python := flag.String("python", "/usr/bin/python3", "Python interpreter with torch")
	results := flag.String("results", "bench/RESULTS.md", "write the table here (empty: don't)")
	list := flag.Bool("list", false, "list the workloads and exit")
	flag.Parse()
	if *quick && !isSet("rounds") {
		*rounds = 1
	}
	if !isSet("results") && strings.HasPrefix(scriptPath(), "torch/") {
		*results = "RESULTS.md" // run from inside bench/
	}
	all := runtime.NumCPU()
	ws := workloads(all, *quick)
	if *only != "" {
		re, err := regexp.Compile(*only)
		if err != nil {
			fatalf("-only: %v", err)
		}
		var sel []workload
		for _, w := range ws {
			if re.MatchString(w.name) {
				sel = append(sel, w)
			}
		}
		ws = sel
	}
	if *list {
		for _, w := range ws {
			fmt.Println(w.name)
		}
		return
	}
	if len(ws) == 0 {
		fatalf("no workload matches -only %q (see -list)", *only)
	}
	if *rounds < 1 {
		fatalf("-rounds must be at least 1")
	}

	h := &harness{python: *python, threads: all, dataDir: mnist.DefaultDir()}
	h.torchVersion, h.torchErr = torchVersion(*python)
	if h.torchErr != nil {
		fmt.Fprintf(os.Stderr, "PyTorch not available (%v): running the nerve side alone.\n"+
			"Install it (Debian) with: apt-get install python3-torch libopenblas0-pthread\n"+
			"(libopenblas0-pthread matters: without it torch uses the reference BLAS, ~40× slower).\n\n", h.torchErr)
	}

	h.loadBefore = loadAvg()
	h.run(ws, *rounds)
	h.loadAfter = loadAvg()
	report := h.report(ws, *rounds)
	fmt.Print(report)
	if *results != "" {
		if err := os.WriteFile(*results, []byte(report), 0o644); err != nil {
			fatalf("%v", err)
		}
		fmt.Fprintf(os.Stderr, "\nwrote %s\n", *results)
	}
}

func isSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	os.Exit(2)
}

// child runs one workload on the nerve side, in this process. Its thread
// count comes from the GOMAXPROCS the parent put in its environment, which
// nerve's worker pool (internal/cpu) sizes itself from; it reports the
// value so that the parent can check it.
//
// Run by hand as "go run ./bench nerve-child NAME [CPU_PROFILE]", it also
// writes a CPU profile of the workload for go tool pprof.
func child(name string, tm timing) int {
	fmt.Printf("RESULT gomaxprocs %d\n", runtime.GOMAXPROCS(0))
	if len(os.Args) >= 4 {
		f, err := os.Create(os.Args[3])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	// The names carry the thread count, which is GOMAXPROCS here.
	for _, w := range workloads(runtime.GOMAXPROCS(0), false) {
		if w.name == name {
			if err := runNerve(os.Stdout, w, tm); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(os.Stderr, "unknown workload %q\n", name)
	return 2
}

// torchVersion asks the PyTorch script for its versions; an error means
// torch cannot be imported.
func torchVersion(python string) ([]string, error) {
	cmd := exec.Command(python, scriptPath(), "--version")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		return nil, fmt.Errorf("%s", strings.TrimSpace(fmt.Sprintf("%s cannot run the PyTorch side: %v %s", python, err, msg)))
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n"), nil
}

// scriptPath is the PyTorch script, found next to this source file's
// package whether the harness runs from the repository root or bench/.
func scriptPath() string {
	for _, p := range []string{"bench/torch/workloads.py", "torch/workloads.py"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "bench/torch/workloads.py"
}

// measurement is one child process's figures.
type measurement struct {
	vals   map[string]float64
	rssMiB float64
	err    error
}

type harness struct {
	python       string
	threads      int
	dataDir      string
	torchVersion []string
	torchErr     error
	peaks        []peak.Result
	peak1        float64 // best of all runs
	peakAll      float64
	peak1Med     float64 // median of all runs
	peakAllMed   float64
	loadBefore   string // 1-minute load average before the run
	loadAfter    string // and after it
	nerve, torch map[string][]measurement
}

func (h *harness) haveTorch() bool { return h.torchErr == nil }

// run runs every workload rounds times, nerve and PyTorch interleaved,
// alternating which goes first.
func (h *harness) run(ws []workload, rounds int) {
	h.nerve, h.torch = map[string][]measurement{}, map[string][]measurement{}
	self, err := os.Executable()
	if err != nil {
		fatalf("%v", err)
	}
	for r := range rounds {
		h.measurePeak()
		for _, w := range ws {
			sides := []string{"nerve", "PyTorch"}
			if r%2 == 1 {
				sides[0], sides[1] = sides[1], sides[0]
			}
			for _, side := range sides {
				var m measurement
				switch {
				case side == "nerve":
					cmd := exec.Command(self, childArg, w.name)
					cmd.Env = append(os.Environ(), fmt.Sprintf("GOMAXPROCS=%d", w.threads))
					m = runChild(cmd)
					if g := m.vals["gomaxprocs"]; m.err == nil && int(g) != w.threads {
						m.err = fmt.Errorf("child ran with GOMAXPROCS=%v, want %d", g, w.threads)
					}
					h.nerve[w.name] = append(h.nerve[w.name], m)
				case h.haveTorch():
					args := []string{scriptPath(), "--workload", w.name, "--threads", strconv.Itoa(w.threads)}
					if w.kind == kindMLP || w.kind == kindCNN || w.kind == kindLSTM {
						args = append(args, "--data", h.dataDir)
					}
					cmd := exec.Command(h.python, args...)
					cmd.Env = append(os.Environ(), "OMP_WAIT_POLICY=passive")
					m = runChild(cmd)
					h.torch[w.name] = append(h.torch[w.name], m)
				default:
					continue
				}
				if m.err != nil {
					fmt.Fprintf(os.Stderr, "round %d/%d %-22s %-7s FAILED: %v\n", r+1, rounds, w.name, side, m.err)
				} else {
					fmt.Fprintf(os.Stderr, "round %d/%d %-22s %-7s %10.4g %-8s rss %4.0f MiB\n", r+1, rounds, w.name, side, m.vals["value"], w.unit, m.rssMiB)
				}
			}
		}
	}
	h.measurePeak()
}

// measurePeak measures the FMA peak and keeps, per kernel, the best
// figures and every run seen so far. It runs before every round and after
// the last, so that other load on the machine at one moment does not pass
// for the machine's ceiling, and so that the median of the runs spans the
// same stretch of time as the workloads' medians.
func (h *harness) measurePeak() {
	fmt.Fprintf(os.Stderr, "measuring the fp32 FMA peak on 1 and %d threads...\n", h.threads)
	rs := peak.Measure(h.threads, 20_000_000, 7)
	if h.peaks == nil {
		h.peaks = rs
	} else {
		for i, r := range rs {
			h.peaks[i].One = max(h.peaks[i].One, r.One)
			h.peaks[i].All = max(h.peaks[i].All, r.All)
			h.peaks[i].OneRuns = append(h.peaks[i].OneRuns, r.OneRuns...)
			h.peaks[i].AllRuns = append(h.peaks[i].AllRuns, r.AllRuns...)
		}
	}
	h.peak1, h.peakAll = peak.Best(h.peaks)
	h.peak1Med, h.peakAllMed = peak.Medians(h.peaks)
}

// loadAvg is the 1-minute load average (Linux), or "?".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// runChild runs cmd, parses its RESULT lines and reads its peak RSS.
func runChild(cmd *exec.Cmd) measurement {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	m := measurement{vals: parseResults(&stdout)}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			m.rssMiB = float64(ru.Maxrss) / 1024 // KiB on Linux
		}
	}
	if err == nil {
		if _, ok := m.vals["value"]; !ok {
			err = fmt.Errorf("no RESULT value line")
		}
	}
	if err != nil {
		m.err = fmt.Errorf("%v: %s", err, lastLine(stderr.String()))
	}
	return m
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// parseResults reads "RESULT <key> <value> [unit]" lines.
func parseResults(r io.Reader) map[string]float64 {
	vals := map[string]float64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 3 && f[0] == "RESULT" {
			if v, err := strconv.ParseFloat(f[2], 64); err == nil {
				vals[f[1]] = v
			}
		}
	}
	return vals
}

// summary is the median over the successful rounds of one side.
type summary struct {
	ok       int     // successful rounds
	value    float64 // median main figure
	lo, hi   float64 // smallest and largest main figure
	acc      float64 // median test accuracy (MNIST epochs), or -1
	rssMiB   float64 // largest peak RSS over the rounds
	firstErr error
}

func summarize(ms []measurement) summary {
	var vals, accs []float64
	s := summary{acc: -1}
	for _, m := range ms {
		s.rssMiB = max(s.rssMiB, m.rssMiB)
		if m.err != nil {
			if s.firstErr == nil {
				s.firstErr = m.err
			}
			continue
		}
		vals = append(vals, m.vals["value"])
		if a, ok := m.vals["acc"]; ok {
			accs = append(accs, a)
		}
	}
	s.ok = len(vals)
	if s.ok > 0 {
		s.value = peak.Median(vals)
		s.lo, s.hi = slices.Min(vals), slices.Max(vals)
	}
	if len(accs) > 0 {
		s.acc = peak.Median(accs)
	}
	return s
}

// report renders the machine description and the results table.
func (h *harness) report(ws []workload, rounds int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# nerve vs PyTorch\n\n")
	fmt.Fprintf(&b, "Produced by `%s` on %s (%d round(s), medians).\n\n",
		strings.Join(append([]string{"go run ./bench"}, os.Args[1:]...), " "), time.Now().UTC().Format("2006-01-02 15:04 MST"), rounds)
	model, family, flags := cpuInfo()
	fmt.Fprintf(&b, "- CPU: %s (family %s), %d logical cores; flags: %s\n", model, family, runtime.NumCPU(), flags)
	fmt.Fprintf(&b, "- Go: %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if h.haveTorch() {
		fmt.Fprintf(&b, "- PyTorch: %s (OMP_WAIT_POLICY=passive, torch and OpenBLAS threads = nerve's GOMAXPROCS)\n", strings.Join(h.torchVersion, "; "))
	} else {
		fmt.Fprintf(&b, "- PyTorch: not measured (%v); install with `apt-get install python3-torch libopenblas0-pthread`\n", h.torchErr)
	}
	fmt.Fprintf(&b, "- Load average (1 min) before / after the run: %s / %s\n", h.loadBefore, h.loadAfter)
	fmt.Fprintf(&b, "\n## fp32 FMA peak (GFLOP/s)\n\n7 runs before every round and after the last: the best run, and the median of all of them.\n\n")
	fmt.Fprintf(&b, "| kernel | 1 thread, best | 1 thread, median | %d threads, best | %d threads, median |\n|---|---:|---:|---:|---:|\n", h.threads, h.threads)
	for _, p := range h.peaks {
		if p.OK {
			fmt.Fprintf(&b, "| %s | %.1f | %.1f | %.1f | %.1f |\n", p.Kernel, p.One, peak.Median(p.OneRuns), p.All, peak.Median(p.AllRuns))
		} else {
			fmt.Fprintf(&b, "| %s | not measured (%s) | | | |\n", p.Kernel, p.Why)
		}
	}
	if h.threads > 1 && h.peak1 > 0 && h.peakAll < 0.75*float64(h.threads)*h.peak1 {
		fmt.Fprintf(&b, "\nThe %d-thread peak is below %.0f%% of %d × the 1-thread one: the machine was busy, "+
			"or its logical cores share physical cores (SMT); read the %d-thread percentages with that in mind.\n",
			h.threads, 75.0, h.threads, h.threads)
	}
	fmt.Fprintf(&b, "\n## Workloads\n\n")
	fmt.Fprintf(&b, "Ratio = nerve time ÷ PyTorch time (for gemm, PyTorch GFLOP/s ÷ nerve GFLOP/s), "+
		"the median over the rounds of the ratio within each round: **< 1 means nerve is faster**, 2 means nerve takes twice as long. "+
		"gemm (x%%, y%%) is the share of the best and of the median measured FMA peak on the same number of threads. "+
		"RSS is the child process's peak resident set (largest over the rounds), MiB. "+
		"MNIST epochs and tiny workloads run on %d thread(s). Notes give the smallest–largest figure over the rounds "+
		"(nerve / PyTorch) and, for the MNIST epochs (MLP, CNN, LSTM), the test accuracy after the epoch (nerve / PyTorch).\n\n", h.threads)
	fmt.Fprintf(&b, "| workload | unit | nerve | PyTorch | ratio | nerve RSS | PyTorch RSS | notes |\n")
	fmt.Fprintf(&b, "|---|---|---:|---:|---:|---:|---:|---|\n")
	for _, w := range ws {
		n, t := summarize(h.nerve[w.name]), summarize(h.torch[w.name])
		pk, pkMed := h.peakAll, h.peakAllMed
		if w.threads == 1 {
			pk, pkMed = h.peak1, h.peak1Med
		}
		cell := func(s summary, side string) string {
			if !h.haveTorch() && side == "PyTorch" {
				return "–"
			}
			if s.ok == 0 {
				return "failed"
			}
			v := fmt.Sprintf("%.3g", s.value)
			if w.rate() && pk > 0 && pkMed > 0 {
				v += fmt.Sprintf(" (%.0f%%, %.0f%%)", 100*s.value/pk, 100*s.value/pkMed)
			}
			return v
		}
		ratio := "–"
		if r, ok := pairedRatio(w, h.nerve[w.name], h.torch[w.name]); ok {
			ratio = fmt.Sprintf("%.2f", r)
		}
		rss := func(s summary) string {
			if s.rssMiB == 0 {
				return "–"
			}
			return fmt.Sprintf("%.0f", s.rssMiB)
		}
		var notes []string
		if n.acc >= 0 || t.acc >= 0 {
			notes = append(notes, fmt.Sprintf("test acc %s / %s", pct(n.acc), pct(t.acc)))
		}
		if rounds > 1 {
			rng := func(s summary) string {
				if s.ok < 2 {
					return "–"
				}
				return fmt.Sprintf("%.3g–%.3g", s.lo, s.hi)
			}
			notes = append(notes, "range "+rng(n)+" / "+rng(t))
		}
		if n.ok < len(h.nerve[w.name]) {
			notes = append(notes, fmt.Sprintf("nerve failed %d×: %v", len(h.nerve[w.name])-n.ok, n.firstErr))
		}
		if t.ok < len(h.torch[w.name]) {
			notes = append(notes, fmt.Sprintf("PyTorch failed %d×: %v", len(h.torch[w.name])-t.ok, t.firstErr))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", w.name, w.unit, cell(n, "nerve"), cell(t, "PyTorch"),
			ratio, rss(n), rss(t), strings.ReplaceAll(strings.Join(notes, "; "), "|", "/"))
	}
	return b.String()
}

// pairedRatio is the median over the rounds of nerve time ÷ PyTorch time
// within each round: the two runs of a round are back to back, so load
// that comes and goes hits a pair more evenly than it hits the two
// medians.
func pairedRatio(w workload, nerve, torch []measurement) (float64, bool) {
	var rs []float64
	for i := range min(len(nerve), len(torch)) {
		n, t := nerve[i], torch[i]
		if n.err != nil || t.err != nil {
			continue
		}
		nv, tv := n.vals["value"], t.vals["value"]
		if nv <= 0 || tv <= 0 {
			continue
		}
		if w.rate() {
			rs = append(rs, tv/nv)
		} else {
			rs = append(rs, nv/tv)
		}
	}
	if len(rs) == 0 {
		return 0, false
	}
	return peak.Median(rs), true
}

func pct(a float64) string {
	if a < 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f%%", 100*a)
}

// cpuInfo reads the CPU model, family and the SIMD flags that matter for
// sgemm from /proc/cpuinfo (Linux); elsewhere it says "unknown".
func cpuInfo() (model, family, flags string) {
	model, family, flags = "unknown", "?", "unknown"
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "model name":
			if model == "unknown" {
				model = v
			}
		case "cpu family":
			if family == "?" {
				family = v
			}
		case "flags":
			if flags == "unknown" {
				have := map[string]bool{}
				for _, f := range strings.Fields(v) {
					have[f] = true
				}
				var fs []string
				for _, f := range []string{"avx2", "fma", "avx512f"} {
					if have[f] {
						fs = append(fs, f)
					} else {
						fs = append(fs, "no "+f)
					}
				}
				flags = strings.Join(fs, " ")
			}
		}
	}
	return
}
