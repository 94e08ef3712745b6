package nn_test

// Comparison of the normalisation layers against PyTorch.
// testdata/norm.json and testdata/batchnorm2d.safetensors are written by
// testdata/gen_norm.py at the repository root (run it with Debian's
// PyTorch: /usr/bin/python3 testdata/gen_norm.py); go test only reads them.

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/nervelab/nerve/internal/gradcheck"
	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/tensor"
)

type normFxCase struct {
	Name              string         `json:"name"`
	Layer             string         `json:"layer"`
	Args              []any          `json:"args"`
	Kwargs            map[string]any `json:"kwargs"`
	Repr              string         `json:"repr"`
	Weight            *fxTensor      `json:"weight"`
	Bias              *fxTensor      `json:"bias"`
	X1                *fxTensor      `json:"x1"`
	X2                *fxTensor      `json:"x2"`
	X3                *fxTensor      `json:"x3"`
	Y1                *fxTensor      `json:"y1"`
	GradOutput        *fxTensor      `json:"grad_output"`
	GradInput         *fxTensor      `json:"grad_input"`
	GradWeight        *fxTensor      `json:"grad_weight"`
	GradBias          *fxTensor      `json:"grad_bias"`
	RunningMean       *fxTensor      `json:"running_mean"`
	RunningVar        *fxTensor      `json:"running_var"`
	NumBatchesTracked *int64         `json:"num_batches_tracked"`
	YEval             *fxTensor      `json:"y_eval"`
}

func loadNormFixtures(t *testing.T) []normFxCase {
	t.Helper()
	raw, err := os.ReadFile("testdata/norm.json")
	if err != nil {
		t.Fatalf("%v (regenerate with /usr/bin/python3 testdata/gen_norm.py)", err)
	}
	var f struct{ Cases []normFxCase }
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatalf("testdata/norm.json: %v", err)
	}
	if len(f.Cases) == 0 {
		t.Fatal("testdata/norm.json: no cases")
	}
	return f.Cases
}

// normLayer is what the tests need of a normalisation layer.
type normLayer interface {
	Forward(x *tensor.Tensor) *tensor.Tensor
	ExtraRepr() string
}

// normOpts turns the fixture's PyTorch keyword arguments into options.
func normOpts(t *testing.T, kw map[string]any) []nn.NormOption {
	var opts []nn.NormOption
	for k, v := range kw {
		switch k {
		case "eps":
			opts = append(opts, nn.Eps(float32(v.(float64))))
		case "momentum":
			opts = append(opts, nn.Momentum(float32(v.(float64))))
		case "affine", "elementwise_affine":
			if !v.(bool) {
				opts = append(opts, nn.NoAffine())
			}
		case "track_running_stats":
			if !v.(bool) {
				opts = append(opts, nn.NoTrackRunningStats())
			}
		default:
			t.Fatalf("unknown keyword %q", k)
		}
	}
	return opts
}

func ints(v any) []int {
	var out []int
	for _, e := range v.([]any) {
		out = append(out, int(e.(float64)))
	}
	return out
}

// buildNorm returns the fixture's layer, its weight and bias set, and its
// weight, bias and running statistics (nil where it has none).
func buildNorm(t *testing.T, c normFxCase) (m normLayer, w, b, rm, rv, nbt *tensor.Tensor) {
	opts := normOpts(t, c.Kwargs)
	switch c.Layer {
	case "BatchNorm1d":
		l := nn.NewBatchNorm1d(int(c.Args[0].(float64)), opts...)
		m, w, b, rm, rv, nbt = l, l.Weight, l.Bias, l.RunningMean, l.RunningVar, l.NumBatchesTracked
	case "BatchNorm2d":
		l := nn.NewBatchNorm2d(int(c.Args[0].(float64)), opts...)
		m, w, b, rm, rv, nbt = l, l.Weight, l.Bias, l.RunningMean, l.RunningVar, l.NumBatchesTracked
	case "LayerNorm":
		l := nn.NewLayerNorm(ints(c.Args[0]), opts...)
		m, w, b = l, l.Weight, l.Bias
	case "GroupNorm":
		l := nn.NewGroupNorm(int(c.Args[0].(float64)), int(c.Args[1].(float64)), opts...)
		m, w, b = l, l.Weight, l.Bias
	default:
		t.Fatalf("unknown layer %q", c.Layer)
	}
	if (w == nil) != (c.Weight == nil) || (b == nil) != (c.Bias == nil) {
		t.Fatalf("%s: weight/bias presence differs from PyTorch's", c.Name)
	}
	if w != nil {
		w.CopyFrom(c.Weight.tensor())
		b.CopyFrom(c.Bias.tensor())
	}
	return m, w, b, rm, rv, nbt
}

