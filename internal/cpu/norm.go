package cpu

import (
	"math"

	"github.com/nervelab/nerve/internal/device"
)

var _ device.Norms = Device{}

// A layer norm runs row by row: a row is read from memory once, and the
// passes over it (the element-wise kernels) find it in L1; its sums are
// float32 SIMD dot products (as PyTorch's are float32). The backward recomputes x̂ = (x − μ)·r from
// x and the row's statistics rather than keeping it.

// normRows returns the rows of p as slices.
func normRows(p *device.NormParams) (x, w, b []float32) {
	n := p.Rows * p.Cols
	x = f32s(p.X)[p.OffX:][:n]
	if p.W != nil {
		w = f32s(p.W)[p.OffW:][:p.Cols]
	}
	if p.B != nil {
		b = f32s(p.B)[p.OffB:][:p.Cols]
	}
	return x, w, b
}

// rstdOf is 1/√(σ² + eps), from the variance the forward stored.
func rstdOf(variance, eps float32) float32 {
	return float32(1 / math.Sqrt(float64(variance)+float64(eps)))
}

// normGrain is the number of rows of cols floats worth a unit of work.
func normGrain(cols int) int { return max(1, grainElems/max(cols, 1)) }

// LayerNorm normalises each row of p.X (see device.Norms).
func (Device) LayerNorm(y device.Buffer, p device.NormParams) {
	xs, w, b := normRows(&p)
	ys := f32s(y)[:p.Rows*p.Cols]
	means, vars := f32s(p.Mean)[:p.Rows], f32s(p.Var)[:p.Rows]
	c := p.Cols
	rows := func(lo, hi int) {
		ones, ob := onesScratch(c)
		for i := lo; i < hi; i++ {
			means[i], vars[i] = layerNormRow(ys[i*c:][:c], xs[i*c:][:c], w, b, ones, p.Eps)
		}
		Device{}.Free(ob)
	}
	if p.Rows*c < parallelThreshold {
		rows(0, p.Rows)
		return
	}
	parallelFor(p.Rows, normGrain(c), rows)
}

// onesScratch returns n ones from the buffer cache, and the buffer to
// free: dotUnit with them is a row's SIMD sum.
func onesScratch(n int) ([]float32, device.Buffer) {
	ones, b := scratch(n)
	fillSlice(ones, 1)
	return ones, b
}

// layerNormRow normalises one row x into y and returns the row's mean and
// biased variance, both summed in float32 SIMD lanes (ones: as many ones
// as x has elements).
func layerNormRow(y, x, w, b, ones []float32, eps float32) (mean, variance float32) {
	n := float32(len(x))
	mean = dotUnit(x, ones) / n
	scaleShift(y, x, 1, -mean) // x − μ
	variance = dotUnit(y, y) / n
	scaleShift(y, y, rstdOf(variance, eps), 0)
	if w != nil {
		arith(device.Mul, y, y, w)
	}
	if b != nil {
		arith(device.Add, y, y, b)
	}
	return mean, variance
}

// LayerNormBackward writes LayerNorm's gradients (see device.Norms). Per
// row, with x̂ = (x − μ)·r, u = g·w (g without w) and n = Cols:
//
//	∂x = (u − Σu/n − x̂·Σ(u·x̂)/n)·r,   ∂w += g·x̂,   ∂b += g
//
// the last two into the partial sums of the row's run (see partialRuns).
func (Device) LayerNormBackward(dx, dw, db, g device.Buffer, gOff int, p device.NormParams) {
	xs, w, _ := normRows(&p)
	c := p.Cols
	gs := f32s(g)[gOff:][:p.Rows*c]
	means, vars := f32s(p.Mean)[:p.Rows], f32s(p.Var)[:p.Rows]
	var dxs []float32
	if dx != nil {
		dxs = f32s(dx)[:p.Rows*c]
	}
	wantW, wantB := dw != nil, db != nil
	runs := min(p.Rows, partialRuns)
	if runs == 0 {
		for _, z := range []device.Buffer{dw, db} {
			if z != nil {
				clear(f32s(z)[:c])
			}
		}
		return
	}
	var parts []float32 // run r: ∂w's partial sums, then ∂b's
	if wantW || wantB {
		var pb device.Buffer
		parts, pb = scratch(runs * 2 * c)
		defer Device{}.Free(pb)
	}
	work := func(lo, hi int) {
		buf, bb := scratch(3 * c)
		defer Device{}.Free(bb)
		xh, u, ones := buf[:c], buf[c:2*c], buf[2*c:]
		fillSlice(ones, 1)
		for r := lo; r < hi; r++ {
			var pw, pb []float32
			if parts != nil {
				pw, pb = parts[r*2*c:][:c], parts[(r*2+1)*c:][:c]
				clear(pw)
				clear(pb)
			}
			for i := r * p.Rows / runs; i < (r+1)*p.Rows/runs; i++ {
				x, gi := xs[i*c:][:c], gs[i*c:][:c]
				rstd := rstdOf(vars[i], p.Eps)
				scaleShift(xh, x, 1, -means[i])
				scaleShift(xh, xh, rstd, 0)
				if wantW {
					arith(device.Mul, u, gi, xh)
					arith(device.Add, pw, pw, u)
				}
				if wantB {
					arith(device.Add, pb, pb, gi)
				}
				if dxs == nil {
					continue
				}
				if w != nil {
					arith(device.Mul, u, gi, w)
				} else {
					copy(u, gi)
				}
				n := float32(c)
				mu, mux := dotUnit(u, ones)/n, dotUnit(u, xh)/n
				d := dxs[i*c:][:c]
				scaleShift(d, u, 1, -mu)
				axpy(d, xh, -mux)
				scaleShift(d, d, rstd, 0)
			}
		}
	}
	if p.Rows*c < parallelThreshold {
		work(0, runs)
	} else {
		parallelFor(runs, 1, work)
	}
	if wantW {
		sumRuns(f32s(dw)[:c], parts, 2*c, runs)
	}
	if wantB {
		sumRuns(f32s(db)[:c], parts[c:], 2*c, runs)
	}
}

