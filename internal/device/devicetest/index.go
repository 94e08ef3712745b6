package devicetest

import (
	"errors"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/nervelab/nerve/internal/device"
)

// indexShapes are [outer, n, inner, m] shapes for the index kernels.
var indexShapes = [][4]int{{1, 1, 1, 1}, {2, 5, 3, 4}, {1, 10, 7, 6}, {3, 4, 1, 9}, {1, 1000, 128, 600}, {70, 30, 40, 20}}

func randIndex(r *rand.Rand, count, n int) []int64 {
	ix := make([]int64, count)
	for i := range ix {
		ix[i] = int64(r.IntN(n))
	}
	return ix
}

func testIndex(t *testing.T, dev device.Device) {
	r := newRand(10)
	for _, s := range indexShapes {
		testIndexSelect(t, dev, r, s)
		testIndexAdd(t, dev, r, s)
		testGather(t, dev, r, s)
		testScatterAdd(t, dev, r, s)
	}
	testOneHot(t, dev)
	testIndexErrors(t, dev)
}

func testIndexSelect(t *testing.T, dev device.Device, r *rand.Rand, s [4]int) {
	outer, n, inner, m := s[0], s[1], s[2], s[3]
	src := randF32(r, outer*n*inner, -5, 5)
	ix := randIndex(r, m, n)
	want := make([]float64, outer*m*inner)
	isrc := make([]int64, len(src))
	for e := range want {
		o, j, i := e/(m*inner), e/inner%m, e%inner
		want[e] = float64(src[(o*n+int(ix[j]))*inner+i])
	}
	for e, v := range src {
		isrc[e] = int64(v * 1000)
	}
	dst := dev.Alloc(device.Float32, len(want))
	if err := dev.IndexSelect(dst, bufF32(dev, src), bufI64(dev, ix), outer, n, inner, m); err != nil {
		t.Fatalf("IndexSelect %v: %v", s, err)
	}
	checkNear(t, name("IndexSelect ", s), readF32(dev, dst), want, 0, 0)
	idst := dev.Alloc(device.Int64, len(want))
	if err := dev.IndexSelect(idst, bufI64(dev, isrc), bufI64(dev, ix), outer, n, inner, m); err != nil {
		t.Fatalf("IndexSelect int64 %v: %v", s, err)
	}
	for e, v := range readI64(dev, idst) {
		if w := int64(float32(want[e]) * 1000); v != w {
			t.Fatalf("IndexSelect int64 %v: [%d] = %d, want %d", s, e, v, w)
		}
	}
}

// testIndexAdd uses few distinct indices so that repeats accumulate.
func testIndexAdd(t *testing.T, dev device.Device, r *rand.Rand, s [4]int) {
	outer, n, inner, m := s[0], s[1], s[2], s[3]
	dst0 := randF32(r, outer*n*inner, -5, 5)
	src := randF32(r, outer*m*inner, -5, 5)
	ix := randIndex(r, m, min(n, 3))
	want := toF64(dst0)
	for e, v := range src {
		o, j, i := e/(m*inner), e/inner%m, e%inner
		want[(o*n+int(ix[j]))*inner+i] += float64(v)
	}
	dst := bufF32(dev, dst0)
	if err := dev.IndexAdd(dst, bufF32(dev, src), bufI64(dev, ix), outer, n, inner, m); err != nil {
		t.Fatalf("IndexAdd %v: %v", s, err)
	}
	checkNear(t, name("IndexAdd ", s), readF32(dev, dst), want, 1e-6, 1e-6*float64(m+1))
}

func testGather(t *testing.T, dev device.Device, r *rand.Rand, s [4]int) {
	outer, n, inner, m := s[0], s[1], s[2], s[3]
	src := randF32(r, outer*n*inner, -5, 5)
	ix := randIndex(r, outer*m*inner, n)
	want := make([]float64, len(ix))
	for e := range want {
		o, i := e/(m*inner), e%inner
		want[e] = float64(src[(o*n+int(ix[e]))*inner+i])
	}
	dst := dev.Alloc(device.Float32, len(want))
	if err := dev.Gather(dst, bufF32(dev, src), bufI64(dev, ix), outer, n, inner, m); err != nil {
		t.Fatalf("Gather %v: %v", s, err)
	}
	checkNear(t, name("Gather ", s), readF32(dev, dst), want, 0, 0)
}

