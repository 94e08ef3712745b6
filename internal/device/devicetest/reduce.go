package devicetest

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nervelab/nerve/internal/device"
)

// reduceShapes are [outer, n, inner] shapes: single elements, n = 1, inner
// = 1 and > 1, and sizes large enough to be split over threads.
var reduceShapes = [][3]int{
	{1, 1, 1}, {3, 1, 4}, {2, 5, 1}, {4, 7, 3}, {1, 1000, 1}, {2, 300, 130},
	{1, 50000, 2}, {5, 3, 20000}, {70000, 2, 1},
}

// refReduce reduces row k·inner+i (stride inner) of x the PyTorch way.
func refReduce(op device.ReduceOp, x []float32, base, stride, n int) float64 {
	var sum float64
	best, bi := float64(x[base]), 0
	for k := range n {
		v := float64(x[base+k*stride])
		sum += v
		switch {
		case math.IsNaN(best):
		case math.IsNaN(v):
			best, bi = v, k
		case (op == device.Max || op == device.ArgMax) && v > best,
			(op == device.Min || op == device.ArgMin) && v < best:
			best, bi = v, k
		}
	}
	switch op {
	case device.Sum:
		return sum
	case device.ArgMax, device.ArgMin:
		return float64(bi)
	}
	return best
}

// reduceInput draws halves in [-10, 10] (so arg-reductions see ties) and
// puts a NaN into every 7th row's middle.
func reduceInput(r *rand.Rand, s [3]int, withNaN bool) []float32 {
	x := make([]float32, 3+s[0]*s[1]*s[2])
	for i := range x {
		x[i] = float32(r.IntN(41)-20) / 2
	}
	if withNaN {
		for o := 0; o < s[0]; o += 7 {
			x[3+o*s[1]*s[2]+(s[1]/2)*s[2]] = float32(math.NaN())
		}
	}
	return x
}

func testReduce(t *testing.T, dev device.Device) {
	r := newRand(6)
	ops := []device.ReduceOp{device.Sum, device.Max, device.Min, device.ArgMax, device.ArgMin}
	for _, s := range reduceShapes {
		for _, op := range ops {
			for _, withNaN := range []bool{false, true} {
				if withNaN && op == device.Sum {
					continue
				}
				runReduce(t, dev, op, s, reduceInput(r, s, withNaN))
			}
		}
	}
	testSumAccuracy(t, dev, r)
}

// runReduce reduces x[3:] as s on the device and checks every output.
func runReduce(t *testing.T, dev device.Device, op device.ReduceOp, s [3]int, x []float32) {
	t.Helper()
	outer, n, inner := s[0], s[1], s[2]
	want := make([]float64, outer*inner)
	for o := range outer {
		for i := range inner {
			want[o*inner+i] = refReduce(op, x, 3+o*n*inner+i, inner, n)
		}
	}
	what := name(op, " ", s)
	if op == device.ArgMax || op == device.ArgMin {
		dst := dev.Alloc(device.Int64, outer*inner+2)
		dev.Fill(dst, 0, outer*inner+2, -5)
		dev.Reduce(op, dst, bufF32(dev, x), 3, outer, n, inner)
		got := readI64(dev, dst)
		for i, w := range want {
			if got[i] != int64(w) {
				t.Fatalf("%s: [%d] = %d, want %d", what, i, got[i], int64(w))
			}
		}
		if got[outer*inner] != -5 || got[outer*inner+1] != -5 {
			t.Errorf("%s: wrote past the output", what)
		}
		return
	}
	dst := guarded(dev, 0, outer*inner+2)
	dev.Reduce(op, dst, bufF32(dev, x), 3, outer, n, inner)
	got := readF32(dev, dst)
	checkNear(t, what, got[:outer*inner], want, 1e-6, 0)
	checkGuards(t, what, got, 0, outer*inner)
}

// testSumAccuracy sums values whose float32 running sum drifts far from
// the true one.
func testSumAccuracy(t *testing.T, dev device.Device, r *rand.Rand) {
	const n = 1 << 20
	x := make([]float32, n)
	for i := range x {
		x[i] = 0.1
	}
	for _, inner := range []int{1, 4} {
		dst := dev.Alloc(device.Float32, inner)
		dev.Reduce(device.Sum, dst, bufF32(dev, x), 0, 1, n/inner, inner)
		want := float64(n/inner) * float64(float32(0.1))
		for i, v := range readF32(dev, dst) {
			if !near(float64(v), want, 2e-6, 0) {
				t.Errorf("Sum of %d × 0.1 (inner %d): [%d] = %v, want %v", n/inner, inner, i, v, want)
			}
		}
	}
	y := randF32(r, 12345, -1, 1)
	var want, abs float64
	for _, v := range y {
		want += float64(v)
		abs += math.Abs(float64(v))
	}
	dst := dev.Alloc(device.Float32, 1)
	dev.Reduce(device.Sum, dst, bufF32(dev, y), 0, 1, len(y), 1)
	if got := float64(readF32(dev, dst)[0]); math.Abs(got-want) > 1e-6*abs {
		t.Errorf("Sum of random values: got %v, want %v", got, want)
	}
}

