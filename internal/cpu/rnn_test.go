package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nervelab/nerve/internal/device"
)

// rowCase is one case of a recurrent backward-row test: the width h,
// whether a next step's gradient comes in, and the scale of the gradients
// (1e-20 makes subnormals).
type rowCase struct {
	h     int
	next  bool
	scale float64
}

// rowCases lists H = 0..67, 128 and 1000, with and without a next step's
// gradient, at both scales.
func rowCases() []rowCase {
	var cs []rowCase
	for _, h := range append(seq(68), 128, 1000) {
		for _, next := range []bool{false, true} {
			for _, scale := range []float64{1, 1e-20} {
				cs = append(cs, rowCase{h, next, scale})
			}
		}
	}
	return cs
}

// rowGuard follows every slice of the row tests.
const rowGuard = -12345

// row returns n values and three guard values after them: activations in
// (−1, 1) with act, else normal values times c.scale.
func (c rowCase) row(r *rand.Rand, n int, act bool) []float32 {
	s := make([]float32, n+3)
	for i := range s {
		s[i] = rowGuard
	}
	for i := range n {
		if act {
			s[i] = float32(r.Float64()*2 - 1)
		} else {
			s[i] = float32(r.NormFloat64() * c.scale)
		}
	}
	return s
}

// dn returns the next step's gradient, or nil without one.
func (c rowCase) dn(r *rand.Rand) []float32 {
	if !c.next {
		return nil
	}
	return c.row(r, c.h, false)[:c.h]
}

// sameBits fails t unless every pair of slices holds the same bits,
// guards included.
func (c rowCase) sameBits(t *testing.T, pairs ...[2][]float32) {
	t.Helper()
	for _, pair := range pairs {
		got, want := pair[0], pair[1]
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%+v: element %d of %d is %v, want %v", c, i, len(got)-3, got[i], want[i])
			}
		}
	}
}

// TestLSTMBackRowMatchesLoop runs the dispatching LSTM backward row (SIMD
// where the build has it) against the scalar loop over rowCases, with
// guard values after every slice, and wants identical bits.
func TestLSTMBackRowMatchesLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, c := range rowCases() {
		h := c.h
		a, cs := c.row(r, 5*h, true), c.row(r, h, false)
		dg, dh, dc := c.row(r, 4*h, false), c.row(r, h, false), c.row(r, h, false)
		dn := c.dn(r)
		wdg, wdc := append([]float32(nil), dg...), append([]float32(nil), dc...)
		lstmBackRow(dg[:4*h], a[:5*h], cs[:h], dh[:h], dn, dc[:h], h)
		lstmBackLoop(wdg[:4*h], a[:5*h], cs[:h], dh[:h], dn, wdc[:h], h, 0)
		c.sameBits(t, [2][]float32{dg, wdg}, [2][]float32{dc, wdc})
	}
}

// TestRNNBackMatchesLoop runs the Elman backward (element-wise kernels,
// a chunk at a time) against the scalar loop over rowCases and a width
// beyond one chunk, for tanh and ReLU (with zeros and a NaN among the
// outputs), with guard values after every slice, and wants identical bits.
func TestRNNBackMatchesLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	cases := append(rowCases(), rowCase{rnnChunk*2 + 37, true, 1}, rowCase{rnnChunk*2 + 37, false, 1})
	for _, c := range cases {
		for _, relu := range []bool{false, true} {
			h := c.h
			hs, dh, dn := c.row(r, h, true), c.row(r, h, false), c.dn(r)
			if relu {
				for i := 0; i < h; i += 7 {
					hs[i] = 0
				}
				if h > 3 {
					hs[3] = float32(math.NaN())
				}
			}
			got, want := c.row(r, h, false), c.row(r, h, false)
			rnnBack(got[:h], hs[:h], dh[:h], dn, relu)
			rnnBackLoop(want[:h], hs[:h], dh[:h], dn, relu)
			c.sameBits(t, [2][]float32{got, want})
		}
	}
}

// normalBuffer returns a buffer of size standard normal values.
func normalBuffer(d Device, r *rand.Rand, size int) device.Buffer {
	b := d.Alloc(device.Float32, size)
	for i := range f32s(b) {
		f32s(b)[i] = float32(r.NormFloat64())
	}
	return b
}

