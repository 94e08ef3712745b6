package tensor

import "github.com/nervelab/nerve/internal/device"

// LSTMLayer runs one LSTM layer in one direction as a single graph node,
// from xp [T, N, 4H], the input projections W_ih·x_t + b_ih + b_hh of all
// T ≥ 1 steps (gates i, f, g, o, PyTorch's order), the initial states h0
// and c0 [N, H] and the recurrent weight whh [4H, H]:
//
//	i, f, g, o = σ, σ, tanh, σ of xp_t + whh·h_{t−1}
//	c_t = f·c_{t−1} + i·g,   h_t = o·tanh(c_t)
//
// Each step is one gemm and one fused pass over the gates (the device's
// RNNCells); backward runs back through time the same way and computes
// ∂whh in one gemm over all steps. With reverse the steps run from t = T−1
// down to 0. It returns out [T, N, H] (h_t in time order) and the final
// states hT and cT [N, H] (of the last step run), or ok false, computing
// nothing, when the device lacks the fused cell. It panics with a
// *ShapeError when the shapes do not fit.
func LSTMLayer(xp, h0, c0, whh *Tensor, reverse bool) (out, hT, cT *Tensor, ok bool) {
	cells, ok := xp.dev.(device.RNNCells)
	if !ok {
		return nil, nil, nil, false
	}
	for _, t := range []*Tensor{xp, h0, c0, whh} {
		t.mustFloat("LSTMLayer")
		sameDevice("LSTMLayer", xp, t)
	}
	if xp.Dim() != 3 || xp.shape[0] == 0 || xp.shape[2]%4 != 0 {
		shapePanic("LSTMLayer", xp.shape, nil, "input projections must be [T ≥ 1, N, 4·hidden]")
	}
	T, N, H := xp.shape[0], xp.shape[1], xp.shape[2]/4
	for _, s := range [][]int{h0.shape, c0.shape} {
		if !sameShape(s, []int{N, H}) {
			shapePanic("LSTMLayer", xp.shape, s, "states must be [%d, %d]", N, H)
		}
	}
	if !sameShape(whh.shape, []int{4 * H, H}) {
		shapePanic("LSTMLayer", xp.shape, whh.shape, "recurrent weight must be [%d, %d]", 4*H, H)
	}
	s := &lstmRun{cells: cells, dev: xp.dev, T: T, N: N, H: H, reverse: reverse,
		xp: xp.contig(), h0: h0.contig(), c0: c0.contig(), whh: whh.contig()}
	z := s.forward()
	if !needsGrad(xp, h0, c0, whh) { // nothing reads the saved activations
		s.dev.Free(s.act.buf)
		s.dev.Free(s.cs.buf)
	} else {
		record(z, "LSTMLayer", []*Tensor{xp, h0, c0, whh}, func(g *Tensor) []*Tensor {
			return s.backward(g.contig(), h0.requiresGrad, c0.requiresGrad, whh.requiresGrad)
		})
	}
	last := T - 1
	if reverse {
		last = 0
	}
	return z.Narrow(0, 0, T), z.Narrow(0, last, 1).Reshape(N, H), z.Narrow(0, T, 1).Reshape(N, H), true
}

// lstmRun holds one LSTMLayer call's inputs and what backward reads: the
// gates' activations and the cell states of every step.
type lstmRun struct {
	cells       device.RNNCells
	dev         device.Device
	T, N, H     int
	reverse     bool
	xp, h0, c0  *Tensor
	whh         *Tensor
	z, act, cs  *Tensor // z: [T+1, N, H], h_t by time then c_T; act [T, N, 5H]; cs [T, N, H]
	hSize, gLen int
}

// step returns the time index of the s-th step run.
func (r *lstmRun) step(s int) int {
	if r.reverse {
		return r.T - 1 - s
	}
	return s
}

// prev returns the buffers and offsets of h_{t−1} and c_{t−1} for step s.
func (r *lstmRun) prev(s int) (hb device.Buffer, ho int, cb device.Buffer, co int) {
	if s == 0 {
		return r.h0.buf, r.h0.offset, r.c0.buf, r.c0.offset
	}
	t := r.step(s - 1)
	return r.z.buf, t * r.hSize, r.cs.buf, t * r.hSize
}

