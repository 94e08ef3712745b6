package cpu

import (
	"runtime"
	"sync"
	"unsafe"
	"weak"
)

// bufferCache keeps freed float32 buffers for reuse by allocations of the
// same length, as PyTorch's caching allocator does: a training step makes
// the same tensors every time, and taking memory from the Go heap for each
// costs clearing it, page faults and garbage collections (which on two
// cores cost more than the kernels of a small step). Only buffers given
// back with Free enter it.
//
// It holds a buffer strongly until the next garbage collection has ended
// and weakly after it, so a buffer nobody takes back within a collection
// cycle is reclaimed by the one after: the buffers of an earlier phase
// (training's, while a model is evaluated with larger batches) do not stay
// resident. Holding them through the collection that comes first matters
// when a step allocates more than the collector's headroom: an evaluation
// batch frees its early activations before it allocates its later ones, a
// collection in between took back exactly the buffers the next batch
// needed, and every batch allocated (and cleared) its hundreds of
// megabytes again. Entries claim at most maxCached bytes; what does not
// fit is dropped.
type bufferCache struct {
	mu    sync.Mutex
	free  map[int][]cacheEntry // by length
	bytes int                  // claimed by entries, live or reclaimed
	gcs   int                  // collections seen (see watch)
}

// cacheEntry is a cached buffer's first element, strong or weak.
type cacheEntry struct {
	strong *float32
	weak   weak.Pointer[float32]
}

// maxCached bounds the memory the cache's entries claim (a variable for
// tests).
var maxCached = 512 << 20

var floatCache = newBufferCache()

func newBufferCache() *bufferCache {
	c := &bufferCache{free: map[int][]cacheEntry{}}
	c.watch()
	return c
}

// gcSentinel is the object whose reclamation tells the cache that a
// collection has run (it holds a pointer so that it is not batched with
// other tiny objects, which would delay that).
type gcSentinel struct{ _ *int }

// watch arranges for demote to run after the next collection, and again
// after each one that follows.
func (c *bufferCache) watch() {
	runtime.AddCleanup(&gcSentinel{}, func(c *bufferCache) {
		c.watch() // first, so that the notice counted in demote is not the last
		c.demote()
	}, c)
}

// demote runs after a collection has ended and turns the strong entries
// into weak ones. The notice comes some time after the collection, so an
// entry cached in between is demoted without having lived through one:
// it is then reclaimed by the next collection, as every entry was when the
// cache held them only weakly.
func (c *bufferCache) demote() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, list := range c.free {
		for i := range list {
			if e := &list[i]; e.strong != nil {
				e.weak, e.strong = weak.Make(e.strong), nil
			}
		}
	}
	c.gcs++
}

// value returns the entry's buffer, or nil if the collector took it.
func (e *cacheEntry) value() *float32 {
	if e.strong != nil {
		return e.strong
	}
	return e.weak.Value()
}

// get returns a cached buffer of length n, or nil.
func (c *bufferCache) get(n int) []float32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	list := c.free[n]
	for len(list) > 0 {
		p := list[len(list)-1].value()
		list[len(list)-1] = cacheEntry{}
		list = list[:len(list)-1]
		c.bytes -= 4 * n
		if p != nil {
			c.free[n] = list
			return unsafe.Slice(p, n)
		}
	}
	delete(c.free, n)
	return nil
}

// put caches f (of length > 0) unless the cache is full even after
// forgetting the buffers the collector took.
func (c *bufferCache) put(f []float32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bytes+4*len(f) > maxCached {
		c.sweep()
		if c.bytes+4*len(f) > maxCached {
			return
		}
	}
	c.free[len(f)] = append(c.free[len(f)], cacheEntry{strong: &f[0]})
	c.bytes += 4 * len(f)
}

// sweep forgets the entries whose buffers the collector reclaimed.
func (c *bufferCache) sweep() {
	for n, list := range c.free {
		live := list[:0]
		for _, e := range list {
			if e.value() != nil {
				live = append(live, e)
			} else {
				c.bytes -= 4 * n
			}
		}
		clear(list[len(live):])
		if len(live) == 0 {
			delete(c.free, n)
		} else {
			c.free[n] = live
		}
	}
}

// cachedBytes reports the memory the cache's entries claim (for tests).
func (c *bufferCache) cachedBytes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}

// collections reports how many collections the cache has seen end (for
// tests).
func (c *bufferCache) collections() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gcs
}
