// Package tensor provides nerve's n-dimensional arrays and the automatic
// differentiation (backpropagation) that trains networks built from them.
//
// # Tensors
//
// A Tensor holds float32 values (the compute type) or int64 indices (class
// labels, ArgMax results, Gather and IndexSelect indices), in a storage
// buffer on a device reached through internal/device. Views — Reshape,
// View, Transpose, Permute, Squeeze, Unsqueeze, Narrow, Slice, Expand —
// share storage; Contiguous and Clone copy. Ops never modify their inputs.
//
//	x := tensor.New([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
//	y := x.MatMul(w).Add(b).ReLU()      // reads like x @ W + b, then relu
//
// Element-wise ops broadcast as NumPy and PyTorch do. Unary and binary ops
// are methods; ops over several inputs or that create tensors are functions
// (Cat, Stack, Where, Zeros, Randn).
//
// Fused forms do in one op, with one backward, what would otherwise be
// many: Linear (x·wᵀ + b), SoftmaxCrossEntropy, and the recurrent layers
// LSTMLayer, GRULayer and RNNLayer (a whole layer over time, one gemm and
// one pass over the gates per step).
//
// # Automatic differentiation
//
// Mark parameters with SetRequiresGrad(true). Every op on a tensor that
// requires grad records a node; Backward on a scalar result walks the graph
// in reverse and adds each parameter's gradient to its Grad, accumulating
// across calls until ZeroGrad. The graph is freed after Backward unless
// RetainGraph is passed; a second Backward through a freed graph panics.
// Detach cuts a tensor from the graph; SetRequiresGrad(false) freezes a
// parameter. A training loop that keeps no activation past Backward passes
// FreeActivations, and the next step reuses their memory (fit does).
//
// NoGrad runs a function with recording off on the calling goroutine only,
// so one model can serve inference from many goroutines while another
// goroutine trains.
//
// # Errors
//
// Misuse inside tensor math — shapes that do not fit, an index out of
// range, the wrong dtype, Backward on a non-scalar — panics with a
// *ShapeError, *IndexError, *DTypeError or *GradError whose message names
// the op and the shapes, as PyTorch raises:
//
//	Add: shapes [2 3] and [4] cannot be broadcast
//
// Catch turns such a panic into an error for servers and command-line
// tools. Anything that comes from outside the program (files, flags, data)
// is handled by the packages that read it, which return errors.
//
// # Printing
//
// fmt.Print(t) prints like PyTorch: tensor([[1.0000, 2.0000], …],
// requires_grad=True), summarised with "..." above 1000 elements.
package tensor
