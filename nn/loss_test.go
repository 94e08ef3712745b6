package nn

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/nervelab/nerve/internal/gradcheck"
	"github.com/nervelab/nerve/tensor"
)

// The defaults and the Loss method values all have the one type a training
// loop's Loss field takes.
var _ = []func(pred, target *tensor.Tensor) *tensor.Tensor{
	MSELoss, L1Loss, RMSELoss, HuberLoss, SmoothL1Loss, BCELoss, BCEWithLogitsLoss,
	CrossEntropyLoss, NLLLoss,
	MSE{}.Loss, L1{}.Loss, RMSE{}.Loss, Huber{}.Loss, SmoothL1{}.Loss, BCE{}.Loss,
	BCEWithLogits{}.Loss, CrossEntropy{}.Loss, NLL{}.Loss,
}

var reductions = []Reduction{Mean, Sum, None}

// awayFrom returns n values at least gap away from each kink (and from 0):
// normal values pushed outward.
func awayFrom(g *tensor.Generator, gap float32, kinks []float32, shape ...int) *tensor.Tensor {
	d := g.Randn(shape...).Data()
	for i, v := range d {
		for _, k := range append([]float32{0}, kinks...) {
			if a := float32(math.Abs(float64(v))); a > k-gap && a < k+gap {
				if v < 0 {
					v = -(k + gap)
				} else {
					v = k + gap
				}
			}
		}
		d[i] = v
	}
	return tensor.New(d, shape...)
}

// TestLossGradcheck compares each loss's autograd gradients with finite
// differences, for every reduction, with respect to the input, a float
// target and the weights, on transposed (non-contiguous) inputs too.
func TestLossGradcheck(t *testing.T) {
	g := tensor.NewGenerator(1)
	pair := func(kinks ...float32) (*tensor.Tensor, *tensor.Tensor) {
		y := g.Randn(3, 4)
		return y.Add(awayFrom(g, 0.05, kinks, 3, 4)), y
	}
	for _, r := range reductions {
		regression := map[string]struct {
			fn    func(p, y *tensor.Tensor) *tensor.Tensor
			kinks []float32
		}{
			"MSE":        {MSE{Reduction: r}.Loss, nil},
			"L1":         {L1{Reduction: r}.Loss, nil},
			"RMSE":       {RMSE{Reduction: r}.Loss, nil},
			"Huber":      {Huber{Reduction: r}.Loss, []float32{1}},
			"Huber/0.5":  {Huber{Delta: 0.5, Reduction: r}.Loss, []float32{0.5}},
			"SmoothL1":   {SmoothL1{Reduction: r}.Loss, []float32{1}},
			"SmoothL1/2": {SmoothL1{Beta: 2, Reduction: r}.Loss, []float32{2}},
		}
		for name, c := range regression {
			p, y := pair(c.kinks...)
			gradcheck.Check(t, fmt.Sprintf("%s/%v", name, r), func(xs []*tensor.Tensor) *tensor.Tensor {
				return c.fn(xs[0], xs[1])
			}, p.SetRequiresGrad(true), y.SetRequiresGrad(true))
			pt, yt := p.Detach().T().Contiguous(), y.Detach().T().Contiguous() // [4 3], viewed back as [3 4]
			gradcheck.Check(t, fmt.Sprintf("%s/%v/transposed", name, r), func(xs []*tensor.Tensor) *tensor.Tensor {
				return c.fn(xs[0].T(), xs[1].T())
			}, pt.SetRequiresGrad(true), yt.SetRequiresGrad(true))
		}

		probs := g.Uniform(0.1, 0.9, 3, 4).SetRequiresGrad(true)
		soft := g.Uniform(0, 1, 3, 4).SetRequiresGrad(true)
		w := g.Uniform(0.5, 1.5, 4).SetRequiresGrad(true)
		gradcheck.Check(t, "BCE/"+r.String(), func(xs []*tensor.Tensor) *tensor.Tensor {
			return BCE{Weight: xs[2], Reduction: r}.Loss(xs[0], xs[1])
		}, probs, soft, w)

		logits := g.Randn(3, 4).MulScalar(3).SetRequiresGrad(true)
		pw := g.Uniform(0.2, 3, 4).SetRequiresGrad(true)
		gradcheck.Check(t, "BCEWithLogits/"+r.String(), func(xs []*tensor.Tensor) *tensor.Tensor {
			return BCEWithLogits{Weight: xs[2], PosWeight: xs[3], Reduction: r}.Loss(xs[0], xs[1])
		}, logits, soft, w, pw)

		x := g.Randn(5, 4).SetRequiresGrad(true)
		labels := tensor.FromInt64([]int64{0, 3, -100, 1, 3}, 5)
		for _, ls := range []float32{0, 0.2} {
			gradcheck.Check(t, fmt.Sprintf("CrossEntropy/%v/smoothing=%g", r, ls), func(xs []*tensor.Tensor) *tensor.Tensor {
				return CrossEntropy{Weight: xs[1], LabelSmoothing: ls, Reduction: r}.Loss(xs[0], labels)
			}, x, w)
			gradcheck.Check(t, fmt.Sprintf("CrossEntropy/%v/probs/smoothing=%g", r, ls), func(xs []*tensor.Tensor) *tensor.Tensor {
				return CrossEntropy{Weight: xs[2], LabelSmoothing: ls, Reduction: r}.Loss(xs[0], xs[1])
			}, x, g.Rand(5, 4).Softmax(1).SetRequiresGrad(true), w)
		}
		spatial := g.Randn(2, 4, 3).SetRequiresGrad(true)
		spLabels := tensor.FromInt64([]int64{0, 1, 2, 3, 2, 1}, 2, 3)
		gradcheck.Check(t, "CrossEntropy/spatial/"+r.String(), func(xs []*tensor.Tensor) *tensor.Tensor {
			return CrossEntropy{IgnoreIndex: Ignore(2), LabelSmoothing: 0.1, Reduction: r}.Loss(xs[0], spLabels)
		}, spatial)
		gradcheck.Check(t, "NLL/"+r.String(), func(xs []*tensor.Tensor) *tensor.Tensor {
			return NLL{Weight: xs[1], Reduction: r}.Loss(xs[0].LogSoftmax(1), labels)
		}, x, w)
	}
}

