package nn_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nervelab/nerve/internal/gradcheck"
	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/tensor"
)

type SimpleNN struct {
	FC1 *nn.Linear
	FC2 *nn.Linear
}

func (m *SimpleNN) Forward(x *tensor.Tensor) *tensor.Tensor {
	return m.FC2.Forward(m.FC1.Forward(x).ReLU())
}

func newSimple() *SimpleNN { return &SimpleNN{FC1: nn.NewLinear(2, 2), FC2: nn.NewLinear(2, 1)} }

type Nested struct {
	Features *nn.Sequential
	Head     *nn.Linear
	Act      nn.GELU
	Out      nn.Softmax
}

func (m *Nested) Forward(x *tensor.Tensor) *tensor.Tensor {
	return m.Out.Forward(m.Act.Forward(m.Head.Forward(m.Features.Forward(x))))
}

type nnFixture struct {
	Prints map[string]struct {
		Str   string
		Names []string
		Count int
	}
	Linear map[string][]float32
	Inits  []struct {
		Shape                    []int
		FanIn                    int `json:"fan_in"`
		FanOut                   int `json:"fan_out"`
		Nonlinearity             string
		Param                    *float64
		Gain                     float64
		XavierUniformBound       float64 `json:"xavier_uniform_bound"`
		KaimingUniformFanInBound float64 `json:"kaiming_uniform_fan_in_bound"`
		KaimingNormalFanOutStd   float64 `json:"kaiming_normal_fan_out_std"`
	}
	State map[string][]float32
}

func loadFixture(t *testing.T) nnFixture {
	t.Helper()
	b, err := os.ReadFile("testdata/nn.json")
	if err != nil {
		t.Fatal(err)
	}
	var f nnFixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestSummaryNamesAndCountsMatchPyTorch(t *testing.T) {
	f := loadFixture(t)
	models := map[string]any{
		"SimpleNN": newSimple(),
		"Sequential": nn.NewSequential(nn.NewLinear(10, 5), nn.ReLU{}, nn.NewDropout(0.5),
			nn.NewLinear(5, 1), nn.Sigmoid{}),
		"Nested": &Nested{
			Features: nn.NewSequential(nn.NewFlatten(), nn.NewLinear(12, 8, nn.NoBias()), nn.LeakyReLU{}),
			Head:     nn.NewLinear(8, 3), Out: nn.Softmax{Dim: 1},
		},
	}
	for name, m := range models {
		want := f.Prints[name]
		if got := nn.Summary(m); got != want.Str {
			t.Errorf("%s summary:\n%s\nPyTorch:\n%s", name, got, want.Str)
		}
		var names []string
		for _, p := range nn.NamedParameters(m) {
			names = append(names, p.Name)
		}
		if strings.Join(names, ",") != strings.Join(want.Names, ",") {
			t.Errorf("%s names %v, PyTorch %v", name, names, want.Names)
		}
		if total, trainable := nn.NumParameters(m); total != want.Count || trainable != want.Count {
			t.Errorf("%s count %d/%d, PyTorch %d", name, total, trainable, want.Count)
		}
	}
}

func close(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(float64(got[i]-want[i])) > tol*(1+math.Abs(float64(want[i]))) {
			t.Fatalf("%s[%d] = %v, PyTorch %v", what, i, got[i], want[i])
		}
	}
}

func TestLinearMatchesPyTorch(t *testing.T) {
	f := loadFixture(t).Linear
	l := nn.NewLinear(4, 3)
	l.Weight.CopyFrom(tensor.New(f["weight"], 3, 4))
	l.Bias.CopyFrom(tensor.New(f["bias"], 3))
	x := tensor.New(f["x"], 2, 4).SetRequiresGrad(true)
	y := l.Forward(x)
	close(t, "output", y.Data(), f["y"], 1e-5)
	y.BackwardWith(tensor.New(f["g"], 2, 3))
	close(t, "weight grad", l.Weight.Grad().Data(), f["dweight"], 1e-5)
	close(t, "bias grad", l.Bias.Grad().Data(), f["dbias"], 1e-5)
	close(t, "input grad", x.Grad().Data(), f["dx"], 1e-5)
}

