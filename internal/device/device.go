// Package device is the narrow interface through which the tensor package
// reaches a compute backend: memory allocation, copies to and from the host,
// and the numeric kernels every tensor op is built from.
//
// A backend implements Device and registers itself by name (see Register).
// The CPU backend lives in internal/cpu; a GPU backend can later register
// beside it without the tensor package's API changing. Every device must pass
// the conformance suite in internal/device/devicetest.
//
// # Conventions
//
// Buffers hold elements of one DType. Unless a kernel takes a Layout, its
// buffers are read as contiguous arrays starting at the given offset.
// Kernels do not validate shapes: the tensor package has already done so and
// panics with a message naming the op before a kernel is called. Kernels that
// read index buffers do check the index values and return an *IndexError for
// the first one out of range, since only the device can see them cheaply.
package device

import (
	"errors"
	"fmt"
	"sort"
	"sync"
)

// DType is the element type of a buffer.
type DType uint8

const (
	Float32 DType = iota // the compute type
	Int64                // index tensors: labels, ArgMax results, Gather indices
)

func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Int64:
		return "int64"
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// Buffer is device memory holding Len elements of one DType.
type Buffer interface {
	Len() int
	DType() DType
}

// Layout describes a strided view of a buffer: the element at index
// (i0, …, ik) lives at Offset + Σ i_d·Strides[d]. A stride of 0 repeats
// (broadcasts) a dimension.
type Layout struct {
	Shape   []int
	Strides []int
	Offset  int
}

// Contiguous returns the row-major layout of shape starting at offset.
func Contiguous(shape []int, offset int) Layout {
	st := make([]int, len(shape))
	s := 1
	for d := len(shape) - 1; d >= 0; d-- {
		st[d] = s
		s *= shape[d]
	}
	return Layout{Shape: shape, Strides: st, Offset: offset}
}

// UnaryOp selects an element-wise function of one input.
type UnaryOp uint8

// The unary ops. Alpha and Beta are the op's scalar parameters where it has
// any (noted beside each).
const (
	Neg        UnaryOp = iota
	Abs                // backward uses sign(x), 0 at 0
	Exp                //
	Log                //
	Sqrt               //
	ReLU               // backward: 1 where x > 0
	LeakyReLU          // Alpha: negative slope
	ELU                // Alpha: α in α(eˣ−1) for x ≤ 0
	GELU               // exact (erf) form, as torch.nn.GELU()
	SiLU               // x·σ(x)
	Sigmoid            //
	Tanh               //
	Softplus           // Alpha: β, Beta: threshold (linear above β·x > threshold)
	AddScalar          // x + Alpha
	MulScalar          // x · Alpha
	PowScalar          // x ^ Alpha
	RPowScalar         // Alpha ^ x
	Clamp              // min(max(x, Alpha), Beta); backward 1 inside [Alpha, Beta]
	Sign               // −1, 0, 1; no gradient
	Reciprocal         // 1/x
	Square             // x²
	NumUnaryOps
)

var unaryNames = [...]string{"Neg", "Abs", "Exp", "Log", "Sqrt", "ReLU", "LeakyReLU", "ELU",
	"GELU", "SiLU", "Sigmoid", "Tanh", "Softplus", "AddScalar", "MulScalar", "PowScalar",
	"RPowScalar", "Clamp", "Sign", "Reciprocal", "Square"}

func (o UnaryOp) String() string {
	if int(o) < len(unaryNames) {
		return unaryNames[o]
	}
	return fmt.Sprintf("UnaryOp(%d)", uint8(o))
}

// BinaryOp selects an element-wise function of two inputs.
type BinaryOp uint8

// The binary ops. Comparisons write 1 for true and 0 for false.
const (
	Add BinaryOp = iota
	Sub
	Mul
	Div
	Pow
	Maximum
	Minimum
	Eq
	Ne
	Gt
	Ge
	Lt
	Le
	NumBinaryOps
)

var binaryNames = [...]string{"Add", "Sub", "Mul", "Div", "Pow", "Maximum", "Minimum",
	"Eq", "Ne", "Gt", "Ge", "Lt", "Le"}

func (o BinaryOp) String() string {
	if int(o) < len(binaryNames) {
		return binaryNames[o]
	}
	return fmt.Sprintf("BinaryOp(%d)", uint8(o))
}

