package tensor

import (
	"github.com/nervelab/nerve/internal/device"
)

// Cat concatenates tensors along dim. All must have the same dtype and the
// same shape except in dim. It panics on an empty list or a shape mismatch.
func Cat(ts []*Tensor, dim int) *Tensor {
	if len(ts) == 0 {
		indexPanic("Cat", "expected a non-empty list of tensors")
	}
	first := ts[0]
	if first.Dim() == 0 {
		shapePanic("Cat", first.shape, nil, "zero-dimensional tensor cannot be concatenated")
	}
	d := normDim("Cat", dim, first.Dim())
	shape := cloneInts(first.shape)
	shape[d] = 0
	for _, t := range ts {
		sameDevice("Cat", first, t)
		if t.DType() != first.DType() || t.Dim() != first.Dim() {
			shapePanic("Cat", first.shape, t.shape, "cannot be concatenated (dtype or rank differs)")
		}
		for i := range t.shape {
			if i != d && t.shape[i] != first.shape[i] {
				shapePanic("Cat", first.shape, t.shape, "sizes must match except in dimension %d", d)
			}
		}
		shape[d] += t.shape[d]
	}
	out := empty(first.dev, first.DType(), shape)
	at := 0
	for _, t := range ts {
		dst := out.view(t.shape, out.strides, at*out.strides[d])
		out.dev.Copy(out.buf, dst.layout(), t.buf, t.layout())
		at += t.shape[d]
	}
	if needsGrad(ts...) {
		record(out, "Cat", ts, func(g *Tensor) []*Tensor {
			gs := make([]*Tensor, len(ts))
			at := 0
			for i, t := range ts {
				if t.requiresGrad {
					gs[i] = g.Detach().Narrow(d, at, t.shape[d]).copyRaw()
				}
				at += t.shape[d]
			}
			return gs
		})
	}
	return out
}

// Stack joins tensors of equal shape along a new dim.
func Stack(ts []*Tensor, dim int) *Tensor {
	if len(ts) == 0 {
		indexPanic("Stack", "expected a non-empty list of tensors")
	}
	d := normDim("Stack", dim, ts[0].Dim()+1)
	us := make([]*Tensor, len(ts))
	for i, t := range ts {
		if !sameShape(t.shape, ts[0].shape) {
			shapePanic("Stack", ts[0].shape, t.shape, "stack expects each tensor to be equal size")
		}
		us[i] = t.Unsqueeze(d)
	}
	return Cat(us, d)
}

// Split cuts t into pieces of size along dim (the last may be smaller);
// the pieces are views.
func (t *Tensor) Split(size, dim int) []*Tensor {
	d := normDim("Split", dim, t.Dim())
	if size <= 0 {
		indexPanic("Split", "split size must be positive, got %d", size)
	}
	var out []*Tensor
	for at := 0; at < t.shape[d]; at += size {
		out = append(out, t.Narrow(d, at, min(size, t.shape[d]-at)))
	}
	if len(out) == 0 {
		out = append(out, t.Narrow(d, 0, 0))
	}
	return out
}

// Chunk cuts t into at most chunks equal pieces along dim (the last may be
// smaller), as torch.chunk.
func (t *Tensor) Chunk(chunks, dim int) []*Tensor {
	if chunks <= 0 {
		indexPanic("Chunk", "chunk expects `chunks` to be greater than 0, got %d", chunks)
	}
	d := normDim("Chunk", dim, t.Dim())
	return t.Split(max(1, (t.shape[d]+chunks-1)/chunks), d)
}

