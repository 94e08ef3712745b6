package cpu

import "github.com/nervelab/nerve/internal/device"

// LSTMCell computes one LSTM step (see device.RNNCells): the gates'
// activations with the SIMD sigmoid and tanh kernels, then the state
// update with the SIMD element-wise ones, row by row, rows spread over
// the pool.
func (Device) LSTMCell(p device.LSTMCellParams) {
	n, h := p.N, p.H
	gs := f32s(p.Gates)[p.OffGates : p.OffGates+n*4*h]
	cs := f32s(p.C)[p.OffC : p.OffC+n*h]
	as := f32s(p.Act)[p.OffAct : p.OffAct+n*5*h]
	hs := f32s(p.HOut)[p.OffHOut : p.OffHOut+n*h]
	co := f32s(p.COut)[p.OffCOut : p.OffCOut+n*h]
	parallelFor(n, rowGrain(5*h), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			g, a := gs[r*4*h:(r+1)*4*h], as[r*5*h:(r+1)*5*h]
			c, cn, hn := cs[r*h:(r+1)*h], co[r*h:(r+1)*h], hs[r*h:(r+1)*h]
			sigmoidLoop(a[:2*h], g[:2*h])
			tanhLoop(a[2*h:3*h], g[2*h:3*h])
			sigmoidLoop(a[3*h:4*h], g[3*h:])
			i, f, gg, o, tc := a[:h], a[h:2*h], a[2*h:3*h], a[3*h:4*h], a[4*h:5*h]
			// c_t = σ(f)·c_{t−1} + σ(i)·tanh(g), each product rounded
			// first as in one scalar expression; hn holds σ(i)·tanh(g).
			arith(device.Mul, hn, i, gg)
			arith(device.Mul, cn, f, c)
			arith(device.Add, cn, cn, hn)
			tanhLoop(tc, cn)
			arith(device.Mul, hn, o, tc)
		}
	})
}

// LSTMCellBackward is LSTMCell's gradient (see device.RNNCells):
//
//	∂c_t  += ∂h_t·σ(o)·(1 − tanh²c_t)
//	∂i = ∂c_t·tanh(g)·σ(i)(1 − σ(i))      ∂f = ∂c_t·c_{t−1}·σ(f)(1 − σ(f))
//	∂g = ∂c_t·σ(i)·(1 − tanh²g)           ∂o = ∂h_t·tanh(c_t)·σ(o)(1 − σ(o))
//	∂c_{t−1} = ∂c_t·σ(f)
func (Device) LSTMCellBackward(p device.LSTMCellParams) {
	n, h := p.N, p.H
	dgs := f32s(p.Gates)[p.OffGates : p.OffGates+n*4*h]
	cs := f32s(p.C)[p.OffC : p.OffC+n*h]
	as := f32s(p.Act)[p.OffAct : p.OffAct+n*5*h]
	dhs := f32s(p.DH)[p.OffDH : p.OffDH+n*h]
	dcs := f32s(p.DC)[p.OffDC : p.OffDC+n*h]
	var dns []float32
	if p.DHNext != nil {
		dns = f32s(p.DHNext)[p.OffDHNext : p.OffDHNext+n*h]
	}
	parallelFor(n, rowGrain(9*h), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			dg, a := dgs[r*4*h:(r+1)*4*h], as[r*5*h:(r+1)*5*h]
			c, dh, dc := cs[r*h:(r+1)*h], dhs[r*h:(r+1)*h], dcs[r*h:(r+1)*h]
			var dn []float32
			if dns != nil {
				dn = dns[r*h : (r+1)*h]
			}
			lstmBackRow(dg, a, c, dh, dn, dc, h)
		}
	})
}

// lstmBackLoop is LSTMCellBackward's arithmetic for elements j0..h of
// one row: dg and a are the row's 4h gate gradients and 5h activations,
// c, dh, dn (nil: none) and dc its h-long rows.
func lstmBackLoop(dg, a, c, dh, dn, dc []float32, h, j0 int) {
	di, df, dgg, do := dg[:h], dg[h:2*h], dg[2*h:3*h], dg[3*h:4*h]
	i, f, gg, o, tc := a[:h], a[h:2*h], a[2*h:3*h], a[3*h:4*h], a[4*h:5*h]
	c, dh, dc = c[:h], dh[:h], dc[:h]
	for j := j0; j < h; j++ {
		d := dh[j]
		if dn != nil {
			d += dn[j]
		}
		dct := dc[j] + d*o[j]*(1-tc[j]*tc[j])
		di[j] = dct * gg[j] * i[j] * (1 - i[j])
		df[j] = dct * c[j] * f[j] * (1 - f[j])
		dgg[j] = dct * i[j] * (1 - gg[j]*gg[j])
		do[j] = d * tc[j] * o[j] * (1 - o[j])
		dc[j] = dct * f[j]
	}
}

