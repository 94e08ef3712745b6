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
	checkRecurrence("LSTMLayer", 4, xp, h0, whh)
	c0.mustFloat("LSTMLayer")
	sameDevice("LSTMLayer", xp, c0)
	if !sameShape(c0.shape, h0.shape) {
		shapePanic("LSTMLayer", h0.shape, c0.shape, "cell state must have the hidden state's shape")
	}
	T, N, H := xp.shape[0], xp.shape[1], xp.shape[2]/4
	s := &lstmRun{recurrence: newRecurrence(cells, xp, h0, whh, reverse), c0: c0.contig()}
	s.saveAct = needsGrad(xp, h0, c0, whh)
	z := s.forward()
	if !s.saveAct { // nothing reads the saved activations
		s.dev.Free(s.act.buf)
		s.dev.Free(s.cs.buf)
	} else {
		record(z, "LSTMLayer", []*Tensor{xp, h0, c0, whh}, func(g *Tensor) []*Tensor {
			return s.backward(g.contig(), h0.requiresGrad, c0.requiresGrad, whh.requiresGrad)
		})
		z.node.release = func() { s.dev.Free(s.act.buf); s.dev.Free(s.cs.buf) }
	}
	return z.Narrow(0, 0, T), z.Narrow(0, s.step(T-1), 1).Reshape(N, H), z.Narrow(0, T, 1).Reshape(N, H), true
}

// recurrence is what the fused recurrent layers share: the inputs, the
// order of the steps and the hidden state of each.
type recurrence struct {
	cells        device.RNNCells
	dev          device.Device
	T, N, H      int
	reverse      bool
	xp, h0, whh  *Tensor
	out          *Tensor // h_t by time index (and, for an LSTM, c_T after them)
	hSize        int     // N·H
	gates, gSize int     // gates per unit; N·gates·H
}

func newRecurrence(cells device.RNNCells, xp, h0, whh *Tensor, reverse bool) recurrence {
	T, N, H := xp.shape[0], xp.shape[1], whh.shape[1]
	g := xp.shape[2] / H
	return recurrence{cells: cells, dev: xp.dev, T: T, N: N, H: H, reverse: reverse,
		xp: xp.contig(), h0: h0.contig(), whh: whh.contig(), hSize: N * H, gates: g, gSize: N * g * H}
}

// step returns the time index of the s-th step run.
func (r *recurrence) step(s int) int {
	if r.reverse {
		return r.T - 1 - s
	}
	return s
}

// prevH returns the buffer and offset of the hidden state step s reads.
func (r *recurrence) prevH(s int) (device.Buffer, int) {
	if s == 0 {
		return r.h0.buf, r.h0.offset
	}
	return r.out.buf, r.step(s-1) * r.hSize
}

// recur sets the [N, gates·H] c to (c if beta is 1) + h_{t−1}·whhᵀ for step s.
func (r *recurrence) recur(c *Tensor, s int, beta float32) {
	hb, ho := r.prevH(s)
	G := r.gates * r.H
	r.dev.Gemm(device.GemmParams{Batch: 1, M: r.N, N: G, K: r.H, TransB: true, Alpha: 1, Beta: beta,
		A: hb, B: r.whh.buf, C: c.buf, OffA: ho, OffB: r.whh.offset, OffC: c.offset, LDA: r.H, LDB: r.H, LDC: G})
}

// backRecur sets dh (beta 0) or adds to it (beta 1) ∂gates_t·whh, the
// part of ∂h_{t−1} that flows through the recurrent gemm; dg holds the
// gates' gradients of all steps by time index.
func (r *recurrence) backRecur(dh, dg *Tensor, t int, beta float32) {
	G := r.gates * r.H
	r.dev.Gemm(device.GemmParams{Batch: 1, M: r.N, N: r.H, K: G, Alpha: 1, Beta: beta,
		A: dg.buf, B: r.whh.buf, C: dh.buf, OffA: t * r.gSize, OffB: r.whh.offset, LDA: G, LDB: r.H, LDC: r.H})
}

// copyStep copies the [rows, cols] block at src's offset so to dst's do.
func (r *recurrence) copyStep(dst device.Buffer, do int, src device.Buffer, so, rows, cols int) {
	sh := []int{rows, cols}
	r.dev.Copy(dst, device.Contiguous(sh, do), src, device.Contiguous(sh, so))
}

