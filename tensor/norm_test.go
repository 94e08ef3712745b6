package tensor_test

import (
	"math"
	"testing"

	"github.com/nervelab/nerve/internal/gradcheck"
	"github.com/nervelab/nerve/tensor"
)

// composedNormalize is Normalize written with the elementary ops.
func composedNormalize(x *tensor.Tensor, eps float32, dims ...int) *tensor.Tensor {
	xc := x.Sub(x.MeanKeepDim(dims...))
	return xc.Div(xc.Mul(xc).MeanKeepDim(dims...).AddScalar(eps).Sqrt())
}

func TestNormalize(t *testing.T) {
	g := tensor.NewGenerator(3)
	cases := []struct {
		name  string
		shape []int
		dims  []int
		view  func(*tensor.Tensor) *tensor.Tensor
	}{
		{"last dim", []int{3, 4}, []int{1}, nil},
		{"batch and length", []int{3, 2, 4}, []int{0, 2}, nil},
		{"negative dims", []int{2, 3, 2, 2}, []int{-2, -1}, nil},
		{"all dims", []int{2, 5}, nil, nil},
		{"transposed", []int{4, 3}, []int{1}, func(x *tensor.Tensor) *tensor.Tensor { return x.T() }},
		{"sliced", []int{3, 6}, []int{0}, func(x *tensor.Tensor) *tensor.Tensor { return x.Slice(1, 1, 5) }},
	}
	for _, c := range cases {
		x := g.Randn(c.shape...).MulScalar(2).AddScalar(0.5).SetRequiresGrad(true)
		f := func(x *tensor.Tensor) *tensor.Tensor {
			if c.view != nil {
				return c.view(x)
			}
			return x
		}
		y, mean, v := tensor.Normalize(f(x), 1e-3, c.dims...)
		want := composedNormalize(f(x), 1e-3, c.dims...)
		closeData(t, c.name+" output", y.Data(), want.Data(), 1e-5)
		closeData(t, c.name+" mean", mean.Data(), f(x).MeanKeepDim(c.dims...).Data(), 1e-5)
		closeData(t, c.name+" variance", v.Data(), f(x).VarKeepDim(false, c.dims...).Data(), 1e-5)
		if mean.RequiresGrad() || v.RequiresGrad() {
			t.Errorf("%s: the statistics carry a graph", c.name)
		}
		gradcheck.CheckOpts(t, "Normalize "+c.name, gradcheck.Options{Eps: 1e-3}, func(xs []*tensor.Tensor) *tensor.Tensor {
			y, _, _ := tensor.Normalize(f(xs[0]), 1e-3, c.dims...)
			return y.Mul(y) // a non-linear use, so the statistics' gradient matters
		}, x)
	}
	if err := tensor.Catch(func() { tensor.Normalize(tensor.Ones(2, 0), 1e-5, 1) }); err == nil {
		t.Error("Normalize over a zero-size dim did not panic")
	}
}

func closeData(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); d > tol*math.Max(1, math.Abs(float64(want[i]))) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}
