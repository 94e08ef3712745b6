package devicetest

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nervelab/nerve/internal/device"
)

var binaryOps = []device.BinaryOp{device.Add, device.Sub, device.Mul, device.Div, device.Pow,
	device.Maximum, device.Minimum, device.Eq, device.Ne, device.Gt, device.Ge, device.Lt, device.Le}

// refBinary is op in float64; comparisons give 1 or 0 and Maximum/Minimum
// propagate NaN.
func refBinary(op device.BinaryOp, x, y float64) float64 {
	switch op {
	case device.Add:
		return x + y
	case device.Sub:
		return x - y
	case device.Mul:
		return x * y
	case device.Div:
		return x / y
	case device.Pow:
		return math.Pow(x, y)
	case device.Maximum:
		return refIf(x != x || y != y, math.NaN(), math.Max(x, y))
	case device.Minimum:
		return refIf(x != x || y != y, math.NaN(), math.Min(x, y))
	case device.Eq:
		return refIf(x == y, 1, 0)
	case device.Ne:
		return refIf(x != y, 1, 0)
	case device.Gt:
		return refIf(x > y, 1, 0)
	case device.Ge:
		return refIf(x >= y, 1, 0)
	case device.Lt:
		return refIf(x < y, 1, 0)
	case device.Le:
		return refIf(x <= y, 1, 0)
	}
	panic("devicetest: no reference for " + op.String())
}

// binaryShape is an output shape with the shapes broadcast into it; a
// transposed input is stored as its transpose and read through a view.
type binaryShape struct {
	out, a, b  []int
	transposeA bool
}

var binaryShapes = []binaryShape{
	{out: []int{4, 3, 5}, a: []int{4, 1, 5}, b: []int{3, 1}},
	{out: []int{2, 3}, a: []int{}, b: []int{2, 3}},
	{out: []int{2, 3}, a: []int{2, 3}, b: []int{1}},
	{out: []int{3, 2, 4}, a: []int{3, 1, 4}, b: []int{2, 1}},
	{out: []int{6, 7}, a: []int{6, 7}, b: []int{7}, transposeA: true},
	{out: []int{17, 33}, a: []int{17, 33}, b: []int{17, 1}, transposeA: true},
	{out: []int{300, 257}, a: []int{300, 257}, b: []int{257}},
	{out: []int{300, 257}, a: []int{300, 257}, b: []int{300, 257}},
	{out: []int{2, 150, 300}, a: []int{2, 1, 300}, b: []int{150, 1}},
}

// binaryInputs draws n values in halves (so comparisons see ties), shifted
// where op needs it: no zero divisors, positive bases for Pow.
func binaryInputs(r *rand.Rand, op device.BinaryOp, n int, isB bool) []float32 {
	v := make([]float32, n)
	for i := range v {
		x := float32(r.IntN(13)-6) / 2
		switch {
		case op == device.Div && isB && x == 0:
			x = 1.5
		case op == device.Pow && !isB:
			x = float32(math.Abs(float64(x))) + 0.5
		}
		v[i] = x
	}
	return v
}

// viewOf returns a's layout in out for shape s at offset off, stored
// transposed when asked (s must then be 2-D and equal to out).
func viewOf(s []int, out []int, off int, transposed bool) device.Layout {
	if !transposed {
		return broadcastTo(s, out, off)
	}
	return strided(out, []int{1, out[0]}, off)
}

func testBinary(t *testing.T, dev device.Device) {
	r := newRand(4)
	for _, op := range binaryOps {
		testBinarySweep(t, dev, r, op)
		for _, s := range binaryShapes {
			testBinaryShape(t, dev, r, op, s)
		}
		testBinaryInt64(t, dev, r, op)
	}
	testBinaryNaN(t, dev)
}

// runBinary computes op on float32 inputs x, y read through al, bl into a
// guarded contiguous destination at offset 2 and checks it.
func runBinary(t *testing.T, dev device.Device, op device.BinaryOp, what string,
	x []float32, al device.Layout, y []float32, bl device.Layout) {
	t.Helper()
	n := numel(al.Shape)
	dl := device.Contiguous(al.Shape, 2)
	dst := guarded(dev, 0, n+4)
	dev.Binary(op, dst, dl, bufF32(dev, x), al, bufF32(dev, y), bl)
	want := make([]float64, n)
	forEach(al.Shape, func(idx []int, pos int) {
		want[pos] = float64(float32(refBinary(op, float64(x[at(al, idx)]), float64(y[at(bl, idx)]))))
	})
	got := readF32(dev, dst)
	checkNear(t, what, got[2:2+n], want, 1e-6, 1e-7)
	checkGuards(t, what, got, 2, 2+n)
}

// testBinarySweep runs 1-D lengths 0..67 with unaligned input offsets.
func testBinarySweep(t *testing.T, dev device.Device, r *rand.Rand, op device.BinaryOp) {
	for n := range 68 {
		x := append([]float32{9}, binaryInputs(r, op, n, false)...)
		y := append([]float32{9, 9, 9}, binaryInputs(r, op, n, true)...)
		al, bl := device.Contiguous([]int{n}, 1), device.Contiguous([]int{n}, 3)
		runBinary(t, dev, op, name(op, " n=", n), x, al, y, bl)
		if n > 0 { // b a broadcast scalar
			runBinary(t, dev, op, name(op, " scalar b n=", n), x, al, y[3:4], strided([]int{n}, []int{0}, 0))
		}
	}
}