// closeTo reports the first element where got and want differ by more
// than 1e-5 relative (1e-5 absolute near zero).
func normCloseTo(t *testing.T, what string, got *tensor.Tensor, want *fxTensor) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: missing", what)
		return
	}
	if !slices.Equal(got.Shape(), want.Shape) {
		t.Errorf("%s: shape %v, want %v", what, got.Shape(), want.Shape)
		return
	}
	for i, g := range got.Data() {
		w := want.Data[i]
		if d := math.Abs(float64(g - w)); d > 1e-5*math.Max(1, math.Abs(float64(w))) || math.IsNaN(d) {
			t.Errorf("%s[%d] = %.8g, PyTorch %.8g", what, i, g, w)
			return
		}
	}
}

func TestNormMatchesPyTorch(t *testing.T) {
	for _, c := range loadNormFixtures(t) {
		t.Run(c.Name, func(t *testing.T) {
			m, w, b, rm, rv, nbt := buildNorm(t, c)
			if got := nn.Summary(m); got != c.Repr {
				t.Errorf("Summary: %q, PyTorch %q", got, c.Repr)
			}
			x1 := c.X1.tensor().SetRequiresGrad(true)
			y1 := m.Forward(x1)
			normCloseTo(t, "training output", y1, c.Y1)
			y1.BackwardWith(c.GradOutput.tensor())
			normCloseTo(t, "grad input", x1.Grad(), c.GradInput)
			if w != nil {
				normCloseTo(t, "grad weight", w.Grad(), c.GradWeight)
				normCloseTo(t, "grad bias", b.Grad(), c.GradBias)
			}
			tensor.NoGrad(func() { m.Forward(c.X2.tensor()) })
			if (rm != nil) != (c.RunningMean != nil) {
				t.Fatalf("running stats: have %v, PyTorch has %v", rm != nil, c.RunningMean != nil)
			}
			if rm != nil {
				normCloseTo(t, "running mean", rm, c.RunningMean)
				normCloseTo(t, "running var", rv, c.RunningVar)
				if got := nbt.Int64s(); len(nbt.Shape()) != 0 || got[0] != *c.NumBatchesTracked {
					t.Errorf("num_batches_tracked: %v, shape %v; PyTorch %d", got, nbt.Shape(), *c.NumBatchesTracked)
				}
			}
			nn.Eval(m)
			var ye *tensor.Tensor
			tensor.NoGrad(func() { ye = m.Forward(c.X3.tensor()) })
			normCloseTo(t, "evaluation output", ye, c.YEval)
		})
	}
}

func TestBatchNormTrainEval(t *testing.T) {
	bn := nn.NewBatchNorm1d(3)
	if !bn.Training() {
		t.Fatal("a new BatchNorm1d is not in training mode")
	}
	x := tensor.NewGenerator(1).Randn(5, 3).MulScalar(3).AddScalar(2)
	model := &struct{ BN *nn.BatchNorm1d }{bn}
	nn.Eval(model)
	if bn.Training() {
		t.Fatal("nn.Eval left BatchNorm1d in training mode")
	}
	// Fresh running stats (mean 0, var 1): evaluation is x/√(1+ε), and
	// changes nothing.
	y := bn.Forward(x)
	for i, v := range y.Data() {
		if want := x.Data()[i] / float32(math.Sqrt(1+1e-5)); math.Abs(float64(v-want)) > 1e-5 {
			t.Fatalf("eval output %d: %v, want %v", i, v, want)
		}
	}
	if bn.NumBatchesTracked.Int64s()[0] != 0 || bn.RunningMean.Sum().Item() != 0 {
		t.Fatal("evaluation updated the running statistics")
	}
	nn.Train(model)
	y = bn.Forward(x)
	if m := y.Mean(0).Abs().Max().Item(); m > 1e-5 {
		t.Fatalf("training output's per-channel mean %v, want 0", m)
	}
	if bn.NumBatchesTracked.Int64s()[0] != 1 {
		t.Fatal("training did not count the batch")
	}
}

