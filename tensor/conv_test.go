package tensor_test

import (
	"slices"
	"testing"

	"github.com/nervelab/nerve/internal/gradcheck"
	"github.com/nervelab/nerve/tensor"
)

// convCase is a gradient check of a convolution or pooling op.
type convCase struct {
	name   string
	shapes [][]int
	gen    gen
	fn     func(xs []*tensor.Tensor) *tensor.Tensor
}

func conv2(stride, pad, dil [2]int, groups int) func(xs []*tensor.Tensor) *tensor.Tensor {
	return func(xs []*tensor.Tensor) *tensor.Tensor {
		var b *tensor.Tensor
		if len(xs) > 2 {
			b = xs[2]
		}
		return tensor.Conv2d(xs[0], xs[1], b, stride, pad, dil, groups)
	}
}

func convCases() []convCase {
	one := [2]int{1, 1}
	return []convCase{
		{name: "Conv2d", shapes: [][]int{{2, 3, 5, 6}, {4, 3, 3, 3}, {4}}, fn: conv2(one, [2]int{}, one, 1)},
		{name: "Conv2d/stride2pad1", shapes: [][]int{{2, 3, 7, 6}, {4, 3, 3, 3}, {4}}, fn: conv2([2]int{2, 2}, one, one, 1)},
		{name: "Conv2d/rect", shapes: [][]int{{1, 2, 6, 7}, {3, 2, 2, 3}, {3}}, fn: conv2([2]int{1, 2}, [2]int{1, 0}, one, 1)},
		{name: "Conv2d/dilation2", shapes: [][]int{{2, 2, 7, 7}, {3, 2, 3, 3}, {3}}, fn: conv2(one, [2]int{2, 2}, [2]int{2, 2}, 1)},
		{name: "Conv2d/groups2", shapes: [][]int{{2, 4, 5, 5}, {6, 2, 3, 3}, {6}}, fn: conv2(one, one, one, 2)},
		{name: "Conv2d/depthwise", shapes: [][]int{{1, 3, 5, 4}, {3, 1, 3, 3}}, fn: conv2([2]int{2, 1}, one, one, 3)},
		{name: "Conv2d/nobias", shapes: [][]int{{2, 3, 4, 4}, {2, 3, 1, 1}}, fn: conv2(one, [2]int{}, one, 1)},
		{name: "Conv2d/bigpad", shapes: [][]int{{1, 1, 3, 3}, {2, 1, 2, 2}, {2}}, fn: conv2([2]int{3, 3}, [2]int{3, 2}, one, 1)},
		{name: "Conv1d", shapes: [][]int{{2, 3, 9}, {4, 3, 3}, {4}}, fn: func(xs []*tensor.Tensor) *tensor.Tensor {
			return tensor.Conv1d(xs[0], xs[1], xs[2], 2, 1, 1, 1)
		}},
		{name: "Conv1d/dil2groups", shapes: [][]int{{2, 4, 9}, {2, 2, 3}}, fn: func(xs []*tensor.Tensor) *tensor.Tensor {
			return tensor.Conv1d(xs[0], xs[1], nil, 1, 2, 2, 2)
		}},
		{name: "MaxPool2d", shapes: [][]int{{2, 3, 6, 6}}, gen: distinct, fn: func(xs []*tensor.Tensor) *tensor.Tensor {
			return tensor.MaxPool2d(xs[0], [2]int{2, 2}, [2]int{}, [2]int{}, [2]int{}, false)
		}},
		{name: "MaxPool2d/overlap-pad-dil", shapes: [][]int{{1, 2, 7, 6}}, gen: distinct, fn: func(xs []*tensor.Tensor) *tensor.Tensor {
			return tensor.MaxPool2d(xs[0], [2]int{3, 2}, [2]int{2, 1}, [2]int{1, 1}, [2]int{2, 1}, false)
		}},
		{name: "MaxPool2d/3d", shapes: [][]int{{2, 5, 5}}, gen: distinct, fn: func(xs []*tensor.Tensor) *tensor.Tensor {
			return tensor.MaxPool2d(xs[0], [2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}, [2]int{}, false)
		}},
		{name: "MaxPool1d", shapes: [][]int{{2, 3, 9}}, gen: distinct, fn: func(xs []*tensor.Tensor) *tensor.Tensor {
			return tensor.MaxPool1d(xs[0], 3, 2, 1, 1, false)
		}},
		{name: "AvgPool2d", shapes: [][]int{{2, 3, 6, 6}}, fn: func(xs []*tensor.Tensor) *tensor.Tensor {
			return tensor.AvgPool2d(xs[0], [2]int{2, 2}, [2]int{}, [2]int{}, false, true, 0)
		}},
		{name: "AvgPool2d/pad", shapes: [][]int{{1, 2, 5, 7}}, fn: func(xs []*tensor.Tensor) *tensor.Tensor {
			return tensor.AvgPool2d(xs[0], [2]int{3, 2}, [2]int{2, 1}, [2]int{1, 1}, false, true, 0)
		}},
		{name: "MaxPool2d/ceil", shapes: [][]int{{1, 2, 8, 7}}, gen: distinct, fn: func(xs []*tensor.Tensor) *tensor.Tensor {
			return tensor.MaxPool2d(xs[0], [2]int{3, 2}, [2]int{2, 2}, [2]int{1, 0}, [2]int{}, true)
		}},
		{name: "AvgPool2d/ceil-exclude-pad", shapes: [][]int{{1, 2, 8, 7}}, fn: func(xs []*tensor.Tensor) *tensor.Tensor {
			return tensor.AvgPool2d(xs[0], [2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}, true, false, 0)
		}},
		{name: "AvgPool2d/ceil-divisor", shapes: [][]int{{1, 2, 7, 7}}, fn: func(xs []*tensor.Tensor) *tensor.Tensor {
			return tensor.AvgPool2d(xs[0], [2]int{2, 2}, [2]int{2, 2}, [2]int{1, 1}, true, true, 3)
		}},
		{name: "AdaptiveAvgPool2d", shapes: [][]int{{2, 2, 7, 5}}, fn: func(xs []*tensor.Tensor) *tensor.Tensor {
			return tensor.AdaptiveAvgPool2d(xs[0], 3, 4)
		}},
	}
}

