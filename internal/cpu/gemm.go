package cpu

import (
	"sync/atomic"

	"github.com/nervelab/nerve/internal/device"
)

// microKernel computes C += alpha·A·B for one mr×nr tile of C (leading
// dimension ldc) from a packed mr×kc sliver a and kc×nr sliver b.
type microKernel func(kc int, a, b []float32, c []float32, ldc int, alpha float32)

// blocking holds GEMM's cache-blocking parameters together with the
// micro-kernel they were tuned for (BLIS terms):
//
//	for each tile of C, at most nc columns wide (a task; see gemmTileSize)
//	  for each kc-deep slice of K:      pack op(B)[kc×nc] into nr-wide slivers
//	    for each mc rows of the tile:   pack op(A)[mc×kc] into mr-tall slivers
//	      for each sliver pair: kernel → one mr×nr tile of C
//
// A packed B sliver (kc·nr floats) stays in L1 while the loop runs down
// the A slivers; the packed A block (mc·kc) stays in L2; the packed B
// panel serves every row of the task. With a row-major B and packing
// kernels (kernelPackB), the panel's full slivers are not packed in a pass
// of their own: the kernel for the task's first row of micro-tiles reads
// each sliver from B and stores it packed while it multiplies.
type blocking struct {
	mr, nr     int // micro-tile: rows of op(A) and columns of op(B)
	kc, mc, nc int // depth of a panel; rows and columns packed at once
	kernel     microKernel
	kernelSet  microKernel // C = alpha·A·B without reading C; nil: clear C and use kernel
	// rows[r] and rowsSet[r], when set, compute only the first r < mr rows
	// of a full-width tile (kernel and kernelSet for the last rows of C:
	// M = 64 is four tiles of 14 and one of 8), straight into C.
	rows, rowsSet *[14]microKernel
	// large, when set, is the blocking for products whose C has at least
	// largeC elements and whose K spans more than one panel: every panel
	// reads and writes all of C, which no longer stays in cache between
	// panels, so deeper panels (fewer passes over C) pay for packed
	// slivers that no longer fit in L1.
	large *blocking
	// kernelPackB and kernelSetPackB, when set, are kernel and kernelSet
	// packing a full sliver of a row-major B as they read it.
	kernelPackB, kernelSetPackB packingKernel
}

// packingKernel is a microKernel that reads its B sliver from bsrc, rows
// ldb apart, and stores it packed into b.
type packingKernel func(kc int, a, b []float32, c []float32, ldc int, alpha float32, bsrc []float32, ldb int)

// largeC is the number of elements of C (4 MiB of float32) from which
// Gemm uses a blocking's large variant (a variable for tests).
var largeC = 1 << 20

// forProduct returns the blocking for an m×n product of depth k.
func (bk *blocking) forProduct(m, n, k int) *blocking {
	if bk.large != nil && m*n >= largeC && k > bk.kc {
		return bk.large
	}
	return bk
}

// blockingGo is the blocking of the pure-Go micro-kernel.
var blockingGo = blocking{
	mr: kernelMR, nr: kernelNR,
	kc: 256, mc: 128, nc: 256,
	kernel: kernel4x16,
}

// gemmBlocking is the blocking in use. A SIMD micro-kernel, when one
// exists, installs itself here at init with its own parameters.
var gemmBlocking = blockingGo

// smallGemm is the flop count (M·N·K) below which Gemm runs plain loops on
// the caller's goroutine: packing and threads cost more than they save.
const smallGemm = 1 << 15

// gemmTaskFlops is the least work (M·N·K) worth a task of its own in
// gemmBlocked: with a SIMD kernel a smaller product runs in tens of
// microseconds, about what handing tasks to the pool costs.
const gemmTaskFlops = 1 << 21

// gemmTask is one tile of C of one batch item: rows i0..i1, columns j0..j1.
type gemmTask struct{ bi, i0, i1, j0, j1 int }

// gemmWork is one goroutine's packing buffers and edge tile.
type gemmWork struct {
	a, b, edge []float32
	// heldA is the block of op(A) that a holds packed, for the product
	// in progress; the zero aPanel (kc 0) is none.
	heldA aPanel
}

// aPanel names a packed block of op(A): rows i0..i1 of batch item bi,
// columns pc..pc+kc.
type aPanel struct{ bi, i0, i1, pc, kc int }

