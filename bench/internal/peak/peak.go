// Package peak measures the machine's fp32 fused-multiply-add throughput,
// the physical ceiling for sgemm: twelve independent FMA chains per core,
// written in assembly so that nothing but the FMA units limits them.
package peak

import (
	"runtime"
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
	One     float64 // GFLOP/s on one thread
	All     float64 // GFLOP/s on Threads threads, one locked goroutine each
}

// Kernels lists the kernels of this build, runnable or not.
func Kernels() []Kernel { return kernels() }

// Measure runs every runnable kernel on 1 and on threads threads and
// returns the best GFLOP/s of reps runs of iters loop iterations each (an
// FMA counts 2 flops per lane). The best, not the median: the peak is a
// ceiling, and other load on the machine can only lower a run.
func Measure(threads, iters, reps int) []Result {
	var out []Result
	for _, k := range kernels() {
		r := Result{Kernel: k.Name, OK: k.OK, Why: k.Why, Threads: threads}
		if k.OK {
			r.One = best(k, 1, iters, reps)
			r.All = best(k, threads, iters, reps)
		}
		out = append(out, r)
	}
	return out
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

func best(k Kernel, threads, iters, reps int) float64 {
	k.run(iters / 10) // warm the units up (clock ramps, AVX-512 license)
	b := 0.0
	for range reps {
		b = max(b, once(k, threads, iters))
	}
	return b
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
