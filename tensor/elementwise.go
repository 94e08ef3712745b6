package tensor

import (
	"github.com/nervelab/nerve/internal/device"
)

const (
	addOp = device.Add
	subOp = device.Sub
	mulOp = device.Mul
	divOp = device.Div
	sumOp = device.Sum

	mulScalarOp = device.MulScalar
)

// binaryRaw applies op with broadcasting and records no graph.
func binaryRaw(name string, op device.BinaryOp, a, b *Tensor) *Tensor {
	sameDevice(name, a, b)
	if a.DType() != b.DType() {
		shapePanic(name, a.shape, b.shape, "have different dtypes (%s and %s)", a.DType(), b.DType())
	}
	shape := a.shape
	if !sameShape(a.shape, b.shape) {
		shape = broadcastShapes(name, a.shape, b.shape)
	}
	out := emptyUninit(a.dev, Float32, shape)
	a.dev.Binary(op, out.buf, out.layout(), a.buf, a.broadcastTo(shape).layout(), b.buf, b.broadcastTo(shape).layout())
	return out
}

// binary is binaryRaw for float32 inputs plus the graph node.
func binary(name string, op device.BinaryOp, a, b *Tensor, backward func(g, out *Tensor) (ga, gb *Tensor)) *Tensor {
	a.mustFloat(name)
	b.mustFloat(name)
	out := binaryRaw(name, op, a, b)
	if needsGrad(a, b) {
		record(out, name, []*Tensor{a, b}, func(g *Tensor) []*Tensor {
			ga, gb := backward(g, out)
			return []*Tensor{sumTo(ga, a.shape), sumTo(gb, b.shape)}
		})
	}
	return out
}

// unaryRaw applies op element-wise and records no graph.
func unaryRaw(op device.UnaryOp, alpha, beta float32, x *Tensor) *Tensor {
	x = x.contig()
	out := emptyUninit(x.dev, Float32, x.shape)
	x.dev.Unary(op, alpha, beta, out.buf, 0, x.buf, x.offset, x.Numel())
	return out
}

// unary is unaryRaw plus the graph node whose backward is the device's.
func unary(name string, op device.UnaryOp, alpha, beta float32, x *Tensor) *Tensor {
	x.mustFloat(name)
	out := unaryRaw(op, alpha, beta, x)
	if needsGrad(x) {
		record(out, name, []*Tensor{x}, func(g *Tensor) []*Tensor {
			xd, gd := x.dense(), g.dense()
			dx := emptyUninit(x.dev, Float32, x.shape)
			x.dev.UnaryBackward(op, alpha, beta, dx.buf, gd.buf, xd.buf, out.buf, x.Numel())
			return []*Tensor{dx}
		})
	}
	return out
}

func scalarLike(t *Tensor, v float32) *Tensor {
	s := empty(t.dev, Float32, nil)
	t.dev.Fill(s.buf, 0, 1, float64(v))
	return s
}

// Add returns a + b with broadcasting.
func (a *Tensor) Add(b *Tensor) *Tensor {
	return binary("Add", device.Add, a, b, func(g, _ *Tensor) (*Tensor, *Tensor) { return g, g })
}

// Sub returns a − b with broadcasting.
func (a *Tensor) Sub(b *Tensor) *Tensor {
	return binary("Sub", device.Sub, a, b, func(g, _ *Tensor) (*Tensor, *Tensor) {
		return g, unaryRaw(device.Neg, 0, 0, g)
	})
}

// Mul returns the element-wise product a·b with broadcasting (MatMul is the
// matrix product).
func (a *Tensor) Mul(b *Tensor) *Tensor {
	return binary("Mul", device.Mul, a, b, func(g, _ *Tensor) (*Tensor, *Tensor) {
		return binaryRaw("Mul", mulOp, g, b), binaryRaw("Mul", mulOp, g, a)
	})
}

