package devicetest

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nervelab/nerve/internal/device"
)

// gemmCase describes one Gemm call. Matrices are stored with pad extra
// columns (filled with NaN in A and B, which must never be read, and with
// guards in C, which must never be written) and batch items laid out one
// after another unless broadcast (stride 0).
type gemmCase struct {
	batch, m, n, k         int
	transA, transB         bool
	alpha, beta            float32
	padA, padB, padC       int
	offA, offB, offC       int
	broadcastA, broadcastB bool
	nanC                   bool // C starts as NaN (with beta = 0 it must not propagate)
}

// operand is one matrix of a case: its buffer contents and addressing.
type operand struct {
	data              []float32
	off, ld, stride   int
	rows, cols, items int
}

// newOperand fills a rows×cols matrix per item with random values in
// [-1, 1] and its padding with pad.
func newOperand(r *rand.Rand, rows, cols, padCols, off, items int, broadcast bool, padVal float32) operand {
	o := operand{off: off, ld: cols + padCols, rows: rows, cols: cols, items: items}
	o.stride = rows * o.ld
	if broadcast {
		o.stride, o.items = 0, 1
	}
	o.data = make([]float32, off+o.items*o.stride+rows*o.ld)
	for i := range o.data {
		o.data[i] = padVal
	}
	for b := range o.items {
		for i := range rows {
			for j := range cols {
				o.data[off+b*o.stride+i*o.ld+j] = float32(2*r.Float64() - 1)
			}
		}
	}
	return o
}

// el returns element (i, j) of batch item b, as stored.
func (o *operand) el(b, i, j int) float64 {
	return float64(o.data[o.off+b*o.stride+i*o.ld+j])
}

func runGemm(t *testing.T, dev device.Device, r *rand.Rand, c gemmCase) {
	t.Helper()
	nan := float32(math.NaN())
	ar, ac := pick(c.transA, c.k, c.m), pick(c.transA, c.m, c.k)
	br, bc := pick(c.transB, c.n, c.k), pick(c.transB, c.k, c.n)
	a := newOperand(r, ar, ac, c.padA, c.offA, c.batch, c.broadcastA, nan)
	b := newOperand(r, br, bc, c.padB, c.offB, c.batch, c.broadcastB, nan)
	cm := newOperand(r, c.m, c.n, c.padC, c.offC, c.batch, false, guard)
	if c.nanC {
		for bi := range c.batch {
			for i := range c.m {
				for j := range c.n {
					cm.data[c.offC+bi*cm.stride+i*cm.ld+j] = nan
				}
			}
		}
	}
	want, tol := refGemm(c, &a, &b, &cm)
	cb := bufF32(dev, cm.data)
	dev.Gemm(device.GemmParams{
		Batch: c.batch, M: c.m, N: c.n, K: c.k, TransA: c.transA, TransB: c.transB,
		Alpha: c.alpha, Beta: c.beta, A: bufF32(dev, a.data), B: bufF32(dev, b.data), C: cb,
		OffA: a.off, OffB: b.off, OffC: cm.off, LDA: a.ld, LDB: b.ld, LDC: cm.ld,
		StrideA: a.stride, StrideB: b.stride, StrideC: cm.stride,
	})
	got := readF32(dev, cb)
	for i := range got {
		if !near(float64(got[i]), want[i], 0, tol[i]) {
			t.Fatalf("Gemm %+v: C element %d is %v, want %v (±%.2g)", c, i, got[i], want[i], tol[i])
		}
	}
}

// opEl is element (i, j) of op(X) for batch item b.
func opEl(o *operand, trans bool, b, i, j int) float64 {
	if trans {
		return o.el(b, j, i)
	}
	return o.el(b, i, j)
}

func pick(c bool, t, f int) int {
	if c {
		return t
	}
	return f
}

// refGemm returns the expected C buffer and, per element, the tolerance:
// the float32 error bound K·ε·Σ|a·b| plus the rounding of the Beta term.
func refGemm(c gemmCase, a, b, cm *operand) (want, tol []float64) {
	want, tol = make([]float64, len(cm.data)), make([]float64, len(cm.data))
	for i, v := range cm.data {
		want[i] = float64(v)
	}
	for bi := range c.batch {
		ab, bb := min(bi, a.items-1), min(bi, b.items-1)
		for i := range c.m {
			for j := range c.n {
				var s, abs float64
				for k := range c.k {
					x, y := opEl(a, c.transA, ab, i, k), opEl(b, c.transB, bb, k, j)
					s += x * y
					abs += math.Abs(x * y)
				}
				pos := c.offC + bi*cm.stride + i*cm.ld + j
				w := float64(c.alpha) * s
				if c.beta != 0 {
					w += float64(c.beta) * want[pos]
				}
				tol[pos] = 1.2e-7*float64(c.k+4)*(math.Abs(float64(c.alpha))*abs+math.Abs(w)) + 1e-6
				want[pos] = w
			}
		}
	}
	return want, tol
}