// whhGrad returns ∂whh = Σ_t ∂gates_tᵀ·h_{t−1}, one gemm over all steps
// after gathering h_{t−1} by time index.
func (r *recurrence) whhGrad(dg *Tensor) *Tensor {
	T, N, H, G := r.T, r.N, r.H, r.gates*r.H
	hp := emptyUninit(r.dev, Float32, []int{T, N, H})
	for s := 0; s < T; s++ {
		hb, ho := r.prevH(s)
		r.copyStep(hp.buf, r.step(s)*r.hSize, hb, ho, N, H)
	}
	dw := emptyUninit(r.dev, Float32, []int{G, H})
	r.dev.Gemm(device.GemmParams{Batch: 1, M: G, N: H, K: T * N, TransA: true, Alpha: 1,
		A: dg.buf, B: hp.buf, C: dw.buf, LDA: G, LDB: H, LDC: H})
	return dw
}

// checkRecurrence checks the shapes of a fused recurrent layer's inputs.
func checkRecurrence(op string, gates int, xp, h0, whh *Tensor) {
	for _, t := range []*Tensor{xp, h0, whh} {
		t.mustFloat(op)
		sameDevice(op, xp, t)
	}
	if xp.Dim() != 3 || xp.shape[0] == 0 || xp.shape[2]%gates != 0 {
		shapePanic(op, xp.shape, nil, "input projections must be [T ≥ 1, N, %d·hidden]", gates)
	}
	N, H := xp.shape[1], xp.shape[2]/gates
	if !sameShape(h0.shape, []int{N, H}) {
		shapePanic(op, xp.shape, h0.shape, "initial state must be [%d, %d]", N, H)
	}
	if !sameShape(whh.shape, []int{gates * H, H}) {
		shapePanic(op, xp.shape, whh.shape, "recurrent weight must be [%d, %d]", gates*H, H)
	}
}

// lstmRun is one LSTMLayer call: what backward reads besides the inputs
// is the gates' activations and the cell states of every step.
type lstmRun struct {
	recurrence
	c0      *Tensor
	act, cs *Tensor // act [T, N, 5H] ([1, N, 5H] reused without saveAct); cs [T, N, H], c_t by time index
	saveAct bool    // keep every step's activations, for backward
}

// prevC returns the buffer and offset of the cell state step s reads.
func (r *lstmRun) prevC(s int) (device.Buffer, int) {
	if s == 0 {
		return r.c0.buf, r.c0.offset
	}
	return r.cs.buf, r.step(s-1) * r.hSize
}

func (r *lstmRun) forward() *Tensor {
	T, N, H := r.T, r.N, r.H
	r.out = emptyUninit(r.dev, Float32, []int{T + 1, N, H})
	r.act = emptyUninit(r.dev, Float32, []int{actSteps(T, r.saveAct), N, 5 * H})
	r.cs = emptyUninit(r.dev, Float32, []int{T, N, H})
	gates := emptyUninit(r.dev, Float32, []int{N, 4 * H})
	for s := 0; s < T; s++ {
		t := r.step(s)
		ta := actStep(t, r.saveAct)
		cb, co := r.prevC(s)
		r.copyStep(gates.buf, 0, r.xp.buf, r.xp.offset+t*r.gSize, N, 4*H)
		r.recur(gates, s, 1)
		r.cells.LSTMCell(device.LSTMCellParams{N: N, H: H, Gates: gates.buf, C: cb, OffC: co,
			Act: r.act.buf, OffAct: ta * N * 5 * H, HOut: r.out.buf, OffHOut: t * r.hSize, COut: r.cs.buf, OffCOut: t * r.hSize})
	}
	r.copyStep(r.out.buf, T*r.hSize, r.cs.buf, r.step(T-1)*r.hSize, N, H)
	r.dev.Free(gates.buf)
	return r.out
}

