package nn_test

// Comparison of the convolution and pooling layers against PyTorch.
// testdata/conv.json is written by testdata/gen_conv.py at the repository
// root (run it with Debian's PyTorch: /usr/bin/python3 testdata/gen_conv.py);
// go test only reads it.

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/tensor"
)

type convFxConv struct {
	Name       string         `json:"name"`
	Dim        int            `json:"dim"`
	In         int            `json:"in"`
	Out        int            `json:"out"`
	Kernel     any            `json:"kernel"`
	Opts       map[string]any `json:"opts"`
	Str        string         `json:"str"`
	Weight     *fxTensor      `json:"weight"`
	Bias       *fxTensor      `json:"bias"`
	Input      *fxTensor      `json:"input"`
	Output     *fxTensor      `json:"output"`
	GradOutput *fxTensor      `json:"grad_output"`
	GradInput  *fxTensor      `json:"grad_input"`
	GradWeight *fxTensor      `json:"grad_weight"`
	GradBias   *fxTensor      `json:"grad_bias"`
}

type convFxPool struct {
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Kernel     any            `json:"kernel"`
	Opts       map[string]any `json:"opts"`
	Str        string         `json:"str"`
	Input      *fxTensor      `json:"input"`
	Output     *fxTensor      `json:"output"`
	GradOutput *fxTensor      `json:"grad_output"`
	GradInput  *fxTensor      `json:"grad_input"`
}

type convFxFile struct {
	Convs []convFxConv `json:"convs"`
	Pools []convFxPool `json:"pools"`
	CNN   struct {
		Str   string   `json:"str"`
		Names []string `json:"names"`
		Count int      `json:"count"`
	} `json:"cnn"`
}

func loadConvFixtures(t *testing.T) *convFxFile {
	t.Helper()
	raw, err := os.ReadFile("testdata/conv.json")
	if err != nil {
		t.Fatalf("%v (regenerate with /usr/bin/python3 testdata/gen_conv.py)", err)
	}
	var f convFxFile
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatalf("testdata/conv.json: %v", err)
	}
	if len(f.Convs) == 0 || len(f.Pools) == 0 {
		t.Fatal("testdata/conv.json: no cases")
	}
	return &f
}

// pair reads a fixture argument that is an int or a [h, w] list.
func pair(v any) (int, int) {
	if l, ok := v.([]any); ok {
		return int(l[0].(float64)), int(l[1].(float64))
	}
	n := int(v.(float64))
	return n, n
}

// convOptions turns the fixture's PyTorch keyword arguments into options.
func convOptions(c *convFxConv) []nn.ConvOption {
	var opts []nn.ConvOption
	if kh, kw := pair(c.Kernel); kh != kw {
		opts = append(opts, nn.Kernel2(kh, kw))
	}
	for k, v := range c.Opts {
		switch k {
		case "stride":
			opts = append(opts, nn.Stride2(pair(v)))
		case "padding":
			if v == "same" {
				opts = append(opts, nn.PaddingSame())
			} else {
				opts = append(opts, nn.Padding2(pair(v)))
			}
		case "dilation":
			opts = append(opts, nn.Dilation2(pair(v)))
		case "groups":
			opts = append(opts, nn.Groups(int(v.(float64))))
		case "bias":
			opts = append(opts, nn.ConvNoBias())
		}
	}
	return opts
}

// closeTo checks got against want with float32 tolerances.
func convCloseTo(t *testing.T, what string, got *tensor.Tensor, want *fxTensor) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: nil", what)
		return
	}
	if gs := got.Shape(); !slices.Equal(gs, want.Shape) {
		t.Errorf("%s: shape %v, want %v", what, gs, want.Shape)
		return
	}
	for i, v := range got.Data() {
		w := want.Data[i]
		if d := math.Abs(float64(v - w)); d > 1e-5+1e-5*math.Abs(float64(w)) && d > 2e-5*maxAbs(want.Data) {
			t.Errorf("%s: element %d = %v, want %v", what, i, v, w)
			return
		}
	}
}

func maxAbs(d []float32) float64 {
	m := 0.0
	for _, v := range d {
		m = max(m, math.Abs(float64(v)))
	}
	return m
}

