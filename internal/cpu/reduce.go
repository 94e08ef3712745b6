package cpu

import (
	"fmt"
	"math"

	"github.com/nervelab/nerve/internal/device"
)

// sumBlock is how many columns a Sum over a strided axis accumulates at
// once, in a float64 array on the stack.
const sumBlock = 256

// Reduce reads src (Float32, contiguous from sOff) as [outer, n, inner] and
// reduces the middle axis into dst [outer, inner] (contiguous from 0;
// Float32, or Int64 for ArgMax and ArgMin). Sum accumulates in float64. Max
// and Min propagate NaN; ArgMax and ArgMin return the first occurrence of
// the extreme, where a NaN counts as the extreme (PyTorch's rule). For n = 0,
// Sum writes 0, Max −Inf, Min +Inf and the arg-reductions 0.
func (Device) Reduce(op device.ReduceOp, dst device.Buffer, src device.Buffer, sOff int,
	outer, n, inner int) {
	s := f32s(src)[sOff : sOff+outer*n*inner]
	if op == device.Sum && inner > 1 {
		sumColumns(f32s(dst), s, outer, n, inner)
		return
	}
	if op == device.Sum && outer*n < parallelThreshold { // inline, with no closure on the heap
		d := f32s(dst)
		for o := range outer {
			d[o] = float32(rowSum(s, o*n, 1, n))
		}
		return
	}
	row := reduceRow(op, dst)
	forRows(outer, n, inner, func(base, stride, out int) { row(s, base, stride, n, out) })
}

// forRows calls fn for each of the outer·inner strided rows of an
// [outer, n, inner] array: base is the row's first element, stride is
// inner and out is the row's index in [outer, inner]. Large arrays are
// split over the pool.
func forRows(outer, n, inner int, fn func(base, stride, out int)) {
	run := func(lo, hi int) {
		for u := lo; u < hi; u++ {
			o, i := u/inner, u%inner
			fn(o*n*inner+i, inner, u)
		}
	}
	units := outer * inner
	if units*n < parallelThreshold {
		run(0, units)
		return
	}
	parallelFor(units, max(1, grainElems/max(n, 1)), run)
}

// reduceRow returns the function reducing one strided row of n elements
// starting at base into element out of dst.
func reduceRow(op device.ReduceOp, dst device.Buffer) func(s []float32, base, stride, n, out int) {
	switch op {
	case device.Sum:
		d := f32s(dst)
		return func(s []float32, base, stride, n, out int) {
			d[out] = float32(rowSum(s, base, stride, n))
		}
	case device.Max, device.Min:
		d := f32s(dst)
		empty := float32(math.Inf(-1))
		if op == device.Min {
			empty = -empty
		}
		return func(s []float32, base, stride, n, out int) {
			if stride == 1 {
				if v, ok := rowExtreme(s[base:base+n], op == device.Max); ok {
					d[out] = v
					return
				}
			}
			d[out] = empty
			if k := rowArg(s, base, stride, n, op == device.Max); k >= 0 {
				d[out] = s[base+stride*k]
			}
		}
	case device.ArgMax, device.ArgMin:
		d := i64s(dst)
		return func(s []float32, base, stride, n, out int) {
			d[out] = int64(max(rowArg(s, base, stride, n, op == device.ArgMax), 0))
		}
	}
	panic(fmt.Sprintf("cpu: Reduce: unknown op %v", op))
}

// rowSum sums a strided row in float64. On a unit stride it keeps
// sumLanes partial sums, element k going to sum k mod sumLanes in order
// (as the SIMD kernel does, so both give the same bits), and adds them
// pairwise at the end.
func rowSum(s []float32, base, stride, n int) float64 {
	if stride != 1 {
		var t float64
		for k := range n {
			t += float64(s[base+k*stride])
		}
		return t
	}
	var t [sumLanes]float64
	return laneTotal(&t, sumLanesBlocks(&t, s[base:base+n]))
}

// laneTotal adds tail (fewer than sumLanes elements, element i to sum i)
// into the partial sums t and returns their pairwise total: the end of
// rowSum's unit-stride sum.
func laneTotal(t *[sumLanes]float64, tail []float32) float64 {
	for i, v := range tail {
		t[i] += float64(v)
	}
	for w := sumLanes / 2; w >= 1; w /= 2 {
		for j := range w {
			t[j] += t[j+w]
		}
	}
	return t[0]
}

// rowArg returns the index of the first maximum (or minimum) of a strided
// row; the first NaN wins. For n = 0 it returns −1.
func rowArg(s []float32, base, stride, n int, isMax bool) int {
	if n == 0 {
		return -1
	}
	best, bi := s[base], 0
	if best != best {
		return 0
	}
	for k := 1; k < n; k++ {
		v := s[base+k*stride]
		switch {
		case v != v:
			return k
		case isMax && v > best, !isMax && v < best:
			best, bi = v, k
		}
	}
	return bi
}

// sumColumns sums [outer, n, inner] over n, a block of columns at a time so
// the rows are read contiguously.
func sumColumns(d, s []float32, outer, n, inner int) {
	nb := (inner + sumBlock - 1) / sumBlock
	if outer*n*inner < parallelThreshold { // inline, with no closure on the heap
		sumColumnBlocks(d, s, n, inner, 0, outer*nb)
		return
	}
	parallelFor(outer*nb, max(1, grainElems/(n*sumBlock+1)), func(lo, hi int) {
		sumColumnBlocks(d, s, n, inner, lo, hi)
	})
}

