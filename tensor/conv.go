package tensor

import (
	"fmt"

	"github.com/nervelab/nerve/internal/device"
)

// convDevice returns t's device as a device.Conv, or panics naming op.
func convDevice(op string, t *Tensor) device.Conv {
	cv, ok := t.dev.(device.Conv)
	if !ok {
		panic(&ShapeError{Op: op, A: t.Shape(), Why: "is on device " + t.dev.Name() + ", which has no convolution kernels"})
	}
	return cv
}

// convOut is the output length of a sliding window over n inputs.
func convOut(n, k, s, p, d int) int {
	return (n+2*p-d*(k-1)-1)/s + 1
}

// convChunkFloats bounds the columns buffer of an inference convolution
// (16 MB).
const convChunkFloats = 4 << 20

// Conv2d is PyTorch's F.conv2d: the cross-correlation of x [N, Cin, H, W]
// with the filters w [Cout, Cin/groups, kH, kW], plus b [Cout] (or nil),
// giving [N, Cout, Ho, Wo] with Ho = ⌊(H + 2·padding − dilation·(kH−1) −
// 1)/stride⌋ + 1 (likewise Wo). Input channels are split into groups of
// Cin/groups, each convolved with its Cout/groups filters.
//
// It unfolds the batch with im2col into a [Cin·kH·kW, N·Ho·Wo] matrix and
// runs one gemm per group; the backward pass gets ∂w from one gemm with the
// columns (which the forward keeps when w requires grad, and the backward
// frees) and ∂x from one gemm followed by col2im; with groups = 1 the bias
// rides in the gemm as a row of ones under the columns.
//
// It panics with a *ShapeError when the shapes or settings do not fit, or
// when x is on a device without the device.Conv kernels.
func Conv2d(x, w, b *Tensor, stride, padding, dilation [2]int, groups int) *Tensor {
	x.mustFloat("Conv2d")
	w.mustFloat("Conv2d")
	g, n, cout := conv2dGeom(x, w, b, stride, padding, dilation, groups)
	cv := convDevice("Conv2d", x)
	dev := x.dev
	l, kg := g.OH*g.OW, g.C/groups*g.KH*g.KW
	xc, wc := x.contig(), w.contig()
	y := emptyUninit(dev, Float32, []int{n, cout, g.OH, g.OW})
	k := g.C * g.KH * g.KW
	fold := b != nil && groups == 1 // the bias as one more row of the product
	rows, beta := k, float32(0)
	if fold {
		rows++
	} else if b != nil { // the bias first; the gemms accumulate onto it
		dev.Copy(y.buf, y.layout(), b.buf, device.Layout{Shape: y.shape,
			Strides: []int{0, b.strides[0], 0, 0}, Offset: b.offset})
		beta = 1
	}
	a, offA := wc.buf, wc.offset
	if fold { // [w | b] · [cols; 1]
		wb := emptyUninit(dev, Float32, []int{cout, k + 1})
		dev.Copy(wb.buf, device.Layout{Shape: []int{cout, k}, Strides: []int{k + 1, 1}}, wc.buf, device.Contiguous([]int{cout, k}, wc.offset))
		dev.Copy(wb.buf, device.Layout{Shape: []int{cout}, Strides: []int{k + 1}, Offset: k}, b.buf, b.layout())
		defer dev.Free(wb.buf)
		a, offA, kg = wb.buf, 0, k+1
	}
	// The backward's weight gradient reads the columns of the whole batch;
	// without it (inference) they are made a few images at a time, so a
	// large batch needs no columns buffer tens of times its input's size.
	keep := needsGrad(x, w, b) && w.requiresGrad
	chunk := n
	if !keep {
		chunk = max(1, min(n, convChunkFloats/max(rows*l, 1)))
	}
	cols := emptyUninit(dev, Float32, []int{rows, chunk * l})
	cog := cout / groups
	for i0 := 0; i0 < n; i0 += chunk {
		m := min(chunk, n-i0)
		cv.Im2Col(cols.buf, xc.buf, xc.offset+i0*g.C*g.H*g.W, m, g)
		if fold {
			dev.Fill(cols.buf, k*m*l, m*l, 1)
		}
		for gi := range groups { // y[b, group] = w[group] · cols[group, b]
			dev.Gemm(device.GemmParams{Batch: m, M: cog, N: l, K: kg, Alpha: 1, Beta: beta,
				A: a, OffA: offA + gi*cog*kg, LDA: kg,
				B: cols.buf, OffB: gi * kg * m * l, LDB: m * l, StrideB: l,
				C: y.buf, OffC: (i0*cout + gi*cog) * l, LDC: l, StrideC: cout * l})
		}
	}
	if !keep {
		dev.Free(cols.buf)
		cols = nil
	}
	if needsGrad(x, w, b) {
		inputs := []*Tensor{x, w}
		if b != nil {
			inputs = append(inputs, b)
		}
		record(y, "Convolution", inputs, func(gy *Tensor) []*Tensor {
			gs := conv2dBackward(gy, xc, wc, b, cols, g, n, cout, groups, x.requiresGrad, w.requiresGrad)
			if cols != nil { // a second Backward (RetainGraph) unfolds x again
				dev.Free(cols.buf)
				cols = nil
			}
			return gs[:len(inputs)]
		})
	}
	return y
}

