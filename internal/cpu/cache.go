package cpu

import "sync"

// bufferCache keeps freed float32 buffers for reuse by allocations of the
// same length, as PyTorch's caching allocator does: a training step makes
// the same tensors every time, and taking memory from the Go heap for each
// costs clearing it, page faults and garbage collections (which on two
// cores cost more than the kernels of a small step). Only buffers given
// back with Free enter it; it holds at most maxCached bytes and drops
// what does not fit.
type bufferCache struct {
	mu    sync.Mutex
	free  map[int][][]float32 // by length
	bytes int
}

// maxCached bounds the memory the cache holds (a variable for tests).
var maxCached = 512 << 20

var floatCache = bufferCache{free: map[int][][]float32{}}

// get returns a cached buffer of length n, or nil.
func (c *bufferCache) get(n int) []float32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	list := c.free[n]
	if len(list) == 0 {
		return nil
	}
	f := list[len(list)-1]
	list[len(list)-1] = nil
	c.free[n] = list[:len(list)-1]
	c.bytes -= 4 * n
	return f
}

// put caches f unless the cache is full.
func (c *bufferCache) put(f []float32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bytes+4*len(f) > maxCached {
		return
	}
	c.free[len(f)] = append(c.free[len(f)], f)
	c.bytes += 4 * len(f)
}

// cachedBytes reports the memory the cache holds (for tests).
func (c *bufferCache) cachedBytes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}
