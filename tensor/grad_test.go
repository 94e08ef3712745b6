package tensor_test

import (
	"fmt"
	"testing"

	"github.com/nervelab/nerve/internal/gradcheck"
	"github.com/nervelab/nerve/tensor"
)

// gen makes a test input of a shape.
type gen func(g *tensor.Generator, shape []int) *tensor.Tensor

// awayFromZero: uniform in ±[0.2, 2], so kinks at 0 are never crossed.
func awayFromZero(g *tensor.Generator, shape []int) *tensor.Tensor {
	n := 1
	for _, s := range shape {
		n *= s
	}
	d := make([]float32, n)
	for i := range d {
		v := 0.2 + 1.8*g.Float32()
		if g.Float32() < 0.5 {
			v = -v
		}
		d[i] = v
	}
	return tensor.New(d, shape...)
}

func positive(g *tensor.Generator, shape []int) *tensor.Tensor {
	return g.Uniform(0.5, 2, shape...)
}

// distinct: a shuffled ramp with steps of 0.1, so no two values are within
// the finite-difference step of each other (for max/min and their ties).
func distinct(g *tensor.Generator, shape []int) *tensor.Tensor {
	n := 1
	for _, s := range shape {
		n *= s
	}
	d := make([]float32, n)
	for i, p := range g.Perm(n) {
		d[i] = float32(p)*0.1 - float32(n)*0.05
	}
	return tensor.New(d, shape...)
}

type gradCase struct {
	name   string
	shapes [][]int // one per input
	gen    gen     // nil: awayFromZero
	fn     func(xs []*tensor.Tensor) *tensor.Tensor
	noGrad []int // inputs that are not differentiated (indices, conditions)
}

func un(name string, f func(x *tensor.Tensor) *tensor.Tensor, g gen) gradCase {
	return gradCase{name: name, shapes: [][]int{{3, 4}}, gen: g,
		fn: func(xs []*tensor.Tensor) *tensor.Tensor { return f(xs[0]) }}
}

func bin(name string, f func(a, b *tensor.Tensor) *tensor.Tensor, g gen) []gradCase {
	fn := func(xs []*tensor.Tensor) *tensor.Tensor { return f(xs[0], xs[1]) }
	return []gradCase{
		{name: name, shapes: [][]int{{3, 4}, {3, 4}}, gen: g, fn: fn},
		{name: name + "/broadcast", shapes: [][]int{{2, 3, 4}, {3, 1}}, gen: g, fn: fn},
		{name: name + "/broadcast2", shapes: [][]int{{3, 1}, {1, 4}}, gen: g, fn: fn},
		{name: name + "/scalar", shapes: [][]int{{3, 4}, {}}, gen: g, fn: fn},
	}
}

