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
