package nn_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/tensor"
)

// sample holds the values of draws of an initialiser, in float64.
type sample []float64

func (s sample) stats() (maxAbs, mean, std float64) {
	for _, x := range s {
		maxAbs = math.Max(maxAbs, math.Abs(x))
		mean += x
	}
	mean /= float64(len(s))
	for _, x := range s {
		std += (x - mean) * (x - mean)
	}
	return maxAbs, mean, math.Sqrt(std / float64(len(s)-1))
}

// draw runs init on a tensor of the given shape n times and returns every
// value drawn, as gen_nn.py measures PyTorch's initialisers.
func draw(shape []int, n int, init func(w *tensor.Tensor)) sample {
	w := tensor.Zeros(shape...)
	var s sample
	for range n {
		init(w)
		for _, v := range w.Data() {
			s = append(s, float64(v))
		}
	}
	return s
}

// checkDrawn compares nerve's draws with PyTorch's bound or std (d.Bound
// for a uniform initialiser, d.Std for a normal one) and with what
// PyTorch's own initialiser drew.
func checkDrawn(t *testing.T, what string, s sample, d drawn) {
	t.Helper()
	maxAbs, mean, std := s.stats()
	want := d.Std
	if d.Bound != 0 {
		if d.SampleMaxAbs > d.Bound*(1+1e-6) {
			t.Fatalf("%s: fixture: PyTorch drew %v beyond its bound %v", what, d.SampleMaxAbs, d.Bound)
		}
		if maxAbs > d.Bound*(1+1e-6) || maxAbs < 0.98*d.Bound {
			t.Errorf("%s: max |x| %v, PyTorch's bound %v (PyTorch drew up to %v)", what, maxAbs, d.Bound, d.SampleMaxAbs)
		}
		want = d.Bound / math.Sqrt(3) // the std of U(−b, b)
	}
	if math.Abs(std/want-1) > 0.03 || math.Abs(std/d.SampleStd-1) > 0.05 {
		t.Errorf("%s: std %v, PyTorch's formula %v, PyTorch drew %v", what, std, want, d.SampleStd)
	}
	if se := want / math.Sqrt(float64(len(s))); math.Abs(mean) > 5*se || math.Abs(d.SampleMean) > 5*se {
		t.Errorf("%s: mean %v (PyTorch drew %v), want 0 ± %v", what, mean, d.SampleMean, 5*se)
	}
}

func TestCalculateGainMatchesPyTorch(t *testing.T) {
	f := loadFixture(t)
	if len(f.Gains) < 14 {
		t.Fatalf("fixture has %d gains", len(f.Gains))
	}
	for _, c := range f.Gains {
		var param []float64
		if c.Param != nil {
			param = append(param, *c.Param)
		}
		if got := nn.CalculateGain(c.Nonlinearity, param...); math.Abs(got-c.Gain) > 1e-12 {
			t.Errorf("CalculateGain(%q, %v) = %v, PyTorch %v", c.Nonlinearity, param, got, c.Gain)
		}
	}
	if err := tensor.Catch(func() { nn.CalculateGain("swish") }); err == nil {
		t.Error("CalculateGain of an unknown nonlinearity did not panic")
	}
}

func TestInitsMatchPyTorch(t *testing.T) {
	f := loadFixture(t)
	if len(f.Inits) < 20 {
		t.Fatalf("fixture has %d init cases", len(f.Inits))
	}
	const draws = 40 // as gen_nn.py
	g := tensor.NewGenerator(11)
	for _, c := range f.Inits {
		name := fmt.Sprintf("%v %s(%v)", c.Shape, c.Nonlinearity, c.Param)
		in, out := nn.Fans(tensor.Zeros(c.Shape...))
		if in != c.FanIn || out != c.FanOut {
			t.Fatalf("%v: fans %d, %d; PyTorch %d, %d", c.Shape, in, out, c.FanIn, c.FanOut)
		}
		var a []float64
		if c.Param != nil {
			a = append(a, *c.Param)
		}
		gain := nn.CalculateGain(c.Nonlinearity, a...)
		checkDrawn(t, "XavierUniform "+name, draw(c.Shape, draws, func(w *tensor.Tensor) { nn.XavierUniform(w, gain, g) }), c.XavierUniform)
		checkDrawn(t, "XavierNormal "+name, draw(c.Shape, draws, func(w *tensor.Tensor) { nn.XavierNormal(w, gain, g) }), c.XavierNormal)
		if c.Nonlinearity == "selu" {
			continue // PyTorch's kaiming_* are not recorded for selu
		}
		slope := 0.0
		if c.Param != nil {
			slope = *c.Param
		}
		for _, k := range []struct {
			what   string
			mode   nn.FanMode
			normal bool
			want   *drawn
		}{
			{"KaimingUniform fan_in", nn.FanIn, false, c.KaimingUniformFanIn},
			{"KaimingUniform fan_out", nn.FanOut, false, c.KaimingUniformFanOut},
			{"KaimingNormal fan_in", nn.FanIn, true, c.KaimingNormalFanIn},
			{"KaimingNormal fan_out", nn.FanOut, true, c.KaimingNormalFanOut},
		} {
			if k.want == nil {
				t.Fatalf("fixture lacks %s for %s", k.what, name)
			}
			s := draw(c.Shape, draws, func(w *tensor.Tensor) {
				if k.normal {
					nn.KaimingNormal(w, slope, k.mode, c.Nonlinearity, g)
				} else {
					nn.KaimingUniform(w, slope, k.mode, c.Nonlinearity, g)
				}
			})
			checkDrawn(t, k.what+" "+name, s, *k.want)
		}
	}
}

