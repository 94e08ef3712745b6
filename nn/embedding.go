package nn

import (
	"fmt"

	"github.com/nervelab/nerve/tensor"
)

// Embedding is a lookup table of num vectors of size dim, as
// torch.nn.Embedding: out[..., :] = Weight[idx[...], :].
//
// Shape: int64 indices of any shape [...] → [..., dim]. Weight is
// [num, dim], initialised from N(0, 1) as PyTorch does, from tensor's
// global generator or EmbeddingGenerator's. With PaddingIdx, that row
// starts at zero and receives no gradient (its output is the row as it
// is). The gradient is dense ([num, dim], through IndexSelect's
// backward), not PyTorch's sparse=True.
type Embedding struct {
	Weight *tensor.Tensor

	// PaddingIdx is the row that gets no gradient, in [0, num), or −1 for
	// none (PyTorch's padding_idx=None).
	PaddingIdx int64 `nn:"-"`
}

// EmbeddingOption configures NewEmbedding.
type EmbeddingOption func(*embeddingConfig)

type embeddingConfig struct {
	pad    int64
	hasPad bool
	gen    *tensor.Generator
}

// PaddingIdx sets the padding row (PyTorch's padding_idx; negative counts
// from the end).
func PaddingIdx(i int) EmbeddingOption {
	return func(c *embeddingConfig) { c.pad, c.hasPad = int64(i), true }
}

// EmbeddingGenerator draws the initial weight from g rather than from
// tensor's global generator.
func EmbeddingGenerator(g *tensor.Generator) EmbeddingOption {
	return func(c *embeddingConfig) { c.gen = g }
}

// NewEmbedding returns Embedding(num, dim). It panics unless num and dim
// are positive and the padding index is within [−num, num).
func NewEmbedding(num, dim int, opts ...EmbeddingOption) *Embedding {
	if num <= 0 || dim <= 0 {
		panic(&tensor.ShapeError{Op: "NewEmbedding", A: []int{num, dim}, Why: "num_embeddings and embedding_dim must be positive"})
	}
	var c embeddingConfig
	for _, o := range opts {
		o(&c)
	}
	e := &Embedding{Weight: genOr(c.gen).Randn(num, dim), PaddingIdx: -1}
	if c.hasPad {
		p := c.pad
		if p < -int64(num) || p >= int64(num) {
			panic(&tensor.IndexError{Op: "NewEmbedding", Why: fmt.Sprintf("padding_idx %d must be within num_embeddings (%d)", p, num)})
		}
		if p < 0 {
			p += int64(num)
		}
		e.PaddingIdx = p
		e.Weight.Narrow(0, int(p), 1).FillInPlace(0)
	}
	e.Weight.SetRequiresGrad(true)
	return e
}

// Forward looks up the rows idx names. It panics (a *tensor.IndexError)
// on an index outside [0, num), and (a *tensor.DTypeError) if idx is not
// int64.
func (e *Embedding) Forward(idx *tensor.Tensor) *tensor.Tensor {
	num, dim := e.Weight.Size(0), e.Weight.Size(1)
	flat := idx.Reshape(-1)
	ids := flat.Int64s()
	for _, v := range ids {
		if v < 0 || v >= int64(num) {
			panic(&tensor.IndexError{Op: "Embedding", Why: fmt.Sprintf("index %d is out of range for an embedding of %d rows", v, num)})
		}
	}
	out := e.Weight.IndexSelect(0, flat)
	if e.PaddingIdx >= 0 && out.RequiresGrad() { // the padding row's lookups pass no gradient back
		keep := make([]float32, len(ids))
		for i, v := range ids {
			if v != e.PaddingIdx {
				keep[i] = 1
			}
		}
		out = tensor.Where(tensor.New(keep, len(ids), 1), out, out.Detach())
	}
	return out.Reshape(append(idx.Shape(), dim)...)
}

// ExtraRepr is what Summary prints: 10, 3, padding_idx=0.
func (e *Embedding) ExtraRepr() string {
	s := fmt.Sprintf("%d, %d", e.Weight.Size(0), e.Weight.Size(1))
	if e.PaddingIdx >= 0 {
		s += fmt.Sprintf(", padding_idx=%d", e.PaddingIdx)
	}
	return s
}