// rowGrain is how many rows of w elements' work make a chunk worth
// handing to another core.
func rowGrain(w int) int { return max(1, grainElems/max(w, 1)) }

var _ device.RNNCells = Device{}

// GRUCell computes one GRU step (see device.RNNCells).
func (Device) GRUCell(p device.GRUCellParams) {
	n, h := p.N, p.H
	xs := f32s(p.X)[p.OffX : p.OffX+n*3*h]
	ghs := f32s(p.GH)[p.OffGH : p.OffGH+n*3*h]
	hps := f32s(p.HPrev)[p.OffHPrev : p.OffHPrev+n*h]
	as := f32s(p.Act)[p.OffAct : p.OffAct+n*4*h]
	hs := f32s(p.HOut)[p.OffHOut : p.OffHOut+n*h]
	parallelFor(n, rowGrain(5*h), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			x, gh, a := xs[r*3*h:(r+1)*3*h], ghs[r*3*h:(r+1)*3*h], as[r*4*h:(r+1)*4*h]
			hp, hn := hps[r*h:(r+1)*h], hs[r*h:(r+1)*h]
			rz, nn, ghn := a[:2*h], a[2*h:3*h], a[3*h:]
			// r, z = σ(x + gh); n = tanh(x_n + r·gh_n);
			// h_t = n + z·(h_{t−1} − n), each product rounded first as
			// in one scalar expression.
			arith(device.Add, rz, x[:2*h], gh[:2*h])
			sigmoidLoop(rz, rz)
			copy(ghn, gh[2*h:])
			arith(device.Mul, nn, rz[:h], ghn)
			arith(device.Add, nn, x[2*h:], nn)
			tanhLoop(nn, nn)
			arith(device.Sub, hn, hp, nn)
			arith(device.Mul, hn, rz[h:], hn)
			arith(device.Add, hn, nn, hn)
		}
	})
}

// GRUCellBackward is GRUCell's gradient (see device.RNNCells):
//
//	∂n = ∂h·(1 − z)   ∂z = ∂h·(h_{t−1} − n)   ∂h_{t−1} ⊇ ∂h·z
//	∂x_n = ∂n·(1 − n²)   ∂r = ∂x_n·gh_n   ∂gh_n = ∂x_n·r
//	∂x_r = ∂gh_r = ∂r·r(1 − r)   ∂x_z = ∂gh_z = ∂z·z(1 − z)
func (Device) GRUCellBackward(p device.GRUCellParams) {
	n, h := p.N, p.H
	dxs := f32s(p.X)[p.OffX : p.OffX+n*3*h]
	dghs := f32s(p.GH)[p.OffGH : p.OffGH+n*3*h]
	hps := f32s(p.HPrev)[p.OffHPrev : p.OffHPrev+n*h]
	as := f32s(p.Act)[p.OffAct : p.OffAct+n*4*h]
	dhs := f32s(p.DH)[p.OffDH : p.OffDH+n*h]
	dps := f32s(p.DHPrev)[p.OffDHPrev : p.OffDHPrev+n*h]
	var dns []float32
	if p.DHNext != nil {
		dns = f32s(p.DHNext)[p.OffDHNext : p.OffDHNext+n*h]
	}
	parallelFor(n, rowGrain(8*h), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			dx, dgh, a := dxs[r*3*h:(r+1)*3*h], dghs[r*3*h:(r+1)*3*h], as[r*4*h:(r+1)*4*h]
			hp, dh, dp := hps[r*h:(r+1)*h], dhs[r*h:(r+1)*h], dps[r*h:(r+1)*h]
			var dn []float32
			if dns != nil {
				dn = dns[r*h : (r+1)*h]
			}
			gruBackRow(dx, dgh, a, hp, dh, dn, dp, h)
		}
	})
}