func (r *lstmRun) forward() *Tensor {
	T, N, H := r.T, r.N, r.H
	r.hSize, r.gLen = N*H, N*4*H
	r.z = emptyUninit(r.dev, Float32, []int{T + 1, N, H})
	r.act = emptyUninit(r.dev, Float32, []int{T, N, 5 * H})
	r.cs = emptyUninit(r.dev, Float32, []int{T, N, H})
	gates := emptyUninit(r.dev, Float32, []int{N, 4 * H})
	for s := 0; s < T; s++ {
		t := r.step(s)
		hb, ho, cb, co := r.prev(s)
		r.dev.Copy(gates.buf, device.Contiguous(gates.shape, 0), r.xp.buf, device.Contiguous(gates.shape, r.xp.offset+t*r.gLen))
		r.dev.Gemm(device.GemmParams{Batch: 1, M: N, N: 4 * H, K: H, TransB: true, Alpha: 1, Beta: 1,
			A: hb, B: r.whh.buf, C: gates.buf, OffA: ho, OffB: r.whh.offset, LDA: H, LDB: H, LDC: 4 * H})
		r.cells.LSTMCell(device.LSTMCellParams{N: N, H: H, Gates: gates.buf, C: cb, OffC: co,
			Act: r.act.buf, OffAct: t * N * 5 * H, HOut: r.z.buf, OffHOut: t * r.hSize, COut: r.cs.buf, OffCOut: t * r.hSize})
	}
	hs := []int{N, H}
	r.dev.Copy(r.z.buf, device.Contiguous(hs, T*r.hSize), r.cs.buf, device.Contiguous(hs, r.step(T-1)*r.hSize))
	r.dev.Free(gates.buf)
	return r.z
}

// backward returns the gradients of xp, h0, c0 and whh from g, the
// gradient of z.
func (r *lstmRun) backward(g *Tensor, wantH0, wantC0, wantW bool) []*Tensor {
	T, N, H := r.T, r.N, r.H
	hs := []int{N, H}
	dxp := emptyUninit(r.dev, Float32, []int{T, N, 4 * H})
	dc := emptyUninit(r.dev, Float32, hs)
	r.dev.Copy(dc.buf, device.Contiguous(hs, 0), g.buf, device.Contiguous(hs, g.offset+T*r.hSize))
	dh := emptyUninit(r.dev, Float32, hs)
	for s := T - 1; s >= 0; s-- {
		t := r.step(s)
		_, _, cb, co := r.prev(s)
		p := device.LSTMCellParams{N: N, H: H, Gates: dxp.buf, OffGates: t * r.gLen, C: cb, OffC: co,
			Act: r.act.buf, OffAct: t * N * 5 * H, DH: g.buf, OffDH: g.offset + t*r.hSize, DC: dc.buf}
		if s < T-1 {
			p.DHNext = dh.buf
		}
		r.cells.LSTMCellBackward(p)
		if s > 0 || wantH0 { // ∂h_{t−1} = ∂gates·whh
			r.dev.Gemm(device.GemmParams{Batch: 1, M: N, N: H, K: 4 * H, Alpha: 1,
				A: dxp.buf, B: r.whh.buf, C: dh.buf, OffA: t * r.gLen, OffB: r.whh.offset, LDA: 4 * H, LDB: H, LDC: H})
		}
	}
	grads := []*Tensor{dxp, nil, nil, nil}
	if wantH0 {
		grads[1] = dh
	}
	if wantC0 {
		grads[2] = dc
	}
	if wantW {
		grads[3] = r.whhGrad(dxp)
	}
	return grads
}

// whhGrad returns ∂whh = Σ_t ∂gates_tᵀ·h_{t−1}, one gemm over all steps
// after gathering h_{t−1} in time order.
func (r *lstmRun) whhGrad(dxp *Tensor) *Tensor {
	T, N, H := r.T, r.N, r.H
	hp := emptyUninit(r.dev, Float32, []int{T, N, H})
	hs := []int{N, H}
	for s := 0; s < T; s++ {
		hb, ho, _, _ := r.prev(s)
		r.dev.Copy(hp.buf, device.Contiguous(hs, r.step(s)*r.hSize), hb, device.Contiguous(hs, ho))
	}
	dw := emptyUninit(r.dev, Float32, []int{4 * H, H})
	r.dev.Gemm(device.GemmParams{Batch: 1, M: 4 * H, N: H, K: T * N, TransA: true, Alpha: 1,
		A: dxp.buf, B: hp.buf, C: dw.buf, LDA: 4 * H, LDB: H, LDC: H})
	return dw
}
