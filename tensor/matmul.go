package tensor

import (
	"github.com/nervelab/nerve/internal/device"
)

// MatMul returns the matrix product of a and b with PyTorch's rules: two
// 1-D tensors give their dot product (a scalar); a 1-D operand is treated as
// a row (left) or column (right) vector and that dim is removed from the
// result; tensors of 3 or more dims are batches of matrices whose batch
// dims broadcast. It panics if the inner dims differ.
func (a *Tensor) MatMul(b *Tensor) *Tensor {
	a.mustFloat("MatMul")
	b.mustFloat("MatMul")
	if a.Dim() == 0 || b.Dim() == 0 {
		shapePanic("MatMul", a.shape, b.shape, "cannot be multiplied: both arguments need at least 1 dimension")
	}
	switch {
	case a.Dim() == 1 && b.Dim() == 1:
		if a.shape[0] != b.shape[0] {
			shapePanic("MatMul", a.shape, b.shape, "cannot be multiplied (inner dims %d != %d)", a.shape[0], b.shape[0])
		}
		return a.Unsqueeze(0).bmm(b.Unsqueeze(1), a.shape, b.shape).Reshape()
	case a.Dim() == 1:
		return a.Unsqueeze(0).bmm(b, a.shape, b.shape).Squeeze(-2)
	case b.Dim() == 1:
		return a.bmm(b.Unsqueeze(1), a.shape, b.shape).Squeeze(-1)
	}
	return a.bmm(b, a.shape, b.shape)
}

// bmm multiplies [..., M, K] by [..., K, N] with broadcast batch dims. The
// original shapes are passed for error messages.
func (a *Tensor) bmm(b *Tensor, sa, sb []int) *Tensor {
	sameDevice("MatMul", a, b)
	batch, m, n := productShape("MatMul", a, b, sa, sb)
	out := emptyUninit(a.dev, Float32, append(cloneInts(batch), m, n))
	gemmInto(out, a, b, batch, 0)
	if needsGrad(a, b) {
		record(out, "MatMul", []*Tensor{a, b}, func(g *Tensor) []*Tensor {
			var ga, gb *Tensor
			if a.requiresGrad { // dA = dC · Bᵀ
				ga = sumTo(matmulRaw(g, b.Detach().Transpose(-1, -2)), a.shape)
			}
			if b.requiresGrad { // dB = Aᵀ · dC
				gb = sumTo(matmulRaw(a.Detach().Transpose(-1, -2), g), b.shape)
			}
			return []*Tensor{ga, gb}
		})
	}
	return out
}

// MatMulInto writes a·b into out, PyTorch's torch.matmul(a, b, out=out),
// for a and b of at least 2 dims (batch dims broadcast): out must be a
// contiguous float32 tensor of the product's shape, and it is overwritten
// without allocating. Like PyTorch's out= forms it records no graph, so it
// panics if a or b requires grad while grad mode is on (use MatMul), or if
// the shapes do not fit.
func MatMulInto(out, a, b *Tensor) {
	a.mustFloat("MatMulInto")
	b.mustFloat("MatMulInto")
	out.mustFloat("MatMulInto")
	if a.Dim() < 2 || b.Dim() < 2 {
		shapePanic("MatMulInto", a.shape, b.shape, "need at least 2 dimensions each (use MatMul for vectors)")
	}
	if needsGrad(a, b) {
		panic(&GradError{Op: "MatMulInto", Why: "the out form does not record a graph, and an argument requires grad; use MatMul"})
	}
	sameDevice("MatMulInto", a, b, out)
	batch, m, n := productShape("MatMulInto", a, b, a.shape, b.shape)
	want := append(cloneInts(batch), m, n)
	if !sameShape(out.shape, want) || !out.IsContiguous() {
		shapePanic("MatMulInto", out.shape, want, "out must be contiguous and of the product's shape")
	}
	gemmInto(out, a, b, batch, 0)
}

// productShape checks that batched matrices a [..., M, K] and b [..., K, N]
// can be multiplied and returns the broadcast batch dims, M and N; sa and
// sb are the shapes to name in the error.
func productShape(op string, a, b *Tensor, sa, sb []int) (batch []int, m, n int) {
	m, k := a.shape[a.Dim()-2], a.shape[a.Dim()-1]
	k2, n := b.shape[b.Dim()-2], b.shape[b.Dim()-1]
	if k != k2 {
		shapePanic(op, sa, sb, "cannot be multiplied (inner dims %d != %d)", k, k2)
	}
	return broadcastShapes(op, a.shape[:a.Dim()-2], b.shape[:b.Dim()-2]), m, n
}