// TestLSTMCellMatchesScalar checks one LSTM step against the state update
// written as scalar expressions (after the same activation kernels), bit
// for bit, for widths around the SIMD block.
func TestLSTMCellMatchesScalar(t *testing.T) {
	var d Device
	r := rand.New(rand.NewPCG(5, 6))
	for _, h := range []int{1, 15, 16, 17, 33, 128} {
		const n = 3
		fill := func(size int) device.Buffer { return normalBuffer(d, r, size) }
		p := device.LSTMCellParams{N: n, H: h, Gates: fill(n * 4 * h), C: fill(n * h),
			Act: d.Alloc(device.Float32, n*5*h), HOut: d.Alloc(device.Float32, n*h), COut: d.Alloc(device.Float32, n*h)}
		d.LSTMCell(p)
		gs, cs, as := f32s(p.Gates), f32s(p.C), f32s(p.Act)
		for row := range n {
			a := make([]float32, 5*h)
			g := gs[row*4*h:][:4*h]
			sigmoidLoop(a[:2*h], g[:2*h])
			tanhLoop(a[2*h:3*h], g[2*h:3*h])
			sigmoidLoop(a[3*h:4*h], g[3*h:])
			cn, tc := make([]float32, h), make([]float32, h)
			for j := range h {
				cn[j] = a[h+j]*cs[row*h+j] + a[j]*a[2*h+j]
			}
			tanhLoop(tc, cn)
			for j := range h {
				hn := a[3*h+j] * tc[j]
				if got := f32s(p.COut)[row*h+j]; math.Float32bits(got) != math.Float32bits(cn[j]) {
					t.Fatalf("H=%d row %d: c_t[%d] = %v, want %v", h, row, j, got, cn[j])
				}
				if got := f32s(p.HOut)[row*h+j]; math.Float32bits(got) != math.Float32bits(hn) {
					t.Fatalf("H=%d row %d: h_t[%d] = %v, want %v", h, row, j, got, hn)
				}
				if got := as[row*5*h+4*h+j]; math.Float32bits(got) != math.Float32bits(tc[j]) {
					t.Fatalf("H=%d row %d: tanh(c_t)[%d] = %v, want %v", h, row, j, got, tc[j])
				}
			}
		}
	}
}

// TestGRUBackRowMatchesLoop is TestLSTMBackRowMatchesLoop for the GRU.
func TestGRUBackRowMatchesLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, c := range rowCases() {
		h := c.h
		a, hp, dh := c.row(r, 4*h, true), c.row(r, h, true), c.row(r, h, false)
		dx, dgh, dp := c.row(r, 3*h, false), c.row(r, 3*h, false), c.row(r, h, false)
		dn := c.dn(r)
		wdx, wdgh, wdp := append([]float32(nil), dx...), append([]float32(nil), dgh...), append([]float32(nil), dp...)
		gruBackRow(dx[:3*h], dgh[:3*h], a[:4*h], hp[:h], dh[:h], dn, dp[:h], h)
		gruBackLoop(wdx[:3*h], wdgh[:3*h], a[:4*h], hp[:h], dh[:h], dn, wdp[:h], h, 0)
		c.sameBits(t, [2][]float32{dx, wdx}, [2][]float32{dgh, wdgh}, [2][]float32{dp, wdp})
	}
}

// TestGRUCellMatchesScalar checks one GRU step against its update written
// as scalar expressions (after the same activation kernels), bit for bit.
func TestGRUCellMatchesScalar(t *testing.T) {
	var d Device
	r := rand.New(rand.NewPCG(9, 10))
	for _, h := range []int{1, 15, 16, 17, 33, 128} {
		const n = 3
		fill := func(size int) device.Buffer { return normalBuffer(d, r, size) }
		p := device.GRUCellParams{N: n, H: h, X: fill(n * 3 * h), GH: fill(n * 3 * h), HPrev: fill(n * h),
			Act: d.Alloc(device.Float32, n*4*h), HOut: d.Alloc(device.Float32, n*h)}
		d.GRUCell(p)
		xs, ghs, hps := f32s(p.X), f32s(p.GH), f32s(p.HPrev)
		for row := range n {
			x, gh, hp := xs[row*3*h:][:3*h], ghs[row*3*h:][:3*h], hps[row*h:][:h]
			rz, nv := make([]float32, 2*h), make([]float32, h)
			for j := range rz {
				rz[j] = x[j] + gh[j]
			}
			sigmoidLoop(rz, rz)
			for j := range nv {
				nv[j] = x[2*h+j] + rz[j]*gh[2*h+j]
			}
			tanhLoop(nv, nv)
			want := append(append(append([]float32(nil), rz...), nv...), gh[2*h:]...)
			act := f32s(p.Act)[row*4*h:][:4*h]
			for j := range want {
				if math.Float32bits(act[j]) != math.Float32bits(want[j]) {
					t.Fatalf("H=%d row %d: Act[%d] = %v, want %v", h, row, j, act[j], want[j])
				}
			}
			for j := range h {
				hn := nv[j] + rz[h+j]*(hp[j]-nv[j])
				if got := f32s(p.HOut)[row*h+j]; math.Float32bits(got) != math.Float32bits(hn) {
					t.Fatalf("H=%d row %d: h_t[%d] = %v, want %v", h, row, j, got, hn)
				}
			}
		}
	}
}
