package cpu

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/nervelab/nerve/internal/device"
)

// naiveConv is the textbook convolution and its gradients in float64:
// y from x, w, b (b nil: none) and, from gy, gx, gw, gb.
type naiveConv struct {
	n, cout, groups int
	g               device.ConvGeom
}

// each calls f for every (image, filter, output position, input channel,
// tap) whose tap reads the input: y at yi gets x at xi times w at wi.
func (c naiveConv) each(f func(yi, xi, wi int)) {
	g := c.g
	cig, cog := g.C/c.groups, c.cout/c.groups
	for b := range c.n {
		for o := range c.cout {
			for i := range g.OH {
				for j := range g.OW {
					yi := ((b*c.cout+o)*g.OH+i)*g.OW + j
					for ci := range cig {
						cin := o/cog*cig + ci
						for a := range g.KH {
							for e := range g.KW {
								ih, iw := i*g.SH-g.PH+a*g.DH, j*g.SW-g.PW+e*g.DW
								if ih >= 0 && ih < g.H && iw >= 0 && iw < g.W {
									f(yi, ((b*g.C+cin)*g.H+ih)*g.W+iw, ((o*cig+ci)*g.KH+a)*g.KW+e)
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestConv2dMatchesNaive checks Conv2d and Conv2dBackward against the
// textbook sums on random geometries (strides, padding, dilation, groups
// of 1 to 3, with and without bias), over batches of 0 to 19 images, so
// that the weight gradient's runs hold one image or several; and once
// with the tutorial CNN's second layer, whose products take the packed
// gemm path.
func TestConv2dMatchesNaive(t *testing.T) {
	var d Device
	r := rand.New(rand.NewSource(7))
	type tcase struct {
		g               device.ConvGeom
		n, cout, groups int
		bias            bool
	}
	var cases []tcase
	for len(cases) < 60 {
		g := randGeom(r, 8)
		if len(cases)%3 == 0 {
			sameSize(r, &g)
		}
		groups := 1 + r.Intn(3)
		g.C *= groups
		if !setOut(&g) {
			continue
		}
		n := []int{0, 1, 3, 8, 9, 19}[r.Intn(6)]
		cases = append(cases, tcase{g, n, groups * (1 + r.Intn(4)), groups, r.Intn(2) == 0})
	}
	cases = append(cases, tcase{cnnConvs[1].g, 10, 64, 1, true})
	for i, c := range cases {
		name := fmt.Sprintf("case %d %+v n=%d cout=%d groups=%d bias=%v", i, c.g, c.n, c.cout, c.groups, c.bias)
		g := c.g
		nx, nw, ny := c.n*g.C*g.H*g.W, c.cout*g.C/c.groups*g.KH*g.KW, c.n*c.cout*g.OH*g.OW
		x, w, b, gy := randFloats(nx+2, uint64(4*i+1)), randFloats(nw+3, uint64(4*i+2)), randFloats(c.cout, uint64(4*i+3)), randFloats(ny, uint64(4*i+4))
		xb, wb, bb, gyb := d.Alloc(device.Float32, len(x)), d.Alloc(device.Float32, len(w)), d.Alloc(device.Float32, c.cout+1), d.Alloc(device.Float32, ny+5)
		d.WriteF32(xb, 0, x)
		d.WriteF32(wb, 0, w)
		d.WriteF32(bb, 1, b)
		d.WriteF32(gyb, 5, gy)
		x, w = x[2:], w[3:]
		p := device.ConvParams{N: c.n, Cout: c.cout, Groups: c.groups, G: g, X: xb, OffX: 2, W: wb, OffW: 3}
		if c.bias {
			p.B, p.OffB = bb, 1
		}
		// Outputs start as NaN: every element must be written.
		nan := func(n int) device.Buffer {
			buf := d.Alloc(device.Float32, n)
			fillSlice(f32s(buf), float32(math.NaN()))
			return buf
		}
		y, gx, gw, gbias := nan(ny), nan(nx), nan(nw), nan(c.cout)
		d.Conv2d(y, p)
		d.Conv2dBackward(gx, gw, gbias, gyb, 5, p)

		wy, wgx, wgw, wgb := make([]float64, ny), make([]float64, nx), make([]float64, nw), make([]float64, c.cout)
		naiveConv{c.n, c.cout, c.groups, g}.each(func(yi, xi, wi int) {
			wy[yi] += float64(x[xi]) * float64(w[wi])
			wgx[xi] += float64(gy[yi]) * float64(w[wi])
			wgw[wi] += float64(gy[yi]) * float64(x[xi])
		})
		l := g.OH * g.OW
		for yi := range wy {
			o := yi / l % c.cout
			if c.bias {
				wy[yi] += float64(b[o])
			}
			wgb[o] += float64(gy[yi])
		}
		for _, v := range []struct {
			what      string
			got, want []float64
		}{{"y", f64s(f32s(y)), wy}, {"∂x", f64s(f32s(gx)), wgx}, {"∂w", f64s(f32s(gw)), wgw}, {"∂b", f64s(f32s(gbias)), wgb}} {
			for j, want := range v.want {
				if got := v.got[j]; !(math.Abs(got-want) <= 1e-4*(1+math.Abs(want))) {
					t.Fatalf("%s: %s[%d] = %v, want %v", name, v.what, j, got, want)
				}
			}
		}
	}
}

func f64s(f []float32) []float64 {
	out := make([]float64, len(f))
	for i, v := range f {
		out[i] = float64(v)
	}
	return out
}

// TestConv2dBackwardNilGradients: the gradients asked for are the ones a
// call with all three gives, and the others' buffers are not needed.
func TestConv2dBackwardNilGradients(t *testing.T) {
	var d Device
	c := cnnConvs[1]
	n := 11
	bufs := newConvBufs(d, n, c.cout, c.g)
	p := device.ConvParams{N: n, Cout: c.cout, Groups: 1, G: c.g, X: bufs.xb, W: bufs.wb, B: bufs.bb}
	gy := d.Alloc(device.Float32, n*c.cout*c.g.OH*c.g.OW)
	d.WriteF32(gy, 0, randFloats(gy.Len(), 9))
	all := []device.Buffer{d.Alloc(device.Float32, len(bufs.x)), d.Alloc(device.Float32, len(bufs.w)), d.Alloc(device.Float32, c.cout)}
	d.Conv2dBackward(all[0], all[1], all[2], gy, 0, p)
	for i := range all {
		one := make([]device.Buffer, 3)
		one[i] = d.Alloc(device.Float32, all[i].Len())
		d.Conv2dBackward(one[0], one[1], one[2], gy, 0, p)
		for j, v := range f32s(one[i]) {
			if v != f32s(all[i])[j] {
				t.Fatalf("gradient %d alone: element %d = %v, with all three %v", i, j, v, f32s(all[i])[j])
			}
		}
	}
}
