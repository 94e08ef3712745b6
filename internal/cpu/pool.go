package cpu

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// parallelThreshold is the element count from which element-wise and
// reduction loops split over the worker pool; below it they run inline on
// the caller's goroutine, where a small op costs no synchronisation at all.
const parallelThreshold = 1 << 16

// grainElems is the smallest chunk of elements handed to one worker.
const grainElems = 1 << 14

// pool is a fixed set of goroutines, started once, that help callers of
// parallelFor. Callers never block waiting for a free worker: a caller
// offers its job to idle workers and then works on it itself, so nested or
// concurrent parallelFor calls cannot deadlock.
type pool struct {
	once    sync.Once
	workers int
	jobs    chan *job
}

var thePool pool

// job is one parallelFor call: chunks are claimed with an atomic counter by
// the caller and by any worker that picked the job up.
type job struct {
	fn      func(lo, hi int)
	n       int
	chunk   int
	nchunks int64
	next    atomic.Int64
	done    atomic.Int64 // chunks finished
	wg      sync.WaitGroup
}

func (p *pool) start() {
	p.workers = runtime.GOMAXPROCS(0) - 1
	p.jobs = make(chan *job, max(p.workers, 1))
	for range p.workers {
		go p.work()
	}
}

// spinTime is how long a worker that finished a job keeps polling for the
// next one before it parks. Waking a parked goroutine means waking an idle
// core, which on a virtual machine took 100 µs and more, longer than a
// whole product of the sizes a training step runs back to back; a polling
// worker takes a job within a microsecond. While polling it yields its
// core to any other runnable goroutine (a data loader, the collector).
const spinTime = 2 * time.Millisecond

// work runs jobs until the channel closes, polling for spinTime after
// each before blocking on the channel again. The poll reads the channel's
// length, which takes no lock; every 256 polls it checks the clock and
// yields to any other runnable goroutine.
func (p *pool) work() {
	for j := range p.jobs {
		j.run()
		for t, polls := time.Now(), 0; ; polls++ {
			if len(p.jobs) > 0 {
				select {
				case j, ok := <-p.jobs:
					if !ok {
						return
					}
					j.run()
					t, polls = time.Now(), 0
					continue
				default:
				}
			}
			if polls%256 == 255 {
				if time.Since(t) > spinTime {
					break
				}
				runtime.Gosched()
			}
		}
	}
}

// run claims and runs chunks until none are left.
func (j *job) run() {
	for {
		c := j.next.Add(1) - 1
		if c >= j.nchunks {
			return
		}
		lo := int(c) * j.chunk
		j.fn(lo, min(lo+j.chunk, j.n))
		j.done.Add(1)
		j.wg.Done()
	}
}

// numWorkers is the number of goroutines that can run a parallelFor at
// once, the caller included.
func numWorkers() int {
	thePool.once.Do(thePool.start)
	return thePool.workers + 1
}

// parallelFor calls fn on disjoint ranges [lo, hi) covering [0, n), each at
// least grain long (except the last), spread over the pool. With one chunk
// or one core it calls fn(0, n) on the caller's goroutine. It returns when
// every call has returned.
func parallelFor(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	w := numWorkers()
	grain = max(grain, 1)
	if w == 1 || n <= grain {
		fn(0, n)
		return
	}
	// Several chunks per worker balance uneven work without much overhead.
	nchunks := min((n+grain-1)/grain, 4*w)
	chunk := (n + nchunks - 1) / nchunks
	nchunks = (n + chunk - 1) / chunk
	j := &job{fn: fn, n: n, chunk: chunk, nchunks: int64(nchunks)}
	j.wg.Add(nchunks)
	for range min(w-1, nchunks-1) {
		select {
		case thePool.jobs <- j:
		default: // workers busy: do the rest ourselves
		}
	}
	j.run()
	j.wait()
}

// wait returns once every chunk of j has run. The caller polls the count
// of finished chunks for up to spinTime before it blocks: blocking parks
// its thread, and waking it when the last worker finishes took as long as
// waking a parked worker (tens to hundreds of microseconds on a virtual
// machine), which showed as a long tail in the time of mid-size products.
func (j *job) wait() {
	for t, polls := time.Now(), 0; j.done.Load() < j.nchunks; polls++ {
		if polls%256 == 255 {
			if time.Since(t) > spinTime {
				j.wg.Wait()
				return
			}
			runtime.Gosched()
		}
	}
}

// parallelElems is parallelFor for loops over n independent elements: it
// runs inline below parallelThreshold. Its fn always escapes to the heap
// (the workers read it), so a kernel that tiny tensors call often tests
// n < parallelThreshold itself and calls its loop directly, building the
// closure only for the parallel path.
func parallelElems(n int, fn func(lo, hi int)) {
	if n < parallelThreshold {
		fn(0, n)
		return
	}
	parallelFor(n, grainElems, fn)
}
