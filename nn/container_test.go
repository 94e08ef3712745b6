package nn

import (
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
	call := func() { tensor.NoGrad(func() { big.Forward(in) }) }
	call()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 10 {
		call()
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / 10; per > 256<<10 {
		t.Fatalf("an inference call allocates %d bytes: its activations are not released", per)
	}
}
