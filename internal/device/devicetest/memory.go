package devicetest

import (
	"slices"
	"testing"

	"github.com/nervelab/nerve/internal/device"
)

func testAlloc(t *testing.T, dev device.Device) {
	for _, dt := range []device.DType{device.Float32, device.Int64} {
		for _, n := range []int{0, 1, 7, 1000, 70001} {
			b := dev.Alloc(dt, n)
			if b.Len() != n || b.DType() != dt {
				t.Fatalf("Alloc(%v, %d): Len %d, DType %v", dt, n, b.Len(), b.DType())
			}
			checkZero(t, dev, b)
			if n == 0 {
				continue
			}
			dev.Fill(b, 0, n, 3)
			dev.Free(b)
			checkZero(t, dev, dev.Alloc(dt, n)) // a reused block must come back zeroed
		}
	}
}

func checkZero(t *testing.T, dev device.Device, b device.Buffer) {
	t.Helper()
	if b.DType() == device.Int64 {
		for i, v := range readI64(dev, b) {
			if v != 0 {
				t.Fatalf("Alloc(Int64, %d): element %d is %d, want 0", b.Len(), i, v)
			}
		}
		return
	}
	for i, v := range readF32(dev, b) {
		if v != 0 {
			t.Fatalf("Alloc(Float32, %d): element %d is %v, want 0", b.Len(), i, v)
		}
	}
}

// testHostCopies round-trips every length 0..67 at unaligned offsets.
func testHostCopies(t *testing.T, dev device.Device) {
	r := newRand(1)
	const pad = 5
	for _, off := range []int{0, 1, 3} {
		for n := range 68 {
			vals := randF32(r, n, -10, 10)
			b := guarded(dev, pad, n+off)
			dev.WriteF32(b, pad+off, vals)
			got := make([]float32, n)
			dev.ReadF32(got, b, pad+off)
			if !slices.Equal(got, vals) {
				t.Fatalf("WriteF32/ReadF32 n=%d off=%d: got %v, want %v", n, off, got, vals)
			}
			checkGuards(t, name("WriteF32 n=", n, " off=", off), readF32(dev, b), pad+off, pad+off+n)

			iv := make([]int64, n)
			for i := range iv {
				iv[i] = r.Int64() - 1<<62 // values beyond float precision
			}
			ib := dev.Alloc(device.Int64, n+off+pad)
			dev.WriteI64(ib, off, iv)
			igot := make([]int64, n)
			dev.ReadI64(igot, ib, off)
			if !slices.Equal(igot, iv) {
				t.Fatalf("WriteI64/ReadI64 n=%d off=%d: got %v, want %v", n, off, igot, iv)
			}
		}
	}
}

func testFill(t *testing.T, dev device.Device) {
	const pad = 4
	for _, off := range []int{0, 1, 5} {
		for _, n := range append(seq(68), 100003) {
			b := guarded(dev, pad, n+off)
			dev.Fill(b, pad+off, n, 2.5)
			v := readF32(dev, b)
			for i := pad + off; i < pad+off+n; i++ {
				if v[i] != 2.5 {
					t.Fatalf("Fill n=%d off=%d: element %d is %v, want 2.5", n, off, i, v[i])
				}
			}
			checkGuards(t, name("Fill n=", n, " off=", off), v, pad+off, pad+off+n)
		}
	}
	ib := dev.Alloc(device.Int64, 70)
	dev.Fill(ib, 3, 60, -2)
	for i, v := range readI64(dev, ib) {
		want := int64(0)
		if i >= 3 && i < 63 {
			want = -2
		}
		if v != want {
			t.Fatalf("Fill Int64: element %d is %d, want %d", i, v, want)
		}
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// copyCase copies the view sl of a random source of srcLen elements into
// the view dl of a guarded destination of dstLen and checks every element,
// the guards included, exactly.
func copyCase(t *testing.T, dev device.Device, what string, srcLen int, sl device.Layout, dstLen int, dl device.Layout) {
	t.Helper()
	src := make([]float32, srcLen)
	for i := range src {
		src[i] = float32(i%1000) - 500.5
	}
	sb := bufF32(dev, src)
	db := guarded(dev, 0, dstLen)
	dev.Copy(db, dl, sb, sl)
	want := make([]float32, dstLen)
	for i := range want {
		want[i] = guard
	}
	forEach(dl.Shape, func(idx []int, _ int) { want[at(dl, idx)] = src[at(sl, idx)] })
	if got := readF32(dev, db); !slices.Equal(got, want) {
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("Copy %s: element %d is %v, want %v", what, i, got[i], want[i])
			}
		}
	}
}

func testCopy(t *testing.T, dev device.Device) {
	t.Run("Contiguous", func(t *testing.T) { testCopyContiguous(t, dev) })
	t.Run("Transposed", func(t *testing.T) { testCopyTransposed(t, dev) })
	t.Run("Broadcast", func(t *testing.T) { testCopyBroadcast(t, dev) })
	t.Run("Strided", func(t *testing.T) { testCopyStrided(t, dev) })
	t.Run("Convert", func(t *testing.T) { testCopyConvert(t, dev) })
}

