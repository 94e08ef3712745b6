package tensor_test

import (
	"errors"
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

// TestLayerNorm checks LayerNorm against Normalize with the affine
// transform written out, on contiguous and transposed inputs, with and
// without weight and bias, and its gradients by finite differences; and
// its shape errors.
func TestLayerNorm(t *testing.T) {
	g := tensor.NewGenerator(4)
	for _, c := range []struct {
		name   string
		shape  []int
		norm   []int
		affine bool
		view   func(*tensor.Tensor) *tensor.Tensor
	}{
		{"last dim", []int{3, 5}, []int{5}, true, nil},
		{"two dims", []int{2, 3, 4}, []int{3, 4}, true, nil},
		{"no affine", []int{4, 6}, []int{6}, false, nil},
		{"transposed", []int{5, 3}, []int{5}, true, func(x *tensor.Tensor) *tensor.Tensor { return x.T() }},
	} {
		x := g.Randn(c.shape...).MulScalar(2).AddScalar(0.5).SetRequiresGrad(true)
		var w, b *tensor.Tensor
		leaves := []*tensor.Tensor{x}
		if c.affine {
			w, b = g.Randn(c.norm...).SetRequiresGrad(true), g.Randn(c.norm...).SetRequiresGrad(true)
			leaves = append(leaves, w, b)
		}
		f := func(x *tensor.Tensor) *tensor.Tensor {
			if c.view != nil {
				return c.view(x)
			}
			return x
		}
		dims := make([]int, len(c.norm))
		for i := range dims {
			dims[i] = -len(c.norm) + i
		}
		want := composedNormalize(f(x), 1e-5, dims...)
		if c.affine {
			want = want.Mul(w).Add(b)
		}
		closeData(t, c.name, tensor.LayerNorm(f(x), c.norm, w, b, 1e-5).Data(), want.Data(), 1e-5)
		gradcheck.CheckOpts(t, "LayerNorm "+c.name, gradcheck.Options{Eps: 1e-3}, func(xs []*tensor.Tensor) *tensor.Tensor {
			var w, b *tensor.Tensor
			if len(xs) > 1 {
				w, b = xs[1], xs[2]
			}
			y := tensor.LayerNorm(f(xs[0]), c.norm, w, b, 1e-5)
			return y.Mul(y)
		}, leaves...)
	}
	for name, fn := range map[string]func(){
		"last dims":    func() { tensor.LayerNorm(tensor.Ones(2, 5), []int{4}, nil, nil, 1e-5) },
		"weight shape": func() { tensor.LayerNorm(tensor.Ones(2, 4), []int{4}, tensor.Ones(3), nil, 1e-5) },
		"bias shape":   func() { tensor.LayerNorm(tensor.Ones(2, 4), []int{4}, nil, tensor.Ones(2, 2), 1e-5) },
	} {
		var se *tensor.ShapeError
		if err := tensor.Catch(fn); !errors.As(err, &se) {
			t.Errorf("%s: got %v, want a *ShapeError", name, err)
		}
	}
}

// TestBatchNorm checks BatchNorm against Normalize over the batch and
// spatial dims with the affine transform written out — on planes large
// enough for the fused kernels and on small ones (the composed path) —
// its statistics, and its gradients by finite differences; and its shape
// errors.
func TestBatchNorm(t *testing.T) {
	g := tensor.NewGenerator(5)
	for _, c := range []struct {
		name   string
		shape  []int
		affine bool
	}{
		{"planes of 20", []int{3, 2, 4, 5}, true},
		{"planes of 16, no affine", []int{2, 3, 16}, false},
		{"planes of 6", []int{4, 2, 6}, true},
		{"two dims", []int{5, 3}, true},
	} {
		x := g.Randn(c.shape...).MulScalar(2).AddScalar(0.5).SetRequiresGrad(true)
		ch := c.shape[1]
		var w, b *tensor.Tensor
		leaves := []*tensor.Tensor{x}
		if c.affine {
			w, b = g.Randn(ch).SetRequiresGrad(true), g.Randn(ch).SetRequiresGrad(true)
			leaves = append(leaves, w, b)
		}
		dims, kept := []int{0}, []int{1, ch}
		for d := 2; d < len(c.shape); d++ {
			dims, kept = append(dims, d), append(kept, 1)
		}
		want := composedNormalize(x, 1e-5, dims...)
		if c.affine {
			want = want.Mul(w.Reshape(kept...)).Add(b.Reshape(kept...))
		}
		y, mean, v := tensor.BatchNorm(x, w, b, 1e-5)
		closeData(t, c.name, y.Data(), want.Data(), 1e-5)
		closeData(t, c.name+" mean", mean.Data(), x.MeanKeepDim(dims...).Data(), 1e-5)
		closeData(t, c.name+" variance", v.Data(), x.VarKeepDim(false, dims...).Data(), 1e-5)
		gradcheck.CheckOpts(t, "BatchNorm "+c.name, gradcheck.Options{Eps: 1e-3}, func(xs []*tensor.Tensor) *tensor.Tensor {
			var w, b *tensor.Tensor
			if len(xs) > 1 {
				w, b = xs[1], xs[2]
			}
			y, _, _ := tensor.BatchNorm(xs[0], w, b, 1e-5)
			return y.Mul(y)
		}, leaves...)
	}
	for name, fn := range map[string]func(){
		"one dim":      func() { tensor.BatchNorm(tensor.Ones(4), nil, nil, 1e-5) },
		"weight shape": func() { tensor.BatchNorm(tensor.Ones(2, 4, 16), tensor.Ones(3), nil, 1e-5) },
		"bias shape":   func() { tensor.BatchNorm(tensor.Ones(2, 4, 16), nil, tensor.Ones(4, 1), 1e-5) },
	} {
		var se *tensor.ShapeError
		if err := tensor.Catch(fn); !errors.As(err, &se) {
			t.Errorf("%s: got %v, want a *ShapeError", name, err)
		}
	}
}
