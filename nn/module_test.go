package nn_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

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

// Stacked holds slices of modules, PyTorch's nn.ModuleList.
type Stacked struct {
	Layers []*nn.Linear
	Blocks []nn.Module
	Head   *nn.Linear
}

func (m *Stacked) Forward(x *tensor.Tensor) *tensor.Tensor { return x }

// drawn is PyTorch's bound (uniform) or std (normal) for one initialiser,
// from its formulas, and what its initialiser drew over many draws.
type drawn struct {
	Bound, Std   float64
	SampleMaxAbs float64 `json:"sample_max_abs"`
	SampleMean   float64 `json:"sample_mean"`
	SampleStd    float64 `json:"sample_std"`
}

type linearCase struct {
	InShape                                   []int `json:"in_shape"`
	Weight, Bias, X, Y, G, DWeight, DBias, DX []float32
}

type nnFixture struct {
	Prints map[string]struct {
		Str   string
		Names []string
		Count int
	}
	Linear      map[string]linearCase
	Activations struct {
		X       []float32
		Shape   []int
		Outputs map[string][]float32
	}
	Gains []struct {
		Nonlinearity string
		Param        *float64
		Gain         float64
	}
	Inits []struct {
		Shape                []int
		FanIn                int `json:"fan_in"`
		FanOut               int `json:"fan_out"`
		Nonlinearity         string
		Param                *float64
		Gain                 float64
		XavierUniform        drawn  `json:"xavier_uniform"`
		XavierNormal         drawn  `json:"xavier_normal"`
		KaimingUniformFanIn  *drawn `json:"kaiming_uniform_fan_in"`
		KaimingUniformFanOut *drawn `json:"kaiming_uniform_fan_out"`
		KaimingNormalFanIn   *drawn `json:"kaiming_normal_fan_in"`
		KaimingNormalFanOut  *drawn `json:"kaiming_normal_fan_out"`
	}
	Orthogonal []struct {
		Shape           []int
		RowsOrthonormal bool `json:"rows_orthonormal"`
		ColsOrthonormal bool `json:"cols_orthonormal"`
	}
	LinearDefault struct {
		In, Out      int
		WeightMaxAbs float64 `json:"weight_max_abs"`
		WeightStd    float64 `json:"weight_std"`
		BiasMaxAbs   float64 `json:"bias_max_abs"`
		BiasStd      float64 `json:"bias_std"`
	} `json:"linear_default"`
	SimpleNN struct{ Input, Output []float32 }
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
			nn.NewLinear(5, 1), nn.Sigmoid{}, nn.Flatten{}, nn.Softmax{Dim: 1}, nn.LeakyReLU{}),
		"Nested": &Nested{
			Features: nn.NewSequential(nn.NewFlatten(), nn.NewLinear(12, 8, nn.NoBias()), nn.LeakyReLU{}),
			Head:     nn.NewLinear(8, 3), Out: nn.Softmax{Dim: 1},
		},
		"Activations": nn.NewSequential(nn.ELU{}, nn.ELU{Alpha: 0.5}, nn.GELU{}, nn.SiLU{}, nn.Tanh{},
			nn.Softplus{}, nn.Softplus{Beta: 2, Threshold: 10}, nn.LogSoftmax{Dim: -1},
			nn.LeakyReLU{Slope: 0.2}, nn.NewDropout(0.1), nn.Identity{}, nn.Flatten{StartDim: 0, EndDim: -1}),
		"Stacked": &Stacked{
			Layers: []*nn.Linear{nn.NewLinear(4, 4), nn.NewLinear(4, 4, nn.NoBias())},
			Blocks: []nn.Module{nn.NewSequential(nn.NewLinear(4, 2), nn.Tanh{}), nn.Identity{}},
			Head:   nn.NewLinear(2, 1),
		},
	}
	if len(f.Prints) != len(models) {
		t.Fatalf("fixture has %d models, test %d", len(f.Prints), len(models))
	}
	for name, m := range models {
		want, ok := f.Prints[name]
		if !ok {
			t.Fatalf("fixture lacks %s", name)
		}
		if got := nn.Summary(m); got != want.Str {
			t.Errorf("%s summary:\n%s\nPyTorch:\n%s", name, got, want.Str)
		}
		if got := names(m); !slices.Equal(got, want.Names) {
			t.Errorf("%s names %v, PyTorch %v", name, got, want.Names)
		}
		if total, trainable := nn.NumParameters(m); total != want.Count || trainable != want.Count {
			t.Errorf("%s count %d/%d, PyTorch %d", name, total, trainable, want.Count)
		}
	}
}

