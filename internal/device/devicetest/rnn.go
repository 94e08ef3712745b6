package devicetest

import (
	"math"
	"testing"

	"github.com/nervelab/nerve/internal/device"
)

// testRNNCells checks the optional fused recurrent cells against float64
// reference loops, at offsets inside guarded buffers; a device without
// them skips.
func testRNNCells(t *testing.T, dev device.Device) {
	cells, ok := dev.(device.RNNCells)
	if !ok {
		t.Skip("device has no fused recurrent cells")
	}
	for _, sz := range [][2]int{{3, 5}, {70, 130}} { // the second spreads rows over the cores
		t.Run(name(sz[0], "x", sz[1]), func(t *testing.T) { testRNNCellsSize(t, dev, cells, sz[0], sz[1]) })
	}
}

func testRNNCellsSize(t *testing.T, dev device.Device, cells device.RNNCells, n, h int) {
	const pad = 4
	r := newRand(11)
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	// put returns a guarded buffer holding vals at offset pad.
	put := func(vals []float32) device.Buffer {
		b := guarded(dev, pad, len(vals))
		dev.WriteF32(b, pad, vals)
		return b
	}
	get := func(what string, b device.Buffer, m int) []float32 {
		v := readF32(dev, b)
		checkGuards(t, what, v, pad, pad+m)
		return v[pad : pad+m]
	}
	const rtol, atol = 1e-5, 1e-6

	// LSTM: forward, then backward from ∂h = dh + dn and ∂c = dc.
	g, c := randF32(r, n*4*h, -2, 2), randF32(r, n*h, -2, 2)
	dh, dn, dc := randF32(r, n*h, -1, 1), randF32(r, n*h, -1, 1), randF32(r, n*h, -1, 1)
	wantAct, wantC, wantH := make([]float64, n*5*h), make([]float64, n*h), make([]float64, n*h)
	wantDG, wantDC := make([]float64, n*4*h), make([]float64, n*h)
	for i := 0; i < n; i++ {
		for j := 0; j < h; j++ {
			gi := func(k int) float64 { return float64(g[i*4*h+k*h+j]) }
			ig, fg, gg, og := sig(gi(0)), sig(gi(1)), math.Tanh(gi(2)), sig(gi(3))
			cn := fg*float64(c[i*h+j]) + ig*gg
			tc := math.Tanh(cn)
			for k, v := range []float64{ig, fg, gg, og, tc} {
				wantAct[i*5*h+k*h+j] = v
			}
			wantC[i*h+j], wantH[i*h+j] = cn, og*tc
			d := float64(dh[i*h+j] + dn[i*h+j])
			dct := float64(dc[i*h+j]) + d*og*(1-tc*tc)
			for k, v := range []float64{dct * gg * ig * (1 - ig), dct * float64(c[i*h+j]) * fg * (1 - fg), dct * ig * (1 - gg*gg), d * tc * og * (1 - og)} {
				wantDG[i*4*h+k*h+j] = v
			}
			wantDC[i*h+j] = dct * fg
		}
	}
	p := device.LSTMCellParams{N: n, H: h, Gates: put(g), C: put(c), Act: put(make([]float32, n*5*h)),
		HOut: put(make([]float32, n*h)), COut: put(make([]float32, n*h)),
		OffGates: pad, OffC: pad, OffAct: pad, OffHOut: pad, OffCOut: pad}
	cells.LSTMCell(p)
	checkNear(t, "LSTMCell act", get("LSTMCell act", p.Act, n*5*h), wantAct, rtol, atol)
	checkNear(t, "LSTMCell c", get("LSTMCell c", p.COut, n*h), wantC, rtol, atol)
	checkNear(t, "LSTMCell h", get("LSTMCell h", p.HOut, n*h), wantH, rtol, atol)
	p.Gates, p.DH, p.DHNext, p.DC = put(make([]float32, n*4*h)), put(dh), put(dn), put(dc)
	p.OffDH, p.OffDHNext, p.OffDC = pad, pad, pad
	cells.LSTMCellBackward(p)
	checkNear(t, "LSTMCellBackward gates", get("LSTMCellBackward gates", p.Gates, n*4*h), wantDG, rtol, atol)
	checkNear(t, "LSTMCellBackward c", get("LSTMCellBackward c", p.DC, n*h), wantDC, rtol, atol)

	// GRU.
	x, gh, hp := randF32(r, n*3*h, -2, 2), randF32(r, n*3*h, -2, 2), randF32(r, n*h, -2, 2)
	wantGAct, wantGH := make([]float64, n*4*h), make([]float64, n*h)
	wantDX, wantDGH, wantDP := make([]float64, n*3*h), make([]float64, n*3*h), make([]float64, n*h)
	for i := 0; i < n; i++ {
		for j := 0; j < h; j++ {
			xi := func(k int) float64 { return float64(x[i*3*h+k*h+j]) }
			hi := func(k int) float64 { return float64(gh[i*3*h+k*h+j]) }
			rg, zg := sig(xi(0)+hi(0)), sig(xi(1)+hi(1))
			ng := math.Tanh(xi(2) + rg*hi(2))
			hpv := float64(hp[i*h+j])
			for k, v := range []float64{rg, zg, ng, hi(2)} {
				wantGAct[i*4*h+k*h+j] = v
			}
			wantGH[i*h+j] = (1-zg)*ng + zg*hpv
			d := float64(dh[i*h+j] + dn[i*h+j])
			dxn := d * (1 - zg) * (1 - ng*ng)
			dr := dxn * hi(2) * rg * (1 - rg)
			dz := d * (hpv - ng) * zg * (1 - zg)
			for k, v := range []float64{dr, dz, dxn} {
				wantDX[i*3*h+k*h+j] = v
			}
			for k, v := range []float64{dr, dz, dxn * rg} {
				wantDGH[i*3*h+k*h+j] = v
			}
			wantDP[i*h+j] = d * zg
		}
	}
	q := device.GRUCellParams{N: n, H: h, X: put(x), GH: put(gh), HPrev: put(hp), Act: put(make([]float32, n*4*h)),
		HOut: put(make([]float32, n*h)), OffX: pad, OffGH: pad, OffHPrev: pad, OffAct: pad, OffHOut: pad}
	cells.GRUCell(q)
	checkNear(t, "GRUCell act", get("GRUCell act", q.Act, n*4*h), wantGAct, rtol, atol)
	checkNear(t, "GRUCell h", get("GRUCell h", q.HOut, n*h), wantGH, rtol, atol)
	q.X, q.GH, q.DH, q.DHNext, q.DHPrev = put(make([]float32, n*3*h)), put(make([]float32, n*3*h)), put(dh), put(dn), put(make([]float32, n*h))
	q.OffDH, q.OffDHNext, q.OffDHPrev = pad, pad, pad
	cells.GRUCellBackward(q)
	checkNear(t, "GRUCellBackward x", get("GRUCellBackward x", q.X, n*3*h), wantDX, rtol, atol)
	checkNear(t, "GRUCellBackward gh", get("GRUCellBackward gh", q.GH, n*3*h), wantDGH, rtol, atol)
	checkNear(t, "GRUCellBackward h", get("GRUCellBackward h", q.DHPrev, n*h), wantDP, rtol, atol)

	// Elman RNN, tanh and ReLU.
	pre := randF32(r, n*h, -2, 2)
	for _, relu := range []bool{false, true} {
		wantOut, wantDPre := make([]float64, n*h), make([]float64, n*h)
		for i, v := range pre {
			o := math.Tanh(float64(v))
			if relu {
				o = math.Max(float64(v), 0)
			}
			d := float64(dh[i] + dn[i])
			wantOut[i] = o
			if relu {
				if o <= 0 {
					d = 0
				}
				wantDPre[i] = d
			} else {
				wantDPre[i] = d * (1 - o*o)
			}
		}
		s := device.RNNCellParams{N: n, H: h, ReLU: relu, Pre: put(pre), Out: put(make([]float32, n*h)), OffPre: pad, OffOut: pad}
		cells.RNNCell(s)
		checkNear(t, name("RNNCell relu=", relu), get("RNNCell", s.Out, n*h), wantOut, rtol, atol)
		s.Pre, s.DH, s.DHNext, s.OffDH, s.OffDHNext = put(make([]float32, n*h)), put(dh), put(dn), pad, pad
		cells.RNNCellBackward(s)
		checkNear(t, name("RNNCellBackward relu=", relu), get("RNNCellBackward", s.Pre, n*h), wantDPre, rtol, atol)
	}
}
