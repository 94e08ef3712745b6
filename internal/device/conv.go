package device

// ConvGeom is the geometry of a 2-D sliding window over planes of H×W:
// a KH×KW window moved by stride SH, SW over the input padded by PH, PW on
// each side, its taps DH, DW apart (dilation), giving OH×OW outputs. C is
// the number of channels where a kernel needs it (Im2Col, Col2Im).
type ConvGeom struct {
	C, H, W int
	KH, KW  int
	SH, SW  int
	PH, PW  int
	DH, DW  int
	OH, OW  int
}

// Conv is an optional Device capability: the data movement of
// convolutions and the pooling kernels. Buffers are Float32 and
// contiguous from the given offset (0 where no offset is taken).
type Conv interface {
	// Im2Col unfolds x [n, C, H, W] (from xOff) into cols laid out as
	// [C·KH·KW, n, OH·OW]: row (c, i, j), image b, output position p holds
	// the input under tap (i, j) of the window at p, 0 in the padding.
	Im2Col(cols, x Buffer, xOff, n int, g ConvGeom)
	// Col2Im is Im2Col's adjoint: it overwrites dx [n, C, H, W] with the
	// sum, over every tap reading an input element, of cols at that tap.
	Col2Im(dx, cols Buffer, n int, g ConvGeom)

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
	// AvgPool2d writes the window means into y, the padding counted as
	// zeros in the mean (count_include_pad), so every mean divides by KH·KW.
	AvgPool2d(y, x Buffer, xOff, planes int, g ConvGeom)
	// AvgPool2dBackward overwrites dx with AvgPool2d's adjoint applied to gy.
	AvgPool2dBackward(dx, gy Buffer, gOff, planes int, g ConvGeom)
	// AdaptiveAvgPool2d averages, for output (i, j), the input rows
	// ⌊i·H/OH⌋ … ⌈(i+1)·H/OH⌉−1 and the columns likewise (only H, W, OH,
	// OW of g are read).
	AdaptiveAvgPool2d(y, x Buffer, xOff, planes int, g ConvGeom)
	// AdaptiveAvgPool2dBackward overwrites dx with the adjoint applied to gy.
	AdaptiveAvgPool2dBackward(dx, gy Buffer, gOff, planes int, g ConvGeom)
}
