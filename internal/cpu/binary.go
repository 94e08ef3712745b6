package cpu

import (
	"fmt"
	"math"

	"github.com/nervelab/nerve/internal/device"
)

// Binary sets dst (Float32, layout dl) to op(a, b), reading a and b through
// layouts of dl's shape (stride 0 where broadcast). a and b are both Float32
// or both Int64; Int64 inputs are combined exactly in int64 (Add, Sub, Mul,
// Maximum, Minimum, comparisons) or in float64 (Div is true division, Pow)
// and rounded to float32. Comparisons write 1 or 0. Maximum and Minimum
// propagate NaN, as torch.maximum.
func (Device) Binary(op device.BinaryOp, dst device.Buffer, dl device.Layout,
	a device.Buffer, al device.Layout, b device.Buffer, bl device.Layout) {
	d, ab := f32s(dst), buf(a)
	if n, ok := denseTriple(dl, al, bl); ok && op <= device.Div && ab.dt == device.Float32 {
		denseArith(op, d[dl.Offset:dl.Offset+n], f32s(a)[al.Offset:al.Offset+n], f32s(b)[bl.Offset:bl.Offset+n])
		return
	}
	var it iter
	it.init(dl.Shape, dl, al, bl)
	if it.total == 0 {
		return
	}
	if ab.dt == device.Int64 {
		f := binaryI64(op)
		x, y := i64s(a), i64s(b)
		it.parallelRows(func(o, st [maxOps]int, n int) { stridedI64(f, d, x, y, &o, &st, n) })
		return
	}
	x, y := f32s(a), f32s(b)
	f := binaryF32(op)
	if it.total < parallelThreshold { // inline, with no closure of ours on the heap
		it.walkRows(0, it.total/it.n, func(o, st [maxOps]int, n int) { binaryRow(op, f, d, x, y, &o, &st, n) })
		return
	}
	it.parallelRows(func(o, st [maxOps]int, n int) { binaryRow(op, f, d, x, y, &o, &st, n) })
}

// binaryRow computes one row of a strided float32 Binary.
func binaryRow(op device.BinaryOp, f func(x, y float32) float32, d, x, y []float32, o, st *[maxOps]int, n int) {
	if !contiguousArith(op, d, x, y, o, st, n) {
		stridedF32(f, d, x, y, o, st, n)
	}
}

// denseTriple reports whether three layouts of one shape are all
// row-major without gaps (any offsets), and returns their size.
func denseTriple(dl, al, bl device.Layout) (int, bool) {
	n := 1
	for d := len(dl.Shape) - 1; d >= 0; d-- {
		if dl.Shape[d] != 1 && (dl.Strides[d] != n || al.Strides[d] != n || bl.Strides[d] != n) {
			return 0, false
		}
		n *= dl.Shape[d]
	}
	return n, true
}

// denseArith is one of the four arithmetic ops over dense slices, split
// over the pool when large (small ones run inline: no closure, no
// allocation).
func denseArith(op device.BinaryOp, d, a, b []float32) {
	if len(d) < parallelThreshold {
		arith(op, d, a[:len(d)], b[:len(d)])
		return
	}
	parallelElems(len(d), func(lo, hi int) { arith(op, d[lo:hi], a[lo:hi], b[lo:hi]) })
}

// contiguousArith runs the four arithmetic ops over unit-stride rows (or a
// broadcast scalar b) without a call per element, and reports whether it
// handled the row.
func contiguousArith(op device.BinaryOp, d, a, b []float32, o, st *[maxOps]int, n int) bool {
	if op > device.Div || st[0] != 1 || st[1] != 1 || (st[2] != 1 && st[2] != 0) {
		return false
	}
	dd, aa := d[o[0]:o[0]+n], a[o[1]:o[1]+n]
	if st[2] == 0 {
		arithScalar(op, dd, aa, b[o[2]])
		return true
	}
	arith(op, dd, aa, b[o[2]:o[2]+n])
	return true
}

func stridedF32(f func(x, y float32) float32, d, a, b []float32, o, st *[maxOps]int, n int) {
	di, ai, bi := o[0], o[1], o[2]
	for range n {
		d[di] = f(a[ai], b[bi])
		di += st[0]
		ai += st[1]
		bi += st[2]
	}
}

func stridedI64(f func(x, y int64) float32, d []float32, a, b []int64, o, st *[maxOps]int, n int) {
	di, ai, bi := o[0], o[1], o[2]
	for range n {
		d[di] = f(a[ai], b[bi])
		di += st[0]
		ai += st[1]
		bi += st[2]
	}
}