// TestLinearDefaultInitMatchesPyTorch compares NewLinear's weights and
// biases with what PyTorch's Linear(256, 128) draws.
func TestLinearDefaultInitMatchesPyTorch(t *testing.T) {
	d := loadFixture(t).LinearDefault
	var w, b sample
	for range 20 {
		l := nn.NewLinear(d.In, d.Out)
		for _, v := range l.Weight.Data() {
			w = append(w, float64(v))
		}
		for _, v := range l.Bias.Data() {
			b = append(b, float64(v))
		}
	}
	bound := 1 / math.Sqrt(float64(d.In))
	checkDrawn(t, "Linear.weight", w, drawn{Bound: bound, SampleMaxAbs: d.WeightMaxAbs, SampleStd: d.WeightStd})
	checkDrawn(t, "Linear.bias", b, drawn{Bound: bound, SampleMaxAbs: d.BiasMaxAbs, SampleStd: d.BiasStd})
	// PyTorch's recipe, kaiming_uniform(a=√5), has the same bound.
	s := draw([]int{d.Out, d.In}, 5, func(w *tensor.Tensor) { nn.KaimingUniform(w, math.Sqrt(5), nn.FanIn, "leaky_relu") })
	checkDrawn(t, "KaimingUniform(a=√5)", s, drawn{Bound: bound, SampleMaxAbs: d.WeightMaxAbs, SampleStd: d.WeightStd})
}

func TestOrthogonalMatchesPyTorch(t *testing.T) {
	f := loadFixture(t)
	if len(f.Orthogonal) == 0 {
		t.Fatal("fixture has no orthogonal cases")
	}
	for _, c := range f.Orthogonal {
		w := tensor.Zeros(c.Shape...)
		nn.Orthogonal(w, 2, tensor.NewGenerator(1))
		m := w.Reshape(c.Shape[0], -1)
		for _, side := range []struct {
			name  string
			ortho bool
			prod  *tensor.Tensor
		}{{"W·Wᵀ", c.RowsOrthonormal, m.MatMul(m.T())}, {"Wᵀ·W", c.ColsOrthonormal, m.T().MatMul(m)}} {
			n := side.prod.Size(0)
			isI := true
			for i := range n {
				for j := range n {
					want := 0.0
					if i == j {
						want = 4 // gain²
					}
					isI = isI && math.Abs(float64(side.prod.At(i, j))-want) < 1e-4
				}
			}
			if isI != side.ortho {
				t.Errorf("%v: %s = gain²·I is %v, PyTorch %v:\n%v", c.Shape, side.name, isI, side.ortho, side.prod)
			}
		}
	}
	empty := tensor.Zeros(0, 3)
	nn.Orthogonal(empty, 1) // no panic, nothing to fill
	if err := tensor.Catch(func() { nn.Orthogonal(tensor.Zeros(4), 1) }); err == nil {
		t.Error("Orthogonal of a 1-D tensor did not panic")
	}
}

func TestInitGeneratorsAndDefaults(t *testing.T) {
	a, b := tensor.Zeros(30, 20), tensor.Zeros(30, 20)
	nn.KaimingUniform(a, 0, nn.FanIn, "", tensor.NewGenerator(4)) // "" is leaky_relu
	nn.KaimingUniform(b, 0, nn.FanIn, "leaky_relu", tensor.NewGenerator(4))
	if !sameData(a, b) {
		t.Fatal("the same generator seed gave different values, or \"\" is not leaky_relu")
	}
	tensor.ManualSeed(8)
	nn.XavierNormal(a, 1)
	tensor.ManualSeed(8)
	nn.XavierNormal(b, 1, nil) // nil: the global generator too
	if !sameData(a, b) {
		t.Fatal("ManualSeed does not make the global-generator initialisers reproducible")
	}
	if err := tensor.Catch(func() { nn.Fans(tensor.Zeros(5)) }); err == nil {
		t.Error("Fans of a 1-D tensor did not panic")
	}
}

func TestSimpleInits(t *testing.T) {
	w := tensor.Zeros(100, 100)
	nn.Normal(w, 3, 0.5)
	if _, mean, std := draw([]int{100, 100}, 1, func(x *tensor.Tensor) { x.CopyFrom(w) }).stats(); math.Abs(mean-3) > 0.02 || math.Abs(std-0.5) > 0.02 {
		t.Fatalf("Normal(3, 0.5): mean %v std %v", mean, std)
	}
	nn.Uniform(w, 2, 5)
	if lo, hi := slices.Min(w.Data()), slices.Max(w.Data()); lo < 2 || hi >= 5 || lo > 2.01 || hi < 4.99 {
		t.Fatalf("Uniform(2, 5): values in [%v, %v]", lo, hi)
	}
	for _, c := range []struct {
		fill func(*tensor.Tensor)
		want float32
	}{{func(x *tensor.Tensor) { nn.Constant(x, 0.25) }, 0.25}, {nn.Ones, 1}, {nn.Zeros, 0}} {
		c.fill(w)
		if lo, hi := slices.Min(w.Data()), slices.Max(w.Data()); lo != c.want || hi != c.want {
			t.Fatalf("fill %v: values in [%v, %v]", c.want, lo, hi)
		}
	}
}