func TestConvGradients(t *testing.T) {
	for _, c := range convCases() {
		for _, sliced := range []bool{false, true} {
			name := c.name
			if sliced {
				name += "/sliced"
			}
			t.Run(name, func(t *testing.T) {
				g := tensor.NewGenerator(3)
				mk := c.gen
				if mk == nil {
					mk = awayFromZero
				}
				var leaves []*tensor.Tensor
				for _, s := range c.shapes {
					x := mk(g, s)
					if sliced {
						x = layouts[2].leaf(x)
					}
					leaves = append(leaves, x.SetRequiresGrad(true))
				}
				fn := func(xs []*tensor.Tensor) *tensor.Tensor {
					if !sliced {
						return c.fn(xs)
					}
					vs := make([]*tensor.Tensor, len(xs))
					for i, x := range xs {
						vs[i] = layouts[2].prep(x)
					}
					return c.fn(vs)
				}
				gradcheck.Check(t, name, fn, leaves...)
			})
		}
	}
}

// naiveConv2d is the textbook loop, the reference for Conv2d's forward.
func naiveConv2d(x, w, b []float32, xs, ws []int, st, pd, dl [2]int, groups int) ([]float32, []int) {
	n, c, h, wd := xs[0], xs[1], xs[2], xs[3]
	co, cig, kh, kw := ws[0], ws[1], ws[2], ws[3]
	oh := (h+2*pd[0]-dl[0]*(kh-1)-1)/st[0] + 1
	ow := (wd+2*pd[1]-dl[1]*(kw-1)-1)/st[1] + 1
	cog := co / groups
	out := make([]float32, n*co*oh*ow)
	for bi := range n {
		for o := range co {
			gi := o / cog
			for i := range oh {
				for j := range ow {
					var s float64
					if b != nil {
						s = float64(b[o])
					}
					for ci := range cig {
						cin := gi*cig + ci
						for a := range kh {
							for e := range kw {
								ih, iw := i*st[0]-pd[0]+a*dl[0], j*st[1]-pd[1]+e*dl[1]
								if ih < 0 || ih >= h || iw < 0 || iw >= wd {
									continue
								}
								s += float64(x[((bi*c+cin)*h+ih)*wd+iw]) * float64(w[((o*cig+ci)*kh+a)*kw+e])
							}
						}
					}
					out[((bi*co+o)*oh+i)*ow+j] = float32(s)
				}
			}
		}
	}
	return out, []int{n, co, oh, ow}
}