// backward returns the gradients of xp, h0, c0 and whh from g, the
// gradient of the output (h_t by time, then c_T).
func (r *lstmRun) backward(g *Tensor, wantH0, wantC0, wantW bool) []*Tensor {
	T, N, H := r.T, r.N, r.H
	dxp := emptyUninit(r.dev, Float32, []int{T, N, 4 * H})
	dc := emptyUninit(r.dev, Float32, []int{N, H})
	r.copyStep(dc.buf, 0, g.buf, g.offset+T*r.hSize, N, H)
	dh := emptyUninit(r.dev, Float32, []int{N, H})
	for s := T - 1; s >= 0; s-- {
		t := r.step(s)
		cb, co := r.prevC(s)
		p := device.LSTMCellParams{N: N, H: H, Gates: dxp.buf, OffGates: t * r.gSize, C: cb, OffC: co,
			Act: r.act.buf, OffAct: t * N * 5 * H, DH: g.buf, OffDH: g.offset + t*r.hSize, DC: dc.buf}
		if s < T-1 {
			p.DHNext = dh.buf
		}
		r.cells.LSTMCellBackward(p)
		if s > 0 || wantH0 {
			r.backRecur(dh, dxp, t, 0)
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

// GRULayer runs one GRU layer in one direction as a single graph node, as
// LSTMLayer does, from xp [T, N, 3H], the input side's pre-activations
// W_ih·x_t + b_ih of all T ≥ 1 steps (gates r, z, n, PyTorch's order),
// h0 [N, H], whh [3H, H] and bhh [3H] (nil: none):
//
//	r, z = σ(xp_t + whh·h_{t−1} + bhh) (their parts)
//	n = tanh(xp_n + r·(whh_n·h_{t−1} + bhh_n)),   h_t = (1 − z)·n + z·h_{t−1}
//
// It returns out [T, N, H] and the final state hT [N, H], or ok false,
// computing nothing, when the device lacks the fused cell. It panics with
// a *ShapeError when the shapes do not fit.
func GRULayer(xp, h0, whh, bhh *Tensor, reverse bool) (out, hT *Tensor, ok bool) {
	cells, ok := xp.dev.(device.RNNCells)
	if !ok {
		return nil, nil, false
	}
	checkRecurrence("GRULayer", 3, xp, h0, whh)
	if bhh != nil {
		bhh.mustFloat("GRULayer")
		sameDevice("GRULayer", xp, bhh)
		if !sameShape(bhh.shape, []int{whh.shape[0]}) {
			shapePanic("GRULayer", whh.shape, bhh.shape, "recurrent bias must be [%d]", whh.shape[0])
		}
	}
	r := &gruRun{recurrence: newRecurrence(cells, xp, h0, whh, reverse), bhh: bhh}
	inputs := []*Tensor{xp, h0, whh}
	if bhh != nil {
		inputs = append(inputs, bhh)
	}
	r.saveAct = needsGrad(inputs...)
	y := r.forward()
	if !r.saveAct {
		r.dev.Free(r.act.buf)
	} else {
		record(y, "GRULayer", inputs, func(g *Tensor) []*Tensor {
			return r.backward(g.contig(), h0.requiresGrad, whh.requiresGrad, bhh != nil && bhh.requiresGrad)[:len(inputs)]
		})
		y.node.release = func() { r.dev.Free(r.act.buf) }
	}
	return y, y.Narrow(0, r.step(r.T-1), 1).Reshape(r.N, r.H), true
}

// gruRun is one GRULayer call; backward reads the saved r, z, n and
// whh_n·h + bhh_n of every step.
type gruRun struct {
	recurrence
	bhh     *Tensor
	act     *Tensor // [T, N, 4H] ([1, N, 4H] reused without saveAct)
	saveAct bool    // keep every step's activations, for backward
}

// actSteps is how many steps' activations a recurrent forward keeps: all
// of them for backward, else one buffer reused by every step.
func actSteps(T int, save bool) int {
	if save {
		return T
	}
	return min(T, 1)
}

// actStep is where step t's activations go.
func actStep(t int, save bool) int {
	if save {
		return t
	}
	return 0
}

func (r *gruRun) forward() *Tensor {
	T, N, H := r.T, r.N, r.H
	r.out = emptyUninit(r.dev, Float32, []int{T, N, H})
	r.act = emptyUninit(r.dev, Float32, []int{actSteps(T, r.saveAct), N, 4 * H})
	gh := emptyUninit(r.dev, Float32, []int{N, 3 * H})
	beta := float32(0)
	if r.bhh != nil {
		beta = 1
	}
	for s := 0; s < T; s++ {
		t := r.step(s)
		if r.bhh != nil {
			r.dev.Copy(gh.buf, gh.layout(), r.bhh.buf, r.bhh.broadcastTo(gh.shape).layout())
		}
		r.recur(gh, s, beta)
		hb, ho := r.prevH(s)
		r.cells.GRUCell(device.GRUCellParams{N: N, H: H, X: r.xp.buf, OffX: r.xp.offset + t*r.gSize, GH: gh.buf,
			HPrev: hb, OffHPrev: ho, Act: r.act.buf, OffAct: actStep(t, r.saveAct) * N * 4 * H, HOut: r.out.buf, OffHOut: t * r.hSize})
	}
	r.dev.Free(gh.buf)
	return r.out
}

// backward returns the gradients of xp, h0, whh and bhh from g, the
// gradient of the output.
func (r *gruRun) backward(g *Tensor, wantH0, wantW, wantB bool) []*Tensor {
	T, N, H := r.T, r.N, r.H
	dxp := emptyUninit(r.dev, Float32, []int{T, N, 3 * H})
	dgh := emptyUninit(r.dev, Float32, []int{T, N, 3 * H})
	dh := emptyUninit(r.dev, Float32, []int{N, H})
	for s := T - 1; s >= 0; s-- {
		t := r.step(s)
		hb, ho := r.prevH(s)
		p := device.GRUCellParams{N: N, H: H, X: dxp.buf, OffX: t * r.gSize, GH: dgh.buf, OffGH: t * r.gSize,
			HPrev: hb, OffHPrev: ho, Act: r.act.buf, OffAct: actStep(t, r.saveAct) * N * 4 * H, DH: g.buf, OffDH: g.offset + t*r.hSize, DHPrev: dh.buf}
		if s < T-1 {
			p.DHNext = dh.buf // read before DHPrev overwrites it, element by element
		}
		r.cells.GRUCellBackward(p)
		if s > 0 || wantH0 {
			r.backRecur(dh, dgh, t, 1)
		}
	}
	grads := []*Tensor{dxp, nil, nil, nil}
	if wantH0 {
		grads[1] = dh
	}
	if wantW {
		grads[2] = r.whhGrad(dgh)
	}
	if wantB {
		grads[3] = reduceRaw(device.Sum, dgh.view([]int{T * N, 3 * H}, []int{3 * H, 1}, 0), []int{0}, false)
	}
	return grads
}

// RNNLayer runs one Elman RNN layer in one direction as a single graph
// node, as LSTMLayer does, from xp [T, N, H], the pre-activations
// W_ih·x_t + b_ih + b_hh of all T ≥ 1 steps, h0 [N, H] and whh [H, H]:
// h_t = tanh(xp_t + whh·h_{t−1}) (ReLU if relu). It returns out [T, N, H]
// and the final state hT [N, H], or ok false, computing nothing, when the
// device lacks the fused cell. It panics with a *ShapeError when the
// shapes do not fit.
func RNNLayer(xp, h0, whh *Tensor, relu, reverse bool) (out, hT *Tensor, ok bool) {
	cells, ok := xp.dev.(device.RNNCells)
	if !ok {
		return nil, nil, false
	}
	checkRecurrence("RNNLayer", 1, xp, h0, whh)
	r := &recurrence{}
	*r = newRecurrence(cells, xp, h0, whh, reverse)
	T, N, H := r.T, r.N, r.H
	r.out = emptyUninit(r.dev, Float32, []int{T, N, H})
	pre := emptyUninit(r.dev, Float32, []int{N, H})
	for s := 0; s < T; s++ {
		t := r.step(s)
		r.copyStep(pre.buf, 0, r.xp.buf, r.xp.offset+t*r.gSize, N, H)
		r.recur(pre, s, 1)
		cells.RNNCell(device.RNNCellParams{N: N, H: H, ReLU: relu, Pre: pre.buf, Out: r.out.buf, OffOut: t * r.hSize})
	}
	r.dev.Free(pre.buf)
	if needsGrad(xp, h0, whh) {
		record(r.out, "RNNLayer", []*Tensor{xp, h0, whh}, func(g *Tensor) []*Tensor {
			g = g.contig()
			dxp := emptyUninit(r.dev, Float32, []int{T, N, H})
			dh := emptyUninit(r.dev, Float32, []int{N, H})
			for s := T - 1; s >= 0; s-- {
				t := r.step(s)
				p := device.RNNCellParams{N: N, H: H, ReLU: relu, Pre: dxp.buf, OffPre: t * r.hSize,
					Out: r.out.buf, OffOut: t * r.hSize, DH: g.buf, OffDH: g.offset + t*r.hSize}
				if s < T-1 {
					p.DHNext = dh.buf
				}
				cells.RNNCellBackward(p)
				if s > 0 || h0.requiresGrad {
					r.backRecur(dh, dxp, t, 0)
				}
			}
			grads := []*Tensor{dxp, nil, nil}
			if h0.requiresGrad {
				grads[1] = dh
			}
			if whh.requiresGrad {
				grads[2] = r.whhGrad(dxp)
			}
			return grads
		})
	}
	return r.out, r.out.Narrow(0, r.step(T-1), 1).Reshape(N, H), true
}
