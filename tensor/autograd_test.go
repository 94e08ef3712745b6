package tensor_test

import (
	"errors"
	"math"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/nervelab/nerve/tensor"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestGradientsAccumulateUntilZeroed(t *testing.T) {
	x := tensor.New([]float32{1, 2, 3}).SetRequiresGrad(true)
	for i := 0; i < 2; i++ {
		x.Mul(x).Sum().Backward()
	}
	want := []float32{4, 8, 12} // two passes of 2x
	if got := x.Grad().Data(); !equalF(got, want) {
		t.Fatalf("accumulated grad %v, want %v", got, want)
	}
	x.ZeroGrad()
	if x.Grad() != nil {
		t.Fatal("ZeroGrad left a gradient")
	}
	x.Sum().Backward()
	if got := x.Grad().Data(); !equalF(got, []float32{1, 1, 1}) {
		t.Fatalf("grad after ZeroGrad %v", got)
	}
}

func TestSharedSubexpressionSumsGradients(t *testing.T) {
	x := tensor.Scalar(3).SetRequiresGrad(true)
	y := x.Mul(x)               // 9
	z := y.Add(y.Mul(x)).Add(x) // x² + x³ + x
	z.Backward()                // 2x + 3x² + 1 = 34
	if g := x.Grad().Item(); g != 34 {
		t.Fatalf("grad %v, want 34", g)
	}
}

func TestBackwardFreesGraph(t *testing.T) {
	x := tensor.New([]float32{1, 2}).SetRequiresGrad(true)
	y := x.Exp().Sum()
	y.Backward()
	err := tensor.Catch(func() { y.Backward() })
	if err == nil || !strings.Contains(err.Error(), "second time") {
		t.Fatalf("second Backward: got %v, want a freed-graph error", err)
	}

	x.ZeroGrad()
	z := x.Exp().Sum()
	z.Backward(tensor.RetainGraph())
	z.Backward()
	e := math.Exp(1)
	if g := x.Grad().Data(); !near(float64(g[0]), 2*e, 1e-5) {
		t.Fatalf("retained graph grad %v, want %v", g[0], 2*e)
	}
}

func TestBackwardMisuse(t *testing.T) {
	x := tensor.New([]float32{1, 2}).SetRequiresGrad(true)
	cases := map[string]func(){
		"scalar outputs":   func() { x.Mul(x).Backward() },
		"does not require": func() { tensor.New([]float32{1}).Backward() },
		"must have the":    func() { x.Mul(x).BackwardWith(tensor.Ones(3)) },
	}
	for want, f := range cases {
		err := tensor.Catch(f)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want an error containing %q", err, want)
		}
	}
}

func TestBackwardWith(t *testing.T) {
	x := tensor.New([]float32{1, 2, 3}).SetRequiresGrad(true)
	x.MulScalar(2).BackwardWith(tensor.New([]float32{1, 10, 100}))
	if g := x.Grad().Data(); !equalF(g, []float32{2, 20, 200}) {
		t.Fatalf("grad %v", g)
	}
}

func TestFreezeAndDetach(t *testing.T) {
	w := tensor.New([]float32{2}).SetRequiresGrad(true)
	b := tensor.New([]float32{1}).SetRequiresGrad(true)
	b.SetRequiresGrad(false) // frozen, like requires_grad=False
	x := tensor.New([]float32{3})
	w.Mul(x).Add(b).Sum().Backward()
	if b.Grad() != nil {
		t.Fatal("frozen tensor received a gradient")
	}
	if w.Grad().Item() != 3 {
		t.Fatalf("w grad %v", w.Grad().Item())
	}
	d := w.Mul(x).Detach()
	if d.RequiresGrad() || !d.IsLeaf() {
		t.Fatal("Detach result is still in the graph")
	}
	if err := tensor.Catch(func() { w.Mul(x).SetRequiresGrad(false) }); err == nil {
		t.Fatal("freezing a non-leaf should panic")
	}
}

