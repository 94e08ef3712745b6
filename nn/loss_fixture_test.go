package nn

// Comparison of the losses against PyTorch. testdata/losses.json is written
// by testdata/gen_loss.py at the repository root (run it with Debian's
// PyTorch: /usr/bin/python3 testdata/gen_loss.py); go test only reads it.

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/nervelab/nerve/tensor"
)

// lossFxTensor is one tensor of the fixture file, data in row-major order.
// A value may be the string "nan".
type lossFxTensor struct {
	Shape []int  `json:"shape"`
	DType string `json:"dtype"`
	Data  []any  `json:"data"`
}

type lossFxCase struct {
	Name       string         `json:"name"`
	Loss       string         `json:"loss"`
	Opts       map[string]any `json:"opts"`
	Input      *lossFxTensor  `json:"input"`
	Target     *lossFxTensor  `json:"target"`
	Weight     *lossFxTensor  `json:"weight"`
	PosWeight  *lossFxTensor  `json:"pos_weight"`
	Output     *lossFxTensor  `json:"output"`
	GradOutput *lossFxTensor  `json:"grad_output"`
	GradInput  *lossFxTensor  `json:"grad_input"`
	GradTarget *lossFxTensor  `json:"grad_target"`
}

type lossFxFile struct {
	Generator string       `json:"generator"`
	Torch     string       `json:"torch"`
	Cases     []lossFxCase `json:"cases"`
}

func loadLossFixtures(t *testing.T) *lossFxFile {
	t.Helper()
	raw, err := os.ReadFile("testdata/losses.json")
	if err != nil {
		t.Fatalf("%v (regenerate with /usr/bin/python3 testdata/gen_loss.py)", err)
	}
	var f lossFxFile
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatalf("testdata/losses.json: %v", err)
	}
	if len(f.Cases) == 0 {
		t.Fatal("testdata/losses.json: no cases")
	}
	return &f
}

// values returns the data as float64, NaN for "nan".
func (x *lossFxTensor) values(t *testing.T) []float64 {
	t.Helper()
	out := make([]float64, len(x.Data))
	for i, v := range x.Data {
		switch v := v.(type) {
		case float64:
			out[i] = v
		case string:
			if v != "nan" {
				t.Fatalf("fixture value %q", v)
			}
			out[i] = math.NaN()
		default:
			t.Fatalf("fixture value %v (%T)", v, v)
		}
	}
	return out
}

// tensor builds the fixture tensor (nil for a nil fixture).
func (x *lossFxTensor) tensor(t *testing.T) *tensor.Tensor {
	t.Helper()
	if x == nil {
		return nil
	}
	v := x.values(t)
	if x.DType == "int64" {
		d := make([]int64, len(v))
		for i := range v {
			d[i] = int64(v[i])
		}
		return tensor.FromInt64(d, x.Shape...)
	}
	d := make([]float32, len(v))
	for i := range v {
		d[i] = float32(v[i])
	}
	return tensor.New(d, x.Shape...)
}

// lossFromFixture returns the nerve loss a fixture case names, with its
// options, weight and pos_weight.
func lossFromFixture(t *testing.T, c *lossFxCase) func(pred, target *tensor.Tensor) *tensor.Tensor {
	t.Helper()
	var red Reduction
	switch c.Opts["reduction"] {
	case "mean":
		red = Mean
	case "sum":
		red = Sum
	case "none":
		red = None
	default:
		t.Fatalf("reduction %v", c.Opts["reduction"])
	}
	f32opt := func(k string) float32 {
		v, _ := c.Opts[k].(float64)
		return float32(v)
	}
	var ignore *int64
	if v, ok := c.Opts["ignore_index"].(float64); ok {
		ignore = Ignore(int64(v))
	}
	w, pw := c.Weight.tensor(t), c.PosWeight.tensor(t)
	switch c.Loss {
	case "mse":
		return MSE{Reduction: red}.Loss
	case "l1":
		return L1{Reduction: red}.Loss
	case "rmse":
		return RMSE{Reduction: red}.Loss
	case "huber":
		return Huber{Delta: f32opt("delta"), Reduction: red}.Loss
	case "smooth_l1":
		if b, ok := c.Opts["beta"].(float64); ok && b == 0 {
			return L1{Reduction: red}.Loss // PyTorch's beta = 0 is L1 (documented)
		}
		return SmoothL1{Beta: f32opt("beta"), Reduction: red}.Loss
	case "bce":
		return BCE{Weight: w, Reduction: red}.Loss
	case "bce_with_logits":
		return BCEWithLogits{Weight: w, PosWeight: pw, Reduction: red}.Loss
	case "cross_entropy":
		return CrossEntropy{Weight: w, IgnoreIndex: ignore, LabelSmoothing: f32opt("label_smoothing"), Reduction: red}.Loss
	case "nll":
		return NLL{Weight: w, IgnoreIndex: ignore, Reduction: red}.Loss
	}
	t.Fatalf("unknown loss %q", c.Loss)
	return nil
}

// TestLossFixtures computes every case of testdata/losses.json and compares
// the value (1e-5 absolute plus relative) and the gradients of the input
// and, where recorded, the target (1e-4) with PyTorch's.
func TestLossFixtures(t *testing.T) {
	f := loadLossFixtures(t)
	seen := map[string]int{}
	for i := range f.Cases {
		c := &f.Cases[i]
		seen[c.Loss]++
		t.Run(c.Name, func(t *testing.T) {
			fn := lossFromFixture(t, c)
			x := c.Input.tensor(t).SetRequiresGrad(true)
			y := c.Target.tensor(t)
			if c.GradTarget != nil {
				y.SetRequiresGrad(true)
			}
			out := fn(x, y)
			lossFxCompare(t, "output", out, c.Output, 1e-5)
			if c.GradOutput == nil {
				out.Backward()
			} else {
				out.BackwardWith(c.GradOutput.tensor(t))
			}
			lossFxCompare(t, "grad input", x.Grad(), c.GradInput, 1e-4)
			if c.GradTarget != nil {
				lossFxCompare(t, "grad target", y.Grad(), c.GradTarget, 1e-4)
			}
		})
	}
	for _, l := range []string{"mse", "l1", "rmse", "huber", "smooth_l1", "bce", "bce_with_logits", "cross_entropy", "nll"} {
		if seen[l] == 0 {
			t.Errorf("testdata/losses.json has no %s case", l)
		}
	}
}

func lossFxCompare(t *testing.T, what string, got *tensor.Tensor, want *lossFxTensor, tol float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: nil, want shape %v", what, want.Shape)
		return
	}
	if fmt.Sprint(got.Shape()) != fmt.Sprint(want.Shape) {
		t.Errorf("%s: shape %v, want %v", what, got.Shape(), want.Shape)
		return
	}
	w := want.values(t)
	for i, g := range got.Data() {
		gv, wv := float64(g), w[i]
		if math.IsNaN(wv) {
			if !math.IsNaN(gv) {
				t.Errorf("%s[%d] = %g, want NaN", what, i, gv)
			}
			continue
		}
		if math.IsNaN(gv) || math.IsInf(gv, 0) || math.Abs(gv-wv) > tol+tol*math.Abs(wv) {
			t.Errorf("%s[%d] = %.8g, want %.8g (PyTorch)", what, i, gv, wv)
		}
	}
}