// Div returns a / b with broadcasting.
func (a *Tensor) Div(b *Tensor) *Tensor {
	return binary("Div", device.Div, a, b, func(g, out *Tensor) (*Tensor, *Tensor) {
		ga := binaryRaw("Div", divOp, g, b)
		return ga, unaryRaw(device.Neg, 0, 0, binaryRaw("Mul", mulOp, ga, out))
	})
}

// Pow returns a raised to b element-wise, with broadcasting.
func (a *Tensor) Pow(b *Tensor) *Tensor {
	return binary("Pow", device.Pow, a, b, func(g, out *Tensor) (*Tensor, *Tensor) {
		// d/da = b·a^(b−1), d/db = a^b·ln a
		bm1 := unaryRaw(device.AddScalar, -1, 0, b)
		ga := binaryRaw("Pow", mulOp, g, binaryRaw("Pow", mulOp, b, binaryRaw("Pow", device.Pow, a, bm1)))
		gb := binaryRaw("Pow", mulOp, g, binaryRaw("Pow", mulOp, out, unaryRaw(device.Log, 0, 0, a)))
		return ga, gb
	})
}

// Maximum returns the element-wise maximum of a and b; on ties the
// gradient is split evenly, as in PyTorch.
func (a *Tensor) Maximum(b *Tensor) *Tensor {
	return binary("Maximum", device.Maximum, a, b, func(g, _ *Tensor) (*Tensor, *Tensor) {
		return splitTies(g, a, b, device.Gt)
	})
}

// Minimum returns the element-wise minimum of a and b; on ties the
// gradient is split evenly, as in PyTorch.
func (a *Tensor) Minimum(b *Tensor) *Tensor {
	return binary("Minimum", device.Minimum, a, b, func(g, _ *Tensor) (*Tensor, *Tensor) {
		return splitTies(g, a, b, device.Lt)
	})
}

// splitTies routes g to a where cmp(a, b), to b where cmp(b, a), and half to
// each where they are equal.
func splitTies(g, a, b *Tensor, cmp device.BinaryOp) (*Tensor, *Tensor) {
	win := binaryRaw("Maximum", cmp, a, b)
	tie := unaryRaw(device.MulScalar, 0.5, 0, binaryRaw("Maximum", device.Eq, a, b))
	ma := binaryRaw("Maximum", addOp, win, tie)
	mb := unaryRaw(device.AddScalar, 1, 0, unaryRaw(device.Neg, 0, 0, ma))
	return binaryRaw("Maximum", mulOp, g, ma), binaryRaw("Maximum", mulOp, g, mb)
}

// AddScalar returns a + s.
func (a *Tensor) AddScalar(s float32) *Tensor { return unary("AddScalar", device.AddScalar, s, 0, a) }

// SubScalar returns a − s.
func (a *Tensor) SubScalar(s float32) *Tensor { return unary("SubScalar", device.AddScalar, -s, 0, a) }

// MulScalar returns a·s.
func (a *Tensor) MulScalar(s float32) *Tensor { return unary("MulScalar", device.MulScalar, s, 0, a) }

// DivScalar returns a / s.
func (a *Tensor) DivScalar(s float32) *Tensor { return a.MulScalar(1 / s) }

// PowScalar returns a raised to the power s.
func (a *Tensor) PowScalar(s float32) *Tensor { return unary("PowScalar", device.PowScalar, s, 0, a) }

// Neg returns −a.
func (a *Tensor) Neg() *Tensor { return unary("Neg", device.Neg, 0, 0, a) }

// Exp returns eᵃ.
func (a *Tensor) Exp() *Tensor { return unary("Exp", device.Exp, 0, 0, a) }

// Log returns the natural logarithm of a.
func (a *Tensor) Log() *Tensor { return unary("Log", device.Log, 0, 0, a) }

// Sqrt returns √a.
func (a *Tensor) Sqrt() *Tensor { return unary("Sqrt", device.Sqrt, 0, 0, a) }

// Abs returns |a|; its gradient at 0 is 0, as in PyTorch.
func (a *Tensor) Abs() *Tensor { return unary("Abs", device.Abs, 0, 0, a) }

