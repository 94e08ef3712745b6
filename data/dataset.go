package data

import (
	"fmt"
	"math"

	"github.com/nervelab/nerve/tensor"
)

// Dataset is a collection of (input, target) examples addressed by index,
// like a PyTorch map-style dataset. Item returns one example without a
// batch dimension and may panic for an index outside [0, Len()).
type Dataset interface {
	Len() int
	Item(i int) (x, y *tensor.Tensor)
}

// Batcher is the optional fast path of a Dataset: Batch gathers the
// examples idx at once, with a leading batch dimension on x and y, as
// stacking the Items would.
type Batcher interface {
	Batch(idx []int) (x, y *tensor.Tensor)
}

// FreshBatcher is a Batcher whose batches are new storage that nothing
// else holds, so whoever takes one may free it when done with it
// (Loader.Release; fit does after each step): reusing that memory for the
// next batch spares the page faults of fresh memory. TensorDataset,
// mnist.Set and a Subset of one are; a type that embeds one of them and
// overrides Batch must override FreshBatches too.
type FreshBatcher interface {
	Batcher
	FreshBatches() bool
}

// Collate gathers the examples idx of ds into one batch: through Batch
// when ds is a Batcher, else by stacking its Items along a new first
// dimension (PyTorch's default_collate).
func Collate(ds Dataset, idx []int) (x, y *tensor.Tensor) {
	if b, ok := ds.(Batcher); ok {
		return b.Batch(idx)
	}
	xs := make([]*tensor.Tensor, len(idx))
	ys := make([]*tensor.Tensor, len(idx))
	for k, i := range idx {
		xs[k], ys[k] = ds.Item(i)
	}
	return tensor.Stack(xs, 0), tensor.Stack(ys, 0)
}

// TensorDataset holds inputs and targets in host memory, one example per
// index of their first dimension (PyTorch's TensorDataset). Targets are
// float32 (regression) or int64 (class indices).
type TensorDataset struct {
	n      int
	xShape []int // one example's shape
	x      []float32
	yShape []int
	yF     []float32 // float32 targets, or
	yI     []int64   // int64 targets
}

// NewTensorDataset copies x and y to host memory. Their first dimensions
// must agree; y must be float32 or int64.
func NewTensorDataset(x, y *tensor.Tensor) (*TensorDataset, error) {
	xs, ys := x.Shape(), y.Shape()
	if len(xs) == 0 || len(ys) == 0 {
		return nil, fmt.Errorf("data: NewTensorDataset: inputs %v and targets %v need a first (example) dimension", xs, ys)
	}
	if xs[0] != ys[0] {
		return nil, fmt.Errorf("data: NewTensorDataset: %d inputs (shape %v) but %d targets (shape %v)", xs[0], xs, ys[0], ys)
	}
	if x.DType() != tensor.Float32 {
		return nil, fmt.Errorf("data: NewTensorDataset: inputs must be float32, got %v", x.DType())
	}
	d := &TensorDataset{n: xs[0], xShape: xs[1:], x: x.Data(), yShape: ys[1:]}
	switch y.DType() {
	case tensor.Float32:
		d.yF = y.Data()
	case tensor.Int64:
		d.yI = y.Int64s()
	default:
		return nil, fmt.Errorf("data: NewTensorDataset: targets must be float32 or int64, got %v", y.DType())
	}
	return d, nil
}

// Len returns the number of examples.
func (d *TensorDataset) Len() int { return d.n }

// InputShape returns the shape of one input.
func (d *TensorDataset) InputShape() []int { return append([]int{}, d.xShape...) }

// TargetShape returns the shape of one target.
func (d *TensorDataset) TargetShape() []int { return append([]int{}, d.yShape...) }

// Item returns example i; it panics if i is out of range.
func (d *TensorDataset) Item(i int) (x, y *tensor.Tensor) {
	x, y = d.Batch([]int{i})
	return x.Reshape(d.xShape...), y.Reshape(d.yShape...)
}

// FreshBatches reports true: Batch copies the examples into new tensors.
func (d *TensorDataset) FreshBatches() bool { return true }

