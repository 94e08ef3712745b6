package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nervelab/nerve/internal/device"
)

// TestLSTMBackRowMatchesLoop runs the dispatching LSTM backward row (SIMD
// where the build has it) against the scalar loop for H = 0..67, 128 and
// 1000, with and without a next step's gradient, tiny (subnormal-making)
// and ordinary values, and guard values after every slice, and wants
// identical bits.
func TestLSTMBackRowMatchesLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const guard = -12345
	for _, h := range append(seq(68), 128, 1000) {
		for _, next := range []bool{false, true} {
			for _, scale := range []float64{1, 1e-20} {
				mk := func(n int, act bool) []float32 {
					s := make([]float32, n+3)
					for i := range s {
						s[i] = guard
					}
					for i := range n {
						if act {
							s[i] = float32(r.Float64()*2 - 1)
						} else {
							s[i] = float32(r.NormFloat64() * scale)
						}
					}
					return s
				}
				a, c := mk(5*h, true), mk(h, false)
				dg, dh, dc := mk(4*h, false), mk(h, false), mk(h, false)
				var dn []float32
				if next {
					dn = mk(h, false)
				}
				wdg, wdc := append([]float32(nil), dg...), append([]float32(nil), dc...)
				var dnh []float32
				if next {
					dnh = dn[:h]
				}
				lstmBackRow(dg[:4*h], a[:5*h], c[:h], dh[:h], dnh, dc[:h], h)
				lstmBackLoop(wdg[:4*h], a[:5*h], c[:h], dh[:h], dnh, wdc[:h], h, 0)
				for _, pair := range [][2][]float32{{dg, wdg}, {dc, wdc}} {
					got, want := pair[0], pair[1]
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("H=%d next=%v scale=%g: element %d of %d is %v, want %v", h, next, scale, i, len(got)-3, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestLSTMCellMatchesScalar checks one LSTM step against the state update
// written as scalar expressions (after the same activation kernels), bit
// for bit, for widths around the SIMD block.
func TestLSTMCellMatchesScalar(t *testing.T) {
	var d Device
	r := rand.New(rand.NewPCG(5, 6))
	for _, h := range []int{1, 15, 16, 17, 33, 128} {
		const n = 3
		fill := func(size int) device.Buffer {
			b := d.Alloc(device.Float32, size)
			for i := range f32s(b) {
				f32s(b)[i] = float32(r.NormFloat64())
			}
			return b
		}
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
	const guard = -12345
	for _, h := range append(seq(68), 128, 1000) {
		for _, next := range []bool{false, true} {
			for _, scale := range []float64{1, 1e-20} {
				mk := func(n int, act bool) []float32 {
					s := make([]float32, n+3)
					for i := range s {
						s[i] = guard
					}
					for i := range n {
						if act {
							s[i] = float32(r.Float64()*2 - 1)
						} else {
							s[i] = float32(r.NormFloat64() * scale)
						}
					}
					return s
				}
				a, hp, dh := mk(4*h, true), mk(h, true), mk(h, false)
				dx, dgh, dp := mk(3*h, false), mk(3*h, false), mk(h, false)
				var dn []float32
				if next {
					dn = mk(h, false)[:h]
				}
				wdx, wdgh, wdp := append([]float32(nil), dx...), append([]float32(nil), dgh...), append([]float32(nil), dp...)
				gruBackRow(dx[:3*h], dgh[:3*h], a[:4*h], hp[:h], dh[:h], dn, dp[:h], h)
				gruBackLoop(wdx[:3*h], wdgh[:3*h], a[:4*h], hp[:h], dh[:h], dn, wdp[:h], h, 0)
				for _, pair := range [][2][]float32{{dx, wdx}, {dgh, wdgh}, {dp, wdp}} {
					got, want := pair[0], pair[1]
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("H=%d next=%v scale=%g: element %d of %d is %v, want %v", h, next, scale, i, len(got)-3, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestGRUCellMatchesScalar checks one GRU step against its update written
// as scalar expressions (after the same activation kernels), bit for bit.
func TestGRUCellMatchesScalar(t *testing.T) {
	var d Device
	r := rand.New(rand.NewPCG(9, 10))
	for _, h := range []int{1, 15, 16, 17, 33, 128} {
		const n = 3
		fill := func(size int) device.Buffer {
			b := d.Alloc(device.Float32, size)
			for i := range f32s(b) {
				f32s(b)[i] = float32(r.NormFloat64())
			}
			return b
		}
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