func TestConvMatchesTorch(t *testing.T) {
	for _, c := range loadConvFixtures(t).Convs {
		t.Run(c.Name, func(t *testing.T) {
			k, _ := pair(c.Kernel)
			var m nn.Module
			var weight, bias *tensor.Tensor
			if c.Dim == 1 {
				l := nn.NewConv1d(c.In, c.Out, k, convOptions(&c)...)
				m, weight, bias = l, l.Weight, l.Bias
			} else {
				l := nn.NewConv2d(c.In, c.Out, k, convOptions(&c)...)
				m, weight, bias = l, l.Weight, l.Bias
			}
			if got := nn.Summary(m); got != c.Str {
				t.Errorf("Summary = %q, want %q", got, c.Str)
			}
			if (bias == nil) != (c.Bias == nil) {
				t.Fatalf("bias %v, want present %v", bias != nil, c.Bias != nil)
			}
			if !slices.Equal(weight.Shape(), c.Weight.Shape) {
				t.Fatalf("weight shape %v, want %v", weight.Shape(), c.Weight.Shape)
			}
			weight.CopyFrom(c.Weight.tensor())
			if bias != nil {
				bias.CopyFrom(c.Bias.tensor())
			}
			x := c.Input.tensor().SetRequiresGrad(true)
			y := m.Forward(x)
			convCloseTo(t, "output", y, c.Output)
			y.BackwardWith(c.GradOutput.tensor())
			convCloseTo(t, "grad input", x.Grad(), c.GradInput)
			convCloseTo(t, "grad weight", weight.Grad(), c.GradWeight)
			if bias != nil {
				convCloseTo(t, "grad bias", bias.Grad(), c.GradBias)
			}
		})
	}
}

func TestPoolMatchesTorch(t *testing.T) {
	for _, c := range loadConvFixtures(t).Pools {
		t.Run(c.Name, func(t *testing.T) {
			var m nn.Module
			var opts []nn.PoolOption
			for key, v := range c.Opts {
				switch n, _ := v.(float64); key {
				case "stride":
					opts = append(opts, nn.PoolStride(int(n)))
				case "padding":
					opts = append(opts, nn.PoolPadding(int(n)))
				case "dilation":
					opts = append(opts, nn.PoolDilation(int(n)))
				case "divisor_override":
					opts = append(opts, nn.DivisorOverride(int(n)))
				case "ceil_mode":
					if v == true {
						opts = append(opts, nn.CeilMode())
					}
				case "count_include_pad":
					if v == false {
						opts = append(opts, nn.ExcludePad())
					}
				default:
					t.Fatalf("unknown pool option %q", key)
				}
			}
			k, k2 := pair(c.Kernel)
			switch c.Type {
			case "MaxPool2d":
				m = nn.NewMaxPool2d(k, opts...)
			case "MaxPool1d":
				m = nn.NewMaxPool1d(k, opts...)
			case "AvgPool2d":
				m = nn.NewAvgPool2d(k, opts...)
			case "AdaptiveAvgPool2d":
				m = nn.NewAdaptiveAvgPool2d(k, k2)
			default:
				t.Fatalf("unknown pool %q", c.Type)
			}
			if got := nn.Summary(m); got != c.Str {
				t.Errorf("Summary = %q, want %q", got, c.Str)
			}
			x := c.Input.tensor().SetRequiresGrad(true)
			y := m.Forward(x)
			convCloseTo(t, "output", y, c.Output)
			y.BackwardWith(c.GradOutput.tensor())
			convCloseTo(t, "grad input", x.Grad(), c.GradInput)
		})
	}
}

// mnistCNN is the CNN of the MNIST example.
func mnistCNN() *nn.Sequential {
	return nn.NewSequential(
		nn.NewConv2d(1, 32, 3, nn.Padding(1)), nn.ReLU{}, nn.NewMaxPool2d(2),
		nn.NewConv2d(32, 64, 3, nn.Padding(1)), nn.ReLU{}, nn.NewMaxPool2d(2),
		nn.NewFlatten(), nn.NewLinear(3136, 128), nn.ReLU{}, nn.NewLinear(128, 10))
}

func TestCNNSummaryAndNames(t *testing.T) {
	f := loadConvFixtures(t)
	m := mnistCNN()
	if got := nn.Summary(m); got != f.CNN.Str {
		t.Errorf("Summary:\n%s\nwant\n%s", got, f.CNN.Str)
	}
	var names []string
	for _, p := range nn.NamedParameters(m) {
		names = append(names, p.Name)
	}
	if len(names) != len(f.CNN.Names) {
		t.Fatalf("names %v, want %v", names, f.CNN.Names)
	}
	for i := range names {
		if names[i] != f.CNN.Names[i] {
			t.Errorf("name %d = %q, want %q", i, names[i], f.CNN.Names[i])
		}
	}
	if total, _ := nn.NumParameters(m); total != f.CNN.Count {
		t.Errorf("NumParameters = %d, want %d", total, f.CNN.Count)
	}
	x := tensor.NewGenerator(1).Randn(2, 1, 28, 28)
	if s := m.Forward(x).Shape(); !slices.Equal(s, []int{2, 10}) {
		t.Errorf("output shape %v", s)
	}
}

