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