// ReduceOp selects a reduction along one axis.
type ReduceOp uint8

// The reductions. ArgMax and ArgMin write Int64 indices (the first
// occurrence on ties, as PyTorch); the others write Float32. Max and Min
// propagate NaN.
const (
	Sum ReduceOp = iota
	Max
	Min
	ArgMax
	ArgMin
	NumReduceOps
)

var reduceNames = [...]string{"Sum", "Max", "Min", "ArgMax", "ArgMin"}

func (o ReduceOp) String() string {
	if int(o) < len(reduceNames) {
		return reduceNames[o]
	}
	return fmt.Sprintf("ReduceOp(%d)", uint8(o))
}

// GemmParams describes a batched matrix product
//
//	C[b] = Alpha·op(A[b])·op(B[b]) + Beta·C[b]   for b in 0..Batch-1
//
// with op(X) = Xᵀ when the Trans flag is set. op(A) is M×K, op(B) is K×N and
// C is M×N, all row-major with leading dimensions LDA, LDB, LDC. Batch item
// b starts at Off + b·Stride for each matrix; a stride of 0 for A or B reuses
// the same matrix for every item (broadcast batch dims). C is never
// broadcast: its items must not overlap when Batch > 1. When Beta is 0, C is not
// read (NaN in it does not propagate).
type GemmParams struct {
	Batch, M, N, K int
	TransA, TransB bool
	Alpha, Beta    float32

	A, B, C                   Buffer
	OffA, OffB, OffC          int
	LDA, LDB, LDC             int
	StrideA, StrideB, StrideC int
}

// IndexError is returned by kernels that find an index outside [0, N).
type IndexError struct {
	Index int64
	N     int
}

func (e *IndexError) Error() string {
	return fmt.Sprintf("index %d is out of bounds for size %d", e.Index, e.N)
}

// Device is a compute backend. All methods must be safe for concurrent use
// on distinct output buffers.
type Device interface {
	// Name is the registry name, e.g. "cpu".
	Name() string

	// Alloc returns a zero-filled buffer of n elements.
	Alloc(dt DType, n int) Buffer
	// Free releases a buffer early, for reuse by later allocations; using
	// it afterwards is an error (the device panics with ErrFreed where it
	// can tell). A device may make this a no-op and rely on the garbage
	// collector.
	Free(b Buffer)

	// Host copies. The float32 forms need a Float32 buffer, the int64
	// forms an Int64 buffer.
	WriteF32(dst Buffer, off int, src []float32)
	ReadF32(dst []float32, src Buffer, off int)
	WriteI64(dst Buffer, off int, src []int64)
	ReadI64(dst []int64, src Buffer, off int)

	// Copy copies the strided view sl of src into the strided view dl of
	// dst (same shape), converting between dtypes (int64→float32 rounds,
	// float32→int64 truncates toward zero).
	Copy(dst Buffer, dl Layout, src Buffer, sl Layout)
	// Fill sets dst[off : off+n] to v.
	Fill(dst Buffer, off, n int, v float64)

	// Unary sets dst[i] = op(src[i]) for i < n; dst may be src at the same
	// offset (an in-place update).
	Unary(op UnaryOp, alpha, beta float32, dst Buffer, dOff int, src Buffer, sOff int, n int)
	// UnaryBackward sets dx[i] = g[i]·op'(x[i]) for i < n, where y is the
	// forward output op(x) (some ops use it instead of x). All four are
	// contiguous from offset 0.
	UnaryBackward(op UnaryOp, alpha, beta float32, dx, g, x, y Buffer, n int)
	// Binary sets dst (contiguous, shape dl.Shape) to op(a, b), reading a and
	// b through layouts of the same shape (stride 0 where broadcast). Inputs
	// are Float32 or Int64 (same dtype); dst is Float32.
	Binary(op BinaryOp, dst Buffer, dl Layout, a Buffer, al Layout, b Buffer, bl Layout)
	// Where sets dst = cond ≠ 0 ? a : b, with every input read through a
	// layout of dl's shape.
	Where(dst Buffer, dl Layout, cond Buffer, cl Layout, a Buffer, al Layout, b Buffer, bl Layout)

	// Reduce reads src (contiguous from sOff) as [outer, n, inner] and
	// reduces the middle axis into dst [outer, inner].
	Reduce(op ReduceOp, dst Buffer, src Buffer, sOff int, outer, n, inner int)
	// Softmax applies softmax (or log-softmax) along the middle axis of the
	// contiguous [outer, n, inner] src; numerically stable (max-subtracted).
	Softmax(dst, src Buffer, outer, n, inner int, log bool)
	// SoftmaxBackward computes dx from the upstream gradient g and the
	// forward output y of Softmax with the same arguments.
	SoftmaxBackward(dx, g, y Buffer, outer, n, inner int, log bool)

	// Gemm computes the batched matrix product described by p.
	Gemm(p GemmParams)

	// IndexSelect: dst[o, j, i] = src[o, idx[j], i] for src [outer, n, inner],
	// idx [m], dst [outer, m, inner].
	IndexSelect(dst, src, idx Buffer, outer, n, inner, m int) error
	// IndexAdd: dst[o, idx[j], i] += src[o, j, i] (the adjoint of IndexSelect).
	IndexAdd(dst, src, idx Buffer, outer, n, inner, m int) error
	// Gather: dst[o, j, i] = src[o, idx[o, j, i], i] for src [outer, n, inner]
	// and idx, dst [outer, m, inner].
	Gather(dst, src, idx Buffer, outer, n, inner, m int) error
	// ScatterAdd: dst[o, idx[o, j, i], i] += src[o, j, i] (the adjoint of Gather).
	ScatterAdd(dst, src, idx Buffer, outer, n, inner, m int) error
	// OneHot: dst [count, classes] (Float32, zeroed by the caller) gets 1 at
	// (r, idx[r]).
	OneHot(dst, idx Buffer, count, classes int) error
}

