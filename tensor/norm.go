package tensor

import "github.com/nervelab/nerve/internal/device"

// Normalize returns (x − mean) / √(var + eps), the mean and the biased
// variance taken over dims (all dims if none) — the core of batch, layer
// and group normalisation. It also returns that mean and variance, with
// the reduced dims kept as size 1 and no graph (for running statistics).
//
// It is one graph node whose backward is the closed form
//
//	dx = (g − mean(g) − y·mean(g·y)) / √(var + eps)
//
// rather than the dozen nodes of Sub, Mul, Mean, Sqrt and Div, which cuts
// the passes over x in a training step by about half. It panics if x is
// not float32, a dim is out of range, or a reduced dim has size 0.
func Normalize(x *Tensor, eps float32, dims ...int) (y, mean, variance *Tensor) {
	x.mustFloat("Normalize")
	ds := normDims("Normalize", dims, x.Dim())
	mustNonEmpty("Normalize", x, ds)
	inv := 1 / float32(numel(x.shape)/max(1, numel(dropDims(x.shape, ds))))
	mean = unaryRaw(mulScalarOp, inv, 0, reduceRaw(device.Sum, x, ds, true))
	xc := binaryRaw("Normalize", subOp, x, mean)
	sq := binaryRaw("Normalize", mulOp, xc, xc)
	variance = unaryRaw(mulScalarOp, inv, 0, reduceRaw(device.Sum, sq, ds, true))
	sq.dev.Free(sq.buf)
	rstd := unaryRaw(device.PowScalar, -0.5, 0, unaryRaw(device.AddScalar, eps, 0, variance))
	y = binaryRaw("Normalize", mulOp, xc, rstd)
	xc.dev.Free(xc.buf)
	if needsGrad(x) {
		record(y, "Normalize", []*Tensor{x}, func(g *Tensor) []*Tensor {
			mg := unaryRaw(mulScalarOp, inv, 0, reduceRaw(device.Sum, g, ds, true))
			mgy := unaryRaw(mulScalarOp, inv, 0, reduceRaw(device.Sum, binaryRaw("Normalize", mulOp, g, y), ds, true))
			d := binaryRaw("Normalize", subOp, g, mg)
			d = binaryRaw("Normalize", subOp, d, binaryRaw("Normalize", mulOp, y, mgy))
			return []*Tensor{binaryRaw("Normalize", mulOp, d, rstd)}
		})
	}
	return y, mean, variance
}