// conv2dBackward returns ∂x, ∂w, ∂b (nil where not wanted) for Conv2d's
// upstream gradient gy, reading the forward's columns of x if it kept
// them (cols; nil: unfold x again).
func conv2dBackward(gy, x, w, b, cols *Tensor, g device.ConvGeom, n, cout, groups int, wantX, wantW bool) []*Tensor {
	dev, cv := x.dev, x.dev.(device.Conv)
	l, kg, cog := g.OH*g.OW, g.C/groups*g.KH*g.KW, cout/groups
	gc := gy.contig()
	gt := emptyUninit(dev, Float32, []int{cout, n * l}) // gy as [Cout, N, L]
	dev.Copy(gt.buf, device.Layout{Shape: []int{cout, n, l}, Strides: []int{n * l, l, 1}}, gc.buf,
		device.Layout{Shape: []int{cout, n, l}, Strides: []int{l, cout * l, 1}, Offset: gc.offset})
	var gx, gw, gb *Tensor
	if wantW { // ∂w[group] = gt[group] · cols[group]ᵀ
		if cols == nil {
			cols = emptyUninit(dev, Float32, []int{g.C * g.KH * g.KW, n * l})
			cv.Im2Col(cols.buf, x.buf, x.offset, n, g)
		}
		gw = emptyUninit(dev, Float32, w.shape)
		for gi := range groups {
			dev.Gemm(device.GemmParams{Batch: 1, M: cog, N: kg, K: n * l, TransB: true, Alpha: 1,
				A: gt.buf, OffA: gi * cog * n * l, LDA: n * l,
				B: cols.buf, OffB: gi * kg * n * l, LDB: n * l,
				C: gw.buf, OffC: gi * cog * kg, LDC: kg})
		}
	}
	if wantX { // cols' gradient = w[group]ᵀ · gt[group], folded back by col2im
		dcols := emptyUninit(dev, Float32, []int{g.C * g.KH * g.KW, n * l})
		for gi := range groups {
			dev.Gemm(device.GemmParams{Batch: 1, M: kg, N: n * l, K: cog, TransA: true, Alpha: 1,
				A: w.buf, OffA: w.offset + gi*cog*kg, LDA: kg,
				B: gt.buf, OffB: gi * cog * n * l, LDB: n * l,
				C: dcols.buf, OffC: gi * kg * n * l, LDC: n * l})
		}
		gx = emptyUninit(dev, Float32, x.shape)
		cv.Col2Im(gx.buf, dcols.buf, n, g)
	}
	if b != nil && b.requiresGrad {
		gb = reduceRaw(device.Sum, gt, []int{1}, false)
	}
	return []*Tensor{gx, gw, gb}
}

// conv2dGeom checks Conv2d's arguments and returns its geometry, the batch
// size and the number of output channels.
func conv2dGeom(x, w, b *Tensor, stride, padding, dilation [2]int, groups int) (device.ConvGeom, int, int) {
	xs, ws := x.shape, w.shape
	if len(xs) != 4 || len(ws) != 4 {
		shapePanic("Conv2d", xs, ws, "do not fit: want input [N, C, H, W] and weight [out, in/groups, kH, kW]")
	}
	for i := range 2 {
		if stride[i] < 1 || padding[i] < 0 || dilation[i] < 1 {
			shapePanic("Conv2d", xs, ws, "stride %v and dilation %v must be positive and padding %v non-negative", stride, dilation, padding)
		}
	}
	if groups < 1 || xs[1]%groups != 0 || ws[0]%groups != 0 {
		shapePanic("Conv2d", xs, ws, "groups %d must divide in channels %d and out channels %d", groups, xs[1], ws[0])
	}
	if ws[1]*groups != xs[1] {
		shapePanic("Conv2d", xs, ws, "expected input with %d channels (weight's %d × groups %d), got %d", ws[1]*groups, ws[1], groups, xs[1])
	}
	if b != nil {
		b.mustFloat("Conv2d")
		if len(b.shape) != 1 || b.shape[0] != ws[0] {
			shapePanic("Conv2d", ws, b.shape, "bias must be [%d]", ws[0])
		}
		sameDevice("Conv2d", x, w, b)
	}
	sameDevice("Conv2d", x, w)
	g := device.ConvGeom{C: xs[1], H: xs[2], W: xs[3], KH: ws[2], KW: ws[3],
		SH: stride[0], SW: stride[1], PH: padding[0], PW: padding[1], DH: dilation[0], DW: dilation[1]}
	g.OH = convOut(g.H, g.KH, g.SH, g.PH, g.DH)
	g.OW = convOut(g.W, g.KW, g.SW, g.PW, g.DW)
	if g.OH < 1 || g.OW < 1 {
		shapePanic("Conv2d", xs, ws, "%s", fmt.Sprintf("output size %d×%d is too small (input %d×%d with padding %v is smaller than the dilated kernel)",
			g.OH, g.OW, g.H, g.W, padding))
	}
	return g, xs[0], ws[0]
}

// Conv1d is PyTorch's F.conv1d: x [N, Cin, L] and w [Cout, Cin/groups, k]
// give [N, Cout, Lo]; it is Conv2d over a height of 1.
func Conv1d(x, w, b *Tensor, stride, padding, dilation, groups int) *Tensor {
	if x.Dim() != 3 || w.Dim() != 3 {
		shapePanic("Conv1d", x.shape, w.shape, "do not fit: want input [N, C, L] and weight [out, in/groups, k]")
	}
	y := Conv2d(x.Unsqueeze(2), w.Unsqueeze(2), b, [2]int{1, stride}, [2]int{0, padding}, [2]int{1, dilation}, groups)
	return y.Squeeze(2)
}