func near(t *testing.T, what string, got, want []float32, tol float64) {
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

// TestLinearMatchesPyTorch loads PyTorch's weights into a Linear and
// compares the output and the gradients of weight, bias and input.
func TestLinearMatchesPyTorch(t *testing.T) {
	f := loadFixture(t).Linear
	for _, name := range []string{"2d", "3d", "nobias"} {
		c, ok := f[name]
		if !ok {
			t.Fatalf("fixture lacks Linear case %s", name)
		}
		in := c.InShape[len(c.InShape)-1]
		l := nn.NewLinear(in, 3)
		l.Weight.CopyFrom(tensor.New(c.Weight, 3, in))
		if c.Bias != nil {
			l.Bias.CopyFrom(tensor.New(c.Bias, 3))
		} else {
			l.Bias = nil
		}
		x := tensor.New(c.X, c.InShape...).SetRequiresGrad(true)
		y := l.Forward(x)
		near(t, name+" output", y.Data(), c.Y, 1e-5)
		y.BackwardWith(tensor.New(c.G, y.Shape()...))
		near(t, name+" weight grad", l.Weight.Grad().Data(), c.DWeight, 1e-5)
		near(t, name+" input grad", x.Grad().Data(), c.DX, 1e-5)
		if c.Bias != nil {
			near(t, name+" bias grad", l.Bias.Grad().Data(), c.DBias, 1e-5)
		}
	}
}

func TestLinearGradients(t *testing.T) {
	g := tensor.NewGenerator(3)
	for _, bias := range []bool{true, false} {
		var opts []nn.LinearOption
		if !bias {
			opts = append(opts, nn.NoBias())
		}
		l := nn.NewLinear(4, 3, opts...)
		params := nn.Parameters(l)
		for _, shape := range [][]int{{4}, {5, 4}, {2, 5, 4}} { // batched 3-D input too
			x := g.Randn(shape...).SetRequiresGrad(true)
			gradcheck.Check(t, fmt.Sprintf("Linear bias=%v %v", bias, shape), func(xs []*tensor.Tensor) *tensor.Tensor {
				m := &nn.Linear{Weight: xs[1]}
				if bias {
					m.Bias = xs[2]
				}
				return m.Forward(xs[0])
			}, append([]*tensor.Tensor{x}, params...)...)
		}
	}
}

// TestLoadPyTorchSimpleNN loads the state_dict PyTorch wrote
// (testdata/gen_nn.py) into the same network and compares the outputs.
func TestLoadPyTorchSimpleNN(t *testing.T) {
	f := loadFixture(t).SimpleNN
	m := newSimple()
	if err := nn.Load(m, "testdata/simplenn.safetensors"); err != nil {
		t.Fatal(err)
	}
	var out *tensor.Tensor
	tensor.NoGrad(func() { out = m.Forward(tensor.New(f.Input, len(f.Input)/2, 2)) })
	near(t, "output", out.Data(), f.Output, 1e-5)

	// The same file written back by nerve is read back identically.
	path := filepath.Join(t.TempDir(), "back.safetensors")
	if err := nn.Save(m, path); err != nil {
		t.Fatal(err)
	}
	b := newSimple()
	if err := nn.Load(b, path); err != nil {
		t.Fatal(err)
	}
	for i, p := range nn.NamedParameters(b) {
		if q := nn.NamedParameters(m)[i]; p.Name != q.Name || !sameData(p.Tensor, q.Tensor) {
			t.Fatalf("%s differs after a round trip", p.Name)
		}
	}

	// Load is strict, as load_state_dict: this file also holds an int64
	// "step", so it is refused as a whole, and nothing is loaded.
	before := m.FC1.Weight.Data()
	err := nn.Load(m, "testdata/torch_state.safetensors")
	if err == nil || !strings.Contains(err.Error(), `unexpected "step"`) {
		t.Fatalf("strict Load: got %v", err)
	}
	near(t, "fc1.weight after a refused Load", m.FC1.Weight.Data(), before, 0)
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
	near(t, "fc2.weight", b.FC2.Weight.Data(), a.FC2.Weight.Data(), 0)

	wrong := &SimpleNN{FC1: nn.NewLinear(2, 3), FC2: nn.NewLinear(3, 1, nn.NoBias())}
	before := wrong.FC1.Weight.Data()
	err := nn.Load(wrong, path)
	if err == nil || !strings.Contains(err.Error(), "fc1.weight") || !strings.Contains(err.Error(), "fc2.bias") {
		t.Fatalf("want one error naming every mismatch, got %v", err)
	}
	near(t, "untouched fc1.weight", wrong.FC1.Weight.Data(), before, 0)
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

func TestSaveWritesPyTorchMetadata(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	m := newSimple()
	if err := nn.Save(m, path); err != nil {
		t.Fatal(err)
	}
	ts, md, err := nn.LoadTensors(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(md) != 1 || md["format"] != "pt" {
		t.Errorf("metadata %v, want format=pt", md)
	}
	if len(ts) != 4 || !sameData(ts["fc2.weight"], m.FC2.Weight) {
		t.Errorf("saved tensors %v", ts)
	}
}

// TestConcurrentInference runs one model from many goroutines at once, in
// evaluation mode and without gradients (go test -race checks it).
func TestConcurrentInference(t *testing.T) {
	model := nn.NewSequential(nn.NewLinear(4, 8), nn.ReLU{}, nn.NewDropout(0.5), nn.NewLinear(8, 2))
	nn.Eval(model)
	x := tensor.NewGenerator(5).Randn(16, 4)
	var want *tensor.Tensor
	tensor.NoGrad(func() { want = model.Forward(x) })
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				var y *tensor.Tensor
				tensor.NoGrad(func() { y = model.Forward(x) })
				if y.RequiresGrad() || !sameData(y, want) {
					errs <- "a concurrent forward pass differs or records a graph"
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
}

// TestEvalCollectsOnceASecond: Eval runs a garbage collection, and not
// again within the second.
func TestEvalCollectsOnceASecond(t *testing.T) {
	m := nn.NewLinear(2, 2)
	time.Sleep(1100 * time.Millisecond) // past any earlier test's collection
	var before, mid, after runtime.MemStats
	runtime.ReadMemStats(&before)
	nn.Eval(m)
	runtime.ReadMemStats(&mid)
	for range 10 {
		nn.Eval(m)
	}
	runtime.ReadMemStats(&after)
	if mid.NumForcedGC != before.NumForcedGC+1 {
		t.Fatalf("Eval ran %d forced collections, want 1", mid.NumForcedGC-before.NumForcedGC)
	}
	if after.NumForcedGC != mid.NumForcedGC {
		t.Fatalf("10 more Evals within the second ran %d more collections, want 0", after.NumForcedGC-mid.NumForcedGC)
	}
}