// TestLossDefaults checks that each plain function is its struct's zero
// value and that the zero values mean PyTorch's defaults.
func TestLossDefaults(t *testing.T) {
	g := tensor.NewGenerator(2)
	p, y := g.Randn(4, 3).MulScalar(2), g.Randn(4, 3)
	probs, soft := g.Uniform(0.05, 0.95, 4, 3), g.Rand(4, 3)
	labels := tensor.FromInt64([]int64{2, -100, 0, 1}, 4)
	same := func(name string, a, b *tensor.Tensor) {
		t.Helper()
		if av, bv := a.Item(), b.Item(); av != bv {
			t.Errorf("%s: %v != %v", name, av, bv)
		}
	}
	same("MSE", MSELoss(p, y), MSE{Reduction: Mean}.Loss(p, y))
	same("L1", L1Loss(p, y), L1{}.Loss(p, y))
	same("RMSE", RMSELoss(p, y), RMSE{}.Loss(p, y))
	same("Huber", HuberLoss(p, y), Huber{Delta: 1}.Loss(p, y))
	same("SmoothL1", SmoothL1Loss(p, y), SmoothL1{Beta: 1}.Loss(p, y))
	same("BCE", BCELoss(probs, soft), BCE{}.Loss(probs, soft))
	same("BCEWithLogits", BCEWithLogitsLoss(p, soft), BCEWithLogits{PosWeight: tensor.Ones(3)}.Loss(p, soft))
	same("CrossEntropy", CrossEntropyLoss(p, labels), CrossEntropy{IgnoreIndex: Ignore(DefaultIgnoreIndex)}.Loss(p, labels))
	same("NLL", NLLLoss(p, labels), NLL{IgnoreIndex: Ignore(-100)}.Loss(p, labels))
	same("CrossEntropy=NLL∘LogSoftmax", CrossEntropyLoss(p, labels), NLLLoss(p.LogSoftmax(1), labels))

	// RMSE is the root of MSE; Sum and None as documented.
	mse := MSELoss(p, y).Item()
	if got := RMSELoss(p, y).Item(); math.Abs(float64(got)-math.Sqrt(float64(mse))) > 1e-6 {
		t.Errorf("RMSE %v, want sqrt(MSE) %v", got, math.Sqrt(float64(mse)))
	}
	sum := MSE{Reduction: Sum}.Loss(p, y).Item()
	if got := (RMSE{Reduction: Sum}).Loss(p, y).Item(); math.Abs(float64(got)-math.Sqrt(float64(sum))) > 1e-5 {
		t.Errorf("RMSE sum %v, want sqrt(sum of squares) %v", got, math.Sqrt(float64(sum)))
	}
	abs := L1{Reduction: None}.Loss(p, y).Data()
	for i, v := range (RMSE{Reduction: None}).Loss(p, y).Data() {
		if v != abs[i] {
			t.Fatalf("RMSE none [%d] = %v, want |pred − target| = %v", i, v, abs[i])
		}
	}
	for _, r := range reductions {
		if got := r.String(); got != [...]string{"mean", "sum", "none"}[r] {
			t.Errorf("Reduction(%d).String() = %q", int(r), got)
		}
	}
}