// gemmWorks keeps packing buffers between calls. Unlike a sync.Pool it
// is not emptied by every garbage collection, which otherwise made each
// gemm after a collection allocate (and clear) megabytes of buffers
// again: a small product spent more time there than multiplying.
var gemmWorks = make(chan *gemmWork, 8)

func putWork(w *gemmWork) {
	select {
	case gemmWorks <- w:
	default:
	}
}

func getWork(bk *blocking) *gemmWork {
	var w *gemmWork
	select {
	case w = <-gemmWorks:
	default:
		w = new(gemmWork)
	}
	w.fit(bk)
	return w
}

// fit replaces the buffers too small for bk (a large product's after
// small ones): the ones kept grow to serve products of both kinds.
func (w *gemmWork) fit(bk *blocking) {
	if len(w.a) < bk.mc*bk.kc {
		w.a, w.heldA = make([]float32, bk.mc*bk.kc), aPanel{}
	}
	if len(w.b) < bk.kc*bk.nc {
		w.b = make([]float32, bk.kc*bk.nc)
	}
	if len(w.edge) < bk.mr*bk.nr {
		w.edge = make([]float32, bk.mr*bk.nr)
	}
}

// Gemm computes C[b] = Alpha·op(A[b])·op(B[b]) + Beta·C[b] for every batch
// item (see device.GemmParams); all three buffers are Float32. With Beta = 0
// C is only written, so NaN in it does not propagate. Large products are
// packed and split over all cores by tiles of C; small ones run plain loops
// (inline unless the batch is large), and thin ones (fewer rows than a micro-tile, or few columns) run
// plain loops over the pool.
func (Device) Gemm(p device.GemmParams) {
	if p.Batch <= 0 || p.M <= 0 || p.N <= 0 {
		return
	}
	a, b, c := f32s(p.A), f32s(p.B), f32s(p.C)
	switch {
	case p.K <= 0 || p.Alpha == 0:
		for bi := range p.Batch {
			scaleTile(c, p.OffC+bi*p.StrideC, p.LDC, p.M, p.N, p.Beta)
		}
	case p.M*p.N*p.K < smallGemm:
		grain := ceilDiv(smallGemm, p.M*p.N*p.K)
		if p.Batch <= grain { // inline, with nothing on the heap
			for bi := range p.Batch {
				gemmLoops(&p, a, b, c, gemmTask{bi, 0, p.M, 0, p.N})
			}
			return
		}
		// Many small items (attention heads, say) still spread over the pool.
		ph := p
		parallelFor(p.Batch, grain, func(lo, hi int) {
			for bi := lo; bi < hi; bi++ {
				gemmLoops(&ph, a, b, c, gemmTask{bi, 0, ph.M, 0, ph.N})
			}
		})
	case p.M < gemmBlocking.mr || p.N < gemmBlocking.nr/2:
		ph := p // the workers read it: on the heap, so small products keep p on the stack
		gemmThin(&ph, a, b, c)
	default:
		ph := p
		gemmBlocked(&ph, a, b, c, gemmBlocking.forProduct(p.M, p.N, p.K))
	}
}

// gemmSerial computes the product p on the calling goroutine, packing
// into w: Gemm without the pool, for kernels that already run one
// product per worker (a convolution's images). A product whose A is the
// block w holds packed (see gemmTile) packs none: a caller reusing w for
// a different A sets w.heldA to the zero aPanel first.
func gemmSerial(p *device.GemmParams, a, b, c []float32, w *gemmWork) {
	if p.Batch <= 0 || p.M <= 0 || p.N <= 0 {
		return
	}
	bk := gemmBlocking.forProduct(p.M, p.N, p.K)
	switch {
	case p.K <= 0 || p.Alpha == 0:
		for bi := range p.Batch {
			scaleTile(c, p.OffC+bi*p.StrideC, p.LDC, p.M, p.N, p.Beta)
		}
	case p.M*p.N*p.K < smallGemm || p.M < bk.mr || p.N < bk.nr/2:
		for bi := range p.Batch {
			gemmLoops(p, a, b, c, gemmTask{bi, 0, p.M, 0, p.N})
		}
	default:
		w.fit(bk)
		for bi := range p.Batch {
			for j0 := 0; j0 < p.N; j0 += bk.nc {
				gemmTile(p, a, b, c, bk, w, gemmTask{bi, 0, p.M, j0, min(j0+bk.nc, p.N)})
			}
		}
	}
}