// TestBatchNormEvalGradcheck differentiates evaluation mode (the running
// statistics, folded with the weight and bias), as when fine-tuning with
// frozen statistics.
func TestBatchNormEvalGradcheck(t *testing.T) {
	g := tensor.NewGenerator(11)
	bn := nn.NewBatchNorm2d(3)
	bn.Forward(g.Randn(4, 3, 2, 2).MulScalar(2).AddScalar(1)) // running stats away from 0 and 1
	nn.Eval(bn)
	bn.Weight.CopyFrom(g.Randn(3))
	bn.Bias.CopyFrom(g.Randn(3))
	x := g.Randn(2, 3, 2, 2).SetRequiresGrad(true)
	gradcheck.CheckOpts(t, "BatchNorm2d eval", gradcheck.Options{Eps: 1e-3}, func(in []*tensor.Tensor) *tensor.Tensor {
		bn.Weight.CopyFrom(in[1])
		bn.Bias.CopyFrom(in[2])
		return bn.Forward(in[0])
	}, x, bn.Weight, bn.Bias)
}

func TestBatchNormBuffers(t *testing.T) {
	bn := nn.NewBatchNorm2d(3)
	if ps := nn.Parameters(bn); len(ps) != 2 || ps[0] != bn.Weight || ps[1] != bn.Bias {
		t.Fatalf("Parameters: %d tensors, want weight and bias only", len(ps))
	}
	if total, trainable := nn.NumParameters(bn); total != 6 || trainable != 6 {
		t.Errorf("NumParameters: %d, %d; want 6, 6 as PyTorch counts", total, trainable)
	}
	var names []string
	for _, b := range nn.NamedBuffers(bn) {
		names = append(names, b.Name)
	}
	if !slices.Equal(names, []string{"running_mean", "running_var", "num_batches_tracked"}) {
		t.Errorf("NamedBuffers: %v", names)
	}
	if nn.NamedBuffers(nn.NewBatchNorm2d(3, nn.NoTrackRunningStats())) != nil {
		t.Error("NoTrackRunningStats still has buffers")
	}
	for _, p := range nn.NamedBuffers(bn) {
		if p.Tensor.RequiresGrad() {
			t.Errorf("buffer %s requires grad", p.Name)
		}
	}
	bn.Forward(tensor.NewGenerator(3).Randn(4, 3, 2, 2).AddScalar(1))
	path := filepath.Join(t.TempDir(), "bn.safetensors")
	if err := nn.Save(bn, path); err != nil {
		t.Fatal(err)
	}
	back := nn.NewBatchNorm2d(3)
	if err := nn.Load(back, path); err != nil {
		t.Fatal(err)
	}
	if !sameData(back.RunningMean, bn.RunningMean) || !sameData(back.RunningVar, bn.RunningVar) ||
		back.NumBatchesTracked.Int64s()[0] != 1 {
		t.Error("Save/Load lost the running statistics")
	}
}

// TestBatchNormLoadsPyTorchState loads the state_dict PyTorch saved after
// the "bn2d" fixture's two steps, buffers included.
func TestBatchNormLoadsPyTorchState(t *testing.T) {
	var c normFxCase
	for _, fc := range loadNormFixtures(t) {
		if fc.Name == "bn2d" {
			c = fc
		}
	}
	bn := nn.NewBatchNorm2d(3)
	if err := nn.Load(bn, "testdata/batchnorm2d.safetensors"); err != nil {
		t.Fatal(err)
	}
	normCloseTo(t, "weight", bn.Weight, c.Weight)
	normCloseTo(t, "running_mean", bn.RunningMean, c.RunningMean)
	normCloseTo(t, "running_var", bn.RunningVar, c.RunningVar)
	if got := bn.NumBatchesTracked.Int64s()[0]; got != *c.NumBatchesTracked {
		t.Errorf("num_batches_tracked %d, want %d", got, *c.NumBatchesTracked)
	}
	nn.Eval(bn)
	normCloseTo(t, "evaluation output", bn.Forward(c.X3.tensor()), c.YEval)
}