// refSoftmax is (log-)softmax of one strided row in float64.
func refSoftmax(x []float64, log bool) []float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, v)
	}
	var s float64
	for _, v := range x {
		s += math.Exp(v - m)
	}
	y := make([]float64, len(x))
	for k, v := range x {
		y[k] = refIf(log, v-m-math.Log(s), math.Exp(v-m)/s)
	}
	return y
}

// rowOf gathers row (o, i) of an [outer, n, inner] array as float64.
func rowOf(x []float32, o, i, n, inner int) []float64 {
	row := make([]float64, n)
	for k := range row {
		row[k] = float64(x[(o*n+k)*inner+i])
	}
	return row
}

var softmaxShapes = [][3]int{{1, 1, 1}, {2, 5, 1}, {3, 10, 4}, {1, 1000, 1}, {4, 33, 7}, {200, 400, 1}, {2, 50, 1000}}

func testSoftmax(t *testing.T, dev device.Device) {
	r := newRand(7)
	for _, s := range softmaxShapes {
		for _, log := range []bool{false, true} {
			x := randF32(r, s[0]*s[1]*s[2], -5, 5)
			runSoftmax(t, dev, name("softmax log=", log, " ", s), x, s, log)
		}
	}
	big := []float32{1000, -1000, 0, 999, -1000, -1000, 1000, 1000}
	for _, log := range []bool{false, true} {
		runSoftmax(t, dev, name("softmax of ±1000 log=", log), big, [3]int{2, 4, 1}, log)
	}
}

func runSoftmax(t *testing.T, dev device.Device, what string, x []float32, s [3]int, log bool) {
	t.Helper()
	outer, n, inner := s[0], s[1], s[2]
	dst := dev.Alloc(device.Float32, len(x))
	dev.Softmax(dst, bufF32(dev, x), outer, n, inner, log)
	got := readF32(dev, dst)
	want := make([]float64, len(x))
	for o := range outer {
		for i := range inner {
			for k, v := range refSoftmax(rowOf(x, o, i, n, inner), log) {
				want[(o*n+k)*inner+i] = v
			}
		}
	}
	checkNear(t, what, got, want, 1e-5, 1e-7)
	if log {
		return
	}
	for o := range outer { // each row sums to 1
		for i := range inner {
			var sum float64
			for k := range n {
				sum += float64(got[(o*n+k)*inner+i])
			}
			if math.Abs(sum-1) > 1e-5 {
				t.Fatalf("%s: row (%d,%d) sums to %v", what, o, i, sum)
			}
		}
	}
}

// testSoftmaxBackward checks dx against central differences of
// L(x) = Σ g·softmax(x) on small shapes and against the analytic formula
// on large ones.
func testSoftmaxBackward(t *testing.T, dev device.Device) {
	r := newRand(8)
	for _, s := range softmaxShapes {
		for _, log := range []bool{false, true} {
			outer, n, inner := s[0], s[1], s[2]
			x, g := randF32(r, outer*n*inner, -3, 3), randF32(r, outer*n*inner, -1, 1)
			xb, gb := bufF32(dev, x), bufF32(dev, g)
			yb, dx := dev.Alloc(device.Float32, len(x)), dev.Alloc(device.Float32, len(x))
			dev.Softmax(yb, xb, outer, n, inner, log)
			dev.SoftmaxBackward(dx, gb, yb, outer, n, inner, log)
			want := make([]float64, len(x))
			for o := range outer {
				for i := range inner {
					gr := rowOf(g, o, i, n, inner)
					for k, v := range softmaxRowGrad(rowOf(x, o, i, n, inner), gr, log, n <= 40) {
						want[(o*n+k)*inner+i] = v
					}
				}
			}
			checkNear(t, name("softmax backward log=", log, " ", s), readF32(dev, dx), want, 1e-4, 1e-6)
		}
	}
}

// softmaxRowGrad is d(Σ g·y)/dx for one row, by central differences or
// analytically.
func softmaxRowGrad(x, g []float64, log, finiteDiff bool) []float64 {
	dx := make([]float64, len(x))
	loss := func() float64 {
		var l float64
		for k, y := range refSoftmax(x, log) {
			l += g[k] * y
		}
		return l
	}
	if finiteDiff {
		for k := range x {
			const h = 1e-6
			x0 := x[k]
			x[k] = x0 + h
			lp := loss()
			x[k] = x0 - h
			lm := loss()
			x[k] = x0
			dx[k] = (lp - lm) / (2 * h)
		}
		return dx
	}
	y := refSoftmax(x, false)
	var gy, gs float64
	for k := range x {
		gy += g[k] * y[k]
		gs += g[k]
	}
	for k := range x {
		dx[k] = refIf(log, g[k]-y[k]*gs, y[k]*(g[k]-gy))
	}
	return dx
}