func TestCNNSaveLoad(t *testing.T) {
	tensor.ManualSeed(11)
	a := mnistCNN()
	path := filepath.Join(t.TempDir(), "cnn.safetensors")
	if err := nn.Save(a, path); err != nil {
		t.Fatal(err)
	}
	b := mnistCNN() // other random weights
	if err := nn.Load(b, path); err != nil {
		t.Fatal(err)
	}
	x := tensor.NewGenerator(2).Randn(3, 1, 28, 28)
	ya, yb := a.Forward(x).Data(), b.Forward(x).Data()
	for i := range ya {
		if ya[i] != yb[i] {
			t.Fatalf("output %d after load = %v, want %v", i, yb[i], ya[i])
		}
	}
}

// TestConvInitBounds checks PyTorch's default init: weight and bias
// uniform in ±1/√fan_in, fan_in = in/groups·kH·kW.
func TestConvInitBounds(t *testing.T) {
	g := tensor.NewGenerator(4)
	for _, c := range []struct {
		m     *nn.Conv2d
		fanIn int
	}{
		{nn.NewConv2d(16, 32, 3, nn.ConvGenerator(g)), 144},
		{nn.NewConv2d(8, 16, 5, nn.Groups(4), nn.ConvGenerator(g)), 50},
		{&nn.NewConv1d(6, 64, 4, nn.ConvGenerator(g)).Conv2d, 24},
	} {
		bound := 1 / math.Sqrt(float64(c.fanIn))
		for name, p := range map[string]*tensor.Tensor{"weight": c.m.Weight, "bias": c.m.Bias} {
			d := p.Data()
			mx, sum, sq := 0.0, 0.0, 0.0
			for _, v := range d {
				mx = max(mx, math.Abs(float64(v)))
				sum += float64(v)
				sq += float64(v) * float64(v)
			}
			n := float64(len(d))
			if mx > bound || mx < 0.8*bound {
				t.Errorf("%s %v: max |v| = %v, want just below %v", name, p.Shape(), mx, bound)
			}
			if std := math.Sqrt(sq / n); n > 1000 && math.Abs(std-bound/math.Sqrt(3)) > 0.05*bound {
				t.Errorf("%s %v: rms %v, want %v", name, p.Shape(), std, bound/math.Sqrt(3))
			}
			if mean := sum / n; n > 1000 && math.Abs(mean) > 0.05*bound {
				t.Errorf("%s %v: mean %v", name, p.Shape(), mean)
			}
		}
	}
}

// TestPoolZeroValues checks that a pool's zero fields mean PyTorch's
// defaults, in Forward and in printing.
func TestPoolZeroValues(t *testing.T) {
	x := tensor.NewGenerator(3).Randn(1, 2, 6, 6)
	a, b := (&nn.MaxPool2d{Kernel: 2}), nn.NewMaxPool2d(2)
	if nn.Summary(a) != nn.Summary(b) {
		t.Errorf("MaxPool2d{Kernel: 2} prints %q, want %q", nn.Summary(a), nn.Summary(b))
	}
	ya, yb := a.Forward(x).Data(), b.Forward(x).Data()
	for i := range yb {
		if ya[i] != yb[i] {
			t.Fatalf("MaxPool2d{Kernel: 2} output %d = %v, want %v", i, ya[i], yb[i])
		}
	}
	if s := nn.Summary(&nn.AvgPool2d{Kernel: 3}); s != "AvgPool2d(kernel_size=3, stride=3, padding=0)" {
		t.Errorf("AvgPool2d{Kernel: 3} prints %q", s)
	}
}

func TestConv1dNames(t *testing.T) {
	var names []string
	for _, p := range nn.NamedParameters(nn.NewConv1d(2, 3, 3)) {
		names = append(names, fmt.Sprint(p.Name, p.Tensor.Shape()))
	}
	if len(names) != 2 || names[0] != "weight[3 2 3]" || names[1] != "bias[3]" {
		t.Errorf("Conv1d parameters %v, want [weight[3 2 3] bias[3]]", names)
	}
}