func TestConv2dMatchesNaive(t *testing.T) {
	g := tensor.NewGenerator(5)
	for _, c := range []struct {
		xs, ws     []int
		st, pd, dl [2]int
		groups     int
		bias       bool
	}{
		{[]int{3, 5, 17, 13}, []int{8, 5, 3, 3}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, 1, true},
		{[]int{2, 6, 16, 16}, []int{9, 2, 5, 3}, [2]int{2, 3}, [2]int{2, 1}, [2]int{1, 2}, 3, false},
		{[]int{4, 32, 14, 14}, []int{64, 32, 3, 3}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, 1, true},
	} {
		x, w, b := g.Randn(c.xs...), g.Randn(c.ws...), g.Randn(c.ws[0])
		var bd []float32
		if !c.bias {
			b = nil
		} else {
			bd = b.Data()
		}
		got := tensor.Conv2d(x, w, b, c.st, c.pd, c.dl, c.groups)
		want, shape := naiveConv2d(x.Data(), w.Data(), bd, c.xs, c.ws, c.st, c.pd, c.dl, c.groups)
		if !slices.Equal(got.Shape(), shape) {
			t.Fatalf("%v: shape %v, want %v", c, got.Shape(), shape)
		}
		for i, v := range got.Data() {
			if d := v - want[i]; d > 1e-3 || d < -1e-3 {
				t.Fatalf("%v: element %d = %v, want %v", c, i, v, want[i])
			}
		}
	}
}

