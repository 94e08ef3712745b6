package cpu

import (
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
// It holds them weakly: a buffer nobody takes back before the next garbage
// collection is reclaimed by it, so the cache never raises the live heap
// that the collector's target (twice the live heap) grows from, and the
// buffers of an earlier phase (training's, while a model is evaluated with
// larger batches) do not stay resident. A steady training loop takes its
// buffers back within a step, long before a collection comes. Entries
// claim at most maxCached bytes; what does not fit is dropped.
type bufferCache struct {
	mu    sync.Mutex
	free  map[int][]weak.Pointer[float32] // by length; the first element of each buffer
	bytes int                             // claimed by entries, live or reclaimed
}

// maxCached bounds the memory the cache's entries claim (a variable for
// tests).
var maxCached = 512 << 20

var floatCache = bufferCache{free: map[int][]weak.Pointer[float32]{}}

// get returns a cached buffer of length n, or nil.
func (c *bufferCache) get(n int) []float32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	list := c.free[n]
	for len(list) > 0 {
		p := list[len(list)-1].Value()
		list[len(list)-1] = weak.Pointer[float32]{}
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
	c.free[len(f)] = append(c.free[len(f)], weak.Make(&f[0]))
	c.bytes += 4 * len(f)
}

// sweep forgets the entries whose buffers the collector reclaimed.
func (c *bufferCache) sweep() {
	for n, list := range c.free {
		live := list[:0]
		for _, p := range list {
			if p.Value() != nil {
				live = append(live, p)
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
