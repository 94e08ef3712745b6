package tensor

import (
	"sync"

	_ "github.com/nervelab/nerve/internal/cpu" // registers the "cpu" device
	"github.com/nervelab/nerve/internal/device"
)

// DType is a tensor's element type.
type DType = device.DType

// The dtypes. Float32 is the compute type; Int64 holds indices and labels.
const (
	Float32 = device.Float32
	Int64   = device.Int64
)

// Tensor is an n-dimensional array of float32 (or int64 indices) that can
// record the operations applied to it for automatic differentiation.
//
// A tensor is a strided view of a storage buffer on a device: views
// (Reshape, Transpose, Narrow, Expand, …) share the buffer and differ in
// shape, strides and offset. Ops never modify their inputs.
type Tensor struct {
	dev     device.Device
	buf     device.Buffer
	shape   []int
	strides []int
	offset  int

	grad         *Tensor
	node         *node // the op that made this tensor; nil for leaves
	requiresGrad bool
	gradOwned    bool // grad's storage is Backward's and nothing else's: ZeroGrad frees it
}

var (
	defaultOnce sync.Once
	defaultDev  device.Device
)

// defaultDevice is the device new tensors are made on.
func defaultDevice() device.Device {
	defaultOnce.Do(func() {
		d, err := device.Get("cpu")
		if err != nil {
			panic(err)
		}
		defaultDev = d
	})
	return defaultDev
}

// empty allocates a contiguous, zero-filled tensor.
func empty(dev device.Device, dt DType, shape []int) *Tensor {
	t := newTensor(dev, shape)
	t.buf = dev.Alloc(dt, t.Numel())
	noteAlloc(t.buf)
	return t
}

// emptyUninit allocates a contiguous tensor whose contents are
// unspecified, for an output the caller overwrites entirely: the device
// may hand back a cached buffer without clearing it.
func emptyUninit(dev device.Device, dt DType, shape []int) *Tensor {
	t := newTensor(dev, shape)
	t.buf = allocUninit(dev, dt, t.Numel())
	return t
}

// allocUninit is emptyUninit's storage alone: n elements of dt whose
// contents are unspecified.
func allocUninit(dev device.Device, dt DType, n int) device.Buffer {
	var b device.Buffer
	if u, ok := dev.(device.Uninit); ok {
		b = u.AllocUninit(dt, n)
	} else {
		b = dev.Alloc(dt, n)
	}
	noteAlloc(b)
	return b
}

// newTensor returns a contiguous tensor of the shape on dev, without
// storage.
func newTensor(dev device.Device, shape []int) *Tensor {
	// shape and strides share one allocation, with the Tensor itself when
	// there are few dimensions.
	dims := len(shape)
	var t *Tensor
	var both []int
	switch {
	case dims <= 1: // smaller objects mean fewer collections for tiny ops
		td := &tensorDims1{}
		t, both = &td.Tensor, td.dims[:2*dims]
	case dims == 2:
		td := &tensorDims2{}
		t, both = &td.Tensor, td.dims[:4]
	case dims <= inlineDims:
		td := &tensorDims{}
		t, both = &td.Tensor, td.dims[:2*dims]
	default:
		t, both = &Tensor{}, make([]int, 2*dims)
	}
	copy(both, shape) // shape itself is not kept: callers' literals stay on their stack
	sh, st := both[:dims:dims], both[dims:]
	s := 1
	for d := dims - 1; d >= 0; d-- {
		st[d] = s
		s *= sh[d]
	}
	t.dev, t.shape, t.strides = dev, sh, st
	return t
}

// inlineDims is the most dimensions whose shape and strides empty stores
// inside the Tensor's own allocation.
const inlineDims = 4

type tensorDims struct {
	Tensor
	dims [2 * inlineDims]int
}

type tensorDims1 struct {
	Tensor
	dims [2]int
}

type tensorDims2 struct {
	Tensor
	dims [4]int
}

// Shape returns a copy of the tensor's shape; for a 0-dimensional tensor it
// is empty but not nil, so New(data, x.Shape()...) keeps x's rank.
func (t *Tensor) Shape() []int { return append([]int{}, t.shape...) }

// Dim returns the number of dimensions (0 for a scalar).
func (t *Tensor) Dim() int { return len(t.shape) }

// Size returns the length of dimension d; negative d counts from the end.
// It panics if d is out of range.
func (t *Tensor) Size(d int) int { return t.shape[normDim("Size", d, len(t.shape))] }

// Numel returns the number of elements.
func (t *Tensor) Numel() int { return numel(t.shape) }

// DType returns the element type.
func (t *Tensor) DType() DType { return t.buf.DType() }

// Strides returns a copy of the strides, in elements.
func (t *Tensor) Strides() []int { return cloneInts(t.strides) }

// IsContiguous reports whether the elements are laid out row-major with no
// gaps (the offset may be non-zero).
func (t *Tensor) IsContiguous() bool {
	s := 1
	for d := len(t.shape) - 1; d >= 0; d-- {
		if t.shape[d] != 1 && t.strides[d] != s {
			return false
		}
		s *= t.shape[d]
	}
	return true
}

