package nn_test

import (
	"math"
	"testing"

	"github.com/nervelab/nerve/internal/gradcheck"
	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/tensor"
)

func TestDropoutSeededMask(t *testing.T) {
	x := tensor.Ones(4, 50)
	a := &nn.Dropout{P: 0.5, Generator: tensor.NewGenerator(7)}
	b := &nn.Dropout{P: 0.5, Generator: tensor.NewGenerator(7)}
	ya, yb := a.Forward(x), b.Forward(x)
	if !sameData(ya, yb) {
		t.Fatal("two Dropouts with the same seed drew different masks")
	}
	if sameData(ya, a.Forward(x)) {
		t.Fatal("the next mask is the same as the first")
	}
	tensor.ManualSeed(3)
	c := nn.NewDropout(0.5).Forward(x)
	tensor.ManualSeed(3)
	if !sameData(c, nn.NewDropout(0.5).Forward(x)) {
		t.Fatal("ManualSeed does not make Dropout's global mask reproducible")
	}
}

func TestDropoutGradientIsTheMask(t *testing.T) {
	d := &nn.Dropout{P: 0.3, Generator: tensor.NewGenerator(1)}
	x := tensor.Randn(8, 8).SetRequiresGrad(true)
	y := d.Forward(x)
	y.Sum().Backward()
	g, yd, xd := x.Grad().Data(), y.Data(), x.Data()
	for i := range g {
		want := float32(0)
		if yd[i] != 0 {
			want = 1 / 0.7
			if math.Abs(float64(yd[i]-xd[i]*want)) > 1e-6 {
				t.Fatalf("kept element %d: %v, want %v·1/(1−p)", i, yd[i], xd[i])
			}
		}
		if math.Abs(float64(g[i]-want)) > 1e-6 {
			t.Fatalf("grad[%d] = %v, want %v", i, g[i], want)
		}
	}
}

func TestDropoutEvalGradient(t *testing.T) {
	d := nn.NewDropout(0.5)
	nn.Eval(d)
	if d.Training() {
		t.Fatal("Eval left Dropout in training mode")
	}
	x := tensor.NewGenerator(2).Randn(3, 4).SetRequiresGrad(true)
	gradcheck.Check(t, "Dropout(eval)", func(xs []*tensor.Tensor) *tensor.Tensor {
		return d.Forward(xs[0]).MulScalar(2) // the identity, times 2 to see a gradient
	}, x)
}

func TestDropoutEdges(t *testing.T) {
	x := tensor.Ones(3, 3)
	if y := nn.NewDropout(1).Forward(x); y.Sum().Item() != 0 {
		t.Fatalf("Dropout(1): %v", y)
	}
	if y := nn.NewDropout(0).Forward(x); y != x {
		t.Fatal("Dropout(0) is not the identity")
	}
	for _, p := range []float32{-0.1, 1.5, float32(math.NaN())} {
		if err := tensor.Catch(func() { nn.NewDropout(p) }); err == nil {
			t.Errorf("NewDropout(%v) did not panic", p)
		}
	}
}
