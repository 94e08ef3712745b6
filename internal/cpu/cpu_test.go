package cpu

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/nervelab/nerve/internal/device"
	"github.com/nervelab/nerve/internal/device/devicetest"
)

func TestConformance(t *testing.T) {
	devicetest.RunAll(t, Device{})
}

func TestRegistered(t *testing.T) {
	d, err := device.Get("cpu")
	if err != nil || d.Name() != "cpu" {
		t.Fatalf(`device.Get("cpu") = %v, %v`, d, err)
	}
}

// TestParallelFor checks that every index is covered exactly once, for
// sizes around the chunking boundaries and with nested calls.
func TestParallelFor(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 100, 1000, 4097, 100003} {
		for _, grain := range []int{1, 3, 64, 5000} {
			hits := make([]int32, n)
			parallelFor(n, grain, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					atomic.AddInt32(&hits[i], 1)
				}
			})
			for i, h := range hits {
				if h != 1 {
					t.Fatalf("n=%d grain=%d: index %d run %d times", n, grain, i, h)
				}
			}
		}
	}
}

func TestParallelForNestedConcurrent(t *testing.T) {
	var total atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			parallelFor(16, 1, func(lo, hi int) {
				for range hi - lo {
					parallelFor(1000, 10, func(lo, hi int) { total.Add(int64(hi - lo)) })
				}
			})
		})
	}
	wg.Wait()
	if got := total.Load(); got != 8*16*1000 {
		t.Fatalf("nested parallelFor covered %d elements, want %d", got, 8*16*1000)
	}
}

// TestSmallOpsInline checks that a small op costs no allocation from the
// pool machinery (it runs on the caller's goroutine).
func TestSmallOpsInline(t *testing.T) {
	var d Device
	x, y := d.Alloc(device.Float32, 10), d.Alloc(device.Float32, 10)
	allocs := testing.AllocsPerRun(100, func() { d.Unary(device.ReLU, 0, 0, y, 0, x, 0, 10) })
	if allocs > 1 {
		t.Errorf("Unary on 10 elements allocates %v times per call", allocs)
	}
}

func BenchmarkGemm(b *testing.B) {
	for _, n := range []int{128, 512, 1024} {
		b.Run(fmt.Sprint(n), func(b *testing.B) { benchGemm(b, n, n, n, false, false) })
	}
	b.Run("1024TT", func(b *testing.B) { benchGemm(b, 1024, 1024, 1024, true, true) })
	b.Run("64x128x784TB", func(b *testing.B) { benchGemm(b, 64, 128, 784, false, true) })
	b.Run("1x4096x4096TB", func(b *testing.B) { benchGemm(b, 1, 4096, 4096, false, true) })
}

// BenchmarkGemmMLP times the products of one training step of the
// quickstart MLP (784-512-512-10, batch 64) in the forms nn.Linear uses:
// y = x·Wᵀ, ∂x = g·W, ∂W = gᵀ·x.
func BenchmarkGemmMLP(b *testing.B) {
	for _, s := range []struct {
		name    string
		m, n, k int
		ta, tb  bool
	}{
		{"fwd1_64x512x784_TB", 64, 512, 784, false, true},
		{"fwd2_64x512x512_TB", 64, 512, 512, false, true},
		{"fwd3_64x10x512_TB", 64, 10, 512, false, true},
		{"dx3_64x512x10", 64, 512, 10, false, false},
		{"dx2_64x512x512", 64, 512, 512, false, false},
		{"dw3_10x512x64_TA", 10, 512, 64, true, false},
		{"dw2_512x512x64_TA", 512, 512, 64, true, false},
		{"dw1_512x784x64_TA", 512, 784, 64, true, false},
	} {
		b.Run(s.name, func(b *testing.B) { benchGemm(b, s.m, s.n, s.k, s.ta, s.tb) })
	}
}

