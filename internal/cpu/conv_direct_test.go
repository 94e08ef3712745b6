package cpu

import (
	"fmt"
	"math"
	"testing"

	"github.com/nervelab/nerve/internal/device"
)

// The convolution issue asks whether a direct convolution beats im2col and
// one gemm. directConv2d is the direct candidate for the stride-1,
// undilated, ungrouped convolutions of the tutorial CNN: per image it pads
// the input once, then accumulates each output plane over a row pitch of
// the padded width, so that every tap (ci, kh, kw) is one long AVX-512
// axpy of a shifted input plane (no columns matrix); the junk columns of
// the pitch are dropped when the plane is stored. BenchmarkConvForward
// times it against the path tensor.Conv2d takes (im2col of the batch with
// a ones row for the bias, then a gemm per image, batched) and against one
// gemm over the whole batch followed by a copy into [N, Cout, H, W]. On
// the CNN's layers at batch 64 (2 threads, AVX-512, an idle machine) the
// direct one took 2.6× (conv1: 0.81 vs 0.31 ms) and 3.6× (conv2: 11.6 vs
// 3.2 ms) the time of the batched im2col path, and the one-gemm variant
// took 1.5× on conv1 and the same on conv2, so tensor.Conv2d keeps the
// batched im2col path.
func directConv2d(y, x, w, b []float32, n, cout int, g device.ConvGeom) {
	hp, wp := g.H+2*g.PH, g.W+2*g.PW
	span := (g.OH-1)*wp + g.OW
	parallelFor(n, 1, func(lo, hi int) {
		xp := make([]float32, g.C*hp*wp)
		acc := make([]float32, g.OH*wp)
		for im := lo; im < hi; im++ {
			for c := range g.C {
				for h := range g.H {
					copy(xp[(c*hp+h+g.PH)*wp+g.PW:][:g.W], x[((im*g.C+c)*g.H+h)*g.W:][:g.W])
				}
			}
			for co := range cout {
				bias := float32(0)
				if b != nil {
					bias = b[co]
				}
				for i := range acc[:span] {
					acc[i] = bias
				}
				for c := range g.C {
					plane := xp[c*hp*wp:][:hp*wp]
					for kh := range g.KH {
						for kw := range g.KW {
							axpy(acc[:span], plane[kh*wp+kw:][:span], w[((co*g.C+c)*g.KH+kh)*g.KW+kw])
						}
					}
				}
				out := y[(im*cout+co)*g.OH*g.OW:]
				for oh := range g.OH {
					copy(out[oh*g.OW:][:g.OW], acc[oh*wp:][:g.OW])
				}
			}
		}
	})
}

// im2colConv2d is tensor.Conv2d's forward for groups = 1: columns of the
// whole batch with a ones row, times [w | b].
func im2colConv2d(d Device, y, x, wb, cols device.Buffer, n, cout int, g device.ConvGeom) {
	l, k := g.OH*g.OW, g.C*g.KH*g.KW
	d.Im2Col(cols, x, 0, n, g)
	d.Fill(cols, k*n*l, n*l, 1)
	d.Gemm(device.GemmParams{Batch: n, M: cout, N: l, K: k + 1, Alpha: 1,
		A: wb, LDA: k + 1, B: cols, LDB: n * l, StrideB: l, C: y, LDC: l, StrideC: cout * l})
}

// im2colConv2dOneGemm is im2colConv2d with one gemm over the whole batch
// into [Cout, N·L], then a copy to [N, Cout, L].
func im2colConv2dOneGemm(d Device, y, x, wb, cols, tmp device.Buffer, n, cout int, g device.ConvGeom) {
	l, k := g.OH*g.OW, g.C*g.KH*g.KW
	d.Im2Col(cols, x, 0, n, g)
	d.Fill(cols, k*n*l, n*l, 1)
	d.Gemm(device.GemmParams{Batch: 1, M: cout, N: n * l, K: k + 1, Alpha: 1,
		A: wb, LDA: k + 1, B: cols, LDB: n * l, C: tmp, LDC: n * l})
	d.Copy(y, device.Layout{Shape: []int{cout, n, l}, Strides: []int{l, cout * l, 1}},
		tmp, device.Contiguous([]int{cout, n, l}, 0))
}

