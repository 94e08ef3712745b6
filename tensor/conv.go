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

// Conv2d is PyTorch's F.conv2d: the cross-correlation of x [N, Cin, H, W]
// with the filters w [Cout, Cin/groups, kH, kW], plus b [Cout] (or nil),
// giving [N, Cout, Ho, Wo] with Ho = ⌊(H + 2·padding − dilation·(kH−1) −
// 1)/stride⌋ + 1 (likewise Wo). Input channels are split into groups of
// Cin/groups, each convolved with its Cout/groups filters.
//
// The device computes it an image at a time (on the CPU: im2col and a
// gemm per image), and the backward pass likewise, unfolding x again
// rather than keeping the forward's columns.
//
// It panics with a *ShapeError when the shapes or settings do not fit, or
// when x is on a device without the device.Conv kernels.
func Conv2d(x, w, b *Tensor, stride, padding, dilation [2]int, groups int) *Tensor {
	x.mustFloat("Conv2d")
	w.mustFloat("Conv2d")
	g, n, cout := conv2dGeom(x, w, b, stride, padding, dilation, groups)
	cv := convDevice("Conv2d", x)
	xc, wc := x.contig(), w.contig()
	p := device.ConvParams{N: n, Cout: cout, Groups: groups, G: g,
		X: xc.buf, OffX: xc.offset, W: wc.buf, OffW: wc.offset}
	if b != nil {
		bc := b.contig()
		p.B, p.OffB = bc.buf, bc.offset
	}
	y := emptyUninit(x.dev, Float32, []int{n, cout, g.OH, g.OW})
	cv.Conv2d(y.buf, p)
	if needsGrad(x, w, b) {
		inputs := []*Tensor{x, w}
		if b != nil {
			inputs = append(inputs, b)
		}
		record(y, "Convolution", inputs, func(gy *Tensor) []*Tensor {
			gc := gy.contig()
			var gx, gw, gb *Tensor
			var bx, bw, bb device.Buffer
			if x.requiresGrad {
				gx = emptyUninit(x.dev, Float32, x.shape)
				bx = gx.buf
			}
			if w.requiresGrad {
				gw = emptyUninit(x.dev, Float32, w.shape)
				bw = gw.buf
			}
			if b != nil && b.requiresGrad {
				gb = emptyUninit(x.dev, Float32, b.shape)
				bb = gb.buf
			}
			cv.Conv2dBackward(bx, bw, bb, gc.buf, gc.offset, p)
			return []*Tensor{gx, gw, gb}[:len(inputs)]
		})
	}
	return y
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