// ErrFreed is the panic value of a device method given a buffer that was
// freed: a tensor whose memory was released (a gradient after ZeroGrad, or
// a temporary of Backward) was used afterwards.
var ErrFreed = errors.New("device: use of a buffer after Free (a tensor whose memory was released, such as a gradient kept from before ZeroGrad; Clone it to keep it)")

// Uninit is an optional Device capability: AllocUninit is Alloc for a
// buffer the caller overwrites entirely before reading it, so its initial
// contents are unspecified (a device may skip zeroing it).
type Uninit interface {
	AllocUninit(dt DType, n int) Buffer
}

var (
	mu       sync.RWMutex
	registry = map[string]Device{}
)

// Register makes a device available by name. It panics if the name is taken.
func Register(d Device) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[d.Name()]; dup {
		panic("device: Register called twice for " + d.Name())
	}
	registry[d.Name()] = d
}

// Get returns the device registered under name.
func Get(name string) (Device, error) {
	mu.RLock()
	defer mu.RUnlock()
	d, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("device: no device named %q (have %v)", name, namesLocked())
	}
	return d, nil
}

// Names lists the registered devices, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	return namesLocked()
}

func namesLocked() []string {
	var ns []string
	for n := range registry {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// AdamParams are the scalars of one fused Adam or AdamW update, each
// already rounded to float32 as the composed ops would round it.
type AdamParams struct {
	Beta1, OneMinusBeta1 float32 // β₁ and 1 − β₁
	Beta2, OneMinusBeta2 float32 // β₂ and 1 − β₂
	InvBC2               float32 // 1 / √(1 − β₂ᵗ)
	Eps                  float32
	StepSize             float32 // lr / (1 − β₁ᵗ)
	Decay                float32 // AdamW: θ ← θ·Decay first (1 − lr·λ); used when Decoupled
	WeightDecay          float32 // Adam: ∇ ← ∇ + λ·θ; used when not Decoupled and non-zero
	Decoupled, Maximize  bool
}

// Fused is an optional Device capability: optimizer updates and losses in
// one pass over contiguous float32 buffers of n elements from offset 0,
// instead of a dozen element-wise kernels and temporaries. A device
// without it gets the composed ops; both must give the same bits.
type Fused interface {
	// AdamStep applies Adam's (or AdamW's) update to parameter p with
	// gradient g, first moment m and second moment v, all in place but g:
	//
	//	θ ← θ·Decay (decoupled)  or  g ← g + λ·θ (L2)      (g negated first if Maximize)
	//	m ← m·β₁ + g·(1 − β₁)
	//	v ← v·β₂ + g²·(1 − β₂)
	//	θ ← θ − m / (√v·InvBC2 + ε) · StepSize
	AdamStep(p, g, m, v Buffer, n int, a AdamParams)
	// SGDStep applies SGD's update to p with gradient g and momentum
	// buffer b (nil without momentum), all in place but g:
	//
	//	g ← g + λ·θ (if λ ≠ 0; g negated first if Maximize)
	//	b ← g (First) or b·μ + g·(1 − τ);  g ← g + μ·b (Nesterov) or b
	//	θ ← θ − g·lr
	SGDStep(p, g, b Buffer, n int, a SGDParams)
	// RMSpropStep applies RMSprop's update to p with gradient g, square
	// average v, gradient average ga (nil unless centered) and momentum
	// buffer b (nil without momentum), all in place but g:
	//
	//	g ← g + λ·θ (if λ ≠ 0; g negated first if Maximize)
	//	v ← v·α + g²·(1 − α);  avg ← v, or v − ga² after ga ← ga·α + g·(1 − α)
	//	s ← g / (√avg + ε);  b ← b·μ + s and s ← b (momentum)
	//	θ ← θ − s·lr
	RMSpropStep(p, g, v, ga, b Buffer, n int, a RMSpropParams)
	// AdagradStep applies Adagrad's update to p with gradient g and sum
	// of squares s, both in place but g:
	//
	//	g ← g + λ·θ (if λ ≠ 0; g negated first if Maximize)
	//	s ← s + g²;  θ ← θ − g / (√s + ε) · lr
	AdagradStep(p, g, s Buffer, n int, a AdagradParams)
	// SoftmaxCrossEntropy reads logits x as rows×classes (contiguous
	// Float32) and class indices target (Int64, rows) and, per row i,
	// writes the softmax of the row into prob and −log softmax(x)[i, y]
	// into loss[i] (0 where y = ignore). It returns the number of rows not
	// ignored, or an *IndexError for a target outside [0, classes) that is
	// not ignore, before writing anything.
	SoftmaxCrossEntropy(loss, prob, x, target Buffer, rows, classes int, ignore int64) (int, error)
	// SoftmaxCrossEntropyBackward sets dx[i, c] = g[i·gStride]·(prob[i, c]
	// − [c = y]) from SoftmaxCrossEntropy's prob, and 0 on ignored rows.
	SoftmaxCrossEntropyBackward(dx, prob, target, g Buffer, gStride, rows, classes int, ignore int64)
	// SquaredError reads a and b (contiguous Float32, n elements), writes
	// a − b into diff and sets loss[0] = float32(Σ diff²)·scale, with each
	// square rounded to float32 and the sum taken as Reduce's Sum takes
	// it, so the composed ops (Sub, Square, Sum, MulScalar) give the same
	// bits: MSE with scale 1/n (mean) or 1 (sum).
	SquaredError(loss, diff, a, b Buffer, n int, scale float32)
	// SquaredErrorBackward sets da = g₁·2·diff with g₁ = g[0]·scale, and
	// db = −da, from SquaredError's diff; a nil da or db is skipped.
	SquaredErrorBackward(da, db, diff, g Buffer, n int, scale float32)
}

// RMSpropParams are the scalars of one fused RMSprop update, rounded to
// float32 as the composed ops round them.
type RMSpropParams struct {
	LR, WeightDecay      float32
	Alpha, OneMinusAlpha float32 // α and 1 − α
	Eps, Momentum        float32 // μ is used when the buffer is not nil
	Maximize             bool
}

// AdagradParams are the scalars of one fused Adagrad update; LR is the
// step's decayed learning rate.
type AdagradParams struct {
	LR, WeightDecay, Eps float32
	Maximize             bool
}

// SGDParams are the scalars of one fused SGD update, rounded to float32
// as the composed ops round them.
type SGDParams struct {
	LR, WeightDecay           float32
	Momentum, OneMinusDamp    float32 // μ and 1 − τ; momentum is used when the buffer is not nil
	First, Nesterov, Maximize bool    // First: the buffer starts as the gradient
}
