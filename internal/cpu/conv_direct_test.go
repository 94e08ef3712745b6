package cpu

import (
	"fmt"
	"math"
	"testing"

	"github.com/nervelab/nerve/internal/device"
)

// The convolution issue asks whether a direct convolution beats im2col and
// gemm. directConv2d is the direct candidate for the stride-1, undilated,
// ungrouped convolutions of the tutorial CNN: per image it pads the input
// once, then accumulates each output plane over a row pitch of the padded
// width, so that every tap (ci, kh, kw) is one long AVX-512 axpy of a
// shifted input plane (no columns matrix); the junk columns of the pitch
// are dropped when the plane is stored. BenchmarkConvForward times it
// against Device.Conv2d (per image: im2col with a ones row for the bias,
// then a gemm). On the CNN's layers at batch 64 (2 threads, AVX-512) the
// direct one took 4.1× (conv1: 0.87 vs 0.21 ms) and 5.3× (conv2: 11.6 vs
// 2.18 ms) the time of Conv2d.
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

// im2colConv2d is tensor.Conv2d's forward for groups = 1.
func im2colConv2d(d Device, c convBufs, n, cout int, g device.ConvGeom) {
	d.Conv2d(c.y, device.ConvParams{N: n, Cout: cout, Groups: 1, G: g, X: c.xb, W: c.wb, B: c.bb})
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
	x, w, b    []float32
	xb, wb, bb device.Buffer
	y          device.Buffer
}

func newConvBufs(d Device, n, cout int, g device.ConvGeom) convBufs {
	var c convBufs
	c.x, c.w, c.b = randFloats(n*g.C*g.H*g.W, 1), randFloats(cout*g.C*g.KH*g.KW, 2), randFloats(cout, 3)
	c.xb, c.wb, c.bb = d.Alloc(device.Float32, len(c.x)), d.Alloc(device.Float32, len(c.w)), d.Alloc(device.Float32, cout)
	d.WriteF32(c.xb, 0, c.x)
	d.WriteF32(c.wb, 0, c.w)
	d.WriteF32(c.bb, 0, c.b)
	c.y = d.Alloc(device.Float32, n*cout*g.OH*g.OW)
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
		im2colConv2d(d, bufs, n, c.cout, c.g)
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
				im2colConv2d(d, bufs, c.n, c.cout, c.g)
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

// BenchmarkConvBackward is the backward pass of the tutorial CNN's
// convolutions at batch 64: ∂w and ∂b, and ∂x for the second (the first
// one's input, the images, needs none).
func BenchmarkConvBackward(b *testing.B) {
	var d Device
	for i, c := range cnnConvs {
		bufs := newConvBufs(d, c.n, c.cout, c.g)
		gy := d.Alloc(device.Float32, c.n*c.cout*c.g.OH*c.g.OW)
		d.WriteF32(gy, 0, randFloats(gy.Len(), 4))
		gw, gb := d.Alloc(device.Float32, len(bufs.w)), d.Alloc(device.Float32, c.cout)
		var gx device.Buffer
		if i > 0 {
			gx = d.Alloc(device.Float32, len(bufs.x))
		}
		p := device.ConvParams{N: c.n, Cout: c.cout, Groups: 1, G: c.g, X: bufs.xb, W: bufs.wb, B: bufs.bb}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				d.Conv2dBackward(gx, gw, gb, gy, 0, p)
			}
		})
	}
}
