package cpu

import (
	"fmt"

	"github.com/nervelab/nerve/internal/device"
)

// maxOps is the most operands one strided loop walks together (Where: dst,
// cond, a, b).
const maxOps = 4

// maxDims is the most dimensions a strided walk handles after dropping
// size-1 dimensions and merging the ones contiguous in every operand.
const maxDims = 12

// iter walks several strided views of one shape together, row by row: the
// last dimension is the row, handed to a typed inner loop with its strides.
// Dimensions of size 1 are dropped and dimensions that are contiguous in
// every operand are merged first, so a contiguous view is a single row.
// An iter holds no slices, so it lives on the caller's stack and a small op
// allocates nothing for it.
type iter struct {
	ndim    int                  // coalesced dimensions, ≥ 1 when total > 0
	shape   [maxDims]int         // coalesced shape
	strides [maxOps][maxDims]int // per operand, per coalesced dimension
	base    [maxOps]int          // per operand, the offset of element 0
	nops    int                  // operands in use
	total   int                  // elements in the shape
	n       int                  // row length
	inner   [maxOps]int          // per operand, the stride of the row dimension
}

// rowFunc handles one row of n elements: o holds each operand's offset at
// the row's start and st each operand's stride along it.
type rowFunc func(o, st [maxOps]int, n int)

// init prepares a walk over shape for the operands' layouts (each of
// shape's rank). It panics if more than maxDims dimensions remain.
func (it *iter) init(shape []int, ls ...device.Layout) {
	it.nops, it.total = len(ls), 1
	for _, s := range shape {
		it.total *= s
	}
	for k, l := range ls {
		it.base[k] = l.Offset
	}
	if it.total == 0 {
		return
	}
	for d, s := range shape {
		if s != 1 {
			it.push(s, ls, d)
		}
	}
	if it.ndim == 0 {
		it.ndim, it.shape[0] = 1, 1
	}
	it.n = it.shape[it.ndim-1]
	for k := range ls {
		it.inner[k] = it.strides[k][it.ndim-1]
	}
}

// push appends dimension d of size s, merging it into the previous one when
// every operand steps through both as through one.
func (it *iter) push(s int, ls []device.Layout, d int) {
	last := it.ndim - 1
	merge := last >= 0
	for k, l := range ls {
		if merge && it.strides[k][last] != l.Strides[d]*s {
			merge = false
		}
	}
	if merge {
		it.shape[last] *= s
		for k, l := range ls {
			it.strides[k][last] = l.Strides[d]
		}
		return
	}
	if it.ndim == maxDims {
		panic(fmt.Sprintf("cpu: a strided view with more than %d unmergeable dimensions", maxDims))
	}
	it.shape[it.ndim] = s
	for k, l := range ls {
		it.strides[k][it.ndim] = l.Strides[d]
	}
	it.ndim++
}

// offsetsAt returns every operand's offset at index idx of the row-major
// walk over the first ndim coalesced dimensions.
func (it *iter) offsetsAt(idx, ndim int) [maxOps]int {
	o := it.base
	for d := ndim - 1; d >= 0; d-- {
		i := idx % it.shape[d]
		idx /= it.shape[d]
		for k := range it.nops {
			o[k] += i * it.strides[k][d]
		}
	}
	return o
}

// transposed reports whether a two-operand walk is a (batched) transpose:
// the destination's rows are contiguous while the source is contiguous
// along the dimension before, so a row-by-row copy would stride through
// the source.
func (it *iter) transposed() bool {
	nd := it.ndim
	return it.nops == 2 && nd >= 2 && it.inner[0] == 1 && it.inner[1] != 1 &&
		it.inner[1] != 0 && it.strides[1][nd-2] == 1 && it.n >= 4
}

// parallelRows calls fn for every row; large walks are split over the
// pool, on a heap copy of the iter so that small walks allocate nothing.
func (it *iter) parallelRows(fn rowFunc) {
	rows := it.total / it.n
	if it.total < parallelThreshold {
		it.walkRows(0, rows, fn)
		return
	}
	c := new(iter)
	*c = *it
	parallelFor(rows, max(1, grainElems/it.n), func(lo, hi int) {
		c.walkRows(lo, hi, fn)
	})
}

// walkRows calls fn for rows lo..hi-1, stepping the offsets like an
// odometer instead of recomputing them per row.
func (it *iter) walkRows(lo, hi int, fn rowFunc) {
	nd := it.ndim - 1
	o := it.offsetsAt(lo, nd)
	var idx [maxDims]int
	for d, r := nd-1, lo; d >= 0; d-- {
		idx[d] = r % it.shape[d]
		r /= it.shape[d]
	}
	for r := lo; r < hi; r++ {
		fn(o, it.inner, it.n)
		it.step(&idx, nd, &o)
	}
}

// step advances the multi-index idx over the first nd dimensions by one
// row.
func (it *iter) step(idx *[maxDims]int, nd int, o *[maxOps]int) {
	for d := nd - 1; d >= 0; d-- {
		idx[d]++
		for k := range it.nops {
			o[k] += it.strides[k][d]
		}
		if idx[d] < it.shape[d] {
			return
		}
		idx[d] = 0
		for k := range it.nops {
			o[k] -= it.strides[k][d] * it.shape[d]
		}
	}
}