// gruBackLoop is GRUCellBackward's arithmetic for elements j0..h of one
// row: dx and dgh are the row's 3h gradients, a its 4h activations, hp,
// dh, dn (nil: none) and dp its h-long rows.
func gruBackLoop(dx, dgh, a, hp, dh, dn, dp []float32, h, j0 int) {
	dx, dgh, a = dx[:3*h], dgh[:3*h], a[:4*h]
	hp, dh, dp = hp[:h], dh[:h], dp[:h]
	for j := j0; j < h; j++ {
		d := dh[j]
		if dn != nil {
			d += dn[j]
		}
		rr, z, nv, ghn := a[j], a[h+j], a[2*h+j], a[3*h+j]
		dxn := d * (1 - z) * (1 - nv*nv)
		dr := dxn * ghn * rr * (1 - rr)
		dz := d * (hp[j] - nv) * z * (1 - z)
		dx[j], dx[h+j], dx[2*h+j] = dr, dz, dxn
		dgh[j], dgh[h+j], dgh[2*h+j] = dr, dz, dxn*rr
		dp[j] = d * z
	}
}

// RNNCell computes one Elman RNN step (see device.RNNCells).
func (Device) RNNCell(p device.RNNCellParams) {
	m := p.N * p.H
	pre := f32s(p.Pre)[p.OffPre : p.OffPre+m]
	out := f32s(p.Out)[p.OffOut : p.OffOut+m]
	if p.ReLU {
		reluLoop(out, pre)
		return
	}
	parallelElems(m, func(lo, hi int) { tanhLoop(out[lo:hi], pre[lo:hi]) })
}

// RNNCellBackward is RNNCell's gradient: ∂pre = ∂h·(1 − h²) for tanh,
// ∂h where h > 0 (else 0) for ReLU, with ∂h = DH + DHNext. It runs the
// element-wise kernels a stretch of rnnChunk at a time, which give
// rnnBackLoop's results bit for bit: ∂h·(1 − h²) is −(∂h·(h² − 1)),
// negation being exact.
func (Device) RNNCellBackward(p device.RNNCellParams) {
	m := p.N * p.H
	dpre := f32s(p.Pre)[p.OffPre : p.OffPre+m]
	hs := f32s(p.Out)[p.OffOut : p.OffOut+m]
	dh := f32s(p.DH)[p.OffDH : p.OffDH+m]
	var dn []float32
	if p.DHNext != nil {
		dn = f32s(p.DHNext)[p.OffDHNext : p.OffDHNext+m]
	}
	if m < parallelThreshold {
		rnnBack(dpre, hs, dh, dn, p.ReLU)
		return
	}
	parallelFor(m, grainElems, func(lo, hi int) {
		var next []float32
		if dn != nil {
			next = dn[lo:hi]
		}
		rnnBack(dpre[lo:hi], hs[lo:hi], dh[lo:hi], next, p.ReLU)
	})
}

// rnnChunk is the stretch rnnBack works through at a time (4 KiB per
// slice, so that its passes stay in L1).
const rnnChunk = 1024

// rnnBack is RNNCellBackward on slices (dn nil: none).
func rnnBack(dpre, hs, dh, dn []float32, relu bool) {
	var buf [rnnChunk]float32
	for lo := 0; lo < len(dpre); lo += rnnChunk {
		hi := min(lo+rnnChunk, len(dpre))
		d, h, g := dpre[lo:hi], hs[lo:hi], dh[lo:hi]
		if dn != nil {
			arith(device.Add, buf[:hi-lo], g, dn[lo:hi])
			g = buf[:hi-lo]
		}
		if relu {
			maskGrad(d, g, h, 0)
			continue
		}
		arith(device.Mul, d, h, h)
		arithScalar(device.Sub, d, d, 1)
		arith(device.Mul, d, d, g)
		arithScalar(device.Mul, d, d, -1)
	}
}

// rnnBackLoop is the reference loop of rnnBack.
func rnnBackLoop(dpre, hs, dh, dn []float32, relu bool) {
	for j, h := range hs {
		d := dh[j]
		if dn != nil {
			d += dn[j]
		}
		switch {
		case !relu:
			d *= 1 - h*h
		case !(h > 0):
			d = 0
		}
		dpre[j] = d
	}
}