// scaleTile sets the m×n tile of c at off to beta times itself; beta 0
// writes zeros without reading.
func scaleTile(c []float32, off, ldc, m, n int, beta float32) {
	if beta == 1 {
		return
	}
	for i := range m {
		row := c[off+i*ldc : off+i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// gemmLoops computes one tile of C with plain loops: an axpy over rows
// of B for wide tiles of a non-transposed B, dot products otherwise. It
// serves small products and thin ones (a few rows or columns), where
// packing would mostly pad.
func gemmLoops(p *device.GemmParams, a, b, c []float32, t gemmTask) {
	oa, ob, oc := p.OffA+t.bi*p.StrideA, p.OffB+t.bi*p.StrideB, p.OffC+t.bi*p.StrideC
	ai, ak := p.LDA, 1 // A(i,k) is a[oa + i*ai + k*ak]
	if p.TransA {
		ai, ak = 1, p.LDA
	}
	bk, bj := p.LDB, 1 // B(k,j) is b[ob + k*bk + j*bj]
	if p.TransB {
		bk, bj = 1, p.LDB
	}
	scaleTile(c, oc+t.i0*p.LDC+t.j0, p.LDC, t.i1-t.i0, t.j1-t.j0, p.Beta)
	if !p.TransB && t.j1-t.j0 >= 16 {
		for i := t.i0; i < t.i1; i++ {
			crow := c[oc+i*p.LDC+t.j0 : oc+i*p.LDC+t.j1]
			for k := range p.K {
				axpy(crow, b[ob+k*bk+t.j0:], p.Alpha*a[oa+i*ai+k*ak])
			}
		}
		return
	}
	// Dot products, over K a slice at a time, so that the slices of B's
	// columns stay in cache for every row of the task (a weight gradient
	// of a convolution has K = N·H·W in the tens of thousands).
	for k0 := 0; k0 < p.K; k0 += dotSlice {
		kn := min(dotSlice, p.K-k0)
		for i := t.i0; i < t.i1; i++ {
			crow := c[oc+i*p.LDC+t.j0 : oc+i*p.LDC+t.j1]
			for j := range crow {
				crow[j] += p.Alpha * dot(a, oa+i*ai+k0*ak, ak, b, ob+(t.j0+j)*bj+k0*bk, bk, kn)
			}
		}
	}
}

// dotSlice is the stretch of K that gemmLoops' dot products cover at a
// time: a slice of a row of A and of every column of B it meets, 8 KiB
// each, stay in L2 while the task's rows go by.
const dotSlice = 2048

// dot returns Σ x[xo+k·xs]·y[yo+k·ys] for k < n, with four partial sums
// on unit strides.
func dot(x []float32, xo, xs int, y []float32, yo, ys, n int) float32 {
	if xs != 1 || ys != 1 {
		var s0, s1 float32
		k := 0
		for ; k+2 <= n; k += 2 {
			s0 += x[xo+k*xs] * y[yo+k*ys]
			s1 += x[xo+(k+1)*xs] * y[yo+(k+1)*ys]
		}
		if k < n {
			s0 += x[xo+k*xs] * y[yo+k*ys]
		}
		return s0 + s1
	}
	return dotUnit(x[xo:xo+n], y[yo:yo+n])
}

// dotRef is the reference loop of dotUnit, four partial sums.
func dotRef(xv, yv []float32) float32 {
	var s0, s1, s2, s3 float32
	for len(xv) >= 4 && len(yv) >= 4 {
		s0 += xv[0] * yv[0]
		s1 += xv[1] * yv[1]
		s2 += xv[2] * yv[2]
		s3 += xv[3] * yv[3]
		xv, yv = xv[4:], yv[4:]
	}
	for k, v := range xv {
		s0 += v * yv[k]
	}
	return (s0 + s1) + (s2 + s3)
}

// gemmThin splits gemmLoops over the pool by blocks of rows and of
// columns of C: about four blocks of rows per worker, so that each block
// reads its slices of B for several rows.
func gemmThin(p *device.GemmParams, a, b, c []float32) {
	const cols = 1024
	nt := ceilDiv(p.N, cols)
	rows := max(1, p.M/(4*numWorkers()))
	mt := ceilDiv(p.M, rows)
	units := p.Batch * mt * nt
	parallelFor(units, max(1, parallelThreshold/(p.K*rows*min(cols, p.N))), func(lo, hi int) {
		for u := lo; u < hi; u++ {
			r, j0 := u/nt, (u%nt)*cols
			bi, i0 := r/mt, (r%mt)*rows
			gemmLoops(p, a, b, c, gemmTask{bi, i0, min(i0+rows, p.M), j0, min(j0+cols, p.N)})
		}
	})
}

// axpyRef is the reference loop of axpy: y += alpha·x.
func axpyRef(y, x []float32, alpha float32) {
	x = x[:len(y)]
	for j, v := range x {
		y[j] += alpha * v
	}
}

// gemmBlocked runs the packed algorithm, one task per tile of C. The
// tiles are dealt out as one contiguous range per worker; a worker runs
// its range from the front and, when done, takes tiles from the back of
// the others' ranges. When a tile's A is a single packed block, the tiles
// are numbered row by row, so that a worker's consecutive tiles share
// their rows of A and it packs them once (see gemmTile); otherwise column
// by column, so that each worker gets every row block, whose sizes differ
// by up to a micro-tile, for even shares.
func gemmBlocked(p *device.GemmParams, a, b, c []float32, bk *blocking) {
	mc, nc := gemmTileSize(p, bk)
	mt, nt := (p.M+mc-1)/mc, (p.N+nc-1)/nc
	byRows := p.K <= bk.kc && mc <= bk.mc
	n := p.Batch * mt * nt
	nw := min(numWorkers(), n)
	q := make([]tileRange, nw)
	for i := range q {
		q[i].set(i*n/nw, (i+1)*n/nw)
	}
	parallelFor(nw, 1, func(lo, hi int) {
		w := getWork(bk)
		w.heldA = aPanel{}
		run := func(t int) {
			bi, r := t/(mt*nt), t%(mt*nt)
			i, j := r%mt, r/mt
			if byRows {
				i, j = r/nt, r%nt
			}
			task := gemmTask{bi, split(p.M, mt, bk.mr, i), split(p.M, mt, bk.mr, i+1), split(p.N, nt, bk.nr, j), split(p.N, nt, bk.nr, j+1)}
			gemmTile(p, a, b, c, bk, w, task)
		}
		for id := lo; id < hi; id++ {
			for t, ok := q[id].take(false); ok; t, ok = q[id].take(false) {
				run(t)
			}
			for k := 1; k < nw; k++ {
				other := &q[(id+k)%nw]
				for t, ok := other.take(true); ok; t, ok = other.take(true) {
					run(t)
				}
			}
		}
		putWork(w)
	})
}

// split returns where block i of the n rows (or columns) of C starts
// (n for i = blocks) when they are cut into blocks of whole micro-tiles
// of r, as evenly as that allows: M = 256 in two blocks of 14-row tiles
// is 126 + 130 rows, not 140 + 116.
func split(n, blocks, r, i int) int {
	if i >= blocks {
		return n
	}
	return min(n, r*(i*ceilDiv(n, r)/blocks))
}

// tileRange is a range of tiles [lo, hi) that its owner takes from the
// front and others from the back, padded to a cache line of its own.
type tileRange struct {
	v atomic.Uint64 // lo<<32 | hi
	_ [56]byte
}

func (r *tileRange) set(lo, hi int) { r.v.Store(uint64(lo)<<32 | uint64(hi)) }

// take claims the range's first tile, or with back its last one, and
// reports false once the range is empty.
func (r *tileRange) take(back bool) (int, bool) {
	for {
		v := r.v.Load()
		lo, hi := v>>32, v&(1<<32-1)
		if lo >= hi {
			return 0, false
		}
		t, rest := lo, (lo+1)<<32|hi
		if back {
			t, rest = hi-1, lo<<32|(hi-1)
		}
		if r.v.CompareAndSwap(v, rest) {
			return int(t), true
		}
	}
}

// gemmTileSize picks the tile of C one task computes: all of C's rows and
// up to the blocking's nc columns, halved (in whole micro-tiles, the longer
// side first, so that neither operand is packed much more than once) until
// there are at least two tasks per worker (fewer for small products; see
// gemmTaskFlops; one with a single worker), so every core gets work, then
// evened out so that the last
// row and column of tiles are not mostly empty (M = 1024 in tiles of 336
// rows would leave a last task of 16 rows).
func gemmTileSize(p *device.GemmParams, bk *blocking) (mc, nc int) {
	mc = roundUp(p.M, bk.mr)
	nc = min(bk.nc, roundUp(p.N, bk.nr))
	want := 1 // one worker: a split would only pack the operands again
	if w := numWorkers(); w > 1 {
		want = min(2*w, max(1, p.Batch*p.M*p.N*p.K/gemmTaskFlops))
	}
	for p.Batch*ceilDiv(p.M, mc)*ceilDiv(p.N, nc) < want {
		switch {
		case mc >= nc && mc > bk.mr:
			mc = roundUp(mc/2, bk.mr)
		case nc > bk.nr:
			nc = roundUp(nc/2, bk.nr)
		case mc > bk.mr:
			mc = roundUp(mc/2, bk.mr)
		default:
			return even(p.M, mc, bk.mr), even(p.N, nc, bk.nr)
		}
	}
	return even(p.M, mc, bk.mr), even(p.N, nc, bk.nr)
}

// even returns the smallest multiple of r that splits n into as many
// blocks as size does.
func even(n, size, r int) int {
	return roundUp(ceilDiv(n, ceilDiv(n, size)), r)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func roundUp(a, b int) int { return ceilDiv(a, b) * b }

// gemmTile computes one task's tile of C: Alpha·op(A)·op(B) one kc-deep
// panel at a time, the first panel storing over C when Beta is 0 (C is
// never read then) and adding to Beta·C otherwise. A tile whose A is one
// packed block that w already holds (the worker's previous tile had the
// same rows) packs no A. The panels always go in order, so C does not
// depend on how the tiles fell to the workers.
func gemmTile(p *device.GemmParams, a, b, c []float32, bk *blocking, w *gemmWork, t gemmTask) {
	oa, ob, oc := p.OffA+t.bi*p.StrideA, p.OffB+t.bi*p.StrideB, p.OffC+t.bi*p.StrideC
	set := p.Beta == 0 && bk.kernelSet != nil
	if !set {
		scaleTile(c, oc+t.i0*p.LDC+t.j0, p.LDC, t.i1-t.i0, t.j1-t.j0, p.Beta)
	}
	step := even(p.K, bk.kc, 1) // K = 784 in panels of 392, not 512 + 272
	rows := even(t.i1-t.i0, bk.mc, bk.mr)
	// The first row block's kernels pack B's full slivers as they read
	// them (see kernelPackB) when it has a full row of micro-tiles.
	fuseB := bk.kernelPackB != nil && !p.TransB && t.i1-t.i0 >= bk.mr
	for pc := 0; pc < p.K; pc += step {
		kc := min(step, p.K-pc)
		var src []float32
		if fuseB { // only a partial last sliver is packed here
			full := t.j0 + (t.j1-t.j0)/bk.nr*bk.nr
			if full < t.j1 {
				packB(w.b[(full-t.j0)*kc:], b, ob, p.LDB, false, pc, kc, full, t.j1, bk.nr)
			}
			src = b
		} else {
			packB(w.b, b, ob, p.LDB, p.TransB, pc, kc, t.j0, t.j1, bk.nr)
		}
		for ic := t.i0; ic < t.i1; ic += rows {
			sub := gemmTask{t.bi, ic, min(ic+rows, t.i1), t.j0, t.j1}
			if held := (aPanel{t.bi, sub.i0, sub.i1, pc, kc}); w.heldA != held {
				packA(w.a, a, oa, p.LDA, p.TransA, pc, kc, sub.i0, sub.i1, bk.mr)
				w.heldA = held
			}
			gemmMacro(p, c, oc, bk, w, sub, kc, set && pc == 0, src, ob+pc*p.LDB)
			src = nil
		}
	}
}

// gemmMacro runs the micro-kernel over every micro-tile of the task's tile
// for one packed panel, going through the edge buffer for partial tiles;
// with set it stores alpha·A·B over C instead of adding it. With src, the
// full B slivers are not packed yet: the first micro-tile of each packs
// its sliver from the row-major src (panel at so) as it multiplies.
func gemmMacro(p *device.GemmParams, c []float32, oc int, bk *blocking, w *gemmWork, t gemmTask, kc int, set bool, src []float32, so int) {
	kernel, pk := bk.kernel, bk.kernelPackB
	if set {
		kernel, pk = bk.kernelSet, bk.kernelSetPackB
	}
	for jr := t.j0; jr < t.j1; jr += bk.nr {
		bs := w.b[(jr-t.j0)*kc:][:kc*bk.nr]
		nr := min(bk.nr, t.j1-jr)
		ir := t.i0
		if src != nil && nr == bk.nr {
			pk(kc, w.a[:kc*bk.mr], bs, c[oc+ir*p.LDC+jr:], p.LDC, p.Alpha, src[so+jr:], p.LDB)
			ir += bk.mr
		}
		for ; ir < t.i1; ir += bk.mr {
			as := w.a[(ir-t.i0)*kc:][:kc*bk.mr]
			mr := min(bk.mr, t.i1-ir)
			if mr == bk.mr && nr == bk.nr {
				kernel(kc, as, bs, c[oc+ir*p.LDC+jr:], p.LDC, p.Alpha)
				continue
			}
			if nr == bk.nr && bk.rows != nil && mr < len(bk.rows) {
				rk := bk.rows[mr]
				if set {
					rk = bk.rowsSet[mr]
				}
				rk(kc, as, bs, c[oc+ir*p.LDC+jr:], p.LDC, p.Alpha)
				continue
			}
			e := w.edge[:bk.mr*bk.nr]
			bk.kernelSet0(kc, as, bs, e, p.Alpha)
			for i := range mr {
				dst := c[oc+(ir+i)*p.LDC+jr:][:nr]
				if set {
					copy(dst, e[i*bk.nr:])
				} else {
					axpy(dst, e[i*bk.nr:], 1)
				}
			}
		}
	}
}

// kernelSet0 stores alpha·A·B for one micro-tile into e (leading
// dimension nr), whatever e held.
func (bk *blocking) kernelSet0(kc int, as, bs, e []float32, alpha float32) {
	if bk.kernelSet != nil {
		bk.kernelSet(kc, as, bs, e, bk.nr, alpha)
		return
	}
	clear(e)
	bk.kernel(kc, as, bs, e, bk.nr, alpha)
}

// packA copies rows i0..i1 and columns pc..pc+kc of op(A) into mr-tall
// slivers: sliver s holds A(i0+s·mr+r, pc+k) at s·kc·mr + k·mr + r, rows
// past i1 zero. A(i, k) is a[oa + i·lda + k], or a[oa + k·lda + i] when
// transposed, so no transposed copy of A is ever made.
func packA(dst, a []float32, oa, lda int, trans bool, pc, kc, i0, i1, mr int) {
	for ir := i0; ir < i1; ir += mr {
		d := dst[(ir-i0)*kc:][:kc*mr]
		rows := min(mr, i1-ir)
		if rows < mr {
			clear(d)
		}
		if trans {
			if rows == mr && copyRows(d, a, oa+pc*lda+ir, lda, kc, mr) {
				continue
			}
			for k := range kc {
				copy(d[k*mr:k*mr+rows], a[oa+(pc+k)*lda+ir:])
			}
			continue
		}
		done := transposeBlocks(d, mr, a, oa+ir*lda+pc, lda, rows, kc)
		for r := range rows {
			src := a[oa+(ir+r)*lda+pc:][:kc]
			for k := done; k < kc; k++ {
				d[k*mr+r] = src[k]
			}
		}
	}
}

// packB copies rows pc..pc+kc and columns j0..j1 of op(B) into nr-wide
// slivers: sliver s holds B(pc+k, j0+s·nr+c) at s·kc·nr + k·nr + c, columns
// past j1 zero. B(k, j) is b[ob + k·ldb + j], or b[ob + j·ldb + k] when
// transposed.
func packB(dst, b []float32, ob, ldb int, trans bool, pc, kc, j0, j1, nr int) {
	for jr := j0; jr < j1; jr += nr {
		d := dst[(jr-j0)*kc:][:kc*nr]
		cols := min(nr, j1-jr)
		if cols < nr {
			clear(d)
		}
		if !trans {
			if cols == nr && copyRows(d, b, ob+pc*ldb+jr, ldb, kc, nr) {
				continue
			}
			for k := range kc {
				copy(d[k*nr:k*nr+cols], b[ob+(pc+k)*ldb+jr:])
			}
			continue
		}
		for c0 := 0; c0 < cols; c0 += 16 {
			c1 := min(c0+16, cols)
			done := transposeBlocks(d[c0:], nr, b, ob+(jr+c0)*ldb+pc, ldb, c1-c0, kc)
			for col := c0; col < c1; col++ {
				src := b[ob+(jr+col)*ldb+pc:][:kc]
				for k := done; k < kc; k++ {
					d[k*nr+col] = src[k]
				}
			}
		}
	}
}
