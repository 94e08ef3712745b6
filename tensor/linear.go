package tensor

import "github.com/nervelab/nerve/internal/device"

// Linear returns x·wᵀ + b, PyTorch's F.linear, in one gemm: x is
// [..., in], w is [out, in] (not transposed), b is [out] or nil, and the
// result is [..., out]. The bias is written into the output before the
// gemm accumulates onto it (an epilogue-free fused add), and the backward
// pass computes ∂w = gᵀ·x directly in w's layout with no transposed copy.
// It panics with a *ShapeError when the shapes do not fit.
func Linear(x, w, b *Tensor) *Tensor {
	x.mustFloat("Linear")
	w.mustFloat("Linear")
	xs, ws := x.shape, w.shape
	if len(ws) != 2 || len(xs) == 0 {
		shapePanic("Linear", xs, ws, "do not fit: want input [..., in] and weight [out, in]")
	}
	if xs[len(xs)-1] != ws[1] {
		shapePanic("Linear", xs, ws, "cannot be multiplied (input's last dim %d != in_features %d)", xs[len(xs)-1], ws[1])
	}
	in, out := ws[1], ws[0]
	if b != nil {
		b.mustFloat("Linear")
		if len(b.shape) != 1 || b.shape[0] != out {
			shapePanic("Linear", ws, b.shape, "bias must be [%d]", out)
		}
	}
	sameDevice("Linear", x, w)
	m := x.Numel() / max(in, 1)
	if in == 0 {
		m = numel(xs[:len(xs)-1])
	}
	x2, w2 := x.contig(), w.contig()
	y := emptyUninit(x.dev, Float32, []int{m, out})
	beta := float32(0)
	if b != nil { // the bias rows first (each row b, read with stride 0); the gemm accumulates onto them
		sameDevice("Linear", x, b)
		bl := device.Layout{Shape: y.shape, Strides: []int{0, b.strides[0]}, Offset: b.offset}
		x.dev.Copy(y.buf, y.layout(), b.buf, bl)
		beta = 1
	}
	linearGemm(y, x2, w2, m, out, in, false, true, beta) // y = x·wᵀ + beta·y
	if len(xs) != 2 {
		shape := append(cloneInts(xs[:len(xs)-1]), out)
		y = y.view(shape, contiguousStrides(shape), 0)
	}
	if needsGrad(x, w, b) {
		name, inputs := "Mm", []*Tensor{x, w, b}[:2]
		if b != nil {
			name, inputs = "Addmm", inputs[:3]
		}
		record(y, name, inputs, func(g *Tensor) []*Tensor {
			g2 := g.contig()
			var gx, gw, gb *Tensor
			if x.requiresGrad {
				gx = emptyUninit(x.dev, Float32, xs)
				linearGemm(gx, g2, w2, m, in, out, false, false, 0) // ∂x = g·w
			}
			if w.requiresGrad {
				gw = emptyUninit(x.dev, Float32, []int{out, in})
				linearGemm(gw, g2, x2, out, in, m, true, false, 0) // ∂w = gᵀ·x
			}
			if b != nil && b.requiresGrad { // ∂b = Σ over the m rows of g
				gb = emptyUninit(x.dev, Float32, []int{out})
				x.dev.Reduce(device.Sum, gb.buf, g2.buf, g2.offset, 1, m, out)
			}
			return []*Tensor{gx, gw, gb}[:len(inputs)]
		})
	}
	return y
}

// linearGemm sets c (contiguous [m, n]) to op(a)·op(b) + beta·c, where a
// and b are contiguous and op transposes when asked: a is [m, k] (or
// [k, m] if ta), b is [k, n] (or [n, k] if tb).
func linearGemm(c, a, b *Tensor, m, n, k int, ta, tb bool, beta float32) {
	lda, ldb := k, n
	if ta {
		lda = m
	}
	if tb {
		ldb = k
	}
	c.dev.Gemm(device.GemmParams{Batch: 1, M: m, N: n, K: k, TransA: ta, TransB: tb, Alpha: 1, Beta: beta,
		A: a.buf, B: b.buf, C: c.buf, OffA: a.offset, OffB: b.offset, LDA: lda, LDB: ldb, LDC: n})
}
