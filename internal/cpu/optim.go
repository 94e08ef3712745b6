package cpu

import (
	"math"

	"github.com/nervelab/nerve/internal/device"
)

// AdamStep is Adam's update in one pass (see device.Fused). Each line
// performs the same float32 operations, in the same order, as the
// composed kernels the optimizer would otherwise run (scaleShift's
// x·s + 0 included, which only matters for the sign of a zero), so the
// fused and composed paths agree bit for bit.
func (Device) AdamStep(pb, gb, mb, vb device.Buffer, n int, a device.AdamParams) {
	p, g := f32s(pb)[:n], f32s(gb)[:n]
	m, v := f32s(mb)[:n], f32s(vb)[:n]
	if n < parallelThreshold { // inline, with nothing on the heap
		adamBlock(p, g, m, v, &a)
		return
	}
	ah := a
	parallelElems(n, func(lo, hi int) { adamBlock(p[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi], &ah) })
}

func adamLoop(p, g, m, v []float32, a *device.AdamParams) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i, pi := range p {
		gi := g[i]
		if a.Maximize {
			gi = -gi*1 + 0
		}
		if a.Decoupled {
			pi = pi*a.Decay + 0
		} else if a.WeightDecay != 0 {
			gi = gi + (pi*a.WeightDecay + 0)
		}
		mi := (m[i]*a.Beta1 + 0) + (gi*a.OneMinusBeta1 + 0)
		vi := (v[i]*a.Beta2 + 0) + ((gi*gi)*a.OneMinusBeta2 + 0)
		m[i], v[i] = mi, vi
		denom := (float32(math.Sqrt(float64(vi)))*a.InvBC2 + 0) + a.Eps
		p[i] = pi - ((mi/denom)*a.StepSize + 0)
	}
}

// SGDStep is SGD's update in one pass (see device.Fused), in the composed
// path's float32 operations and order.
func (Device) SGDStep(pb, gb, bb device.Buffer, n int, a device.SGDParams) {
	p, g := f32s(pb)[:n], f32s(gb)[:n]
	var b []float32
	if bb != nil {
		b = f32s(bb)[:n]
	}
	if n < parallelThreshold { // inline, with nothing on the heap
		sgdBlock(p, g, b, &a)
		return
	}
	ah := a
	parallelElems(n, func(lo, hi int) {
		var bs []float32
		if b != nil {
			bs = b[lo:hi]
		}
		sgdBlock(p[lo:hi], g[lo:hi], bs, &ah)
	})
}

func sgdLoop(p, g, b []float32, a *device.SGDParams) {
	g = g[:len(p)]
	for i, pi := range p {
		d := g[i]
		if a.Maximize {
			d = -d*1 + 0
		}
		if a.WeightDecay != 0 {
			d = d + (pi*a.WeightDecay + 0)
		}
		if b != nil {
			bi := d
			if !a.First {
				bi = (b[i]*a.Momentum + 0) + (d*a.OneMinusDamp + 0)
			}
			b[i] = bi
			if a.Nesterov {
				d = d + (bi*a.Momentum + 0)
			} else {
				d = bi
			}
		}
		p[i] = pi - (d*a.LR + 0)
	}
}

// RMSpropStep applies RMSprop's update (see device.Fused), one scalar
// loop whose every operation rounds as the composed ops' kernels do.
func (Device) RMSpropStep(pb, gb, vb, gab, bb device.Buffer, n int, a device.RMSpropParams) {
	p, g, v := f32s(pb)[:n], f32s(gb)[:n], f32s(vb)[:n]
	ga, b := optF32(gab, n), optF32(bb, n)
	if n < parallelThreshold { // inline, with nothing on the heap
		rmspropLoop(p, g, v, ga, b, &a)
		return
	}
	ah := a
	parallelElems(n, func(lo, hi int) {
		rmspropLoop(p[lo:hi], g[lo:hi], v[lo:hi], sub(ga, lo, hi), sub(b, lo, hi), &ah)
	})
}

// sub is s[lo:hi], or nil for a nil s.
func sub(s []float32, lo, hi int) []float32 {
	if s == nil {
		return nil
	}
	return s[lo:hi]
}

func rmspropLoop(p, g, v, ga, b []float32, a *device.RMSpropParams) {
	g, v = g[:len(p)], v[:len(p)]
	for i, pi := range p {
		d := g[i]
		if a.Maximize {
			d = -d*1 + 0
		}
		if a.WeightDecay != 0 {
			d = d + (pi*a.WeightDecay + 0)
		}
		vi := (v[i]*a.Alpha + 0) + ((d*d)*a.OneMinusAlpha + 0)
		v[i] = vi
		avg := vi
		if ga != nil {
			gi := (ga[i]*a.Alpha + 0) + (d*a.OneMinusAlpha + 0)
			ga[i] = gi
			avg = vi - gi*gi
		}
		step := d / (float32(math.Sqrt(float64(avg))) + a.Eps)
		if b != nil {
			step = (b[i]*a.Momentum + 0) + step
			b[i] = step
		}
		p[i] = pi - (step*a.LR + 0)
	}
}

// AdagradStep applies Adagrad's update (see device.Fused), rounding as
// the composed ops do.
func (Device) AdagradStep(pb, gb, sb device.Buffer, n int, a device.AdagradParams) {
	p, g, s := f32s(pb)[:n], f32s(gb)[:n], f32s(sb)[:n]
	if n < parallelThreshold {
		adagradLoop(p, g, s, &a)
		return
	}
	ah := a
	parallelElems(n, func(lo, hi int) { adagradLoop(p[lo:hi], g[lo:hi], s[lo:hi], &ah) })
}

func adagradLoop(p, g, s []float32, a *device.AdagradParams) {
	g, s = g[:len(p)], s[:len(p)]
	for i, pi := range p {
		d := g[i]
		if a.Maximize {
			d = -d*1 + 0
		}
		if a.WeightDecay != 0 {
			d = d + (pi*a.WeightDecay + 0)
		}
		si := s[i] + d*d
		s[i] = si
		p[i] = pi - ((d/(float32(math.Sqrt(float64(si)))+a.Eps))*a.LR + 0)
	}
}