func gradCases() []gradCase {
	cs := []gradCase{
		un("Neg", (*tensor.Tensor).Neg, nil),
		un("Exp", (*tensor.Tensor).Exp, nil),
		un("Log", (*tensor.Tensor).Log, positive),
		un("Sqrt", (*tensor.Tensor).Sqrt, positive),
		un("Abs", (*tensor.Tensor).Abs, nil),
		un("Square", (*tensor.Tensor).Square, nil),
		un("Reciprocal", (*tensor.Tensor).Reciprocal, nil),
		un("AddScalar", func(x *tensor.Tensor) *tensor.Tensor { return x.AddScalar(1.5) }, nil),
		un("SubScalar", func(x *tensor.Tensor) *tensor.Tensor { return x.SubScalar(1.5) }, nil),
		un("MulScalar", func(x *tensor.Tensor) *tensor.Tensor { return x.MulScalar(-2.5) }, nil),
		un("DivScalar", func(x *tensor.Tensor) *tensor.Tensor { return x.DivScalar(4) }, nil),
		un("PowScalar", func(x *tensor.Tensor) *tensor.Tensor { return x.PowScalar(2.5) }, positive),
		un("PowScalarInt", func(x *tensor.Tensor) *tensor.Tensor { return x.PowScalar(3) }, nil),
		un("Clamp", func(x *tensor.Tensor) *tensor.Tensor { return x.Clamp(-1.1, 0.9) }, distinct),
		un("ReLU", (*tensor.Tensor).ReLU, nil),
		un("LeakyReLU", func(x *tensor.Tensor) *tensor.Tensor { return x.LeakyReLU(0.1) }, nil),
		un("ELU", func(x *tensor.Tensor) *tensor.Tensor { return x.ELU(1) }, nil),
		un("GELU", (*tensor.Tensor).GELU, nil),
		un("SiLU", (*tensor.Tensor).SiLU, nil),
		un("Sigmoid", (*tensor.Tensor).Sigmoid, nil),
		un("Tanh", (*tensor.Tensor).Tanh, nil),
		un("Softplus", func(x *tensor.Tensor) *tensor.Tensor { return x.Softplus(1, 20) }, nil),
		un("SoftplusBeta", func(x *tensor.Tensor) *tensor.Tensor { return x.Softplus(2, 5) }, nil),
		un("Softmax0", func(x *tensor.Tensor) *tensor.Tensor { return x.Softmax(0) }, nil),
		un("Softmax1", func(x *tensor.Tensor) *tensor.Tensor { return x.Softmax(-1) }, nil),
		un("LogSoftmax0", func(x *tensor.Tensor) *tensor.Tensor { return x.LogSoftmax(0) }, nil),
		un("LogSoftmax1", func(x *tensor.Tensor) *tensor.Tensor { return x.LogSoftmax(1) }, nil),
		un("Sum", func(x *tensor.Tensor) *tensor.Tensor { return x.Sum() }, nil),
		un("Sum1", func(x *tensor.Tensor) *tensor.Tensor { return x.Sum(1) }, nil),
		un("SumKeep0", func(x *tensor.Tensor) *tensor.Tensor { return x.SumKeepDim(0) }, nil),
		un("Mean", func(x *tensor.Tensor) *tensor.Tensor { return x.Mean() }, nil),
		un("Mean0", func(x *tensor.Tensor) *tensor.Tensor { return x.Mean(0) }, nil),
		un("Max", func(x *tensor.Tensor) *tensor.Tensor { return x.Max() }, distinct),
		un("Max1", func(x *tensor.Tensor) *tensor.Tensor { return x.Max(1) }, distinct),
		un("MinKeep0", func(x *tensor.Tensor) *tensor.Tensor { return x.MinKeepDim(0) }, distinct),
		un("LogSumExp", func(x *tensor.Tensor) *tensor.Tensor { return x.LogSumExp() }, nil),
		un("LogSumExp1", func(x *tensor.Tensor) *tensor.Tensor { return x.LogSumExp(1) }, nil),
		un("Var", func(x *tensor.Tensor) *tensor.Tensor { return x.Var(true) }, nil),
		un("Var0Biased", func(x *tensor.Tensor) *tensor.Tensor { return x.VarKeepDim(false, 0) }, nil),
		un("Std1", func(x *tensor.Tensor) *tensor.Tensor { return x.Std(true, 1) }, nil),
		un("Reshape", func(x *tensor.Tensor) *tensor.Tensor { return x.Reshape(2, -1).Mul(x.Reshape(2, 6)) }, nil),
		un("View", func(x *tensor.Tensor) *tensor.Tensor { return x.Contiguous().View(-1).Square() }, nil),
		un("Flatten", func(x *tensor.Tensor) *tensor.Tensor { return x.Unsqueeze(0).Flatten(1, 2).Square() }, nil),
		un("Transpose", func(x *tensor.Tensor) *tensor.Tensor { return x.Transpose(0, 1).Square() }, nil),
		un("T", func(x *tensor.Tensor) *tensor.Tensor { return x.T().Exp() }, nil),
		un("Permute", func(x *tensor.Tensor) *tensor.Tensor { return x.Unsqueeze(1).Permute(2, 0, 1).Square() }, nil),
		un("Squeeze", func(x *tensor.Tensor) *tensor.Tensor { return x.Unsqueeze(0).Squeeze(0).Square() }, nil),
		un("Narrow", func(x *tensor.Tensor) *tensor.Tensor { return x.Narrow(1, 1, 2).Square() }, nil),
		un("Slice", func(x *tensor.Tensor) *tensor.Tensor { return x.Slice(0, -2, 10).Square() }, nil),
		un("Expand", func(x *tensor.Tensor) *tensor.Tensor { return x.Narrow(0, 0, 1).Expand(2, 3, -1).Square() }, nil),
		un("Clone", func(x *tensor.Tensor) *tensor.Tensor { return x.Clone().Square() }, nil),
		un("Split", func(x *tensor.Tensor) *tensor.Tensor {
			p := x.Split(3, 1)
			return p[0].Sum(1).Mul(p[1].Sum(1))
		}, nil),
		un("Chunk", func(x *tensor.Tensor) *tensor.Tensor {
			p := x.Chunk(2, 0)
			return p[0].Mul(p[1].Exp())
		}, nil),
		un("IndexSelect", func(x *tensor.Tensor) *tensor.Tensor {
			return x.IndexSelect(1, tensor.FromInt64([]int64{3, 0, 3, 1})).Square()
		}, nil),
		un("Gather", func(x *tensor.Tensor) *tensor.Tensor {
			return x.Gather(1, tensor.FromInt64([]int64{0, 3, 2, 2, 1, 0}, 3, 2)).Square()
		}, nil),
		un("GatherNarrowIndex", func(x *tensor.Tensor) *tensor.Tensor {
			return x.Gather(0, tensor.FromInt64([]int64{2, 0, 1, 1, 0}, 1, 5).Narrow(1, 0, 3)).Square()
		}, nil),
		{name: "Cat", shapes: [][]int{{3, 4}, {3, 2}}, fn: func(xs []*tensor.Tensor) *tensor.Tensor {
			return tensor.Cat([]*tensor.Tensor{xs[0], xs[1], xs[0]}, 1).Square()
		}},
		{name: "Stack", shapes: [][]int{{3, 4}, {3, 4}}, fn: func(xs []*tensor.Tensor) *tensor.Tensor {
			return tensor.Stack([]*tensor.Tensor{xs[0], xs[1]}, 1).Square()
		}},
		{name: "Where", shapes: [][]int{{3, 4}, {3, 4}, {4}}, fn: func(xs []*tensor.Tensor) *tensor.Tensor {
			return tensor.Where(xs[0].GtScalar(0), xs[1], xs[2])
		}, noGrad: []int{0}},
		{name: "MatMul/2x2", shapes: [][]int{{3, 4}, {4, 5}}, fn: mm},
		{name: "MatMul/1x1", shapes: [][]int{{4}, {4}}, fn: mm},
		{name: "MatMul/1x2", shapes: [][]int{{4}, {4, 3}}, fn: mm},
		{name: "MatMul/2x1", shapes: [][]int{{3, 4}, {4}}, fn: mm},
		{name: "MatMul/3x3", shapes: [][]int{{2, 3, 4}, {2, 4, 5}}, fn: mm},
		{name: "MatMul/3x2", shapes: [][]int{{2, 3, 4}, {4, 5}}, fn: mm},
		{name: "MatMul/2x3", shapes: [][]int{{3, 4}, {2, 4, 5}}, fn: mm},
		{name: "MatMul/4dBroadcast", shapes: [][]int{{2, 1, 3, 4}, {1, 3, 4, 2}}, fn: mm},
		{name: "Linear/2d", shapes: [][]int{{3, 4}, {5, 4}, {5}}, fn: func(xs []*tensor.Tensor) *tensor.Tensor {
			return tensor.Linear(xs[0], xs[1], xs[2])
		}},
		{name: "Linear/3d", shapes: [][]int{{2, 3, 4}, {5, 4}, {5}}, fn: func(xs []*tensor.Tensor) *tensor.Tensor {
			return tensor.Linear(xs[0], xs[1], xs[2])
		}},
		{name: "Linear/1dNoBias", shapes: [][]int{{4}, {2, 4}}, fn: func(xs []*tensor.Tensor) *tensor.Tensor {
			return tensor.Linear(xs[0], xs[1], nil)
		}},
		// Per-row losses weighted (a gradient of stride 1), summed (stride
		// 0), and with an ignored row (-100).
		{name: "SoftmaxCrossEntropy/rows", shapes: [][]int{{4, 5}}, fn: func(xs []*tensor.Tensor) *tensor.Tensor {
			l, _, _ := tensor.SoftmaxCrossEntropy(xs[0], tensor.FromInt64([]int64{0, 4, -100, 2}, 4), -100)
			return l.Mul(tensor.New([]float32{1, -2, 3, 0.5}, 4))
		}},
		{name: "SoftmaxCrossEntropy/sum", shapes: [][]int{{3, 6}}, fn: func(xs []*tensor.Tensor) *tensor.Tensor {
			l, _, _ := tensor.SoftmaxCrossEntropy(xs[0], tensor.FromInt64([]int64{5, 0, 3}, 3), -100)
			return l.Sum()
		}},
	}
	cs = append(cs, bin("Add", (*tensor.Tensor).Add, nil)...)
	cs = append(cs, bin("Sub", (*tensor.Tensor).Sub, nil)...)
	cs = append(cs, bin("Mul", (*tensor.Tensor).Mul, nil)...)
	cs = append(cs, bin("Div", (*tensor.Tensor).Div, nil)...)
	cs = append(cs, bin("Pow", (*tensor.Tensor).Pow, positive)...)
	cs = append(cs, bin("Maximum", (*tensor.Tensor).Maximum, distinct)...)
	cs = append(cs, bin("Minimum", (*tensor.Tensor).Minimum, distinct)...)
	return cs
}