// Batch gathers the examples idx; it panics if one is out of range.
func (d *TensorDataset) Batch(idx []int) (x, y *tensor.Tensor) {
	xw, yw := prod(d.xShape), prod(d.yShape)
	xb := make([]float32, len(idx)*xw)
	for k, i := range idx {
		d.check(i)
		copy(xb[k*xw:], d.x[i*xw:(i+1)*xw])
	}
	x = tensor.New(xb, batchShape(len(idx), d.xShape)...)
	if d.yI != nil {
		yb := make([]int64, len(idx)*yw)
		for k, i := range idx {
			copy(yb[k*yw:], d.yI[i*yw:(i+1)*yw])
		}
		return x, tensor.FromInt64(yb, batchShape(len(idx), d.yShape)...)
	}
	yb := make([]float32, len(idx)*yw)
	for k, i := range idx {
		copy(yb[k*yw:], d.yF[i*yw:(i+1)*yw])
	}
	return x, tensor.New(yb, batchShape(len(idx), d.yShape)...)
}

func (d *TensorDataset) check(i int) {
	if i < 0 || i >= d.n {
		panic(&tensor.IndexError{Op: "TensorDataset", Why: fmt.Sprintf("index %d out of range for %d examples", i, d.n)})
	}
}

func batchShape(n int, shape []int) []int { return append([]int{n}, shape...) }

func prod(shape []int) int {
	p := 1
	for _, s := range shape {
		p *= s
	}
	return p
}

// Subset is the part of a dataset at the given indices (PyTorch's Subset).
type Subset struct {
	Dataset Dataset
	Indices []int
}

// NewSubset returns the examples of ds at indices, in that order. It
// panics if an index is out of range.
func NewSubset(ds Dataset, indices []int) *Subset {
	n := ds.Len()
	for _, i := range indices {
		if i < 0 || i >= n {
			panic(&tensor.IndexError{Op: "NewSubset", Why: fmt.Sprintf("index %d out of range for %d examples", i, n)})
		}
	}
	return &Subset{Dataset: ds, Indices: append([]int{}, indices...)}
}

// Head returns the first n examples of ds (all of them if it has fewer).
func Head(ds Dataset, n int) *Subset {
	n = max(0, min(n, ds.Len()))
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return &Subset{Dataset: ds, Indices: idx}
}

// Len returns the number of selected examples.
func (s *Subset) Len() int { return len(s.Indices) }

// Item returns the i-th selected example.
func (s *Subset) Item(i int) (x, y *tensor.Tensor) { return s.Dataset.Item(s.Indices[i]) }

// FreshBatches reports whether the parent's batches are fresh.
func (s *Subset) FreshBatches() bool {
	f, ok := s.Dataset.(FreshBatcher)
	return ok && f.FreshBatches()
}

// Batch gathers selected examples, through the parent's fast path if it
// has one.
func (s *Subset) Batch(idx []int) (x, y *tensor.Tensor) {
	mapped := make([]int, len(idx))
	for k, i := range idx {
		mapped[k] = s.Indices[i]
	}
	return Collate(s.Dataset, mapped)
}

// RandomSplit splits ds into non-overlapping random subsets, one per
// fraction, drawn with a generator seeded by seed (the same seed gives
// the same split). Fractions must be positive and sum to 1 (within 1e-6);
// the examples left over by rounding down go one each to the subsets in
// order, as PyTorch's random_split does.
func RandomSplit(ds Dataset, seed uint64, fractions ...float64) ([]*Subset, error) {
	n := ds.Len()
	sum := 0.0
	for _, f := range fractions {
		if !(f > 0) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("data: RandomSplit: fraction %v is not positive", f)
		}
		sum += f
	}
	if len(fractions) == 0 || math.Abs(sum-1) > 1e-6 {
		return nil, fmt.Errorf("data: RandomSplit: fractions %v must sum to 1", fractions)
	}
	lengths := make([]int, len(fractions))
	used := 0
	for i, f := range fractions {
		lengths[i] = int(math.Floor(float64(n) * f))
		used += lengths[i]
	}
	for i := 0; used < n; i = (i + 1) % len(lengths) {
		lengths[i]++
		used++
	}
	perm := tensor.NewGenerator(seed).Perm(n)
	out := make([]*Subset, len(lengths))
	at := 0
	for i, l := range lengths {
		out[i] = &Subset{Dataset: ds, Indices: perm[at : at+l : at+l]}
		at += l
	}
	return out, nil
}
