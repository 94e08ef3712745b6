// Package devicetest is the conformance suite every device.Device must
// pass. A backend's test calls RunAll with its device:
//
//	func TestConformance(t *testing.T) { devicetest.RunAll(t, cpu.Device{}) }
//
// Every method of the interface is checked against plain reference loops
// written here in float64, with tolerances suited to float32 results.
// Kernels are also checked the way gonum checks its asm kernels: lengths
// 0..67 at unaligned offsets, with guard values around the written range
// that must come back unchanged. Sizes are chosen to cross the usual
// thresholds of a backend (vector tails, micro-tile edges, parallel
// splitting) while keeping the whole suite to a few seconds.
package devicetest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nervelab/nerve/internal/device"
)

// RunAll runs the whole conformance suite against dev, one subtest per
// method family.
func RunAll(t *testing.T, dev device.Device) {
	tests := []struct {
		name string
		fn   func(*testing.T, device.Device)
	}{
		{"Alloc", testAlloc},
		{"HostCopies", testHostCopies},
		{"Fill", testFill},
		{"Copy", testCopy},
		{"Unary", testUnary},
		{"UnaryBackward", testUnaryBackward},
		{"Binary", testBinary},
		{"Where", testWhere},
		{"Reduce", testReduce},
		{"Softmax", testSoftmax},
		{"SoftmaxBackward", testSoftmaxBackward},
		{"Gemm", testGemm},
		{"Index", testIndex},
		{"Concurrent", testConcurrent},
		{"RNNCells", testRNNCells},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, dev) })
	}
}

// RunGemm runs the Gemm part of the suite alone, for backends that test
// several GEMM implementations.
func RunGemm(t *testing.T, dev device.Device) { testGemm(t, dev) }

// guard is the value written around the range a kernel may touch.
const guard = -7777.25

// newRand returns the suite's deterministic random source.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// randF32 returns n values uniform in [lo, hi).
func randF32(r *rand.Rand, n int, lo, hi float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(lo + (hi-lo)*r.Float64())
	}
	return v
}

// bufF32 allocates a Float32 buffer holding vals.
func bufF32(dev device.Device, vals []float32) device.Buffer {
	b := dev.Alloc(device.Float32, len(vals))
	dev.WriteF32(b, 0, vals)
	return b
}

// bufI64 allocates an Int64 buffer holding vals.
func bufI64(dev device.Device, vals []int64) device.Buffer {
	b := dev.Alloc(device.Int64, len(vals))
	dev.WriteI64(b, 0, vals)
	return b
}

// guarded allocates a Float32 buffer of pad+n+pad guard values.
func guarded(dev device.Device, pad, n int) device.Buffer {
	b := dev.Alloc(device.Float32, pad+n+pad)
	dev.Fill(b, 0, pad+n+pad, guard)
	return b
}

func readF32(dev device.Device, b device.Buffer) []float32 {
	v := make([]float32, b.Len())
	dev.ReadF32(v, b, 0)
	return v
}

func readI64(dev device.Device, b device.Buffer) []int64 {
	v := make([]int64, b.Len())
	dev.ReadI64(v, b, 0)
	return v
}

// checkGuards fails if any element of v outside [lo, hi) is not the guard.
func checkGuards(t *testing.T, what string, v []float32, lo, hi int) {
	t.Helper()
	for i, x := range v {
		if (i < lo || i >= hi) && x != guard {
			t.Errorf("%s: element %d outside the written range [%d,%d) changed to %v", what, i, lo, hi, x)
			return
		}
	}
}

// near reports whether got is within atol + rtol·|want| of want; NaN
// matches only NaN and an infinity only itself.
func near(got, want, rtol, atol float64) bool {
	switch {
	case math.IsNaN(want):
		return math.IsNaN(got)
	case math.IsInf(want, 0):
		return got == want
	}
	return math.Abs(got-want) <= atol+rtol*math.Abs(want)
}

// checkNear compares got with want element-wise and reports the first few
// mismatches.
func checkNear(t *testing.T, what string, got []float32, want []float64, rtol, atol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	bad := 0
	for i := range got {
		if !near(float64(got[i]), want[i], rtol, atol) {
			if bad++; bad <= 3 {
				t.Errorf("%s: [%d] = %v, want %v", what, i, got[i], want[i])
			}
		}
	}
	if bad > 3 {
		t.Errorf("%s: %d mismatches in all", what, bad)
	}
}

// strided returns the layout with the given shape, strides and offset.
func strided(shape, strides []int, off int) device.Layout {
	return device.Layout{Shape: shape, Strides: strides, Offset: off}
}

// broadcastTo returns the layout that reads a contiguous array of shape s
// (right-aligned, as in NumPy) as shape out, with stride 0 on broadcast
// dimensions.
func broadcastTo(s, out []int, off int) device.Layout {
	c := device.Contiguous(s, off)
	st := make([]int, len(out))
	for d := range out {
		k := d - (len(out) - len(s))
		if k >= 0 && s[k] != 1 {
			st[d] = c.Strides[k]
		}
	}
	return device.Layout{Shape: out, Strides: st, Offset: off}
}

// forEach calls fn with every multi-index of shape in row-major order and
// its position in that order.
func forEach(shape []int, fn func(idx []int, pos int)) {
	n := 1
	for _, s := range shape {
		n *= s
	}
	idx := make([]int, len(shape))
	for pos := range n {
		fn(idx, pos)
		for d := len(shape) - 1; d >= 0; d-- {
			if idx[d]++; idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
}

// at returns the buffer position of idx in layout l.
func at(l device.Layout, idx []int) int {
	o := l.Offset
	for d, i := range idx {
		o += i * l.Strides[d]
	}
	return o
}

func numel(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

func name(parts ...any) string { return fmt.Sprint(parts...) }