// TestLossIgnoreIndexZero checks that IgnoreIndex can name class 0, which a
// plain int field defaulting to -100 could not.
func TestLossIgnoreIndexZero(t *testing.T) {
	x := tensor.New([]float32{1, 2, 3, 0, 0, 5, -1, 4, 2}, 3, 3).SetRequiresGrad(true)
	l := CrossEntropy{IgnoreIndex: Ignore(0)}.Loss(x, tensor.FromInt64([]int64{0, 2, 0}, 3))
	want := CrossEntropyLoss(x.Narrow(0, 1, 1), tensor.FromInt64([]int64{2}, 1)).Item()
	if l.Item() != want {
		t.Errorf("ignoring class 0: %v, want the loss of the one other row %v", l.Item(), want)
	}
	l.Backward()
	for i, v := range x.Grad().Data() {
		if (i < 3 || i >= 6) && v != 0 {
			t.Errorf("grad[%d] = %v, want 0 for an ignored row", i, v)
		}
	}
}

// TestLossStable checks values and gradients at saturated inputs: logits of
// ±1000 and a Sigmoid saturated to exactly 0 and 1 before BCE.
func TestLossStable(t *testing.T) {
	finite := func(name string, ts ...*tensor.Tensor) {
		t.Helper()
		for _, x := range ts {
			for i, v := range x.Data() {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Errorf("%s: element %d is %v", name, i, v)
				}
			}
		}
	}
	big := func() *tensor.Tensor {
		return tensor.New([]float32{1000, -1000, 1000, -1000, 0, 50}, 3, 2).SetRequiresGrad(true)
	}
	y := tensor.New([]float32{0, 1, 1, 0, 1, 0}, 3, 2)

	x := big()
	l := BCEWithLogits{PosWeight: tensor.New([]float32{2, 0.5}, 2)}.Loss(x, y)
	l.Backward()
	finite("BCEWithLogits", l, x.Grad())
	if got, want := l.Item(), float32((1000+500+math.Log(2)*2+50)/6); math.Abs(float64(got-want)) > 1e-3 {
		t.Errorf("BCEWithLogits ±1000: %v, want %v", got, want)
	}

	x = big()
	l = BCELoss(x.Sigmoid(), y) // Sigmoid(±1000), Sigmoid(50) are exactly 1 or 0
	l.Backward()
	finite("BCE after a saturated Sigmoid", l, x.Grad())
	if got := l.Item(); math.Abs(float64(got)-(100+100+math.Log(2)+100)/6) > 1e-3 {
		t.Errorf("BCE of saturated probabilities: %v, want the clamped -100 logs", got)
	}

	x = big()
	l = CrossEntropyLoss(x, tensor.FromInt64([]int64{1, 0, 1}, 3))
	l.Backward()
	finite("CrossEntropy", l, x.Grad())

	p := tensor.New([]float32{1, 2, 3}, 3).SetRequiresGrad(true)
	l = RMSELoss(p, tensor.New([]float32{1, 2, 3}, 3))
	l.Backward()
	finite("RMSE at zero error", l, p.Grad())
	if l.Item() != 0 {
		t.Errorf("RMSE at zero error = %v", l.Item())
	}
}

// TestLossNoGrad checks that a loss computed without recording gives the
// same value and builds no graph.
func TestLossNoGrad(t *testing.T) {
	p := tensor.New([]float32{0, 0.25, 1, 0.5}, 4).SetRequiresGrad(true)
	y := tensor.New([]float32{1, 0, 1, 0.5}, 4)
	want := BCELoss(p, y).Item()
	tensor.NoGrad(func() {
		l := BCELoss(p, y)
		if l.RequiresGrad() {
			t.Error("BCELoss under NoGrad requires grad")
		}
		if l.Item() != want {
			t.Errorf("BCELoss under NoGrad = %v, want %v", l.Item(), want)
		}
	})
}

