package data

import (
	"fmt"
	"iter"

	"github.com/nervelab/nerve/tensor"
)

// Loader cuts a Dataset into batches (PyTorch's DataLoader). Build it with
// NewLoader and options; iterate one epoch with All.
type Loader struct {
	ds       Dataset
	batch    int
	shuffle  bool
	seed     uint64
	dropLast bool
	workers  int
	prefetch int
	epoch    int
}

// Option configures a Loader.
type Option func(*Loader)

// Batch sets the batch size (default 1, as in PyTorch). NewLoader panics
// if n < 1.
func Batch(n int) Option { return func(l *Loader) { l.batch = n } }

// Shuffle draws a new order of the examples every epoch, from seed and
// the epoch number only: the same seed gives the same orders on every run.
func Shuffle(seed uint64) Option {
	return func(l *Loader) { l.shuffle, l.seed = true, seed }
}

// DropLast drops the last batch of an epoch when it is smaller than the
// batch size.
func DropLast() Option { return func(l *Loader) { l.dropLast = true } }

// Workers builds batches on n background goroutines, up to Prefetch
// batches ahead of the consumer (default 2 per worker); 0 (the default)
// builds each batch in the consuming goroutine when it is asked for.
// Batches arrive in order either way. NewLoader panics if n < 0.
func Workers(n int) Option { return func(l *Loader) { l.workers = n } }

// Prefetch sets how many batches the workers may build ahead. NewLoader
// panics if n < 1.
func Prefetch(n int) Option { return func(l *Loader) { l.prefetch = n } }

// NewLoader returns a Loader over ds. It panics on an impossible option
// (batch size or prefetch below 1, negative workers).
func NewLoader(ds Dataset, opts ...Option) *Loader {
	l := &Loader{ds: ds, batch: 1}
	for _, o := range opts {
		o(l)
	}
	if l.prefetch == 0 {
		l.prefetch = 2 * max(l.workers, 1)
	}
	switch {
	case l.batch < 1:
		panic(fmt.Sprintf("data: NewLoader: batch size %d, want at least 1", l.batch))
	case l.workers < 0:
		panic(fmt.Sprintf("data: NewLoader: %d workers, want 0 or more", l.workers))
	case l.prefetch < 1:
		panic(fmt.Sprintf("data: NewLoader: prefetch %d, want at least 1", l.prefetch))
	}
	return l
}

// Dataset returns the dataset the loader reads.
func (l *Loader) Dataset() Dataset { return l.ds }

// BatchSize returns the batch size.
func (l *Loader) BatchSize() int { return l.batch }

// Len returns the number of batches in one epoch.
func (l *Loader) Len() int {
	n := l.ds.Len()
	if l.dropLast {
		return n / l.batch
	}
	return (n + l.batch - 1) / l.batch
}

// NumSamples returns the number of examples one epoch delivers (fewer
// than the dataset's with DropLast).
func (l *Loader) NumSamples() int {
	if l.dropLast {
		return l.Len() * l.batch
	}
	return l.ds.Len()
}

// Epoch returns the epoch the next call of All will deliver, counted from 0.
func (l *Loader) Epoch() int { return l.epoch }

// SetEpoch chooses the epoch the next call of All delivers; with Shuffle
// it decides the order. A resumed training run sets it to the epoch it
// resumes at.
func (l *Loader) SetEpoch(e int) { l.epoch = e }

// Order returns the example indices of epoch e in delivery order.
func (l *Loader) Order(e int) []int {
	n := l.ds.Len()
	if !l.shuffle {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	return tensor.NewGenerator(mix(l.seed, uint64(e))).Perm(n)
}

// mix derives one epoch's seed from the loader's (splitmix64 of both).
func mix(seed, epoch uint64) uint64 {
	z := seed + 0x9e3779b97f4a7c15*(epoch+1)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// batches returns the index lists of epoch e's batches.
func (l *Loader) batches(e int) [][]int {
	order := l.Order(e)
	out := make([][]int, 0, l.Len())
	for at := 0; at < len(order); at += l.batch {
		end := min(at+l.batch, len(order))
		if l.dropLast && end-at < l.batch {
			break
		}
		out = append(out, order[at:end:end])
	}
	return out
}

// All delivers one epoch as (inputs, targets) batches, then advances the
// epoch counter. Breaking out of the loop early stops the workers. A
// panic while building a batch (a dataset's bad index, say) is re-raised
// in the consuming goroutine.
func (l *Loader) All() iter.Seq2[*tensor.Tensor, *tensor.Tensor] {
	return func(yield func(x, y *tensor.Tensor) bool) {
		e := l.epoch
		l.epoch++
		idx := l.batches(e)
		if l.workers == 0 {
			for _, b := range idx {
				if !yield(Collate(l.ds, b)) {
					return
				}
			}
			return
		}
		l.parallel(idx, yield)
	}
}

// Release frees a batch that All yielded, once its user is done with it,
// when the dataset is a FreshBatcher (its batches are new storage nothing
// else holds), so that the next batch reuses the memory; otherwise, or for
// a tensor that requires grad, it does nothing. x and y must not be used
// afterwards.
func (l *Loader) Release(x, y *tensor.Tensor) {
	f, ok := l.ds.(FreshBatcher)
	if !ok || !f.FreshBatches() {
		return
	}
	for _, t := range []*tensor.Tensor{x, y} {
		if t != nil && !t.RequiresGrad() {
			t.Release()
		}
	}
}

// result is one built batch, or the panic that building it raised.
type result struct {
	x, y   *tensor.Tensor
	failed any
}

// parallel builds the batches idx on l.workers goroutines, at most
// l.prefetch ahead of the consumer, and yields them in order.
func (l *Loader) parallel(idx [][]int, yield func(x, y *tensor.Tensor) bool) {
	done := make(chan struct{})
	slots := make([]chan result, len(idx))
	for i := range slots {
		slots[i] = make(chan result, 1)
	}
	jobs := make(chan int)
	tokens := make(chan struct{}, l.prefetch)
	go func() { // hands out batch numbers in order, prefetch at a time
		defer close(jobs)
		for i := range idx {
			select {
			case tokens <- struct{}{}:
			case <-done:
				return
			}
			select {
			case jobs <- i:
			case <-done:
				return
			}
		}
	}()
	for range l.workers {
		go func() {
			for i := range jobs {
				slots[i] <- l.build(idx[i])
			}
		}()
	}
	defer close(done)
	for i := range idx {
		r := <-slots[i]
		<-tokens
		if r.failed != nil {
			panic(r.failed)
		}
		if !yield(r.x, r.y) {
			return
		}
	}
}

// build collates one batch, catching a panic so it can be re-raised in
// the consumer.
func (l *Loader) build(b []int) (r result) {
	defer func() {
		if p := recover(); p != nil {
			r = result{failed: p}
		}
	}()
	x, y := Collate(l.ds, b)
	return result{x: x, y: y}
}