func testGemm(t *testing.T, dev device.Device) {
	r := newRand(9)
	t.Run("Sizes", func(t *testing.T) { testGemmSizes(t, dev, r) })
	t.Run("AlphaBeta", func(t *testing.T) { testGemmAlphaBeta(t, dev, r) })
	t.Run("Layouts", func(t *testing.T) { testGemmLayouts(t, dev, r) })
	t.Run("Batch", func(t *testing.T) { testGemmBatch(t, dev, r) })
	t.Run("Tiles", func(t *testing.T) { testGemmTiles(t, dev, r) })
}

var transposes = [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}}

// testGemmSizes crosses odd sizes around micro-tile and block edges.
func testGemmSizes(t *testing.T, dev device.Device, r *rand.Rand) {
	small := []int{1, 2, 3, 7, 17, 33}
	big := [][3]int{{65, 130, 33}, {130, 65, 130}, {130, 130, 130}, {65, 65, 65}, {1, 130, 65},
		{130, 1, 130}, {130, 130, 1}, {33, 65, 130}, {300, 200, 150}, {2, 700, 300}, {700, 3, 300},
		{32, 9, 5000}, {3, 2, 4500}} // long K: a convolution's weight gradient
	for _, tr := range transposes {
		for _, m := range small {
			for _, n := range small {
				for _, k := range small {
					runGemm(t, dev, r, gemmCase{batch: 1, m: m, n: n, k: k, transA: tr[0], transB: tr[1], alpha: 1})
				}
			}
		}
		for _, s := range big {
			runGemm(t, dev, r, gemmCase{batch: 1, m: s[0], n: s[1], k: s[2], transA: tr[0], transB: tr[1], alpha: 1})
		}
	}
}

func testGemmAlphaBeta(t *testing.T, dev device.Device, r *rand.Rand) {
	ab := [][2]float32{{0.5, 2}, {-1.5, 1}, {2, -0.5}, {1, 0}, {0, 0.5}, {0, 0}}
	for _, s := range [][3]int{{3, 5, 7}, {70, 90, 110}} {
		for _, tr := range transposes {
			for _, v := range ab {
				runGemm(t, dev, r, gemmCase{batch: 1, m: s[0], n: s[1], k: s[2], transA: tr[0], transB: tr[1],
					alpha: v[0], beta: v[1]})
			}
			// Beta = 0 never reads C: its NaNs must vanish.
			runGemm(t, dev, r, gemmCase{batch: 1, m: s[0], n: s[1], k: s[2], transA: tr[0], transB: tr[1],
				alpha: 1.5, nanC: true})
		}
	}
	// K = 0: C = Beta·C.
	runGemm(t, dev, r, gemmCase{batch: 2, m: 4, n: 5, k: 0, alpha: 1, beta: 3})
	runGemm(t, dev, r, gemmCase{batch: 1, m: 4, n: 5, k: 0, alpha: 1, nanC: true})
}

// testGemmLayouts uses leading dimensions wider than the matrices (NaN
// padding in A and B, guards in C) and nonzero offsets.
func testGemmLayouts(t *testing.T, dev device.Device, r *rand.Rand) {
	for _, s := range [][3]int{{5, 6, 7}, {33, 17, 65}, {130, 70, 90}, {20, 9, 4200}} {
		for _, tr := range transposes {
			runGemm(t, dev, r, gemmCase{batch: 1, m: s[0], n: s[1], k: s[2], transA: tr[0], transB: tr[1],
				alpha: 1, beta: 0.5, padA: 3, padB: 5, padC: 2, offA: 5, offB: 2, offC: 3})
		}
	}
}

// testGemmBatch runs batches with separate and broadcast (stride 0) operands.
func testGemmBatch(t *testing.T, dev device.Device, r *rand.Rand) {
	for _, s := range [][3]int{{3, 4, 5}, {40, 50, 60}, {1, 100, 200}} {
		for _, tr := range transposes {
			for _, bc := range [][2]bool{{false, false}, {true, false}, {false, true}} {
				runGemm(t, dev, r, gemmCase{batch: 3, m: s[0], n: s[1], k: s[2], transA: tr[0], transB: tr[1],
					alpha: 1, beta: 0.25, padA: 1, padC: 1, offA: 1, offC: 2, broadcastA: bc[0], broadcastB: bc[1]})
			}
		}
	}
	// Many small items, which a backend may spread over threads.
	runGemm(t, dev, r, gemmCase{batch: 64, m: 16, n: 17, k: 18, transB: true, alpha: 1, broadcastB: true})
}

// testGemmTiles runs products large enough for a backend to cut C into
// tiles over several threads: rows and columns that split unevenly into
// micro-tiles, K over one and several panels, Beta 0 and not, a batch.
func testGemmTiles(t *testing.T, dev device.Device, r *rand.Rand) {
	for _, s := range [][4]int{{1, 183, 150, 160}, {1, 28, 300, 40}, {1, 30, 100, 700}, {2, 71, 90, 330}} {
		for i, tr := range transposes {
			runGemm(t, dev, r, gemmCase{batch: s[0], m: s[1], n: s[2], k: s[3], transA: tr[0], transB: tr[1],
				alpha: 1, beta: float32(i%2) / 2, padC: 1})
		}
	}
}