func benchGemm(b *testing.B, m, n, k int, ta, tb bool) {
	var d Device
	r := rand.New(rand.NewPCG(1, 2))
	fill := func(size int) device.Buffer {
		buf := d.Alloc(device.Float32, size)
		for i := range f32s(buf) {
			f32s(buf)[i] = r.Float32()
		}
		return buf
	}
	lda, ldb := k, n
	if ta {
		lda = m
	}
	if tb {
		ldb = k
	}
	p := device.GemmParams{Batch: 1, M: m, N: n, K: k, TransA: ta, TransB: tb, Alpha: 1,
		A: fill(m * k), B: fill(k * n), C: d.Alloc(device.Float32, m*n), LDA: lda, LDB: ldb, LDC: n}
	b.ResetTimer()
	for b.Loop() {
		d.Gemm(p)
	}
	b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkUnarySmall(b *testing.B) {
	var d Device
	x, y := d.Alloc(device.Float32, 10), d.Alloc(device.Float32, 10)
	for b.Loop() {
		d.Unary(device.ReLU, 0, 0, y, 0, x, 0, 10)
	}
}

func BenchmarkBinarySmall(b *testing.B) {
	var d Device
	x, y := d.Alloc(device.Float32, 10), d.Alloc(device.Float32, 10)
	l := device.Contiguous([]int{2, 5}, 0)
	for b.Loop() {
		d.Binary(device.Add, y, l, x, l, x, l)
	}
}

// TestFreeAndReuse: a freed buffer's memory serves the next allocation of
// its length (cleared by Alloc, as is by AllocUninit), a freed buffer
// panics with device.ErrFreed when used, and the cache stays bounded.
func TestFreeAndReuse(t *testing.T) {
	var d Device
	const n = 1000
	b := d.Alloc(device.Float32, n)
	d.Fill(b, 0, n, 3)
	p := &f32s(b)[0]
	d.Free(b)
	d.Free(b) // twice is harmless
	func() {
		defer func() {
			if r := recover(); r != device.ErrFreed {
				t.Fatalf("using a freed buffer: panic %v, want ErrFreed", r)
			}
		}()
		d.Fill(b, 0, 1, 1)
	}()
	u := d.AllocUninit(device.Float32, n)
	if &f32s(u)[0] != p || f32s(u)[5] != 3 {
		t.Fatal("AllocUninit did not reuse the freed buffer as it was")
	}
	d.Free(u)
	z := d.Alloc(device.Float32, n)
	if &f32s(z)[0] != p {
		t.Fatal("Alloc did not reuse the freed buffer")
	}
	for i, v := range f32s(z) {
		if v != 0 {
			t.Fatalf("Alloc of a reused buffer: element %d is %v", i, v)
		}
	}
	if other := d.Alloc(device.Float32, n+1); &f32s(other)[0] == p {
		t.Fatal("a buffer of another length came from the cache")
	}
	saved := maxCached
	defer func() { maxCached = saved }()
	maxCached = floatCache.cachedBytes() + 1<<20
	big := make([]device.Buffer, 0, 4)
	for range 4 {
		big = append(big, d.AllocUninit(device.Float32, 1<<20/4/3))
	}
	for _, b := range big {
		d.Free(b)
	}
	if c := floatCache.cachedBytes(); c > maxCached {
		t.Fatalf("cache holds %d bytes, more than %d", c, maxCached)
	}
}

// collect runs a garbage collection and waits until the cache has had its
// notice.
func collect(t *testing.T) {
	t.Helper()
	before := floatCache.collections()
	runtime.GC()
	for start := time.Now(); floatCache.collections() == before; time.Sleep(time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			t.Fatalf("the cache did not see a collection end: %d notices, %d before, NumGC %d", floatCache.collections(), before, ms.NumGC)
		}
	}
}

// TestCacheYieldsToCollector: a freed buffer nobody takes back survives
// the collection that comes first and is reclaimed by the one after it.
func TestCacheYieldsToCollector(t *testing.T) {
	var d Device
	const n = 123457 // a length no other test frees
	before := floatCache.cachedBytes()
	// A collection the runtime starts by itself between Free and ours
	// demotes the entry early (see demote): try again then.
	for attempt := 0; ; attempt++ {
		collect(t) // the notices of earlier collections are in
		b := d.AllocUninit(device.Float32, n)
		first := uintptr(unsafe.Pointer(&f32s(b)[0]))
		d.Free(b)
		seen := floatCache.collections()
		collect(t)
		f := floatCache.get(n)
		if floatCache.collections() != seen+1 && attempt < 5 {
			continue
		}
		if f == nil || uintptr(unsafe.Pointer(&f[0])) != first {
			t.Fatal("a cached buffer did not survive the first collection")
		}
		floatCache.put(f)
		break
	}
	collect(t)
	runtime.GC()
	if f := floatCache.get(n); f != nil {
		t.Fatal("a cached buffer survived two collections with no other reference")
	}
	if after := floatCache.cachedBytes(); after != before {
		t.Fatalf("the cache claims %d bytes, want %d", after, before)
	}
	// Held elsewhere, it survives and comes back.
	b := d.AllocUninit(device.Float32, n)
	keep := &f32s(b)[0]
	d.Free(b)
	collect(t)
	runtime.GC()
	if f := floatCache.get(n); f == nil || &f[0] != keep {
		t.Fatal("a cached buffer still referenced was lost")
	}
	runtime.KeepAlive(keep)
}

// TestBufferSize keeps a small buffer (header and elements, one
// allocation) within the 96-byte size class: every tiny op allocates one.
func TestBufferSize(t *testing.T) {
	if s := unsafe.Sizeof(smallBuffer{}); s > 96 {
		t.Errorf("smallBuffer is %d bytes, want at most 96", s)
	}
}
