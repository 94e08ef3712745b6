package cpu

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/nervelab/nerve/internal/device"
)

// TestTileRange has goroutines take tiles from the fronts and backs of
// several ranges at once, as gemmBlocked's workers do, and checks that
// every tile is taken exactly once.
func TestTileRange(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 1000} {
		const workers = 4
		q := make([]tileRange, workers)
		for i := range q {
			q[i].set(i*n/workers, (i+1)*n/workers)
		}
		taken := make([][]int, workers)
		var wg sync.WaitGroup
		for id := range workers {
			wg.Go(func() {
				for t, ok := q[id].take(false); ok; t, ok = q[id].take(false) {
					taken[id] = append(taken[id], t)
				}
				for k := 1; k < workers; k++ {
					other := &q[(id+k)%workers]
					for t, ok := other.take(true); ok; t, ok = other.take(true) {
						taken[id] = append(taken[id], t)
					}
				}
			})
		}
		wg.Wait()
		seen := make([]int, n)
		for _, ts := range taken {
			for _, x := range ts {
				seen[x]++
			}
		}
		for x, c := range seen {
			if c != 1 {
				t.Fatalf("n=%d: tile %d taken %d times", n, x, c)
			}
		}
	}
}

// TestSplit checks that split cuts n into blocks of whole micro-tiles
// that cover [0, n) in order, no two differing by more than one tile.
func TestSplit(t *testing.T) {
	for _, n := range []int{1, 13, 14, 15, 256, 512, 1000} {
		for blocks := 1; blocks <= 8; blocks++ {
			const r = 14
			lo, hi := n, 0
			for i := range blocks {
				b0, b1 := split(n, blocks, r, i), split(n, blocks, r, i+1)
				if b0%r != 0 || b1 < b0 || (i == 0 && b0 != 0) || (i == blocks-1 && b1 != n) {
					t.Fatalf("n=%d blocks=%d: block %d is [%d, %d)", n, blocks, i, b0, b1)
				}
				tiles := ceilDiv(b1-b0, r)
				lo, hi = min(lo, tiles), max(hi, tiles)
			}
			if n >= blocks*r && hi-lo > 1 {
				t.Fatalf("n=%d blocks=%d: blocks of %d to %d tiles", n, blocks, lo, hi)
			}
		}
	}
}

// TestGemmDeterministic runs products whose tiles share their rows and
// whose K spans several panels, with Beta 1 (so the order in which a
// tile adds its panels shows in the rounding), many times: however the
// tiles fall to the workers, C must come out bit for bit the same.
func TestGemmDeterministic(t *testing.T) {
	saved := gemmBlocking
	defer func() { gemmBlocking = saved }()
	small := gemmBlocking
	small.kc, small.nc = min(small.kc, 64), min(small.nc, 64) // several panels and column tiles
	small.large = nil
	for _, bk := range []blocking{saved, small} {
		gemmBlocking = bk
		const m, n, k = 28, 700, 1400
		r := rand.New(rand.NewPCG(3, 4))
		a, b, c0 := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		for i := range a {
			a[i] = float32(r.NormFloat64())
		}
		for i := range b {
			b[i] = float32(r.NormFloat64())
		}
		for i := range c0 {
			c0[i] = float32(r.NormFloat64())
		}
		var first []float32
		for run := range 40 {
			c := append([]float32(nil), c0...)
			Device{}.Gemm(device.GemmParams{Batch: 1, M: m, N: n, K: k, Alpha: 0.7, Beta: 1,
				A: newFloats(a), B: newFloats(b), C: newFloats(c), LDA: k, LDB: n, LDC: n})
			if run == 0 {
				first = c
				continue
			}
			for i := range c {
				if math.Float32bits(c[i]) != math.Float32bits(first[i]) {
					t.Fatalf("kc %d: run %d: C[%d] = %v, first run %v", bk.kc, run, i, c[i], first[i])
				}
			}
		}
	}
}
