package tensor

import (
	"fmt"
	"strings"
)

func numel(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

func contiguousStrides(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for d := len(shape) - 1; d >= 0; d-- {
		st[d] = s
		s *= shape[d]
	}
	return st
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func shapeString(s []int) string { return fmt.Sprint(s) }

// normDim maps a possibly negative dim into [0, n) or panics naming op.
func normDim(op string, d, n int) int {
	lo, hi := -n, n-1
	if n == 0 {
		lo, hi = -1, 0 // PyTorch lets a scalar be addressed as dim 0 or -1
	}
	if d < lo || d > hi {
		indexPanic(op, "dimension out of range (expected to be in range of [%d, %d], but got %d)", lo, hi, d)
	}
	if d < 0 {
		d += n
	}
	if n == 0 {
		return 0
	}
	return d
}

// normDims normalises, sorts and de-duplicates dims; none means all dims.
func normDims(op string, dims []int, n int) []int {
	if len(dims) == 0 {
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		return all
	}
	seen := make([]bool, max(n, 1))
	var out []int
	for _, d := range dims {
		d = normDim(op, d, n)
		if seen[d] {
			indexPanic(op, "dim %d appears multiple times in the list of dims", d)
		}
		seen[d] = true
		out = append(out, d)
	}
	if n == 0 {
		return nil
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// broadcastShapes returns the NumPy/PyTorch broadcast of a and b or panics.
func broadcastShapes(op string, a, b []int) []int {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if k := len(a) - n + i; k >= 0 {
			da = a[k]
		}
		if k := len(b) - n + i; k >= 0 {
			db = b[k]
		}
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			shapePanic(op, a, b, "cannot be broadcast")
		}
	}
	return out
}

// broadcastTo returns a view of t with the given (broadcast-compatible)
// shape, using stride 0 for repeated dims. No graph.
func (t *Tensor) broadcastTo(shape []int) *Tensor {
	if sameShape(t.shape, shape) {
		return t
	}
	st := make([]int, len(shape))
	k := len(shape) - len(t.shape)
	for i := range shape {
		if i >= k && t.shape[i-k] == shape[i] {
			st[i] = t.strides[i-k]
		}
	}
	return t.view(cloneInts(shape), st, t.offset)
}

// sumTo reduces a gradient g to shape (the inverse of broadcasting). No graph.
func sumTo(g *Tensor, shape []int) *Tensor {
	if sameShape(g.shape, shape) {
		return g
	}
	k := len(g.shape) - len(shape)
	var dims []int
	for i := range g.shape {
		if i < k || (shape[i-k] == 1 && g.shape[i] != 1) {
			dims = append(dims, i)
		}
	}
	r := reduceRaw(sumOp, g, dims, true)
	return r.viewAs(shape)
}

// viewAs reshapes a contiguous tensor without copying. No graph.
func (t *Tensor) viewAs(shape []int) *Tensor {
	c := t.contig()
	return c.view(cloneInts(shape), contiguousStrides(shape), c.offset)
}

// inferShape resolves one -1 entry against n elements or panics.
func inferShape(op string, from, shape []int, n int) []int {
	out := cloneInts(shape)
	neg := -1
	known := 1
	for i, s := range out {
		switch {
		case s == -1 && neg >= 0:
			shapePanic(op, from, shape, "only one dimension can be inferred")
		case s == -1:
			neg = i
		case s < 0:
			shapePanic(op, from, shape, "invalid shape dimension %d", s)
		default:
			known *= s
		}
	}
	if neg >= 0 {
		if known == 0 || n%known != 0 {
			shapePanic(op, from, shape, "is invalid for input of size %d", n)
		}
		out[neg] = n / known
	} else if known != n {
		shapePanic(op, from, shape, "is invalid for input of size %d", n)
	}
	return out
}

// viewStrides computes strides that let a tensor with (shape, strides) be
// seen as newShape without a copy, or returns false (PyTorch computeStride).
func viewStrides(shape, strides, newShape []int) ([]int, bool) {
	if numel(shape) == 0 || len(shape) == 0 {
		return contiguousStrides(newShape), true
	}
	out := make([]int, len(newShape))
	vd := len(newShape) - 1
	base := strides[len(strides)-1]
	tn, vn := 1, 1
	for d := len(shape) - 1; d >= 0; d-- {
		tn *= shape[d]
		if d > 0 && (shape[d-1] == 1 || strides[d-1] == tn*base) {
			continue
		}
		for vd >= 0 && (vn < tn || newShape[vd] == 1) {
			out[vd] = vn * base
			vn *= newShape[vd]
			vd--
		}
		if vn != tn {
			return nil, false
		}
		if d > 0 {
			base, tn, vn = strides[d-1], 1, 1
		}
	}
	if vd != -1 {
		return nil, false
	}
	return out, true
}

// Reshape returns a tensor with the same elements and a new shape (one entry
// may be -1). It is a view when the strides allow, else a copy, as PyTorch's
// reshape. It panics if the element counts differ.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	ns := inferShape("Reshape", t.shape, shape, t.Numel())
	if st, ok := viewStrides(t.shape, t.strides, ns); ok {
		return t.viewOp("Reshape", ns, st, t.offset)
	}
	return t.Contiguous().Reshape(ns...)
}

// View is Reshape that never copies; it panics if the tensor's strides do
// not allow the new shape (call Contiguous first), as PyTorch's view.
func (t *Tensor) View(shape ...int) *Tensor {
	ns := inferShape("View", t.shape, shape, t.Numel())
	st, ok := viewStrides(t.shape, t.strides, ns)
	if !ok {
		shapePanic("View", t.shape, ns, "view size is not compatible with input tensor's size and stride; use Reshape")
	}
	return t.viewOp("View", ns, st, t.offset)
}

// viewOp returns a view whose gradient is the upstream gradient reshaped.
func (t *Tensor) viewOp(op string, shape, strides []int, off int) *Tensor {
	out := t.view(shape, strides, off)
	if needsGrad(t) {
		in := t.shape
		record(out, op, []*Tensor{t}, func(g *Tensor) []*Tensor {
			return []*Tensor{g.viewAs(in)}
		})
	}
	return out
}

// Flatten merges dims start..end (inclusive; negative counts from the end)
// into one, as torch.flatten.
func (t *Tensor) Flatten(start, end int) *Tensor {
	if t.Dim() == 0 {
		return t.Reshape(1)
	}
	s, e := normDim("Flatten", start, t.Dim()), normDim("Flatten", end, t.Dim())
	if s > e {
		indexPanic("Flatten", "start dim %d comes after end dim %d", start, end)
	}
	ns := append(cloneInts(t.shape[:s]), numel(t.shape[s:e+1]))
	return t.Reshape(append(ns, t.shape[e+1:]...)...)
}

// Squeeze removes the given dims of size 1 (all size-1 dims if none are
// given). A listed dim whose size is not 1 is left alone, as in PyTorch.
func (t *Tensor) Squeeze(dims ...int) *Tensor {
	drop := make([]bool, t.Dim())
	if len(dims) == 0 {
		for d, s := range t.shape {
			drop[d] = s == 1
		}
	}
	for _, d := range dims {
		d = normDim("Squeeze", d, t.Dim())
		if t.Dim() > 0 {
			drop[d] = t.shape[d] == 1
		}
	}
	var ns, st []int
	for d := range t.shape {
		if !drop[d] {
			ns, st = append(ns, t.shape[d]), append(st, t.strides[d])
		}
	}
	if ns == nil {
		ns, st = []int{}, []int{}
	}
	return t.viewOp("Squeeze", ns, st, t.offset)
}

// Unsqueeze inserts a dim of size 1 at position d (in [-Dim()-1, Dim()]).
func (t *Tensor) Unsqueeze(d int) *Tensor {
	d = normDim("Unsqueeze", d, t.Dim()+1)
	ns := append(append(cloneInts(t.shape[:d]), 1), t.shape[d:]...)
	inner := 1
	if d < t.Dim() {
		inner = t.strides[d] * t.shape[d]
	}
	st := append(append(cloneInts(t.strides[:d]), inner), t.strides[d:]...)
	return t.viewOp("Unsqueeze", ns, st, t.offset)
}

// Transpose swaps dims d0 and d1; the result is a view.
func (t *Tensor) Transpose(d0, d1 int) *Tensor {
	perm := make([]int, t.Dim())
	for i := range perm {
		perm[i] = i
	}
	if t.Dim() == 0 {
		normDim("Transpose", d0, 0)
		normDim("Transpose", d1, 0)
		return t.Permute()
	}
	d0, d1 = normDim("Transpose", d0, t.Dim()), normDim("Transpose", d1, t.Dim())
	perm[d0], perm[d1] = perm[d1], perm[d0]
	return t.Permute(perm...)
}

// T returns the transpose of a 2-D tensor (a 0-D or 1-D tensor unchanged),
// as PyTorch's .T for those ranks. It panics for more than 2 dims.
func (t *Tensor) T() *Tensor {
	if t.Dim() > 2 {
		shapePanic("T", t.shape, nil, "T expects a tensor with <= 2 dimensions; use Transpose or Permute")
	}
	if t.Dim() < 2 {
		return t
	}
	return t.Transpose(0, 1)
}

// Permute reorders the dims; dims must be a permutation of 0..Dim()-1
// (negative entries count from the end). The result is a view.
func (t *Tensor) Permute(dims ...int) *Tensor {
	if len(dims) != t.Dim() {
		shapePanic("Permute", t.shape, dims, "number of dims don't match in permute")
	}
	seen := make([]bool, t.Dim())
	ns, st := make([]int, t.Dim()), make([]int, t.Dim())
	inv := make([]int, t.Dim())
	for i, d := range dims {
		d = normDim("Permute", d, t.Dim())
		if seen[d] {
			indexPanic("Permute", "repeated dim %d in %v", d, dims)
		}
		seen[d] = true
		ns[i], st[i] = t.shape[d], t.strides[d]
		inv[d] = i
	}
	out := t.view(ns, st, t.offset)
	if needsGrad(t) {
		record(out, "Permute", []*Tensor{t}, func(g *Tensor) []*Tensor {
			return []*Tensor{g.Detach().Permute(inv...)}
		})
	}
	return out
}

// Narrow returns the view of length elements of dim d starting at start
// (negative start counts from the end). It panics if the range leaves the
// dim.
func (t *Tensor) Narrow(d, start, length int) *Tensor {
	if t.Dim() == 0 {
		indexPanic("Narrow", "cannot be applied to a 0-dim tensor")
	}
	d = normDim("Narrow", d, t.Dim())
	n := t.shape[d]
	if start < 0 {
		start += n
	}
	if start < 0 || length < 0 || start+length > n {
		indexPanic("Narrow", "start (%d) + length (%d) exceeds dimension size (%d)", start, length, n)
	}
	ns := cloneInts(t.shape)
	ns[d] = length
	out := t.view(ns, cloneInts(t.strides), t.offset+start*t.strides[d])
	if needsGrad(t) {
		record(out, "Narrow", []*Tensor{t}, func(g *Tensor) []*Tensor {
			z := empty(g.dev, Float32, t.shape)
			dst := z.view(ns, z.strides, start*z.strides[d])
			g.dev.Copy(z.buf, dst.layout(), g.buf, g.layout())
			return []*Tensor{z}
		})
	}
	return out
}

// Slice returns elements start..end-1 of dim d, with Python-style negative
// and out-of-range bounds (clamped), like x[start:end] along d.
func (t *Tensor) Slice(d, start, end int) *Tensor {
	d = normDim("Slice", d, t.Dim())
	n := t.shape[d]
	clampIdx := func(i int) int {
		if i < 0 {
			i += n
		}
		return min(max(i, 0), n)
	}
	s, e := clampIdx(start), clampIdx(end)
	return t.Narrow(d, s, max(e-s, 0))
}

// Expand returns a view with size-1 dims repeated to the given shape (-1
// keeps a dim; new leading dims may be added), as PyTorch's expand.
func (t *Tensor) Expand(shape ...int) *Tensor {
	if len(shape) < t.Dim() {
		shapePanic("Expand", t.shape, shape, "the number of sizes provided must be greater or equal to the number of dimensions")
	}
	ns := cloneInts(shape)
	k := len(shape) - t.Dim()
	for i := range ns {
		if i < k {
			if ns[i] < 0 {
				shapePanic("Expand", t.shape, shape, "the expanded size -1 is not allowed in a leading, non-existing dimension")
			}
			continue
		}
		cur := t.shape[i-k]
		if ns[i] == -1 {
			ns[i] = cur
		}
		if cur != 1 && ns[i] != cur {
			shapePanic("Expand", t.shape, shape, "the expanded size must match the existing size %d at non-singleton dimension %d", cur, i)
		}
	}
	out := t.broadcastTo(ns)
	if out == t {
		out = t.view(t.shape, t.strides, t.offset)
	}
	if needsGrad(t) {
		record(out, "Expand", []*Tensor{t}, func(g *Tensor) []*Tensor {
			return []*Tensor{sumTo(g, t.shape)}
		})
	}
	return out
}

// Contiguous returns t if its elements are already row-major and gap-free,
// else a contiguous copy.
func (t *Tensor) Contiguous() *Tensor {
	if t.IsContiguous() {
		return t
	}
	return t.Clone()
}

// Clone returns a contiguous copy of t that stays in the graph (gradients
// flow back to t).
func (t *Tensor) Clone() *Tensor {
	out := t.copyRaw()
	if needsGrad(t) {
		record(out, "Clone", []*Tensor{t}, func(g *Tensor) []*Tensor { return []*Tensor{g} })
	}
	return out
}

func joinInts(s []int) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ", ")
}
