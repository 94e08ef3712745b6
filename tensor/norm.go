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
// the passes over x in a training step by about half. When dims are the
// last ones (layer and group normalisation) on a device with the
// device.Norms kernels, it is LayerNorm's one pass per row. It panics if
// x is not float32, a dim is out of range, or a reduced dim has size 0.
func Normalize(x *Tensor, eps float32, dims ...int) (y, mean, variance *Tensor) {
	x.mustFloat("Normalize")
	ds := normDims("Normalize", dims, x.Dim())
	mustNonEmpty("Normalize", x, ds)
	if nm, ok := x.dev.(device.Norms); ok && trailing(ds, x.Dim()) && len(ds) > 0 {
		p, stats := normParams(x, numel(x.shape[x.Dim()-len(ds):]), eps, len(ds))
		y = emptyUninit(x.dev, Float32, x.shape)
		nm.LayerNorm(y.buf, p)
		if needsGrad(x) {
			record(y, "Normalize", []*Tensor{x}, func(g *Tensor) []*Tensor {
				return []*Tensor{layerNormGrads(nm, g, p, x, nil, nil)[0]}
			})
		}
		return y, stats[0], stats[1]
	}
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

// trailing reports whether the sorted dims ds are the last len(ds) of n.
func trailing(ds []int, n int) bool {
	for i, d := range ds {
		if d != n-len(ds)+i {
			return false
		}
	}
	return true
}

// LayerNorm is PyTorch's F.layer_norm: it normalises x over its last
// dims, which must be shape, and applies the elementwise affine
// transform (w and b of that shape; nil: none):
//
//	y = (x − E[x]) / √(Var[x] + eps) · w + b
//
// with the mean and biased variance over those dims. It is one graph
// node; on a device with the device.Norms kernels the forward is one pass
// over each row, and the backward one more. It panics with a *ShapeError
// unless x's last dims are shape and w and b have it.
func LayerNorm(x *Tensor, shape []int, w, b *Tensor, eps float32) *Tensor {
	const op = "LayerNorm"
	x.mustFloat(op)
	k := len(shape)
	if len(x.shape) < k || !sameShape(x.shape[len(x.shape)-k:], shape) {
		shapePanic(op, x.shape, shape, "input's last dims must be normalized_shape")
	}
	for _, p := range []*Tensor{w, b} {
		if p != nil {
			p.mustFloat(op)
			if !sameShape(p.shape, shape) {
				shapePanic(op, p.shape, shape, "weight and bias must have normalized_shape")
			}
			sameDevice(op, x, p)
		}
	}
	nm, ok := x.dev.(device.Norms)
	if !ok || numel(shape) == 0 {
		dims := make([]int, k)
		for i := range dims {
			dims[i] = len(x.shape) - k + i
		}
		y, _, _ := Normalize(x, eps, dims...)
		if w != nil {
			y = y.Mul(w)
		}
		if b != nil {
			y = y.Add(b)
		}
		return y
	}
	p, stats := normParams(x, numel(shape), eps, k)
	inputs := []*Tensor{x}
	for _, t := range []*Tensor{w, b} {
		if t != nil {
			tc := t.contig()
			if t == w {
				p.W, p.OffW = tc.buf, tc.offset
			} else {
				p.B, p.OffB = tc.buf, tc.offset
			}
			inputs = append(inputs, t)
		}
	}
	y := emptyUninit(x.dev, Float32, x.shape)
	nm.LayerNorm(y.buf, p)
	free := func() {
		x.dev.Free(stats[0].buf)
		x.dev.Free(stats[1].buf)
	}
	if !needsGrad(inputs...) {
		free()
		return y
	}
	record(y, "NativeLayerNorm", inputs, func(g *Tensor) []*Tensor { // PyTorch's grad_fn name
		gs := layerNormGrads(nm, g, p, x, w, b)
		out := []*Tensor{gs[0]}
		if w != nil {
			out = append(out, gs[1])
		}
		if b != nil {
			out = append(out, gs[2])
		}
		return out
	})
	y.node.release = free
	return y
}

// normParams returns the operands of a normalisation of x over its last k
// dims (cols floats per row) and its mean and variance, shaped as x with
// those dims kept as size 1.
func normParams(x *Tensor, cols int, eps float32, k int) (device.NormParams, [2]*Tensor) {
	xc := x.contig()
	kept := append([]int{}, x.shape...)
	for d := len(kept) - k; d < len(kept); d++ {
		kept[d] = 1
	}
	mean, variance := emptyUninit(x.dev, Float32, kept), emptyUninit(x.dev, Float32, kept)
	rows := 0
	if cols > 0 {
		rows = x.Numel() / cols
	}
	return device.NormParams{Rows: rows, Cols: cols, Eps: eps, X: xc.buf, OffX: xc.offset,
		Mean: mean.buf, Var: variance.buf}, [2]*Tensor{mean, variance}
}

// layerNormGrads returns ∂x, ∂w, ∂b (nil where w or b is nil or does not
// require grad, and ∂x where x does not) for the upstream gradient g.
func layerNormGrads(nm device.Norms, g *Tensor, p device.NormParams, x, w, b *Tensor) [3]*Tensor {
	var out [3]*Tensor
	var bufs [3]device.Buffer
	for i, t := range []*Tensor{x, w, b} {
		if t != nil && t.requiresGrad {
			out[i] = emptyUninit(x.dev, Float32, t.shape)
			bufs[i] = out[i].buf
		}
	}
	gc := g.contig()
	nm.LayerNormBackward(bufs[0], bufs[1], bufs[2], gc.buf, gc.offset, p)
	return out
}

// channelNormMin is the least plane size (the product of x's dims after
// the channel dim) for which BatchNorm uses the device.ChannelNorms
// kernels, which work plane by plane; below it (BatchNorm1d on [N, C])
// the composed ops serve.
const channelNormMin = 16

// BatchNorm is PyTorch's F.batch_norm in training mode: it normalises x
// [N, C, *] per channel over the batch and the trailing dims and applies
// the per-channel affine transform (w and b of [C]; nil: none):
//
//	y = (x − E[x]) / √(Var[x] + eps) · w + b
//
// It also returns the batch mean and biased variance, shaped [1, C, 1, …]
// with no graph, for the running statistics. It is one graph node. It
// panics with a *ShapeError unless x has at least 2 dims and w and b
// have [C].
func BatchNorm(x, w, b *Tensor, eps float32) (y, mean, variance *Tensor) {
	const op = "BatchNorm"
	x.mustFloat(op)
	if x.Dim() < 2 {
		shapePanic(op, x.shape, nil, "expected an input of at least 2 dims [N, C, *]")
	}
	c := x.shape[1]
	for _, p := range []*Tensor{w, b} {
		if p != nil {
			p.mustFloat(op)
			if !sameShape(p.shape, []int{c}) {
				shapePanic(op, p.shape, x.shape, "weight and bias must have one value per channel (%d)", c)
			}
			sameDevice(op, x, p)
		}
	}
	kept := []int{1, c}
	for range x.shape[2:] {
		kept = append(kept, 1)
	}
	l := numel(x.shape[2:])
	cn, ok := x.dev.(device.ChannelNorms)
	if !ok || l < channelNormMin || x.shape[0] == 0 {
		dims := []int{0}
		for d := 2; d < x.Dim(); d++ {
			dims = append(dims, d)
		}
		y, mean, variance = Normalize(x, eps, dims...)
		if w != nil {
			y = y.Mul(w.Reshape(kept...))
		}
		if b != nil {
			y = y.Add(b.Reshape(kept...))
		}
		return y, mean, variance
	}
	xc := x.contig()
	mean, variance = emptyUninit(x.dev, Float32, kept), emptyUninit(x.dev, Float32, kept)
	p := device.ChannelNormParams{N: x.shape[0], C: c, L: l, Eps: eps, X: xc.buf, OffX: xc.offset,
		Mean: mean.buf, Var: variance.buf}
	inputs := []*Tensor{x}
	if w != nil {
		wc := w.contig()
		p.W, p.OffW = wc.buf, wc.offset
		inputs = append(inputs, w)
	}
	if b != nil {
		bc := b.contig()
		p.B, p.OffB = bc.buf, bc.offset
		inputs = append(inputs, b)
	}
	y = emptyUninit(x.dev, Float32, x.shape)
	cn.BatchNorm(y.buf, p)
	if needsGrad(inputs...) {
		record(y, "NativeBatchNorm", inputs, func(g *Tensor) []*Tensor { // PyTorch's grad_fn name
			var out [3]*Tensor
			var bufs [3]device.Buffer
			for i, t := range []*Tensor{x, w, b} {
				if t != nil && t.requiresGrad {
					out[i] = emptyUninit(x.dev, Float32, t.shape)
					bufs[i] = out[i].buf
				}
			}
			gc := g.contig()
			cn.BatchNormBackward(bufs[0], bufs[1], bufs[2], gc.buf, gc.offset, p)
			gs := []*Tensor{out[0]}
			if w != nil {
				gs = append(gs, out[1])
			}
			if b != nil {
				gs = append(gs, out[2])
			}
			return gs
		})
	}
	return y, mean, variance
}
