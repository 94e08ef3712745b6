// Package gradcheck compares the gradients autograd computes with central
// finite differences. It is shared by the tests of tensor, nn and optim.
//
// The check seeds Backward with a fixed random upstream gradient w, so it
// tests the full vector-Jacobian product rather than the gradient of a sum,
// and evaluates f(x ± eps) = Σ w·out(x ± eps) in float64 on the host.
package gradcheck

import (
	"fmt"
	"math"

	"github.com/nervelab/nerve/tensor"
)

// Options tunes a check. The zero value uses Eps 1e-2, Atol 1e-2, Rtol 1e-2,
// suited to float32 forward passes; keep inputs at least Eps away from
// kinks (ReLU at 0, ties of Max).
type Options struct {
	Eps, Atol, Rtol float64
	Seed            uint64
}

// TB is the part of testing.TB the check uses.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
}

// Check runs fn on xs, backpropagates a random upstream gradient and compares
// the gradient of every x that requires grad with finite differences. xs must
// be leaves; fn may take views of them (transposes, slices) before computing.
func Check(t TB, name string, fn func(xs []*tensor.Tensor) *tensor.Tensor, xs ...*tensor.Tensor) {
	t.Helper()
	CheckOpts(t, name, Options{}, fn, xs...)
}

// CheckOpts is Check with options.
func CheckOpts(t TB, name string, o Options, fn func(xs []*tensor.Tensor) *tensor.Tensor, xs ...*tensor.Tensor) {
	t.Helper()
	if o.Eps == 0 {
		o.Eps = 1e-2
	}
	if o.Atol == 0 {
		o.Atol = 1e-2
	}
	if o.Rtol == 0 {
		o.Rtol = 1e-2
	}
	for _, x := range xs {
		x.ZeroGrad()
	}
	out := fn(xs)
	w := tensor.NewGenerator(o.Seed + 7).Randn(out.Shape()...)
	wd := w.Data()
	out.BackwardWith(w)
	for i, x := range xs {
		if !x.RequiresGrad() {
			continue
		}
		if err := compare(fn, xs, i, wd, o); err != nil {
			t.Errorf("%s: input %d %v: %v", name, i, x.Shape(), err)
		}
	}
}

func compare(fn func([]*tensor.Tensor) *tensor.Tensor, xs []*tensor.Tensor, i int, w []float32, o Options) error {
	x := xs[i]
	g := x.Grad()
	if g == nil {
		g = tensor.ZerosLike(x)
	}
	if g.RequiresGrad() {
		return fmt.Errorf("gradient carries a graph (requires grad); backward must not record")
	}
	analytic := g.Data()
	data := x.Data()
	for j := range data {
		num := numeric(fn, xs, i, data, j, w, o.Eps)
		if d := math.Abs(float64(analytic[j]) - num); d > o.Atol+o.Rtol*math.Abs(num) || math.IsNaN(d) {
			return fmt.Errorf("element %d: autograd %.6g, finite difference %.6g", j, analytic[j], num)
		}
	}
	return nil
}

// numeric returns d(Σ w·fn)/d x_i[j] by central differences.
func numeric(fn func([]*tensor.Tensor) *tensor.Tensor, xs []*tensor.Tensor, i int, data []float32, j int, w []float32, eps float64) float64 {
	eval := func(v float32) float64 {
		d := append([]float32(nil), data...)
		d[j] = v
		ys := append([]*tensor.Tensor(nil), xs...)
		ys[i] = tensor.New(d, xs[i].Shape()...)
		var s float64
		tensor.NoGrad(func() {
			for k, v := range fn(ys).Data() {
				s += float64(v) * float64(w[k])
			}
		})
		return s
	}
	hi, lo := float32(float64(data[j])+eps), float32(float64(data[j])-eps)
	return (eval(hi) - eval(lo)) / (float64(hi) - float64(lo))
}