func TestNoGradIsPerGoroutine(t *testing.T) {
	w := tensor.Randn(8, 8).SetRequiresGrad(true)
	x := tensor.Randn(4, 8)
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for g := 0; g < 4; g++ {
		wg.Add(2)
		go func() { // inference
			defer wg.Done()
			tensor.NoGrad(func() {
				for i := 0; i < 50; i++ {
					if x.MatMul(w).ReLU().RequiresGrad() {
						errs <- "NoGrad goroutine recorded a graph"
						return
					}
				}
			})
		}()
		go func() { // training-style recording at the same time
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if !x.MatMul(w).ReLU().RequiresGrad() {
					errs <- "grad mode leaked from another goroutine's NoGrad"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	if !tensor.GradEnabled() {
		t.Fatal("grad mode off after all scopes closed")
	}
	tensor.NoGrad(func() {
		tensor.NoGrad(func() {})
		if tensor.GradEnabled() {
			t.Fatal("nested NoGrad: inner scope's end turned grad mode back on")
		}
	})
}

// The tutorial's hand-built "dose → effectiveness" network: two ReLU hidden
// units with fixed weights and a final bias, then a final ReLU.
func doseNet(dose, b *tensor.Tensor) *tensor.Tensor {
	top := dose.MulScalar(1.7).AddScalar(-0.85).ReLU().MulScalar(-40.8)
	bottom := dose.MulScalar(12.6).AddScalar(0).ReLU().MulScalar(2.7)
	return top.Add(bottom).Add(b).ReLU()
}

func TestDoseNetworkForward(t *testing.T) {
	doses := tensor.New([]float32{0, 0.5, 1})
	out := doseNet(doses, tensor.Scalar(-16)).Data()
	want := []float64{0, 1.01, 0}
	for i := range want {
		if !near(float64(out[i]), want[i], 1e-4) {
			t.Fatalf("output at dose %d = %v, want %v", i, out[i], want[i])
		}
	}
}

func TestDoseNetworkTrainsFinalBias(t *testing.T) {
	doses := tensor.New([]float32{0, 0.5, 1})
	target := tensor.New([]float32{0, 1, 0})
	b := tensor.Scalar(0).SetRequiresGrad(true)
	for step := 0; step < 100; step++ {
		d := doseNet(doses, b).Sub(target)
		d.Mul(d).Sum().Backward() // summed squared error
		b.SubInPlace(b.Grad().MulScalar(0.1))
		b.ZeroGrad()
	}
	if got := b.Item(); !near(float64(got), -16, 0.05) {
		t.Fatalf("trained bias %v, want -16 ± 0.05", got)
	}
}

func equalF(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestLeafGradsDoNotShareMemory: when a backward hands one gradient to
// two leaves (Add), each leaf gets its own Grad, so an in-place change of
// one (clipping, say) leaves the other alone.
func TestLeafGradsDoNotShareMemory(t *testing.T) {
	g := tensor.NewGenerator(1)
	x := g.Randn(8, 64).SetRequiresGrad(true)
	w := g.Randn(8, 64).SetRequiresGrad(true)
	lw := g.Randn(32, 64).SetRequiresGrad(true)
	tensor.Linear(x.Add(w), lw, nil).Sum().Backward()
	want := x.Grad().Data()
	if !equalF(w.Grad().Data(), want) {
		t.Fatal("x and w got different gradients through Add")
	}
	x.Grad().MulScalarInPlace(0)
	if !equalF(w.Grad().Data(), want) {
		t.Fatal("scaling x's gradient in place changed w's: they share memory")
	}
}

// TestZeroGradReleasesGradient: ZeroGrad gives a Backward-made gradient's
// memory back, and a gradient kept from before fails loudly instead of
// showing the next step's numbers; a Clone stays valid.
func TestZeroGradReleasesGradient(t *testing.T) {
	g := tensor.NewGenerator(2)
	x, w := g.Randn(16, 64), g.Randn(32, 64).SetRequiresGrad(true)
	tensor.Linear(x, w, nil).Sum().Backward()
	kept, cloned := w.Grad(), w.Grad().Clone()
	want := cloned.Data()
	w.ZeroGrad()
	tensor.Linear(x, w, nil).MulScalar(2).Sum().Backward()
	err := tensor.Catch(func() { kept.Data() })
	if !errors.Is(err, tensor.ErrFreed) {
		t.Fatalf("reading a gradient kept across ZeroGrad: got %v, want ErrFreed", err)
	}
	if !equalF(cloned.Data(), want) {
		t.Fatal("the clone changed")
	}
	if got := w.Grad().Data(); !near(float64(got[0]), 2*float64(want[0]), 1e-4) {
		t.Fatalf("second gradient %v, want twice %v", got[0], want[0])
	}
	// A gradient set by the user is the user's: ZeroGrad does not free it.
	mine := tensor.Ones(32, 64)
	w.SetGrad(mine)
	w.ZeroGrad()
	if mine.Sum().Item() != 32*64 {
		t.Fatal("ZeroGrad freed a gradient the user set")
	}
}

// TestTrainingStepReusesMemory: once warm, a step of a small MLP (zero
// grad, forward, backward, SGD update) takes much less new memory than its
// gradients and backward temporaries would (about 600 KiB here): the
// parameters' gradients and Backward's temporaries are reused.
func TestTrainingStepReusesMemory(t *testing.T) {
	g := tensor.NewGenerator(3)
	w1, w2 := g.Randn(256, 256).SetRequiresGrad(true), g.Randn(256, 256).SetRequiresGrad(true)
	x := g.Randn(32, 256)
	step := func() {
		w1.ZeroGrad()
		w2.ZeroGrad()
		h := tensor.Linear(x, w1, nil).ReLU()
		tensor.Linear(h, w2, nil).Square().Mean().MulScalar(1e-3).Backward()
		tensor.NoGrad(func() {
			w1.SubInPlace(w1.Grad())
			w2.SubInPlace(w2.Grad())
		})
	}
	for range 3 {
		step()
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const steps = 10
	for range steps {
		step()
	}
	runtime.ReadMemStats(&after)
	perStep := (after.TotalAlloc - before.TotalAlloc) / steps
	t.Logf("%d bytes allocated per step", perStep)
	if grads := uint64(2 * 256 * 256 * 4); perStep > grads/2 {
		t.Fatalf("a step allocates %d bytes; the gradients alone are %d, so they are not reused", perStep, grads)
	}
}

// TestFreeActivations: Backward(FreeActivations()) gives the same
// gradients, frees the activations (a kept one fails loudly), and leaves
// parameters, views of parameters' storage, inputs and the loss intact.
func TestFreeActivations(t *testing.T) {
	g := tensor.NewGenerator(3)
	x, w, b := g.Randn(8, 40), g.Randn(40, 30).SetRequiresGrad(true), g.Randn(30).SetRequiresGrad(true)
	xs, ws, bs := x.Data(), w.Data(), b.Data()
	run := func(opts ...tensor.BackwardOption) (h, hv, wt, loss *tensor.Tensor, gw, gb []float32) {
		w.ZeroGrad()
		b.ZeroGrad()
		wt = w.T() // a non-leaf sharing the parameter's storage
		h = x.MatMul(wt.T()).Add(b).ReLU()
		hv = h.Reshape(-1) // a non-leaf view of an activation
		loss = hv.Mul(hv).Sum()
		loss.Backward(opts...)
		return h, hv, wt, loss, w.Grad().Clone().Data(), b.Grad().Clone().Data()
	}
	h, _, _, loss, wantW, wantB := run()
	wantLoss, wantH := loss.Item(), h.Data()
	h, hv, wt, loss, gw, gb := run(tensor.FreeActivations())
	if !equalF(gw, wantW) || !equalF(gb, wantB) {
		t.Fatal("FreeActivations changed the gradients")
	}
	if loss.Item() != wantLoss {
		t.Fatalf("loss after Backward %v, want %v", loss.Item(), wantLoss)
	}
	for name, a := range map[string]*tensor.Tensor{"activation": h, "view of an activation": hv} {
		if err := tensor.Catch(func() { a.Data() }); !errors.Is(err, tensor.ErrFreed) {
			t.Fatalf("reading a freed %s: got %v, want ErrFreed", name, err)
		}
	}
	if !equalF(x.Data(), xs) || !equalF(w.Data(), ws) || !equalF(b.Data(), bs) || !equalF(wt.T().Data(), ws) {
		t.Fatal("an input, a parameter or a view of one changed")
	}
	// The next step reuses the freed memory and computes the same.
	h, _, _, _, gw, _ = run(tensor.FreeActivations())
	if !equalF(gw, wantW) {
		t.Fatal("the step after FreeActivations gave other gradients")
	}
	// RetainGraph keeps everything for a second Backward.
	h, _, _, loss, _, _ = run(tensor.RetainGraph(), tensor.FreeActivations())
	if !equalF(h.Data(), wantH) {
		t.Fatal("FreeActivations freed activations despite RetainGraph")
	}
	loss.Backward()
}
