package tensor

import (
	"math"
	"math/rand/v2"
	"sync"
)

// Generator is a seedable source of random tensors. The same seed gives the
// same numbers on every machine and Go version: it is a PCG-DXSM stream
// (math/rand/v2's PCG, a fixed, documented algorithm) and the conversions
// to float32 use only exact arithmetic plus Box–Muller in float64.
// A Generator is safe for concurrent use.
type Generator struct {
	mu  sync.Mutex
	src *rand.PCG
}

// NewGenerator returns a generator seeded with seed.
func NewGenerator(seed uint64) *Generator {
	return &Generator{src: rand.NewPCG(seed, 0x9e3779b97f4a7c15)}
}

var global = NewGenerator(0)

// ManualSeed reseeds the global generator used by Rand, Randn and RandInt.
func ManualSeed(seed uint64) { global.Seed(seed) }

// DefaultGenerator returns the global generator.
func DefaultGenerator() *Generator { return global }

// Seed resets g to the stream of seed.
func (g *Generator) Seed(seed uint64) {
	g.mu.Lock()
	g.src.Seed(seed, 0x9e3779b97f4a7c15)
	g.mu.Unlock()
}

// State returns the generator's state, to save in a checkpoint.
func (g *Generator) State() ([]byte, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.src.MarshalBinary()
}

// SetState restores a state returned by State.
func (g *Generator) SetState(b []byte) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.src.UnmarshalBinary(b)
}

// Uint64 returns the next raw 64 random bits.
func (g *Generator) Uint64() uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.src.Uint64()
}

// Float32 returns a uniform number in [0, 1) with 24 random bits.
func (g *Generator) Float32() float32 { return float32(g.Uint64()>>40) / (1 << 24) }

// Intn returns a uniform integer in [0, n). It panics if n <= 0.
func (g *Generator) Intn(n int) int {
	if n <= 0 {
		panic("tensor: Generator.Intn: n must be positive")
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return int(rand.New(g.src).Uint64N(uint64(n)))
}

// Perm returns a random permutation of 0..n-1 (Fisher–Yates).
func (g *Generator) Perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := g.Intn(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// Rand returns uniform numbers in [0, 1).
func (g *Generator) Rand(shape ...int) *Tensor {
	checkShape("Rand", shape)
	data := make([]float32, numel(shape))
	g.mu.Lock() // once per tensor: the same draws as Float32's, in order
	defer g.mu.Unlock()
	for i := range data {
		data[i] = float32(g.src.Uint64()>>40) / (1 << 24)
	}
	return New(data, shape...)
}

// DropoutMask returns a tensor of the given shape whose elements are 0
// with probability p and 1/(1 − p) otherwise: an element is kept when
// its uniform draw (as Rand's) exceeds p, so it equals
// g.Rand(shape...).GtScalar(p).MulScalar(1/(1−p)) bit for bit, in one
// pass.
func (g *Generator) DropoutMask(p float32, shape ...int) *Tensor {
	checkShape("DropoutMask", shape)
	data := make([]float32, numel(shape))
	scale := 1 / (1 - p)
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := range data {
		if float32(g.src.Uint64()>>40)/(1<<24) > p {
			data[i] = scale
		}
	}
	return New(data, shape...)
}

// Uniform returns uniform numbers in [lo, hi).
func (g *Generator) Uniform(lo, hi float32, shape ...int) *Tensor {
	checkShape("Uniform", shape)
	data := make([]float32, numel(shape))
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := range data {
		data[i] = lo + (hi-lo)*(float32(g.src.Uint64()>>40)/(1<<24))
	}
	return New(data, shape...)
}

// Randn returns standard normal numbers (mean 0, variance 1).
func (g *Generator) Randn(shape ...int) *Tensor {
	checkShape("Randn", shape)
	data := make([]float32, numel(shape))
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := 0; i < len(data); i += 2 {
		u1 := (float64(g.src.Uint64()>>11) + 1) / (1 << 53) // (0, 1]
		u2 := float64(g.src.Uint64()>>11) / (1 << 53)
		r := math.Sqrt(-2 * math.Log(u1))
		data[i] = float32(r * math.Cos(2*math.Pi*u2))
		if i+1 < len(data) {
			data[i+1] = float32(r * math.Sin(2*math.Pi*u2))
		}
	}
	return New(data, shape...)
}

// RandInt returns int64 numbers uniform in [low, high). It panics if
// high <= low.
func (g *Generator) RandInt(low, high int64, shape ...int) *Tensor {
	checkShape("RandInt", shape)
	if high <= low {
		shapePanic("RandInt", shape, nil, "random range is empty (low %d, high %d)", low, high)
	}
	data := make([]int64, numel(shape))
	g.mu.Lock()
	defer g.mu.Unlock()
	r := rand.New(g.src) // holds no state of its own: the draws of Intn
	for i := range data {
		data[i] = low + int64(r.Uint64N(uint64(high-low)))
	}
	return FromInt64(data, shape...)
}

// Rand returns uniform numbers in [0, 1) from the global generator.
func Rand(shape ...int) *Tensor { return global.Rand(shape...) }

// Randn returns standard normal numbers from the global generator.
func Randn(shape ...int) *Tensor { return global.Randn(shape...) }

// RandInt returns int64 numbers uniform in [low, high) from the global
// generator.
func RandInt(low, high int64, shape ...int) *Tensor { return global.RandInt(low, high, shape...) }