func TestNormGradcheck(t *testing.T) {
	g := tensor.NewGenerator(5)
	cases := []struct {
		name  string
		m     normLayer
		w, b  *tensor.Tensor
		shape []int
	}{}
	add := func(name string, m normLayer, w, b *tensor.Tensor, shape ...int) {
		if w != nil {
			w.CopyFrom(g.Randn(w.Shape()...).MulScalar(0.5).AddScalar(1))
			b.CopyFrom(g.Randn(b.Shape()...))
		}
		cases = append(cases, struct {
			name  string
			m     normLayer
			w, b  *tensor.Tensor
			shape []int
		}{name, m, w, b, shape})
	}
	bn1 := nn.NewBatchNorm1d(3)
	add("BatchNorm1d [N,C]", bn1, bn1.Weight, bn1.Bias, 4, 3)
	bn1l := nn.NewBatchNorm1d(2)
	add("BatchNorm1d [N,C,L]", bn1l, bn1l.Weight, bn1l.Bias, 3, 2, 4)
	bn1n := nn.NewBatchNorm1d(2, nn.NoAffine(), nn.NoTrackRunningStats())
	add("BatchNorm1d no affine", bn1n, nil, nil, 3, 2, 2)
	bn2 := nn.NewBatchNorm2d(2)
	add("BatchNorm2d", bn2, bn2.Weight, bn2.Bias, 2, 2, 3, 2)
	ln := nn.NewLayerNorm([]int{4})
	add("LayerNorm 1 dim", ln, ln.Weight, ln.Bias, 3, 4)
	ln2 := nn.NewLayerNorm([]int{2, 3})
	add("LayerNorm 2 dims", ln2, ln2.Weight, ln2.Bias, 2, 2, 3)
	gn := nn.NewGroupNorm(2, 4)
	add("GroupNorm", gn, gn.Weight, gn.Bias, 2, 4, 3)
	gn4 := nn.NewGroupNorm(3, 6, nn.NoAffine())
	add("GroupNorm 4D no affine", gn4, nil, nil, 2, 6, 2, 1)
	for _, c := range cases {
		x := g.Randn(c.shape...).MulScalar(2).SetRequiresGrad(true)
		xs := []*tensor.Tensor{x}
		if c.w != nil {
			xs = append(xs, c.w, c.b)
		}
		gradcheck.CheckOpts(t, c.name, gradcheck.Options{Eps: 1e-3}, func(in []*tensor.Tensor) *tensor.Tensor {
			if c.w != nil { // finite differences hand in fresh weight and bias
				c.w.CopyFrom(in[1])
				c.b.CopyFrom(in[2])
			}
			return c.m.Forward(in[0])
		}, xs...)
	}
}

// TestNormGradcheckNonContiguous feeds views (a transpose, a slice) to
// the layers.
func TestNormGradcheckNonContiguous(t *testing.T) {
	g := tensor.NewGenerator(9)
	ln, bn, gn := nn.NewLayerNorm([]int{3}), nn.NewBatchNorm1d(4), nn.NewGroupNorm(2, 4)
	x := g.Randn(3, 4).MulScalar(2).SetRequiresGrad(true)
	gradcheck.CheckOpts(t, "LayerNorm of a transpose", gradcheck.Options{Eps: 1e-3}, func(in []*tensor.Tensor) *tensor.Tensor {
		return ln.Forward(in[0].T())
	}, x)
	x3 := g.Randn(4, 5, 2).MulScalar(2).SetRequiresGrad(true)
	gradcheck.CheckOpts(t, "BatchNorm1d of a transpose", gradcheck.Options{Eps: 1e-3}, func(in []*tensor.Tensor) *tensor.Tensor {
		return bn.Forward(in[0].Transpose(0, 1))
	}, x3)
	gradcheck.CheckOpts(t, "GroupNorm of a slice", gradcheck.Options{Eps: 1e-3}, func(in []*tensor.Tensor) *tensor.Tensor {
		return gn.Forward(in[0].Transpose(0, 1).Slice(2, 0, 1))
	}, x3)
}

func TestNormShapeErrors(t *testing.T) {
	bad := map[string]func(){
		"BatchNorm1d 4D":         func() { nn.NewBatchNorm1d(3).Forward(tensor.Ones(2, 3, 4, 5)) },
		"BatchNorm1d channels":   func() { nn.NewBatchNorm1d(3).Forward(tensor.Ones(2, 4)) },
		"BatchNorm2d 3D":         func() { nn.NewBatchNorm2d(3).Forward(tensor.Ones(2, 3, 4)) },
		"BatchNorm one value":    func() { nn.NewBatchNorm1d(3).Forward(tensor.Ones(1, 3)) },
		"LayerNorm shape":        func() { nn.NewLayerNorm([]int{4}).Forward(tensor.Ones(2, 5)) },
		"GroupNorm channels":     func() { nn.NewGroupNorm(2, 4).Forward(tensor.Ones(2, 6)) },
		"NewGroupNorm indivisor": func() { nn.NewGroupNorm(3, 4) },
		"NewBatchNorm2d zero":    func() { nn.NewBatchNorm2d(0) },
		"NewLayerNorm empty":     func() { nn.NewLayerNorm(nil) },
	}
	for name, f := range bad {
		if err := tensor.Catch(f); err == nil {
			t.Errorf("%s: no panic", name)
		}
	}
}
