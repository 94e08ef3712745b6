package cpu

import (
	"math"
	"math/rand"
	"testing"

	"github.com/nervelab/nerve/internal/device"
)

// TestCol2ImIsAdjoint checks ⟨Im2Col(x), c⟩ = ⟨x, Col2Im(c)⟩ over many
// geometries, including windows that reach far into the padding.
func TestCol2ImIsAdjoint(t *testing.T) {
	var d Device
	r := rand.New(rand.NewSource(1))
	for it := range 300 {
		g := device.ConvGeom{C: 1 + r.Intn(3), H: 1 + r.Intn(7), W: 1 + r.Intn(7), KH: 1 + r.Intn(3), KW: 1 + r.Intn(3),
			SH: 1 + r.Intn(3), SW: 1 + r.Intn(3), PH: r.Intn(3), PW: r.Intn(3), DH: 1 + r.Intn(2), DW: 1 + r.Intn(2)}
		g.OH = (g.H+2*g.PH-g.DH*(g.KH-1)-1)/g.SH + 1
		g.OW = (g.W+2*g.PW-g.DW*(g.KW-1)-1)/g.SW + 1
		if g.OH < 1 || g.OW < 1 {
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
		d.Im2Col(cols, x, 3, n, g)
		d.Col2Im(dx, c, n, g)
		var lhs, rhs float64
		for i, v := range f32s(cols) {
			lhs += float64(v) * float64(f32s(c)[i])
		}
		for i, v := range f32s(dx) {
			rhs += float64(v) * float64(f32s(x)[3+i])
		}
		if math.Abs(lhs-rhs) > 1e-4 {
			t.Fatalf("case %d %+v n=%d: ⟨im2col(x), c⟩ = %v, ⟨x, col2im(c)⟩ = %v", it, g, n, lhs, rhs)
		}
	}
}
