package tensor

import (
	"github.com/nervelab/nerve/internal/device"
)

// poolPlanes checks that x is [N, C, H, W] or [C, H, W] and returns the
// number of H×W planes with H and W.
func poolPlanes(op string, x *Tensor) (planes, h, w int) {
	x.mustFloat(op)
	if d := x.Dim(); d != 3 && d != 4 {
		shapePanic(op, x.shape, nil, "want input [N, C, H, W] or [C, H, W]")
	}
	h, w = x.shape[x.Dim()-2], x.shape[x.Dim()-1]
	return numel(x.shape[:x.Dim()-2]), h, w
}

// poolShape is x's shape with the last two dims replaced by oh, ow.
func poolShape(x *Tensor, oh, ow int) []int {
	s := cloneInts(x.shape)
	s[len(s)-2], s[len(s)-1] = oh, ow
	return s
}

// poolGeom checks a pooling window and returns its geometry. A zero stride
// means the kernel size and a zero dilation 1, as PyTorch's defaults.
func poolGeom(op string, x *Tensor, kernel, stride, padding, dilation [2]int, ceil bool) (device.ConvGeom, int) {
	planes, h, w := poolPlanes(op, x)
	for i := range 2 {
		if stride[i] == 0 {
			stride[i] = kernel[i]
		}
		if dilation[i] == 0 {
			dilation[i] = 1
		}
		if kernel[i] < 1 || stride[i] < 1 || dilation[i] < 1 || padding[i] < 0 {
			shapePanic(op, x.shape, nil, "kernel %v, stride %v and dilation %v must be positive and padding %v non-negative",
				kernel, stride, dilation, padding)
		}
		if padding[i] > kernel[i]/2 {
			shapePanic(op, x.shape, nil, "pad should be at most half of effective kernel size, but got pad=%d, kernel_size=%d", padding[i], kernel[i])
		}
	}
	g := device.ConvGeom{H: h, W: w, KH: kernel[0], KW: kernel[1], SH: stride[0], SW: stride[1],
		PH: padding[0], PW: padding[1], DH: dilation[0], DW: dilation[1]}
	g.OH = poolOut(h, g.KH, g.SH, g.PH, g.DH, ceil)
	g.OW = poolOut(w, g.KW, g.SW, g.PW, g.DW, ceil)
	if g.OH < 1 || g.OW < 1 {
		shapePanic(op, x.shape, nil, "output size %d×%d is too small for kernel %v", g.OH, g.OW, kernel)
	}
	return g, planes
}

// poolOut is PyTorch's pooling output length over n inputs: the number of
// windows that start inside the input or its left padding, with ceil the
// last one allowed to hang past the end (but not to start in the right
// padding).
func poolOut(n, k, s, p, d int, ceil bool) int {
	if !ceil {
		return convOut(n, k, s, p, d)
	}
	span := n + 2*p - d*(k-1) - 1
	if span < 0 {
		return convOut(n, k, s, p, d)
	}
	out := (span+s-1)/s + 1
	if (out-1)*s >= n+p {
		out--
	}
	return out
}

// MaxPool2d is PyTorch's F.max_pool2d: the maximum of each kernel window
// of x [N, C, H, W] (or [C, H, W]), the windows stride apart (zero: the
// kernel size, PyTorch's default) over x padded by −∞, their taps dilation
// apart (zero: 1). Ho = ⌊(H + 2·padding − dilation·(k−1) − 1)/stride⌋ + 1,
// or with ceilMode (ceil_mode) rounded up, a last window hanging past the
// end (never one starting in the right padding). The backward pass routes
// each gradient to the first maximum of its window, as PyTorch does. It
// panics with a *ShapeError for a bad shape or window (padding above half
// the kernel, as PyTorch refuses).
func MaxPool2d(x *Tensor, kernel, stride, padding, dilation [2]int, ceilMode bool) *Tensor {
	g, planes := poolGeom("MaxPool2d", x, kernel, stride, padding, dilation, ceilMode)
	cv := convDevice("MaxPool2d", x)
	if g.H*g.W > 1<<24 {
		shapePanic("MaxPool2d", x.shape, nil, "planes of more than 2^24 elements are not supported")
	}
	xc := x.contig()
	y := emptyUninit(x.dev, Float32, poolShape(x, g.OH, g.OW))
	if !needsGrad(x) {
		cv.MaxPool2d(y.buf, nil, xc.buf, xc.offset, planes, g)
		return y
	}
	idx := emptyUninit(x.dev, Float32, y.shape) // the argmax positions, exact in float32
	cv.MaxPool2d(y.buf, idx.buf, xc.buf, xc.offset, planes, g)
	record(y, "MaxPool2DWithIndices", []*Tensor{x}, func(gy *Tensor) []*Tensor {
		if idx == nil { // a second Backward (RetainGraph): find the maxima again
			idx = emptyUninit(x.dev, Float32, y.shape)
			tmp := emptyUninit(x.dev, Float32, y.shape)
			cv.MaxPool2d(tmp.buf, idx.buf, xc.buf, xc.offset, planes, g)
		}
		gc := gy.contig()
		gx := emptyUninit(x.dev, Float32, x.shape)
		cv.MaxPool2dBackward(gx.buf, gc.buf, gc.offset, idx.buf, planes, g)
		x.dev.Free(idx.buf) // for reuse by the next step
		idx = nil
		return []*Tensor{gx}
	})
	return y
}