// Square returns a².
func (a *Tensor) Square() *Tensor { return unary("Square", device.Square, 0, 0, a) }

// Reciprocal returns 1/a.
func (a *Tensor) Reciprocal() *Tensor { return unary("Reciprocal", device.Reciprocal, 0, 0, a) }

// Sign returns −1, 0 or 1 by the sign of a; it has zero gradient.
func (a *Tensor) Sign() *Tensor { return unary("Sign", device.Sign, 0, 0, a) }

// Clamp limits a to [lo, hi]; the gradient passes where lo ≤ a ≤ hi.
func (a *Tensor) Clamp(lo, hi float32) *Tensor { return unary("Clamp", device.Clamp, lo, hi, a) }

// comparison returns a 0/1 float32 tensor; it has no gradient.
func comparison(name string, op device.BinaryOp, a, b *Tensor) *Tensor {
	return binaryRaw(name, op, a, b)
}

// Eq returns 1 where a == b and 0 elsewhere (float32), with broadcasting.
// Both inputs must have the same dtype; int64 tensors compare exactly.
func (a *Tensor) Eq(b *Tensor) *Tensor { return comparison("Eq", device.Eq, a, b) }

// Ne returns 1 where a ≠ b.
func (a *Tensor) Ne(b *Tensor) *Tensor { return comparison("Ne", device.Ne, a, b) }

// Gt returns 1 where a > b.
func (a *Tensor) Gt(b *Tensor) *Tensor { return comparison("Gt", device.Gt, a, b) }

// Ge returns 1 where a ≥ b.
func (a *Tensor) Ge(b *Tensor) *Tensor { return comparison("Ge", device.Ge, a, b) }

// Lt returns 1 where a < b.
func (a *Tensor) Lt(b *Tensor) *Tensor { return comparison("Lt", device.Lt, a, b) }

// Le returns 1 where a ≤ b.
func (a *Tensor) Le(b *Tensor) *Tensor { return comparison("Le", device.Le, a, b) }

// EqScalar returns 1 where a == s.
func (a *Tensor) EqScalar(s float32) *Tensor { return a.Float().Eq(scalarLike(a, s)) }

// GtScalar returns 1 where a > s.
func (a *Tensor) GtScalar(s float32) *Tensor { return a.Float().Gt(scalarLike(a, s)) }

// LtScalar returns 1 where a < s.
func (a *Tensor) LtScalar(s float32) *Tensor { return a.Float().Lt(scalarLike(a, s)) }

// Where returns a where cond is non-zero and b elsewhere, broadcasting all
// three. cond may be float32 or int64; gradients flow to a and b.
func Where(cond, a, b *Tensor) *Tensor {
	a.mustFloat("Where")
	b.mustFloat("Where")
	sameDevice("Where", cond, a, b)
	shape := broadcastShapes("Where", broadcastShapes("Where", cond.shape, a.shape), b.shape)
	c := cond.Float()
	out := empty(a.dev, Float32, shape)
	a.dev.Where(out.buf, out.layout(), c.buf, c.broadcastTo(shape).layout(),
		a.buf, a.broadcastTo(shape).layout(), b.buf, b.broadcastTo(shape).layout())
	if needsGrad(a, b) {
		record(out, "Where", []*Tensor{a, b}, func(g *Tensor) []*Tensor {
			z := scalarLike(g, 0)
			zg := z.broadcastTo(shape)
			ga := empty(g.dev, Float32, shape)
			gb := empty(g.dev, Float32, shape)
			cl := c.broadcastTo(shape).layout()
			g.dev.Where(ga.buf, ga.layout(), c.buf, cl, g.buf, g.layout(), z.buf, zg.layout())
			g.dev.Where(gb.buf, gb.layout(), c.buf, cl, z.buf, zg.layout(), g.buf, g.layout())
			return []*Tensor{sumTo(ga, a.shape), sumTo(gb, b.shape)}
		})
	}
	return out
}