// sumColumnBlocks is sumColumns for blocks lo..hi-1 of sumBlock columns,
// numbered along each outer index in turn.
func sumColumnBlocks(d, s []float32, n, inner, lo, hi int) {
	nb := (inner + sumBlock - 1) / sumBlock
	var acc [sumBlock]float64
	for u := lo; u < hi; u++ {
		o, i0 := u/nb, (u%nb)*sumBlock
		i1 := min(i0+sumBlock, inner)
		a := acc[:i1-i0]
		clear(a)
		for k := range n {
			row := s[o*n*inner+k*inner+i0 : o*n*inner+k*inner+i1]
			for i, v := range row {
				a[i] += float64(v)
			}
		}
		out := d[o*inner+i0 : o*inner+i1]
		for i, v := range a {
			out[i] = float32(v)
		}
	}
}

// Softmax applies softmax (or log-softmax) along the middle axis of the
// contiguous [outer, n, inner] src into dst (both from offset 0; they may
// be the same buffer). The row maximum is subtracted first and the sum of
// exponentials is accumulated in float64, so logits of ±1000 give no
// overflow.
func (Device) Softmax(dst, src device.Buffer, outer, n, inner int, log bool) {
	d, s := f32s(dst), f32s(src)
	forRows(outer, n, inner, func(base, stride, _ int) {
		softmaxRow(d, s, base, stride, n, log)
	})
}

func softmaxRow(d, s []float32, base, stride, n int, log bool) {
	if n == 0 {
		return
	}
	if stride == 1 {
		softmaxUnit(d[base:base+n], s[base:base+n], log)
		return
	}
	m := float64(s[base+stride*rowArg(s, base, stride, n, true)])
	var sum float64
	for k := range n {
		sum += math.Exp(float64(s[base+k*stride]) - m)
	}
	if log {
		lse := m + math.Log(sum)
		for k := range n {
			i := base + k*stride
			d[i] = float32(float64(s[i]) - lse)
		}
		return
	}
	inv := 1 / sum
	for k := range n {
		i := base + k*stride
		d[i] = float32(math.Exp(float64(s[i])-m) * inv)
	}
}

// rowMax is the maximum of a contiguous non-empty row as rowArg picks it
// (the first NaN wins), by the SIMD kernel where it can tell.
func rowMax(x []float32) float32 {
	if m, ok := rowExtreme(x, true); ok {
		return m
	}
	return x[rowArg(x, 0, 1, len(x), true)]
}

// softmaxUnit is softmaxRow for a contiguous row: the exponentials of
// x − max by the SIMD kernel (float32, as PyTorch's), their sum in
// float64; log-softmax is (x − max) − log(sum).
func softmaxUnit(d, s []float32, log bool) {
	m := rowMax(s)
	scaleShift(d, s, 1, -m)
	expLoop(d, d)
	sum := rowSum(d, 0, 1, len(d))
	if log {
		scaleShift(d, s, 1, -m)
		scaleShift(d, d, 1, float32(-math.Log(sum)))
		return
	}
	scaleShift(d, d, float32(1/sum), 0)
}

// SoftmaxBackward computes dx from the upstream gradient g and the forward
// output y: dx = y·(g − Σ g·y) for softmax, dx = g − exp(y)·Σ g for
// log-softmax, the sums running along the middle axis.
func (Device) SoftmaxBackward(dx, g, y device.Buffer, outer, n, inner int, log bool) {
	d, gs, ys := f32s(dx), f32s(g), f32s(y)
	forRows(outer, n, inner, func(base, stride, _ int) {
		if log {
			logSoftmaxGradRow(d, gs, ys, base, stride, n)
		} else {
			softmaxGradRow(d, gs, ys, base, stride, n)
		}
	})
}

func softmaxGradRow(d, g, y []float32, base, stride, n int) {
	if stride == 1 { // y·(g − Σg·y), the sum a float32 SIMD dot product
		d, g, y = d[base:base+n], g[base:base+n], y[base:base+n]
		arithScalar(device.Sub, d, g, dotUnit(g, y))
		arith(device.Mul, d, d, y)
		return
	}
	var dot float64
	for k := range n {
		i := base + k*stride
		dot += float64(g[i]) * float64(y[i])
	}
	for k := range n {
		i := base + k*stride
		d[i] = float32(float64(y[i]) * (float64(g[i]) - dot))
	}
}

func logSoftmaxGradRow(d, g, y []float32, base, stride, n int) {
	sum := rowSum(g, base, stride, n)
	if stride == 1 { // g − exp(y)·Σg, the exponentials by the SIMD kernel
		d, g, y = d[base:base+n], g[base:base+n], y[base:base+n]
		expLoop(d, y)
		scaleShift(d, d, float32(-sum), 0)
		arith(device.Add, d, d, g)
		return
	}
	for k := range n {
		i := base + k*stride
		d[i] = float32(float64(g[i]) - math.Exp(float64(y[i]))*sum)
	}
}

// partialRuns is the number of runs into which a kernel that sums
// per-item contributions over many items (a convolution's weight
// gradient over images, a layer norm's over rows) splits them: each run
// of consecutive items is summed apart, by one worker, and sumRuns adds
// the runs in order, so the result does not depend on the number of
// threads.
const partialRuns = 8

// sumRuns sets dst to the sum of the runs' partial sums, run r's at
// parts[r·stride:], added in run order.
func sumRuns(dst, parts []float32, stride, runs int) {
	copy(dst, parts[:len(dst)])
	for r := 1; r < runs; r++ {
		arith(device.Add, dst, dst, parts[r*stride:][:len(dst)])
	}
}