// TestLossPanics checks the misuse each loss reports, by error type and by
// the words of the message.
func TestLossPanics(t *testing.T) {
	f := func(shape ...int) *tensor.Tensor { return tensor.Zeros(shape...) }
	half := func(shape ...int) *tensor.Tensor { return tensor.Full(0.5, shape...) }
	ints := func(v ...int64) *tensor.Tensor { return tensor.FromInt64(v, len(v)) }
	var shapeErr *tensor.ShapeError
	var dtypeErr *tensor.DTypeError
	var indexErr *tensor.IndexError
	cases := []struct {
		name  string
		fn    func()
		as    any
		words []string
	}{
		{"MSE shapes", func() { MSELoss(f(2, 3), f(3)) }, &shapeErr, []string{"MSELoss", "[2 3]", "[3]"}},
		{"MSE int64 target", func() { MSELoss(f(3), ints(1, 2, 3)) }, &dtypeErr, []string{"MSELoss", "float32 target", "int64"}},
		{"L1 shapes", func() { L1Loss(f(2, 3), f(3, 2)) }, &shapeErr, []string{"L1Loss", "[2 3]", "[3 2]"}},
		{"RMSE shapes", func() { RMSELoss(f(4), f(4, 1)) }, &shapeErr, []string{"RMSELoss", "[4]", "[4 1]"}},
		{"Huber delta", func() { Huber{Delta: -1}.Loss(f(2), f(2)) }, &indexErr, []string{"HuberLoss", "delta", "-1"}},
		{"Huber shapes", func() { HuberLoss(f(2), f(3)) }, &shapeErr, []string{"HuberLoss", "[2]", "[3]"}},
		{"SmoothL1 beta", func() { SmoothL1{Beta: -0.5}.Loss(f(2), f(2)) }, &indexErr, []string{"SmoothL1Loss", "beta"}},
		{"BCE range", func() { BCELoss(tensor.New([]float32{0.5, 1.5}, 2), f(2)) }, &indexErr, []string{"BCELoss", "between 0 and 1", "1.5"}},
		{"BCE shapes", func() { BCELoss(half(2, 2), f(4)) }, &shapeErr, []string{"BCELoss", "[2 2]", "[4]"}},
		{"BCE weight", func() { BCE{Weight: f(3)}.Loss(half(2, 2), f(2, 2)) }, &shapeErr, []string{"BCELoss", "weight", "[3]"}},
		{"BCEWithLogits pos_weight", func() { BCEWithLogits{PosWeight: f(5)}.Loss(f(2, 4), f(2, 4)) }, &shapeErr, []string{"BCEWithLogitsLoss", "pos_weight", "[2 4]", "[5]"}},
		{"CE class out of range", func() { CrossEntropyLoss(f(3, 4), ints(0, 4, 1)) }, &indexErr, []string{"CrossEntropyLoss", "target 4", "4 classes"}},
		{"CE negative class", func() { CrossEntropyLoss(f(3, 4), ints(0, -1, 1)) }, &indexErr, []string{"CrossEntropyLoss", "target -1"}},
		{"CE target shape", func() { CrossEntropyLoss(f(3, 4), ints(0, 1)) }, &shapeErr, []string{"CrossEntropyLoss", "[3 4]", "[2]", "[3]"}},
		{"CE float labels", func() { CrossEntropyLoss(f(3, 4), f(3)) }, &shapeErr, []string{"CrossEntropyLoss", "[3 4]", "[3]", "int64"}},
		{"CE weight", func() { CrossEntropy{Weight: f(3)}.Loss(f(3, 4), ints(0, 1, 2)) }, &shapeErr, []string{"CrossEntropyLoss", "weight", "[3]"}},
		{"CE smoothing", func() { CrossEntropy{LabelSmoothing: 1.5}.Loss(f(3, 4), ints(0, 1, 2)) }, &indexErr, []string{"label_smoothing", "1.5"}},
		{"CE probs ignore", func() { CrossEntropy{IgnoreIndex: Ignore(0)}.Loss(f(3, 4), f(3, 4)) }, &indexErr, []string{"ignore_index"}},
		{"CE scalar input", func() { CrossEntropyLoss(tensor.Scalar(1), ints(0)) }, &shapeErr, []string{"CrossEntropyLoss", "[C]"}},
		{"NLL float target", func() { NLLLoss(f(3, 4), f(3)) }, &dtypeErr, []string{"NLLLoss", "int64", "float32"}},
		{"NLL out of range", func() { NLLLoss(f(2, 3), ints(7, 0)) }, &indexErr, []string{"NLLLoss", "target 7"}},
		{"NLL spatial shape", func() { NLLLoss(f(2, 3, 5), ints(0, 1)) }, &shapeErr, []string{"NLLLoss", "[2 3 5]", "[2 5]"}},
		{"reduction", func() { MSE{Reduction: 7}.Loss(f(2), f(2)) }, &indexErr, []string{"MSELoss", "reduction 7"}},
	}
	for _, c := range cases {
		err := tensor.Catch(c.fn)
		if err == nil {
			t.Errorf("%s: no panic", c.name)
			continue
		}
		if !errors.As(err, c.as) {
			t.Errorf("%s: %T %v, want %T", c.name, err, err, c.as)
		}
		for _, w := range c.words {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not mention %q", c.name, err, w)
			}
		}
	}
}