// IndexSelect picks the entries idx (a 1-D int64 tensor) along dim. It
// panics on an index out of range.
func (t *Tensor) IndexSelect(dim int, idx *Tensor) *Tensor {
	idx.mustInt64("IndexSelect")
	if idx.Dim() > 1 {
		shapePanic("IndexSelect", t.shape, idx.shape, "index must be 0-D or 1-D")
	}
	t.mustFloat("IndexSelect")
	d := normDim("IndexSelect", dim, t.Dim())
	x, ix := t.contig(), idx.dense()
	m := ix.Numel()
	shape := cloneInts(t.shape)
	if t.Dim() > 0 {
		shape[d] = m
	}
	outer, n, inner := splitAt(t.shape, d, d)
	xd := x.dense()
	out := empty(t.dev, Float32, shape)
	checkIndex("IndexSelect", t.dev.IndexSelect(out.buf, xd.buf, ix.buf, outer, n, inner, m))
	if needsGrad(t) {
		record(out, "IndexSelect", []*Tensor{t}, func(g *Tensor) []*Tensor {
			gx := empty(t.dev, Float32, t.shape)
			checkIndex("IndexSelect", t.dev.IndexAdd(gx.buf, g.dense().buf, ix.buf, outer, n, inner, m))
			return []*Tensor{gx}
		})
	}
	return out
}

// Gather picks, along dim, the entries named by idx (int64, same rank as t;
// its size in every other dim must not exceed t's): out[i][j] = t[i][idx[i][j]]
// for dim 1, as torch.gather. It panics on an index out of range.
func (t *Tensor) Gather(dim int, idx *Tensor) *Tensor {
	idx.mustInt64("Gather")
	t.mustFloat("Gather")
	if idx.Dim() != t.Dim() {
		shapePanic("Gather", t.shape, idx.shape, "index tensor must have the same number of dimensions as input")
	}
	d := normDim("Gather", dim, t.Dim())
	src := t
	for i := range t.shape {
		if i == d {
			continue
		}
		if idx.shape[i] > t.shape[i] {
			shapePanic("Gather", t.shape, idx.shape, "size of index dimension %d exceeds input's", i)
		}
		if idx.shape[i] < t.shape[i] {
			src = src.Narrow(i, 0, idx.shape[i])
		}
	}
	return src.gatherSame(d, idx)
}

// gatherSame gathers when idx matches t in every dim but d.
func (t *Tensor) gatherSame(d int, idx *Tensor) *Tensor {
	outer, n, inner := splitAt(t.shape, d, d)
	m := 1
	if t.Dim() > 0 {
		m = idx.shape[d]
	}
	xd, ix := t.dense(), idx.dense()
	out := empty(t.dev, Float32, idx.shape)
	checkIndex("Gather", t.dev.Gather(out.buf, xd.buf, ix.buf, outer, n, inner, m))
	if needsGrad(t) {
		record(out, "Gather", []*Tensor{t}, func(g *Tensor) []*Tensor {
			gx := empty(t.dev, Float32, t.shape)
			checkIndex("Gather", t.dev.ScatterAdd(gx.buf, g.dense().buf, ix.buf, outer, n, inner, m))
			return []*Tensor{gx}
		})
	}
	return out
}

// OneHot returns float32 one-hot rows for the int64 class indices idx, with
// a new last dim of size classes (classes < 0: the largest index + 1, as
// PyTorch's num_classes=-1). It panics on an index outside [0, classes).
func OneHot(idx *Tensor, classes int) *Tensor {
	idx.mustInt64("OneHot")
	if classes < 0 {
		classes = 0
		for _, v := range idx.Int64s() {
			classes = max(classes, int(v)+1)
		}
	}
	ix := idx.dense()
	out := empty(idx.dev, Float32, append(cloneInts(idx.shape), classes))
	checkIndex("OneHot", idx.dev.OneHot(out.buf, ix.buf, ix.Numel(), classes))
	return out
}

func checkIndex(op string, err error) {
	if err != nil {
		if ie, ok := err.(*device.IndexError); ok {
			indexPanic(op, "index %d is out of bounds for dimension with size %d", ie.Index, ie.N)
		}
		indexPanic(op, "%v", err)
	}
}