// MaxPool1d is PyTorch's F.max_pool1d over the last dim of x [N, C, L] (or
// [C, L]); stride 0 means the kernel size, dilation 0 means 1.
func MaxPool1d(x *Tensor, kernel, stride, padding, dilation int, ceilMode bool) *Tensor {
	if d := x.Dim(); d != 2 && d != 3 {
		shapePanic("MaxPool1d", x.shape, nil, "want input [N, C, L] or [C, L]")
	}
	if stride == 0 {
		stride = kernel
	}
	y := MaxPool2d(x.Unsqueeze(-2), [2]int{1, kernel}, [2]int{1, stride}, [2]int{0, padding}, [2]int{1, dilation}, ceilMode)
	return y.Squeeze(-2)
}

// AvgPool2d is PyTorch's F.avg_pool2d: the mean of each kernel window of
// x [N, C, H, W] (or [C, H, W]), a zero stride meaning the kernel size,
// and the output size as MaxPool2d's (ceilMode is ceil_mode). With
// countIncludePad (PyTorch's default) the zero padding counts in the
// mean, so a window divides by kH·kW (less where a ceil-mode window hangs
// past the padding); without it, by the number of input elements it
// covers. A positive divisorOverride replaces the divisor. It panics with
// a *ShapeError for a bad shape or window.
func AvgPool2d(x *Tensor, kernel, stride, padding [2]int, ceilMode, countIncludePad bool, divisorOverride int) *Tensor {
	g, planes := poolGeom("AvgPool2d", x, kernel, stride, padding, [2]int{1, 1}, ceilMode)
	if divisorOverride < 0 {
		shapePanic("AvgPool2d", x.shape, nil, "divisor must be positive, got %d", divisorOverride)
	}
	div := device.AvgDivisor{ExcludePad: !countIncludePad, Override: divisorOverride}
	cv := convDevice("AvgPool2d", x)
	xc := x.contig()
	y := emptyUninit(x.dev, Float32, poolShape(x, g.OH, g.OW))
	cv.AvgPool2d(y.buf, xc.buf, xc.offset, planes, g, div)
	if needsGrad(x) {
		record(y, "AvgPool2D", []*Tensor{x}, func(gy *Tensor) []*Tensor {
			gc := gy.contig()
			gx := emptyUninit(x.dev, Float32, x.shape)
			cv.AvgPool2dBackward(gx.buf, gc.buf, gc.offset, planes, g, div)
			return []*Tensor{gx}
		})
	}
	return y
}

// AdaptiveAvgPool2d is PyTorch's F.adaptive_avg_pool2d: x [N, C, H, W] (or
// [C, H, W]) averaged to outH × outW, output (i, j) the mean of rows
// ⌊i·H/outH⌋ … ⌈(i+1)·H/outH⌉−1 and the columns likewise, so windows
// overlap when the sizes do not divide. It panics with a *ShapeError for a
// bad shape or a non-positive output size.
func AdaptiveAvgPool2d(x *Tensor, outH, outW int) *Tensor {
	planes, h, w := poolPlanes("AdaptiveAvgPool2d", x)
	if outH < 1 || outW < 1 {
		shapePanic("AdaptiveAvgPool2d", x.shape, []int{outH, outW}, "output size must be positive")
	}
	cv := convDevice("AdaptiveAvgPool2d", x)
	g := device.ConvGeom{H: h, W: w, OH: outH, OW: outW}
	xc := x.contig()
	y := emptyUninit(x.dev, Float32, poolShape(x, outH, outW))
	cv.AdaptiveAvgPool2d(y.buf, xc.buf, xc.offset, planes, g)
	if needsGrad(x) {
		record(y, "AdaptiveAvgPool2D", []*Tensor{x}, func(gy *Tensor) []*Tensor {
			gc := gy.contig()
			gx := emptyUninit(x.dev, Float32, x.shape)
			cv.AdaptiveAvgPool2dBackward(gx.buf, gc.buf, gc.offset, planes, g)
			return []*Tensor{gx}
		})
	}
	return y
}
