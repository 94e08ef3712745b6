package nn_test

import (
	"slices"
	"testing"

	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/tensor"
)

func sameData(a, b *tensor.Tensor) bool {
	return slices.Equal(a.Shape(), b.Shape()) && slices.Equal(a.Data(), b.Data())
}

func TestNewLinearIsReproducible(t *testing.T) {
	tensor.ManualSeed(5)
	a := nn.NewLinear(3, 4)
	tensor.ManualSeed(5)
	b := nn.NewLinear(3, 4)
	if !sameData(a.Weight, b.Weight) || !sameData(a.Bias, b.Bias) {
		t.Fatal("ManualSeed(5) twice gave two different Linear layers")
	}
	c := nn.NewLinear(3, 4)
	if sameData(a.Weight, c.Weight) {
		t.Fatal("two Linear layers in a row have the same weights")
	}

	// WithGenerator draws from its own stream and leaves the global one alone.
	tensor.ManualSeed(5)
	d := nn.NewLinear(3, 4, nn.WithGenerator(tensor.NewGenerator(9)))
	e := nn.NewLinear(3, 4)
	if !sameData(e.Weight, a.Weight) {
		t.Fatal("WithGenerator advanced the global generator")
	}
	f := nn.NewLinear(3, 4, nn.WithGenerator(tensor.NewGenerator(9)))
	if !sameData(d.Weight, f.Weight) || !sameData(d.Bias, f.Bias) || sameData(d.Weight, a.Weight) {
		t.Fatal("WithGenerator(NewGenerator(9)) is not reproducible or not used")
	}
	if !d.Weight.RequiresGrad() || !d.Bias.RequiresGrad() {
		t.Fatal("Linear parameters do not require grad")
	}
}

func TestLinearNoBias(t *testing.T) {
	l := nn.NewLinear(3, 2, nn.NoBias(), nn.WithGenerator(tensor.NewGenerator(1)))
	if l.Bias != nil {
		t.Fatal("NoBias left a bias")
	}
	if got := l.ExtraRepr(); got != "in_features=3, out_features=2, bias=False" {
		t.Fatalf("ExtraRepr %q", got)
	}
	ps := nn.NamedParameters(l)
	if len(ps) != 1 || ps[0].Name != "weight" || !slices.Equal(ps[0].Tensor.Shape(), []int{2, 3}) {
		t.Fatalf("parameters %v", ps)
	}
	// Without a bias the output is exactly x·Wᵀ.
	if y := l.Forward(tensor.Eye(3)); !sameData(y, l.Weight.T().Contiguous()) {
		t.Fatalf("the identity through Linear(3, 2, bias=False): %v, weight %v", y, l.Weight)
	}
}

func TestLinearShapes(t *testing.T) {
	l := nn.NewLinear(4, 3)
	for _, in := range [][]int{{4}, {5, 4}, {2, 5, 4}, {1, 2, 1, 4}} {
		want := append(slices.Clone(in[:len(in)-1]), 3)
		if got := l.Forward(tensor.Ones(in...)).Shape(); !slices.Equal(got, want) {
			t.Errorf("Linear(4, 3) on %v: shape %v, want %v", in, got, want)
		}
	}
	err := tensor.Catch(func() { l.Forward(tensor.Ones(2, 5)) })
	if err == nil || err.Error() != "Linear: shapes [2 5] and [3 4] cannot be multiplied (input's last dim 5 != in_features 4)" {
		t.Errorf("wrong in_features: %v", err)
	}
	for _, dims := range [][2]int{{0, 3}, {3, 0}, {-1, 2}} {
		if err := tensor.Catch(func() { nn.NewLinear(dims[0], dims[1]) }); err == nil {
			t.Errorf("NewLinear(%d, %d) did not panic", dims[0], dims[1])
		}
	}
}
