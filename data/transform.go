package data

import (
	"fmt"

	"github.com/nervelab/nerve/tensor"
)

// Transform changes one example's input, like a torchvision transform.
// A Transform that can also work on a whole batch (inputs with a leading
// batch dimension) implements BatchTransform, and Map then uses the
// dataset's Batch fast path.
type Transform interface {
	Apply(x *tensor.Tensor) *tensor.Tensor
}

// BatchTransform is a Transform that also applies to a batch at once.
type BatchTransform interface {
	Transform
	ApplyBatch(x *tensor.Tensor) *tensor.Tensor
}

// TransformFunc adapts a function of one example to a Transform.
type TransformFunc func(x *tensor.Tensor) *tensor.Tensor

// Apply calls f.
func (f TransformFunc) Apply(x *tensor.Tensor) *tensor.Tensor { return f(x) }

// Normalize subtracts Mean and divides by Std per channel, the first
// dimension of an example (torchvision's Normalize): for an image
// [C, H, W], Mean and Std have C values, or one value for all channels.
// Apply panics with a ShapeError when the channel count differs.
type Normalize struct {
	Mean, Std []float32
}

// NewNormalize returns a Normalize; it panics if the lengths of mean and
// std differ or a std is not positive.
func NewNormalize(mean, std []float32) Normalize {
	if len(mean) != len(std) || len(mean) == 0 {
		panic(fmt.Sprintf("data: Normalize: %d means and %d stds", len(mean), len(std)))
	}
	for _, s := range std {
		if !(s > 0) {
			panic(fmt.Sprintf("data: Normalize: std %v is not positive", s))
		}
	}
	return Normalize{Mean: mean, Std: std}
}

// Apply normalises one example whose first dimension is the channel.
func (n Normalize) Apply(x *tensor.Tensor) *tensor.Tensor { return n.along(x, 0) }

// ApplyBatch normalises a batch [N, C, ...].
func (n Normalize) ApplyBatch(x *tensor.Tensor) *tensor.Tensor { return n.along(x, 1) }

func (n Normalize) along(x *tensor.Tensor, dim int) *tensor.Tensor {
	if len(n.Mean) == 1 {
		return x.SubScalar(n.Mean[0]).DivScalar(n.Std[0])
	}
	shape := x.Shape()
	if len(shape) <= dim || shape[dim] != len(n.Mean) {
		panic(&tensor.ShapeError{Op: "Normalize", A: shape, Why: fmt.Sprintf("dimension %d must hold the %d channels", dim, len(n.Mean))})
	}
	bshape := make([]int, len(shape)-dim)
	for i := range bshape {
		bshape[i] = 1
	}
	bshape[0] = len(n.Mean)
	mean := tensor.New(append([]float32{}, n.Mean...), bshape...)
	std := tensor.New(append([]float32{}, n.Std...), bshape...)
	return x.Sub(mean).Div(std)
}

// Compose applies transforms in order (torchvision's Compose). It is a
// BatchTransform when every part is one.
type Compose []Transform

// Apply applies each transform in turn.
func (c Compose) Apply(x *tensor.Tensor) *tensor.Tensor {
	for _, t := range c {
		x = t.Apply(x)
	}
	return x
}

// batchable reports whether every part works on batches.
func (c Compose) batchable() bool {
	for _, t := range c {
		if !isBatch(t) {
			return false
		}
	}
	return true
}

// ApplyBatch applies each transform to the batch; it panics if a part is
// not a BatchTransform (Map checks before using it).
func (c Compose) ApplyBatch(x *tensor.Tensor) *tensor.Tensor {
	for _, t := range c {
		x = t.(BatchTransform).ApplyBatch(x)
	}
	return x
}

func isBatch(t Transform) bool {
	if c, ok := t.(Compose); ok {
		return c.batchable()
	}
	_, ok := t.(BatchTransform)
	return ok
}

// Mapped is a dataset whose inputs pass through a Transform.
type Mapped struct {
	Dataset   Dataset
	Transform Transform
}

// Map returns ds with t applied to every input.
func Map(ds Dataset, t Transform) *Mapped { return &Mapped{Dataset: ds, Transform: t} }

// Len returns the parent's length.
func (m *Mapped) Len() int { return m.Dataset.Len() }

// Item returns example i with its input transformed.
func (m *Mapped) Item(i int) (x, y *tensor.Tensor) {
	x, y = m.Dataset.Item(i)
	return m.Transform.Apply(x), y
}

// Batch gathers examples idx: the parent's batch transformed at once when
// the transform allows, else each item transformed then stacked.
func (m *Mapped) Batch(idx []int) (x, y *tensor.Tensor) {
	if _, fast := m.Dataset.(Batcher); fast && isBatch(m.Transform) {
		x, y = Collate(m.Dataset, idx)
		return m.Transform.(BatchTransform).ApplyBatch(x), y
	}
	xs := make([]*tensor.Tensor, len(idx))
	ys := make([]*tensor.Tensor, len(idx))
	for k, i := range idx {
		xs[k], ys[k] = m.Item(i)
	}
	return tensor.Stack(xs, 0), tensor.Stack(ys, 0)
}
