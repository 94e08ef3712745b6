package nn

import (
	"math"
	"runtime"
	"testing"

	"github.com/nervelab/nerve/tensor"
)

// keeper is a user layer that keeps its input, as a layer recording
// activations for a plot might.
type keeper struct{ last *tensor.Tensor }

func (k *keeper) Forward(x *tensor.Tensor) *tensor.Tensor { k.last = x; return x.MulScalar(2) }

// TestSequentialInferenceReleases: without a graph a Sequential releases
// the activations between its own layers, and gives the same output; its
// input (even seen through Flatten's view) and what a user layer keeps or
// returns stay readable.
func TestSequentialInferenceReleases(t *testing.T) {
	g := tensor.NewGenerator(7)
	k := &keeper{}
	m := NewSequential(NewFlatten(), NewLinear(48, 64, WithGenerator(g)), ReLU{}, k,
		NewLinear(64, 32, WithGenerator(g)), ReLU{}, NewLinear(32, 5, WithGenerator(g)))
	x := g.Randn(8, 3, 16)
	want := m.Forward(x).Data()
	var got *tensor.Tensor
	tensor.NoGrad(func() { got = m.Forward(x) })
	for i, v := range got.Data() {
		if v != want[i] {
			t.Fatalf("output %d: %v without a graph, %v with one", i, v, want[i])
		}
	}
	if err := tensor.Catch(func() { x.Sum(); k.last.Sum() }); err != nil {
		t.Fatalf("the input or what a user layer kept was released: %v", err)
	}
	// The activations between nerve layers go back to the device and serve
	// the next call: four of 256 KiB each per call would be 1 MiB.
	big := NewSequential(NewLinear(256, 1024, WithGenerator(g)), ReLU{},
		NewLinear(1024, 1024, WithGenerator(g)), ReLU{}, NewLinear(1024, 10, WithGenerator(g)))
	in := g.Randn(64, 256)
	// The least of three windows of ten calls: a one-off allocation (the
	// gemm's packing buffers for a pool worker that first joins a product
	// late) lands in one window, activations not released in every one.
	call := func() { tensor.NoGrad(func() { big.Forward(in) }) }
	call()
	least := uint64(math.MaxUint64)
	for range 3 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range 10 {
			call()
		}
		runtime.ReadMemStats(&after)
		least = min(least, (after.TotalAlloc-before.TotalAlloc)/10)
	}
	if least > 256<<10 {
		t.Fatalf("an inference call allocates %d bytes: its activations are not released", least)
	}
}

// TestSequentialReLUBeforeMaxPool: a Sequential runs ReLU → max pooling
// as pooling → ReLU; outputs and gradients are those of the layers run
// one after the other, bit for bit, with and without a graph, including
// windows that are all negative, hang over the padding or hold ties.
func TestSequentialReLUBeforeMaxPool(t *testing.T) {
	g := tensor.NewGenerator(11)
	for _, c := range []struct {
		name  string
		pool  Module
		shape []int
	}{
		{"2d 2x2", NewMaxPool2d(2), []int{3, 4, 8, 8}},
		{"2d 3x3 s2 p1 ceil", NewMaxPool2d(3, PoolStride(2), PoolPadding(1), CeilMode()), []int{2, 3, 9, 9}},
		{"1d 3 s2", NewMaxPool1d(3, PoolStride(2)), []int{2, 5, 13}},
	} {
		x := g.Randn(c.shape...)
		d := x.Data()
		for i := range d {
			if i%7 == 0 {
				d[i] = 0.5 // ties
			} else if i%5 == 0 {
				d[i] = -d[i] * d[i] // more negatives
			}
		}
		x.SetRequiresGrad(true)
		run := func(f func(*tensor.Tensor) *tensor.Tensor) (out, grad []float32) {
			x.ZeroGrad()
			y := f(x)
			r := g.Randn(y.Shape()...)
			y.Mul(r).Sum().Backward()
			var y0 *tensor.Tensor
			tensor.NoGrad(func() { y0 = f(x) })
			for i, v := range y0.Data() {
				if v != y.Data()[i] {
					t.Fatalf("%s: output %d is %v without a graph, %v with one", c.name, i, v, y.Data()[i])
				}
			}
			return y.Data(), x.Grad().Data()
		}
		seq := NewSequential(ReLU{}, c.pool)
		g.Seed(5)
		got, gotGrad := run(seq.Forward)
		g.Seed(5)
		want, wantGrad := run(func(x *tensor.Tensor) *tensor.Tensor { return c.pool.Forward(ReLU{}.Forward(x)) })
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: output %d is %v, want %v", c.name, i, got[i], want[i])
			}
		}
		for i := range wantGrad {
			if gotGrad[i] != wantGrad[i] {
				t.Fatalf("%s: gradient %d is %v, want %v", c.name, i, gotGrad[i], wantGrad[i])
			}
		}
	}
}
