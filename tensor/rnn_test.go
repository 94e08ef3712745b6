package tensor_test

import (
	"testing"

	"github.com/nervelab/nerve/internal/gradcheck"
	"github.com/nervelab/nerve/tensor"
)

// lstmComposed is LSTMLayer written with element-wise ops, the reference
// the fused op must agree with.
func lstmComposed(xp, h, c, whh *tensor.Tensor, reverse bool) *tensor.Tensor {
	T, N, H := xp.Size(0), xp.Size(1), whh.Size(1)
	ys := make([]*tensor.Tensor, T)
	for s := 0; s < T; s++ {
		t := s
		if reverse {
			t = T - 1 - s
		}
		g := xp.Narrow(0, t, 1).Reshape(N, 4*H).Add(tensor.Linear(h, whh, nil))
		i, f := g.Narrow(1, 0, H).Sigmoid(), g.Narrow(1, H, H).Sigmoid()
		gg, o := g.Narrow(1, 2*H, H).Tanh(), g.Narrow(1, 3*H, H).Sigmoid()
		c = f.Mul(c).Add(i.Mul(gg))
		h = o.Mul(c.Tanh())
		ys[t] = h
	}
	return tensor.Cat([]*tensor.Tensor{tensor.Stack(ys, 0).Reshape(-1), h.Reshape(-1), c.Reshape(-1)}, 0)
}

func lstmFused(xp, h, c, whh *tensor.Tensor, reverse bool) *tensor.Tensor {
	out, hT, cT, ok := tensor.LSTMLayer(xp, h, c, whh, reverse)
	if !ok {
		panic("LSTMLayer: the cpu device has no fused LSTM cell")
	}
	return tensor.Cat([]*tensor.Tensor{out.Reshape(-1), hT.Reshape(-1), cT.Reshape(-1)}, 0)
}

func TestLSTMLayer(t *testing.T) {
	for _, reverse := range []bool{false, true} {
		g := tensor.NewGenerator(5)
		// xp is a transposed view, so the op's copy of a non-contiguous input is exercised.
		xs := []*tensor.Tensor{g.Randn(2, 3, 8), g.Randn(2, 2), g.Randn(2, 2), g.Randn(8, 2)}
		for _, x := range xs {
			x.SetRequiresGrad(true)
		}
		fused := func(v []*tensor.Tensor) *tensor.Tensor {
			return lstmFused(v[0].Transpose(0, 1), v[1], v[2], v[3], reverse)
		}
		gradcheck.Check(t, "LSTMLayer", fused, xs...)
		want := lstmComposed(xs[0].Transpose(0, 1), xs[1], xs[2], xs[3], reverse).Data()
		for i, v := range fused(xs).Data() {
			if d := v - want[i]; d > 1e-6 || d < -1e-6 {
				t.Fatalf("reverse=%v: element %d: fused %v, composed %v", reverse, i, v, want[i])
			}
		}
	}
}

func gruComposed(xp, h, whh, bhh *tensor.Tensor, reverse bool) *tensor.Tensor {
	T, N, H := xp.Size(0), xp.Size(1), whh.Size(1)
	ys := make([]*tensor.Tensor, T)
	for s := 0; s < T; s++ {
		t := s
		if reverse {
			t = T - 1 - s
		}
		x := xp.Narrow(0, t, 1).Reshape(N, 3*H)
		gh := tensor.Linear(h, whh, bhh)
		r := x.Narrow(1, 0, H).Add(gh.Narrow(1, 0, H)).Sigmoid()
		z := x.Narrow(1, H, H).Add(gh.Narrow(1, H, H)).Sigmoid()
		n := x.Narrow(1, 2*H, H).Add(r.Mul(gh.Narrow(1, 2*H, H))).Tanh()
		h = n.Add(z.Mul(h.Sub(n)))
		ys[t] = h
	}
	return tensor.Cat([]*tensor.Tensor{tensor.Stack(ys, 0).Reshape(-1), h.Reshape(-1)}, 0)
}

func TestGRULayer(t *testing.T) {
	for _, reverse := range []bool{false, true} {
		g := tensor.NewGenerator(6)
		xs := []*tensor.Tensor{g.Randn(3, 2, 6), g.Randn(2, 2), g.Randn(6, 2), g.Randn(6)}
		for _, x := range xs {
			x.SetRequiresGrad(true)
		}
		fused := func(v []*tensor.Tensor) *tensor.Tensor {
			out, hT, ok := tensor.GRULayer(v[0], v[1], v[2], v[3], reverse)
			if !ok {
				panic("GRULayer: the cpu device has no fused GRU cell")
			}
			return tensor.Cat([]*tensor.Tensor{out.Reshape(-1), hT.Reshape(-1)}, 0)
		}
		gradcheck.Check(t, "GRULayer", fused, xs...)
		want := gruComposed(xs[0], xs[1], xs[2], xs[3], reverse).Data()
		for i, v := range fused(xs).Data() {
			if d := v - want[i]; d > 1e-6 || d < -1e-6 {
				t.Fatalf("reverse=%v: element %d: fused %v, composed %v", reverse, i, v, want[i])
			}
		}
	}
}

func TestRNNLayer(t *testing.T) {
	for _, relu := range []bool{false, true} {
		for _, reverse := range []bool{false, true} {
			g := tensor.NewGenerator(7)
			xs := []*tensor.Tensor{g.Randn(3, 2, 2), g.Randn(2, 2), g.Randn(2, 2)}
			for _, x := range xs {
				x.SetRequiresGrad(true)
			}
			fused := func(v []*tensor.Tensor) *tensor.Tensor {
				out, hT, ok := tensor.RNNLayer(v[0], v[1], v[2], relu, reverse)
				if !ok {
					panic("RNNLayer: the cpu device has no fused RNN cell")
				}
				return tensor.Cat([]*tensor.Tensor{out.Reshape(-1), hT.Reshape(-1)}, 0)
			}
			gradcheck.Check(t, "RNNLayer", fused, xs...)
			h := xs[1]
			for s := 0; s < 3; s++ {
				ti := s
				if reverse {
					ti = 2 - s
				}
				pre := xs[0].Narrow(0, ti, 1).Reshape(2, 2).Add(tensor.Linear(h, xs[2], nil))
				if relu {
					h = pre.ReLU()
				} else {
					h = pre.Tanh()
				}
			}
			got := fused(xs).Data()[12:]
			for i, w := range h.Data() {
				if d := got[i] - w; d > 1e-6 || d < -1e-6 {
					t.Fatalf("relu=%v reverse=%v: final state %d: fused %v, composed %v", relu, reverse, i, got[i], w)
				}
			}
		}
	}
}

// TestLSTMLayerRetainGraph runs backward twice through one LSTMLayer: the
// saved activations must survive the first (retained) pass and the
// gradients add up.
func TestLSTMLayerRetainGraph(t *testing.T) {
	g := tensor.NewGenerator(8)
	xp, h, c, w := g.Randn(3, 2, 8), g.Randn(2, 2), g.Randn(2, 2), g.Randn(8, 2).SetRequiresGrad(true)
	out, _, _, _ := tensor.LSTMLayer(xp, h, c, w, false)
	loss := out.Sum()
	loss.Backward(tensor.RetainGraph())
	once := w.Grad().Clone().Data()
	loss.Backward()
	for i, v := range w.Grad().Data() {
		if d := v - 2*once[i]; d > 1e-5 || d < -1e-5 {
			t.Fatalf("element %d: %v after two passes, want 2×%v", i, v, once[i])
		}
	}
}
