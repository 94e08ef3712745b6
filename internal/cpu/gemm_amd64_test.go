//go:build amd64 && !purego

package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nervelab/nerve/internal/device/devicetest"
	"golang.org/x/sys/cpu"
)

// normalRows sets s[i·ld + j] for i < rows, j < cols to standard normal
// draws from r, row by row.
func normalRows(r *rand.Rand, s []float32, rows, cols, ld int) {
	for i := range rows {
		for j := range cols {
			s[i*ld+j] = float32(r.NormFloat64())
		}
	}
}

// refKernel is the micro-kernel's definition for an mr×nr tile, summed in
// float64; it also returns, per element, Σ|alpha·a·b| for the tolerance.
func refKernel(mr, nr, kc int, a, b, c []float32, ldc int, alpha float32) (want, mag []float64) {
	want, mag = make([]float64, mr*nr), make([]float64, mr*nr)
	for i := range mr {
		for j := range nr {
			var s, m float64
			for p := range kc {
				v := float64(a[p*mr+i]) * float64(b[p*nr+j])
				s += v
				m += math.Abs(v)
			}
			want[i*nr+j] = float64(c[i*ldc+j]) + float64(alpha)*s
			mag[i*nr+j] = math.Abs(float64(c[i*ldc+j])) + math.Abs(float64(alpha))*m
		}
	}
	return want, mag
}

func TestGemmKernels(t *testing.T) {
	kernels := []struct {
		name   string
		ok     bool
		mr, nr int
		k      microKernel
	}{
		{"AVX512", cpu.X86.HasAVX512F, 14, 32, kernelAVX512},
		{"AVX2", cpu.X86.HasAVX2 && cpu.X86.HasFMA, 6, 16, kernelAVX2},
		{"Go", true, kernelMR, kernelNR, kernel4x16},
	}
	r := rand.New(rand.NewPCG(1, 2))
	kcs := []int{}
	for kc := range 68 {
		kcs = append(kcs, kc)
	}
	kcs = append(kcs, 255, 256, 257, 512, 1001)
	const guard, pad = -12345.5, 7
	for _, kn := range kernels {
		if !kn.ok {
			t.Logf("%s: not supported here, skipped", kn.name)
			continue
		}
		for _, kc := range kcs {
			for _, alpha := range []float32{1, -0.75} {
				ldc := kn.nr + 5
				a := make([]float32, kc*kn.mr+pad)
				b := make([]float32, kc*kn.nr+pad)
				normalRows(r, a, 1, len(a), 0)
				normalRows(r, b, 1, len(b), 0)
				// c: pad guards, then mr rows of ldc with guards past nr, then pad guards.
				buf := make([]float32, pad+kn.mr*ldc+pad)
				for i := range buf {
					buf[i] = guard
				}
				c := buf[pad : pad+kn.mr*ldc]
				normalRows(r, c, kn.mr, kn.nr, ldc)
				want, mag := refKernel(kn.mr, kn.nr, kc, a, b, c, ldc, alpha)
				kn.k(kc, a[:kc*kn.mr], b[:kc*kn.nr], c, ldc, alpha)
				for x, v := range buf {
					o := x - pad
					inTile := o >= 0 && o < kn.mr*ldc && o%ldc < kn.nr
					if !inTile {
						if v != guard {
							t.Fatalf("%s kc=%d: guard at %d overwritten: %v", kn.name, kc, o, v)
						}
						continue
					}
					i, j := o/ldc, o%ldc
					w, tol := want[i*kn.nr+j], 1e-6*(mag[i*kn.nr+j]+1)
					if math.Abs(float64(v)-w) > tol {
						t.Fatalf("%s kc=%d alpha=%v: C(%d,%d) = %v, want %v", kn.name, kc, alpha, i, j, v, w)
					}
				}
			}
		}
	}
}

// TestGemmKernelChecked checks that the wrapper of the assembly kernels
// refuses operands too short for the tile.
func TestGemmKernelChecked(t *testing.T) {
	k := checked(14, 32, func(int, []float32, []float32, []float32, int, float32) {})
	defer func() {
		if recover() == nil {
			t.Fatal("short C did not panic")
		}
	}()
	k(4, make([]float32, 56), make([]float32, 128), make([]float32, 13*32+31), 32, 1)
}