func TestLinearGradients(t *testing.T) {
	g := tensor.NewGenerator(3)
	for _, bias := range []bool{true, false} {
		l := nn.NewLinear(4, 3)
		if !bias {
			l = nn.NewLinear(4, 3, nn.NoBias())
		}
		params := nn.Parameters(l)
		x := g.Randn(2, 5, 4).SetRequiresGrad(true) // batched 3-D input
		gradcheck.Check(t, "Linear", func(xs []*tensor.Tensor) *tensor.Tensor {
			m := &nn.Linear{Weight: xs[1]}
			if bias {
				m.Bias = xs[2]
			}
			return m.Forward(xs[0])
		}, append([]*tensor.Tensor{x}, params...)...)
	}
}

func TestLoadPyTorchSafetensors(t *testing.T) {
	f := loadFixture(t).State
	m := newSimple()
	// The file also holds an int64 "step" tensor: Load is strict (as
	// PyTorch's load_state_dict), so it refuses the file as a whole…
	if err := nn.Load(m, "testdata/torch_state.safetensors"); err == nil || !strings.Contains(err.Error(), `unexpected "step"`) {
		t.Fatalf("strict Load: got %v", err)
	}
	// …and the tensors load once the extra entry is dropped.
	src, _, err := nn.LoadTensors("testdata/torch_state.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	delete(src, "step")
	if err := nn.LoadInto(nn.StateDict(m), src); err != nil {
		t.Fatal(err)
	}
	close(t, "fc1.weight", m.FC1.Weight.Data(), f["fc1.weight"], 0)
	out := m.Forward(tensor.New(f["input"], 3, 2))
	close(t, "output", out.Data(), f["output"], 1e-6)
}

func TestSaveLoadRoundTripAndMismatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	a := newSimple()
	if err := nn.Save(a, path); err != nil {
		t.Fatal(err)
	}
	b := newSimple()
	if err := nn.Load(b, path); err != nil {
		t.Fatal(err)
	}
	close(t, "fc2.weight", b.FC2.Weight.Data(), a.FC2.Weight.Data(), 0)

	wrong := &SimpleNN{FC1: nn.NewLinear(2, 3), FC2: nn.NewLinear(3, 1, nn.NoBias())}
	before := wrong.FC1.Weight.Data()
	err := nn.Load(wrong, path)
	if err == nil || !strings.Contains(err.Error(), "fc1.weight") || !strings.Contains(err.Error(), "fc2.bias") {
		t.Fatalf("want one error naming every mismatch, got %v", err)
	}
	close(t, "untouched fc1.weight", wrong.FC1.Weight.Data(), before, 0)
	if err := nn.Load(a, filepath.Join(t.TempDir(), "missing.safetensors")); err == nil {
		t.Fatal("loading a missing file gave no error")
	}
}

func TestDropoutTrainEval(t *testing.T) {
	tensor.ManualSeed(1)
	d := nn.NewDropout(0.25)
	m := nn.NewSequential(nn.Identity{}, d)
	x := tensor.Ones(10000)
	y := m.Forward(x).Data()
	zeros, sum := 0, 0.0
	for _, v := range y {
		if v == 0 {
			zeros++
		} else if math.Abs(float64(v)-1/0.75) > 1e-6 {
			t.Fatalf("kept value %v, want 1/(1-p)", v)
		}
		sum += float64(v)
	}
	if frac := float64(zeros) / 1e4; math.Abs(frac-0.25) > 0.02 {
		t.Fatalf("dropped %.3f, want 0.25", frac)
	}
	if mean := sum / 1e4; math.Abs(mean-1) > 0.03 {
		t.Fatalf("mean %v, want ≈ 1 (inverted scaling)", mean)
	}
	nn.Eval(m)
	if got := m.Forward(x); got != x {
		t.Fatal("Dropout in eval mode is not the identity")
	}
	nn.Train(m)
	if got := m.Forward(x); got == x {
		t.Fatal("Train did not switch Dropout back on")
	}
}

func TestParametersSkipFrozen(t *testing.T) {
	m := newSimple()
	m.FC1.Weight.SetRequiresGrad(false)
	if n := len(nn.Parameters(m)); n != 3 {
		t.Fatalf("%d trainable tensors, want 3", n)
	}
	if total, trainable := nn.NumParameters(m); total != 9 || trainable != 5 {
		t.Fatalf("counts %d/%d, want 9/5", total, trainable)
	}
	if !strings.Contains(nn.SummaryTable(m), "Non-trainable parameters: 4") {
		t.Fatalf("table:\n%s", nn.SummaryTable(m))
	}
}