func testScatterAdd(t *testing.T, dev device.Device, r *rand.Rand, s [4]int) {
	outer, n, inner, m := s[0], s[1], s[2], s[3]
	dst0 := randF32(r, outer*n*inner, -5, 5)
	src := randF32(r, outer*m*inner, -5, 5)
	ix := randIndex(r, len(src), min(n, 3))
	want := toF64(dst0)
	for e, v := range src {
		o, i := e/(m*inner), e%inner
		want[(o*n+int(ix[e]))*inner+i] += float64(v)
	}
	dst := bufF32(dev, dst0)
	if err := dev.ScatterAdd(dst, bufF32(dev, src), bufI64(dev, ix), outer, n, inner, m); err != nil {
		t.Fatalf("ScatterAdd %v: %v", s, err)
	}
	checkNear(t, name("ScatterAdd ", s), readF32(dev, dst), want, 1e-6, 1e-6*float64(m+1))
}

func toF64(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

func testOneHot(t *testing.T, dev device.Device) {
	ix := []int64{2, 0, 3, 3, 1}
	dst := dev.Alloc(device.Float32, 5*4)
	if err := dev.OneHot(dst, bufI64(dev, ix), 5, 4); err != nil {
		t.Fatalf("OneHot: %v", err)
	}
	want := make([]float64, 20)
	for r, c := range ix {
		want[r*4+int(c)] = 1
	}
	checkNear(t, "OneHot", readF32(dev, dst), want, 0, 0)
}

// testIndexErrors feeds each kernel an index equal to the size and a
// negative one; both must come back as *device.IndexError naming the index
// and the size.
func testIndexErrors(t *testing.T, dev device.Device) {
	f := func(n int) device.Buffer { return dev.Alloc(device.Float32, n) }
	for _, bad := range []int64{4, -1, 100} {
		ix := bufI64(dev, []int64{0, 1, bad, 2, 0, 1})
		calls := map[string]func() error{
			"IndexSelect": func() error { return dev.IndexSelect(f(12), f(8), ix, 2, 4, 1, 6) },
			"IndexAdd":    func() error { return dev.IndexAdd(f(8), f(12), ix, 2, 4, 1, 6) },
			"Gather":      func() error { return dev.Gather(f(6), f(8), ix, 2, 4, 1, 3) },
			"ScatterAdd":  func() error { return dev.ScatterAdd(f(8), f(6), ix, 2, 4, 1, 3) },
			"OneHot":      func() error { return dev.OneHot(f(24), ix, 6, 4) },
		}
		for _, k := range slices.Sorted(maps.Keys(calls)) {
			var ie *device.IndexError
			err := calls[k]()
			if !errors.As(err, &ie) || ie.Index != bad || ie.N != 4 {
				t.Errorf("%s with index %d of 4: got error %v, want *device.IndexError{%d, 4}", k, bad, err, bad)
			}
		}
	}
}

// testConcurrent runs large kernels from several goroutines at once on
// distinct outputs (the interface requires it) and compares each result
// with the same call made alone.
func testConcurrent(t *testing.T, dev device.Device) {
	r := newRand(11)
	const m, n, k = 90, 110, 70
	a, b := bufF32(dev, randF32(r, m*k, -1, 1)), bufF32(dev, randF32(r, k*n, -1, 1))
	x := bufF32(dev, randF32(r, 100000, -3, 3))
	run := func() ([]float32, []float32) {
		c := dev.Alloc(device.Float32, m*n)
		dev.Gemm(device.GemmParams{Batch: 1, M: m, N: n, K: k, Alpha: 1, A: a, B: b, C: c, LDA: k, LDB: n, LDC: n})
		y := dev.Alloc(device.Float32, 100000)
		dev.Unary(device.Tanh, 0, 0, y, 0, x, 0, 100000)
		return readF32(dev, c), readF32(dev, y)
	}
	wantC, wantY := run()
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			for range 3 {
				c, y := run()
				if !slices.Equal(c, wantC) || !slices.Equal(y, wantY) {
					t.Error("concurrent Gemm/Unary gave a different result than alone")
					return
				}
			}
		})
	}
	wg.Wait()
}
