package device

// ConvGeom is the geometry of a 2-D sliding window over planes of H×W:
// a KH×KW window moved by stride SH, SW over the input padded by PH, PW on
// each side, its taps DH, DW apart (dilation), giving OH×OW outputs. C is
// the number of input channels where a kernel needs it (convolutions).
type ConvGeom struct {
	C, H, W int
	KH, KW  int
	SH, SW  int
	PH, PW  int
	DH, DW  int
	OH, OW  int
}

// ConvParams are the operands of a 2-D convolution (see Conv.Conv2d):
// x [N, C, H, W] from OffX, weights w [Cout, C/Groups, KH, KW] from OffW
// and, unless B is nil, a bias [Cout] from OffB.
type ConvParams struct {
	N, Cout, Groups int
	G               ConvGeom

	X, W, B          Buffer
	OffX, OffW, OffB int
}

// Conv is an optional Device capability: convolutions and the pooling
// kernels. Buffers are Float32 and contiguous from the given offset (0
// where no offset is taken).
type Conv interface {
	// Conv2d writes into y [N, Cout, OH, OW] the cross-correlation of
	// x with w plus the bias (PyTorch's conv2d): input channels in Groups
	// groups of C/Groups, each convolved with its Cout/Groups filters.
	Conv2d(y Buffer, p ConvParams)
	// Conv2dBackward writes Conv2d's gradients for the upstream gradient
	// gy [N, Cout, OH, OW] (from gOff): ∂x over gx [N, C, H, W], ∂w over
	// gw [Cout, C/Groups, KH, KW] and ∂b over gb [Cout]; a nil one is not
	// computed. The sums over the batch are associated the same way
	// whatever the number of threads.
	Conv2dBackward(gx, gw, gb, gy Buffer, gOff int, p ConvParams)

	// MaxPool2d writes, for each of planes input planes [H, W] of x (from
	// xOff), the window maxima into y [planes, OH, OW] and their flat
	// positions h·W + w within the plane into idx (the first maximum on
	// ties; a later NaN replaces an earlier one; padding is −∞). idx is a
	// Float32 buffer, so that it is recycled like other float buffers: the
	// positions are exact below 2²⁴ elements per plane, which the caller
	// checks. A nil idx (inference) asks for the maxima alone.
	MaxPool2d(y, idx, x Buffer, xOff, planes int, g ConvGeom)
	// MaxPool2dBackward overwrites dx [planes, H, W] with gy [planes, OH,
	// OW] (from gOff) summed at the positions idx holds.
	MaxPool2dBackward(dx, gy Buffer, gOff int, idx Buffer, planes int, g ConvGeom)
	// AvgPool2d writes the window sums divided as div says into y.
	AvgPool2d(y, x Buffer, xOff, planes int, g ConvGeom, div AvgDivisor)
	// AvgPool2dBackward overwrites dx with AvgPool2d's adjoint applied to gy.
	AvgPool2dBackward(dx, gy Buffer, gOff, planes int, g ConvGeom, div AvgDivisor)
	// AdaptiveAvgPool2d averages, for output (i, j), the input rows
	// ⌊i·H/OH⌋ … ⌈(i+1)·H/OH⌉−1 and the columns likewise (only H, W, OH,
	// OW of g are read).
	AdaptiveAvgPool2d(y, x Buffer, xOff, planes int, g ConvGeom)
	// AdaptiveAvgPool2dBackward overwrites dx with the adjoint applied to gy.
	AdaptiveAvgPool2dBackward(dx, gy Buffer, gOff, planes int, g ConvGeom)
}

// AvgDivisor is what average pooling divides a window's sum by, as
// PyTorch's avg_pool2d: by default the window's size within the padded
// input (KH·KW, less where a ceil-mode window hangs past the padding),
// the padding counted as zeros (count_include_pad); with ExcludePad the
// number of input elements under the window; Override > 0 replaces both
// (divisor_override).
type AvgDivisor struct {
	ExcludePad bool
	Override   int
}

// Of returns the divisor of the window whose rows start at h0 and columns
// at w0 (input coordinates: h0 = oh·SH − PH may be negative).
func (d AvgDivisor) Of(g *ConvGeom, h0, w0 int) int {
	if d.Override > 0 {
		return d.Override
	}
	h1, w1 := min(h0+g.KH, g.H+g.PH), min(w0+g.KW, g.W+g.PW)
	if d.ExcludePad {
		return (min(h1, g.H) - max(h0, 0)) * (min(w1, g.W) - max(w0, 0))
	}
	return (h1 - h0) * (w1 - w0)
}