// matmulRaw multiplies batched matrices (≥ 2-D) with broadcasting, no graph.
func matmulRaw(a, b *Tensor) *Tensor {
	m, n := a.shape[a.Dim()-2], b.shape[b.Dim()-1]
	batch := broadcastShapes("MatMul", a.shape[:a.Dim()-2], b.shape[:b.Dim()-2])
	out := emptyUninit(a.dev, Float32, append(cloneInts(batch), m, n))
	gemmInto(out, a, b, batch, 0)
	return out
}

// gemmInto writes a·b into the contiguous out (beta = 0: out is overwritten).
func gemmInto(out, a, b *Tensor, batch []int, beta float32) {
	m, k := a.shape[a.Dim()-2], a.shape[a.Dim()-1]
	n := b.shape[b.Dim()-1]
	ab := a.broadcastTo(append(cloneInts(batch), m, k))
	bb := b.broadcastTo(append(cloneInts(batch), k, n))
	ab, ta, lda := asMatrix(ab)
	bb, tb, ldb := asMatrix(bb)
	p := device.GemmParams{M: m, N: n, K: k, TransA: ta, TransB: tb, Alpha: 1, Beta: beta,
		A: ab.buf, B: bb.buf, C: out.buf, LDA: lda, LDB: ldb, LDC: n}
	nb := numel(batch)
	sa, okA := batchStride(ab)
	sb, okB := batchStride(bb)
	if okA && okB {
		p.Batch, p.StrideA, p.StrideB, p.StrideC = nb, sa, sb, m*n
		p.OffA, p.OffB, p.OffC = ab.offset, bb.offset, out.offset
		a.dev.Gemm(p)
		return
	}
	p.Batch = 1
	idx := make([]int, len(batch))
	for i := 0; i < nb; i++ {
		p.OffA, p.OffB, p.OffC = batchOffset(ab, idx), batchOffset(bb, idx), out.offset+i*m*n
		a.dev.Gemm(p)
		for d := len(idx) - 1; d >= 0; d-- {
			if idx[d]++; idx[d] < batch[d] {
				break
			}
			idx[d] = 0
		}
	}
}

// asMatrix returns t (or a copy) whose last two dims are row-major with a
// leading dimension (trans=false) or column-major (trans=true, the
// transposed view of a row-major matrix), with that leading dimension.
func asMatrix(t *Tensor) (*Tensor, bool, int) {
	d := t.Dim()
	r, c := t.shape[d-2], t.shape[d-1]
	sr, sc := t.strides[d-2], t.strides[d-1]
	switch {
	case (sc == 1 || c == 1) && sr >= max(c, 1):
		return t, false, max(sr, c, 1)
	case (sr == 1 || r == 1) && sc >= max(r, 1):
		return t, true, max(sc, r, 1)
	}
	c2 := t.copyRaw()
	return c2, false, max(c, 1)
}

// batchStride returns the single stride that steps through t's (flattened)
// batch dims, if there is one.
func batchStride(t *Tensor) (int, bool) {
	nb := t.Dim() - 2
	if nb == 0 {
		return 0, true
	}
	allZero := true
	for d := 0; d < nb; d++ {
		if t.shape[d] != 1 && t.strides[d] != 0 {
			allZero = false
		}
	}
	if allZero {
		return 0, true
	}
	// collapsible: stride[d] == stride[d+1]·shape[d+1] for dims of size > 1
	step := 0
	expect := -1
	for d := nb - 1; d >= 0; d-- {
		if t.shape[d] == 1 {
			continue
		}
		if expect >= 0 && t.strides[d] != expect {
			return 0, false
		}
		if step == 0 {
			step = t.strides[d]
		}
		expect = t.strides[d] * t.shape[d]
	}
	if step == 0 {
		return 0, false
	}
	return step, true
}

func batchOffset(t *Tensor, idx []int) int {
	off := t.offset
	for d, i := range idx {
		off += i * t.strides[d]
	}
	return off
}
