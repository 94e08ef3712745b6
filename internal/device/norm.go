package device

// NormParams are the operands of a row normalisation (see Norms): Rows
// rows of Cols contiguous floats of X from OffX; a scale W and a shift B
// of Cols floats each from OffW and OffB (nil: none); Mean and Var hold
// one float per row, contiguous from 0.
type NormParams struct {
	Rows, Cols int
	Eps        float32

	X, W, B, Mean, Var Buffer
	OffX, OffW, OffB   int
}

// Norms is an optional Device capability: layer normalisation in one
// pass over each row, instead of the dozen element-wise ops and
// reductions the tensor package composes it from otherwise (which agree
// with it to float32 rounding, not bit for bit).
type Norms interface {
	// LayerNorm writes y = (x − μ)/√(σ² + Eps)·W + B for each row of x
	// (y contiguous from 0), with the row's mean μ and biased variance σ²,
	// which it writes into Mean and Var.
	LayerNorm(y Buffer, p NormParams)
	// LayerNormBackward writes LayerNorm's gradients for the upstream
	// gradient g (from gOff, laid out as y), from x and the forward's Mean
	// and Var: ∂x over dx, ∂W over dw and ∂B over db; a nil one is not
	// computed. The sums over rows are associated the same way whatever
	// the number of threads.
	LayerNormBackward(dx, dw, db, g Buffer, gOff int, p NormParams)
}

// ChannelNormParams are the operands of a batch normalisation (see
// ChannelNorms): x [N, C, L] from OffX, each channel normalised over its
// N·L values; a scale W and a shift B of C floats from OffW and OffB
// (nil: none); Mean and Var hold one float per channel, contiguous from 0.
type ChannelNormParams struct {
	N, C, L int
	Eps     float32

	X, W, B, Mean, Var Buffer
	OffX, OffW, OffB   int
}

// ChannelNorms is an optional Device capability: batch normalisation in
// training mode, two passes over each channel's values forward and two
// backward, instead of the composed ops (which agree with it to float32
// rounding, not bit for bit).
type ChannelNorms interface {
	// BatchNorm writes y = (x − μ)/√(σ² + Eps)·W + B for each channel of
	// x (y contiguous from 0, laid out as x), with the channel's mean μ and
	// biased variance σ², which it writes into Mean and Var.
	BatchNorm(y Buffer, p ChannelNormParams)
	// BatchNormBackward writes BatchNorm's gradients for the upstream
	// gradient g (from gOff, laid out as y) from x and the forward's Mean
	// and Var: ∂x over dx, ∂W over dw, ∂B over db; a nil one is not
	// computed.
	BatchNormBackward(dx, dw, db, g Buffer, gOff int, p ChannelNormParams)
}