// TestGemmBlockings runs the Gemm conformance suite with each micro-kernel
// this machine supports, not only the one chosen at init, and with the
// AVX-512 blocking's large variant taken for every product. The suite's
// products are small, so "AVX512-panels" shrinks both variants' panels
// to run them over several of each (K > 48 takes the large one).
func TestGemmBlockings(t *testing.T) {
	saved, savedC := gemmBlocking, largeC
	defer func() { gemmBlocking, largeC = saved, savedC }()
	panels, panelsLarge := blockingAVX512, blockingAVX512Large
	panels.kc, panels.mc, panels.nc = 48, 28, 64
	panelsLarge.kc, panelsLarge.mc = 96, 42
	panels.large = &panelsLarge
	for _, b := range []struct {
		name   string
		ok     bool
		bk     blocking
		largeC int
	}{
		{"AVX512", cpu.X86.HasAVX512F, blockingAVX512, savedC},
		{"AVX512-large", cpu.X86.HasAVX512F, blockingAVX512, 1},
		{"AVX512-panels", cpu.X86.HasAVX512F, panels, 1},
		{"AVX2", cpu.X86.HasAVX2 && cpu.X86.HasFMA, blockingAVX2, savedC},
		{"Go", true, blockingGo, savedC},
	} {
		if !b.ok {
			continue
		}
		gemmBlocking, largeC = b.bk, b.largeC
		t.Run(b.name, func(t *testing.T) { devicetest.RunGemm(t, Device{}) })
	}
}

// TestTransposeBlocks checks the packing transposes against the plain
// loop for depths 0..67 and a few large ones, rows 14 and 16, an odd
// source stride and offsets, with guards around the destination.
func TestTransposeBlocks(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512")
	}
	r := rand.New(rand.NewPCG(7, 8))
	const guard = -12345.5
	for _, kc := range append(seq(68), 255, 384, 1001) {
		for _, rows := range []int{14, 16} {
			for _, w := range []int{rows, 32} {
				ld, so := kc+3, 5
				src := make([]float32, so+rows*ld)
				for i := range src {
					src[i] = r.Float32()
				}
				dst := make([]float32, kc*w+w+1)
				for i := range dst {
					dst[i] = guard
				}
				done := transposeBlocks(dst[1:], w, src, so, ld, rows, kc)
				if done != kc/16*16 {
					t.Fatalf("kc=%d: done %d", kc, done)
				}
				for i, v := range dst {
					k, c := (i-1)/w, (i-1)%w
					want := float32(guard)
					if i > 0 && k < done && c < rows {
						want = src[so+c*ld+k]
					}
					if v != want {
						t.Fatalf("kc=%d rows=%d w=%d: dst[%d] (k %d, column %d) = %v, want %v", kc, rows, w, i-1, k, c, v, want)
					}
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("short source did not panic")
		}
	}()
	transposeBlocks(make([]float32, 16*16), 16, make([]float32, 15*16+15), 0, 16, 16, 16)
}

// TestCopyRows checks the packing loops of a row-major B against plain
// copies: every row count 0..67 and a few long ones, unaligned source and
// destination, guards around the destination, both widths.
func TestCopyRows(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const guard = -12345.5
	for _, nr := range []int{32, 16, 14} {
		for _, rows := range append(seq(68), 255, 342, 1001) {
			ld, so := nr+7, 3
			src := make([]float32, so+max(rows, 1)*ld)
			for i := range src {
				src[i] = r.Float32()
			}
			dst := make([]float32, rows*nr+2)
			for i := range dst {
				dst[i] = guard
			}
			if !copyRows(dst[1:], src, so, ld, rows, nr) {
				if rows > 0 && ((nr == 32 || nr == 14) && hasAVX512 || nr == 16 && cpu.X86.HasAVX2) {
					t.Fatalf("nr=%d rows=%d: no SIMD copy on a CPU that has one", nr, rows)
				}
				continue
			}
			for i, v := range dst {
				want := float32(guard)
				if k, c := (i-1)/nr, (i-1)%nr; i > 0 && k < rows {
					want = src[so+k*ld+c]
				}
				if v != want {
					t.Fatalf("nr=%d rows=%d: dst[%d] = %v, want %v", nr, rows, i-1, v, want)
				}
			}
		}
	}
	if !hasAVX512 {
		return
	}
	defer func() {
		if recover() == nil {
			t.Fatal("short source did not panic")
		}
	}()
	copyRows(make([]float32, 4*32), make([]float32, 3*40+31), 0, 40, 4, 32)
}

// TestGemmRowsKernels checks the kernels for the first r rows of a 14×32
// tile (A packed 14 rows tall) against plain loops, storing (Set) and
// accumulating, with guards around C: nothing past row r may change.
// checkTile checks buf, pad guard values, then the first rows rows (ldc
// apart) of a tile of C, then guards, after a kernel stored alpha·A·B
// (set) or added it to old: A is the mr-tall packed sliver a, B(p, j) is
// bAt(p, j); everything outside the rows×nr tile must still be the guard.
func checkTile(t *testing.T, name string, buf, old, a []float32, bAt func(p, j int) float32,
	pad, rows, mr, nr, ldc, kc int, alpha float32, set bool) {
	t.Helper()
	const guard = -12345.5
	for x, v := range buf {
		o := x - pad
		i, j := o/ldc, o%ldc
		if o < 0 || o >= rows*ldc || j >= nr {
			if v != guard {
				t.Fatalf("%s: guard at %d overwritten: %v", name, o, v)
			}
			continue
		}
		var s, m float64
		for p := range kc {
			prod := float64(a[p*mr+i]) * float64(bAt(p, j))
			s, m = s+prod, m+math.Abs(prod)
		}
		want := float64(alpha) * s
		if !set {
			want += float64(old[o])
		}
		if math.Abs(float64(v)-want) > 1e-6*(m+math.Abs(float64(old[o]))+1) {
			t.Fatalf("%s: C(%d,%d) = %v, want %v", name, i, j, v, want)
		}
	}
}

func TestGemmRowsKernels(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512")
	}
	r := rand.New(rand.NewPCG(5, 6))
	const mr, nr, pad, guard = 14, 32, 7, -12345.5
	for rows := 1; rows < mr; rows++ {
		for _, set := range []bool{false, true} {
			k := kernelsAVX512Rows[rows]
			if set {
				k = kernelsAVX512RowsSet[rows]
			}
			for _, kc := range []int{0, 1, 2, 3, 4, 5, 7, 64, 257} {
				alpha := float32(-0.75)
				ldc := nr + 3
				a, b := make([]float32, kc*mr), make([]float32, kc*nr)
				normalRows(r, a, 1, len(a), 0)
				normalRows(r, b, 1, len(b), 0)
				buf := make([]float32, pad+mr*ldc+pad)
				for i := range buf {
					buf[i] = guard
				}
				c := buf[pad : pad+mr*ldc]
				normalRows(r, c, rows, nr, ldc)
				old := append([]float32(nil), c...)
				k(kc, a, b, c, ldc, alpha)
				checkTile(t, fmt.Sprintf("rows=%d set=%v kc=%d", rows, set, kc), buf, old, a,
					func(p, j int) float32 { return b[p*nr+j] }, pad, rows, mr, nr, ldc, kc, alpha, set)
			}
		}
	}
}