func mm(xs []*tensor.Tensor) *tensor.Tensor { return xs[0].MatMul(xs[1]) }

// layouts builds the inputs of a case in three memory layouts with the same
// logical values: contiguous, transposed (a ≥2-D input stored with its last
// two dims swapped and viewed back) and sliced (a narrow view of a wider
// tensor). prep turns the leaves into the views fn sees.
type layout struct {
	name  string
	leaf  func(x *tensor.Tensor) *tensor.Tensor // stored form of the logical input
	prep  func(leaf *tensor.Tensor) *tensor.Tensor
	needs int // minimum rank
}

var layouts = []layout{
	{name: "contiguous", leaf: id, prep: id},
	{name: "transposed", needs: 2,
		leaf: func(x *tensor.Tensor) *tensor.Tensor { return x.Transpose(-1, -2).Contiguous() },
		prep: func(l *tensor.Tensor) *tensor.Tensor { return l.Transpose(-1, -2) }},
	{name: "sliced", needs: 1,
		leaf: func(x *tensor.Tensor) *tensor.Tensor {
			pad := tensor.Zeros(append(x.Shape()[:x.Dim()-1], 2)...)
			return tensor.Cat([]*tensor.Tensor{pad, x, pad}, -1)
		},
		prep: func(l *tensor.Tensor) *tensor.Tensor { return l.Narrow(-1, 2, l.Size(-1)-4) }},
}