// cnnConvs are the two convolutions of the tutorial CNN at batch 64.
var cnnConvs = []struct {
	name    string
	n, cout int
	g       device.ConvGeom
}{
	{"conv1-1x28x28-to-32", 64, 32, device.ConvGeom{C: 1, H: 28, W: 28, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, DH: 1, DW: 1, OH: 28, OW: 28}},
	{"conv2-32x14x14-to-64", 64, 64, device.ConvGeom{C: 32, H: 14, W: 14, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, DH: 1, DW: 1, OH: 14, OW: 14}},
}

type convBufs struct {
	x, w, b, wb []float32
	y, cols     device.Buffer
	xb, wbb     device.Buffer
}

func newConvBufs(d Device, n, cout int, g device.ConvGeom) convBufs {
	k, l := g.C*g.KH*g.KW, g.OH*g.OW
	var c convBufs
	c.x, c.w, c.b = randFloats(n*g.C*g.H*g.W, 1), randFloats(cout*k, 2), randFloats(cout, 3)
	c.wb = make([]float32, cout*(k+1))
	for co := range cout {
		copy(c.wb[co*(k+1):], c.w[co*k:][:k])
		c.wb[co*(k+1)+k] = c.b[co]
	}
	c.xb, c.wbb = d.Alloc(device.Float32, len(c.x)), d.Alloc(device.Float32, len(c.wb))
	d.WriteF32(c.xb, 0, c.x)
	d.WriteF32(c.wbb, 0, c.wb)
	c.y, c.cols = d.Alloc(device.Float32, n*cout*l), d.Alloc(device.Float32, (k+1)*n*l)
	return c
}

func randFloats(n int, seed uint64) []float32 {
	s := seed*0x9E3779B97F4A7C15 + 1
	f := make([]float32, n)
	for i := range f {
		s ^= s << 13
		s ^= s >> 7
		s ^= s << 17
		f[i] = float32(s>>40)/float32(1<<24)*2 - 1
	}
	return f
}

func TestDirectConvMatchesIm2col(t *testing.T) {
	var d Device
	for _, c := range cnnConvs {
		n := 3
		bufs := newConvBufs(d, n, c.cout, c.g)
		im2colConv2d(d, bufs.y, bufs.xb, bufs.wbb, bufs.cols, n, c.cout, c.g)
		want := f32s(bufs.y)
		got := make([]float32, len(want))
		directConv2d(got, bufs.x, bufs.w, bufs.b, n, c.cout, c.g)
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > 1e-4*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("%s: element %d: direct %v, im2col %v", c.name, i, got[i], want[i])
			}
		}
	}
}

func BenchmarkConvForward(b *testing.B) {
	var d Device
	for _, c := range cnnConvs {
		bufs := newConvBufs(d, c.n, c.cout, c.g)
		flops := 2 * float64(c.n*c.cout*c.g.OH*c.g.OW*c.g.C*c.g.KH*c.g.KW)
		report := func(b *testing.B) {
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		}
		b.Run(fmt.Sprintf("%s/im2col", c.name), func(b *testing.B) {
			for b.Loop() {
				im2colConv2d(d, bufs.y, bufs.xb, bufs.wbb, bufs.cols, c.n, c.cout, c.g)
			}
			report(b)
		})
		tmp := d.Alloc(device.Float32, c.n*c.cout*c.g.OH*c.g.OW)
		b.Run(fmt.Sprintf("%s/im2col-one-gemm", c.name), func(b *testing.B) {
			for b.Loop() {
				im2colConv2dOneGemm(d, bufs.y, bufs.xb, bufs.wbb, bufs.cols, tmp, c.n, c.cout, c.g)
			}
			report(b)
		})
		b.Run(fmt.Sprintf("%s/direct", c.name), func(b *testing.B) {
			y := f32s(bufs.y)
			for b.Loop() {
				directConv2d(y, bufs.x, bufs.w, bufs.b, c.n, c.cout, c.g)
			}
			report(b)
		})
	}
}

// BenchmarkCol2Im folds the columns' gradient of the tutorial CNN's
// second convolution back onto its input, as its backward pass does.
func BenchmarkCol2Im(b *testing.B) {
	var d Device
	c := cnnConvs[1]
	k, l := c.g.C*c.g.KH*c.g.KW, c.g.OH*c.g.OW
	cols := d.Alloc(device.Float32, k*c.n*l)
	for i, cs := 0, f32s(cols); i < len(cs); i++ {
		cs[i] = float32(i%13) - 6
	}
	dx := d.Alloc(device.Float32, c.n*c.g.C*c.g.H*c.g.W)
	for b.Loop() {
		d.Col2Im(dx, cols, c.n, c.g)
	}
}