func (t *Tensor) layout() device.Layout {
	return device.Layout{Shape: t.shape, Strides: t.strides, Offset: t.offset}
}

// dense returns t if it is contiguous from offset 0, else a contiguous copy.
// It records no graph.
func (t *Tensor) dense() *Tensor {
	if t.offset == 0 && t.IsContiguous() && t.buf.Len() == t.Numel() {
		return t
	}
	return t.copyRaw()
}

// contig returns t if contiguous (at any offset), else a contiguous copy.
func (t *Tensor) contig() *Tensor {
	if t.IsContiguous() {
		return t
	}
	return t.copyRaw()
}

// copyRaw returns a contiguous copy of t with no graph.
func (t *Tensor) copyRaw() *Tensor {
	out := emptyUninit(t.dev, t.DType(), t.shape)
	t.dev.Copy(out.buf, out.layout(), t.buf, t.layout())
	return out
}

// view returns a tensor sharing t's storage with the given geometry.
func (t *Tensor) view(shape, strides []int, offset int) *Tensor {
	return &Tensor{dev: t.dev, buf: t.buf, shape: shape, strides: strides, offset: offset}
}

// Data returns a copy of the elements in row-major order, converted to
// float32 if the tensor holds int64.
func (t *Tensor) Data() []float32 {
	c := t
	if t.DType() != Float32 {
		c = t.convert(Float32)
	}
	c = c.contig()
	out := make([]float32, c.Numel())
	c.dev.ReadF32(out, c.buf, c.offset)
	return out
}

// Int64s returns a copy of the elements in row-major order, converted to
// int64 (truncating toward zero) if the tensor holds float32.
func (t *Tensor) Int64s() []int64 {
	c := t
	if t.DType() != Int64 {
		c = t.convert(Int64)
	}
	c = c.contig()
	out := make([]int64, c.Numel())
	c.dev.ReadI64(out, c.buf, c.offset)
	return out
}

// Item returns the value of a one-element tensor. It panics if the tensor
// has more than one element.
func (t *Tensor) Item() float32 {
	if t.Numel() != 1 {
		shapePanic("Item", t.shape, nil, "a tensor with %d elements cannot be converted to a scalar", t.Numel())
	}
	return t.Data()[0]
}

// At returns the element at the given index (one per dimension; negative
// counts from the end), as float32. It panics on a wrong number of indices
// or an index out of range.
func (t *Tensor) At(idx ...int) float32 {
	if len(idx) != len(t.shape) {
		indexPanic("At", "got %d indices for a tensor of shape %v", len(idx), t.shape)
	}
	off := t.offset
	for d, i := range idx {
		n := t.shape[d]
		if i < -n || i >= n {
			indexPanic("At", "index %d is out of bounds for dimension %d with size %d", i, d, n)
		}
		if i < 0 {
			i += n
		}
		off += i * t.strides[d]
	}
	if t.DType() == Int64 {
		v := make([]int64, 1)
		t.dev.ReadI64(v, t.buf, off)
		return float32(v[0])
	}
	v := make([]float32, 1)
	t.dev.ReadF32(v, t.buf, off)
	return v[0]
}

// Float returns the tensor converted to float32 (t itself if it already
// is). The conversion is differentiable only for float32 input (a no-op).
func (t *Tensor) Float() *Tensor {
	if t.DType() == Float32 {
		return t
	}
	return t.convert(Float32)
}

// Long returns the tensor converted to int64, truncating toward zero, as
// PyTorch's .long(). The result never requires grad.
func (t *Tensor) Long() *Tensor {
	if t.DType() == Int64 {
		return t
	}
	return t.convert(Int64)
}

func (t *Tensor) convert(dt DType) *Tensor {
	out := empty(t.dev, dt, t.shape)
	t.dev.Copy(out.buf, out.layout(), t.buf, t.layout())
	return out
}

func (t *Tensor) mustFloat(op string) {
	if t.DType() != Float32 {
		panic(&DTypeError{Op: op, Got: t.DType(), Want: "float32"})
	}
}

func (t *Tensor) mustInt64(op string) {
	if t.DType() != Int64 {
		panic(&DTypeError{Op: op, Got: t.DType(), Want: "int64"})
	}
}

func sameDevice(op string, ts ...*Tensor) {
	for _, u := range ts[1:] {
		if u.dev != ts[0].dev {
			panic(&ShapeError{Op: op, A: ts[0].Shape(), B: u.Shape(),
				Why: "are on different devices (" + ts[0].dev.Name() + ", " + u.dev.Name() + ")"})
		}
	}
}

// SharesStorage reports whether t and u are views of the same storage.
func (t *Tensor) SharesStorage(u *Tensor) bool { return t.buf == u.buf }

// Release gives t's storage back to its device at once, for reuse by the
// next tensors of its size, as PyTorch frees a tensor when its last
// reference goes; without it the memory waits for the garbage collector.
// t and every view sharing its storage must not be used afterwards (they
// panic with ErrFreed). It panics if t requires grad (a graph may still
// need it).
func (t *Tensor) Release() {
	if t.requiresGrad {
		panic(&GradError{Op: "Release", Why: "the tensor requires grad: its graph may still read it"})
	}
	t.dev.Free(t.buf)
}