func testCopyContiguous(t *testing.T, dev device.Device) {
	for _, o := range [][2]int{{0, 0}, {1, 3}, {5, 2}} {
		for n := range 68 {
			sl := device.Contiguous([]int{n}, o[0])
			dl := device.Contiguous([]int{n}, o[1])
			copyCase(t, dev, name("1-D n=", n, " offs=", o), n+o[0], sl, n+o[1]+3, dl)
		}
	}
	copyCase(t, dev, "3-D", 2*3*4+1, device.Contiguous([]int{2, 3, 4}, 1), 2*3*4, device.Contiguous([]int{2, 3, 4}, 0))
	copyCase(t, dev, "0-D", 4, device.Contiguous(nil, 3), 3, device.Contiguous(nil, 1))
	copyCase(t, dev, "empty", 4, device.Contiguous([]int{0, 5}, 0), 4, device.Contiguous([]int{0, 5}, 0))
	copyCase(t, dev, "large", 400*300+1, device.Contiguous([]int{400, 300}, 1), 400*300, device.Contiguous([]int{400, 300}, 0))
}

// testCopyTransposed reads an r×c matrix as its c×r transpose.
func testCopyTransposed(t *testing.T, dev device.Device) {
	for _, s := range [][2]int{{1, 1}, {1, 5}, {5, 1}, {3, 7}, {37, 53}, {64, 64}, {130, 70}, {300, 257}} {
		r, c := s[0], s[1]
		sl := strided([]int{c, r}, []int{1, c}, 2)
		copyCase(t, dev, name("2-D ", r, "x", c), r*c+2, sl, r*c+1, device.Contiguous([]int{c, r}, 1))
		bl := strided([]int{3, c, r}, []int{r * c, 1, c}, 0)
		copyCase(t, dev, name("batched ", r, "x", c), 3*r*c, bl, 3*r*c, device.Contiguous([]int{3, c, r}, 0))
	}
	// A general permutation: [2,3,4] read as dims (2,0,1).
	copyCase(t, dev, "permute", 24, strided([]int{4, 2, 3}, []int{1, 12, 4}, 0), 24, device.Contiguous([]int{4, 2, 3}, 0))
}

func testCopyBroadcast(t *testing.T, dev device.Device) {
	for _, s := range [][2]int{{1, 1}, {3, 7}, {33, 65}, {500, 200}} {
		r, c := s[0], s[1]
		out := device.Contiguous([]int{r, c}, 1)
		copyCase(t, dev, name("row ", r, "x", c), c+1, broadcastTo([]int{c}, []int{r, c}, 1), r*c+2, out)
		copyCase(t, dev, name("column ", r, "x", c), r, broadcastTo([]int{r, 1}, []int{r, c}, 0), r*c+2, out)
		copyCase(t, dev, name("scalar ", r, "x", c), 3, strided([]int{r, c}, []int{0, 0}, 2), r*c+2, out)
	}
}

// testCopyStrided writes into views with gaps (a column block of a wider
// matrix, every other element), whose gaps must keep their guards.
func testCopyStrided(t *testing.T, dev device.Device) {
	for _, s := range [][2]int{{1, 1}, {4, 9}, {17, 33}, {300, 250}} {
		r, c := s[0], s[1]
		dl := strided([]int{r, c}, []int{c + 3, 1}, 2)
		copyCase(t, dev, name("into block ", r, "x", c), r*c, device.Contiguous([]int{r, c}, 0), r*(c+3)+2, dl)
		sl := strided([]int{r, c}, []int{2 * c, 2}, 1)
		copyCase(t, dev, name("every other ", r, "x", c), 2*r*c+1, sl, 2*r*c, strided([]int{r, c}, []int{1, 2 * r}, 0))
	}
}

func testCopyConvert(t *testing.T, dev device.Device) {
	f := []float32{-2.7, -0.5, 0, 0.5, 2.7, 1e6 + 0.5, -3, 7.99}
	want := []int64{-2, 0, 0, 0, 2, 1000000, -3, 7}
	ib := dev.Alloc(device.Int64, len(f))
	dev.Copy(ib, device.Contiguous([]int{8}, 0), bufF32(dev, f), device.Contiguous([]int{8}, 0))
	if got := readI64(dev, ib); !slices.Equal(got, want) {
		t.Errorf("Copy float32→int64: got %v, want %v (truncation toward zero)", got, want)
	}
	// int64 → float32 through a transposed view, and int64 → int64.
	iv := []int64{1, 2, 3, 4, 5, 6, 1 << 40}
	src := bufI64(dev, iv)
	fb := dev.Alloc(device.Float32, 6)
	dev.Copy(fb, device.Contiguous([]int{3, 2}, 0), src, strided([]int{3, 2}, []int{1, 3}, 0))
	if got := readF32(dev, fb); !slices.Equal(got, []float32{1, 4, 2, 5, 3, 6}) {
		t.Errorf("Copy int64→float32 transposed: got %v", got)
	}
	dev.Copy(fb, device.Contiguous([]int{1}, 5), src, device.Contiguous([]int{1}, 6))
	if got := readF32(dev, fb)[5]; got != 1<<40 {
		t.Errorf("Copy int64→float32 of 2^40: got %v", got)
	}
	ib2 := dev.Alloc(device.Int64, 4)
	dev.Copy(ib2, device.Contiguous([]int{2, 2}, 0), src, strided([]int{2, 2}, []int{0, 6}, 0))
	if got := readI64(dev, ib2); !slices.Equal(got, []int64{1, 1 << 40, 1, 1 << 40}) {
		t.Errorf("Copy int64→int64 broadcast: got %v", got)
	}
}