func id(x *tensor.Tensor) *tensor.Tensor { return x }

func TestGradients(t *testing.T) {
	for _, c := range gradCases() {
		for _, lay := range layouts {
			name := c.name + "/" + lay.name
			t.Run(name, func(t *testing.T) {
				g := tensor.NewGenerator(42)
				mk := c.gen
				if mk == nil {
					mk = awayFromZero
				}
				var leaves []*tensor.Tensor
				applies := false
				for i, s := range c.shapes {
					x := mk(g, s)
					if x.Dim() >= lay.needs && lay.needs > 0 {
						applies = true
					}
					l := x
					if x.Dim() >= lay.needs {
						l = lay.leaf(x)
					}
					if !contains(c.noGrad, i) {
						l.SetRequiresGrad(true)
					}
					leaves = append(leaves, l)
				}
				if lay.needs > 0 && !applies {
					t.Skip("no input of the rank this layout needs")
				}
				fn := func(xs []*tensor.Tensor) *tensor.Tensor {
					vs := make([]*tensor.Tensor, len(xs))
					for i, x := range xs {
						vs[i] = x
						if x.Dim() >= lay.needs {
							vs[i] = lay.prep(x)
						}
					}
					return c.fn(vs)
				}
				gradcheck.Check(t, name, fn, leaves...)
			})
		}
	}
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestGradcheckCatchesWrongGradient makes sure the checker can fail.
func TestGradcheckCatchesWrongGradient(t *testing.T) {
	rec := &recorder{}
	x := tensor.New([]float32{0.5, 1, 2}, 3).SetRequiresGrad(true)
	// x·x computed as a product whose second factor is detached: autograd
	// sees only half the true gradient.
	gradcheck.Check(rec, "wrong", func(xs []*tensor.Tensor) *tensor.Tensor {
		return xs[0].Mul(xs[0].Detach())
	}, x)
	if rec.errors == 0 {
		t.Fatal("gradcheck accepted a gradient that is off by a factor of 2")
	}
}

type recorder struct{ errors int }

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.errors++ }
func (r *recorder) String() string        { return fmt.Sprint(r.errors) }