var _ device.ChannelNorms = Device{}

// A batch norm runs a channel at a time on each worker: the channel's
// planes (N of L floats, L apart by C·L) are read once for the mean, once
// for the variance and once to write y; its sums are float32 SIMD dot
// products within a plane and float64 across planes, in plane order.

// channelPlanes returns the function giving plane (n, c) of s.
func channelPlanes(s []float32, p *device.ChannelNormParams) func(n, c int) []float32 {
	return func(n, c int) []float32 { return s[(n*p.C+c)*p.L:][:p.L] }
}

// channelSlices returns the operands of p as slices (w, b nil when absent).
func channelSlices(p *device.ChannelNormParams) (x, w, b, means, vars []float32) {
	x = f32s(p.X)[p.OffX:][:p.N*p.C*p.L]
	if p.W != nil {
		w = f32s(p.W)[p.OffW:][:p.C]
	}
	if p.B != nil {
		b = f32s(p.B)[p.OffB:][:p.C]
	}
	return x, w, b, f32s(p.Mean)[:p.C], f32s(p.Var)[:p.C]
}

// forChannels runs fn over the channels, with scratch for two planes
// (ones and a temporary), inline when the tensor is small.
func forChannels(p *device.ChannelNormParams, fn func(c int, ones, tmp []float32)) {
	run := func(lo, hi int) {
		buf, bb := scratch(2 * p.L)
		ones, tmp := buf[:p.L], buf[p.L:]
		fillSlice(ones, 1)
		for c := lo; c < hi; c++ {
			fn(c, ones, tmp)
		}
		Device{}.Free(bb)
	}
	if p.N*p.C*p.L < parallelThreshold {
		run(0, p.C)
		return
	}
	parallelFor(p.C, max(1, grainElems/max(p.N*p.L, 1)), run)
}

// BatchNorm normalises each channel of p.X (see device.ChannelNorms) and
// writes y = x·α + β with α = r·w and β = b − μ·α, as PyTorch does.
func (Device) BatchNorm(y device.Buffer, p device.ChannelNormParams) {
	xs, w, b, means, vars := channelSlices(&p)
	xp, yp := channelPlanes(xs, &p), channelPlanes(f32s(y)[:len(xs)], &p)
	m := float64(p.N * p.L)
	forChannels(&p, func(c int, ones, tmp []float32) {
		var s float64
		for n := range p.N {
			s += float64(dotUnit(xp(n, c), ones))
		}
		mu := float32(s / m)
		var v float64
		for n := range p.N {
			scaleShift(tmp, xp(n, c), 1, -mu)
			v += float64(dotUnit(tmp, tmp))
		}
		means[c], vars[c] = mu, float32(v/m)
		alpha := rstdOf(vars[c], p.Eps)
		if w != nil {
			alpha *= w[c]
		}
		beta := -mu * alpha
		if b != nil {
			beta += b[c]
		}
		for n := range p.N {
			scaleShift(yp(n, c), xp(n, c), alpha, beta)
		}
	})
}

// BatchNormBackward writes BatchNorm's gradients (see
// device.ChannelNorms). Per channel, over its M = N·L values, with
// x̂ = (x − μ)·r:
//
//	∂b = Σg,   ∂w = Σg·x̂,   ∂x = (g − Σg/M − x̂·Σg·x̂/M)·w·r
func (Device) BatchNormBackward(dx, dw, db, g device.Buffer, gOff int, p device.ChannelNormParams) {
	xs, w, _, means, vars := channelSlices(&p)
	xp, gp := channelPlanes(xs, &p), channelPlanes(f32s(g)[gOff:][:len(xs)], &p)
	var dxp func(n, c int) []float32
	if dx != nil {
		dxp = channelPlanes(f32s(dx)[:len(xs)], &p)
	}
	m := float64(p.N * p.L)
	forChannels(&p, func(c int, ones, tmp []float32) {
		mu, r := means[c], rstdOf(vars[c], p.Eps)
		var sg, sgx float64 // Σg and Σg·(x − μ)
		for n := range p.N {
			sg += float64(dotUnit(gp(n, c), ones))
			scaleShift(tmp, xp(n, c), 1, -mu)
			sgx += float64(dotUnit(gp(n, c), tmp))
		}
		if dw != nil {
			f32s(dw)[c] = float32(float64(r) * sgx)
		}
		if db != nil {
			f32s(db)[c] = float32(sg)
		}
		if dxp == nil {
			return
		}
		k := float64(r)
		if w != nil {
			k *= float64(w[c])
		}
		// ∂x = g·k − (Σg/M)·k − (x − μ)·r²·(Σg·(x − μ)/M)·k
		gk, shift := float32(k), float32(-sg/m*k)
		q := float32(-float64(r) * float64(r) * sgx / m * k)
		for n := range p.N {
			d := dxp(n, c)
			scaleShift(d, gp(n, c), gk, shift)
			scaleShift(tmp, xp(n, c), 1, -mu)
			axpy(d, tmp, q)
		}
	})
}
