package cpu

import (
	"math"
	"math/rand"
	"testing"

	"github.com/nervelab/nerve/internal/device"
)

// randGeom draws a convolution geometry of 1–3 channels, planes up to
// size×size, kernels up to 3×3, strides up to 3, padding up to 2 and
// dilation up to 2 (its output size unset: see setOut).
func randGeom(r *rand.Rand, size int) device.ConvGeom {
	return device.ConvGeom{C: 1 + r.Intn(3), H: 1 + r.Intn(size), W: 1 + r.Intn(size), KH: 1 + r.Intn(3), KW: 1 + r.Intn(3),
		SH: 1 + r.Intn(3), SW: 1 + r.Intn(3), PH: r.Intn(3), PW: r.Intn(3), DH: 1 + r.Intn(2), DW: 1 + r.Intn(2)}
}

// sameSize makes g a stride-1 convolution whose output is as large as its
// input, with a kernel of 1, 3 or 5 per side (2·P = D·(K−1)): the
// geometries that im2colShift and col2imShift serve.
func sameSize(r *rand.Rand, g *device.ConvGeom) {
	g.SH, g.SW = 1, 1
	g.KH, g.KW = 1+2*r.Intn(3), 1+2*r.Intn(3)
	g.PH, g.PW = g.DH*(g.KH-1)/2, g.DW*(g.KW-1)/2
}

// setOut sets g's output size and reports whether it has one.
func setOut(g *device.ConvGeom) bool {
	g.OH = (g.H+2*g.PH-g.DH*(g.KH-1)-1)/g.SH + 1
	g.OW = (g.W+2*g.PW-g.DW*(g.KW-1)-1)/g.SW + 1
	return g.OH >= 1 && g.OW >= 1
}

// TestCol2ImIsAdjoint checks ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩ over many
// geometries, including windows that reach far into the padding, half of
// them stride-1 same-size ones (col2imShift).
func TestCol2ImIsAdjoint(t *testing.T) {
	var d Device
	r := rand.New(rand.NewSource(1))
	for it := range 400 {
		g := randGeom(r, 7)
		if it%2 == 0 {
			sameSize(r, &g)
		}
		if !setOut(&g) {
			continue
		}
		n := 1 + r.Intn(3)
		nx, nc := n*g.C*g.H*g.W, g.C*g.KH*g.KW*n*g.OH*g.OW
		x, c := d.Alloc(device.Float32, nx+3), d.Alloc(device.Float32, nc)
		for i := range f32s(x) {
			f32s(x)[i] = r.Float32() - 0.5
		}
		for i := range f32s(c) {
			f32s(c)[i] = r.Float32() - 0.5
		}
		cols, dx := d.Alloc(device.Float32, nc), d.Alloc(device.Float32, nx)
		k, chw := g.C*g.KH*g.KW*g.OH*g.OW, g.C*g.H*g.W
		for b := range n {
			im2col(f32s(cols)[b*k:][:k], f32s(x)[3+b*chw:][:chw], &g)
		}
		var lhs, rhs float64 // lhs first: col2im may zero elements of c
		for i, v := range f32s(cols) {
			lhs += float64(v) * float64(f32s(c)[i])
		}
		for b := range n {
			col2im(f32s(dx)[b*chw:][:chw], f32s(c)[b*k:][:k], &g)
		}
		for i, v := range f32s(dx) {
			rhs += float64(v) * float64(f32s(x)[3+i])
		}
		if math.Abs(lhs-rhs) > 1e-4 {
			t.Fatalf("case %d %+v n=%d: ⟨im2col(x), c⟩ = %v, ⟨x, col2im(c)⟩ = %v", it, g, n, lhs, rhs)
		}
	}
}

// TestMaxRow2x2MatchesRef runs the dispatching 2×2 max-pool row (SIMD
// where the build has it) against the plain loop for 0..67 windows, with
// ties, NaNs and ±0 mixed in and guards after the outputs, and wants the
// same maxima and positions.
func TestMaxRow2x2MatchesRef(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	const guard = -12345
	for ow := range 68 {
		for rep := range 4 {
			w := 2*ow + rep
			x := make([]float32, 2*w+1)
			for i := range x {
				switch r.Intn(10) {
				case 0:
					x[i] = float32(math.NaN())
				case 1:
					x[i] = float32(math.Copysign(0, -1))
				case 2, 3:
					x[i] = 1 // ties
				default:
					x[i] = float32(r.NormFloat64())
				}
			}
			at0 := 7 * rep
			got, gi := make([]float32, ow+1), make([]float32, ow+1)
			got[ow], gi[ow] = guard, guard
			want, wi := make([]float32, ow), make([]float32, ow)
			maxRow2x2(got[:ow], gi[:ow], x, x[w:], at0, w)
			maxRow2x2Ref(want, wi, x, x[w:], at0, w)
			for o := range ow {
				same := got[o] == want[o] || got[o] != got[o] && want[o] != want[o]
				if !same || gi[o] != wi[o] || math.Signbit(float64(got[o])) != math.Signbit(float64(want[o])) {
					t.Fatalf("ow=%d w=%d window %d: max %v at %v, want %v at %v", ow, w, o, got[o], gi[o], want[o], wi[o])
				}
			}
			if got[ow] != guard || gi[ow] != guard {
				t.Fatalf("ow=%d: wrote past the outputs", ow)
			}
		}
	}
}

// TestIm2ColMatchesLoop checks im2col element by element against the
// definition, with cols prefilled with NaN so that every element must be
// written, over random geometries and the stride-1 "same" ones that take
// im2colShift (kernel 1, 3 and 5 with matching padding, dilation 2).
func TestIm2ColMatchesLoop(t *testing.T) {
	var d Device
	r := rand.New(rand.NewSource(2))
	for it := range 400 {
		g := randGeom(r, 9)
		if it%2 == 0 {
			sameSize(r, &g)
		}
		if !setOut(&g) {
			continue
		}
		n, l := 1+r.Intn(3), g.OH*g.OW
		nx := n * g.C * g.H * g.W
		x := d.Alloc(device.Float32, nx+5)
		for i := range f32s(x) {
			f32s(x)[i] = r.Float32() - 0.5
		}
		cols := d.Alloc(device.Float32, g.C*g.KH*g.KW*n*l)
		for i := range f32s(cols) {
			f32s(cols)[i] = float32(math.NaN())
		}
		k, chw := g.C*g.KH*g.KW, g.C*g.H*g.W
		for b := range n {
			im2col(f32s(cols)[b*k*l:][:k*l], f32s(x)[5+b*chw:][:chw], &g)
		}
		cs, xs := f32s(cols), f32s(x)[5:]
		for c := range g.C {
			for ki := range g.KH {
				for kj := range g.KW {
					for b := range n {
						row := b*k + (c*g.KH+ki)*g.KW + kj
						for oh := range g.OH {
							for ow := range g.OW {
								ih, iw := oh*g.SH-g.PH+ki*g.DH, ow*g.SW-g.PW+kj*g.DW
								var want float32
								if ih >= 0 && ih < g.H && iw >= 0 && iw < g.W {
									want = xs[((b*g.C+c)*g.H+ih)*g.W+iw]
								}
								if got := cs[row*l+oh*g.OW+ow]; got != want {
									t.Fatalf("case %d %+v n=%d: cols[c=%d tap=(%d,%d) b=%d][%d,%d] = %v, want %v",
										it, g, n, c, ki, kj, b, oh, ow, got, want)
								}
							}
						}
					}
				}
			}
		}
	}
}