// TestGemmPackingKernels checks the kernels that pack B as they read it:
// the tile of C as the plain kernels compute it, the packed sliver equal
// to the source rows, and guards around C, the sliver and the source
// (whose rows are wider than the sliver) untouched.
func TestGemmPackingKernels(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512")
	}
	r := rand.New(rand.NewPCG(7, 8))
	const mr, nr, pad, guard = 14, 32, 7, -12345.5
	fill := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = guard
		}
		return s
	}
	for _, set := range []bool{false, true} {
		k := blockingAVX512.kernelPackB
		if set {
			k = blockingAVX512.kernelSetPackB
		}
		for _, kc := range []int{1, 2, 3, 4, 5, 7, 8, 63, 256, 257} {
			alpha := float32(-0.75)
			ldc, ldb := nr+3, nr+5
			a := make([]float32, kc*mr)
			normalRows(r, a, 1, len(a), 0)
			srcBuf := fill(pad + kc*ldb + pad)
			src := srcBuf[pad : pad+(kc-1)*ldb+nr]
			normalRows(r, src, kc, nr, ldb)
			srcOld := append([]float32(nil), srcBuf...)
			bBuf := fill(pad + kc*nr + pad)
			b := bBuf[pad : pad+kc*nr]
			cBuf := fill(pad + mr*ldc + pad)
			c := cBuf[pad : pad+(mr-1)*ldc+nr]
			normalRows(r, c, mr, nr, ldc)
			old := append([]float32(nil), c...)
			k(kc, a, b, c, ldc, alpha, src, ldb)
			for x, v := range srcBuf {
				if v != srcOld[x] {
					t.Fatalf("set=%v kc=%d: source changed at %d", set, kc, x-pad)
				}
			}
			for x, v := range bBuf {
				o := x - pad
				if o < 0 || o >= kc*nr {
					if v != guard {
						t.Fatalf("set=%v kc=%d: guard around the sliver at %d overwritten: %v", set, kc, o, v)
					}
					continue
				}
				if want := src[o/nr*ldb+o%nr]; v != want {
					t.Fatalf("set=%v kc=%d: packed B(%d,%d) = %v, want %v", set, kc, o/nr, o%nr, v, want)
				}
			}
			checkTile(t, fmt.Sprintf("set=%v kc=%d", set, kc), cBuf, old, a,
				func(p, j int) float32 { return src[p*ldb+j] }, pad, mr, mr, nr, ldc, kc, alpha, set)
		}
	}
	// The wrapper refuses a source too short for kc rows.
	defer func() {
		if recover() == nil {
			t.Fatal("short source did not panic")
		}
	}()
	blockingAVX512.kernelPackB(4, make([]float32, 4*mr), make([]float32, 4*nr), make([]float32, 13*nr+nr), nr, 1, make([]float32, 3*40+nr-1), 40)
}