func ExampleCrossEntropy() {
	logits := tensor.New([]float32{
		2, 0.5, -1,
		0, 1, 3,
	}, 2, 3)
	labels := tensor.FromInt64([]int64{0, 2}, 2)
	fmt.Printf("%.4f\n", CrossEntropyLoss(logits, labels).Item())
	fmt.Printf("%.4f\n", CrossEntropy{LabelSmoothing: 0.1, Reduction: Sum}.Loss(logits, labels).Item())
	// Output:
	// 0.2056
	// 0.7278
}

// TestCrossEntropyFusedMatchesComposed: the fused path (logits [N, C],
// class indices, no weights or smoothing) gives the composed path's loss
// and gradient, which weights of all ones force, for every reduction and
// with an ignored target.
func TestCrossEntropyFusedMatchesComposed(t *testing.T) {
	g := tensor.NewGenerator(5)
	x := g.Randn(6, 10).MulScalar(3)
	y := tensor.FromInt64([]int64{3, -100, 9, 0, 3, 7}, 6)
	for _, r := range []Reduction{Mean, Sum, None} {
		run := func(weight *tensor.Tensor) ([]float32, []float32) {
			xi := x.Clone().SetRequiresGrad(true)
			loss := CrossEntropy{Weight: weight, Reduction: r}.Loss(xi, y)
			loss.Sum().Backward()
			return loss.Data(), xi.Grad().Data()
		}
		fl, fg := run(nil)
		cl, cg := run(tensor.Ones(10))
		for i := range cl {
			if math.Abs(float64(fl[i]-cl[i])) > 1e-6*(1+math.Abs(float64(cl[i]))) {
				t.Fatalf("reduction %v: loss[%d] fused %v, composed %v", r, i, fl[i], cl[i])
			}
		}
		for i := range cg {
			if math.Abs(float64(fg[i]-cg[i])) > 1e-6 {
				t.Fatalf("reduction %v: gradient[%d] fused %v, composed %v", r, i, fg[i], cg[i])
			}
		}
	}
}

// TestCrossEntropyConfidentRowGradient: for a row the model is sure of
// (p[y] rounds to 1 in float32) the gradient at the target is still
// −(1 − p[y]), not 0, so the row's gradient sums to zero over the classes.
// Rounding it away biased every confident example's gradient, which Adam's
// scaling turned into a measurable loss of accuracy.
func TestCrossEntropyConfidentRowGradient(t *testing.T) {
	x := tensor.New([]float32{20, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 1, 10).SetRequiresGrad(true)
	CrossEntropyLoss(x, tensor.FromInt64([]int64{0}, 1)).Backward()
	g := x.Grad().Data()
	other := math.Exp(-20) / (1 + 9*math.Exp(-20))
	if want := -9 * other; math.Abs(float64(g[0])-want) > 1e-3*math.Abs(want) {
		t.Fatalf("gradient at the target %g, want %g", g[0], want)
	}
	var sum float64
	for _, v := range g {
		sum += float64(v)
	}
	if math.Abs(sum) > 1e-12 {
		t.Fatalf("gradient sums to %g over the classes, want 0", sum)
	}
}