func testBinaryShape(t *testing.T, dev device.Device, r *rand.Rand, op device.BinaryOp, s binaryShape) {
	x := binaryInputs(r, op, numel(s.a)+1, false)
	y := binaryInputs(r, op, numel(s.b), true)
	al := viewOf(s.a, s.out, 1, s.transposeA)
	bl := broadcastTo(s.b, s.out, 0)
	runBinary(t, dev, op, name(op, " ", s.a, " with ", s.b, " → ", s.out), x, al, y, bl)
}

// testBinaryInt64 checks int64 inputs (exact integer arithmetic, true
// division) with broadcasting.
func testBinaryInt64(t *testing.T, dev device.Device, r *rand.Rand, op device.BinaryOp) {
	out := []int{3, 4, 5}
	x := make([]int64, 3*1*5)
	y := make([]int64, 4*5)
	for i := range x {
		x[i] = int64(r.IntN(11) - 5)
		if op == device.Pow {
			x[i] = int64(r.IntN(3) + 1)
		}
	}
	for i := range y {
		y[i] = int64(r.IntN(11) - 5)
		if op == device.Pow || (op == device.Div && y[i] == 0) {
			y[i] = int64(r.IntN(4))
		}
		if op == device.Div && y[i] == 0 {
			y[i] = 3
		}
	}
	al, bl := broadcastTo([]int{3, 1, 5}, out, 0), broadcastTo([]int{4, 5}, out, 0)
	dst := dev.Alloc(device.Float32, 60)
	dev.Binary(op, dst, device.Contiguous(out, 0), bufI64(dev, x), al, bufI64(dev, y), bl)
	want := make([]float64, 60)
	forEach(out, func(idx []int, pos int) {
		want[pos] = float64(float32(refBinary(op, float64(x[at(al, idx)]), float64(y[at(bl, idx)]))))
	})
	checkNear(t, name(op, " int64"), readF32(dev, dst), want, 1e-6, 0)
}

func testBinaryNaN(t *testing.T, dev device.Device) {
	nan := float32(math.NaN())
	x, y := []float32{nan, 1, 2, nan}, []float32{1, nan, 3, nan}
	l := device.Contiguous([]int{4}, 0)
	for _, op := range []device.BinaryOp{device.Maximum, device.Minimum, device.Eq, device.Ne} {
		dst := dev.Alloc(device.Float32, 4)
		dev.Binary(op, dst, l, bufF32(dev, x), l, bufF32(dev, y), l)
		want := make([]float64, 4)
		for i := range want {
			want[i] = refBinary(op, float64(x[i]), float64(y[i]))
		}
		checkNear(t, name(op, " with NaN"), readF32(dev, dst), want, 0, 0)
	}
}

func testWhere(t *testing.T, dev device.Device) {
	r := newRand(5)
	out := []int{4, 3, 5}
	cond := []float32{0, 1, -1, 0.5, float32(math.NaN())}
	icond := []int64{0, 2, -1, 0, 1}
	x := randF32(r, 4*3*5+1, -5, 5)
	y := randF32(r, 3, -5, 5)
	cl := broadcastTo([]int{5}, out, 0)
	al := device.Contiguous(out, 1)
	bl := broadcastTo([]int{3, 1}, out, 0)
	for _, c := range []device.Buffer{bufF32(dev, cond), bufI64(dev, icond)} {
		dst := guarded(dev, 0, 62)
		dev.Where(dst, device.Contiguous(out, 1), c, cl, bufF32(dev, x), al, bufF32(dev, y), bl)
		want := make([]float64, 60)
		forEach(out, func(idx []int, pos int) {
			take := cond[idx[2]] != 0
			if c.DType() == device.Int64 {
				take = icond[idx[2]] != 0
			}
			want[pos] = float64(refIf(take, float64(x[at(al, idx)]), float64(y[at(bl, idx)])))
		})
		got := readF32(dev, dst)
		checkNear(t, name("Where cond ", c.DType()), got[1:61], want, 0, 0)
		checkGuards(t, "Where", got, 1, 61)
	}
	// Int64 data, and a large case for the parallel path.
	ix, iy := []int64{1, 2, 3, 4}, []int64{-1, -2, -3, -4}
	l := device.Contiguous([]int{4}, 0)
	idst := dev.Alloc(device.Int64, 4)
	dev.Where(idst, l, bufF32(dev, []float32{1, 0, 0, 1}), l, bufI64(dev, ix), l, bufI64(dev, iy), l)
	if got := readI64(dev, idst); got[0] != 1 || got[1] != -2 || got[2] != -3 || got[3] != 4 {
		t.Errorf("Where int64: got %v, want [1 -2 -3 4]", got)
	}
	testWhereLarge(t, dev, r)
}

func testWhereLarge(t *testing.T, dev device.Device, r *rand.Rand) {
	const n = 100003
	c, x, y := randF32(r, n, -1, 1), randF32(r, n, -5, 5), randF32(r, n, -5, 5)
	l := device.Contiguous([]int{n}, 0)
	dst := dev.Alloc(device.Float32, n)
	dev.Where(dst, l, bufF32(dev, c), l, bufF32(dev, x), l, bufF32(dev, y), l)
	want := make([]float64, n)
	for i := range want {
		want[i] = float64(refIf(c[i] > 0 || c[i] < 0, float64(x[i]), float64(y[i])))
	}
	checkNear(t, "Where large", readF32(dev, dst), want, 0, 0)
}
