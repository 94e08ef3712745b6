// Package peak measures the machine's fp32 fused-multiply-add throughput,
// the physical ceiling for sgemm: twelve independent FMA chains per core,
// written in assembly so that nothing but the FMA units limits them.
package peak

import (
	"runtime"
	"slices"
	"sync"
	"time"
)

// Kernel is one vector width of FMA loop.
type Kernel struct {
	Name  string // "AVX-512" or "AVX2"
	Lanes int    // float32 lanes per instruction
	// OK is false where the kernel cannot run (another architecture, or a
	// CPU or OS without the feature); Why then says so.
	OK  bool
	Why string
	run func(iters int)
}

// chains is the number of independent FMA instructions per loop iteration.
const chains = 12

// Result is the peak of one kernel on 1 thread and on Threads threads.
type Result struct {
	Kernel  string
	OK      bool
	Why     string // why it was not measured, when !OK
	Threads int
	One     float64 // GFLOP/s on one thread, the best run
	All     float64 // GFLOP/s on Threads threads, one locked goroutine each, the best run
	// OneRuns and AllRuns are every run's GFLOP/s, in the order measured.
	OneRuns, AllRuns []float64
}

// Kernels lists the kernels of this build, runnable or not.
func Kernels() []Kernel { return kernels() }

// Measure runs every runnable kernel on 1 and on threads threads, reps
// runs of iters loop iterations each (an FMA counts 2 flops per lane),
// and returns every run's GFLOP/s and the best: the peak is a ceiling,
// and other load on the machine can only lower a run. (The median of the
// runs is what a gemm median meets under the same load; see Median.)
func Measure(threads, iters, reps int) []Result {
	var out []Result
	for _, k := range kernels() {
		r := Result{Kernel: k.Name, OK: k.OK, Why: k.Why, Threads: threads}
		if k.OK {
			r.OneRuns = runs(k, 1, iters, reps)
			r.AllRuns = runs(k, threads, iters, reps)
			r.One, r.All = slices.Max(r.OneRuns), slices.Max(r.AllRuns)
		}
		out = append(out, r)
	}
	return out
}

// Median returns the median of xs (0 for none).
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Best returns the highest measured one-thread and all-thread figures, or
// zeros where nothing was measured.
func Best(rs []Result) (one, all float64) {
	for _, r := range rs {
		if r.OK {
			one, all = max(one, r.One), max(all, r.All)
		}
	}
	return one, all
}

// Medians returns the highest per-kernel median of all runs on one thread
// and on all threads, or zeros where nothing was measured.
func Medians(rs []Result) (one, all float64) {
	for _, r := range rs {
		if r.OK {
			one, all = max(one, Median(r.OneRuns)), max(all, Median(r.AllRuns))
		}
	}
	return one, all
}

func runs(k Kernel, threads, iters, reps int) []float64 {
	k.run(iters / 10) // warm the units up (clock ramps, AVX-512 license)
	out := make([]float64, reps)
	for i := range out {
		out[i] = once(k, threads, iters)
	}
	return out
}

func once(k Kernel, threads, iters int) float64 {
	var start, wg sync.WaitGroup
	start.Add(1)
	wg.Add(threads)
	var ready sync.WaitGroup
	ready.Add(threads)
	for range threads {
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			ready.Done()
			start.Wait()
			k.run(iters)
		}()
	}
	ready.Wait()
	t := time.Now()
	start.Done()
	wg.Wait()
	sec := time.Since(t).Seconds()
	return float64(threads) * float64(iters) * chains * float64(k.Lanes) * 2 / sec / 1e9
}