func b2f(c bool) float32 {
	if c {
		return 1
	}
	return 0
}

// binaryF32 returns op on float32 values.
func binaryF32(op device.BinaryOp) func(x, y float32) float32 {
	switch op {
	case device.Add:
		return func(x, y float32) float32 { return x + y }
	case device.Sub:
		return func(x, y float32) float32 { return x - y }
	case device.Mul:
		return func(x, y float32) float32 { return x * y }
	case device.Div:
		return func(x, y float32) float32 { return x / y }
	case device.Pow:
		return func(x, y float32) float32 { return float32(math.Pow(float64(x), float64(y))) }
	case device.Maximum:
		return maximum
	case device.Minimum:
		return func(x, y float32) float32 { return -maximum(-x, -y) }
	}
	return compare[float32](op)
}

// maximum is max(x, y), NaN if either is NaN.
func maximum(x, y float32) float32 {
	if x != x || x > y {
		return x
	}
	return y // also when y is NaN
}

// compare returns the comparison op on values of one ordered type, with a
// 0/1 float32 result.
func compare[T int64 | float32](op device.BinaryOp) func(x, y T) float32 {
	switch op {
	case device.Eq:
		return func(x, y T) float32 { return b2f(x == y) }
	case device.Ne:
		return func(x, y T) float32 { return b2f(x != y) }
	case device.Gt:
		return func(x, y T) float32 { return b2f(x > y) }
	case device.Ge:
		return func(x, y T) float32 { return b2f(x >= y) }
	case device.Lt:
		return func(x, y T) float32 { return b2f(x < y) }
	case device.Le:
		return func(x, y T) float32 { return b2f(x <= y) }
	}
	panic(fmt.Sprintf("cpu: Binary: unknown op %v", op))
}

// binaryI64 returns op on int64 values with a float32 result.
func binaryI64(op device.BinaryOp) func(x, y int64) float32 {
	switch op {
	case device.Add:
		return func(x, y int64) float32 { return float32(x + y) }
	case device.Sub:
		return func(x, y int64) float32 { return float32(x - y) }
	case device.Mul:
		return func(x, y int64) float32 { return float32(x * y) }
	case device.Div:
		return func(x, y int64) float32 { return float32(float64(x) / float64(y)) }
	case device.Pow:
		return func(x, y int64) float32 { return float32(math.Pow(float64(x), float64(y))) }
	case device.Maximum:
		return func(x, y int64) float32 { return float32(max(x, y)) }
	case device.Minimum:
		return func(x, y int64) float32 { return float32(min(x, y)) }
	}
	return compare[int64](op)
}

// Where sets dst = cond ≠ 0 ? a : b, every input read through a layout of
// dl's shape. dst, a and b share one dtype (Float32 or Int64); cond is
// Float32 or Int64 (a NaN condition counts as true, being ≠ 0).
func (Device) Where(dst device.Buffer, dl device.Layout, cond device.Buffer, cl device.Layout,
	a device.Buffer, al device.Layout, b device.Buffer, bl device.Layout) {
	var it iter
	it.init(dl.Shape, dl, cl, al, bl)
	if it.total == 0 {
		return
	}
	c := buf(cond)
	if buf(dst).dt == device.Int64 {
		d, x, y := i64s(dst), i64s(a), i64s(b)
		it.parallelRows(func(o, st [maxOps]int, n int) { whereRow(d, c, x, y, &o, &st, n) })
		return
	}
	d, x, y := f32s(dst), f32s(a), f32s(b)
	it.parallelRows(func(o, st [maxOps]int, n int) { whereRow(d, c, x, y, &o, &st, n) })
}

func whereRow[T float32 | int64](d []T, c *buffer, a, b []T, o, st *[maxOps]int, n int) {
	di, ci, ai, bi := o[0], o[1], o[2], o[3]
	ints := c.dt == device.Int64
	var cf []float32
	var cn []int64
	if ints {
		cn = c.ints()
	} else {
		cf = c.floats()
	}
	for range n {
		var t bool
		if ints {
			t = cn[ci] != 0
		} else {
			t = cf[ci] != 0
		}
		if t {
			d[di] = a[ai]
		} else {
			d[di] = b[bi]
		}
		di, ci, ai, bi = di+st[0], ci+st[1], ai+st[2], bi+st[3]
	}
}
