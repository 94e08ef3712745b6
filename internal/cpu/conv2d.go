package cpu

import "github.com/nervelab/nerve/internal/device"

// A convolution runs one image at a time on each worker: the image's
// columns (im2col, C·KH·KW × OH·OW floats: 221 KiB for the tutorial
// CNN's second layer) go straight into that worker's gemm, which packs
// them while they are still in its cache, and the backward folds each
// image's column gradient (col2im) as soon as its gemm has written it.
// Unfolding the whole batch at once instead wrote and read back two
// column matrices of 14 MB per step, and copied the upstream gradient
// into a [Cout, N·OH·OW] matrix for the weight gradient's gemm. The
// weight gradient's sum over the batch is kept as partial sums over
// fixed runs of images (see partialRuns).

// convShape is what Conv2d and Conv2dBackward derive from their params.
type convShape struct {
	l, k, chw int // output positions, rows of the columns, input floats per image
	cog, kg   int // filters and columns rows per group
}

func shapeOf(p *device.ConvParams) convShape {
	g := &p.G
	k := g.C * g.KH * g.KW
	return convShape{l: g.OH * g.OW, k: k, chw: g.C * g.H * g.W, cog: p.Cout / p.Groups, kg: k / p.Groups}
}

// scratch returns n floats from the buffer cache, and the buffer to free.
func scratch(n int) ([]float32, device.Buffer) {
	b := Device{}.AllocUninit(device.Float32, n)
	return f32s(b), b
}

// Conv2d writes the convolution of p.X with p.W plus p.B into y (see
// device.Conv): per image, its columns, then y = w·columns per group. With
// one group the bias rides in the gemm as a column of [w | b] against a
// row of ones under the columns; with more, y starts as the bias and the
// gemms add to it.
func (Device) Conv2d(y device.Buffer, p device.ConvParams) {
	s := shapeOf(&p)
	xs, ys := f32s(p.X), f32s(y)
	a, oa, lda := f32s(p.W), p.OffW, s.kg // the gemms' A: w, or [w | b]
	var bs []float32
	if p.B != nil {
		bs = f32s(p.B)[p.OffB:][:p.Cout]
	}
	fold := bs != nil && p.Groups == 1
	if fold {
		wb, wbb := scratch(p.Cout * (s.k + 1))
		defer Device{}.Free(wbb)
		for co, v := range bs {
			copy(wb[co*(s.k+1):], a[oa+co*s.k:][:s.k])
			wb[co*(s.k+1)+s.k] = v
		}
		a, oa, lda = wb, 0, s.k+1
	}
	parallelFor(p.N, 1, func(lo, hi int) {
		col, cb := scratch(lda * p.Groups * s.l)
		if fold {
			fillSlice(col[s.k*s.l:][:s.l], 1)
		}
		w := getWork(&gemmBlocking)
		w.heldA = aPanel{} // then the same filters for every image
		for b := lo; b < hi; b++ {
			im2col(col, xs[p.OffX+b*s.chw:][:s.chw], &p.G)
			yo, beta := b*p.Cout*s.l, float32(0)
			if bs != nil && !fold {
				for co, v := range bs {
					fillSlice(ys[yo+co*s.l:][:s.l], v)
				}
				beta = 1
			}
			for gi := range p.Groups {
				if p.Groups > 1 {
					w.heldA = aPanel{}
				}
				gemmSerial(&device.GemmParams{Batch: 1, M: s.cog, N: s.l, K: lda, Alpha: 1, Beta: beta,
					OffA: oa + gi*s.cog*lda, LDA: lda, OffB: gi * lda * s.l, LDB: s.l,
					OffC: yo + gi*s.cog*s.l, LDC: s.l}, a, col, ys, w)
			}
		}
		putWork(w)
		Device{}.Free(cb)
	})
}

// Conv2dBackward writes Conv2d's gradients (see device.Conv). Per image:
// ∂w += gy·columnsᵀ and ∂b += gy's row sums into its run's partial sums,
// and ∂x = col2im(wᵀ·gy).
func (Device) Conv2dBackward(gx, gw, gb, gy device.Buffer, gOff int, p device.ConvParams) {
	s := shapeOf(&p)
	nw := p.Cout * s.kg // weights
	part := nw + p.Cout // one run's partial sums: ∂w, then ∂b
	runs := min(p.N, partialRuns)
	if runs == 0 { // no images: the sums are empty
		if gw != nil {
			clear(f32s(gw)[:nw])
		}
		if gb != nil {
			clear(f32s(gb)[:p.Cout])
		}
		return
	}
	xs, ws, gys := f32s(p.X), f32s(p.W), f32s(gy)
	var parts, gxs []float32
	if gw != nil || gb != nil {
		var pb device.Buffer
		parts, pb = scratch(runs * part)
		defer Device{}.Free(pb)
	}
	if gx != nil {
		gxs = f32s(gx)
	}
	parallelFor(runs, 1, func(lo, hi int) {
		var col, dcol []float32
		if gw != nil {
			c, cb := scratch(s.k * s.l)
			defer Device{}.Free(cb)
			col = c
		}
		if gx != nil {
			c, cb := scratch(s.k * s.l)
			defer Device{}.Free(cb)
			dcol = c
		}
		wt, wg := getWork(&gemmBlocking), getWork(&gemmBlocking)
		wt.heldA = aPanel{} // wᵀ, the same for every image
		for r := lo; r < hi; r++ {
			b0, b1 := r*p.N/runs, (r+1)*p.N/runs
			po := r * part
			for b := b0; b < b1; b++ {
				yo, beta := gOff+b*p.Cout*s.l, float32(1)
				if b == b0 {
					beta = 0
				}
				if gw != nil {
					im2col(col, xs[p.OffX+b*s.chw:][:s.chw], &p.G)
					for gi := range p.Groups { // ∂w[group] += gy[group]·columns[group]ᵀ
						wg.heldA = aPanel{}
						gemmSerial(&device.GemmParams{Batch: 1, M: s.cog, N: s.kg, K: s.l, TransB: true, Alpha: 1, Beta: beta,
							OffA: yo + gi*s.cog*s.l, LDA: s.l, OffB: gi * s.kg * s.l, LDB: s.l,
							OffC: po + gi*s.cog*s.kg, LDC: s.kg}, gys, col, parts, wg)
					}
				}
				if gb != nil {
					sums := parts[po+nw:][:p.Cout]
					for co := range sums {
						v := float32(rowSum(gys, yo+co*s.l, 1, s.l))
						if b == b0 {
							sums[co] = v
						} else {
							sums[co] += v
						}
					}
				}
				if gx != nil {
					for gi := range p.Groups { // columns' gradient = w[group]ᵀ·gy[group]
						if p.Groups > 1 {
							wt.heldA = aPanel{}
						}
						gemmSerial(&device.GemmParams{Batch: 1, M: s.kg, N: s.l, K: s.cog, TransA: true, Alpha: 1,
							OffA: p.OffW + gi*s.cog*s.kg, LDA: s.kg, OffB: yo + gi*s.cog*s.l, LDB: s.l,
							OffC: gi * s.kg * s.l, LDC: s.l}, ws, gys, dcol, wt)
					}
					col2im(gxs[b*s.chw:][:s.chw], dcol, &p.G)
				}
			}
		}
		putWork(wt)
		putWork(wg)
	})
	if gw != nil {
		sumRuns(f32s(gw)[:nw], parts, part, runs)
	}
	if gb != nil {
		sumRuns(f32s(gb)[:p.Cout], parts[nw:], part, runs)
	}
}