func TestConvShapeErrors(t *testing.T) {
	x := tensor.Zeros(1, 4, 5, 5)
	for name, f := range map[string]func(){
		"channels": func() { tensor.Conv2d(x, tensor.Zeros(2, 3, 3, 3), nil, [2]int{1, 1}, [2]int{}, [2]int{1, 1}, 1) },
		"groups":   func() { tensor.Conv2d(x, tensor.Zeros(3, 2, 3, 3), nil, [2]int{1, 1}, [2]int{}, [2]int{1, 1}, 2) },
		"small":    func() { tensor.Conv2d(x, tensor.Zeros(2, 4, 7, 7), nil, [2]int{1, 1}, [2]int{}, [2]int{1, 1}, 1) },
		"bias": func() {
			tensor.Conv2d(x, tensor.Zeros(2, 4, 3, 3), tensor.Zeros(3), [2]int{1, 1}, [2]int{}, [2]int{1, 1}, 1)
		},
		"poolpad": func() { tensor.MaxPool2d(x, [2]int{2, 2}, [2]int{}, [2]int{2, 2}, [2]int{}, false) },
		"rank":    func() { tensor.AvgPool2d(tensor.Zeros(5, 5), [2]int{2, 2}, [2]int{}, [2]int{}, false, true, 0) },
	} {
		if err := tensor.Catch(f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestConv2dRetainGraph runs Backward twice through one Conv2d: the second
// pass, after the first freed the kept columns, unfolds the input again.
func TestConv2dRetainGraph(t *testing.T) {
	g := tensor.NewGenerator(9)
	x := g.Randn(2, 3, 5, 5).SetRequiresGrad(true)
	w := g.Randn(4, 3, 3, 3).SetRequiresGrad(true)
	b := g.Randn(4).SetRequiresGrad(true)
	y := tensor.Conv2d(x, w, b, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, 1).Sum()
	y.Backward(tensor.RetainGraph())
	gx, gw, gb := x.Grad().Clone(), w.Grad().Clone(), b.Grad().Clone()
	x.ZeroGrad()
	w.ZeroGrad()
	b.ZeroGrad()
	y.Backward()
	for name, p := range map[string][2]*tensor.Tensor{"x": {gx, x.Grad()}, "w": {gw, w.Grad()}, "b": {gb, b.Grad()}} {
		a, c := p[0].Data(), p[1].Data()
		for i := range a {
			if a[i] != c[i] {
				t.Fatalf("∂%s[%d]: first backward %v, second %v", name, i, a[i], c[i])
			}
		}
	}
}

// TestMaxPoolRetainGraph runs Backward twice through one MaxPool2d: the
// second pass finds the maxima again after the first freed them.
func TestMaxPoolRetainGraph(t *testing.T) {
	x := distinct(tensor.NewGenerator(2), []int{2, 3, 6, 6}).SetRequiresGrad(true)
	y := tensor.MaxPool2d(x, [2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}, [2]int{}, false).Sum()
	y.Backward(tensor.RetainGraph())
	first := x.Grad().Clone().Data()
	x.ZeroGrad()
	y.Backward()
	for i, v := range x.Grad().Data() {
		if v != first[i] {
			t.Fatalf("∂x[%d]: first backward %v, second %v", i, first[i], v)
		}
	}
}

// TestConv2dInferenceMatchesGraph: a large batch without a graph (60
// images of 8×32×32, spread over the workers) gives the recorded
// forward's values bit for bit.
func TestConv2dInferenceMatchesGraph(t *testing.T) {
	g := tensor.NewGenerator(21)
	x, b := g.Randn(60, 8, 32, 32), g.Randn(16)
	w := g.Randn(16, 8, 3, 3).SetRequiresGrad(true)
	want := tensor.Conv2d(x, w, b, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, 1).Data()
	var got []float32
	tensor.NoGrad(func() {
		got = tensor.Conv2d(x, w, b, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1}, 1).Data()
	})
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("element %d: %v without a graph, %v with one", i, got[i], want[i])
		}
	}
}

// TestMaxPoolInference: without a graph MaxPool2d computes the maxima
// alone; they must equal those computed with a graph, on the 2×2 fast path
// and the general one.
func TestMaxPoolInference(t *testing.T) {
	g := tensor.NewGenerator(9)
	x := g.Randn(3, 5, 12, 10)
	for _, c := range []struct {
		k, s, p, d [2]int
		ceil       bool
	}{
		{k: [2]int{2, 2}, s: [2]int{2, 2}, d: [2]int{1, 1}},
		{k: [2]int{3, 2}, s: [2]int{1, 2}, p: [2]int{1, 1}, d: [2]int{1, 1}},
		{k: [2]int{2, 3}, s: [2]int{2, 1}, d: [2]int{2, 1}},
		{k: [2]int{2, 2}, s: [2]int{2, 2}, d: [2]int{1, 1}, ceil: true}, // 2×2, but the 10 columns' last window hangs over: the general path
	} {
		want := tensor.MaxPool2d(x.Clone().SetRequiresGrad(true), c.k, c.s, c.p, c.d, c.ceil).Data()
		var got []float32
		tensor.NoGrad(func() { got = tensor.MaxPool2d(x, c.k, c.s, c.p, c.d, c.ceil).Data() })
		if !slices.Equal(got, want) {
			t.Errorf("kernel %v stride %v: the maxima differ without a graph", c.k, c.s)
		}
	}
}
