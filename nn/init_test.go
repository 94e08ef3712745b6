package nn_test

import (
	"math"
	"testing"

	"github.com/nervelab/nerve/nn"
	"github.com/nervelab/nerve/tensor"
)

func stats(t *tensor.Tensor) (lo, hi, mean, std float64) {
	d := t.Data()
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range d {
		x := float64(v)
		lo, hi = math.Min(lo, x), math.Max(hi, x)
		mean += x
	}
	mean /= float64(len(d))
	for _, v := range d {
		std += (float64(v) - mean) * (float64(v) - mean)
	}
	return lo, hi, mean, math.Sqrt(std / float64(len(d)))
}

func TestInitMatchesPyTorchFormulas(t *testing.T) {
	f := loadFixture(t)
	g := tensor.NewGenerator(9)
	for _, c := range f.Inits {
		w := tensor.Zeros(c.Shape...)
		in, out := nn.Fans(w)
		if in != c.FanIn || out != c.FanOut {
			t.Fatalf("%v: fans %d,%d, PyTorch %d,%d", c.Shape, in, out, c.FanIn, c.FanOut)
		}
		if gain := nn.CalculateGain(c.Nonlinearity, c.Param); math.Abs(gain-c.Gain) > 1e-12 {
			t.Fatalf("gain(%s) = %v, PyTorch %v", c.Nonlinearity, gain, c.Gain)
		}
		nn.XavierUniform(w, c.Gain, g)
		checkUniform(t, "XavierUniform", w, c.XavierUniformBound)
		a := 0.0
		if c.Param != nil {
			a = *c.Param
		}
		nn.KaimingUniform(w, a, nn.FanIn, c.Nonlinearity, g)
		checkUniform(t, "KaimingUniform", w, c.KaimingUniformFanInBound)
		nn.KaimingNormal(w, a, nn.FanOut, c.Nonlinearity, g)
		if _, _, mean, std := stats(w); math.Abs(mean) > 0.1*c.KaimingNormalFanOutStd || math.Abs(std/c.KaimingNormalFanOutStd-1) > 0.1 {
			t.Fatalf("KaimingNormal %v: mean %v std %v, want std %v", c.Shape, mean, std, c.KaimingNormalFanOutStd)
		}
	}
}

func checkUniform(t *testing.T, name string, w *tensor.Tensor, bound float64) {
	t.Helper()
	lo, hi, _, std := stats(w)
	if lo < -bound || hi > bound {
		t.Fatalf("%s: values in [%v, %v], bound %v", name, lo, hi, bound)
	}
	if math.Abs(std/(bound/math.Sqrt(3))-1) > 0.1 { // uniform(±b) has std b/√3
		t.Fatalf("%s: std %v, want %v", name, std, bound/math.Sqrt(3))
	}
	if hi < 0.9*bound || lo > -0.9*bound {
		t.Fatalf("%s: values in [%v, %v] do not fill ±%v", name, lo, hi, bound)
	}
}

func TestOrthogonal(t *testing.T) {
	for _, shape := range [][]int{{6, 4}, {4, 6}, {3, 2, 2}} {
		w := tensor.Zeros(shape...)
		nn.Orthogonal(w, 2, tensor.NewGenerator(1))
		m := w.Reshape(shape[0], -1)
		var p *tensor.Tensor
		if shape[0] <= m.Size(1) {
			p = m.MatMul(m.T()) // orthonormal rows
		} else {
			p = m.T().MatMul(m) // orthonormal columns
		}
		n := p.Size(0)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				want := 0.0
				if i == j {
					want = 4 // gain²
				}
				if math.Abs(float64(p.At(i, j))-want) > 1e-4 {
					t.Fatalf("%v: (WWᵀ)[%d,%d] = %v, want %v", shape, i, j, p.At(i, j), want)
				}
			}
		}
	}
}

func TestLinearDefaultInitBound(t *testing.T) {
	l := nn.NewLinear(256, 128)
	checkUniform(t, "Linear.weight", l.Weight, 1/math.Sqrt(256))
	// PyTorch's default is kaiming_uniform(a=√5): the same bound.
	w := tensor.Zeros(128, 256)
	nn.KaimingUniform(w, math.Sqrt(5), nn.FanIn, "leaky_relu", nil)
	checkUniform(t, "KaimingUniform(a=√5)", w, 1/math.Sqrt(256))
}

func TestOtherInits(t *testing.T) {
	w := tensor.Zeros(100, 100)
	nn.Normal(w, 3, 0.5, nil)
	if _, _, mean, std := stats(w); math.Abs(mean-3) > 0.02 || math.Abs(std-0.5) > 0.02 {
		t.Fatalf("Normal mean %v std %v", mean, std)
	}
	nn.Constant(w, 0.25)
	if lo, hi, _, _ := stats(w); lo != 0.25 || hi != 0.25 {
		t.Fatal("Constant")
	}
	nn.XavierNormal(w, 1, nil)
	if _, _, _, std := stats(w); math.Abs(std/math.Sqrt(2.0/200)-1) > 0.05 {
		t.Fatalf("XavierNormal std %v", std)
	}
	nn.Ones(w)
	nn.Zeros(w)
	if _, hi, _, _ := stats(w); hi != 0 {
		t.Fatal("Zeros")
	}
}
